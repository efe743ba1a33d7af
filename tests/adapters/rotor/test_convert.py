"""Converter tests: every documented Rotor JSON example maps to what a reader expects (no HTTP)."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest

import custbridge
from custbridge import Address, CustomerStatus, MappingError
from custbridge_rotor._convert import coordinates, status_from_wire, upsert_outcome

from ._support import make_provider, response
from .conftest import load

DOC_ID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
DOC_CREATED = datetime(2019, 12, 27, 18, 11, 19, 117000, tzinfo=UTC)
DOC_ADDRESS = Address(
    line1="street1", line2="street2", city="city", region="state", postal_code="zip", country="country"
)


def _read(record: Any) -> Any:
    return make_provider().map_record(record)


# --------------------------------------------------------------------------- read shape


@pytest.mark.parametrize(
    ("fixture", "flag", "absent"),
    [
        ("retrieve_typescript.json", "has_payment_method", "is_auto_pay"),
        ("retrieve_http.json", "is_auto_pay", "has_payment_method"),
    ],
)
def test_documented_retrieve_examples_map_to_the_expected_customer(fixture: str, flag: str, absent: str) -> None:
    payload = load(fixture)
    provider = make_provider()
    customer = provider.parse_customer(response(200, payload), "get")

    assert customer.provider == "rotor"
    assert customer.id == DOC_ID
    assert customer.key == f"rotor:{DOC_ID}"
    assert customer.first_name == "first_name"
    assert customer.last_name == "last_name"
    assert customer.company_name == "company_name"
    assert customer.display_name == "company_name"
    assert customer.email == "dev@stainless.com"
    assert customer.phone == "phone"
    assert customer.notes == "notes"
    assert customer.tags == ("string",)
    assert customer.status is CustomerStatus.ACTIVE
    assert customer.vendor_status == "active"
    assert customer.created_at == DOC_CREATED
    # "country" is not a recognisable country: kept as given. location [0] is one number:
    # no coordinates (kept in raw only).
    assert customer.address == DOC_ADDRESS
    assert customer.address.latitude is None and customer.address.longitude is None
    assert customer.raw["location"] == [0]
    assert customer.billing_address is None
    assert customer.not_loaded == frozenset({"billing_address"})
    assert dict(customer.extras) == {"source": "source", flag: True}
    assert absent not in customer.extras
    assert dict(customer.raw) == payload["data"]
    # Fields Rotor does not have stay empty.
    assert customer.website is None and customer.number is None and customer.external_id is None
    assert customer.updated_at is None and customer.deleted_at is None and customer.time_zone is None


def test_documented_list_example_gives_records_next_page_and_total() -> None:
    payload = load("list_typescript.json")
    provider = make_provider()
    from custbridge import ListQuery

    page = provider.parse_page(response(200, payload), ListQuery(page_size=50), None)
    assert page.total == 142
    assert page.next_cursor == 2  # has_more: true -> page 2
    assert len(page.records) == 1
    customer = provider.map_record(page.records[0])
    assert customer.id == DOC_ID
    assert customer.extras["has_payment_method"] is True
    assert customer.address == DOC_ADDRESS


def test_both_payment_flags_are_kept_apart_when_both_are_sent() -> None:
    record = {"id": "c1", "has_payment_method": False, "is_auto_pay": True}
    customer = _read(record)
    assert customer.extras == {"has_payment_method": False, "is_auto_pay": True}


def test_every_read_field_is_optional() -> None:
    customer = _read({"id": "only-an-id"})
    assert customer.id == "only-an-id"
    assert customer.display_name == "only-an-id"
    assert customer.status is CustomerStatus.UNKNOWN and customer.vendor_status is None
    assert customer.address is None and customer.tags == () and customer.created_at is None
    assert customer.extras == {}


def test_nulls_are_accepted_where_rotor_documents_them() -> None:
    customer = _read({"id": "c1", "notes": None, "tags": None, "location": None,
                      "address": {"street1": "1 Main St", "street2": None, "city": "Austin",
                                  "state": "TX", "zip": "78701", "country": "USA"}})
    assert customer.notes is None and customer.tags == ()
    assert customer.address == Address(line1="1 Main St", city="Austin", region="TX",
                                       postal_code="78701", country="US")


def test_empty_strings_become_none_and_an_all_empty_address_is_no_address() -> None:
    customer = _read({"id": "c1", "email": " ", "phone": "", "first_name": " Ann ",
                      "address": {"street1": "", "city": "", "state": "", "zip": "", "country": ""}})
    assert customer.email is None and customer.phone is None
    assert customer.first_name == "Ann"
    assert customer.address is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [("US", "US"), ("us", "US"), ("USA", "US"), ("United States", "US"), ("Canada", "CA"),
     ("BE", "BE"), ("Belgium", "BE"), ("Atlantis", "Atlantis"), ("country", "country"),
     ("UK", "GB"), ("Brazil", "BR"), ("Viet Nam", "VN"), ("Deutschland", "DE"), ("België", "BE")],
)
def test_country_is_normalised_to_alpha2_when_recognisable(given: str, expected: str) -> None:
    customer = _read({"id": "c1", "address": {"country": given, "city": "x"}})
    assert customer.address is not None and customer.address.country == expected


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ([40.7128, -74.006], (40.7128, -74.006)),
        ([51, 4], (51.0, 4.0)),
        ([-90, 180], (-90.0, 180.0)),
        ([0], None),  # the documented example: one number
        ([], None),
        ([1.0, 2.0, 3.0], None),
        ([-122.33, 47.6], (47.6, -122.33)),  # issue 11.5: |first| > 90, second fits: read as [lng, lat]
        ([151.2093, -33.8688], (-33.8688, 151.2093)),  # Sydney, GeoJSON order
        ([-74.006, 40.7128], (-74.006, 40.7128)),  # ambiguous (both within 90): stays [lat, lng]
        ([120.0, 100.0], None),  # neither can be a latitude
        ([200.0, 10.0], None),  # longitude out of range either way
        ([10.0, 200.0], None),
        ([0.0, 0.0], None),
        ([-0.0, 0], None),
        ([0, 0], None),  # placeholder, not Null Island
        ([math.inf, 1.0], None),
        ([True, 1.0], None),
        (["40.7", "-74.0"], None),
        ({"lat": 40.7, "lng": -74.0}, None),
        ("40.7,-74.0", None),
        (None, None),
    ],
)
def test_location_becomes_coordinates_only_when_it_is_two_numbers_in_range(location: Any, expected: Any) -> None:
    assert coordinates(location) == expected
    customer = _read({"id": "c1", "location": location, "address": {"city": "Somewhere"}})
    assert customer.address is not None
    got = (customer.address.latitude, customer.address.longitude)
    assert got == (expected if expected else (None, None))
    assert customer.raw["location"] == location


def test_location_alone_gives_an_address_with_only_coordinates() -> None:
    customer = _read({"id": "c1", "location": [50.85, 4.35]})
    assert customer.address == Address(latitude=50.85, longitude=4.35)


@pytest.mark.parametrize(
    ("value", "status"),
    [("active", CustomerStatus.ACTIVE), ("inactive", CustomerStatus.INACTIVE),
     ("Active", CustomerStatus.ACTIVE), ("archived", CustomerStatus.UNKNOWN),
     ("lead", CustomerStatus.UNKNOWN), (None, CustomerStatus.UNKNOWN)],
)
def test_status_table_with_unknown_fallback(value: str | None, status: CustomerStatus) -> None:
    assert status_from_wire(value) is status
    record = {"id": "c1"} if value is None else {"id": "c1", "status": value}
    customer = _read(record)
    assert customer.status is status
    assert customer.vendor_status == value


# --------------------------------------------------------------------------- bad records


def test_a_record_without_id_is_a_mapping_error_with_its_path() -> None:
    with pytest.raises(MappingError) as info:
        _read({"first_name": "Ann"})
    assert info.value.paths[0][0] == "$.id"
    assert info.value.provider == "rotor"


@pytest.mark.parametrize(
    ("record", "path"),
    [
        ({"id": "c1", "email": 42}, "$.email"),
        ({"id": "c1", "created_at": "yesterday"}, "$.created_at"),
        ({"id": "c1", "tags": ["ok", 3]}, "$.tags[1]"),
        ({"id": "c1", "address": {"zip": 12345}}, "$.address.zip"),
        ({"id": "c1", "address": "1 Main St"}, "$.address"),
        ({"id": "c1", "has_payment_method": "yes"}, "$.has_payment_method"),
    ],
)
def test_bad_values_name_their_json_path(record: dict[str, Any], path: str) -> None:
    with pytest.raises(MappingError) as info:
        _read(record)
    err = info.value
    assert err.record_id == "c1"
    assert path in [p for p, _ in err.paths], err.paths
    assert path in str(err)


def test_get_errors_name_the_path_inside_the_envelope() -> None:
    payload = load("retrieve_typescript.json")
    payload["data"]["created_at"] = "not a date"
    with pytest.raises(MappingError) as info:
        make_provider().parse_customer(response(200, payload), "get")
    assert [p for p, _ in info.value.paths] == ["$.data.created_at"]


@pytest.mark.parametrize(
    ("payload", "path"),
    [({"status": "success"}, "$.data"), ({"data": [1]}, "$.data"), ([], "$")],
)
def test_a_get_answer_without_a_customer_is_a_mapping_error(payload: Any, path: str) -> None:
    with pytest.raises(MappingError) as info:
        make_provider().parse_customer(response(200, payload), "get")
    assert info.value.paths[0][0] == path


def test_list_with_a_bad_pagination_block_is_a_mapping_error() -> None:
    from custbridge import ListQuery

    provider = make_provider()
    with pytest.raises(MappingError) as info:
        provider.parse_page(response(200, {"data": [], "pagination": {"has_more": "yes", "total": "3"}}),
                            ListQuery(page_size=10), None)
    assert {p for p, _ in info.value.paths} == {"$.pagination.has_more", "$.pagination.total"}
    with pytest.raises(MappingError):
        provider.parse_page(response(200, {"data": {"id": "x"}}), ListQuery(page_size=10), None)


# --------------------------------------------------------------------------- flat (upsert) shape


def test_documented_upsert_answer_maps_to_the_same_customer_shape() -> None:
    payload = load("upsert_response.json")
    customer = make_provider().parse_customer(response(201, payload), "upsert")
    assert customer.id == DOC_ID
    assert customer.first_name == "first_name" and customer.last_name == "last_name"
    assert customer.company_name == "company_name" and customer.email == "dev@stainless.com"
    assert customer.phone == "phone" and customer.notes == "notes"
    assert customer.status is CustomerStatus.ACTIVE and customer.tags == ("string",)
    assert customer.created_at == DOC_CREATED
    assert customer.address == Address(
        line1="property_street1", line2="property_street2", city="property_city",
        region="property_state", postal_code="property_zip", country="property_country",
    )
    assert customer.billing_address == Address(
        line1="billing_street1", line2="billing_street2", city="billing_city",
        region="billing_state", postal_code="billing_zip", country="billing_country",
    )
    assert dict(customer.extras) == {
        "source": "source",
        "service_type": "service_type",
        "service_frequency": "service_frequency",
        "billing_same_as_property": True,
        "upsert_outcome": "created",
    }
    assert customer.not_loaded == frozenset()
    assert dict(customer.raw) == payload


def test_billing_same_as_property_without_billing_fields_uses_the_property_address() -> None:
    payload = {"id": "c1", "property_street1": "1 Main St", "property_city": "Austin",
               "property_country": "United States", "billing_same_as_property": True,
               "billing_street1": None, "billing_city": None, "message": "Customer updated successfully"}
    customer = make_provider().parse_customer(response(200, payload), "upsert")
    assert customer.address == Address(line1="1 Main St", city="Austin", country="US")
    assert customer.billing_address == customer.address
    assert customer.extras["upsert_outcome"] == "updated"


def test_a_data_wrapped_upsert_answer_is_accepted_too() -> None:
    payload = {"data": load("upsert_response.json"), "status": "success"}
    customer = make_provider().parse_customer(response(200, payload), "upsert")
    assert customer.id == DOC_ID


@pytest.mark.parametrize(
    ("message", "status", "outcome"),
    [("Customer created successfully", 200, "created"), ("Customer updated successfully", 200, "updated"),
     (None, 201, "created"), (None, 200, None), ("OK", 200, None)],
)
def test_upsert_outcome_comes_from_the_message_then_the_status(message: str | None, status: int,
                                                               outcome: str | None) -> None:
    assert upsert_outcome(message, status) == outcome
    payload: dict[str, Any] = {"id": "c1"}
    if message is not None:
        payload["message"] = message
    customer = make_provider().parse_customer(response(status, payload), "upsert")
    assert customer.extras.get("upsert_outcome") == outcome


def test_mapping_does_not_mutate_or_share_the_vendor_payload() -> None:
    payload = load("retrieve_http.json")
    before = copy.deepcopy(payload)
    customer = make_provider().parse_customer(response(200, payload), "get")
    assert payload == before
    assert dict(customer.raw) == before["data"]


# --------------------------------------------------------------------------- issue 11.5: edge values


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_created_at_is_no_value_not_a_rejected_record(blank: str) -> None:
    payload = load("retrieve_typescript.json")
    payload["data"]["created_at"] = blank
    customer = make_provider().parse_customer(response(200, payload), "get")
    assert customer.created_at is None
    assert customer.id == DOC_ID and customer.address == DOC_ADDRESS  # the rest still maps


def test_blank_created_at_in_a_list_page_and_in_the_upsert_answer() -> None:
    from custbridge import ListQuery

    page = load("list_typescript.json")
    page["data"].append({**page["data"][0], "id": "c2", "created_at": ""})
    raw = make_provider().parse_page(response(200, page), ListQuery(page_size=50), None)
    customers = [make_provider().map_record(r) for r in raw.records]
    assert [c.created_at for c in customers] == [DOC_CREATED, None]
    flat = load("upsert_response.json")
    flat["created_at"] = ""
    assert make_provider().parse_customer(response(201, flat), "upsert").created_at is None


def test_a_real_bad_date_is_still_a_mapping_error() -> None:
    with pytest.raises(MappingError) as info:
        _read({"id": "c1", "created_at": "0000-00-00"})
    assert "$.created_at" in [p for p, _ in info.value.paths]


@pytest.mark.parametrize(
    ("location", "latitude", "longitude"),
    [
        ([-122.3321, 47.6062], 47.6062, -122.3321),  # Seattle written [lng, lat]
        ([47.6062, -122.3321], 47.6062, -122.3321),  # the documented [lat, lng]
        ([0, 0], None, None),  # not geocoded
    ],
)
def test_location_order_and_placeholder_reach_the_address(location: list[float], latitude: Any, longitude: Any) -> None:
    payload = load("retrieve_typescript.json")
    payload["data"]["location"] = location
    address = make_provider().parse_customer(response(200, payload), "get").address
    assert address is not None
    assert (address.latitude, address.longitude) == (latitude, longitude)


def test_a_zero_zero_location_alone_is_no_address() -> None:
    assert _read({"id": "c1", "location": [0, 0]}).address is None


# --------------------------------------------------------------------------- issue 12: typed decoding


def _page(records: list[Any]) -> bytes:
    return json.dumps({"data": records, "pagination": {"has_more": False, "limit": 50, "page": 1,
                                                       "total": len(records)}, "status": "success"}).encode()


def test_a_list_with_one_record_of_the_wrong_shape_yields_the_others_under_collect() -> None:
    good = load("list_typescript.json")["data"][0]
    records = [{**good, "id": "c1"}, {**good, "id": "c2", "address": {**good["address"], "zip": 12345}},
               {**good, "id": "c3", "tags": "vip"}, {**good, "id": "c4"}]
    content = _page(records)
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=content)))
    with http, custbridge.connect("rotor", api_key="k", http_client=http, on_invalid="collect") as client:
        result = client.list()
        assert [c.id for c in result] == ["c1", "c4"]
    assert [(e.record_id, e.index, [p for p, _ in e.paths]) for e in result.errors] == [
        ("c2", 1, ["$.address.zip"]),
        ("c3", 2, ["$.tags"]),
    ]
    assert "Expected `str | null`, got `int`" in result.errors[0].paths[0][1]


def test_a_record_as_raw_json_and_as_a_dict_maps_to_the_same_customer() -> None:
    provider = make_provider()
    record = load("retrieve_http.json")["data"]
    raw_json = msgspec.json.encode(record)
    from_raw = provider.map_record(msgspec.Raw(raw_json))
    assert from_raw == provider.map_record(record)  # the dict entry point (get, tests)
    assert from_raw == provider._read(raw_json) == provider._read(record)  # StructMapper, both ways
    # Customer.raw is the vendor record, whichever way it came in.
    assert dict(from_raw.raw) == record and dict(provider.map_record(record).raw) == record


def test_a_bad_record_names_the_same_path_as_raw_json_and_as_a_dict() -> None:
    provider = make_provider()
    record = {"id": "c1", "address": {"city": "Austin", "zip": 78701}}
    errors = []
    for given in (msgspec.Raw(msgspec.json.encode(record)), record):
        with pytest.raises(MappingError) as info:
            provider.map_record(given)
        errors.append((info.value.record_id, info.value.paths))
    assert errors[0] == errors[1] and errors[0][0] == "c1"
    assert [p for p, _ in errors[0][1]] == ["$.address.zip"]


def test_the_list_envelope_is_decoded_typed_and_records_stay_raw_json() -> None:
    from custbridge import ListQuery

    payload = load("list_typescript.json")
    page = make_provider().parse_page(response(200, payload), ListQuery(page_size=50), None)
    assert [type(r) for r in page.records] == [msgspec.Raw]
    assert msgspec.json.decode(page.records[0]) == payload["data"][0]
    customer = make_provider().map_record(page.records[0])
    assert dict(customer.raw) == payload["data"][0]


@pytest.mark.parametrize(
    ("payload", "paths"),
    [
        ([], ["$"]),
        ({"data": {"id": "x"}}, ["$.data"]),
        ({"data": [], "pagination": []}, ["$.pagination"]),
        ({"data": [], "pagination": {"limit": True}}, ["$.pagination.limit"]),
    ],
)
def test_a_list_answer_of_the_wrong_shape_names_its_paths(payload: Any, paths: list[str]) -> None:
    from custbridge import ListQuery

    with pytest.raises(MappingError) as info:
        make_provider().parse_page(response(200, payload), ListQuery(page_size=10), None)
    assert [p for p, _ in info.value.paths] == paths
