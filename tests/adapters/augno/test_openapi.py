"""The sandbox checked against the vendor's own OpenAPI spec (April 2026 preview).

The spec is OpenAPI 3.0; its schemas are translated to JSON Schema 2020-12 here (``nullable``
becomes a ``null`` alternative) and made strict (``additionalProperties: false`` on every
object with properties), so a stray or misnamed key fails too. ``date-time`` and ``decimal``
formats are checked. The current generation is checked against the same schemas with the
documented renames applied (FACTS.md section 2; augno-retrieve-customer.txt) and, by default,
the retrieve page's rule that a customer's address ``geolocation`` is "Always returned as null
in this endpoint". The address endpoints (``List_Address``, ``Address``) are checked in both.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest

from custbridge import Address, CustomerInput, Money
from custbridge.convert import parse_datetime
from custbridge.sandbox import create_app
from custbridge_augno._convert import (
    CURRENT_INCLUDES,
    DOCPAGE_INCLUDES,
    PREVIEW1_INCLUDES,
    create_body,
    update_body,
)
from custbridge_augno.sandbox import AugnoSandbox

from ._support import make_provider, spec, spec_customer_examples, spec_example

CUSTOMERS = "/v1/sales/customers"
ADDRESSES = "/v1/sales/addresses"


# -- OpenAPI 3.0 -> JSON Schema --------------------------------------------------------------


def _translate(node: Any, strict: bool) -> Any:
    if isinstance(node, list):
        return [_translate(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _translate(v, strict) for k, v in node.items()
           if k not in ("nullable", "example") and not k.startswith("x-")}
    if "enum" in out:
        # Spec bug: PaymentTerm.status is enum ["active|inactive"] (one string); its own example says "active".
        out["enum"] = [part for value in out["enum"]
                       for part in (value.split("|") if isinstance(value, str) else [value])]
    if strict and out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:  # allOf: [$ref] + nullable
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _current(schemas: dict[str, Any], docpage: bool) -> dict[str, Any]:
    """The spec's schemas with the renames of the current API (FACTS.md section 2); ``docpage``:
    with the retrieve page's "geolocation: Always returned as null in this endpoint" on customers."""
    s = copy.deepcopy(schemas)
    customer = s["Customer"]
    for old, new, values in (("is_edi_enabled", "edi_status", ["enabled", "disabled"]),
                             ("is_parent_account", "relationship_type", ["standalone", "parent", "child"])):
        customer["properties"].pop(old)
        customer["properties"][new] = {"type": "string", "enum": values}
        customer["required"] = [new if r == old else r for r in customer["required"]]
    s["PageInfo"] = {"type": "object", "required": ["next_page_url", "previous_page_url", "has_next_page",
                                                     "has_prev_page"],
                     "properties": {"next_page_url": {"type": "string", "nullable": True},
                                    "previous_page_url": {"type": "string", "nullable": True},
                                    "has_next_page": {"type": "boolean"}, "has_prev_page": {"type": "boolean"}}}
    for name in ("Address", "AddressInput"):
        s[name]["properties"].pop("is_drop_ship")
        s[name]["properties"]["type"] = {"type": "string", "enum": ["standard", "drop_ship"]}
        s[name]["required"] = [r for r in s[name]["required"] if r != "is_drop_ship"]
    # Aug 2026 SDK: customer_price_group_ids is no longer required on create.
    create = s["CreateCustomerRequest"]
    create["required"] = [r for r in create["required"] if r != "customer_price_group_ids"]
    # The retrieve page's account user replaces the spec's User as defaults.sales_rep.
    s["AccountUser"] = {"type": "object", "properties": {
        "id": {"type": "string"}, "object": {"type": "string", "enum": ["account_user"]},
        "name": {"type": "string", "nullable": True}, "email": {"type": "string", "nullable": True},
        "username": {"type": "string", "nullable": True}, "image_url": {"type": "string", "nullable": True},
        "status": {"type": "string", "enum": ["active", "disabled", "removed"]},
        "role": {"type": "object", "nullable": True}, "department": {"type": "object", "nullable": True},
        "last_used_at": {"type": "string", "format": "date-time", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
    }, "required": ["id", "object", "name", "email", "username", "image_url", "status", "role", "department",
                    "last_used_at", "created_at", "updated_at"]}
    s["CustomerDefaults"]["properties"]["sales_rep"]["allOf"] = [{"$ref": "#/components/schemas/AccountUser"}]
    if docpage:  # a customer's addresses: geolocation is always null (the address endpoints fill it)
        s["CustomerAddress"] = copy.deepcopy(s["Address"])
        s["CustomerAddress"]["properties"]["geolocation"] = {"type": "null"}
        for key in ("bill_to_address", "ship_to_address"):
            customer["properties"][key]["allOf"] = [{"$ref": "#/components/schemas/CustomerAddress"}]
    return s


def _formats() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=(TypeError, ValueError))  # type: ignore[untyped-decorator]
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or parse_datetime(value).tzinfo is not None

    @checker.checks("decimal", raises=InvalidOperation)  # type: ignore[untyped-decorator]
    def _decimal(value: object) -> bool:
        return not isinstance(value, str) or Decimal(value).is_finite()

    return checker


@cache
def _root(generation: str, strict: bool, docpage: bool) -> dict[str, Any]:
    schemas = spec()["components"]["schemas"]
    if generation == "current":
        schemas = _current(schemas, docpage)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": {"schemas": _translate(schemas, strict)}}


def errors(instance: Any, name: str, generation: str = "preview.1", *, strict: bool = True,
           formats: bool = True, docpage: bool = True) -> list[str]:
    """Every schema violation of ``instance`` against schema ``name``, as readable lines."""
    schema = {**_root(generation, strict, docpage), "$ref": f"#/components/schemas/{name}"}
    validator = jsonschema.Draft202012Validator(schema, format_checker=_formats() if formats else None)
    return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}" for e in validator.iter_errors(instance)]


def test_translation_rejects_what_it_should() -> None:
    good = copy.deepcopy(spec_customer_examples()["schema Customer"])
    assert errors(good, "Customer", formats=False) == []
    bad = {**good, "edi_status": "enabled"}
    assert any("edi_status" in e for e in errors(bad, "Customer"))  # strict: unknown key
    assert errors({**good, "note": None}, "Customer", formats=False) == []  # nullable
    assert errors({**good, "name": None}, "Customer", formats=False)  # not nullable
    assert errors({**good, "created_at": "yesterday", "credit_limit": None}, "Customer")  # date-time checked
    assert errors({**good, "credit_limit": None}, "Customer") == []  # nullable allOf, formats on
    assert errors({**good, "contact_info": {"object": "customer_contact_info"}}, "Customer")  # required inside


# -- the spec's own examples --------------------------------------------------------------------


@pytest.mark.parametrize("where", list(spec_customer_examples()))
def test_spec_customer_examples_validate(where: str) -> None:
    # Formats off: the example's unit has "ratio_numerator": "" although the format is decimal.
    assert errors(spec_customer_examples()[where], "Customer", formats=False) == []


def test_spec_unit_example_breaks_its_decimal_format() -> None:
    unit = spec_customer_examples()["schema Customer"]["credit_limit"]["unit"]
    assert any("ratio_numerator" in e for e in errors(unit, "Unit"))


def test_spec_request_examples_are_not_valid_against_their_own_schemas() -> None:
    """Two spec bugs, pinned: the adapter follows the schemas, not these examples."""
    create = spec_example(CUSTOMERS, "post")
    assert errors(create, "CreateCustomerRequest") == ["$: 'customer_price_group_ids' is a required property"]
    update = spec_example(f"{CUSTOMERS}/{{id}}", "patch")
    # "credit_limit": {} is neither null nor a QuantityInput (value and unit_id are required).
    assert errors(update, "UpdateCustomerRequest") == ["credit_limit: {} is not valid under any of the given schemas"]
    assert errors({**update, "credit_limit": None}, "UpdateCustomerRequest") == []


def test_spec_error_example_validates() -> None:
    example = spec()["components"]["schemas"]["APIErrorResponse"]["example"]
    assert errors(example, "APIErrorResponse") == []


# -- the sandbox's responses ----------------------------------------------------------------------


def _responses(generation: str, **options: Any) -> Iterator[tuple[str, httpx.Response, str]]:
    """(what, response, schema name) for every shape the spec describes, from a fresh sandbox."""
    version = "1.0.forge-preview.1" if generation == "preview.1" else "1.0.forge-preview.3"
    app = create_app("augno", size=45, seed=5, rate_limit=None, **options)
    assert isinstance(app, AugnoSandbox)
    headers = {"Authorization": f"Bearer {app.API_KEY}", "Augno-Version": version}
    # Every include value the sandbox accepts in this mode (the documented ones by default).
    if generation == "preview.1":
        every = list(PREVIEW1_INCLUDES)
    else:
        every = list(CURRENT_INCLUDES if options.get("includes") == "sdk" else DOCPAGE_INCLUDES)
    some = ["type", *(["contact_info"] if "contact_info" in every else [])]
    refs = app.reference_ids()
    drop = {"is_drop_ship": False} if generation == "preview.1" else {"type": "drop_ship"}
    address = {"name": "Dock 7", "street_line_1": "1 Pier Rd", "locality": "Newark", "state": "NJ",
               "postal_code": "07114", "country": "US", "phone": "973-555-0100", **drop}
    body = {"name": "Schema Co", "email": "ap@schema.example", "note": "n", "bill_to_address": address,
            "ship_to_address": address, "customer_price_group_ids": [app.price_groups[0]["id"]],
            "credit_limit": {"value": "1500.00", "unit_id": refs.pop("credit_limit_unit_id")},
            "default_sales_rep_user_id": next(iter(app.sales_reps)), **refs}
    with httpx.Client(transport=app.transport(), base_url=app.base_url, headers=headers) as http:
        page = http.get(CUSTOMERS, params={"include[]": every, "limit": 20})
        yield "list, every include", page, "List_Customer"
        info = page.json()["page_info"]
        nxt = info.get("next_page_url") or f"{CUSTOMERS}?limit=20&cursor={info['next_cursor']}"
        yield "list, second page", http.get(nxt, params=None if "include" in nxt else {"include[]": every}), \
            "List_Customer"
        yield "list, no include", http.get(CUSTOMERS, params={"limit": 50}), "List_Customer"
        yield "list, filtered", http.get(CUSTOMERS, params={"status_codes[]": ["hold_all", "preferred"], "q": "a",
                                                            "include": ",".join(some)}), "List_Customer"
        ids = [c["id"] for c in page.json()["data"]]
        for cid in ids[:3]:
            yield f"get {cid}", http.get(f"{CUSTOMERS}/{cid}", params={"include[]": every}), "Customer"
        nested = "defaults.priority" if "defaults.priority" in every else "type"
        yield "get, nested include only", http.get(f"{CUSTOMERS}/{ids[0]}", params={"include[]": [nested]}), \
            "Customer"
        addresses = http.get(ADDRESSES, params={"limit": 30})
        yield "addresses, first page", addresses, "List_Address"
        info = addresses.json()["page_info"]
        nxt = info.get("next_page_url") or f"{ADDRESSES}?limit=30&cursor={info['next_cursor']}"
        yield "addresses, second page", http.get(nxt), "List_Address"
        yield "addresses, filtered", http.get(ADDRESSES, params={"q": "street", "drop_ship": "false"}), "List_Address"
        address_id = addresses.json()["data"][0]["id"]
        yield "address", http.get(f"{ADDRESSES}/{address_id}"), "Address"
        yield "address not found", http.get(f"{ADDRESSES}/ad_nope"), "APIErrorResponse"
        yield "refused include", http.get(CUSTOMERS, params={"include[]": "no_such_object"}), "APIErrorResponse"
        created = http.post(CUSTOMERS, params={"include[]": every}, json=body, headers={"Idempotency-Key": "s1"})
        assert created.status_code == 201, created.text
        yield "create 201", created, "Customer"
        replay = http.post(CUSTOMERS, params={"include[]": every}, json=body, headers={"Idempotency-Key": "s1"})
        assert replay.headers["Idempotent-Replayed"] == "true"
        yield "create replayed", replay, "Customer"
        cid = created.json()["id"]
        patched = http.patch(f"{CUSTOMERS}/{cid}", params={"include[]": every},
                             json={"note": None, "credit_limit": None, "url": "https://x.example"})
        yield "patch 200", patched, "Customer"
        yield "delete 200", http.delete(f"{CUSTOMERS}/{cid}"), "DeleteResponse"
        blocked = next(iter(app.sales_orders))
        yield "delete conflict", http.delete(f"{CUSTOMERS}/{blocked}"), "APIErrorResponse"
        yield "not found", http.get(f"{CUSTOMERS}/ac_nope"), "APIErrorResponse"
        yield "unknown parameter", http.get(CUSTOMERS, params={"sort": "name"}), "APIErrorResponse"
        yield "missing field", http.post(CUSTOMERS, json={"name": "x"}), "APIErrorResponse"
        yield "bad version", http.get(CUSTOMERS, headers={"Augno-Version": "9"}), "APIErrorResponse"
        yield "bad key", http.get(CUSTOMERS, headers={"Authorization": "Bearer nope"}), "APIErrorResponse"
    app.rate_limit = (1, 60.0)
    with httpx.Client(transport=app.transport(), base_url=app.base_url, headers=headers) as http:
        http.get(CUSTOMERS, params={"limit": 1})
        yield "rate limited", http.get(CUSTOMERS, params={"limit": 1}), "APIErrorResponse"


@pytest.mark.parametrize("generation", ["preview.1", "current"])
@pytest.mark.parametrize("options", [{}, {"geolocation": True}, {"geolocation": False}, {"includes": "sdk"}],
                         ids=["default", "geolocation", "no-geolocation", "sdk-includes"])
def test_every_sandbox_response_validates(generation: str, options: dict[str, Any]) -> None:
    """With default settings the sandbox passes in both generations; forcing geolocation on
    customers departs from the current retrieve page (checked without its null rule)."""
    docpage = not options.get("geolocation")
    seen: set[str] = set()
    checked = 0
    for what, response, schema in _responses(generation, **options):
        body = response.json()
        if schema == "DeleteResponse":
            assert response.status_code == 200 and body == {}
            continue
        assert (response.status_code < 400) == (schema != "APIErrorResponse"), (what, response.text[:300])
        problems = errors(body, schema, generation, docpage=docpage)
        assert problems == [], f"{generation} {what}: {problems[:5]}"
        assert "RateLimit-Limit" in response.headers
        seen.add(schema)
        checked += 1
    assert seen == {"List_Customer", "Customer", "APIErrorResponse", "List_Address", "Address"}
    assert checked == 24


def test_the_docpage_rule_catches_geolocation_on_customers() -> None:
    """Guard: the current generation's check refuses street data on a customer's address."""
    responses = {what: r for what, r, _ in _responses("current", geolocation=True)}
    body = next(r for what, r in responses.items() if what.startswith("get ac_")).json()
    assert body["bill_to_address"]["geolocation"] is not None
    assert any("geolocation" in e for e in errors(body, "Customer", "current"))
    assert errors(body, "Customer", "current", docpage=False) == []


def test_the_spec_address_examples_validate() -> None:
    assert errors(spec_example(ADDRESSES, "get", "200"), "List_Address") == []
    assert errors(spec_example(f"{ADDRESSES}/{{id}}", "get", "200"), "Address") == []


def test_the_sandbox_expands_what_the_spec_example_expands() -> None:
    """The spec example has every sub-object; the sandbox's fully expanded record has the same keys."""
    app = create_app("augno", size=45, seed=5, generation="preview.1")
    assert isinstance(app, AugnoSandbox)
    cid = next(cid for cid, r in app.customers.items() if r["credit"] and r["sales_rep_id"])
    with httpx.Client(transport=app.transport(), base_url=app.base_url) as http:
        record = http.get(f"{CUSTOMERS}/{cid}", params={"include[]": list(PREVIEW1_INCLUDES)},
                          headers={"Authorization": f"Bearer {app.API_KEY}",
                                   "Augno-Version": "1.0.forge-preview.1"}).json()
    example = spec_customer_examples()["schema Customer"]

    def key_sets(ours: Any, theirs: Any, path: str = "$") -> Iterator[tuple[str, set[str], set[str]]]:
        """(path, our keys, their keys) for every object present on both sides."""
        if isinstance(ours, dict) and isinstance(theirs, dict):
            yield path, set(ours), set(theirs)
            for key in set(ours) & set(theirs):
                yield from key_sets(ours[key], theirs[key], f"{path}.{key}")
        elif isinstance(ours, list) and isinstance(theirs, list) and ours and theirs:
            yield from key_sets(ours[0], theirs[0], f"{path}[0]")

    compared = list(key_sets(record, example))
    assert [(p, a ^ b) for p, a, b in compared if a != b] == []
    assert len(compared) >= 20  # every sub-object of the example was expanded and compared


# -- the adapter's request bodies -------------------------------------------------------------------


def test_adapter_write_bodies_validate() -> None:
    refs = {"customer_type_group_id": "acgp_1", "default_carrier_id": "cr_1", "default_payment_term_id": "pytm_1",
            "default_shipping_term_id": "shtm_1", "credit_limit_unit_id": "un_1"}
    data = CustomerInput(company_name="Acme", email="a@b.example", notes="n", credit_limit=Money(amount=Decimal(10)),
                         address=Address(line1="1 Main St", city="Columbus", region="OH", country="US"),
                         vendor_fields={"freight_policy": "free_freight", "default_priority": "high"})
    for generation, version in (("preview.1", "1.0.forge-preview.1"), ("current", "1.0.forge-preview.3")):
        ctx = make_provider(api_version=version, **refs)._write
        assert errors(create_body(data, ctx), "CreateCustomerRequest", generation) == []
        clear = CustomerInput(email=None, notes=None, credit_limit=None, shipping_address=None, company_name="B")
        assert errors(update_body(clear, ctx), "UpdateCustomerRequest", generation) == []
