"""Typed decoding in the core: StructMapper, RawRecord, lazily decoded responses (issue 12)."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest

from custbridge import Customer, HttpResponse, MappingError
from custbridge._jsonlib import is_json
from custbridge.convert import StructMapper, at_path, msgspec_error_path, parse_datetime
from custbridge.model import RawRecord
from custbridge.provider import NOT_DECODED


class _Place(msgspec.Struct, frozen=True, kw_only=True):
    city: str | None = None


class _Wire(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    full_name: str | None = msgspec.field(default=None, name="fullName")
    created_at: str | None = msgspec.field(default=None, name="createdAt")
    tags: tuple[str, ...] = ()
    place: _Place | None = None


def _to_customer(wire: _Wire, raw: Mapping[str, Any]) -> Customer:
    created = None if not wire.created_at else at_path("$.createdAt", parse_datetime, wire.created_at)
    return Customer(provider="p", id=wire.id, display_name=wire.full_name or wire.id, tags=wire.tags,
                    created_at=created, raw=raw)


MAPPER = StructMapper("p", _Wire, _to_customer)
RECORD = {"id": "c1", "fullName": "Ada", "createdAt": "2024-05-01T10:00:00Z", "tags": ["a"], "extra": {"x": 1}}


def test_json_text_and_dict_map_to_equal_customers_with_the_record_as_raw() -> None:
    text = json.dumps(RECORD).encode()
    from_text, from_dict = MAPPER(msgspec.Raw(text)), MAPPER(RECORD)
    assert from_text == from_dict == MAPPER(text)
    assert from_text.display_name == "Ada" and from_text.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert isinstance(from_text.raw, RawRecord) and dict(from_text.raw) == RECORD
    assert from_dict.raw == RECORD


@pytest.mark.parametrize(
    ("record", "path"),
    [
        ({"id": 5}, "$.id"),
        ({"fullName": "no id"}, "$.id"),
        ({"id": "c", "tags": ["a", 2]}, "$.tags[1]"),
        ({"id": "c", "place": {"city": ["x"]}}, "$.place.city"),
        ({"id": "c", "createdAt": "yesterday"}, "$.createdAt"),
        (["not", "an", "object"], "$"),
    ],
)
def test_a_bad_record_names_its_id_and_vendor_path_either_way(record: Any, path: str) -> None:
    for given in (record, msgspec.Raw(json.dumps(record).encode())):
        with pytest.raises(MappingError) as caught:
            MAPPER(given, operation="list")
        err = caught.value
        assert [p for p, _ in err.paths] == [path], err.paths
        assert err.provider == "p"
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            assert err.record_id == record["id"]
        assert MAPPER.explain(given) == list(err.paths)


def test_garbled_json_is_a_mapping_error_not_a_decode_error() -> None:
    with pytest.raises(MappingError) as caught:
        MAPPER(msgspec.Raw(b'{"id": "c1", "fullName": '))
    assert caught.value.paths[0][0] == "$"


def test_msgspec_error_path() -> None:
    assert msgspec_error_path("Expected `str`, got `int` - at `$.a[0].b`") == ("$.a[0].b", "Expected `str`, got `int`")
    assert msgspec_error_path("Expected `object`, got `array`") == ("$", "Expected `object`, got `array`")
    assert msgspec_error_path("Object missing required field `id` - at `$.place`") == (
        "$.place.id", "Object missing required field `id`")
    assert msgspec_error_path("Object missing required field `id`") == ("$.id", "Object missing required field `id`")


def test_raw_record_decodes_once_on_first_read_and_round_trips() -> None:
    raw = RawRecord(b'{"id": "c1", "n": [1, 2]}')
    assert raw._decoded is None  # nothing decoded until read
    assert raw["n"] == [1, 2] and len(raw) == 2 and set(raw) == {"id", "n"}
    with pytest.raises(TypeError):
        raw["id"] = "x"  # type: ignore[index]  # read-only
    assert raw.content == b'{"id": "c1", "n": [1, 2]}'
    assert dict(pickle.loads(pickle.dumps(raw))) == dict(raw) == dict(copy.deepcopy(raw))
    customer = Customer(provider="p", id="c1", raw=RawRecord(b'{"id": "c1"}'))
    assert customer.raw["id"] == "c1" and customer.to_dict(include_raw=True)["raw"] == {"id": "c1"}


def test_response_data_is_decoded_on_first_access() -> None:
    response = HttpResponse(status_code=200, headers=httpx.Headers(), content=b'{"a": 1}', data=NOT_DECODED)
    assert response._data is NOT_DECODED
    assert response.data == {"a": 1} and response._data == {"a": 1}
    assert HttpResponse(status_code=502, headers=httpx.Headers(), content=b"<html>", data=NOT_DECODED).data is None
    assert HttpResponse(status_code=204, headers=httpx.Headers(), content=b"", data=NOT_DECODED).data is None
    assert HttpResponse(status_code=200, headers=httpx.Headers(), content=b"x", data={"given": True}).data == {"given": True}


@pytest.mark.parametrize(
    ("content", "ok"),
    [(b'{"a": [1, 2]}', True), (b"[]", True), (b'{"a": [1, 2', False), (b'{"a": tru}', False), (b'{"a": 1} x', False)],
)
def test_is_json_checks_syntax_without_building(content: bytes, ok: bool) -> None:
    assert is_json(content) is ok
