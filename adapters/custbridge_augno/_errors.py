"""Augno's error envelope -> custbridge errors (the one place vendor errors are mapped).

https://docs.augno.com/api/errors; schema ``APIErrorResponse`` / ``ResponseError`` of the
April 2026 preview spec. The spec gives only a generic ``4XX`` response, so the class comes
from the HTTP status first and is then refined by ``code`` (the docs advise branching on
``code`` and ``is_transient``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from custbridge import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    HttpResponse,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from custbridge.errors import error_class_for_status

__all__ = ["PERMISSIONS", "ApiVersionError", "IncludeContext", "IncludeRefusedError", "parse_error"]


class ApiVersionError(BadRequestError, ConfigurationError):
    """The server refused the version header (``api_version_required/invalid/too_old``).

    It is both a :class:`~custbridge.BadRequestError` (the vendor said so) and a
    :class:`~custbridge.ConfigurationError` (the fix is the ``api_version`` setting).
    """


class IncludeRefusedError(BadRequestError, ConfigurationError):
    """The server refused an ``include`` value (a strict server accepts only what the docs list).

    Both a :class:`~custbridge.BadRequestError` (the vendor said so) and a
    :class:`~custbridge.ConfigurationError` (the fix is the ``include`` setting).
    ``details["include"]`` lists the refused value(s).
    """


@attrs.frozen
class IncludeContext:
    """What the connection asked to expand, to name a refused include."""

    requested: tuple[str, ...]
    documented: tuple[str, ...]
    """The values the ``api_version``'s documentation lists."""
    setting_env: str


def _refused_includes(message: str, context: IncludeContext) -> list[str]:
    """The requested includes the vendor's message quotes; else those it names that the docs do
    not list; else every undocumented one we sent (the message format is not documented)."""
    quoted = set(re.findall(r"""['"`]([\w.]+)['"`]""", message))
    named = [i for i in context.requested if i in quoted]
    if named:
        return named
    undocumented = [i for i in context.requested if i not in context.documented]
    words = set(re.findall(r"[\w.]+", message))
    return [i for i in undocumented if i in words] or undocumented or list(context.requested)


def _include_error(
    response: HttpResponse, code: str | None, message: str, details: dict[str, Any], context: IncludeContext
) -> IncludeRefusedError:
    refused = _refused_includes(message, context)
    details["include"] = list(refused)
    documented = ", ".join(context.documented) or "none"
    others = [i for i in context.requested if i not in context.documented and i not in refused]
    if others:
        documented += f"; also requested and not listed there: {', '.join(others)}"
    return IncludeRefusedError(
        f"the vendor refused include {', '.join(map(repr, refused))}: {message}",
        status_code=response.status_code,
        vendor_code=code,
        request_id=response.request_id,
        retryable=False,
        details=details,
        hint=f"remove it from the include setting (include=... or {context.setting_env}); "
             f"this api_version's documentation lists: {documented} (include='documented' asks for those only)",
    )


_BY_CODE: Final[Mapping[str, type[ProviderError]]] = {
    "expired_token": AuthenticationError,
    "api_key_expired": AuthenticationError,
    "api_key_revoked": AuthenticationError,
    "invalid_credentials": AuthenticationError,
    "insufficient_permissions": PermissionDeniedError,
    "validation_failed": BadRequestError,
    "missing_field": BadRequestError,
    "invalid_format": BadRequestError,
    "parameter_missing": BadRequestError,
    "parameter_invalid": BadRequestError,
    "parameter_unknown": BadRequestError,
    "parameters_exclusive": BadRequestError,
    "resource_not_found": NotFoundError,
    "resource_gone": NotFoundError,
    "resource_exists": ConflictError,
    "resource_conflict": ConflictError,
    "idempotency_in_progress": ConflictError,
    "rate_limit_exceeded": RateLimitError,
    "internal_error": ServerError,
    "service_unavailable": ServerError,
    "external_service_error": ServerError,
    "timeout": ServerError,
    "connection_error": ServerError,
    "request_timeout": ServerError,
    "api_version_required": ApiVersionError,
    "api_version_invalid": ApiVersionError,
    "api_version_too_old": ApiVersionError,
}
"""Vendor code -> class; codes not listed keep the status-based class."""

PERMISSIONS: Final[Mapping[str, str]] = {
    "get": "customers:read and suppliers:read",
    "list": "customers:read",
    "create": "customers:create",
    "update": "customers:update",
    "delete": "customers:delete",
}
"""Permission each operation needs (augno-go doc comments; FACTS.md section 2)."""

_KEY_HINT = "create a new key in the Dashboard (account settings > API Keys) and set {env}"


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def parse_error(
    response: HttpResponse,
    operation: str,
    *,
    version_header: str,
    version_setting_env: str,
    api_version: str,
    key_env: str,
    includes: IncludeContext | None = None,
) -> ProviderError | None:
    """Build the error for a non-2xx response, or ``None`` when the body is not the envelope."""
    # {"error": {"code": "resource_not_found", "type": "invalid_request_error",
    #            "message": "Customer not found.", "param": "id", "doc_url": "https://...",
    #            "is_transient": false, "quota": null, "request_log_url": null}}
    # https://docs.augno.com/api/errors
    body = response.data
    if not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
        return None
    err: Mapping[str, Any] = body["error"]
    code = err.get("code") if isinstance(err.get("code"), str) else None
    cls = _BY_CODE.get(code or "") or error_class_for_status(response.status_code)
    message = str(err.get("message") or code or "error")
    details: dict[str, Any] = {}
    for key in ("type", "param", "doc_url", "request_log_url", "quota"):
        if err.get(key) is not None:
            details[key] = err[key]
    limits = {k: response.headers[k] for k in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
              if k in response.headers}
    if limits:
        details["rate_limit"] = limits
    transient = err.get("is_transient")
    retryable = transient if isinstance(transient, bool) else None
    retry_after = None
    if (code == "rate_limit_exceeded" and "retry-after" not in response.headers
            and response.headers.get("RateLimit-Remaining") == "0"):
        # Every response carries RateLimit-Reset (seconds until the window frees up); it is
        # the wait only when the window is what is exhausted (else: the engine's backoff).
        retry_after = _number(response.headers.get("RateLimit-Reset"))
    param = err.get("param")
    if (includes is not None and includes.requested and isinstance(param, str) and param.startswith("include")
            and cls is BadRequestError):
        # {"error": {"code": "parameter_invalid", "param": "include",
        #            "message": "Invalid include value 'contact_info'. ...", ...}}
        # Assumption: a refused include names the parameter "include" (or "include[]") in param,
        # as the spec's error schema describes param; the value is looked for in the message.
        return _include_error(response, code, message, details, includes)
    hint = None
    if cls is ApiVersionError:
        hint = (f"the server refused {version_header}: {api_version!r}; set api_version=... "
                f"(or {version_setting_env}) to a version the account supports, e.g. '1.0.forge-preview.3'")
    elif code in ("api_key_expired", "api_key_revoked", "expired_token"):
        hint = _KEY_HINT.format(env=key_env)
    elif code == "insufficient_permissions":
        needed = PERMISSIONS.get(operation)
        hint = f"the API key's role needs {needed}" if needed else "the API key's role lacks a permission"
    elif code == "idempotency_in_progress":
        hint = "a request with the same Idempotency-Key is still running; retry shortly"
    elif code == "limit_exceeded":
        hint = "the account's plan limit is reached (see details['quota'])"
    elif err.get("param"):
        hint = f"parameter {err['param']}"
    return cls(
        message,
        status_code=response.status_code,
        vendor_code=code,
        request_id=response.request_id,
        retry_after=retry_after,
        retryable=retryable,
        details=details,
        hint=hint,
    )
