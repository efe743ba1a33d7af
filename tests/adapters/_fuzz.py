"""Shared pieces of the per-vendor fuzz tests (``tests/adapters/<vendor>/test_fuzz.py``).

Each vendor file builds a strategy of *valid* records from the vendor's schema; this module
mutates them (wrong types, missing keys, unknown enum values, unknown extra keys, huge
strings, odd unicode, naive and offset timestamps) and checks the one promise every adapter
makes: a record maps to a ``Customer`` or raises ``MappingError`` naming at least one JSON
path, through ``provider.map_record`` and through ``provider.parse_customer`` alike, and never
raises anything else.

Examples per test: 150 by default (deterministic, for CI). A long run on demand::

    CUSTBRIDGE_FUZZ=long pytest tests/adapters -k fuzz

(profile ``fuzz-long``: 20,000 examples per test, randomised, failures kept in the example
database so the next run replays them first).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import httpx
import msgspec
from hypothesis import settings
from hypothesis import strategies as st

from custbridge import Customer, HttpResponse, MappingError, Provider
from custbridge.convert import RecordMapper, StructMapper

__all__ = [
    "FUZZ",
    "check_record",
    "json_values",
    "mutated",
    "odd_text",
    "timestamps",
]

settings.register_profile("fuzz", max_examples=150, deadline=None, derandomize=True, database=None)
settings.register_profile("fuzz-long", max_examples=20_000, deadline=None, print_blob=True)
FUZZ = settings.get_profile("fuzz-long" if os.environ.get("CUSTBRIDGE_FUZZ") == "long" else "fuzz")
"""Decorate every fuzz test with this (``CUSTBRIDGE_FUZZ=long`` selects the long profile)."""

# -------------------------------------------------------------------------------- values

ODD_CHARACTERS = (
    "\u0000", "\u200b", "\u200e", "\u202e", "\u2028", "\ufeff", "\ufffd", "é", "e\u0301", "ß", "İ",
    "日本", "🏳️‍🌈", "𝔘𝔫𝔦", "٣", "２０２４", "\t", "\n", " ", "\\", '"', "'", "%2e%2e", "../", "<script>",
)


def odd_text() -> st.SearchStrategy[str]:
    """Strings a vendor might send: control and format characters, combining marks, emoji,
    astral planes, right-to-left overrides, whitespace only, path-like text."""
    pieces = st.one_of(st.sampled_from(ODD_CHARACTERS), st.text(max_size=4))
    return st.lists(pieces, min_size=0, max_size=6).map("".join)


def huge_text() -> st.SearchStrategy[str]:
    """A string of 40,000 to 200,000 characters (cheap to draw: a short unit repeated)."""
    return st.tuples(st.text(min_size=1, max_size=5), st.integers(8_000, 40_000)).map(lambda t: t[0] * t[1])


def timestamps() -> st.SearchStrategy[Any]:
    """Timestamp-ish values: RFC 3339 with Z, naive, with offsets, date only, out of range,
    malformed, epoch numbers."""
    moments = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
    offsets = st.sampled_from(["Z", "z", "", "+00:00", "+05:30", "-08:00", "+14:00", "-12:00", "+0100", "+23:59"])
    formatted = st.tuples(moments, offsets, st.sampled_from(["T", " ", "t"]), st.booleans()).map(
        lambda t: t[0].isoformat(sep=t[2], timespec="milliseconds" if t[3] else "seconds") + t[1]
    )
    return st.one_of(
        formatted,
        moments.map(lambda m: m.date().isoformat()),
        st.sampled_from([
            "2024-13-45T99:99:99Z", "0000-00-00T00:00:00Z", "2024-02-30T00:00:00Z", "yesterday", "",
            "2024-01-02T03:04:05+25:00", "2024-W01-1", "20240102T030405Z", "2024-01-02T03:04:05.1234567Z",
            "9999-12-31T23:59:59.999999-23:59",
        ]),
        st.integers(min_value=-(10**13), max_value=10**13),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    """Any JSON value (small), including odd text."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), odd_text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text(), inner, max_size=3),
        max_leaves=max_leaves,
    )


# -------------------------------------------------------------------------------- mutations

Path = tuple[Any, ...]


def _paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every location inside ``value`` (the root is ``()``)."""
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, (*prefix, index)))
    return out


def _get(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


MUTATIONS = ("wrong type", "missing key", "unknown value", "extra key", "huge string", "odd unicode", "timestamp")


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[dict[str, Any]], rounds: int = 3) -> Any:
    """A valid record from ``valid`` with one to ``rounds`` mutations applied anywhere in it
    (the record itself may be replaced by another JSON value)."""
    record = copy.deepcopy(draw(valid))
    for _ in range(draw(st.integers(1, rounds))):
        path = draw(st.sampled_from(_paths(record)))
        kind = draw(st.sampled_from(MUTATIONS))
        parent = _get(record, path[:-1]) if path else None
        key: Any = path[-1] if path else None
        if kind == "extra key":
            target = _get(record, path)
            if isinstance(target, dict):
                target[draw(odd_text())] = draw(json_values())
            continue
        if parent is None:  # the root itself: replace it only by another JSON value
            if kind == "wrong type":
                return draw(json_values())
            continue
        if kind == "missing key":
            if isinstance(parent, dict):
                del parent[key]
            elif isinstance(parent, list) and parent:
                parent.pop(int(key))
            continue
        replacement: Any
        if kind == "wrong type":
            current_type = type(parent[key])

            def other_type(value: Any, current: type = current_type) -> bool:
                return type(value) is not current

            replacement = draw(json_values().filter(other_type))
        elif kind == "unknown value":
            replacement = draw(st.one_of(odd_text(), st.sampled_from(["UNKNOWN", "Active", " active ", "null", "0"])))
        elif kind == "huge string":
            replacement = draw(huge_text())
        elif kind == "odd unicode":
            replacement = draw(odd_text())
        else:
            replacement = draw(timestamps())
        parent[key] = replacement
    return record


# -------------------------------------------------------------------------------- the check


def response(payload: Any) -> HttpResponse:
    """An HTTP 200 answer carrying ``payload`` (as the engine hands it to the adapter)."""
    try:
        content = json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        content = b"{}"
    return HttpResponse(
        status_code=200, headers=httpx.Headers({"content-type": "application/json"}), content=content, data=payload
    )


def _explained(err: MappingError, where: str) -> None:
    assert err.paths, f"{where}: MappingError without a JSON path: {err}"
    for path, reason in err.paths:
        assert isinstance(path, str) and path.startswith("$"), f"{where}: bad path {path!r} in {err}"
        assert isinstance(reason, str) and reason, f"{where}: empty reason for {path!r} in {err}"


def check_record(
    provider: Provider,
    record: Any,
    *,
    envelope: Callable[[Any], Any],
    mapper: RecordMapper[Any] | StructMapper[Any] | None,
    valid: bool = False,
    require_id: bool = True,
) -> Customer | None:
    """Map ``record`` both ways; return the customer (or None when it is explained as invalid).

    ``envelope`` wraps the record as the vendor's single-customer answer; ``mapper`` (the
    adapter's RecordMapper) is used to check that the fast structuring path and the detailed
    one agree on whether the record fits the wire classes. ``valid`` records must map.
    ``require_id``: a mapped customer must have a non-empty id (an adapter that cannot
    address a record refuses it).
    """
    outcomes: list[Customer | None] = []
    calls: list[tuple[str, Callable[[], Customer]]] = [
        ("map_record", lambda: provider.map_record(record)),
        ("parse_customer", lambda: provider.parse_customer(response(envelope(record)), "get")),
    ]
    for where, call in calls:
        try:
            customer = call()
        except MappingError as err:
            assert not valid, f"{where}: a valid record was refused: {err}"
            _explained(err, where)
            outcomes.append(None)
        else:
            assert isinstance(customer, Customer), f"{where} returned {type(customer).__name__}"
            assert isinstance(customer.id, str) and (customer.id or not require_id), repr(customer.id)
            assert customer.display_name or not customer.id  # never empty (the id is the last resort)
            for moment in (customer.created_at, customer.updated_at, customer.deleted_at):
                assert moment is None or moment.utcoffset() is not None
            outcomes.append(customer)
    first, second = outcomes
    assert (first is None) == (second is None), "map_record and parse_customer disagree"
    assert first == second
    if isinstance(mapper, StructMapper) and isinstance(record, Mapping):
        _entry_points_agree(mapper, record)
    elif mapper is not None and isinstance(record, Mapping):
        try:
            mapper._structure(record, mapper.wire_cls)
            fast_ok = True
        except Exception:
            fast_ok = False
        detailed = mapper.explain(record)
        assert fast_ok == (not detailed), f"fast and detailed structuring disagree: {detailed}"
    return first


def _entry_points_agree(mapper: StructMapper[Any], record: Mapping[str, Any]) -> None:
    """The record as JSON text (how a list page hands it over) and as a dict map alike."""
    try:
        text = json.dumps(record, allow_nan=False).encode()
    except (TypeError, ValueError):
        return  # not representable as JSON text: only the dict entry point can meet it
    outcomes = []
    for given in (msgspec.Raw(text), record):
        try:
            outcomes.append(mapper(given))
        except MappingError as err:
            _explained(err, "StructMapper")
            outcomes.append(None)
    assert outcomes[0] == outcomes[1], "a record as JSON text and as a dict map differently"
    if outcomes[0] is not None:
        assert dict(outcomes[0].raw) == json.loads(text)
