"""The simulator framework: one base class every vendor sandbox fills in.

A vendor sandbox subclasses :class:`SandboxApp` and implements ``route`` (the vendor's
endpoints), ``authorized`` (its credential check), ``error`` (its error envelope) and
``client_settings`` (what to pass to :func:`custbridge.connect`). The base class adds, the
same way for every vendor: request counting, in-flight accounting with an optional
concurrency cap, latency, fault injection, and serving in-process
(:class:`httpx.MockTransport`, sync and async) or over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import attrs
import httpx

__all__ = ["FAULT_KINDS", "HOSTILE_KINDS", "FaultPlan", "SandboxApp", "SandboxChanges", "json_response"]

FAULT_KINDS: tuple[str, ...] = (
    "429",
    "429-retry-after",
    "500",
    "503",
    "timeout",
    "lost-response",
    "truncated",
    "html",
    "reset",
)
"""Every fault the framework can inject."""


HOSTILE_KINDS: tuple[str, ...] = (
    "overlap",
    "cycle",
    "inflate-total",
    "understate-total",
    "hide-total",
    "lose-record",
    "cap-page",
    "redirect-writes",
    "huge-body",
    "gzip-bomb",
    "drip",
)
"""Deterministic hostile vendor behaviours, applied to every matching request (not drawn by
``rate``), the same way for any vendor's sandbox:

- ``overlap``: every list page after the first starts with the last record of the page
  before it, as if a record were inserted before each page boundary while listing.
- ``cycle``: from the ``cycle_period``-th list page on, the records repeat the first pages'
  while the vendor's own cursors keep advancing (fresh tokens over repeated records).
- ``inflate-total`` / ``understate-total``: every integer field named like ``total`` in a list
  answer is raised by 300 / set to 1. ``hide-total``: such fields are removed.
- ``lose-record``: the second list page served loses its first record (totals unchanged).
- ``cap-page``: the vendor silently serves at most ``page_cap`` records per page (a ``limit``,
  ``page_size``, ``per_page``, ``pageSize`` or ``size`` query parameter is lowered).
- ``redirect-writes``: a POST/PUT/PATCH is answered ``redirect_status`` to the same URL with a
  marker parameter; the redirected request, if any, is served normally.
  ``write_bodies_received`` counts the write bodies that arrived.
- ``huge-body``: every GET is answered 200 with ``body_size`` bytes, produced lazily.
- ``gzip-bomb``: the same, gzip-compressed (``Content-Encoding: gzip``), compressed lazily.
- ``drip``: the real answer's body arrives one byte at a time, ``drip_delay`` seconds apart.

A list answer is recognised generically: a 200 JSON object without an ``id`` that has a
top-level array of objects.
"""

_LIMIT_PARAMS = ("limit", "page_size", "per_page", "pageSize", "size")
_REDIRECT_MARK = "sandbox_redirected"


def _parse_hostile(value: Any) -> tuple[str, ...]:
    kinds = (value,) if isinstance(value, str) else tuple(value)
    for kind in kinds:
        if kind not in HOSTILE_KINDS:
            raise ValueError(f"unknown hostile behaviour {kind!r}; known: {', '.join(HOSTILE_KINDS)}")
    return kinds


def _parse_kinds(value: Any) -> tuple[str, ...]:
    kinds = tuple(value)
    for kind in kinds:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
    return kinds


def _check_rate(rate: float) -> None:
    if not 0 <= rate <= 1:
        raise ValueError(f"the fault rate must be between 0 and 1, got {rate:g}")


@attrs.frozen
class FaultPlan:
    """Which faults to inject, how often, reproducibly."""

    rate: float = attrs.field(default=0.0, validator=lambda _, __, v: _check_rate(v))
    """Share of requests (0..1) that get a fault."""
    kinds: tuple[str, ...] = attrs.field(default=FAULT_KINDS, converter=_parse_kinds)
    """Fault kinds to draw from (see :data:`FAULT_KINDS`)."""
    seed: int = 0
    """Seed of the fault dice."""
    retry_after: float = 0.01
    """Seconds announced by ``429-retry-after`` faults."""
    max_consecutive: int = 2
    """Never fault more than this many requests in a row (keeps retries able to win)."""
    hostile: tuple[str, ...] = attrs.field(default=(), converter=_parse_hostile)
    """Hostile behaviours applied to every matching request (see :data:`HOSTILE_KINDS`)."""
    cycle_period: int = 2
    """``cycle``: list pages repeat with this period."""
    page_cap: int = 3
    """``cap-page``: most records the vendor serves per page."""
    redirect_status: int = 307
    """``redirect-writes``: the redirect status (301, 302, 303, 307 or 308)."""
    body_size: int = 400 * 1024 * 1024
    """``huge-body`` / ``gzip-bomb``: body size in bytes (after decompression)."""
    drip_delay: float = 0.01
    """``drip``: seconds between two bytes."""

    @classmethod
    def parse(cls, text: str) -> FaultPlan:
        """Parse ``"0.2"`` or ``"0.2:429,500,timeout"`` (rate, optional kinds)."""
        rate_text, _, kinds_text = text.partition(":")
        kinds = tuple(k.strip() for k in kinds_text.split(",") if k.strip()) or FAULT_KINDS
        return cls(rate=float(rate_text), kinds=kinds)


def json_response(status_code: int, payload: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A JSON response as a vendor would send it."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    hdrs = {"content-type": "application/json", **(headers or {})}
    return httpx.Response(status_code, content=body, headers=hdrs)


@attrs.frozen
class SandboxChanges:
    """What :meth:`SandboxApp.mutate` did to the simulated vendor's store (vendor ids)."""

    added: tuple[str, ...] = ()
    """Ids of new customers."""
    changed: tuple[str, ...] = ()
    """Ids of customers whose e-mail address changed."""
    removed: tuple[str, ...] = ()
    """Ids of customers gone from the vendor's listing."""


class _Fault(Exception):
    """Raised inside the app to make the serving layer misbehave on the wire."""

    def __init__(self, kind: str, response: httpx.Response | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.response = response


class _ResetStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks off halfway, like a connection reset mid-transfer."""

    def __init__(self, content: bytes) -> None:
        self._head = content[: max(1, len(content) // 2)]

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        raise httpx.ReadError("connection reset by peer (sandbox fault)")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._head
        raise httpx.ReadError("connection reset by peer (sandbox fault)")


class _LazyBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``size`` bytes produced chunk by chunk (optionally gzip-compressed as they go), so
    the sandbox never holds the body it claims to send."""

    def __init__(self, size: int, *, gzip: bool) -> None:
        self._size = size
        self._gzip = gzip

    def _chunks(self) -> Iterator[bytes]:
        block = b"[" + b"0," * (32 * 1024)
        compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16) if self._gzip else None
        left = self._size
        while left > 0:
            piece = block[:left]
            left -= len(piece)
            out = compressor.compress(piece) if compressor is not None else piece
            if out:
                yield out
        if compressor is not None:
            yield compressor.flush()

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            yield chunk


class _DripStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives one byte at a time, ``delay`` seconds apart."""

    def __init__(self, content: bytes, delay: float) -> None:
        self._content = content
        self._delay = delay

    def __iter__(self) -> Iterator[bytes]:
        for i in range(len(self._content)):
            time.sleep(self._delay)
            yield self._content[i : i + 1]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(len(self._content)):
            await asyncio.sleep(self._delay)
            yield self._content[i : i + 1]


def _records_key(body: Any) -> str | None:
    """The key of a list answer's record array: the first top-level array of objects of a
    JSON object that is not itself a record (has no ``id``)."""
    if not isinstance(body, dict) or "id" in body:
        return None
    for key, value in body.items():
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return str(key)
    return None


def _rewrite_totals(node: Any, change: Any, depth: int = 0) -> Any:
    """Apply ``change`` (int -> int or None to drop) to integer fields named like ``total``."""
    if not isinstance(node, dict) or depth > 2:
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if "total" in key.lower() and isinstance(value, int) and not isinstance(value, bool):
            new = change(value)
            if new is not None:
                out[key] = new
        else:
            out[key] = _rewrite_totals(value, change, depth + 1) if isinstance(value, dict) else value
    return out


_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>"
)


class SandboxApp:
    """Base of every vendor simulator. Subclasses implement the vendor; see module doc."""

    provider: str = ""
    """Name of the provider this app simulates."""

    def __init__(
        self,
        *,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        concurrency_limit: int | None = None,
    ) -> None:
        self.faults = faults or FaultPlan()
        self.latency = latency
        self.concurrency_limit = concurrency_limit
        self.reject_auth = False
        """When true every request fails authentication (for tests)."""
        self.requests_served = 0
        self.faults_injected = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.concurrency_rejections = 0
        self._lock = threading.Lock()
        self._fault_rng = random.Random(self.faults.seed)
        self._consecutive_faults = 0
        self.write_bodies_received = 0
        """Write requests (POST/PUT/PATCH) with a body that reached this app."""
        self._list_pages_served = 0
        self._first_pages: list[list[Any]] = []
        self._previous_last: Any = None

    # -- what a vendor sandbox implements ------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        """Answer an authorised request like the vendor would."""
        raise NotImplementedError

    def authorized(self, request: httpx.Request) -> bool:
        """Return whether the request carries valid credentials."""
        raise NotImplementedError

    def error(self, status_code: int, message: str, code: str | None = None, **extra: Any) -> httpx.Response:
        """Build the vendor's error envelope."""
        raise NotImplementedError

    def auth_failure(self, request: httpx.Request) -> httpx.Response:
        """The vendor's answer to missing or bad credentials."""
        return self.error(401, "authentication required", "unauthorized")

    def rate_limited(self, request: httpx.Request, retry_after: float | None) -> httpx.Response:
        """The vendor's 429 (``retry_after`` set for faults that announce a wait)."""
        response = self.error(429, "rate limit exceeded", "rate_limit_exceeded")
        if retry_after is not None:
            response.headers["Retry-After"] = f"{retry_after:g}"
        return response

    def customer_count(self) -> int:
        """How many customers the simulated vendor stores (to prove writes are not duplicated)."""
        raise NotImplementedError

    def create_requirements(self) -> dict[str, Any]:
        """``CustomerInput.vendor_fields`` a create needs at this vendor (valid reference ids)."""
        return {}

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Keyword settings for :func:`custbridge.connect` that reach this app at ``base_url``."""
        raise NotImplementedError

    base_url: str = "https://sandbox.invalid"
    """Base URL to use with the in-process transports."""

    # -- mutations between runs (change feeds) -------------------------------------------

    def mutate(self, *, add: int = 0, change: int = 0, remove: int = 0, seed: int = 0) -> SandboxChanges:
        """Change the stored customers as the vendor's users would between two syncs.

        Adds ``add`` new customers, gives ``change`` customers a new e-mail address and
        removes ``remove`` customers from the vendor's listing, picked reproducibly from
        ``seed``. Changed and removed customers are distinct. Requests made for it are not
        counted in :attr:`requests_served`, and no fault is injected.

        Vendor sandboxes override the hooks :meth:`customer_ids`, :meth:`add_customer`,
        :meth:`change_customer` and :meth:`remove_customer` where the defaults (the
        ``customers`` dict and the provider's own create/update/delete) do not fit.
        """
        from ._people import people

        rng = random.Random(f"mutate:{self.provider}:{seed}")
        ids = sorted(self.customer_ids())
        if change + remove > len(ids):
            raise ValueError(f"cannot change and remove {change + remove} of {len(ids)} customers")
        picked = rng.sample(ids, change + remove)
        removed, changed = picked[:remove], picked[remove:]
        served, faults, reject = self.requests_served, self.faults, self.reject_auth
        self.faults, self.reject_auth = FaultPlan(), False
        try:
            newcomers = list(people(seed, add + change, namespace=f"{self.provider}-mutate-{seed}", shared=0.0))
            for customer_id in removed:
                self.remove_customer(customer_id)
            for customer_id, person in zip(changed, newcomers[add:], strict=True):
                self.change_customer(customer_id, person.email)
            added = [self.add_customer(person) for person in newcomers[:add]]
        finally:
            self.requests_served, self.faults, self.reject_auth = served, faults, reject
        return SandboxChanges(added=tuple(added), changed=tuple(changed), removed=tuple(removed))

    def customer_ids(self) -> list[str]:
        """Ids of the customers a default listing returns (override if not ``self.customers``)."""
        store = getattr(self, "customers", None)
        if not isinstance(store, Mapping):
            raise NotImplementedError(f"{type(self).__name__} does not say where its customers are")
        return [str(key) for key in store]

    def _client(self) -> Any:
        from . import connect

        return connect(self.provider, app=self, backoff=0.001, backoff_max=0.01)

    def add_customer(self, person: Any) -> str:
        """Store a new customer made from a sandbox :class:`Person`; return its id.

        The default creates it through the provider's own ``create``."""
        from ..model import Address, CustomerInput
        from ..provider import FieldAccess

        where = person.address
        values: dict[str, Any] = {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "company_name": person.company,
            "email": person.email,
            "phone": person.phone,
            "address": Address(
                line1=where.line1,
                line2=where.line2,
                city=where.city,
                region=where.region,
                postal_code=where.postal_code,
                country=where.country,
            ),
        }
        with self._client() as client:
            caps = client.capabilities
            writable = {name for name in values if caps.field(name) is FieldAccess.WRITE}
            if "first_name" not in writable and "company_name" in writable and not values["company_name"]:
                values["company_name"] = f"{person.first_name} {person.last_name}"  # the vendor's one name
            data = CustomerInput(
                **{k: v for k, v in values.items() if k in writable}, vendor_fields=self.create_requirements()
            )
            return str(client.create(data).id)

    def change_customer(self, customer_id: str, email: str) -> None:
        """Give a customer a new e-mail address (default: the provider's own ``update``)."""
        from ..model import CustomerInput

        with self._client() as client:
            client.update(customer_id, CustomerInput(email=email))

    def remove_customer(self, customer_id: str) -> None:
        """Remove a customer from the listing (default: the provider's own ``delete``)."""
        with self._client() as client:
            client.delete(customer_id)

    def is_customer_listing(self, request: httpx.Request) -> bool:
        """Whether ``request`` reads customers (the hostile page behaviours apply only to
        those). Default: every GET; a vendor with other listings (of addresses, say) narrows it."""
        return request.method == "GET"

    # -- the framework -------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (sync, in-process): auth, faults, then the vendor route."""
        with self._lock:
            self.requests_served += 1
            if request.method in ("POST", "PUT", "PATCH") and request.content:
                self.write_bodies_received += 1
        if self.reject_auth or not self.authorized(request):
            return self.auth_failure(request)
        fault = self._draw_fault()
        if fault is not None:
            return self._apply_fault(fault, request)
        if self.faults.hostile:
            return self._hostile(request)
        return self.route(request)

    def _hostile(self, request: httpx.Request) -> httpx.Response:
        """Answer like a hostile vendor would (see :data:`HOSTILE_KINDS`)."""
        plan = self.faults
        kinds = plan.hostile
        if "redirect-writes" in kinds and request.method in ("POST", "PUT", "PATCH"):
            if _REDIRECT_MARK not in request.url.params:
                target = request.url.copy_add_param(_REDIRECT_MARK, "1")
                return httpx.Response(plan.redirect_status, headers={"location": str(target)})
            request = httpx.Request(
                request.method,
                request.url.copy_remove_param(_REDIRECT_MARK),
                headers=request.headers,
                content=request.content,
            )
        if request.method == "GET" and ("huge-body" in kinds or "gzip-bomb" in kinds):
            gzip = "gzip-bomb" in kinds
            headers = {"content-type": "application/json"}
            if gzip:
                headers["content-encoding"] = "gzip"
            return httpx.Response(200, headers=headers, stream=_LazyBody(plan.body_size, gzip=gzip))
        if "cap-page" in kinds:
            url = request.url
            for name in _LIMIT_PARAMS:
                value = url.params.get(name)
                if value is not None and value.isdigit() and int(value) > plan.page_cap:
                    url = url.copy_set_param(name, str(plan.page_cap))
            if url != request.url:
                request = httpx.Request(request.method, url, headers=request.headers, content=request.content)
        response = self.route(request)
        if request.method == "GET" and response.status_code == 200 and self.is_customer_listing(request):
            response = self._hostile_list(response)
        if "drip" in kinds:
            body = response.read()
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            return httpx.Response(response.status_code, headers=headers, stream=_DripStream(body, plan.drip_delay))
        return response

    def _hostile_list(self, response: httpx.Response) -> httpx.Response:
        kinds = self.faults.hostile
        if not set(kinds) & {"overlap", "cycle", "inflate-total", "understate-total", "hide-total", "lose-record"}:
            return response
        try:
            body = json.loads(response.read())
        except ValueError:
            return response
        key = _records_key(body)
        if key is None:
            return response
        records: list[Any] = list(body[key])
        with self._lock:
            served = self._list_pages_served
            self._list_pages_served += 1
            period = self.faults.cycle_period
            if len(self._first_pages) < period:
                self._first_pages.append(records)
            if "overlap" in kinds and records:
                # As if one record were inserted before each page boundary: every page but
                # the first starts with the previous page's last record and keeps its size.
                carry, full = self._previous_last, len(self._first_pages[0])
                if carry is not None:
                    shifted = len(records) >= full
                    records = [carry, *(records[:-1] if shifted else records)]
                    self._previous_last = body[key][-1] if shifted else None
                else:
                    self._previous_last = records[-1]
        if "cycle" in kinds and served >= period and records:
            records = list(self._first_pages[served % period])
        if "lose-record" in kinds and served == 1 and records:
            records = records[1:]
        body[key] = records
        if "inflate-total" in kinds:
            body = _rewrite_totals(body, lambda n: n + 300)
        if "understate-total" in kinds:
            body = _rewrite_totals(body, lambda n: 1)
        if "hide-total" in kinds:
            body = _rewrite_totals(body, lambda n: None)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return json_response(response.status_code, body, headers)

    def _draw_fault(self) -> str | None:
        plan = self.faults
        if plan.rate <= 0:
            return None
        with self._lock:
            if self._consecutive_faults >= plan.max_consecutive:
                self._consecutive_faults = 0
                return None
            if self._fault_rng.random() >= plan.rate:
                self._consecutive_faults = 0
                return None
            self._consecutive_faults += 1
            self.faults_injected += 1
            return self._fault_rng.choice(plan.kinds)

    def _apply_fault(self, kind: str, request: httpx.Request) -> httpx.Response:
        if kind == "429":
            return self.rate_limited(request, None)
        if kind == "429-retry-after":
            return self.rate_limited(request, self.faults.retry_after)
        if kind == "500":
            return self.error(500, "internal server error (sandbox fault)", "internal_error")
        if kind == "503":
            return self.error(503, "service unavailable (sandbox fault)", "service_unavailable")
        if kind == "html":
            return httpx.Response(502, content=_GATEWAY_PAGE, headers={"content-type": "text/html"})
        if kind == "timeout":
            raise httpx.ReadTimeout("read timed out (sandbox fault)", request=request)
        real = self.route(request)
        if kind == "lost-response":  # the vendor did the work, the answer never arrives
            raise httpx.ReadTimeout("read timed out after the request was processed (sandbox fault)", request=request)
        body = real.read()
        if kind == "truncated":
            cut = body[: max(1, len(body) * 2 // 3)]
            return httpx.Response(real.status_code, content=cut, headers={"content-type": "application/json"})
        # "reset": headers arrive, the body breaks off.
        return httpx.Response(real.status_code, stream=_ResetStream(body), headers={"content-type": "application/json"})

    def _enter(self) -> bool:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            over = self.concurrency_limit is not None and self.in_flight > self.concurrency_limit
            if over:
                self.concurrency_rejections += 1
            return over

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def transport(self) -> httpx.MockTransport:
        """An in-process transport for :class:`httpx.Client` (latency blocks the thread)."""

        def handler(request: httpx.Request) -> httpx.Response:
            over = self._enter()
            try:
                if self.latency:
                    time.sleep(self.latency)
                if over:
                    return self.rate_limited(request, None)
                return self.handle(request)
            finally:
                self._leave()

        return httpx.MockTransport(handler)

    def async_transport(self) -> httpx.MockTransport:
        """An in-process transport for :class:`httpx.AsyncClient`; latency is awaited, so
        concurrent requests really overlap (and the concurrency cap can be observed)."""

        async def handler(request: httpx.Request) -> httpx.Response:
            over = self._enter()
            try:
                await asyncio.sleep(self.latency)
                if over:
                    return self.rate_limited(request, None)
                await request.aread()
                return self.handle(request)
            finally:
                self._leave()

        return httpx.MockTransport(handler)

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """Serve this app over real HTTP on loopback; returns a running ``LoopbackServer``."""
        from ._server import LoopbackServer

        return LoopbackServer(self, host=host, port=port).start()
