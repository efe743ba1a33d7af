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

__all__ = ["REDACTED", "cassette_config", "scrub_text"]

REDACTED = "REDACTED"

_DEFAULT_SECRET_HEADERS = ("authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization")
_DEFAULT_SECRET_KEYS = ("access_token", "refresh_token", "client_secret", "id_token", "api_key", "password")


def scrub_text(text: str, secret_keys: Iterable[str] = _DEFAULT_SECRET_KEYS) -> str:
    """Replace the values of secret JSON keys and form fields in ``text``."""
    for key in secret_keys:
        text = re.sub(rf'("{re.escape(key)}"\s*:\s*)"[^"]*"', rf'\1"{REDACTED}"', text)
        text = re.sub(rf"(\b{re.escape(key)}=)[^&\s]*", rf"\1{REDACTED}", text)
    return text


def _scrub_body(body: Any, keys: tuple[str, ...], values: tuple[str, ...]) -> Any:
    if body is None:
        return body
    is_bytes = isinstance(body, bytes)
    text = body.decode("utf-8", "replace") if is_bytes else str(body)
    text = scrub_text(text, keys)
    for value in values:
        text = text.replace(value, REDACTED)
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
        request.body = _scrub_body(request.body, keys, values)
        request.uri = scrub_text(request.uri, keys)
        return request

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        for name in list(response.get("headers", {})):
            if name.lower() in headers:
                response["headers"][name] = [REDACTED]
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
