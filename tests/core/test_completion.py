"""``Provider.complete``: extra requests that complete mapped customers, run by the engine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any

import attrs
import httpx
import pytest

import custbridge
from custbridge import (
    Customer,
    CustomerInput,
    HttpRequest,
    HttpResponse,
    MappingError,
    NotFoundError,
    ServerError,
)
from custbridge.provider import Completion

from .conftest import API_KEY, ScriptedProvider, json, record


class CompletingProvider(ScriptedProvider):
    """Notes live at ``GET /notes/{id}``; a listing caches them in ``state`` across pages."""

    calls: list[tuple[str, int, bool]] = []

    def complete(
        self, customers: Sequence[Customer], operation: str, state: MutableMapping[str, Any]
    ) -> Completion | None:
        self.calls.append((operation, len(customers), bool(state)))
        if any(c.id == "broken" for c in customers):
            return self._wrong_count(customers)
        return self._notes(customers, state)

    def _notes(self, customers: Sequence[Customer], state: MutableMapping[str, Any]) -> Completion:
        cache: dict[str, str | None] = state.setdefault("notes", {})
        out = []
        for c in customers:
            if c.id not in cache:
                try:
                    response: HttpResponse = yield HttpRequest("GET", ("notes", c.id))
                except NotFoundError:
                    cache[c.id] = None
                else:
                    cache[c.id] = response.data["text"]
            out.append(attrs.evolve(c, notes=cache[c.id]))
        return out

    def _wrong_count(self, customers: Sequence[Customer]) -> Completion:
        yield HttpRequest("GET", ("notes", "x"))
        return []


@pytest.fixture(autouse=True)
def _registered() -> Iterator[None]:
    custbridge.register_provider("completing", CompletingProvider)
    CompletingProvider.calls = []
    yield
    custbridge.unregister_provider("completing")


Handler = Callable[[httpx.Request], httpx.Response]


def _connect(handler: Handler, **settings: Any) -> custbridge.Client:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = custbridge.connect("completing", http_client=http, api_key=API_KEY, backoff=0.0, backoff_max=0.0,
                                **settings)
    client._owned.append(http.close)
    return client


def _vendor(seen: list[str], missing: frozenset[str] = frozenset()) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        assert request.headers["x-api-key"] == API_KEY  # same auth as the operation's own requests
        parts = request.url.path.strip("/").split("/")
        if parts[:2] == ["v1", "notes"]:
            if parts[2] in missing:
                return json(404, {"error": "no notes"})
            return json(200, {"text": f"note {parts[2]}"})
        if parts == ["v1", "c"] and request.method == "GET":
            page = int(request.url.params.get("cursor", "0"))
            items = [record(page * 2 + i) for i in range(2)]
            return json(200, {"items": items, "next": str(page + 1) if page < 2 else None})
        if request.method == "POST":
            return json(201, record("new"))
        return json(200, record(parts[-1]))

    return handler


def test_get_is_completed_with_the_engines_auth_and_a_fresh_state() -> None:
    seen: list[str] = []
    with _connect(_vendor(seen)) as client:
        c = client.get("7")
    assert c.notes == "note 7" and seen == ["/v1/c/7", "/v1/notes/7"]
    assert CompletingProvider.calls == [("get", 1, False)]


def test_list_pages_share_one_state_and_dropped_records_cost_nothing() -> None:
    seen: list[str] = []
    with _connect(_vendor(seen)) as client:
        customers = list(client.list())
        assert [c.notes for c in customers] == [f"note {i}" for i in range(6)]
        assert [op for op, _, _ in CompletingProvider.calls] == ["list"] * 3
        assert [fresh for _, _, fresh in CompletingProvider.calls] == [False, True, True]  # one state per listing
        seen.clear()
        assert [c.id for c in client.list(max_items=3)] == ["0", "1", "2"]
    # the second page was trimmed to one record before completion: no request for "3"
    assert seen == ["/v1/c", "/v1/notes/0", "/v1/notes/1", "/v1/c", "/v1/notes/2"]


def test_an_error_is_raised_into_the_completion_which_may_handle_it() -> None:
    seen: list[str] = []
    with _connect(_vendor(seen, missing=frozenset({"1"}))) as client:
        customers = list(client.list(max_items=2))
    assert [c.notes for c in customers] == ["note 0", None]


def test_an_unhandled_failure_is_retried_then_fails_the_operation_redacted() -> None:
    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/notes"):
            attempts.append(request.url.path)
            return json(503, {"error": f"down, key {API_KEY}", "retryable": True})
        return json(200, record("9"))

    with _connect(handler, max_retries=2) as client, pytest.raises(ServerError) as info:
        client.get("9")
    assert len(attempts) == 3  # the engine's retries apply to completion requests too
    assert API_KEY not in str(info.value) and API_KEY not in repr(info.value.details)
    assert info.value.operation == "get"


def test_a_completion_returning_the_wrong_count_is_a_mapping_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json(200, record("broken") if request.url.path == "/v1/c/broken" else {"text": "x"})

    with _connect(handler) as client, pytest.raises(MappingError) as info:
        client.get("broken")
    assert "one customer per customer" in str(info.value)


def test_writes_are_completed_and_a_failure_names_the_written_id() -> None:
    seen: list[str] = []
    with _connect(_vendor(seen)) as client:
        assert client.create(CustomerInput(first_name="A")).notes == "note new"

    def failing(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/notes"):
            return json(500, {"error": "boom", "retryable": False})
        return json(201, record("new"))

    with _connect(failing) as client, pytest.raises(ServerError) as info:
        client.create(CustomerInput(first_name="A"))
    assert "'new' was written" in str(info.value) and info.value.details["written_id"] == "new"


def test_async_client_runs_the_same_completion() -> None:
    seen: list[str] = []

    async def run() -> list[Customer]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(_vendor(seen)))
        async with custbridge.connect_async("completing", http_client=http, api_key=API_KEY) as client:
            out = [c async for c in client.list()]
        await http.aclose()
        return out

    customers = asyncio.run(run())
    assert [c.notes for c in customers] == [f"note {i}" for i in range(6)]
