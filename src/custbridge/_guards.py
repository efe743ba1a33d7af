"""The engine's guards against a hostile vendor: bounded response bodies, complete lists.

Both drivers (sync and async) read bodies through :class:`BodyReader`; every listing keeps a
:class:`ListGuard` (README "Guarantees").
"""

from __future__ import annotations

import bisect
import heapq
import logging
import zlib
from array import array
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from .errors import ConfigurationError, PaginationError, RequestTimeoutError, TransportError

__all__ = [
    "RECHECK_PAGES",
    "SEEN_FLUSH",
    "STALL_LIMIT",
    "BodyReader",
    "ListGuard",
    "SeenIds",
    "Undecodable",
    "already_read",
    "closed_error",
    "deadline_error",
]

logger = logging.getLogger("custbridge")

STALL_LIMIT = 3
"""Pages in a row bringing no new record (empty, or all seen before) that end a listing."""
RECHECK_PAGES = 4
"""Most earlier pages re-read when the vendor's total shrinks mid-list."""
SEEN_FLUSH = 65536
"""Recent id digests kept in a set before they are merged into the sorted array."""


class BodyReader:
    """Collect one streamed response body, decompressing it, refusing more than ``limit``
    bytes after decompression without ever holding more than that.

    gzip and deflate are inflated here with a bounded output per step (a "zip bomb" stops at
    the limit, not after inflating); other encodings go through httpx's decoders chunk by
    chunk, so at most one decoded chunk beyond the limit is ever held.
    """

    __slots__ = ("_inflate", "limit", "parts", "size")

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []
        encoding = response.headers.get("content-encoding", "").strip().lower()
        self._inflate: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header
        elif encoding in ("", "identity"):
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit:
                raise self._too_large(int(length))

    def chunks(self, response: httpx.Response) -> Iterator[bytes]:
        """The body's chunks as they arrive (raw when this reader decodes them itself)."""
        if self._inflate is not None or "content-encoding" not in response.headers:
            return response.iter_raw()
        return response.iter_bytes()

    def async_chunks(self, response: httpx.Response) -> AsyncIterator[bytes]:
        if self._inflate is not None or "content-encoding" not in response.headers:
            return response.aiter_raw()
        return response.aiter_bytes()

    def feed(self, chunk: bytes) -> None:
        if self._inflate is not None:
            try:
                chunk = self._inflate.decompress(chunk, self.limit - self.size + 1)
            except zlib.error as exc:
                raise Undecodable(f"the compressed response body is corrupt ({exc})") from None
        self.size += len(chunk)
        if self.size > self.limit:
            raise self._too_large(None)
        self.parts.append(chunk)  # an empty one too: it says compressed bytes came

    def finish(self) -> bytes:
        if self._inflate is not None:
            if not self._inflate.eof and self.parts:
                raise Undecodable("the compressed response body ends before its end marker (truncated)")
            rest = self._inflate.flush()
            self.size += len(rest)
            if self.size > self.limit:  # pragma: no cover - decompress() already bounded it
                raise self._too_large(None)
            self.parts.append(rest)
        return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)

    def _too_large(self, announced: int | None) -> TransportError:
        return self._too_large_for(self.limit, announced)

    @staticmethod
    def _too_large_for(limit: int, announced: int | None) -> TransportError:
        said = f" (it announces {announced} bytes)" if announced is not None else ""
        return TransportError(
            f"the response body is larger than max_response_size ({limit} bytes){said}; refused unread",
            hint="raise max_response_size if this vendor really sends pages this large",
        )


def already_read(response: httpx.Response, limit: int) -> bool:
    """Whether a transport handed over a body already in memory (mock transports do)."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return False
    if len(content) > limit:
        raise BodyReader._too_large_for(limit, None)
    return True


class Undecodable(Exception):
    """A compressed body that does not inflate."""


def deadline_error(seconds: float) -> RequestTimeoutError:
    return RequestTimeoutError(
        f"the request took longer than its overall deadline of {seconds:g} s (the body was still arriving)",
        hint="the vendor is sending very slowly; raise request_deadline if this is expected",
    )


def closed_error() -> ConfigurationError:
    return ConfigurationError(
        "the client was closed while a request still needed it (e.g. a list still being iterated)",
        hint="finish iterating before close(), or keep the with-block open until then",
    )


class SeenIds:
    """The ids already yielded in one listing, as 64-bit digests (8 bytes each once settled).

    Recent digests live in a set; every :data:`SEEN_FLUSH` of them are merged into one
    sorted ``array('q')`` searched by bisection, so a listing of a million customers holds
    about 8 MB of digests, not a million objects. Digests are Python's keyed (per-process
    random) SipHash of the id: two different ids collide with probability 2**-64.
    """

    __slots__ = ("_old", "_recent")

    def __init__(self) -> None:
        self._recent: set[int] = set()
        self._old = array("q")

    def __len__(self) -> int:
        return len(self._recent) + len(self._old)

    def add(self, key: str) -> bool:
        """Remember ``key``; return whether it is new."""
        digest = hash(key)
        recent = self._recent
        if digest in recent:
            return False
        old = self._old
        if old:
            at = bisect.bisect_left(old, digest)
            if at < len(old) and old[at] == digest:
                return False
        recent.add(digest)
        if len(recent) >= SEEN_FLUSH:
            self._old = array("q", heapq.merge(old, sorted(recent)))
            self._recent = set()
        return True


class ListGuard:
    """Completeness bookkeeping of one listing: distinct records, the vendor's totals, stalls."""

    def __init__(self, provider: str, page_size: int, strict: bool, *, resumed: bool = False) -> None:
        self.provider = provider
        self.resumed = resumed
        """Started from a saved cursor: the records before it are not counted here."""
        self.page_size = page_size
        self.strict = strict
        self.seen = SeenIds()
        self.count = 0
        self.stall = 0
        self.repeated = 0
        self.min_total: int | None = None
        self.max_total: int | None = None
        self.last_total: int | None = None

    def total(self, total: int | None) -> int:
        """Record a page's total; return by how much it shrank since the last page (or 0)."""
        if total is None or isinstance(total, bool) or not isinstance(total, int) or total < 0:
            return 0
        shrunk = 0
        if self.last_total is not None and total != self.last_total:
            logger.warning("%s list: total changed from %d to %d while listing", self.provider, self.last_total, total)
            shrunk = max(0, self.last_total - total)
        self.last_total = total
        self.min_total = total if self.min_total is None else min(self.min_total, total)
        self.max_total = total if self.max_total is None else max(self.max_total, total)
        return shrunk

    def page(self, fresh: int, size: int) -> None:
        """After a page with a next one: stop a vendor that repeats itself or never ends."""
        self.count = len(self.seen)
        self.stall = 0 if fresh else self.stall + 1
        if size and not fresh:
            self.repeated += 1
        if self.stall >= STALL_LIMIT:
            what = "returned empty pages" if size == 0 else "repeats the same page (or pages it already sent)"
            raise PaginationError(
                f"the vendor {what}: {self.stall} pages in a row with no new record, yet it says there "
                f"are more (after {self.count} records): it would loop forever",
                provider=self.provider,
                operation="list",
            )
        if self.max_total is not None and self.count > self.max_total + max(self.page_size, self.max_total // 10):
            raise PaginationError(
                f"the vendor says there are more pages but has already sent {self.count} distinct records, "
                f"clearly more than its own total of {self.max_total}",
                provider=self.provider,
                operation="list",
                hint="the vendor's pagination does not end",
            )

    def finish(self) -> None:
        """At the vendor's end of the list: compare what arrived with the vendor's total."""
        self.count = len(self.seen)
        # A resumed listing: the records before the saved cursor came in another listing,
        # so only the caller who holds them all can compare with the total.
        if not self.resumed and self.min_total is not None and self.count < self.min_total:
            message = (
                f"the list ended after {self.count} distinct records but the vendor's own total is "
                f"{self.min_total}: {self.min_total - self.count} missing"
            )
        elif self.repeated and self.min_total is None:
            # Whole pages of records already sent, and no total to prove nothing is missing:
            # the vendor's paging went wrong, so the list cannot be trusted to be complete.
            message = (
                f"the vendor sent {self.repeated} page(s) holding only records it had already sent "
                f"(after {self.count} records), so the list may be incomplete"
            )
        else:
            return
        if not self.strict:
            logger.warning("%s list: %s (strict=False: accepted)", self.provider, message)
            return
        raise PaginationError(
            message,
            provider=self.provider,
            operation="list",
            hint="retry the listing; pass strict=False (or strict_pagination=False) to accept a short list",
        )
