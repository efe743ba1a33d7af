"""Helpers for the Rotor tests (no fixtures here: plain functions)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

import custbridge
from custbridge import HttpResponse, Settings
from custbridge.registry import provider_class
from custbridge.sandbox import SandboxApp
from custbridge_rotor import RotorProvider

FAST: dict[str, Any] = {"backoff": 0.001, "backoff_max": 0.01, "max_retry_wait": 1.0}


def make_provider(**settings: Any) -> RotorProvider:
    """A registered ``rotor`` provider instance with a dummy key (no environment)."""
    cls = provider_class("rotor")
    given = {"api_key": "rotor_test_key", **settings}
    provider = cls(Settings.resolve("rotor", cls.settings_spec, given, environ={}))
    assert isinstance(provider, RotorProvider)
    return provider


def response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> HttpResponse:
    """An adapter-level response carrying ``payload`` as JSON."""
    content = json.dumps(payload).encode()
    return HttpResponse(
        status_code=status,
        headers=httpx.Headers({"content-type": "application/json", **(headers or {})}),
        content=content,
        data=payload,
    )


class Recorder:
    """A transport that records every request before the sandbox app answers it."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.app.handle(request)

    def client(self, **settings: Any) -> custbridge.Client:
        http = httpx.Client(transport=httpx.MockTransport(self.handler))
        client = custbridge.connect(
            "rotor", http_client=http, **{**FAST, **self.app.client_settings(self.app.base_url), **settings}
        )
        client._owned.append(http.close)
        return client

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.content]
