"""Helpers shared by the Augno tests (no fixtures here: see conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import httpx

import custbridge
from custbridge.provider import Settings
from custbridge.registry import provider_class
from custbridge_augno import AugnoProvider

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SPEC_ID = "ac_01gf7a8200er3ar3pkfrb6kk29"
TEST_KEY = "aug_sk_test_4eC39HqLyjWDarjtT1zdp7dc"


def load(name: str) -> Any:
    """One fixture from ``fixtures/``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@cache
def spec() -> dict[str, Any]:
    """The vendor's spec (customer part, verbatim)."""
    return load("openapi-customers.json")  # type: ignore[no-any-return]


def spec_example(path: str, method: str, status: str | None = None) -> Any:
    """The example of a response (``status``) or, without ``status``, of the request body."""
    op = spec()["paths"][path][method]
    if status is None:
        return op["requestBody"]["content"]["application/json"]["example"]
    return op["responses"][status]["content"]["application/json"]["example"]


def spec_customer_examples() -> dict[str, Any]:
    """Every customer example the spec holds, by where it is."""
    schemas = spec()["components"]["schemas"]
    return {
        "schema Customer": schemas["Customer"]["example"],
        "schema List_Customer data[0]": schemas["List_Customer"]["example"]["data"][0],
        "GET /customers data[0]": spec_example("/v1/sales/customers", "get", "200")["data"][0],
        "POST /customers 201": spec_example("/v1/sales/customers", "post", "201"),
        "GET /customers/{id}": spec_example("/v1/sales/customers/{id}", "get", "200"),
        "PATCH /customers/{id}": spec_example("/v1/sales/customers/{id}", "patch", "200"),
        "POST /customers/{id}/actions/merge": spec_example("/v1/sales/customers/{id}/actions/merge", "post", "200"),
    }


def make_provider(name: str = "augno", **settings: Any) -> AugnoProvider:
    """A provider instance with ``settings`` (no environment, no client)."""
    cls = provider_class(name)
    given = {"api_key": TEST_KEY, **settings}
    provider = cls(Settings.resolve(name, cls.settings_spec, given, environ={}))
    assert isinstance(provider, AugnoProvider)
    return provider


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response], name: str = "augno", **settings: Any
) -> custbridge.Client:
    """A client whose HTTP goes to ``handler`` (fast retries)."""
    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = custbridge.connect(
        name, http_client=http, api_key=TEST_KEY, backoff=0.001, backoff_max=0.01, **settings
    )
    client._owned.append(http.close)
    return client


def envelope(status: int, code: str, message: str = "error", **extra: Any) -> httpx.Response:
    """A vendor error response."""
    body = {"code": code, "type": extra.pop("type", "invalid_request_error"), "message": message,
            "param": extra.pop("param", None), "doc_url": None, "is_transient": extra.pop("is_transient", False),
            "quota": extra.pop("quota", None), "request_log_url": extra.pop("request_log_url", None)}
    return httpx.Response(status, json={"error": body}, headers=extra.pop("headers", None))
