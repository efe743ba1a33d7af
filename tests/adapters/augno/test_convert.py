"""Converter tests from JSON fixtures: every vendor example maps to what a reader expects."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from custbridge import (
    Address,
    ConfigurationError,
    CustomerInput,
    CustomerStatus,
    MappingError,
    Money,
    UnsupportedOperationError,
)
from custbridge_augno._convert import (
    CURRENT_INCLUDES,
    DEFAULT_INCLUDES,
    DOCPAGE_INCLUDES,
    PREVIEW1_INCLUDES,
    STATUS_FROM_VENDOR,
    create_body,
    currency_of,
    update_body,
)
from custbridge_augno._wire import Unit

from ._support import SPEC_ID, load, make_provider, spec, spec_customer_examples, spec_example

MAY_10 = datetime(2026, 5, 10, tzinfo=UTC)
ALL_FIELDS_NOT_LOADED = {"email", "phone", "website", "billing_address", "address", "shipping_address", "credit_limit"}
HQ = Address(name="Headquarters", line1="4200 Industrial Pkwy", city="Columbus", region="OH",
             postal_code="43204", country="US")


# -- the spec's customer examples (April 2026 generation) ----------------------------------


@pytest.mark.parametrize("where", list(spec_customer_examples()))
def test_every_spec_customer_example_maps(where: str) -> None:
    record = spec_customer_examples()[where]
    c = make_provider(include="all").map_record(record)
    assert c.provider == "augno"
    assert c.id == SPEC_ID
    assert c.key == f"augno:{SPEC_ID}"
    assert c.number == "100042"
    assert c.company_name == c.display_name == "Acme Inc."
    assert c.first_name is None and c.last_name is None
    assert c.notes == "Preferred customer since 2020."
    assert (c.email, c.phone, c.website) == ("orders@acme.com", "555-123-4567", "https://acme.com")
    assert c.status is CustomerStatus.ACTIVE and c.vendor_status == "normal"
    assert c.credit_limit == Money(amount=Decimal("1234.56"), currency="USD", display="$1,234.56")
    assert isinstance(c.credit_limit.amount, Decimal)
    assert c.billing_address == c.address == c.shipping_address == HQ
    assert c.created_at == MAY_10
    assert c.updated_at == datetime(2026, 5, 10, 0, 23, tzinfo=UTC)
    assert c.deleted_at is None
    assert c.not_loaded == frozenset()
    assert dict(c.extras) == {
        "edi_status": "disabled",  # from is_edi_enabled: false
        "relationship_type": "standalone",  # is_parent_account: false and no parent_account
        "commission_policy": "commission_applied",
        "customer_type_group_id": "acgp_01jm4r6700f8nwq3v5hx2d9ktp",
        "customer_type_group_name": "Wholesale Customers",
        "price_group_ids": ("acgp_01jm4r6700f8nwq3v5hx2d9ktp",),
        "price_group_names": ("Wholesale Customers",),
        "price_groups_truncated": False,
        "parent_account_id": None,
        "child_account_ids": (),
        "child_accounts_truncated": False,
        "freight_policy": "billed_freight",
        "carrier_billing_type": "sender",
        "carrier_billing_account": "123456789",
        "default_carrier_id": "cr_01jm4r6700f8nwq3v5hx2d9ktp",
        "default_carrier_name": "FedEx",
        "default_service_level_id": "crop_01jm4r6700f8nwq3v5hx2d9ktp",
        "default_service_level_name": "FedEx Ground",
        "default_payment_term_id": "pytm_01jm4r6700f8nwq3v5hx2d9ktp",
        "default_payment_term_name": "Net 30",
        "default_shipping_term_id": "shtm_01jm4r6700f8nwq3v5hx2d9ktp",
        "default_shipping_term_name": "Prepaid",
        "default_sales_rep_id": "us_01gf7a8200e9pvbd6bgyq395ae",
        "default_sales_rep_name": "John Doe",
        "default_priority": "normal",
        "accepts_invoice_emails": True,
        "bill_to_address_id": "ad_01jm4r6700f8nwq3v5hx2d9ktp",
        "bill_to_address_type": "standard",  # from is_drop_ship: false
        "ship_to_address_id": "ad_01jm4r6700f8nwq3v5hx2d9ktp",
        "ship_to_address_type": "standard",
        "credit_limit_unit_id": "un_01jm4r6700f8nwq3v5hx2d9ktp",
        "credit_limit_unit_name": "US Dollar",
    }
    assert c.raw == record


def test_spec_property_examples_map() -> None:
    props = spec()["components"]["schemas"]["Customer"]["properties"]
    provider = make_provider(include="all")
    base = load("docpage-customer-no-includes.json")
    c = provider.map_record({**base, "credit_limit": props["credit_limit"]["example"],
                             "bill_to_address": props["bill_to_address"]["example"],
                             "ship_to_address": props["ship_to_address"]["example"],
                             "type": props["type"]["example"], "price_groups": props["price_groups"]["example"]})
    assert c.credit_limit == Money(amount=Decimal("1234.56"), currency="USD", display="$1,234.56")
    assert c.billing_address == c.shipping_address == HQ
    assert c.extras["customer_type_group_name"] == "Wholesale Customers"
    # The nested price_groups list is itself paginated (has_next_page: true): only its first page is
    # embedded, and the extras say so.
    assert c.extras["price_group_ids"] == ("acgp_01jm4r6700f8nwq3v5hx2d9ktp",)
    assert props["price_groups"]["example"]["page_info"]["has_next_page"] is True
    assert c.extras["price_groups_truncated"] is True


def test_spec_list_example_is_one_record_and_a_cursor() -> None:
    page = spec_example("/v1/sales/customers", "get", "200")
    provider = make_provider()
    assert page["page_info"]["next_cursor"] == SPEC_ID
    assert [provider.map_record(r).id for r in page["data"]] == [SPEC_ID]


# -- the retrieve page's shape (current generation) ----------------------------------------


def test_docpage_customer_maps() -> None:
    record = load("docpage-customer.json")
    c = make_provider(include="all").map_record(record)
    assert (c.id, c.number, c.display_name) == (SPEC_ID, "100042", "Acme Inc.")
    assert c.status is CustomerStatus.ACTIVE and c.vendor_status == "preferred"
    assert (c.email, c.phone, c.website) == ("orders@acme.com", "555-123-4567", "https://acme.com")
    # credit_limit.unit is "Always returned as null in this endpoint": no currency, but the display.
    assert c.credit_limit == Money(amount=Decimal("1234.56"), currency=None, display="$1,234.56")
    # geolocation is "Always returned as null in this endpoint": no address yet (never a name-only
    # Address counted as present); the fields wait in not_loaded for the address endpoint.
    assert c.billing_address is None and c.address is None and c.shipping_address is None
    assert c.not_loaded == {"billing_address", "address", "shipping_address"}
    extras = c.extras
    assert extras["edi_status"] == "enabled"
    assert extras["relationship_type"] == "parent"
    assert extras["child_account_ids"] == ("ac_01gf7a8200er3ar3pkfrchild",)
    assert extras["parent_account_id"] is None
    assert extras["price_group_ids"] == ("acgp_01jm4r6700f8nwq3v5hx2d9kpg",)
    assert extras["price_group_names"] == ("Preferred Pricing",)
    assert extras["default_priority"] == "high"
    assert extras["default_sales_rep_name"] == "John Doe"
    assert extras["accepts_invoice_emails"] is False
    assert extras["bill_to_address_id"] == "ad_01jm4r6700f8nwq3v5hx2d9ktp"
    assert extras["ship_to_address_type"] == "drop_ship"
    assert "credit_limit_unit_id" not in extras
    assert extras["price_groups_truncated"] is False and extras["child_accounts_truncated"] is False


def test_without_includes_null_means_not_loaded() -> None:
    record = load("docpage-customer-no-includes.json")
    c = make_provider(include=[]).map_record(record)
    assert c.not_loaded == ALL_FIELDS_NOT_LOADED
    assert c.email is None and c.billing_address is None and c.credit_limit is None
    # Scalars are always present; nothing from a sub-object is reported.
    assert dict(c.extras) == {"edi_status": "enabled", "relationship_type": "parent",
                              "commission_policy": "commission_applied"}


@pytest.mark.parametrize(
    ("include", "not_loaded"),
    [
        (None, {"email", "phone", "website", "credit_limit"}),  # the retrieve page's three includes
        ("documented", {"email", "phone", "website", "credit_limit"}),
        (["contact_info"], ALL_FIELDS_NOT_LOADED - {"email", "phone", "website"}),
        ("bill_to_address,credit_limit", ALL_FIELDS_NOT_LOADED - {"billing_address", "address", "credit_limit"}),
        ("all", set()),
    ],
)
def test_not_loaded_follows_the_include_setting(include: Any, not_loaded: set[str]) -> None:
    provider = make_provider(include=include)
    c = provider.map_record(load("docpage-customer-no-includes.json"))
    assert c.not_loaded == not_loaded


def test_requested_but_null_is_empty_not_unknown() -> None:
    record = {**load("docpage-customer-no-includes.json"), "credit_limit": None,
              "contact_info": {"object": "customer_contact_info", "email": None, "phone": None, "url": None}}
    c = make_provider(include="all").map_record(record)
    assert "credit_limit" not in c.not_loaded and c.credit_limit is None  # the customer has none
    assert "email" not in c.not_loaded and c.email is None


def test_default_includes_are_what_each_generation_documents() -> None:
    """A strict server accepts only the include values its docs list: ask for no others by default."""
    assert {"contact_info", "bill_to_address", "ship_to_address", "credit_limit", "type"} <= set(DEFAULT_INCLUDES)
    current = make_provider()
    assert current.includes == DOCPAGE_INCLUDES == ("bill_to_address", "ship_to_address", "type")
    assert make_provider(include="documented").includes == DOCPAGE_INCLUDES
    assert make_provider(include="all").includes == CURRENT_INCLUDES  # the Go SDK's list: an opt-in
    legacy = make_provider(api_version="1.0.forge-preview.1")
    assert set(legacy.includes) <= set(PREVIEW1_INCLUDES) == set(legacy.documented_includes)
    assert legacy.includes == tuple(i for i in DEFAULT_INCLUDES if i != "credit_limit.unit")


# -- status, currency, both generations ------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "status"),
    [("normal", CustomerStatus.ACTIVE), ("preferred", CustomerStatus.ACTIVE),
     ("hold_shipment", CustomerStatus.ON_HOLD), ("hold_all", CustomerStatus.ON_HOLD),
     ("archived", CustomerStatus.UNKNOWN)],
)
def test_status_table(vendor: str, status: CustomerStatus) -> None:
    record = {**load("docpage-customer-no-includes.json"), "status": vendor}
    c = make_provider().map_record(record)
    assert c.status is status and c.vendor_status == vendor


def test_status_table_is_complete_for_the_vendor_enum() -> None:
    enum = spec()["components"]["schemas"]["Customer"]["properties"]["status"]["enum"]
    assert set(STATUS_FROM_VENDOR) == set(enum)


@pytest.mark.parametrize(
    ("name", "abbreviation", "unit_type", "currency"),
    [("US Dollar", "$", "currency", "USD"), ("Euro", "€", "currency", "EUR"), ("Dollar (custom)", "$", None, None),
     ("Swiss Franc", "CHF", "currency", "CHF"), ("Canadian Dollar", "CA$", "currency", "CAD"),
     ("Whatever", "£", "currency", "GBP"), ("Kilogram", "kg", "mass", None), ("Weird", "EUR", "currency", "EUR")],
)
def test_currency_of_unit(name: str, abbreviation: str, unit_type: str | None, currency: str | None) -> None:
    assert currency_of(Unit(id="un_1", name=name, abbreviation=abbreviation, unit_type=unit_type)) == currency


def test_decimal_string_is_exact() -> None:
    record = {**load("docpage-customer-no-includes.json"),
              "credit_limit": {"id": "qty_1", "object": "quantity", "value": "12345678901234567890.123456789",
                               "display_value": "$12,345,678,901,234,567,890.12", "unit": None}}
    c = make_provider().map_record(record)
    assert c.credit_limit is not None
    assert c.credit_limit.amount == Decimal("12345678901234567890.123456789")


@pytest.mark.parametrize(
    ("is_parent", "parent", "include", "expected"),
    [(True, None, None, "parent"), (False, {"id": "ac_p", "name": "P"}, None, "child"),
     (False, None, ["parent_account"], "standalone"), (False, None, ["contact_info"], None),
     (False, None, None, None)],  # the current page's includes cannot expand parent_account
)
def test_april_relationship_flags(is_parent: bool, parent: Any, include: Any, expected: str | None) -> None:
    record = copy.deepcopy(spec_customer_examples()["schema Customer"])
    record["is_parent_account"] = is_parent
    record["parent_account"] = parent
    c = make_provider(include=include).map_record(record)
    assert c.extras.get("relationship_type") == expected


# -- bad records --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "path"),
    [({"credit_limit": {"value": "abc", "display_value": "x", "unit": None}}, "$.credit_limit.value"),
     ({"name": None}, "$.name"),
     ({"contact_info": "orders@acme.com"}, "$.contact_info"),
     ({"created_at": "yesterday"}, "$.created_at"),
     ({"bill_to_address": {"name": "HQ"}}, "$.bill_to_address.id"),
     ({"type": "Wholesale Customers"}, "$.type"),  # the vendor's key, not the wire attribute
     ({"ship_to_address": {"id": "ad_1", "type": 3}}, "$.ship_to_address.type")],
)
def test_bad_records_name_the_json_path(patch: dict[str, Any], path: str) -> None:
    record = {**load("docpage-customer-no-includes.json"), **patch}
    with pytest.raises(MappingError) as info:
        make_provider().map_record(record)
    err = info.value
    assert err.provider == "augno" and err.record_id == SPEC_ID
    assert path in [p for p, _ in err.paths], err.paths  # a missing key is named at its own path
    assert err.paths[0][0] in str(err) and err.paths[0][1] in str(err)


@pytest.mark.parametrize("fixture", ["docpage-customer.json", "docpage-customer-no-includes.json"])
def test_a_record_as_json_and_as_a_dict_maps_to_equal_customers(fixture: str) -> None:
    """Both entry points (a list page's record as its JSON, a decoded dict) go through one mapping."""
    record = load(fixture)
    provider = make_provider(include="all")
    content = json.dumps(record).encode()
    from_dict = provider.map_record(record)
    for given in (msgspec.Raw(content), content):
        from_json = provider.map_record(given)
        assert from_json == from_dict
        assert from_json.raw == record and from_dict.raw == record  # raw: the vendor record itself
    for spec_record in spec_customer_examples().values():
        as_json = provider.map_record(msgspec.Raw(json.dumps(spec_record).encode()))
        assert as_json == provider.map_record(spec_record) and as_json.raw == spec_record


def test_a_bad_record_fails_alike_as_json_and_as_a_dict() -> None:
    record = {**load("docpage-customer-no-includes.json"), "contact_info": {"email": 42}}
    errors = []
    for given in (record, json.dumps(record).encode()):
        with pytest.raises(MappingError) as info:
            make_provider(include="all").map_record(given)
        errors.append(info.value)
    assert [(e.record_id, list(e.paths)) for e in errors] == [(SPEC_ID, [("$.contact_info.email",
                                                                          "Expected `str | null`, got `int`")])] * 2


@pytest.mark.parametrize(
    ("value", "amount"),
    [("", None), ("  ", None), (None, None), ("1234.5600", Decimal("1234.5600")), (250, Decimal(250)),
     ("0.1", Decimal("0.1"))],
)
def test_credit_limit_values_are_exact_or_no_value(value: Any, amount: Decimal | None) -> None:
    record = {**load("docpage-customer-no-includes.json"),
              "credit_limit": {"value": value, "display_value": "x", "unit": None}}
    c = make_provider(include="all").map_record(record)
    assert (c.credit_limit.amount if c.credit_limit else None) == amount
    assert c.credit_limit is None or isinstance(c.credit_limit.amount, Decimal)


@pytest.mark.parametrize("value", ["NaN", "Infinity", True, {"v": 1}])
def test_a_credit_limit_value_that_is_no_decimal_is_refused_at_its_path(value: Any) -> None:
    record = {**load("docpage-customer-no-includes.json"),
              "credit_limit": {"value": value, "display_value": "x", "unit": None}}
    with pytest.raises(MappingError) as info:
        make_provider(include="all").map_record(record)
    assert [p for p, _ in info.value.paths] == ["$.credit_limit.value"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-05-10T00:00:00Z", MAY_10), ("2026-05-10T00:00:00", MAY_10),  # naive = UTC
     ("2026-05-10T02:00:00+02:00", MAY_10), ("2026-05-10 00:00:00z", MAY_10), (1778371200, MAY_10)],
)
def test_timestamps_are_aware(value: Any, expected: datetime) -> None:
    record = {**load("docpage-customer-no-includes.json"), "updated_at": value}
    c = make_provider().map_record(record)
    assert c.updated_at == expected and c.updated_at is not None and c.updated_at.utcoffset() is not None


# -- write bodies -------------------------------------------------------------------------------

REFS = {"customer_type_group_id": "acgp_01jm4r6700f8nwq3v5hx2d9ktp", "default_carrier_id": "cr_01jm4r6700f8nwq3v5hx2d9ktp",
        "default_payment_term_id": "pytm_01jm4r6700f8nwq3v5hx2d9ktp",
        "default_shipping_term_id": "shtm_01jm4r6700f8nwq3v5hx2d9ktp"}
ACME_NY = Address(line1="123 Main St", city="New York", region="NY", postal_code="10001", country="US")


def _spec_create_input() -> CustomerInput:
    return CustomerInput(company_name="Acme Inc.", notes="Key enterprise account", address=ACME_NY)


def test_create_body_reproduces_the_spec_request_example() -> None:
    provider = make_provider(api_version="1.0.forge-preview.1", **REFS)
    body = create_body(_spec_create_input(), provider._write)
    example = spec_example("/v1/sales/customers", "post")
    # The spec's own example omits customer_price_group_ids although its schema requires it.
    assert body == {**example, "customer_price_group_ids": []}


def test_create_body_current_generation_uses_address_type() -> None:
    body = create_body(_spec_create_input(), make_provider(**REFS)._write)
    assert body["bill_to_address"] == {"name": "Acme Inc.", "street_line_1": "123 Main St", "locality": "New York",
                                       "state": "NY", "postal_code": "10001", "country": "US", "type": "standard"}
    assert body["ship_to_address"] == body["bill_to_address"]
    assert "customer_price_group_ids" not in body


def test_create_body_maps_every_writable_field() -> None:
    data = CustomerInput(
        number="A-7", company_name="Globex", email="ap@globex.example", phone="555-0100", website="https://globex.example",
        status=CustomerStatus.ON_HOLD, notes="n", credit_limit=Money(amount=Decimal("1E+3"), currency="USD"),
        billing_address=ACME_NY, shipping_address=Address(name="Dock", line1="1 Pier", city="Newark", country="us"),
        vendor_fields={"commission_policy": "commission_exempt", "customer_price_group_ids": ["acgp_x"]},
    )
    body = create_body(data, make_provider(credit_limit_unit_id="un_usd", **REFS)._write)
    assert body["number"] == "A-7" and body["name"] == "Globex"
    assert (body["email"], body["phone"], body["url"], body["note"]) == (
        "ap@globex.example", "555-0100", "https://globex.example", "n")
    assert body["status"] == "hold_shipment"
    assert body["credit_limit"] == {"value": "1000", "unit_id": "un_usd"}  # never exponent notation
    assert body["ship_to_address"]["name"] == "Dock" and body["ship_to_address"]["country"] == "US"
    assert body["bill_to_address"]["name"] == "Globex"  # falls back to the company name
    assert body["commission_policy"] == "commission_exempt"
    assert body["customer_price_group_ids"] == ["acgp_x"]
    assert {k: body[k] for k in REFS} == REFS


@pytest.mark.parametrize(
    ("settings", "vendor_fields", "missing"),
    [({}, {}, list(REFS)),
     ({"customer_type_group_id": "acgp_1"}, {"default_carrier_id": "cr_1"},
      ["default_payment_term_id", "default_shipping_term_id"]),
     ({k: "x" for k in REFS if k != "default_carrier_id"}, {}, ["default_carrier_id"])],
)
def test_create_names_exactly_the_missing_reference_ids(
    settings: dict[str, str], vendor_fields: dict[str, str], missing: list[str]
) -> None:
    data = CustomerInput(company_name="Acme", address=ACME_NY, vendor_fields=vendor_fields)
    with pytest.raises(ConfigurationError) as info:
        create_body(data, make_provider(**settings)._write)
    err = info.value
    assert err.operation == "create" and err.provider == "augno"
    assert err.message.endswith("missing: " + ", ".join(missing))
    present = [k for k in REFS if k not in missing]
    assert not any(k in err.message for k in present)
    assert err.hint is not None
    for key in missing:
        assert f"AUGNO_{key.upper()}" in err.hint and f"vendor_fields={{{key!r}" in err.hint


def test_openmrp_hints_name_its_variables() -> None:
    data = CustomerInput(company_name="Acme", address=ACME_NY)
    with pytest.raises(ConfigurationError) as info:
        create_body(data, make_provider("openmrp")._write)
    assert "OPENMRP_CUSTOMER_TYPE_GROUP_ID" in str(info.value)
    assert info.value.provider == "openmrp"


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [(CustomerInput(address=ACME_NY), ConfigurationError, "company_name"),
     (CustomerInput(company_name="A"), ConfigurationError, "needs an address"),
     (CustomerInput(company_name="A", address=Address(city="Nowhere")), ConfigurationError, "country"),
     (CustomerInput(company_name="A", address=ACME_NY, billing_address=Address(country="BE")), ConfigurationError,
      "address and billing_address"),
     (CustomerInput(company_name="A", address=ACME_NY, credit_limit=Money(amount=Decimal(5))), ConfigurationError,
      "credit_limit_unit_id"),
     (CustomerInput(company_name="A", address=ACME_NY, status=CustomerStatus.INACTIVE), UnsupportedOperationError,
      "inactive"),
     (CustomerInput(company_name="A", address=ACME_NY, status=CustomerStatus.ACTIVE,
                    vendor_fields={"status": "preferred"}), ConfigurationError, "not both"),
     (CustomerInput(company_name="A", address=ACME_NY, vendor_fields={"frobnicate": 1}), ConfigurationError,
      "frobnicate"),
     (CustomerInput(company_name="A", address=ACME_NY, vendor_fields={"idempotency_key": ""}), ConfigurationError,
      "idempotency_key")],
)
def test_create_input_errors(data: CustomerInput, error: type[Exception], words: str) -> None:
    provider = make_provider(**REFS)
    with pytest.raises(error) as info:
        provider.create_request(data)
    assert words in str(info.value)


def test_create_drops_clears_and_keeps_vendor_status() -> None:
    data = CustomerInput(company_name="A", address=ACME_NY, email=None, notes=None,
                         vendor_fields={"status": "hold_all"})
    body = create_body(data, make_provider(**REFS)._write)
    assert "email" not in body and "note" not in body
    assert body["status"] == "hold_all"


def test_update_body_reproduces_the_spec_request_example() -> None:
    example = spec_example("/v1/sales/customers/{id}", "patch")
    data = CustomerInput(company_name="Acme Corp Updated", notes="Updated account notes",
                         vendor_fields={"freight_policy": "billed_freight",
                                        "default_carrier_id": "cr_01jm4r6700f8nwq3v5hx2d9ktp"})
    body = update_body(data, make_provider()._write)
    # The example's "credit_limit": {} is not a valid QuantityInput (value and unit_id are required).
    assert body == {k: v for k, v in example.items() if k != "credit_limit"}


def test_update_sends_only_set_fields_and_null_clears() -> None:
    data = CustomerInput(email=None, phone="555-0199", website=None, notes=None, credit_limit=None,
                         billing_address=None, status=CustomerStatus.ACTIVE)
    body = update_body(data, make_provider()._write)
    assert body == {"email": None, "phone": "555-0199", "url": None, "note": None, "credit_limit": None,
                    "bill_to_address_id": None, "status": "normal"}


def test_update_moves_addresses_by_id_only() -> None:
    provider = make_provider()
    body = update_body(CustomerInput(vendor_fields={"ship_to_address_id": "ad_2"}), provider._write)
    assert body == {"ship_to_address_id": "ad_2"}
    with pytest.raises(UnsupportedOperationError) as info:
        provider.update_request("ac_1", CustomerInput(shipping_address=ACME_NY))
    assert "ship_to_address_id" in str(info.value)
    with pytest.raises(ConfigurationError, match="cannot be cleared"):
        provider.update_request("ac_1", CustomerInput(company_name=None))


def test_create_takes_vendor_shaped_addresses() -> None:
    ctx = make_provider(**REFS)._write
    dock = {"name": "Dock 4", "country": "US", "type": "drop_ship", "phone": "555-0100"}
    body = create_body(CustomerInput(company_name="A", vendor_fields={"ship_to_address": dock}), ctx)
    assert body["ship_to_address"] == body["bill_to_address"] == dock
    body = create_body(CustomerInput(company_name="A", address=ACME_NY, vendor_fields={"ship_to_address": dock}), ctx)
    assert body["ship_to_address"] == dock and body["bill_to_address"]["locality"] == "New York"
    with pytest.raises(ConfigurationError, match="AddressInput"):
        create_body(CustomerInput(company_name="A", vendor_fields={"bill_to_address": "1 Main St"}), ctx)
    with pytest.raises(ConfigurationError, match="bill_to_address"):
        update_body(CustomerInput(vendor_fields={"bill_to_address": dock}), ctx)


# -- edge values a real vendor sends -------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_quantity_value_is_no_credit_limit(empty: str) -> None:
    """The spec's own unit example sends "" for its decimals: no value, not a rejected record."""
    record = {**load("docpage-customer-no-includes.json"),
              "credit_limit": {"id": "qty_1", "object": "quantity", "value": empty, "display_value": "",
                               "unit": spec_customer_examples()["schema Customer"]["credit_limit"]["unit"]}}
    c = make_provider(include="all").map_record(record)
    assert c.credit_limit is None and "credit_limit" not in c.not_loaded  # loaded: the vendor has no value
    assert c.extras["credit_limit_unit_name"] == "US Dollar"


def test_the_spec_unit_example_with_empty_decimals_maps() -> None:
    unit = spec_customer_examples()["schema Customer"]["credit_limit"]["unit"]
    assert unit["ratio_numerator"] == ""  # the vendor's own example
    c = make_provider(include="all").map_record(spec_customer_examples()["schema Customer"])
    assert c.credit_limit is not None and c.credit_limit.amount == Decimal("1234.56")


def test_a_paginated_child_account_list_is_marked_truncated() -> None:
    record = copy.deepcopy(load("docpage-customer.json"))
    record["child_accounts"]["page_info"] = {
        "next_page_url": "/v1/sales/customers?parent_account_id=ac_1&cursor=ac_2", "previous_page_url": None,
        "has_next_page": True, "has_prev_page": False}
    c = make_provider(include="all").map_record(record)
    assert c.extras["child_accounts_truncated"] is True
    assert c.extras["price_groups_truncated"] is False
    assert c.extras["child_account_ids"] == ("ac_01gf7a8200er3ar3pkfrchild",)
    # April shape: a bare next_cursor also means more.
    record["price_groups"]["page_info"] = {"next_cursor": "acgp_2", "prev_cursor": None}
    assert make_provider(include="all").map_record(record).extras["price_groups_truncated"] is True
    # Not requested: no key (absent means "not asked", not "complete").
    assert "child_accounts_truncated" not in make_provider().map_record(record).extras


def test_an_address_with_empty_street_data_is_none_not_an_empty_address() -> None:
    empty_geo = {"id": "gl_1", "object": "geolocation", "street_line_1": None, "street_line_2": None,
                 "locality": None, "state": None, "postal_code": None, "country": ""}
    record = {**load("docpage-customer-no-includes.json"),
              "bill_to_address": {"id": "ad_1", "object": "address", "name": "HQ", "type": "standard",
                                  "geolocation": empty_geo}}
    c = make_provider().map_record(record)
    assert c.billing_address is None and c.address is None
    assert "billing_address" not in c.not_loaded  # loaded: the vendor has no location for it


def test_address_endpoint_records_map() -> None:
    """``GET /v1/sales/addresses/{id}`` (spec example, April shape) and its current-generation twin."""
    provider = make_provider()
    example = spec_example("/v1/sales/addresses/{id}", "get", "200")
    assert provider._read_address(example) == ("ad_01jm4r6700f8nwq3v5hx2d9ktp", HQ)
    current = {k: v for k, v in example.items() if k != "is_drop_ship"} | {"type": "standard"}
    assert provider._read_address(current) == ("ad_01jm4r6700f8nwq3v5hx2d9ktp", HQ)
    assert provider._read_address({**example, "geolocation": None}) == ("ad_01jm4r6700f8nwq3v5hx2d9ktp", None)
    with pytest.raises(MappingError) as info:
        provider._read_address({**example, "geolocation": "4200 Industrial Pkwy"})
    assert info.value.record_id == "ad_01jm4r6700f8nwq3v5hx2d9ktp"
    with pytest.raises(MappingError):
        provider._read_address(["not", "an", "object"])
    # As its JSON (what the address list and the by-id answer hand over), the same result.
    for record in (example, current, {**example, "geolocation": None}):
        assert provider._read_address(msgspec.Raw(json.dumps(record).encode())) == provider._read_address(record)
    with pytest.raises(MappingError) as info:
        provider._read_address(json.dumps({**example, "geolocation": "4200 Industrial Pkwy"}).encode())
    assert info.value.record_id == "ad_01jm4r6700f8nwq3v5hx2d9ktp" and info.value.paths[0][0] == "$.geolocation"
    with pytest.raises(MappingError) as info:
        provider._read_address({"name": "HQ"})
    assert [p for p, _ in info.value.paths] == ["$.id"]  # a missing key is named at its own path
