"""``client.with_raw_response``: the HTTP response behind an operation, as in Stainless SDKs.

::

    raw = client.with_raw_response.get("cus_123")
    print(raw.status_code, raw.request_id, raw.headers.get("x-ratelimit-remaining"))
    customer = raw.parse()

Errors are raised exactly as by the plain operations; a raw response is only returned on success.
The engine records the successful responses of the wrapped call through a context variable
(per thread and asyncio task), so concurrent calls on one client never see each other's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import httpx

from ._engine import _RESPONSES, AsyncPageList, OnInvalid, PageList, _list_arguments
from .errors import CustbridgeError, MappingError
from .model import Customer, CustomerInput, CustomerStatus
from .provider import HttpResponse, Page

if TYPE_CHECKING:
    from ._engine import AsyncClient, Client

__all__ = ["AsyncRawPageList", "AsyncRawResponseClient", "RawPageList", "RawResponse", "RawResponseClient"]

_T = TypeVar("_T")


@attrs.frozen
class RawResponse(Generic[_T]):
    """The vendor's HTTP response to one operation, with the parsed result behind ``parse()``."""

    http_response: HttpResponse
    """The operation's response (for a write that needs a follow-up request, the write's own)."""
    responses: tuple[HttpResponse, ...]
    """Every successful response the operation received, in order (usually one)."""
    _parsed: _T = attrs.field(alias="parsed", repr=False)

    @property
    def status_code(self) -> int:
        """HTTP status of :attr:`http_response`."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """Response headers (case-insensitive), e.g. rate-limit counters."""
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The vendor's request id (or custbridge's correlation id) to quote to vendor support."""
        return self.http_response.request_id

    @property
    def url(self) -> str:
        """The URL that answered (secrets are never in URLs custbridge builds)."""
        return self.http_response.url

    @property
    def content(self) -> bytes:
        """The body as received."""
        return self.http_response.content

    def json(self) -> Any:
        """The decoded JSON body (``None`` when empty)."""
        return self.http_response.data

    def parse(self) -> _T:
        """The value the plain operation returns (a :class:`Customer`, a page, or ``None``)."""
        return self._parsed


def _wrap(value: _T, sink: list[HttpResponse], name: str, operation: str) -> RawResponse[_T]:
    if not sink:  # pragma: no cover - every single operation sends a request
        raise CustbridgeError("no HTTP response was received", provider=name, operation=operation)
    return RawResponse(http_response=sink[0], responses=tuple(sink), parsed=value)


def _capture(fn: Callable[[], _T]) -> tuple[_T, list[HttpResponse]]:
    sink: list[HttpResponse] = []
    token = _RESPONSES.set(sink)
    try:
        return fn(), sink
    finally:
        _RESPONSES.reset(token)


async def _capture_async(fn: Callable[[], Awaitable[_T]]) -> tuple[_T, list[HttpResponse]]:
    sink: list[HttpResponse] = []
    token = _RESPONSES.set(sink)
    try:
        return await fn(), sink
    finally:
        _RESPONSES.reset(token)


class RawPageList(Iterator[RawResponse[Page[Customer]]]):
    """``with_raw_response.pages()``: one :class:`RawResponse` per vendor page; ``parse()``
    gives the :class:`Page`. ``errors`` as on :class:`PageList`."""

    def __init__(self, pages: PageList) -> None:
        self._pages = pages
        self.errors: list[MappingError] = pages.errors

    def __iter__(self) -> RawPageList:
        return self

    def __next__(self) -> RawResponse[Page[Customer]]:
        while True:
            page, sink = _capture(lambda: next(self._pages))
            if sink:  # a page answered without a request (nothing can match) has no response
                return RawResponse(http_response=sink[0], responses=tuple(sink), parsed=page)


class AsyncRawPageList(AsyncIterator[RawResponse[Page[Customer]]]):
    """The async :class:`RawPageList`."""

    def __init__(self, pages: AsyncPageList) -> None:
        self._pages = pages
        self.errors: list[MappingError] = pages.errors

    def __aiter__(self) -> AsyncRawPageList:
        return self

    async def __anext__(self) -> RawResponse[Page[Customer]]:
        while True:
            page, sink = await _capture_async(self._pages.__anext__)
            if sink:
                return RawResponse(http_response=sink[0], responses=tuple(sink), parsed=page)


class RawResponseClient:
    """``client.with_raw_response``: each operation returns a :class:`RawResponse`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, customer_id: str) -> RawResponse[Customer]:
        """As :meth:`Client.get`."""
        value, sink = _capture(lambda: self._client.get(customer_id))
        return _wrap(value, sink, self._client.name, "get")

    def create(self, data: CustomerInput) -> RawResponse[Customer]:
        """As :meth:`Client.create`."""
        value, sink = _capture(lambda: self._client.create(data))
        return _wrap(value, sink, self._client.name, "create")

    def update(self, customer_id: str, data: CustomerInput) -> RawResponse[Customer]:
        """As :meth:`Client.update`."""
        value, sink = _capture(lambda: self._client.update(customer_id, data))
        return _wrap(value, sink, self._client.name, "update")

    def upsert(self, data: CustomerInput) -> RawResponse[Customer]:
        """As :meth:`Client.upsert`."""
        value, sink = _capture(lambda: self._client.upsert(data))
        return _wrap(value, sink, self._client.name, "upsert")

    def delete(self, customer_id: str) -> RawResponse[None]:
        """As :meth:`Client.delete`; ``parse()`` returns ``None``."""
        value, sink = _capture(lambda: self._client.delete(customer_id))
        return _wrap(value, sink, self._client.name, "delete")

    def list(
        self,
        *,
        search: str | None = None,
        status: CustomerStatus | str | Iterable[CustomerStatus | str] | None = None,
        tags: Iterable[str] | str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        on_invalid: OnInvalid | None = None,
        strict: bool | None = None,
        start_cursor: str | None = None,
        **vendor_filters: Any,
    ) -> RawPageList:
        """The raw responses of :meth:`Client.list`: its records arrive in vendor pages, so this
        is :meth:`pages` (one :class:`RawResponse` per page; ``parse().items`` are the customers)."""
        return RawPageList(PageList(*self._client._pages(_list_arguments(locals()))))

    def pages(
        self,
        *,
        search: str | None = None,
        status: CustomerStatus | str | Iterable[CustomerStatus | str] | None = None,
        tags: Iterable[str] | str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        on_invalid: OnInvalid | None = None,
        strict: bool | None = None,
        start_cursor: str | None = None,
        **vendor_filters: Any,
    ) -> RawPageList:
        """As :meth:`Client.pages`, one raw response per vendor page (``list()`` has none of
        its own: its records arrive in these pages)."""
        return RawPageList(PageList(*self._client._pages(_list_arguments(locals()))))


class AsyncRawResponseClient:
    """``async_client.with_raw_response``: each operation returns a :class:`RawResponse`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self, customer_id: str) -> RawResponse[Customer]:
        """As :meth:`AsyncClient.get`."""
        value, sink = await _capture_async(lambda: self._client.get(customer_id))
        return _wrap(value, sink, self._client.name, "get")

    async def create(self, data: CustomerInput) -> RawResponse[Customer]:
        """As :meth:`AsyncClient.create`."""
        value, sink = await _capture_async(lambda: self._client.create(data))
        return _wrap(value, sink, self._client.name, "create")

    async def update(self, customer_id: str, data: CustomerInput) -> RawResponse[Customer]:
        """As :meth:`AsyncClient.update`."""
        value, sink = await _capture_async(lambda: self._client.update(customer_id, data))
        return _wrap(value, sink, self._client.name, "update")

    async def upsert(self, data: CustomerInput) -> RawResponse[Customer]:
        """As :meth:`AsyncClient.upsert`."""
        value, sink = await _capture_async(lambda: self._client.upsert(data))
        return _wrap(value, sink, self._client.name, "upsert")

    async def delete(self, customer_id: str) -> RawResponse[None]:
        """As :meth:`AsyncClient.delete`; ``parse()`` returns ``None``."""
        value, sink = await _capture_async(lambda: self._client.delete(customer_id))
        return _wrap(value, sink, self._client.name, "delete")

    def list(
        self,
        *,
        search: str | None = None,
        status: CustomerStatus | str | Iterable[CustomerStatus | str] | None = None,
        tags: Iterable[str] | str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        on_invalid: OnInvalid | None = None,
        strict: bool | None = None,
        start_cursor: str | None = None,
        **vendor_filters: Any,
    ) -> AsyncRawPageList:
        """The raw responses of :meth:`AsyncClient.list`: its records arrive in vendor pages, so this
        is :meth:`pages` (one :class:`RawResponse` per page; ``parse().items`` are the customers)."""
        return AsyncRawPageList(AsyncPageList(*self._client._pages(_list_arguments(locals()))))

    def pages(
        self,
        *,
        search: str | None = None,
        status: CustomerStatus | str | Iterable[CustomerStatus | str] | None = None,
        tags: Iterable[str] | str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        on_invalid: OnInvalid | None = None,
        strict: bool | None = None,
        start_cursor: str | None = None,
        **vendor_filters: Any,
    ) -> AsyncRawPageList:
        """As :meth:`AsyncClient.pages`, one raw response per vendor page."""
        return AsyncRawPageList(AsyncPageList(*self._client._pages(_list_arguments(locals()))))
