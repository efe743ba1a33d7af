"""Rotor's error envelope -> custbridge's error tree (the one place this mapping lives)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import msgspec

from custbridge import (
    AuthenticationError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
)
from custbridge.errors import error_class_for_status
from custbridge.provider import HttpResponse

from ._wire import RotorErrorBody

__all__ = ["AUTH_HINT", "BY_CODE", "error_from_response"]

BY_CODE: Mapping[str, type[ProviderError]] = {
    "AUTHENTICATION_REQUIRED": AuthenticationError,
    "INSUFFICIENT_SCOPE": PermissionDeniedError,
    "RATE_LIMIT_EXCEEDED": RateLimitError,
}
"""Rotor ``error_code`` -> error class; codes refine the status-based default."""

AUTH_HINT = "set ROTOR_API_KEY or pass api_key=... (Rotor reads it from the x-api-key header)"

_SCOPE_RE = re.compile(r"scope\s+'([^']+)'")
_LIMIT_RE = re.compile(r"limit of\s+(\d+)")


def _envelope(body: Any) -> RotorErrorBody | None:
    if not isinstance(body, Mapping) or not ("message" in body or body.get("status") == "error"):
        return None
    try:
        return msgspec.convert(body, RotorErrorBody)
    except msgspec.ValidationError:  # an odd envelope must not hide the status
        message = body.get("message")
        code = body.get("error_code")
        return RotorErrorBody(
            status="error",
            message=message if isinstance(message, str) else None,
            error_code=code if isinstance(code, str) else None,
        )


def _scrub(value: Any, secrets: Sequence[str]) -> Any:
    """Replace every secret inside nested vendor data (a vendor may echo the request)."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "****")
        return value
    if isinstance(value, Mapping):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, secrets) for v in value]
    return value


def error_from_response(
    response: HttpResponse, operation: str, secrets: Sequence[str] = ()
) -> ProviderError | None:
    """Build the error for a non-2xx Rotor answer; ``None`` when the body is not Rotor's.

    ``secrets`` are scrubbed from the nested ``details`` (the engine redacts the rest).

    Errors seen in Rotor's pages (rotor-retrieve-customer-*.txt, FACTS.md section 1)::

        401 {"status": "error", "message": "Authentication required. Provide x-api-key header.",
             "error_code": "AUTHENTICATION_REQUIRED"}
        403 {"status": "error", "message": "Forbidden: required scope 'leads:read' not granted
             for this API key", "error_code": "INSUFFICIENT_SCOPE"}
        404 {"status": "error", "message": "Not found"}
        429 {"status": "error", "message": "Daily API key request limit of 1000 exceeded",
             "error_code": "RATE_LIMIT_EXCEEDED"}
        500 {"status": "error", "message": "Internal server error"}
        400 {"status": "error", "message": "Validation failed", "errors": [{field, message}]}
    """
    body = _envelope(response.data)
    if body is None:
        return None
    status = response.status_code
    code = body.error_code or None
    cls = BY_CODE.get(code or "") or error_class_for_status(status)
    message = body.message or httpx.codes.get_reason_phrase(status) or "error"
    details: dict[str, Any] = {}
    hint: str | None = None
    retryable: bool | None = None

    if body.errors:
        # The engine redacts the message but not nested details: scrub them here.
        fields = _scrub([{"field": e.field, "message": e.message} for e in body.errors], secrets)
        details["errors"] = fields
        message += ": " + "; ".join(
            f"{e['field'] or '?'}: {e['message'] or 'invalid'}" for e in fields
        )
    if cls is AuthenticationError:
        hint = AUTH_HINT
    elif cls is PermissionDeniedError:
        # Quirk: every 403 example in Rotor's docs names 'leads:read' (boilerplate); the
        # scope is taken from the real message, whatever it says.
        match = _SCOPE_RE.search(message)
        if match:
            details["scope"] = match.group(1)
            hint = f"the API key lacks the scope {match.group(1)!r}; ask a Rotor admin for a key with it"
        else:
            hint = "the API key lacks a scope this operation needs; ask a Rotor admin"
    elif cls is RateLimitError and code == "RATE_LIMIT_EXCEEDED":
        # Quirk: Rotor's quota is per API key per *day* (1000 requests); backing off for
        # seconds cannot help, so this is never retried. The reset time is undocumented.
        retryable = False
        match = _LIMIT_RE.search(message)
        if match:
            details["daily_limit"] = int(match.group(1))
        message += " (Rotor's request quota is per API key per day: retrying today will not help)"
        hint = (
            "wait for the daily quota to reset (Rotor does not document when), or use another "
            "API key; list() already asks for pages of 1000 to spend as few requests as possible"
        )
    elif status == 404 and operation in ("get", "update"):
        hint = "no Rotor customer has this id"

    return cls(
        message,
        status_code=status,
        vendor_code=code,
        retryable=retryable,
        details=details,
        hint=hint,
    )
