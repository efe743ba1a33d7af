"""Pexip Engage error envelopes -> the custbridge error tree (one table, one function).

API errors (https://developer.pexipengage.com/topic/topic-requests-and-responses)::

    {"errors": [{"message": "Resource not found", "code": "NOT_FOUND",
                 "type": "...", "statusCode": "404"}]}

Token endpoint errors (Keycloak's OAuth2 shape; only seen here when a transient 429/5xx of
the token endpoint is handed to the engine to retry)::

    {"error": "temporarily_unavailable", "error_description": "..."}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from custbridge import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from custbridge.errors import error_class_for_status

__all__ = ["SCOPE_HINT", "error_from_envelope"]

SCOPE_HINT = (
    "the API client needs scope engage:customers:readOnly (reads) or engage:customers:readWrite (updates)"
)

# Vendor ``code`` values refine the status class. The vendor does not publish its codes
# (FACTS.md: "the full error-status list beyond 409" is UNKNOWN), so this table holds the
# obvious spellings; an unknown code leaves the status-based class in place.
_BY_CODE: dict[str, type[ProviderError]] = {
    "BAD_REQUEST": BadRequestError,
    "VALIDATION_ERROR": BadRequestError,
    "INVALID_REQUEST": BadRequestError,
    "UNAUTHORIZED": AuthenticationError,
    "UNAUTHENTICATED": AuthenticationError,
    "INVALID_TOKEN": AuthenticationError,
    "TOKEN_EXPIRED": AuthenticationError,
    "FORBIDDEN": PermissionDeniedError,
    "INSUFFICIENT_SCOPE": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "RESOURCE_NOT_FOUND": NotFoundError,
    "CONFLICT": ConflictError,
    "TOO_MANY_REQUESTS": RateLimitError,
    "RATE_LIMITED": RateLimitError,
    "RATE_LIMIT_EXCEEDED": RateLimitError,
    "INTERNAL_SERVER_ERROR": ServerError,
    "SERVICE_UNAVAILABLE": ServerError,
}

_HINTS: dict[type[ProviderError], str] = {
    BadRequestError: "the vendor rejected the request as malformed; do not retry it unchanged",
    PermissionDeniedError: SCOPE_HINT + ", and no organisational setting blocking it",
    NotFoundError: "check the customer id and the enterprise setting",
    ConflictError: "a concurrent operation on the same customer; retrying may work",
    RateLimitError: "the vendor allows 3000 requests per minute and 4 concurrent requests per IP",
}


def _norm(code: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", code.upper()).strip("_")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def error_from_envelope(status_code: int, body: Any) -> ProviderError | None:
    """Build the error for a vendor error body; ``None`` when it is not a known envelope."""
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e, Mapping) for e in errors):
        return _api_error(status_code, errors)
    token_error = _str(body.get("error"))
    if token_error is not None:
        description = _str(body.get("error_description"))
        cls = error_class_for_status(status_code)
        return cls(
            "token endpoint: " + token_error + (f": {description}" if description else ""),
            status_code=status_code,
            vendor_code=token_error,
            hint="the OAuth token endpoint (auth_url) failed; the request was not sent to the API",
        )
    return None


def _api_error(status_code: int, errors: list[Mapping[str, Any]]) -> ProviderError:
    first = errors[0]
    code = _str(first.get("code"))
    cls = error_class_for_status(status_code)
    if code is not None:
        cls = _BY_CODE.get(_norm(code), cls)
    message = _str(first.get("message")) or "error"
    if len(errors) > 1:
        message += f" (+{len(errors) - 1} more)"
    details: dict[str, Any] = {}
    if _str(first.get("type")):
        details["type"] = first["type"]
    # Quirk: ``statusCode`` is a string in the schema; kept only when it disagrees with HTTP.
    vendor_status = first.get("statusCode")
    if vendor_status is not None and str(vendor_status) != str(status_code):
        details["statusCode"] = str(vendor_status)
    if len(errors) > 1:
        details["errors"] = [
            {k: e.get(k) for k in ("message", "code", "type", "statusCode") if k in e} for e in errors
        ]
    # 409 is documented as "conflict caused by concurrent operations; retrying may work".
    retryable = True if cls is ConflictError else None
    return cls(
        message,
        status_code=status_code,
        vendor_code=code,
        details=details,
        retryable=retryable,
        hint=_HINTS.get(cls),
    )
