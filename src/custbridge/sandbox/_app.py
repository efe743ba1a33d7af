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
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import attrs
import httpx

__all__ = ["FAULT_KINDS", "FaultPlan", "SandboxApp", "json_response"]

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

    # -- the framework -------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (sync, in-process): auth, faults, then the vendor route."""
        with self._lock:
            self.requests_served += 1
        if self.reject_auth or not self.authorized(request):
            return self.auth_failure(request)
        fault = self._draw_fault()
        if fault is not None:
            return self._apply_fault(fault, request)
        return self.route(request)

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
