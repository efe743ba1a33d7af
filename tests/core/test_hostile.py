"""A hostile vendor and a careless caller, against the engine itself (README "Guarantees").

The provider-independent checks run for every installed provider through the conformance
suite (``custbridge.testing``, ``test_hostile_*``); these cover what needs a scripted vendor:
endless pagination, deletions under offset pagination, 303 answers to writes, the size cap's
default and compressed bodies, and the digest set that deduplicates ids.
"""

from __future__ import annotations

import asyncio
import gzip
import json as jsonlib
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import (
    ConfigurationError,
    CustbridgeError,
    CustomerInput,
    PaginationError,
    TransportError,
)
from custbridge._engine import DEFAULT_MAX_RESPONSE_SIZE
from custbridge._guards import SEEN_FLUSH, SeenIds
from custbridge.sandbox import FaultPlan, create_app

from .conftest import API_KEY, json, record

# -- lists are complete or fail loudly ----------------------------------------------------


def test_endless_has_more_with_fresh_records_stops_past_the_total(connect: Any) -> None:
    served: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("cursor", "0"))
        served.append(n)
        if n > 500:  # pragma: no cover - the old engine got here
            raise AssertionError("the engine never stopped")
        return json(200, {"items": [record(f"{n}-a"), record(f"{n}-b")], "next": str(n + 1), "total": 6})

    client = connect(handle)
    got: list[str] = []
    with pytest.raises(PaginationError, match="its own total of 6"):
        for customer in client.list():
            got.append(customer.id)
    assert len(got) == len(set(got))
    assert len(served) < 10


def test_cycle_with_fresh_cursors_and_no_total_is_detected(connect: Any) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("cursor", "0"))
        if n > 500:  # pragma: no cover - the old engine got here
            raise AssertionError("the engine never stopped")
        page = n % 3  # period 3: pages 0, 1, 2, 0, 1, 2, ... under ever new cursors
        return json(200, {"items": [record(2 * page), record(2 * page + 1)], "next": str(n + 1)})

    client = connect(handle)
    got: list[str] = []
    with pytest.raises(PaginationError, match="repeats"):
        for customer in client.list():
            got.append(customer.id)
    assert sorted(got) == [str(i) for i in range(6)]


def test_short_list_under_strict_false_is_accepted(connect: Any, caplog: pytest.LogCaptureFixture) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return json(200, {"items": [record(1), record(2)], "total": 300})

    with pytest.raises(PaginationError, match="298 missing"):
        list(connect(handle).list())
    assert [c.id for c in connect(handle).list(strict=False)] == ["1", "2"]
    assert [c.id for c in connect(handle, strict_pagination=False).list()] == ["1", "2"]
    assert "accepted" in caplog.text


class _OffsetVendor:
    """Offset pagination with a total; deletes ``delete`` after serving the first page."""

    def __init__(self, size: int, delete: list[str]) -> None:
        self.rows = [record(i) for i in range(size)]
        self.delete = delete
        self.pages = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("cursor", "0"))
        limit = int(request.url.params["limit"])
        page = self.rows[offset : offset + limit]
        total = len(self.rows)
        self.pages += 1
        if self.pages == 1:
            self.rows = [r for r in self.rows if r["id"] not in self.delete]
        following = offset + len(page)
        nxt = str(following) if page and following < total else None
        return json(200, {"items": page, "next": nxt, "total": total})


@pytest.mark.parametrize("deleted", [["1"], ["0", "3"], ["0", "1", "2", "3", "4", "5", "6"]])
@pytest.mark.parametrize("size", [20, 9])  # 9: the shrunk total arrives with the last page
def test_deletion_mid_list_under_offset_pagination_skips_no_live_customer(
    connect: Any, deleted: list[str], size: int
) -> None:
    vendor = _OffsetVendor(size, deleted)
    got = [c.id for c in connect(vendor).list(page_size=5)]
    live = {str(i) for i in range(size)} - set(deleted)
    assert live <= set(got), f"skipped {sorted(live - set(got))}"
    assert len(got) == len(set(got))


def test_digest_set_finds_repeats_across_flushes() -> None:
    seen = SeenIds()
    ids = [f"cus_{i}" for i in range(SEEN_FLUSH + 10)]
    assert all(seen.add(i) for i in ids)
    assert len(seen) == len(ids)
    assert not any(seen.add(i) for i in (ids[0], ids[SEEN_FLUSH - 1], ids[-1]))
    assert seen.add("cus_new")


# -- writes are never resent ------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirected_idempotent_write_is_not_resent_either(connect: Any, status: int) -> None:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, headers={"location": "/v1/c/9?moved=1"})

    with pytest.raises(TransportError, match=f"{status} redirect") as info:
        connect(handle).update("9", CustomerInput(first_name="Ann"))
    assert "not repeated" in (info.value.hint or "")
    assert len(sent) == 1


# -- bounded resources ----------------------------------------------------------------------


def test_default_size_cap_refuses_a_400_mib_body() -> None:
    app = create_app("acme", size=3)
    app.faults = FaultPlan(hostile=("huge-body",))
    assert app.faults.body_size == 400 * 1024 * 1024 > DEFAULT_MAX_RESPONSE_SIZE
    expected = f"max_response_size \\({DEFAULT_MAX_RESPONSE_SIZE} bytes\\)"
    with custbridge.sandbox.connect("acme", app=app, max_retries=0) as client, pytest.raises(TransportError, match=expected):
        client.get("x")


class _MustNotRead(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __iter__(self) -> Iterator[bytes]:  # pragma: no cover - the point is it is never read
        raise AssertionError("the body was read")
        yield b""

    async def __aiter__(self) -> Any:  # pragma: no cover
        raise AssertionError("the body was read")
        yield b""


def test_announced_oversize_body_is_refused_before_reading(connect: Any) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": str(10**9)}, stream=_MustNotRead())

    with pytest.raises(TransportError, match="announces 1000000000 bytes"):
        connect(handle).get("1")


def _encoded(payload: Any, encoding: str) -> httpx.Response:
    body = jsonlib.dumps(payload).encode()
    packed = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)

    class Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for i in range(0, len(packed), 7):
                yield packed[i : i + 7]

        async def __aiter__(self) -> Any:
            for i in range(0, len(packed), 7):
                yield packed[i : i + 7]

    return httpx.Response(200, headers={"content-encoding": encoding}, stream=Stream())


def test_corrupt_compressed_body_is_a_transport_error(connect: Any) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip at all"))

    with pytest.raises(TransportError, match="corrupt"):
        connect(handle, max_retries=0).get("1")


def test_async_size_cap_and_gzip_bomb() -> None:
    app = create_app("acme", size=3)
    app.faults = FaultPlan(hostile=("gzip-bomb",), body_size=32 * 1024 * 1024)

    async def run() -> CustbridgeError:
        client = custbridge.sandbox.connect_async("acme", app=app, max_retries=0, max_response_size=2 * 1024 * 1024)
        async with client:
            try:
                await client.get("x")
            except CustbridgeError as err:
                return err
        raise AssertionError("expected an error")  # pragma: no cover

    err = asyncio.run(run())
    assert isinstance(err, TransportError) and "max_response_size" in str(err)


# -- lifecycle and arguments ---------------------------------------------------------------------


def test_negative_timeout_and_bad_types_name_the_setting() -> None:
    for settings, word in (({"timeout": -1}, "timeout"), ({"max_retries": "many"}, "max_retries")):
        with pytest.raises(ConfigurationError, match=word):
            custbridge.connect("scripted", api_key=API_KEY, **settings)


def test_numeric_settings_from_text_still_work() -> None:
    with custbridge.connect("scripted", api_key=API_KEY, timeout="5", max_retries="3") as client:
        assert client._core.options.timeout == 5.0 and client._core.options.max_retries == 3
        assert client._core.options.deadline == 20.0


# -- regression guards: behaviour the redirect and streaming changes must keep ------------------
# (These pass on the old engine too; they protect what a rewrite of those paths could break.)


def test_303_after_a_write_is_fetched_without_the_body(connect: Any) -> None:
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "POST":
            return httpx.Response(303, headers={"location": "/v1/c/77"})
        return json(200, record(77))

    created = connect(handle).create(CustomerInput(first_name="Ann"))
    assert created.id == "77"
    assert [r.method for r in sent] == ["POST", "GET"]
    assert sent[1].content == b""


def test_redirected_delete_is_followed(connect: Any) -> None:
    sent: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if request.url.path == "/v1/c/1":
            return httpx.Response(308, headers={"location": "/v1/c/one"})
        return httpx.Response(204)

    connect(handle).delete("1")
    assert sent == ["DELETE /v1/c/1", "DELETE /v1/c/one"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_bodies_still_decode(connect: Any, encoding: str) -> None:
    customer = connect(lambda r: _encoded(record(5, email="zip@example.com"), encoding)).get("5")
    assert customer.email == "zip@example.com"


def test_async_compressed_body_decodes() -> None:
    async def run() -> str | None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: _encoded(record(3, email="a@b.co"), "gzip")))
        async with custbridge.connect_async("scripted", api_key=API_KEY, http_client=http) as client:
            customer = await client.get("3")
        await http.aclose()
        return customer.email

    assert asyncio.run(run()) == "a@b.co"
