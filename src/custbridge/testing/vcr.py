"""vcrpy / pytest-recording helpers: cassettes that never hold a secret.

In a provider's ``conftest.py``::

    import pytest
    from custbridge.testing.vcr import cassette_config

    @pytest.fixture(scope="module")
    def vcr_config():
        return cassette_config(secret_headers=["x-acme-key"])

    @pytest.fixture(scope="module")
    def vcr_cassette_dir():
        return str(CASSETTES / "acme")

``filter_headers`` only cleans *request* headers; response headers and both bodies are
scrubbed here too (``before_record_request`` / ``before_record_response``).

The config sets no ``record_mode``: pytest-recording lets a ``record_mode`` in ``vcr_config``
override the command line, so pinning it here made ``--record-mode=rewrite`` re-record nothing.
Replay-only comes from the command line instead (pytest-recording's default is ``none``, and
this project's ``addopts`` pass ``--record-mode=none``); re-record with
``--record-mode=rewrite`` and real credentials in the environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .._redact import _table

__all__ = ["REDACTED", "cassette_config", "scrub_text"]

REDACTED = "REDACTED"

_DEFAULT_SECRET_HEADERS = ("authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization")
_DEFAULT_SECRET_KEYS = ("access_token", "refresh_token", "client_secret", "id_token", "api_key", "password")


def scrub_text(
    text: str, secret_keys: Iterable[str] = _DEFAULT_SECRET_KEYS, secret_values: Iterable[str] = ()
) -> str:
    """Replace the values of secret JSON keys and form fields in ``text``, and every secret
    value in each form a vendor or a library may write it (as given, URL/form-encoded,
    JSON-escaped, base64 ...: see :func:`custbridge._redact.encoded_forms`)."""
    for key in secret_keys:
        name = re.escape(key)
        text = re.sub(rf'("{name}"\s*:\s*)"(?:[^"\\]|\\.)*"', rf'\1"{REDACTED}"', text)
        # the same JSON inside a JSON string: {\"access_token\": \"...\"}
        text = re.sub(rf'(\\"{name}\\"\s*:\s*\\")(?:[^"\\]|\\[^"])*(\\")', rf"\1{REDACTED}\2", text)
        text = re.sub(rf"(\b{name}=)[^&\s\"']*", rf"\1{REDACTED}", text)
    values = frozenset(v for v in secret_values if v)
    if values:
        table = _table(values)
        for form in table.forms:
            if form in text:
                text = text.replace(form, REDACTED)
    return text


def _scrub_body(body: Any, keys: tuple[str, ...], values: tuple[str, ...]) -> Any:
    if body is None:
        return body
    is_bytes = isinstance(body, bytes)
    text = body.decode("utf-8", "replace") if is_bytes else str(body)
    text = scrub_text(text, keys, values)
    return text.encode() if is_bytes else text


def cassette_config(
    *,
    secret_headers: Iterable[str] = (),
    secret_keys: Iterable[str] = (),
    secret_values: Iterable[str] = (),
) -> dict[str, Any]:
    """A ``vcr_config`` that scrubs secret headers, JSON keys and literal values everywhere."""
    headers = tuple({h.lower() for h in (*_DEFAULT_SECRET_HEADERS, *secret_headers)})
    keys = tuple({*_DEFAULT_SECRET_KEYS, *secret_keys})
    values = tuple(v for v in secret_values if v)

    def before_request(request: Any) -> Any:
        for name in list(request.headers):
            if name.lower() in headers:
                request.headers[name] = REDACTED
            else:
                request.headers[name] = scrub_text(str(request.headers[name]), (), values)
        request.body = _scrub_body(request.body, keys, values)
        request.uri = scrub_text(request.uri, keys, values)
        return request

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        for name in list(response.get("headers", {})):
            if name.lower() in headers:
                response["headers"][name] = [REDACTED]
            else:  # a vendor may echo a credential in any header
                response["headers"][name] = [scrub_text(str(v), (), values) for v in response["headers"][name]]
        body = response.get("body", {})
        if "string" in body:
            body["string"] = _scrub_body(body["string"], keys, values)
        return response

    # No "record_mode" here: it would override --record-mode on the command line.
    return {
        "decode_compressed_response": True,
        "filter_headers": [(h, REDACTED) for h in headers],
        "before_record_request": before_request,
        "before_record_response": before_response,
        "match_on": ["method", "scheme", "host", "port", "path", "query"],
    }
