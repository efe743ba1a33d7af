"""Secrets never leak: not in errors, reprs, logs or cassettes, even when a vendor echoes them.

Runs for every installed provider. The client is configured with canary secrets and talks to a
hostile vendor that copies every request header and body into its error responses.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import CustbridgeError, ProviderError
from custbridge.errors import UnsupportedOperationError
from custbridge.registry import provider_class

from ..conftest import CANARY_PREFIX

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = custbridge.providers()


def _settings(name: str) -> tuple[dict[str, Any], list[str]]:
    """Settings that reach a sandbox-like base URL, with every secret set to a canary."""
    cls = provider_class(name)
    settings: dict[str, Any] = {}
    try:
        app = cls.sandbox(size=1)
        settings.update(app.client_settings(app.base_url))
    except UnsupportedOperationError:
        pass
    canaries = []
    for setting in cls.settings_spec:
        if setting.secret:
            value = f"{CANARY_PREFIX}-{name}-{setting.name}-Zq81"
            settings[setting.name] = value
            canaries.append(value)
    return settings, canaries


def _echo(status: int) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = {k: v for k, v in request.headers.items()}
        body = request.content.decode("utf-8", "replace")
        text = f"rejected {request.method} {request.url} headers={echoed} body={body}"
        payload = {
            "message": text,
            "error": {"message": text, "code": "echo", "type": "api_error"},
            "errors": [{"message": text, "code": "echo", "type": "echo", "statusCode": str(status)}],
            "status": "error",
            "error_description": text,
        }
        return httpx.Response(status, json=payload)

    return handler


def _scan(texts: list[str], canaries: list[str]) -> list[str]:
    return [t[:160] for t in texts for c in canaries if c in t]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500])
@pytest.mark.parametrize("name", PROVIDERS)
def test_echoed_secrets_are_redacted(name: str, status: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="custbridge")
    settings, canaries = _settings(name)
    http = httpx.Client(transport=httpx.MockTransport(_echo(status)))
    texts: list[str] = []
    with custbridge.connect(name, http_client=http, max_retries=1, backoff=0, max_retry_wait=0, **settings) as client:
        texts += [repr(client), repr(client.provider.settings), str(client.provider.settings)]
        for call in (lambda: client.get("c-1"), lambda: list(client.list(max_items=1))):
            try:
                call()
            except CustbridgeError as err:
                texts += [str(err), repr(err), err.message, str(err.hint), str(err.__dict__)]
                if isinstance(err, ProviderError):
                    texts += [str(err.details), str(err.body_snippet)]
                cause = err.__cause__
                while cause is not None:  # chained causes are shown in tracebacks too
                    texts.append(str(cause))
                    cause = cause.__cause__
    http.close()
    texts += [r.getMessage() for r in caplog.records]
    assert not _scan(texts, canaries), _scan(texts, canaries)


@pytest.mark.parametrize("name", PROVIDERS)
def test_async_errors_are_redacted(name: str) -> None:
    settings, canaries = _settings(name)

    async def run() -> str:
        http = httpx.AsyncClient(transport=httpx.MockTransport(_echo(401)))
        try:
            async with custbridge.connect_async(name, http_client=http, max_retries=0, **settings) as client:
                await client.get("c-1")
        except CustbridgeError as err:
            return str(err) + repr(err)
        finally:
            await http.aclose()
        return ""

    text = asyncio.run(run())
    assert text and not _scan([text], canaries)


@pytest.mark.parametrize("name", PROVIDERS)
def test_environment_canaries_are_used_and_masked(name: str, canary_secrets: dict[str, str]) -> None:
    cls = provider_class(name)
    envs = [s.env for s in cls.settings_spec if s.secret and s.env]
    assert all(e in canary_secrets for e in envs)
    for setting in cls.settings_spec:
        if setting.secret:
            assert setting.env, f"{name}: secret setting {setting.name} has no environment fallback"


def test_cassettes_hold_no_secret() -> None:
    cassettes = list((ROOT / "cassettes").rglob("*.yaml")) + list((ROOT / "cassettes").rglob("*.json"))
    bearer = re.compile(r"(?i)bearer\s+(?!REDACTED)[A-Za-z0-9._~+/-]{8,}")
    api_key_header = re.compile(r"(?im)^\s*(x-api-key|authorization):\s*\n\s*-\s*(?!REDACTED)\S+")
    problems = []
    for path in cassettes:
        text = path.read_text(encoding="utf-8")
        if CANARY_PREFIX in text:
            problems.append(f"{path}: canary")
        if bearer.search(text):
            problems.append(f"{path}: bearer token")
        if api_key_header.search(text):
            problems.append(f"{path}: credential header")
        for key in ("client_secret", "access_token", "api_key"):
            for match in re.finditer(rf'"{key}"\s*:\s*"([^"]*)"', text):
                if match.group(1) not in ("REDACTED", ""):
                    problems.append(f"{path}: {key}")
    assert not problems, problems
