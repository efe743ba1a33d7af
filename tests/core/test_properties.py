"""Property tests (hypothesis) for the core's invariants."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

import custbridge
from custbridge import CustbridgeError, Customer
from custbridge.convert import parse_datetime, parse_decimal

from .conftest import API_KEY, json, record

ids = st.text(min_size=1, max_size=300)


@settings(max_examples=200, deadline=None)
@given(customer_id=ids)
def test_any_id_is_exactly_one_path_segment(customer_id: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json(200, record(1))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with custbridge.connect("scripted", http_client=http, api_key=API_KEY) as client:
        client.get(customer_id)
    url = seen[0].url
    assert url.host == "api.scripted.test"
    raw = url.raw_path.decode("ascii")
    assert "?" not in raw and "#" not in raw
    prefix = "/v1/c/"
    assert raw.startswith(prefix)
    segment = raw[len(prefix) :]
    assert "/" not in segment
    assert unquote(segment) == customer_id


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.none(), st.booleans(), st.lists(st.integers())))
def test_parsers_raise_only_type_or_value_errors(value: Any) -> None:
    for parse in (parse_datetime, parse_decimal):
        try:
            parse(value)
        except (TypeError, ValueError):
            continue


@settings(max_examples=200, deadline=None)
@given(
    first=st.one_of(st.none(), st.text(max_size=20)),
    last=st.one_of(st.none(), st.text(max_size=20)),
    company=st.one_of(st.none(), st.text(max_size=20)),
    email=st.one_of(st.none(), st.text(max_size=20)),
    cid=st.text(min_size=1, max_size=10).filter(lambda s: s.strip()),
)
def test_display_name_never_empty(
    first: str | None, last: str | None, company: str | None, email: str | None, cid: str
) -> None:
    c = Customer(provider="p", id=cid, first_name=first, last_name=last, company_name=company, email=email)
    assert c.display_name.strip()
    for value in (c.first_name, c.last_name, c.company_name, c.email):
        assert value is None or (value and value == value.strip())


def test_errors_are_one_tree() -> None:
    names = [n for n in custbridge.__all__ if n.endswith("Error")]
    for name in names:
        assert issubclass(getattr(custbridge, name), CustbridgeError)
