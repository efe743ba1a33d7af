"""A vendor that echoes the caller's credentials back, for the conformance suite's redaction check.

It answers every API request with an error whose body, vendor code, JSON keys (nested
:data:`DEPTH` levels) and request-id headers repeat each credential it received, in every
encoding a real service or proxy writes one: as given, ``quote``, ``quote_plus``, JSON-escaped,
base64 (also as ``user:secret``). OAuth token requests (a form body with ``grant_type``) go to the
sandbox, so run-time tokens are issued and then echoed like the rest.
"""

from __future__ import annotations

import base64
import json
import traceback
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

import httpx

__all__ = ["DEPTH", "echo_forms", "echoing_transport", "exception_texts", "leaks"]

DEPTH = 900
"""How deep the echoed JSON nests (inside every common JSON parser's limit)."""
_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "api-key", "proxy-authorization")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")


def echo_forms(secret: str) -> list[str]:
    """The encodings a credential is echoed in (and searched for)."""
    raw = secret.encode()
    return [
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        base64.b64encode(b"user:" + raw).decode(),
    ]


def _credentials(request: httpx.Request) -> list[str]:
    found = set()
    for name in _CREDENTIAL_HEADERS:
        value = request.headers.get(name)
        if value:
            found.add(value)
            found.add(value.partition(" ")[2] or value)
    return sorted(found)


def echoing_transport(inner: httpx.BaseTransport, status: int = 401) -> httpx.MockTransport:
    """Token requests go to ``inner``; every other request gets the hostile echo."""

    def handler(request: httpx.Request) -> httpx.Response:
        if b"grant_type=" in request.content:
            response = inner.handle_request(request)
            response.read()
            return response
        secrets = _credentials(request)
        echo = " | ".join(f for s in secrets for f in echo_forms(s)) or "no credential"
        text = json.dumps(f"{echo} rejected {request.method} {request.url}")
        key = json.dumps(echo)
        deep = f"{{{key}:" * DEPTH + key + "}" * DEPTH
        code = json.dumps(quote_plus(secrets[0]) if secrets else "E")
        body = (
            f'{{"message": {text}, "detail": {text}, "title": {text}, "error_description": {text}, '
            f'"code": {code}, "error_code": {code}, "status": "error", '
            f'"error": {{"message": {text}, "code": {code}, "type": {code}, "param": {deep}}}, '
            f'"errors": [{{"message": {text}, "code": {code}, "field": {text}, "meta": {deep}}}], '
            f"{key}: {deep}}}"
        )
        headers = {"content-type": "application/json"}
        if secrets:
            headers.update(dict.fromkeys(_REQUEST_ID_HEADERS, quote(secrets[0], safe="")))
        return httpx.Response(status, content=body.encode(), headers=headers)

    return httpx.MockTransport(handler)


def exception_texts(err: BaseException) -> list[str]:
    """Everything a user may see of ``err``: str, repr, fields, every chained exception and the
    formatted traceback."""
    texts = ["".join(traceback.format_exception(err))]
    seen: set[int] = set()
    stack = [err]
    while stack:
        exc = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        texts += [str(exc), repr(exc), repr(getattr(exc, "__dict__", {}))]
        stack += [e for e in (exc.__cause__, exc.__context__) if e is not None]
    return texts


def leaks(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """The places where a secret shows in ``texts``, in any echoed encoding."""
    forms = {f for s in secrets if len(s) >= 4 for f in echo_forms(s) if len(f) >= 4}
    return [f"{form!r} in {text[:160]!r}" for text in texts for form in forms if form in text]
