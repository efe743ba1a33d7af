"""Fuzzing Augno's mapping with records generated from the vendor's OpenAPI spec.

The strategy is built from the ``Customer`` schema of the vendored spec
(``fixtures/openapi-customers.json``, the vendor's April 2026 preview, verbatim) by a small
OpenAPI 3.0 -> hypothesis translator below: ``$ref``/``allOf``, ``nullable``, ``enum``,
required and optional properties, arrays, and the ``date-time`` and ``decimal`` formats.
Expandable sub-objects nest at most two levels (``parent_account`` is a Customer). The
current generation is generated too, with its documented renames (``edi_status``,
``relationship_type``, an address ``type``). Mutations come from ``tests/adapters/_fuzz.py``.
Long run: ``CUSTBRIDGE_FUZZ=long pytest tests/adapters/augno/test_fuzz.py``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custbridge import Customer, MappingError
from custbridge_augno._convert import STATUS_FROM_VENDOR

from .._fuzz import FUZZ, check_record, json_values, mutated, timestamps
from ._support import make_provider, spec, spec_customer_examples

PROVIDERS = (make_provider(), make_provider(include="all"))
MAX_DEPTH = 2
"""How deep expandable sub-objects nest (a parent account's own parent is null)."""

_moment = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda m: m.isoformat().replace("+00:00", "Z"))
_decimal = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9).map(str)
_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=30)


def _current(schemas: dict[str, Any]) -> dict[str, Any]:
    """The current generation's names (FACTS.md section 2; augno-retrieve-customer.txt)."""
    s = copy.deepcopy(schemas)
    props = s["Customer"]["properties"]
    props.pop("is_edi_enabled")
    props.pop("is_parent_account")
    props["edi_status"] = {"type": "string", "enum": ["enabled", "disabled"]}
    props["relationship_type"] = {"type": "string", "enum": ["standalone", "parent", "child"]}
    s["Customer"]["required"] = [
        {"is_edi_enabled": "edi_status", "is_parent_account": "relationship_type"}.get(r, r)
        for r in s["Customer"]["required"]
    ]
    address = s["Address"]
    address["properties"].pop("is_drop_ship")
    address["properties"]["type"] = {"type": "string", "enum": ["standard", "drop_ship"]}
    address["required"] = [r for r in address["required"] if r != "is_drop_ship"]
    return s


class _Translator:
    """OpenAPI 3.0 schema -> hypothesis strategy (the subset the vendor's spec uses)."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas

    def strategy(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        nullable = bool(node.get("nullable"))
        if "$ref" in node or "allOf" in node:
            ref = node["$ref"] if "$ref" in node else node["allOf"][0]["$ref"]
            name = ref.rsplit("/", 1)[-1]
            if nullable and depth >= MAX_DEPTH:
                return st.none()
            inner = self.named(name, depth + 1)
            return st.none() | inner if nullable else inner
        base = self._typed(node, depth)
        return st.none() | base if nullable else base

    def named(self, name: str, depth: int) -> st.SearchStrategy[Any]:
        return st.deferred(lambda: self.strategy(self.schemas[name], depth))

    def _typed(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        kind = node.get("type")
        if "enum" in node:
            # The spec writes PaymentTerm.status as the single value "active|inactive".
            return st.sampled_from([p for v in node["enum"] for p in (v.split("|") if isinstance(v, str) else [v])])
        if kind == "string":
            fmt = node.get("format")
            if fmt == "date-time":
                return _moment
            if fmt == "decimal":
                return _decimal
            return st.text(max_size=20)
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return st.integers(-(10**6), 10**6)
        if kind == "number":
            return st.floats(allow_nan=False, allow_infinity=False)
        if kind == "array":
            items = self.strategy(node.get("items", {}), depth)
            return st.lists(items, max_size=2 if depth < MAX_DEPTH else 0)
        if kind == "object" or "properties" in node:
            props = node.get("properties", {})
            required = set(node.get("required", ()))
            strategies = {k: (_ids if k == "id" else self.strategy(v, depth)) for k, v in props.items()}
            return st.fixed_dictionaries(
                {k: s for k, s in strategies.items() if k in required},
                optional={k: s for k, s in strategies.items() if k not in required},
            )
        return json_values()


@cache
def _customers(generation: str) -> st.SearchStrategy[dict[str, Any]]:
    schemas = spec()["components"]["schemas"]
    if generation == "current":
        schemas = _current(schemas)
    return _Translator(schemas).named("Customer", 0)


augno_records = st.sampled_from(["preview.1", "current"]).flatmap(_customers)


def _envelope(record: Any) -> Any:
    return record  # GET /v1/sales/customers/{id} answers the customer object itself


def _check(provider: Any, record: Any, *, valid: bool = False) -> Customer | None:
    """``check_record`` (map_record and parse_customer agree), and the record's two entry points
    agree: its JSON bytes (how a list page hands records over, decoded by msgspec) and the
    decoded dict (``msgspec.convert``) map to equal customers, or fail at the same JSON paths."""
    customer = check_record(provider, record, envelope=_envelope, mapper=None, valid=valid)
    try:
        content = json.dumps(record, allow_nan=False).encode()
    except ValueError:
        return customer  # NaN or infinity: no JSON text carries this record
    if not isinstance(record, Mapping):
        return customer
    outcomes: list[Customer | list[str]] = []
    for given_as in (record, content):
        try:
            outcomes.append(provider._map(given_as))
        except MappingError as err:
            outcomes.append([path for path, _ in err.paths])
    assert outcomes[0] == outcomes[1], "the dict and its JSON bytes map differently"
    return customer


@FUZZ
@given(st.sampled_from(PROVIDERS), augno_records)
def test_schema_valid_records_map_with_their_values(provider: Any, record: dict[str, Any]) -> None:
    customer = _check(provider, record, valid=True)
    assert customer is not None
    assert customer.id == record["id"] and customer.company_name == (record["name"].strip() or None)
    assert customer.vendor_status == record["status"] and customer.status == STATUS_FROM_VENDOR[record["status"]]
    contact = record["contact_info"]
    assert customer.email == ((contact["email"] or "").strip() or None if contact else None)
    credit = record["credit_limit"]
    if credit is None or not credit["value"].strip():  # "" is no value
        assert customer.credit_limit is None
    else:
        assert customer.credit_limit is not None and customer.credit_limit.amount == Decimal(credit["value"])
    bill = record["bill_to_address"]
    geo = bill["geolocation"] if bill is not None else None
    located = geo is not None and any((geo[k] or "").strip() for k in (
        "street_line_1", "street_line_2", "locality", "state", "postal_code", "country"))
    # A name without a location is never an Address; without geolocation it awaits completion.
    assert (customer.billing_address is not None) == located
    awaiting = bill is not None and geo is None
    not_asked = bill is None and "bill_to_address" not in provider.includes
    assert ("billing_address" in customer.not_loaded) == (awaiting or not_asked)
    if located:
        assert customer.billing_address is not None
        assert customer.billing_address.postal_code == ((geo["postal_code"] or "").strip() or None)
    for moment in (customer.created_at, customer.updated_at):
        assert moment is not None and moment.utcoffset() is not None


@FUZZ
@given(st.sampled_from(PROVIDERS), mutated(augno_records))
def test_mutated_records_map_or_name_a_json_path(provider: Any, record: Any) -> None:
    _check(provider, record)


@FUZZ
@given(json_values(max_leaves=10))
def test_any_json_value_maps_or_names_a_json_path(value: Any) -> None:
    _check(PROVIDERS[1], value)


@FUZZ
@given(augno_records, st.sampled_from(["created_at", "updated_at"]), timestamps())
def test_any_timestamp_is_aware_or_refused_at_its_path(record: dict[str, Any], key: str, moment: Any) -> None:
    record[key] = moment
    customer = _check(PROVIDERS[0], record)
    if customer is not None:
        assert all(m is None or m.utcoffset() is not None for m in (customer.created_at, customer.updated_at))


def test_an_empty_id_is_refused_at_its_path() -> None:
    record = copy.deepcopy(spec_customer_examples()["schema Customer"])
    record["id"] = ""
    with pytest.raises(MappingError) as info:
        PROVIDERS[0].map_record(record)
    assert [path for path, _ in info.value.paths] == ["$.id"]


@FUZZ
@given(mutated(st.just(spec()["paths"]["/v1/sales/addresses/{id}"]["get"]["responses"]["200"]["content"][
    "application/json"]["example"])))
def test_mutated_address_records_map_or_raise_a_mapping_error(record: Any) -> None:
    """What the address endpoints answer maps to an address (or None), or is a MappingError."""
    try:
        address_id, address = PROVIDERS[0]._read_address(record)
    except MappingError as err:
        assert err.provider == "augno" and err.paths
        return
    assert isinstance(address_id, str) and address_id
    assert address is None or not address.is_empty
