"""Fuzzing Rotor's read mapping: documented shapes map, anything else maps or names a path.

Valid records follow the read shape of ``GET /customers/{id}`` (rotor-retrieve-customer-*.txt:
every key optional, ``address`` with its five string keys and nullable ``street2``,
``location`` an array of numbers or null, ``status`` active/inactive, ``tags`` strings or
null) with either documented payment flag (``has_payment_method`` on the TypeScript pages,
``is_auto_pay`` on the HTTP page) or none. Mutations come from ``tests/adapters/_fuzz.py``.
Long run: ``CUSTBRIDGE_FUZZ=long pytest tests/adapters/rotor/test_fuzz.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from custbridge import Customer, CustomerStatus, MappingError
from custbridge.convert import normalize_country, parse_datetime

from .._fuzz import FUZZ, check_record, json_values, mutated, timestamps
from ._support import make_provider

PROVIDER = make_provider()
MAPPER = PROVIDER._read

_text = st.text(max_size=30)
_ids = st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=40).filter(str.strip))
_moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda m: m.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
_numbers = st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False))
_address = st.fixed_dictionaries(
    {"city": _text, "country": _text, "state": _text, "street1": _text, "zip": _text},
    optional={"street2": st.none() | _text},
)
_base = st.fixed_dictionaries(
    {"id": _ids},
    optional={
        "address": _address,
        "company_name": _text,
        "created_at": _moments,
        "email": _text,
        "first_name": _text,
        "last_name": _text,
        "location": st.none() | st.lists(_numbers, max_size=3),
        "notes": st.none() | _text,
        "phone": _text,
        "source": _text,
        "status": st.sampled_from(["active", "inactive"]),
        "tags": st.none() | st.lists(_text, max_size=4),
    },
)


@st.composite
def rotor_records(draw: st.DrawFn) -> dict[str, Any]:
    """A record in Rotor's documented read shape, with one payment-flag variant (or none)."""
    record: dict[str, Any] = draw(_base)
    flag = draw(st.sampled_from(["has_payment_method", "is_auto_pay", None]))
    if flag is not None:
        record[flag] = draw(st.booleans())
    return record


def _envelope(record: Any) -> Any:
    return {"data": record, "status": "success"}


def check(record: Any, *, valid: bool = False) -> Customer | None:
    """``check_record`` (map_record and parse_customer agree), plus: the record as the JSON a
    list page hands over (bytes, ``msgspec.Raw``) and as a decoded dict go through the one
    mapping path to the same outcome (the same customer, or a refusal naming the same JSON
    paths). This replaces check_record's cattrs fast-vs-detailed check (mapper=None): there is
    no second structuring path any more."""
    customer = check_record(PROVIDER, record, envelope=_envelope, mapper=None, valid=valid)
    encoded = msgspec.json.encode(record)
    outcomes: list[Any] = []
    calls: list[Callable[[], Customer]] = [
        lambda: MAPPER(encoded),
        lambda: MAPPER(record),
        lambda: PROVIDER.map_record(msgspec.Raw(encoded)),  # how a list page hands records over
    ]
    for call in calls:
        try:
            outcomes.append(call())
        except MappingError as err:
            assert err.paths and all(p.startswith("$") for p, _ in err.paths), err.paths
            outcomes.append([p for p, _ in err.paths])
    from_bytes, from_dict, listed = outcomes
    assert from_bytes == from_dict == listed, "raw JSON and dict disagree"
    if isinstance(from_bytes, Customer):
        assert customer == from_bytes
        assert dict(from_bytes.raw) == record and dict(from_dict.raw) == record
    else:
        assert customer is None
    return customer


def _clean(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


@FUZZ
@given(rotor_records())
def test_documented_records_map_with_their_values(record: dict[str, Any]) -> None:
    customer = check(record, valid=True)
    assert customer is not None
    assert customer.provider == "rotor" and customer.id == record["id"]
    for key in ("first_name", "last_name", "company_name", "email", "phone"):
        assert getattr(customer, key) == _clean(record.get(key))
    assert customer.notes == _clean(record.get("notes"))
    assert customer.vendor_status == record.get("status")
    expected_status = {"active": CustomerStatus.ACTIVE, "inactive": CustomerStatus.INACTIVE}
    assert customer.status == expected_status.get(record.get("status") or "", CustomerStatus.UNKNOWN)
    assert customer.tags == tuple(record.get("tags") or ())
    if "created_at" in record:
        assert customer.created_at == parse_datetime(record["created_at"])
    # The two payment flags mean different things: each is kept under its own name only.
    for flag in ("has_payment_method", "is_auto_pay"):
        assert customer.extras.get(flag) == record.get(flag)
    assert customer.not_loaded == frozenset({"billing_address"})
    address = record.get("address") or {}
    if customer.address is not None:
        assert customer.address.line1 == _clean(address.get("street1"))
        assert customer.address.postal_code == _clean(address.get("zip"))
        assert customer.address.country == normalize_country(address.get("country"))
        point = record.get("location")
        if customer.address.latitude is not None:
            assert isinstance(point, list) and len(point) == 2
            assert customer.address.latitude == float(point[0]) and customer.address.longitude == float(point[1])
            assert -90 <= point[0] <= 90 and -180 <= point[1] <= 180 and all(map(math.isfinite, point))
    else:
        assert not any((v or "").strip() for v in address.values())


@FUZZ
@given(mutated(rotor_records()))
def test_mutated_records_map_or_name_a_json_path(record: Any) -> None:
    check(record)


@FUZZ
@given(json_values(max_leaves=10))
def test_any_json_value_maps_or_names_a_json_path(value: Any) -> None:
    check(value)


@FUZZ
@given(rotor_records(), timestamps())
def test_any_timestamp_is_aware_or_refused_at_its_path(record: dict[str, Any], moment: Any) -> None:
    record["created_at"] = moment
    customer = check(record)
    if customer is None:
        return
    if isinstance(moment, str) and not moment.strip():
        assert customer.created_at is None  # an empty string is "no value", not a rejected record
        return
    assert customer.created_at is not None and customer.created_at.utcoffset() is not None
    if isinstance(moment, str) and moment[-1:].isdigit() and len(moment) in (19, 23):  # naive: taken as UTC
        assert customer.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
