"""The engine: executes adapters' requests, sync and async, from one set of flows.

Every operation is written once as a generator ("flow") that yields actions (send this
request, sleep this long, emit this page) and receives results. The sync client and the
async client are two small drivers of the same flows, so retries, backoff, redirects,
pagination guards, invalid-record policy and redaction behave identically in both.
"""

from __future__ import annotations

import asyncio
import collections
import email.utils
import ipaddress
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Hashable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar, Union
from urllib.parse import quote

import attrs
import httpx

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
from .model import Customer, CustomerInput, CustomerStatus
from .provider import (
    FieldAccess,
    HttpRequest,
    HttpResponse,
    ListQuery,
    Page,
    Provider,
    RateLimit,
    Support,
    default_error,
)

try:  # optional fast JSON decoder
    import orjson as _orjson

    _loads: Callable[[bytes], Any] = _orjson.loads
except ImportError:  # pragma: no cover - exercised when the extra is absent
    _loads = json.loads

__all__ = ["AsyncClient", "Client", "CustomerList", "EngineOptions"]

logger = logging.getLogger("custbridge")

OnInvalid = Literal["raise", "skip", "collect"]
_ON_INVALID = ("raise", "skip", "collect")
_EMPTY_PAGE_LIMIT = 3
_MAX_REDIRECTS = 5


# --------------------------------------------------------------------------- options


@attrs.frozen
class EngineOptions:
    """Engine settings shared by every provider."""

    max_retries: int = 2
    timeout: float | None = 30.0
    timeout_given: bool = False
    max_retry_wait: float = 60.0
    backoff: float = 0.5
    backoff_max: float = 8.0
    on_invalid: OnInvalid = "raise"

    @classmethod
    def from_settings(cls, provider: str, settings: Mapping[str, Any]) -> tuple[EngineOptions, dict[str, Any]]:
        rest = dict(settings)
        kwargs: dict[str, Any] = {}
        try:
            if "max_retries" in rest:
                kwargs["max_retries"] = int(rest.pop("max_retries"))
                if kwargs["max_retries"] < 0:
                    raise ValueError("max_retries must be >= 0")
            if "timeout" in rest:
                value = rest.pop("timeout")
                kwargs["timeout"] = None if value is None else float(value)
                kwargs["timeout_given"] = True
            for name in ("max_retry_wait", "backoff", "backoff_max"):
                if name in rest:
                    kwargs[name] = float(rest.pop(name))
            if "on_invalid" in rest:
                kwargs["on_invalid"] = _check_on_invalid(rest.pop("on_invalid"))
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(str(exc), provider=provider, operation="connect") from None
        return cls(**kwargs), rest


def _check_on_invalid(value: Any) -> OnInvalid:
    if value not in _ON_INVALID:
        raise ValueError(f"on_invalid must be one of {', '.join(_ON_INVALID)}, got {value!r}")
    return value  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- helpers


class _Redactor:
    """Replaces every secret the provider knows (asked anew each time) with ``****``.

    Asking each time matters for credentials obtained later, such as OAuth tokens.
    """

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        self._source = secrets

    @property
    def _secrets(self) -> list[str]:
        return sorted({s for s in self._source() if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "****")
        return text

    def _deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self(value)
        if isinstance(value, Mapping):
            return {k: self._deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._deep(v) for v in value]
        return value

    def error(self, err: CustbridgeError) -> CustbridgeError:
        err.message = self(err.message)
        if err.hint:
            err.hint = self(err.hint)
        if isinstance(err, ProviderError):
            if err.body_snippet:
                err.body_snippet = self(err.body_snippet)
            err.details = self._deep(err.details)
        err.args = (err.message,)
        return err


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
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(
            f"invalid base_url {base_url!r}: {exc}", provider=provider, operation="connect"
        ) from None
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
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


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
    items = [value] if isinstance(value, (str, CustomerStatus)) else list(value)
    out = []
    for item in items:
        try:
            out.append(CustomerStatus(item))
        except ValueError:
            raise ConfigurationError(
                f"unknown status {item!r}",
                provider=provider,
                operation="list",
                hint="one of " + ", ".join(s.value for s in CustomerStatus),
            ) from None
    return tuple(out)


# --------------------------------------------------------------------------- the core


class _Core:
    """State and flows shared by :class:`Client` and :class:`AsyncClient`."""

    def __init__(self, provider: Provider, options: EngineOptions) -> None:
        self.provider = provider
        self.options = options
        self.name = provider.name
        self.base = _check_base_url(self.name, provider.base_url)
        self.redact = _Redactor(provider.secret_values)
        self.limiter = _shared_limiter(provider.name, self.base.host, provider.rate_limit)
        self.auth = provider.auth()
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
            data: Any = None
            decoded = True
            content = response.content
            if content:
                try:
                    data = _loads(content)
                except ValueError:
                    decoded = False
            wrapped = HttpResponse(
                status_code=response.status_code,
                headers=response.headers,
                content=content,
                data=data,
                request_id=request_id,
                url=str(request.url),
            )
            if 200 <= response.status_code < 300:
                if decoded:
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
        return self.parse(lambda: self.provider.parse_customer(response, "get"), "get")

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
        if follow is None:
            return customer
        try:
            response = yield from self.call_flow(http, operation, follow)
            return self.parse(lambda: self.provider.parse_follow_up(response, operation, customer), operation)
        except CustbridgeError as err:
            err.message = f"customer {customer.id!r} was written but completing the {operation} failed: {err.message}"
            err.args = (err.message,)
            if isinstance(err, ProviderError):
                err.details = {**err.details, "written_id": customer.id}
            raise

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
        full = ListQuery(
            search=search or None,
            status=_statuses(status, self.name),
            tags=(tags,) if isinstance(tags, str) else (tuple(tags) if tags else None),
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
        try:
            _check_on_invalid(on_invalid)
            vq, fq, emulated = self.make_query(**kw)
        except ValueError as exc:
            raise ConfigurationError(str(exc), provider=self.name, operation="list") from None
        except CustbridgeError as exc:
            raise self.redact.error(exc) from None
        errors: list[MappingError] = []
        return self.pages_flow(http, vq, fq, emulated, max_items, on_invalid, errors), errors

    def pages_flow(
        self,
        http: httpx.Client | httpx.AsyncClient,
        vendor_query: ListQuery,
        full_query: ListQuery,
        emulated: frozenset[str],
        max_items: int | None,
        on_invalid: OnInvalid,
        errors: list[MappingError],
    ) -> _Flow[None]:
        cursor: Hashable | None = None
        seen: set[Hashable] = set()
        empty_streak = 0
        fetched = 0
        emitted = 0
        number = 0
        first_total: int | None = None
        previous_ids: tuple[str, ...] | None = None
        while True:
            req = None if self.cannot_match(full_query) else self.provider.list_request(vendor_query, cursor)
            if req is None:  # the provider knows nothing can match: no request at all
                yield _Emit(Page(items=[], total=0 if cursor is None else first_total, number=number))
                return None
            response = yield from self.call_flow(http, "list", req)
            raw = self.parse(lambda r=response, c=cursor: self.provider.parse_page(r, vendor_query, c), "list")  # type: ignore[misc]
            if raw.total is not None:
                if first_total is None:
                    first_total = raw.total
                elif raw.total != first_total:
                    logger.warning(
                        "%s list: total changed from %d to %d while listing", self.name, first_total, raw.total
                    )
                    first_total = raw.total
            items: list[Customer] = []
            ids: list[str] = []
            map_record = self.provider.map_record
            for index, record in enumerate(raw.records):
                try:
                    customer = map_record(record)  # the hot loop: no wrapper per record
                except Exception as exc:
                    err = self._mapping_failure(exc, "list", index)
                    if err is None:
                        raise
                    err.hint = err.hint or f"page {number}"
                    self.redact.error(err)
                    if on_invalid == "raise":
                        raise err from exc
                    if on_invalid == "skip":
                        logger.warning("%s", err)
                    else:
                        errors.append(err)
                    continue
                ids.append(customer.id)
                if emulated and not _matches(customer, full_query, emulated):
                    continue
                items.append(customer)
                if max_items is not None and emitted + len(items) >= max_items:
                    break
            fetched += len(raw.records)
            emitted += len(items)
            yield _Emit(Page(items=items, total=raw.total, number=number))
            number += 1
            if max_items is not None and emitted >= max_items:
                return None
            nxt = raw.next_cursor
            if nxt is None:
                return None
            if not raw.records:
                empty_streak += 1
                if empty_streak >= _EMPTY_PAGE_LIMIT:
                    raise PaginationError(
                        f"the vendor returned {empty_streak} empty pages in a row but says there are more",
                        provider=self.name,
                        operation="list",
                    )
            else:
                empty_streak = 0
                page_ids = tuple(ids)
                if page_ids and page_ids == previous_ids:
                    raise PaginationError(
                        f"the vendor returned the same page twice (after {fetched} records)",
                        provider=self.name,
                        operation="list",
                    )
                previous_ids = page_ids
            if nxt in seen or nxt == cursor:
                raise PaginationError(
                    f"the vendor repeated a page token (after {fetched} records): it would loop forever",
                    provider=self.name,
                    operation="list",
                    hint=f"token {str(nxt)[:60]!r}",
                )
            seen.add(nxt)
            cursor = nxt

    def repr(self, kind: str) -> str:
        extra = self.provider.describe()
        return f"<custbridge.{kind} provider={self.name!r} base_url={str(self.base)!r}{' ' + extra if extra else ''}>"


def _guarded(core: _Core, operation: str, exc: BaseException) -> BaseException:
    """Map anything a flow raised to a custbridge error, secrets removed."""
    if isinstance(exc, CustbridgeError):
        exc.provider = exc.provider or core.name
        exc.operation = exc.operation or operation
        return core.redact.error(exc)
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
    def capabilities(self) -> Any:
        """Operations, filters and per-field support of this provider."""
        return self._core.provider.capabilities

    def __repr__(self) -> str:
        return self._core.repr("Client")

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
        auth = self._core.auth or httpx.USE_CLIENT_DEFAULT
        try:
            if self._semaphore is None:
                return self._http.send(request, auth=auth, follow_redirects=False)
            with self._semaphore:
                return self._http.send(request, auth=auth, follow_redirects=False)
        except httpx.HTTPError as exc:
            return exc

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
        **vendor_filters: Any,
    ) -> CustomerList:
        """Iterate customers lazily, page by page; memory stays flat however long the list."""
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
        **vendor_filters: Any,
    ) -> PageList:
        """Iterate whole pages (``Page.items``, ``Page.total``) with the same filters as ``list``."""
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
        """Release connections this client opened (never a caller's ``http_client``)."""
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
        if http_client is None:
            http_client = httpx.AsyncClient(timeout=options.timeout, follow_redirects=False)
            self._owned.append(http_client.aclose)
        self._http = http_client
        limit = provider.max_concurrency
        self._semaphore = asyncio.Semaphore(limit) if limit else None
        self.sandbox_app: Any = None

    @property
    def provider(self) -> Provider:
        return self._core.provider

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def capabilities(self) -> Any:
        return self._core.provider.capabilities

    def __repr__(self) -> str:
        return self._core.repr("AsyncClient")

    async def _send(self, request: httpx.Request) -> httpx.Response | Exception:
        try:
            if self._semaphore is None:
                return await self._http.send(
                    request, auth=self._core.auth or httpx.USE_CLIENT_DEFAULT, follow_redirects=False
                )
            async with self._semaphore:
                return await self._http.send(
                    request, auth=self._core.auth or httpx.USE_CLIENT_DEFAULT, follow_redirects=False
                )
        except httpx.HTTPError as exc:
            return exc

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
        **vendor_filters: Any,
    ) -> AsyncPageList:
        """``async for`` whole pages."""
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
        """Release connections this client opened (never a caller's ``http_client``)."""
        while self._owned:
            result = self._owned.pop()()
            if asyncio.iscoroutine(result):
                await result

    aclose = close

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
