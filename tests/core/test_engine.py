"""The engine: retries, errors, redirects, path safety, pagination guards, invalid records."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import (
    AuthenticationError,
    ConfigurationError,
    CustbridgeError,
    CustomerInput,
    MappingError,
    NotFoundError,
    PaginationError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    UnsupportedOperationError,
)

from .conftest import API_KEY, json, record


class Counter:
    def __init__(self, *responses: Any) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item  # type: ignore[no-any-return]


# -- single requests ------------------------------------------------------------------------


def test_get_sends_auth_and_maps(connect: Any) -> None:
    handler = Counter(json(200, record(1)))
    client = connect(handler)
    customer = client.get("1")
    assert customer.key == "scripted:1"
    assert customer.email == "p1@example.com"
    req = handler.requests[0]
    assert req.headers["x-api-key"] == API_KEY
    assert str(req.url) == "https://api.scripted.test/v1/c/1"


@pytest.mark.parametrize(
    ("customer_id", "raw_path"),
    [
        ("../admin", b"/v1/c/..%2Fadmin"),
        ("..", b"/v1/c/%2E%2E"),
        ("a/b", b"/v1/c/a%2Fb"),
        ("x?y=1", b"/v1/c/x%3Fy%3D1"),
        ("%2e%2e", b"/v1/c/%252e%252e"),
        ("caf\u00e9 #1", b"/v1/c/caf%C3%A9%20%231"),
    ],
)
def test_hostile_ids_stay_one_path_segment(connect: Any, customer_id: str, raw_path: bytes) -> None:
    handler = Counter(json(200, record(1)))
    connect(handler).get(customer_id)
    url = handler.requests[0].url
    assert url.raw_path == raw_path
    assert url.host == "api.scripted.test" and not url.query


def test_very_long_id_is_encoded_not_truncated(connect: Any) -> None:
    handler = Counter(json(200, record(1)))
    long_id = "x/" * 2000
    connect(handler).get(long_id)
    assert handler.requests[0].url.raw_path.count(b"/") == 3


def test_server_error_is_retried_then_succeeds(connect: Any) -> None:
    handler = Counter(json(503, {"error": "busy"}), json(200, record(1)))
    assert connect(handler).get("1").id == "1"
    assert len(handler.requests) == 2


def test_retries_are_bounded(connect: Any) -> None:
    handler = Counter(json(500, {"error": "boom"}))
    with pytest.raises(ServerError) as info:
        connect(handler, max_retries=3).get("1")
    assert len(handler.requests) == 4
    assert "scripted get: 500 boom" in str(info.value)


def test_non_idempotent_write_is_not_resent_after_it_may_have_arrived(connect: Any) -> None:
    handler = Counter(json(503, {"error": "busy"}), json(200, record(1)))
    with pytest.raises(ServerError):
        connect(handler).create(CustomerInput(first_name="A"))
    assert len(handler.requests) == 1
    handler = Counter(httpx.ReadTimeout("slow"), json(200, record(1)))
    with pytest.raises(RequestTimeoutError):
        connect(handler).create(CustomerInput(first_name="A"))
    assert len(handler.requests) == 1


def test_non_idempotent_write_is_retried_when_it_never_left(connect: Any) -> None:
    handler = Counter(httpx.ConnectError("refused"), json(200, record(1)))
    assert connect(handler).create(CustomerInput(first_name="A")).id == "1"
    assert len(handler.requests) == 2


def test_idempotent_write_is_retried(connect: Any) -> None:
    handler = Counter(httpx.ReadTimeout("slow"), json(200, record(1)))
    assert connect(handler).update("1", CustomerInput(first_name="A")).id == "1"
    assert len(handler.requests) == 2
    assert handler.requests[0].content == b'{"first_name":"A"}'


def test_update_sends_only_set_fields_and_none_clears(connect: Any) -> None:
    handler = Counter(json(200, record(1)))
    connect(handler).update("1", CustomerInput(last_name=None))
    assert handler.requests[0].content == b'{"last_name":null}'


def test_read_only_field_in_write_is_refused_before_sending(connect: Any) -> None:
    handler = Counter(json(200, record(1)))
    with pytest.raises(UnsupportedOperationError, match="email") as info:
        connect(handler).update("1", CustomerInput(email="x@example.com"))
    assert "first_name" in (info.value.hint or "")
    assert not handler.requests


def test_retry_after_seconds_and_http_date(connect: Any) -> None:
    handler = Counter(json(429, {"error": "slow down"}, **{"Retry-After": "0"}), json(200, record(1)))
    assert connect(handler).get("1").id == "1"
    when = format_datetime(datetime.now(UTC) - timedelta(seconds=5), usegmt=True)
    handler = Counter(json(429, {"error": "slow down"}, **{"Retry-After": when}), json(200, record(1)))
    assert connect(handler).get("1").id == "1"
    assert len(handler.requests) == 2


def test_retry_after_beyond_cap_raises_at_once(connect: Any) -> None:
    handler = Counter(json(429, {"error": "slow down"}, **{"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as info:
        connect(handler, max_retry_wait=60).get("1")
    assert info.value.retry_after == 3600
    assert len(handler.requests) == 1
    assert "retry after 3600s" in str(info.value)


def test_vendor_can_mark_429_not_retryable(connect: Any) -> None:
    handler = Counter(json(429, {"error": "daily quota", "retryable": False}))
    with pytest.raises(RateLimitError) as info:
        connect(handler).get("1")
    assert not info.value.retryable
    assert len(handler.requests) == 1


@pytest.mark.parametrize(
    ("response", "cls", "text"),
    [
        (httpx.Response(502, text="<html><h1>502 Bad Gateway</h1></html>"), ServerError, "502 Bad Gateway"),
        (httpx.Response(404, text=""), NotFoundError, "404 Not Found"),
        (httpx.Response(401, text="{trunc"), AuthenticationError, "set SCRIPTED_API_KEY"),
        (httpx.Response(418, text="teapot"), custbridge.ProviderError, "418"),
    ],
)
def test_non_json_error_bodies_still_get_the_right_class(
    connect: Any, response: httpx.Response, cls: type, text: str
) -> None:
    with pytest.raises(cls) as info:
        connect(Counter(response), max_retries=0).get("1")
    assert text in str(info.value)
    assert type(info.value) is cls


def test_truncated_success_body_is_retried_then_reported(connect: Any) -> None:
    handler = Counter(httpx.Response(200, content=b'{"id": "1", "em'), json(200, record(1)))
    assert connect(handler).get("1").id == "1"
    handler = Counter(httpx.Response(200, content=b'{"id": "1", "em'))
    with pytest.raises(TransportError, match="not valid JSON"):
        connect(handler, max_retries=1).get("1")


def test_no_foreign_exception_escapes(connect: Any) -> None:
    for exc in (httpx.ReadError("reset"), httpx.RemoteProtocolError("eof"), httpx.ConnectTimeout("t")):
        with pytest.raises(TransportError):
            connect(Counter(exc), max_retries=0).get("1")
    # A record with the wrong shape inside a single get: MappingError, not KeyError/TypeError.
    with pytest.raises(MappingError):
        connect(Counter(json(200, {"id": 5}))).get("1")
    with pytest.raises(MappingError):
        connect(Counter(json(200, ["not", "an", "object"]))).get("1")


def test_secrets_never_appear_in_errors_or_logs(connect: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="custbridge")
    echo = json(401, {"error": f"bad key {API_KEY}"})
    client = connect(Counter(echo))
    with pytest.raises(AuthenticationError) as info:
        client.get("1")
    err = info.value
    for text in (str(err), repr(err), err.message, repr(client), repr(client.provider.settings)):
        assert API_KEY not in text
    assert "****" in str(err)
    assert all(API_KEY not in r.getMessage() for r in caplog.records)


def test_redirect_to_other_host_is_refused(connect: Any) -> None:
    handler = Counter(httpx.Response(302, headers={"location": "https://evil.example/steal"}))
    with pytest.raises(TransportError, match="another host"):
        connect(handler).get("1")
    assert len(handler.requests) == 1


def test_same_host_redirect_is_followed(connect: Any) -> None:
    handler = Counter(
        httpx.Response(301, headers={"location": "https://api.scripted.test/v1/c/2"}), json(200, record(2))
    )
    assert connect(handler).get("1").id == "2"
    assert handler.requests[1].headers["x-api-key"] == API_KEY


def test_plain_http_base_url_is_refused_unless_loopback(connect: Any) -> None:
    with pytest.raises(ConfigurationError, match="https"):
        connect(Counter(json(200, {})), base_url="http://api.example.com")
    connect(Counter(json(200, {})), base_url="http://127.0.0.1:9999")
    connect(Counter(json(200, {})), base_url="http://localhost:9999")


def test_caller_http_client_is_used_and_not_closed() -> None:
    seen: list[httpx.Request] = []
    hook_calls: list[str] = []
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: seen.append(r) or json(200, record(1))),
        event_hooks={"request": [lambda r: hook_calls.append(str(r.url))]},
    )
    with custbridge.connect("scripted", http_client=http, api_key=API_KEY) as client:
        client.get("1")
    assert hook_calls and seen
    assert not http.is_closed
    http.close()


def test_missing_credential_names_argument_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCRIPTED_API_KEY", raising=False)
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("scripted")
    assert "api_key" in str(info.value) and "SCRIPTED_API_KEY" in str(info.value)
    monkeypatch.setenv("SCRIPTED_API_KEY", API_KEY)
    with custbridge.connect("scripted") as client:
        assert client.provider.settings.source("api_key") == "env:SCRIPTED_API_KEY"
        assert API_KEY not in repr(client.provider.settings)


def test_unknown_setting_and_unknown_provider() -> None:
    with pytest.raises(ConfigurationError, match="api_kye"):
        custbridge.connect("scripted", api_key=API_KEY, api_kye="x")
    with pytest.raises(ConfigurationError) as info:
        custbridge.connect("nope")
    assert "scripted" in (info.value.hint or "")


# -- lists --------------------------------------------------------------------------------


def pages_handler(pages: dict[str | None, dict[str, Any]]) -> Counter:
    def handle(request: httpx.Request) -> httpx.Response:
        return json(200, pages[request.url.params.get("cursor")])

    return _Recorder(handle)


class _Recorder(Counter):
    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.fn(request)  # type: ignore[no-any-return]


def test_list_is_lazy_and_follows_cursors(connect: Any) -> None:
    handler = pages_handler(
        {
            None: {"items": [record(1), record(2)], "next": "b", "total": 5},
            "b": {"items": [record(3), record(4)], "next": "c", "total": 5},
            "c": {"items": [record(5)], "next": None, "total": 5},
        }
    )
    client = connect(handler)
    it = client.list()
    assert not handler.requests
    assert next(it).id == "1"
    assert len(handler.requests) == 1
    assert [c.id for c in it] == ["2", "3", "4", "5"]
    pages = list(client.pages())
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert {p.total for p in pages} == {5}


def test_max_items_fetches_no_more_pages(connect: Any) -> None:
    handler = pages_handler(
        {None: {"items": [record(1), record(2)], "next": "b"}, "b": {"items": [record(3)], "next": None}}
    )
    assert [c.id for c in connect(handler).list(max_items=2)] == ["1", "2"]
    assert len(handler.requests) == 1


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ({None: {"items": [record(1)], "next": "a"}, "a": {"items": [record(2)], "next": "a"}}, "repeated"),
        (
            {
                None: {"items": [record(1)], "next": "a"},
                "a": {"items": [record(2)], "next": "b"},
                "b": {"items": [record(3)], "next": "a"},
            },
            "repeated",
        ),
        ({None: {"items": [], "next": "a"}, "a": {"items": [], "next": "b"}, "b": {"items": [], "next": "c"}}, "empty"),
    ],
    ids=["repeated-token", "a-b-a-cycle", "empty-pages-forever"],
)
def test_pagination_misbehaviour_ends_with_pagination_error(connect: Any, pages: Any, message: str) -> None:
    with pytest.raises(PaginationError, match=message):
        list(connect(pages_handler(pages)).list())


def test_same_page_twice_is_detected(connect: Any) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("cursor", "0"))
        return json(200, {"items": [record(1), record(2)], "next": str(n + 1)})

    with pytest.raises(PaginationError, match="same page"):
        list(connect(_Recorder(handle)).list())


def test_changing_total_is_tolerated(connect: Any, caplog: pytest.LogCaptureFixture) -> None:
    handler = pages_handler(
        {None: {"items": [record(1)], "next": "b", "total": 2}, "b": {"items": [record(2)], "next": None, "total": 3}}
    )
    assert [c.id for c in connect(handler).list()] == ["1", "2"]
    assert "total changed" in caplog.text


def test_bad_record_raises_with_index_id_and_path(connect: Any) -> None:
    handler = pages_handler({None: {"items": [record(1), {"id": 7}, record(3)], "next": None}})
    with pytest.raises(MappingError) as info:
        list(connect(handler).list())
    err = info.value
    assert err.index == 1 and err.paths == (("$.id", "expected str"),)
    assert "record #1" in str(err) and "$.id" in str(err)


def test_on_invalid_skip_and_collect(connect: Any, caplog: pytest.LogCaptureFixture) -> None:
    pages = {None: {"items": [record(1), {"id": 7}, record(3)], "next": None}}
    assert [c.id for c in connect(pages_handler(pages)).list(on_invalid="skip")] == ["1", "3"]
    assert "record #1" in caplog.text
    result = connect(pages_handler(pages), on_invalid="collect").list()
    assert [c.id for c in result] == ["1", "3"]
    assert len(result.errors) == 1 and result.errors[0].index == 1
    with pytest.raises(ConfigurationError):
        connect(pages_handler(pages)).list(on_invalid="ignore")


def test_emulated_filters_apply_client_side(connect: Any) -> None:
    items = [
        record(1, status="active", tags=["vip"], created="2026-01-02T00:00:00Z"),
        record(2, status="inactive", tags=["vip"], created="2026-01-03T00:00:00Z"),
        record(3, status="active", tags=[], created="2025-01-03T00:00:00Z"),
    ]
    handler = pages_handler({None: {"items": items, "next": None}})
    client = connect(handler)
    after = datetime(2026, 1, 1, tzinfo=UTC)
    assert [c.id for c in client.list(status="active", tags=["vip"], created_after=after)] == ["1"]
    # Emulated filters are not sent; native and vendor filters are.
    assert [c.id for c in client.list(search="p", region="eu")] == ["1", "2", "3"]
    params = handler.requests[-1].url.params
    assert params["q"] == "p" and params["region"] == "eu" and "status" not in params


def test_unsupported_and_invalid_filters(connect: Any) -> None:
    client = connect(Counter(json(200, {"items": [], "next": None})))
    with pytest.raises(UnsupportedOperationError, match="created_before") as info:
        client.list(created_before=datetime(2026, 1, 1, tzinfo=UTC))
    assert "search" in (info.value.hint or "")
    with pytest.raises(UnsupportedOperationError, match="colour"):
        client.list(colour="red")
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        client.list(created_after=datetime(2026, 1, 1))
    with pytest.raises(ConfigurationError, match="unknown status"):
        client.list(status="sleeping")


def test_page_size_is_capped_by_capabilities(connect: Any) -> None:
    handler = Counter(json(200, {"items": [], "next": None}))
    list(connect(handler).list(page_size=5000))
    assert handler.requests[0].url.params["limit"] == "5"


def test_unsupported_operation_names_what_is_supported(connect: Any) -> None:
    with pytest.raises(UnsupportedOperationError) as info:
        connect(Counter(json(200, {}))).upsert(CustomerInput(first_name="A"))
    assert "scripted upsert" in str(info.value) and "get, list" in str(info.value)


# -- async --------------------------------------------------------------------------------


def test_async_client_same_surface_and_concurrency_cap() -> None:
    in_flight = 0
    peak = 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return json(200, record(request.url.path.rsplit("/", 1)[-1]))

    class Capped(custbridge.registry.provider_class("scripted")):  # type: ignore[misc]
        max_concurrency = 3

    custbridge.register_provider("capped", Capped)

    async def run() -> list[str]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
        async with custbridge.connect_async("capped", http_client=http, api_key=API_KEY) as client:
            customers = await asyncio.gather(*(client.get(str(i)) for i in range(20)))
        await http.aclose()
        return [c.id for c in customers]

    try:
        assert asyncio.run(run()) == [str(i) for i in range(20)]
    finally:
        custbridge.unregister_provider("capped")
    assert peak == 3


def test_async_errors_are_mapped() -> None:
    async def run() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: json(404, {"error": "gone"})))
        async with custbridge.connect_async("scripted", http_client=http, api_key=API_KEY) as client:
            await client.get("1")

    with pytest.raises(NotFoundError, match="scripted get: 404 gone"):
        asyncio.run(run())


def test_every_error_is_a_custbridge_error() -> None:
    for cls in (ConfigurationError, MappingError, PaginationError, TransportError, RequestTimeoutError, ServerError):
        assert issubclass(cls, CustbridgeError)


def test_list_request_none_means_empty_without_a_request(connect: Any) -> None:
    handler = Counter(json(200, {"items": [record(1)], "next": None}))
    client = connect(handler)
    client.provider.list_request = lambda query, cursor: None  # type: ignore[method-assign]
    pages = list(client.pages())
    assert [p.items for p in pages] == [[]] and pages[0].total == 0
    assert not handler.requests


def test_rate_limit_budget_is_shared_by_clients_of_one_vendor_host(connect: Any) -> None:
    from custbridge import RateLimit

    class Limited(custbridge.registry.provider_class("scripted")):  # type: ignore[misc]
        rate_limit = RateLimit(5, 60.0)

    custbridge.register_provider("limited", Limited)
    try:
        http = httpx.Client(transport=httpx.MockTransport(lambda r: json(200, record(1))))
        a = custbridge.connect("limited", http_client=http, api_key=API_KEY)
        b = custbridge.connect("limited", http_client=http, api_key=API_KEY)
        assert a._core.limiter is b._core.limiter is not None
        other = custbridge.connect("limited", http_client=http, api_key=API_KEY, base_url="https://eu.scripted.test")
        assert other._core.limiter is not a._core.limiter
    finally:
        custbridge.unregister_provider("limited")


def test_an_adapter_crash_on_one_record_is_a_mapping_error_with_its_index(connect: Any) -> None:
    handler = pages_handler({None: {"items": [record(1), record(2)], "next": None}})
    client = connect(handler)
    original = client.provider.map_record

    def crashing(rec: Any) -> Any:
        if rec["id"] == "2":
            raise KeyError("nested")
        return original(rec)

    client.provider.map_record = crashing  # type: ignore[method-assign]
    with pytest.raises(MappingError) as info:
        list(client.list())
    assert info.value.index == 1 and "KeyError" in str(info.value)
    collected = client.list(on_invalid="collect")
    assert [c.id for c in collected] == ["1"] and collected.errors[0].index == 1
