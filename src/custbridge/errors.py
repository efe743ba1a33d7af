"""Every failure a user of custbridge can meet.

::

    CustbridgeError
    ├── ConfigurationError          bad or missing settings, unknown provider
    ├── UnsupportedOperationError   the provider cannot do this operation or filter
    ├── MappingError                a vendor record could not be mapped (provider, id, JSON paths)
    ├── PaginationError             the vendor repeated or cycled a page token, or never ended
    ├── TransportError              connection failures, resets, unreadable bodies
    │   └── RequestTimeoutError     the request timed out
    └── ProviderError               the vendor answered with an error status
        ├── BadRequestError         400, 422
        ├── AuthenticationError     401
        ├── PermissionDeniedError   403
        ├── NotFoundError           404
        ├── ConflictError           409
        ├── RateLimitError          429
        └── ServerError             5xx

``str(error)`` is one readable line naming provider, operation, status, vendor code and
message, plus a hint where one helps. Secrets never appear in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "CustbridgeError",
    "MappingError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "TransportError",
    "UnsupportedOperationError",
    "error_class_for_status",
]


class CustbridgeError(Exception):
    """Base of every custbridge error."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        operation: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.provider = provider
        self.operation = operation
        self.hint = hint
        super().__init__(message)

    def _prefix(self) -> str:
        parts = [p for p in (self.provider, self.operation) if p]
        return " ".join(parts) + ": " if parts else ""

    def _detail(self) -> str:
        return self.message

    def __str__(self) -> str:
        text = self._prefix() + self._detail()
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # keep errors picklable with keyword state
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[CustbridgeError], state: dict[str, Any]) -> CustbridgeError:
    obj = cls.__new__(cls)
    Exception.__init__(obj, state.get("message", ""))
    obj.__dict__.update(state)
    return obj


class ConfigurationError(CustbridgeError):
    """A setting is missing or invalid, or the provider is unknown."""


class UnsupportedOperationError(CustbridgeError):
    """The provider does not support this operation or filter."""


class PaginationError(CustbridgeError):
    """The vendor's pagination misbehaved: a repeated or cycling token, or no end."""


class MappingError(CustbridgeError):
    """A vendor record could not be mapped to the canonical model.

    Attributes:
        record_id: the vendor id of the record when it could be read.
        index: position of the record in its page (lists only).
        paths: ``(json_path, reason)`` pairs, e.g. ``("$.address.zip", "expected str, got int")``.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        operation: str | None = None,
        record_id: str | None = None,
        index: int | None = None,
        paths: Sequence[tuple[str, str]] = (),
        hint: str | None = None,
    ) -> None:
        self.record_id = record_id
        self.index = index
        self.paths = tuple(paths)
        super().__init__(message, provider=provider, operation=operation, hint=hint)

    def _detail(self) -> str:
        where = []
        if self.index is not None:
            where.append(f"record #{self.index}")
        if self.record_id is not None:
            where.append(f"id={self.record_id!r}")
        text = (" ".join(where) + ": " if where else "") + self.message
        if self.paths:
            text += " [" + "; ".join(f"{p}: {r}" for p, r in self.paths) + "]"
        return text


class TransportError(CustbridgeError):
    """The request failed before a complete vendor answer arrived.

    Attributes:
        request_id: our correlation id for the request, when the provider sends one.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        operation: str | None = None,
        hint: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.request_id = request_id
        super().__init__(message, provider=provider, operation=operation, hint=hint)

    def _detail(self) -> str:
        return self.message + (f" [request id {self.request_id}]" if self.request_id else "")


class RequestTimeoutError(TransportError):
    """The request timed out."""


class ProviderError(CustbridgeError):
    """The vendor answered with an error.

    Attributes:
        status_code: the HTTP status.
        vendor_code: the vendor's machine-readable error code, when it sent one.
        request_id: the vendor's or our correlation id for this request, when known.
        retry_after: seconds the vendor asked us to wait, when it said.
        retryable: whether repeating the same request may succeed.
        details: further vendor data (field errors, parameter names, log URLs).
        body_snippet: the start of a body that was not the vendor's JSON envelope.
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        operation: str | None = None,
        status_code: int | None = None,
        vendor_code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
        details: Mapping[str, Any] | None = None,
        body_snippet: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.vendor_code = vendor_code
        self.request_id = request_id
        self.retry_after = retry_after
        self.retryable = self.default_retryable if retryable is None else retryable
        self.details: Mapping[str, Any] = dict(details or {})
        self.body_snippet = body_snippet
        super().__init__(message, provider=provider, operation=operation, hint=hint)

    def _detail(self) -> str:
        head = []
        if self.status_code is not None:
            head.append(str(self.status_code))
        if self.vendor_code:
            head.append(self.vendor_code)
        text = (" ".join(head) + " " if head else "") + self.message
        if self.body_snippet:
            text += f" (body: {self.body_snippet!r})"
        if self.retry_after is not None:
            text += f" (retry after {self.retry_after:g}s)"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text


class BadRequestError(ProviderError):
    """The vendor rejected the request as malformed or invalid (400, 422)."""


class AuthenticationError(ProviderError):
    """The credentials are missing, wrong or expired (401)."""


class PermissionDeniedError(ProviderError):
    """The credentials are valid but lack a permission or scope (403)."""


class NotFoundError(ProviderError):
    """The customer (or the route) does not exist (404)."""


class ConflictError(ProviderError):
    """The request conflicts with the current state (409)."""


class RateLimitError(ProviderError):
    """Too many requests (429)."""

    default_retryable = True


class ServerError(ProviderError):
    """The vendor failed (5xx)."""

    default_retryable = True


_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_class_for_status(status_code: int) -> type[ProviderError]:
    """Return the error class for an HTTP status (the default before vendor codes refine it)."""
    cls = _BY_STATUS.get(status_code)
    if cls is not None:
        return cls
    if status_code >= 500:
        return ServerError
    return ProviderError
