"""The engine: executes adapters' requests, sync and async, from one set of flows.

Every operation is written once as a generator ("flow") that yields actions (send this
request, sleep this long, emit this page) and receives results. The sync client and the
async client are two small drivers of the same flows, so retries, backoff, redirects,
pagination guards, invalid-record policy and redaction behave identically in both.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import copy
import email.utils
import ipaddress
import json
import logging
import math
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Hashable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union
from urllib.parse import quote

import attrs
import httpx
import msgspec

from ._cursor import decode_cursor, encode_cursor, query_fingerprint
from ._guards import (
    RECHECK_PAGES,
    BodyReader,
    ListGuard,
    Undecodable,
    already_read,
    closed_error,
    deadline_error,
)
from ._jsonlib import is_json
from ._redact import Redactor, learning_auth, register
from .errors import (
    ConfigurationError,
    CustbridgeError,
    MappingError,
    PaginationError,
    ProviderError,
    RequestTimeoutError,
    TransportError,
    UnsupportedOperationError,
)
from .model import NOT_SET, Customer, CustomerInput, CustomerStatus, NotSet
from .provider import (
    NOT_DECODED,
    Capabilities,
    FieldAccess,
    HttpRequest,
    HttpResponse,
    ListQuery,
    Page,
    Provider,
    RateLimit,
    Secret,
    Support,
    default_error,
)

if TYPE_CHECKING:
    from ._raw import AsyncRawResponseClient, RawResponseClient


__all__ = ["AsyncClient", "Client", "CustomerList", "EngineOptions"]

logger = logging.getLogger("custbridge")

OnInvalid = Literal["raise", "skip", "collect"]
_ON_INVALID = ("raise", "skip", "collect")
_MAX_REDIRECTS = 5


# --------------------------------------------------------------------------- options


DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
"""Default ``max_response_size``: 64 MiB, hundreds of times the largest real page."""
DEADLINE_FACTOR = 4.0
"""Default ``request_deadline`` as a multiple of ``timeout`` (30 s timeout: 120 s per request)."""


@attrs.frozen
class EngineOptions:
    """Engine settings shared by every provider."""

    max_retries: int = 2
    """Retries of a failed request that is safe to repeat."""
    timeout: float | None = 30.0
    """Seconds httpx waits for each connect, read or write (``None``: no limit)."""
    timeout_given: bool = False
    """Whether ``timeout`` was passed (a caller's ``http_client`` keeps its own otherwise)."""
    max_retry_wait: float = 60.0
    """A longer ``Retry-After`` raises at once instead of sleeping."""
    backoff: float = 0.5
    """First backoff delay in seconds (doubled per retry, jittered)."""
    backoff_max: float = 8.0
    """Longest backoff delay in seconds."""
    on_invalid: OnInvalid = "raise"
    """What ``list()`` does with a record it cannot map: raise, skip or collect."""
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE
    """Largest response body accepted, in bytes after decompression; larger ones are refused
    while streaming, without being buffered."""
    request_deadline: float | None = None
    """Overall seconds one HTTP request may take, body included; ``None`` means
    ``DEADLINE_FACTOR`` times ``timeout`` (no deadline when ``timeout`` is ``None``)."""
    strict_pagination: bool = True
    """Raise :class:`PaginationError` when a list ends short of the vendor's own total
    (``False``: log a warning and end quietly, the old tolerance)."""

    @property
    def deadline(self) -> float | None:
        """The effective per-request deadline in seconds, or ``None``."""
        if self.request_deadline is not None:
            return self.request_deadline
        return None if self.timeout is None else self.timeout * DEADLINE_FACTOR

    @classmethod
    def from_settings(
        cls, provider: str, settings: Mapping[str, Any], base: EngineOptions | None = None
    ) -> tuple[EngineOptions, dict[str, Any]]:
        """Split engine settings off ``settings``; those not given keep ``base``'s values."""
        rest = dict(settings)
        kwargs: dict[str, Any] = {}
        try:
            if "max_retries" in rest:
                kwargs["max_retries"] = _count("max_retries", rest.pop("max_retries"), minimum=0)
            if "timeout" in rest:
                value = rest.pop("timeout")
                kwargs["timeout"] = None if value is None else _seconds("timeout", value, positive=True)
                kwargs["timeout_given"] = True
            for name in ("max_retry_wait", "backoff", "backoff_max"):
                if name in rest:
                    kwargs[name] = _seconds(name, rest.pop(name), positive=False)
            if "on_invalid" in rest:
                kwargs["on_invalid"] = _check_on_invalid(rest.pop("on_invalid"))
            if "max_response_size" in rest:
                kwargs["max_response_size"] = _count("max_response_size", rest.pop("max_response_size"), minimum=1)
            if "request_deadline" in rest:
                value = rest.pop("request_deadline")
                deadline = None if value is None else _seconds("request_deadline", value, positive=True)
                kwargs["request_deadline"] = deadline
            if "strict_pagination" in rest:
                value = rest.pop("strict_pagination")
                if not isinstance(value, bool):
                    raise TypeError(f"strict_pagination must be True or False, got {value!r}")
                kwargs["strict_pagination"] = value
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(str(exc), provider=provider, operation="connect") from None
        return (attrs.evolve(base, **kwargs) if base is not None else cls(**kwargs)), rest


def _count(name: str, value: Any, *, minimum: int, text: bool = True) -> int:
    """An integer setting or argument (``bool`` and floats refused; digits in a string only
    when ``text``), at least ``minimum``."""
    if text and isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value = int(value)  # from an environment variable or a command line
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _seconds(name: str, value: Any, *, positive: bool) -> float:
    """A finite number of seconds, > 0 when ``positive`` else >= 0."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)  # from an environment variable or a command line
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__} {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ValueError(f"{name} must be a finite number {'>' if positive else '>='} 0, got {value!r}")
    return number


def _check_on_invalid(value: Any) -> OnInvalid:
    if value not in _ON_INVALID:
        raise ValueError(f"on_invalid must be one of {', '.join(_ON_INVALID)}, got {value!r}")
    return value  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- helpers

_RESPONSES: contextvars.ContextVar[list[HttpResponse] | None] = contextvars.ContextVar(
    "custbridge_raw_responses", default=None
)
"""Where ``with_raw_response`` collects the successful responses of the call it wraps (per
thread / asyncio task, so concurrent calls on one client never see each other's)."""


def _is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(provider: str, base_url: str) -> httpx.URL:
    try:
        url = httpx.URL(base_url)
        port = url.port
    except (httpx.InvalidURL, TypeError, ValueError) as exc:  # IDNA errors are ValueErrors
        raise ConfigurationError(
            f"invalid base_url {base_url!r}: {type(exc).__name__}: {exc}", provider=provider, operation="connect"
        ) from None
    if port is not None and not 0 < port < 65536:
        raise ConfigurationError(
            f"invalid base_url {base_url!r}: port {port} is out of range (1-65535)",
            provider=provider,
            operation="connect",
        )
    if url.scheme == "https" and url.host:
        return url
    if url.scheme == "http" and _is_loopback(url.host):
        return url
    raise ConfigurationError(
        f"base_url {base_url!r} refused: only https, or plain http to a loopback host, is allowed",
        provider=provider,
        operation="connect",
        hint="use an https:// URL",
    )


def _check_secrets(provider: Provider) -> None:
    """Refuse a credential that cannot go into a header as it is: CR, LF, NUL (header
    injection) or non-ASCII characters (mis-pasted). The message never shows the value."""
    for name, value in provider.settings.items():
        if not isinstance(value, Secret):
            continue
        text = value.get_secret_value()
        bad = next((c for c in text if c in "\r\n\0" or not c.isascii() or not c.isprintable()), None)
        if bad is not None:
            what = "a line break or NUL" if bad in "\r\n\0" else "a non-ASCII or control character"
            raise ConfigurationError(
                f"setting {name!r} contains {what} (U+{ord(bad):04X}); refused",
                provider=provider.name,
                operation="connect",
                hint="check for a pasted newline or quote around the credential",
            )


def _segment(value: str) -> str:
    if value in (".", ".."):
        return value.replace(".", "%2E")
    return quote(value, safe="")


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _RateLimiter:
    """Sliding-window budget: at most ``requests`` starts per ``per_seconds``."""

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._starts: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Book the next start; return how long to wait before it."""
        with self._lock:
            now = time.monotonic()
            window = self._limit.per_seconds
            while self._starts and self._starts[0] <= now - window:
                self._starts.popleft()
            full = len(self._starts) >= self._limit.requests
            start = self._starts[-self._limit.requests] + window if full else now
            self._starts.append(start)
            return max(0.0, start - now)


_LIMITERS: dict[tuple[str, str, RateLimit], _RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()
_asyncio_timeout: Any = getattr(asyncio, "timeout", None)  # Python 3.11+


def _shared_limiter(provider: str, host: str, limit: RateLimit | None) -> _RateLimiter | None:
    """One budget per provider and vendor host in this process: vendors count per key or per
    IP, not per client object, so two clients must share it."""
    if limit is None:
        return None
    with _LIMITERS_LOCK:
        key = (provider, host, limit)
        if key not in _LIMITERS:
            _LIMITERS[key] = _RateLimiter(limit)
        return _LIMITERS[key]


@attrs.frozen
class _Send:
    request: httpx.Request


@attrs.frozen
class _Sleep:
    seconds: float


@attrs.frozen
class _Emit:
    page: Page[Customer]


_Action = Union[_Send, _Sleep, _Emit]  # noqa: UP007 (runtime alias on 3.10)
_R = TypeVar("_R")
_Flow = Generator[_Action, Any, _R]


def _matches(customer: Customer, query: ListQuery, emulated: frozenset[str]) -> bool:
    """Client-side evaluation of the filters the provider declares emulated."""
    if "search" in emulated and query.search:
        needle = query.search.casefold()
        hay = " ".join(
            v
            for v in (
                customer.display_name,
                customer.first_name,
                customer.last_name,
                customer.company_name,
                customer.email,
                customer.phone,
            )
            if v
        ).casefold()
        if needle not in hay:
            return False
    if "status" in emulated and query.status and customer.status not in query.status:
        return False
    if "tags" in emulated and query.tags and not set(query.tags) <= set(customer.tags):
        return False
    if (
        "created_after" in emulated
        and query.created_after is not None
        and (customer.created_at is None or customer.created_at < query.created_after)
    ):
        return False
    return not (
        "created_before" in emulated
        and query.created_before is not None
        and (customer.created_at is None or customer.created_at >= query.created_before)
    )


_LIST_ARGUMENTS = (
    "search",
    "status",
    "tags",
    "created_after",
    "created_before",
    "page_size",
    "vendor_filters",
    "max_items",
    "on_invalid",
    "strict",
    "start_cursor",
)


def _list_arguments(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``list()``/``pages()`` (same signature on both clients), by name."""
    return {name: namespace[name] for name in _LIST_ARGUMENTS}


def _aware(name: str, value: datetime | None, provider: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ConfigurationError(f"{name} must be a datetime", provider=provider, operation="list")
    if value.tzinfo is None:
        raise ConfigurationError(
            f"{name} must be timezone-aware",
            provider=provider,
            operation="list",
            hint="e.g. datetime(2026, 1, 1, tzinfo=timezone.utc)",
        )
    return value


def _statuses(value: Any, provider: str) -> tuple[CustomerStatus, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, CustomerStatus)):
        items = [value]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
    else:
        items = [value]
    out = []
    for item in items:
        status = None
        if isinstance(item, CustomerStatus):
            status = item
        elif isinstance(item, str):
            status = _STATUS_NAMES.get(item.strip().casefold())
        if status is None:
            raise ConfigurationError(
                f"unknown status {item!r} ({type(item).__name__})",
                provider=provider,
                operation="list",
                hint="a CustomerStatus or its name: " + ", ".join(s.value for s in CustomerStatus),
            )
        out.append(status)
    return tuple(out)


_STATUS_NAMES = {
    **{s.value.casefold(): s for s in CustomerStatus},
    **{s.name.casefold(): s for s in CustomerStatus},
}


def _tags(value: Any, provider: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = (value,) if isinstance(value, str) else value
    if isinstance(items, (bytes, Mapping)) or not isinstance(items, Iterable):
        raise ConfigurationError(
            f"tags must be a string or an iterable of strings, got {type(value).__name__}",
            provider=provider,
            operation="list",
        )
    out = tuple(items)
    bad = [t for t in out if not isinstance(t, str)]
    if bad:
        raise ConfigurationError(
            f"tags must be strings, got {type(bad[0]).__name__} {bad[0]!r}", provider=provider, operation="list"
        )
    return out or None


def _argument_error(exc: Exception, provider: str) -> ConfigurationError:
    return ConfigurationError(str(exc), provider=provider, operation="list")


# --------------------------------------------------------------------------- the core


class _Core:
    """State and flows shared by :class:`Client` and :class:`AsyncClient`."""

    def __init__(self, provider: Provider, options: EngineOptions) -> None:
        self.provider = provider
        self.options = options
        self.name = provider.name
        self.base = _check_base_url(self.name, provider.base_url)
        _check_secrets(provider)
        self.redact = Redactor(provider.secret_values)
        register(self.redact)
        self.limiter = _shared_limiter(provider.name, self.base.host, provider.rate_limit)
        self.auth = learning_auth(provider.auth(), self.redact)
        self.sandbox_app: Any = None
        self._owned: list[Callable[[], Any]] = []

    # -- request building ---------------------------------------------------------------

    def _url(self, req: HttpRequest) -> httpx.URL:
        if req.url is not None:
            url = self.base.join(req.url)
            if (url.scheme, url.host, url.port) != (self.base.scheme, self.base.host, self.base.port):
                raise PaginationError(
                    f"refused to follow a vendor link to another host ({url.host})",
                    provider=self.name,
                    hint="credentials are only sent to the configured base_url",
                )
            return url
        base = str(self.base).rstrip("/")
        path = "/".join(_segment(s) for s in req.path)
        return httpx.URL(f"{base}/{path}" if path else base)

    def build(self, http: httpx.Client | httpx.AsyncClient, req: HttpRequest) -> tuple[httpx.Request, str | None]:
        headers = {"accept": "application/json", **self.provider.headers(), **req.headers}
        correlation = None
        if self.provider.correlation_header:
            correlation = str(uuid.uuid4())
            headers[self.provider.correlation_header] = correlation
        content = None
        if req.has_body:
            content = json.dumps(req.json, separators=(",", ":"), ensure_ascii=False).encode()
            headers["content-type"] = "application/json"
        url = self._url(req)
        params: list[tuple[str, str | int | float | bool | None]] | None = list(req.params) if req.params else None
        extra: dict[str, Any] = {}
        if self.options.timeout_given:
            extra["timeout"] = self.options.timeout
        request = http.build_request(req.method, url, params=params, headers=headers, content=content, **extra)
        return request, correlation

    # -- errors -------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        delay = min(self.options.backoff_max, self.options.backoff * (2.0**attempt))
        return delay * (0.5 + random.random() / 2)

    def _transport_error(self, exc: Exception, operation: str) -> TransportError:
        cls = RequestTimeoutError if isinstance(exc, httpx.TimeoutException) else TransportError
        return cls(
            f"{type(exc).__name__}: {self.redact(str(exc)) or 'connection failed'}",
            provider=self.name,
            operation=operation,
            hint="check the network and base_url" if isinstance(exc, httpx.ConnectError) else None,
        )

    def _provider_error(self, response: HttpResponse, operation: str) -> ProviderError:
        error: ProviderError | None
        try:
            error = self.provider.parse_error(response, operation)
        except Exception:  # a bad envelope must not hide the status
            logger.debug("%s: parse_error failed", self.name, exc_info=True)
            error = None
        if error is None:
            error = default_error(self.name, operation, response)
        error.provider = error.provider or self.name
        error.operation = error.operation or operation
        if error.status_code is None:
            error.status_code = response.status_code
        if error.request_id is None:
            error.request_id = response.request_id
        if error.retry_after is None:
            error.retry_after = _retry_after(response.headers)
        if error.status_code == 401 and not error.hint:
            error.hint = self.provider.credential_hint()
        return error

    # -- the request flow ---------------------------------------------------------------

    def call_flow(
        self, http: httpx.Client | httpx.AsyncClient, operation: str, req: HttpRequest
    ) -> _Flow[HttpResponse]:
        """Send ``req`` with retries; return the successful response."""
        request, correlation = self.build(http, req)
        attempt = 0
        redirects = 0
        max_retries = self.options.max_retries
        while True:
            if self.limiter is not None:
                wait = self.limiter.reserve()
                if wait > 0:
                    yield _Sleep(wait)
            started = time.perf_counter()
            result = yield _Send(request)
            if isinstance(result, httpx.HTTPStatusError):  # raised by a caller's event hook
                result = result.response
            if isinstance(result, CustbridgeError):  # refused by the driver (size, deadline, closed)
                result.provider = result.provider or self.name
                result.operation = operation
                if isinstance(result, TransportError) and result.request_id is None:
                    result.request_id = correlation
                if isinstance(result, RequestTimeoutError) and req.safe_to_retry and attempt < max_retries:
                    attempt += 1
                    yield _Sleep(self._backoff(attempt - 1))
                    continue
                raise result
            if isinstance(result, Undecodable):
                raise TransportError(str(result), provider=self.name, operation=operation)
            if isinstance(result, Exception):
                error = self._transport_error(result, operation)
                reached = not isinstance(result, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                retry_ok = isinstance(result, httpx.TransportError) and not isinstance(
                    result, (httpx.UnsupportedProtocol, httpx.ProxyError)
                )
                if retry_ok and (req.safe_to_retry or not reached) and attempt < max_retries:
                    delay = self._backoff(attempt)
                    logger.info("%s %s: %s; retry %d in %.2fs", self.name, operation, error.message, attempt + 1, delay)
                    attempt += 1
                    yield _Sleep(delay)
                    continue
                error.request_id = correlation
                raise error from result
            response: httpx.Response = result
            logger.debug(
                "%s %s %s -> %d (%.0f ms)",
                self.name,
                request.method,
                self.redact(str(request.url)),
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                redirects += 1
                target = request.url.join(response.headers["location"])
                if (target.scheme, target.host, target.port) != (
                    request.url.scheme,
                    request.url.host,
                    request.url.port,
                ):
                    raise TransportError(
                        f"refused to follow a redirect to another host ({target.host}) with credentials",
                        provider=self.name,
                        operation=operation,
                        hint="check base_url: the vendor redirected elsewhere",
                    )
                if redirects > _MAX_REDIRECTS:
                    raise TransportError("too many redirects", provider=self.name, operation=operation)
                if response.status_code != 303 and (req.has_body or not req.safe_to_retry):
                    # A write is never sent twice: following a 307/308 would resend its body,
                    # and a 301/302 turned into a GET would pass off another resource as
                    # the write's answer. (A 303 says "done, the result is there": fetched
                    # below with a GET and no body.)
                    raise TransportError(
                        f"the vendor answered the {operation} with a {response.status_code} redirect to "
                        f"{self.redact(str(target.copy_with(query=None)))}; custbridge does not resend a write",
                        provider=self.name,
                        operation=operation,
                        hint="the write was not repeated; check base_url (the vendor may have moved its API)",
                    )
                method = "GET" if response.status_code == 303 else request.method
                request = http.build_request(
                    method,
                    target,
                    headers=request.headers,
                    content=request.content if method != "GET" else None,
                )
                continue
            request_id = correlation
            for header in self.provider.request_id_headers:
                if header in response.headers:
                    request_id = response.headers[header]
                    break
            content = response.content
            # Checked, not decoded: the adapter decodes the body (typed, or .data on first use).
            decoded = not content or is_json(content)
            wrapped = HttpResponse(
                status_code=response.status_code,
                headers=response.headers,
                content=content,
                data=NOT_DECODED if decoded else None,
                request_id=request_id,
                url=str(request.url),
            )
            if 200 <= response.status_code < 300:
                if decoded:
                    sink = _RESPONSES.get()
                    if sink is not None:  # client.with_raw_response is capturing this call
                        sink.append(wrapped)
                    return wrapped
                error = TransportError(
                    f"the response body is not valid JSON (truncated or garbled): {wrapped.snippet(80)!r}",
                    provider=self.name,
                    operation=operation,
                )
                if req.safe_to_retry and attempt < max_retries:
                    attempt += 1
                    yield _Sleep(self._backoff(attempt - 1))
                    continue
                raise error
            perr = self._provider_error(wrapped, operation)
            # A 429 was refused before any work, so even a non-idempotent write may repeat it.
            may_repeat = req.safe_to_retry or perr.status_code == 429
            if perr.retryable and may_repeat and attempt < max_retries:
                if perr.retry_after is not None and perr.retry_after > self.options.max_retry_wait:
                    raise perr
                delay = perr.retry_after if perr.retry_after is not None else self._backoff(attempt)
                logger.info(
                    "%s %s: %s; retry %d in %.2fs", self.name, operation, self.redact(str(perr)), attempt + 1, delay
                )
                attempt += 1
                yield _Sleep(delay)
                continue
            raise perr

    # -- operations ---------------------------------------------------------------------

    def check_operation(self, operation: str) -> None:
        if not self.provider.capabilities.supports(operation):
            raise self.provider._unsupported(operation)

    def check_id(self, customer_id: Any, operation: str) -> str:
        if not isinstance(customer_id, str) or not customer_id:
            raise ConfigurationError(
                f"customer id must be a non-empty string, got {customer_id!r}",
                provider=self.name,
                operation=operation,
            )
        return customer_id

    def check_input(self, data: Any, operation: str) -> CustomerInput:
        if not isinstance(data, CustomerInput):
            raise ConfigurationError(
                f"expected a custbridge.CustomerInput, got {type(data).__name__}",
                provider=self.name,
                operation=operation,
            )
        caps = self.provider.capabilities
        readonly = [f for f in data.set_fields() if caps.field(f) is not FieldAccess.WRITE]
        if readonly:
            writable = [f for f, a in caps.fields.items() if a is FieldAccess.WRITE]
            raise UnsupportedOperationError(
                f"field(s) not writable on this provider: {', '.join(readonly)}",
                provider=self.name,
                operation=operation,
                hint="writable: " + (", ".join(writable) or "none"),
            )
        return data

    def get_flow(self, http: httpx.Client | httpx.AsyncClient, customer_id: str) -> _Flow[Customer]:
        self.check_operation("get")
        req = self.provider.get_request(self.check_id(customer_id, "get"))
        response = yield from self.call_flow(http, "get", req)
        customer = self.parse(lambda: self.provider.parse_customer(response, "get"), "get")
        return (yield from self.complete_flow(http, "get", [customer], {}))[0]

    def write_flow(
        self,
        http: httpx.Client | httpx.AsyncClient,
        operation: Literal["create", "update", "upsert"],
        data: CustomerInput,
        customer_id: str | None = None,
    ) -> _Flow[Customer]:
        """Run a write, then the provider's follow-up request if it declares one."""
        self.check_operation(operation)
        checked = self.check_input(data, operation)
        if operation == "update":
            req = self.provider.update_request(self.check_id(customer_id, operation), checked)
        elif operation == "create":
            req = self.provider.create_request(checked)
        else:
            req = self.provider.upsert_request(checked)
        response = yield from self.call_flow(http, operation, req)
        customer = self.parse(lambda: self.provider.parse_customer(response, operation), operation)
        follow = self.parse(lambda: self.provider.follow_up_request(operation, checked, customer), operation)
        written = customer
        try:
            if follow is not None:
                response = yield from self.call_flow(http, operation, follow)
                written = self.parse(lambda: self.provider.parse_follow_up(response, operation, customer), operation)
            return (yield from self.complete_flow(http, operation, [written], {}))[0]
        except CustbridgeError as err:
            err.message = f"customer {customer.id!r} was written but completing the {operation} failed: {err.message}"
            err.args = (err.message,)
            if isinstance(err, ProviderError):
                err.details = {**err.details, "written_id": customer.id}
            raise

    def complete_flow(
        self,
        http: httpx.Client | httpx.AsyncClient,
        operation: str,
        customers: list[Customer],
        state: dict[str, Any],
    ) -> _Flow[list[Customer]]:
        """Run :meth:`Provider.complete` for ``customers``: its requests go through ``call_flow``."""
        if not customers:
            return customers
        completion = self.parse(lambda: self.provider.complete(customers, operation, state), operation)
        if completion is None:
            return customers

        def advance(value: HttpResponse | None, error: CustbridgeError | None) -> tuple[HttpRequest | None, Any]:
            try:
                return (completion.throw(error) if error is not None else completion.send(value)), None  # type: ignore[arg-type]
            except StopIteration as stop:
                return None, stop.value

        response: HttpResponse | None = None
        error: CustbridgeError | None = None
        try:
            while True:
                req, result = self.parse(lambda r=response, e=error: advance(r, e), operation)  # type: ignore[misc]
                if req is None:
                    break
                response, error = None, None
                try:
                    response = yield from self.call_flow(http, operation, req)
                except CustbridgeError as exc:
                    error = exc
        finally:
            completion.close()
        done = list(result) if isinstance(result, (list, tuple)) else None
        if done is None or len(done) != len(customers) or not all(isinstance(c, Customer) for c in done):
            raise MappingError(
                "the provider's completion did not return one customer per customer given",
                provider=self.name,
                operation=operation,
                hint="this is a bug in the provider adapter; please report it",
            )
        return done

    def delete_flow(self, http: httpx.Client | httpx.AsyncClient, customer_id: str) -> _Flow[None]:
        self.check_operation("delete")
        req = self.provider.delete_request(self.check_id(customer_id, "delete"))
        yield from self.call_flow(http, "delete", req)
        return None

    def parse(self, fn: Callable[[], _R], operation: str, index: int | None = None) -> _R:
        try:
            return fn()
        except Exception as exc:
            err = self._mapping_failure(exc, operation, index)
            if err is None:
                raise
            if err is exc:
                raise
            raise err from exc

    def _mapping_failure(self, exc: Exception, operation: str, index: int | None) -> MappingError | None:
        """The :class:`MappingError` for an exception raised while parsing vendor data, or
        ``None`` when it is another custbridge error that must pass unchanged."""
        if isinstance(exc, MappingError):
            exc.provider = exc.provider or self.name
            exc.operation = exc.operation or operation
            if index is not None:
                exc.index = index
            return exc
        if isinstance(exc, CustbridgeError):
            return None
        err = MappingError(
            f"unexpected vendor data ({type(exc).__name__}: {exc})",
            provider=self.name,
            operation=operation,
            index=index,
            hint="the vendor payload does not have the documented shape",
        )
        err.__cause__ = exc
        return err

    def make_query(
        self,
        search: str | None,
        status: Any,
        tags: Iterable[str] | str | None,
        created_after: datetime | None,
        created_before: datetime | None,
        page_size: int | None,
        vendor_filters: Mapping[str, Any],
    ) -> tuple[ListQuery, ListQuery, frozenset[str]]:
        """Validate filters; return (query the vendor sees, full query, emulated filter names)."""
        self.check_operation("list")
        caps = self.provider.capabilities
        if search is not None and not isinstance(search, str):
            raise ConfigurationError(
                f"search must be a string, got {type(search).__name__}", provider=self.name, operation="list"
            )
        if page_size is not None:
            try:
                page_size = _count("page_size", page_size, minimum=1, text=False)
            except (TypeError, ValueError) as exc:
                raise _argument_error(exc, self.name) from None
        full = ListQuery(
            search=search or None,
            status=_statuses(status, self.name),
            tags=_tags(tags, self.name),
            created_after=_aware("created_after", created_after, self.name),
            created_before=_aware("created_before", created_before, self.name),
            page_size=page_size,
            vendor_filters=dict(vendor_filters),
        )
        unknown = sorted(set(vendor_filters) - set(caps.vendor_filters))
        if unknown:
            raise UnsupportedOperationError(
                f"unknown filter(s) {', '.join(unknown)}",
                provider=self.name,
                operation="list",
                hint="supported filters: " + (", ".join(caps.supported_filters()) or "none"),
            )
        emulated: set[str] = set()
        native: dict[str, Any] = {}
        for name in ("search", "status", "tags", "created_after", "created_before"):
            value = getattr(full, name)
            if value is None:
                continue
            support = caps.filters.get(name, Support.UNSUPPORTED)
            if support is Support.UNSUPPORTED:
                raise UnsupportedOperationError(
                    f"filter {name!r} is not supported",
                    provider=self.name,
                    operation="list",
                    hint="supported filters: " + (", ".join(caps.supported_filters()) or "none"),
                )
            if support is Support.EMULATED:
                emulated.add(name)
                native[name] = None
        size = page_size or self.provider.default_page_size
        if size < 1:
            raise ConfigurationError("page_size must be >= 1", provider=self.name, operation="list")
        if caps.max_page_size is not None:
            size = min(size, caps.max_page_size)
        vendor_query = attrs.evolve(full, page_size=size, **native)
        return vendor_query, attrs.evolve(full, page_size=size), frozenset(emulated)

    def cannot_match(self, query: ListQuery) -> bool:
        """Whether ``query`` asks only for statuses the provider declares it never has."""
        possible = self.provider.capabilities.statuses
        return bool(query.status) and possible is not None and not set(query.status or ()) & set(possible)

    def list_flow(
        self, http: httpx.Client | httpx.AsyncClient, kw: dict[str, Any]
    ) -> tuple[_Flow[None], list[MappingError]]:
        """Validate ``list()``/``pages()`` arguments (before any request) and build the flow."""
        max_items = kw.pop("max_items")
        on_invalid = kw.pop("on_invalid") or self.options.on_invalid
        strict = kw.pop("strict")
        start_cursor = kw.pop("start_cursor")
        try:
            if max_items is not None:
                max_items = _count("max_items", max_items, minimum=0, text=False)
            if strict is None:
                strict = self.options.strict_pagination
            elif not isinstance(strict, bool):
                raise TypeError(f"strict must be True, False or None, got {strict!r}")
            _check_on_invalid(on_invalid)
            vq, fq, emulated = self.make_query(**kw)
            resume = _Resume(self.provider, fq, start_cursor)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(str(exc), provider=self.name, operation="list") from None
        except CustbridgeError as exc:
            raise self.redact.error(exc) from None
        errors: list[MappingError] = []
        return self.pages_flow(http, vq, fq, emulated, max_items, on_invalid, errors, strict, resume), errors

    def pages_flow(
        self,
        http: httpx.Client | httpx.AsyncClient,
        vendor_query: ListQuery,
        full_query: ListQuery,
        emulated: frozenset[str],
        max_items: int | None,
        on_invalid: OnInvalid,
        errors: list[MappingError],
        strict: bool = True,
        resume: _Resume | None = None,
    ) -> _Flow[None]:
        """Fetch pages until the end; every customer once, or a :class:`PaginationError`.

        The guards, for any provider: a customer already yielded in this listing is dropped
        (overlapping pages); a repeated page token, or three pages in a row
        that bring no customer not seen before (a cycle of any period, even with fresh
        tokens), raise; so does a listing that runs clearly past the vendor's own total, and
        (unless ``strict`` is false) one that ends short of it. When the vendor's total
        shrinks between pages (records deleted meanwhile), the pages just before are fetched
        again, so records that moved back across a page boundary are not skipped.

        A listing resumed from a saved cursor (``resume``) starts at that page; what came
        before is not known here, so the "ends short of the total" check is left to the
        caller who holds the whole listing (``custbridge.sync`` does it).
        """
        if max_items == 0:
            return None
        resume = resume or _Resume(self.provider, full_query, None)
        guard = ListGuard(
            self.name, vendor_query.page_size or self.provider.default_page_size, strict, resumed=resume.resumed
        )
        cursor: Hashable | None = resume.cursor
        seen_cursors: set[Hashable] = set()
        history: collections.deque[Hashable | None] = collections.deque(maxlen=RECHECK_PAGES + 1)
        rechecks: list[Hashable | None] = []
        ending = False
        emitted = 0
        number = resume.number
        completion_state: dict[str, Any] = {}  # Provider.complete's state for this listing
        while True:
            if ending and not rechecks:
                guard.finish()
                return None
            recheck = bool(rechecks)
            current = rechecks.pop(0) if recheck else cursor
            req = None if self.cannot_match(full_query) else self.provider.list_request(vendor_query, current)
            if req is None:  # the provider knows nothing can match: no request at all
                if recheck:
                    continue
                yield _Emit(Page(items=[], total=0 if current is None else guard.last_total, number=number))
                return None
            response = yield from self.call_flow(http, "list", req)
            raw = self.parse(lambda r=response, c=current: self.provider.parse_page(r, vendor_query, c), "list")  # type: ignore[misc]
            shrunk = guard.total(raw.total)
            items: list[Customer] = []
            fresh = 0
            map_record = self.provider.map_record
            seen = guard.seen
            for index, record in enumerate(raw.records):
                try:
                    customer = map_record(record)  # the hot loop: no wrapper per record
                except Exception as exc:
                    err = self._mapping_failure(exc, "list", index)
                    if err is None:
                        raise
                    if not seen.add(_record_key(record)):
                        continue  # the same bad record again (overlap): reported once
                    fresh += 1
                    err.hint = err.hint or f"page {number}"
                    self.redact.error(err)
                    if on_invalid == "raise":
                        raise err from exc
                    if on_invalid == "skip":
                        logger.warning("%s", err)
                    else:
                        errors.append(err)
                    continue
                if not seen.add(customer.id):
                    continue  # already yielded in this listing (overlapping pages)
                fresh += 1
                if emulated and not _matches(customer, full_query, emulated):
                    continue
                items.append(customer)
                if max_items is not None and emitted + len(items) >= max_items:
                    break
            items = yield from self.complete_flow(http, "list", items, completion_state)
            emitted += len(items)
            if items or not recheck:
                # Where to continue after this page (for a re-read page: the next page not yet read).
                following = (None if ending else cursor) if recheck else raw.next_cursor
                next_text = resume.text(following, number)
                yield _Emit(Page(items=items, total=raw.total, number=number, next_cursor=next_text))
                number += 1
            if max_items is not None and emitted >= max_items:
                return None
            if recheck:
                continue
            history.append(current)
            nxt = raw.next_cursor
            if nxt is not None:
                guard.page(fresh, len(raw.records))
            if shrunk and len(history) > 1:
                # Deletions moved later records back by ``shrunk`` places: fetch again the
                # pages whose tail they now occupy (deduplication drops the repeats).
                back = min(len(history) - 1, RECHECK_PAGES, -(-shrunk // max(1, len(raw.records))))
                rechecks = list(history)[-1 - back : -1]
                logger.info("%s list: the total shrank by %d; re-reading %d page(s)", self.name, shrunk, back)
            if nxt is None:
                ending = True  # after any re-reads, compare with the vendor's total
                continue
            if nxt in seen_cursors or nxt == current:
                raise PaginationError(
                    f"the vendor repeated a page token (after {guard.count} records): it would loop forever",
                    provider=self.name,
                    operation="list",
                    hint=f"token {str(nxt)[:60]!r}",
                )
            seen_cursors.add(nxt)
            cursor = nxt

    def repr(self, kind: str) -> str:
        extra = self.provider.describe()
        return f"<custbridge.{kind} provider={self.name!r} base_url={str(self.base)!r}{' ' + extra if extra else ''}>"


def _record_key(record: Any) -> str:
    """What identifies a record that failed to map (its JSON text when the adapter keeps
    records undecoded, ``msgspec.Raw`` or bytes), to report it once across overlapping pages."""
    if isinstance(record, (bytes, bytearray, memoryview, msgspec.Raw)):
        return bytes(record).decode("utf-8", "replace")
    return repr(record)


ENGINE_SETTINGS: tuple[str, ...] = tuple(f.name for f in attrs.fields(EngineOptions) if f.name != "timeout_given")
"""The engine's keyword settings (``connect``, ``with_options``, the adapters' typed ``connect``)."""


def engine_settings(given: Mapping[str, Any]) -> dict[str, Any]:
    """The engine settings among ``given`` (a call's ``locals()``) that the caller passed:
    ``None`` (``NOT_SET`` for ``timeout``, where ``None`` means no timeout) is "not given"."""
    return {
        name: given[name]
        for name in ENGINE_SETTINGS
        if name in given and given[name] is not NOT_SET and (given[name] is not None or name == "timeout")
    }


def _derive(core: _Core, given: Mapping[str, Any]) -> _Core:
    """A copy of ``core`` (same provider, auth, limiter) with the engine options in ``given``."""
    settings = engine_settings(given)
    try:
        options, _ = EngineOptions.from_settings(core.name, settings, base=core.options)
    except ConfigurationError as exc:
        raise ConfigurationError(exc.message, provider=core.name, operation="with_options") from None
    derived = copy.copy(core)
    derived.options = options
    return derived


class _Resume:
    """Where a listing starts (``start_cursor``) and how its next-page cursors are written."""

    def __init__(self, provider: Provider, query: ListQuery, start_cursor: str | None) -> None:
        self._provider = provider
        self._fingerprint = query_fingerprint(query)
        self.cursor: Hashable | None = None
        self.number = 0
        self._unsaveable = False
        self.resumed = start_cursor is not None
        """Whether the listing starts mid-way, from a saved cursor."""
        if start_cursor is not None:
            self.cursor, self.number = decode_cursor(provider, start_cursor, self._fingerprint)

    def text(self, cursor: Hashable | None, number: int) -> str | None:
        """The saved form of the cursor that follows page ``number`` (``None`` if it cannot be
        saved: the listing itself goes on; the provider should define ``cursor_to_json``)."""
        if cursor is None or self._unsaveable:
            return None
        try:
            return encode_cursor(self._provider, cursor, number + 1, self._fingerprint)
        except (TypeError, ValueError) as exc:
            self._unsaveable = True
            logger.warning("%s list: the page cursor cannot be saved for resuming (%s)", self._provider.name, exc)
            return None


def _guarded(core: _Core, operation: str, exc: BaseException) -> BaseException:
    """Map anything a flow raised to a custbridge error, secrets removed (from ``exc`` and
    its whole chain too: it becomes the mapped error's cause)."""
    if isinstance(exc, CustbridgeError):
        exc.provider = exc.provider or core.name
        exc.operation = exc.operation or operation
        return core.redact.error(exc)
    if isinstance(exc, Exception):
        core.redact.error(exc)
    if isinstance(exc, httpx.HTTPError):
        return core.redact.error(core._transport_error(exc, operation))
    if isinstance(exc, Exception):
        return core.redact.error(
            CustbridgeError(
                f"internal error ({type(exc).__name__}: {exc})",
                provider=core.name,
                operation=operation,
                hint="this is a bug in the provider adapter; please report it",
            )
        )
    return exc


# --------------------------------------------------------------------------- sync


class CustomerList(Iterator[Customer]):
    """The lazy result of ``list()``: iterate it; ``errors`` holds collected mapping errors."""

    def __init__(self, pages: Iterator[Page[Customer]], errors: list[MappingError]) -> None:
        self._pages = pages
        self._current: Iterator[Customer] = iter(())
        self.errors = errors
        """Records skipped under ``on_invalid="collect"``, each a :class:`MappingError`."""

    def __iter__(self) -> CustomerList:
        return self

    def __next__(self) -> Customer:
        while True:
            item = next(self._current, None)
            if item is not None:
                return item
            page = next(self._pages)
            self._current = iter(page.items)


class PageList(Iterator[Page[Customer]]):
    """The lazy result of ``pages()``; ``errors`` holds collected mapping errors."""

    def __init__(self, pages: Iterator[Page[Customer]], errors: list[MappingError]) -> None:
        self._pages = pages
        self.errors = errors

    def __iter__(self) -> PageList:
        return self

    def __next__(self) -> Page[Customer]:
        return next(self._pages)


class Client:
    """A connection to one provider (sync). Build it with :func:`custbridge.connect`."""

    def __init__(self, provider: Provider, options: EngineOptions, *, http_client: httpx.Client | None = None) -> None:
        self._core = _Core(provider, options)
        self._owned = self._core._owned
        if http_client is None:
            http_client = httpx.Client(timeout=options.timeout, follow_redirects=False)
            self._owned.append(http_client.close)
        self._http = http_client
        limit = provider.max_concurrency
        # A sync client shared by threads must keep to the vendor's cap as well.
        self._semaphore = threading.BoundedSemaphore(limit) if limit else None
        self._closed = False
        self.sandbox_app: Any = None

    @property
    def provider(self) -> Provider:
        """The provider (adapter) instance behind this client."""
        return self._core.provider

    @property
    def name(self) -> str:
        """The provider's registered name."""
        return self._core.name

    @property
    def capabilities(self) -> Capabilities:
        """Operations, filters and per-field support of this provider."""
        return self._core.provider.capabilities

    def __repr__(self) -> str:
        return self._core.repr("Client")

    def with_options(
        self,
        *,
        timeout: float | NotSet | None = NOT_SET,
        max_retries: int | None = None,
        max_retry_wait: float | None = None,
        backoff: float | None = None,
        backoff_max: float | None = None,
        on_invalid: OnInvalid | None = None,
        max_response_size: int | None = None,
        request_deadline: float | None = None,
        strict_pagination: bool | None = None,
    ) -> Client:
        """A client with other engine settings, sharing this one's connection, rate limits and
        concurrency cap (``timeout=None`` means no timeout). Close the original, not the copy::

            client.with_options(timeout=5, max_retries=0).get("cus_123")
        """
        clone = copy.copy(self)
        clone._core = _derive(self._core, locals())
        clone._owned = []  # the connection stays the original client's to close
        return clone

    @property
    def with_raw_response(self) -> RawResponseClient:
        """The same operations, returning :class:`RawResponse` (status, headers, request id,
        ``parse()``) instead of the parsed value."""
        from ._raw import RawResponseClient

        return RawResponseClient(self)

    def _run(self, flow: _Flow[_R], operation: str) -> _R:
        try:
            action = next(flow)
            while True:
                if isinstance(action, _Sleep):
                    time.sleep(action.seconds)
                    action = flow.send(None)
                elif isinstance(action, _Send):
                    action = flow.send(self._send(action.request))
                else:  # pragma: no cover - single flows never emit
                    raise AssertionError(action)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except BaseException as exc:
            mapped = _guarded(self._core, operation, exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def _send(self, request: httpx.Request) -> httpx.Response | Exception:
        if self._closed or self._http.is_closed:
            return closed_error()
        try:
            if self._semaphore is None:
                return self._exchange(request)
            with self._semaphore:
                return self._exchange(request)
        except (httpx.HTTPError, CustbridgeError, Undecodable) as exc:
            return exc
        except RuntimeError:
            if self._http.is_closed:  # closed by another thread meanwhile
                return closed_error()
            raise

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        """Send, then stream the body in under the size cap and the overall deadline."""
        options = self._core.options
        deadline = options.deadline
        stop = None if deadline is None else time.monotonic() + deadline
        auth = self._core.auth or httpx.USE_CLIENT_DEFAULT
        response = self._http.send(request, auth=auth, follow_redirects=False, stream=True)
        try:
            if already_read(response, options.max_response_size):
                return response
            reader = BodyReader(response, options.max_response_size)
            for chunk in reader.chunks(response):
                reader.feed(chunk)
                if stop is not None and time.monotonic() > stop:
                    raise deadline_error(deadline)  # type: ignore[arg-type]
            response._content = reader.finish()
        finally:
            response.close()
        return response

    def _iterate(self, flow: _Flow[None]) -> Iterator[Page[Customer]]:
        try:
            action = next(flow)
            while True:
                if isinstance(action, _Emit):
                    yield action.page
                    action = flow.send(None)
                elif isinstance(action, _Sleep):
                    time.sleep(action.seconds)
                    action = flow.send(None)
                else:
                    action = flow.send(self._send(action.request))
        except StopIteration:
            return
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:
            mapped = _guarded(self._core, "list", exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def get(self, customer_id: str) -> Customer:
        """Fetch one customer by the vendor's id."""
        core = self._core
        return self._run(core.get_flow(self._http, customer_id), "get")

    def _pages(self, kw: dict[str, Any]) -> tuple[Iterator[Page[Customer]], list[MappingError]]:
        flow, errors = self._core.list_flow(self._http, kw)
        return self._iterate(flow), errors

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
    ) -> CustomerList:
        """Iterate customers lazily, page by page; memory stays flat however long the list.

        Every customer comes once, or :class:`PaginationError` is raised after what arrived
        (README "Guarantees"); ``strict=False`` accepts a list that ends short of the vendor's
        total (default: the ``strict_pagination`` setting, ``True``). ``max_items=0`` sends
        nothing. ``start_cursor`` (a :attr:`Page.next_cursor` saved from an earlier listing
        with the same filters) continues that listing at its next page.
        """
        pages, errors = self._pages(_list_arguments(locals()))
        return CustomerList(pages, errors)

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
    ) -> PageList:
        """Iterate whole pages (``Page.items``, ``Page.total``, ``Page.next_cursor``) with the same
        filters as ``list``; ``start_cursor`` continues a listing where a saved page ended."""
        pages, errors = self._pages(_list_arguments(locals()))
        return PageList(pages, errors)

    def create(self, data: CustomerInput) -> Customer:
        """Create a customer."""
        core = self._core
        return self._run(core.write_flow(self._http, "create", data), "create")

    def update(self, customer_id: str, data: CustomerInput) -> Customer:
        """Change only the fields set in ``data`` (``None`` clears a field)."""
        core = self._core
        return self._run(core.write_flow(self._http, "update", data, customer_id), "update")

    def upsert(self, data: CustomerInput) -> Customer:
        """Insert or update by the provider's matching rule (see its README)."""
        core = self._core
        return self._run(core.write_flow(self._http, "upsert", data), "upsert")

    def delete(self, customer_id: str) -> None:
        """Delete a customer."""
        self._run(self._core.delete_flow(self._http, customer_id), "delete")

    def close(self) -> None:
        """Release connections this client opened (never a caller's ``http_client``).

        A list still being iterated raises :class:`ConfigurationError` at its next request.
        """
        self._closed = True
        while self._owned:
            self._owned.pop()()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- async


class AsyncCustomerList(AsyncIterator[Customer]):
    """The lazy result of async ``list()``: ``async for`` it; ``errors`` as in the sync one."""

    def __init__(self, pages: AsyncIterator[Page[Customer]], errors: list[MappingError]) -> None:
        self._pages = pages
        self._current: Iterator[Customer] = iter(())
        self.errors = errors

    def __aiter__(self) -> AsyncCustomerList:
        return self

    async def __anext__(self) -> Customer:
        while True:
            item = next(self._current, None)
            if item is not None:
                return item
            page = await self._pages.__anext__()
            self._current = iter(page.items)

    async def aclose(self) -> None:
        await self._pages.aclose()  # type: ignore[attr-defined]


class AsyncPageList(AsyncIterator[Page[Customer]]):
    """The lazy result of async ``pages()``."""

    def __init__(self, pages: AsyncIterator[Page[Customer]], errors: list[MappingError]) -> None:
        self._pages = pages
        self.errors = errors

    def __aiter__(self) -> AsyncPageList:
        return self

    async def __anext__(self) -> Page[Customer]:
        return await self._pages.__anext__()


class AsyncClient:
    """A connection to one provider (asyncio). Build it with :func:`custbridge.connect_async`."""

    def __init__(
        self, provider: Provider, options: EngineOptions, *, http_client: httpx.AsyncClient | None = None
    ) -> None:
        self._core = _Core(provider, options)
        self._owned = self._core._owned
        self._own_http: httpx.AsyncClient | None = None
        if http_client is None:
            http_client = self._own_http = httpx.AsyncClient(timeout=options.timeout, follow_redirects=False)
            self._owned.append(http_client.aclose)
        self._http = http_client
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.sandbox_app: Any = None

    @property
    def provider(self) -> Provider:
        return self._core.provider

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def capabilities(self) -> Capabilities:
        """Operations, filters and per-field support of this provider."""
        return self._core.provider.capabilities

    def __repr__(self) -> str:
        return self._core.repr("AsyncClient")

    def with_options(
        self,
        *,
        timeout: float | NotSet | None = NOT_SET,
        max_retries: int | None = None,
        max_retry_wait: float | None = None,
        backoff: float | None = None,
        backoff_max: float | None = None,
        on_invalid: OnInvalid | None = None,
        max_response_size: int | None = None,
        request_deadline: float | None = None,
        strict_pagination: bool | None = None,
    ) -> AsyncClient:
        """As :meth:`Client.with_options`: same connection, rate limits and concurrency cap."""
        clone = copy.copy(self)
        clone._core = _derive(self._core, locals())
        clone._owned = []
        return clone

    @property
    def with_raw_response(self) -> AsyncRawResponseClient:
        """As :attr:`Client.with_raw_response` (awaitable operations)."""
        from ._raw import AsyncRawResponseClient

        return AsyncRawResponseClient(self)

    async def _send(self, request: httpx.Request) -> httpx.Response | Exception:
        if self._closed or self._http.is_closed:
            return closed_error()
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            try:
                self._bind(loop)
            except ConfigurationError as exc:
                return exc
        deadline = self._core.options.deadline
        try:
            stop = None if deadline is None else time.monotonic() + deadline
            exchange = self._exchange(request, stop) if self._semaphore is None else self._limited(request, stop)
            if deadline is None or _asyncio_timeout is None:
                return await exchange
            # Not asyncio.wait_for: before Python 3.12 it can swallow a cancellation.
            try:
                async with _asyncio_timeout(deadline):
                    return await exchange
            except TimeoutError:
                return deadline_error(deadline)
        except (httpx.HTTPError, CustbridgeError, Undecodable) as exc:
            return exc
        except RuntimeError as exc:
            if self._http.is_closed:
                return closed_error()
            if "loop" in str(exc):
                return ConfigurationError(
                    f"the http_client given to this AsyncClient cannot be used under another event loop ({exc})",
                    hint="create the httpx.AsyncClient inside the event loop that uses it, or pass none",
                )
            raise

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Use this client under ``loop``. asyncio primitives are made anew; a connection
        pool custbridge opened belongs to the first loop (its sockets cannot be used nor
        even closed from another), so that case is refused with a clear error."""
        if self._loop is not None and self._own_http is not None:
            raise ConfigurationError(
                "this AsyncClient was first used under another event loop; its connections belong to that loop",
                provider=self._core.name,
                hint="create the client inside the asyncio.run() (event loop) that uses it, "
                "or pass your own http_client",
            )
        self._loop = loop
        limit = self._core.provider.max_concurrency
        self._semaphore = asyncio.Semaphore(limit) if limit else None

    async def _limited(self, request: httpx.Request, stop: float | None) -> httpx.Response:
        assert self._semaphore is not None
        async with self._semaphore:
            return await self._exchange(request, stop)

    async def _exchange(self, request: httpx.Request, stop: float | None) -> httpx.Response:
        """Send, then stream the body in under the size cap and the deadline (checked between
        chunks; on Python 3.11+ ``asyncio.timeout`` also interrupts a read in progress)."""
        auth = self._core.auth or httpx.USE_CLIENT_DEFAULT
        response = await self._http.send(request, auth=auth, follow_redirects=False, stream=True)
        try:
            if already_read(response, self._core.options.max_response_size):
                return response
            reader = BodyReader(response, self._core.options.max_response_size)
            async for chunk in reader.async_chunks(response):
                reader.feed(chunk)
                if stop is not None and time.monotonic() > stop:
                    raise deadline_error(self._core.options.deadline or 0.0)
            response._content = reader.finish()
        finally:
            await response.aclose()
        return response

    async def _run(self, flow: _Flow[_R], operation: str) -> _R:
        try:
            action = next(flow)
            while True:
                if isinstance(action, _Sleep):
                    await asyncio.sleep(action.seconds)
                    action = flow.send(None)
                elif isinstance(action, _Send):
                    action = flow.send(await self._send(action.request))
                else:  # pragma: no cover
                    raise AssertionError(action)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        except BaseException as exc:
            mapped = _guarded(self._core, operation, exc)
            if mapped is exc:
                raise
            raise mapped from exc

    async def _iterate(self, flow: _Flow[None]) -> AsyncIterator[Page[Customer]]:
        try:
            action = next(flow)
            while True:
                if isinstance(action, _Emit):
                    yield action.page
                    action = flow.send(None)
                elif isinstance(action, _Sleep):
                    await asyncio.sleep(action.seconds)
                    action = flow.send(None)
                else:
                    action = flow.send(await self._send(action.request))
        except StopIteration:
            return
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:
            mapped = _guarded(self._core, "list", exc)
            if mapped is exc:
                raise
            raise mapped from exc

    def _pages(self, kw: dict[str, Any]) -> tuple[AsyncIterator[Page[Customer]], list[MappingError]]:
        flow, errors = self._core.list_flow(self._http, kw)
        return self._iterate(flow), errors

    async def get(self, customer_id: str) -> Customer:
        core = self._core
        return await self._run(core.get_flow(self._http, customer_id), "get")

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
    ) -> AsyncCustomerList:
        """``async for`` customers lazily (same filters as the sync client)."""
        pages, errors = self._pages(_list_arguments(locals()))
        return AsyncCustomerList(pages, errors)

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
    ) -> AsyncPageList:
        """``async for`` whole pages (``start_cursor`` as in the sync client)."""
        pages, errors = self._pages(_list_arguments(locals()))
        return AsyncPageList(pages, errors)

    async def create(self, data: CustomerInput) -> Customer:
        core = self._core
        return await self._run(core.write_flow(self._http, "create", data), "create")

    async def update(self, customer_id: str, data: CustomerInput) -> Customer:
        core = self._core
        return await self._run(core.write_flow(self._http, "update", data, customer_id), "update")

    async def upsert(self, data: CustomerInput) -> Customer:
        core = self._core
        return await self._run(core.write_flow(self._http, "upsert", data), "upsert")

    async def delete(self, customer_id: str) -> None:
        await self._run(self._core.delete_flow(self._http, customer_id), "delete")

    async def close(self) -> None:
        """Release connections this client opened (never a caller's ``http_client``).

        A list still being iterated raises :class:`ConfigurationError` at its next request.
        """
        self._closed = True
        while self._owned:
            result = self._owned.pop()()
            if asyncio.iscoroutine(result):
                await result

    aclose = close

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
