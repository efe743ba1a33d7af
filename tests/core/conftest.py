"""A scripted provider for engine tests: every response comes from a test's handler."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import (
    Capabilities,
    Customer,
    CustomerInput,
    HttpRequest,
    HttpResponse,
    ListQuery,
    Provider,
    ProviderError,
    RawPage,
    Setting,
)
from custbridge.convert import parse_datetime
from custbridge.errors import error_class_for_status

API_KEY = "sk_test_CANARY_9f8e7d6c5b4a"


class ScriptedProvider(Provider):
    """GET /c/{id}, GET /c?cursor=, POST /c (not idempotent), PATCH /c/{id} (idempotent)."""

    display = "Scripted"
    default_base_url = "https://api.scripted.test/v1"
    settings_spec = (
        Setting("api_key", env="SCRIPTED_API_KEY", secret=True, required=True, help="API key"),
        Setting("base_url", env="SCRIPTED_BASE_URL"),
    )
    default_page_size = 2
    caps = Capabilities.build(
        operations=("get", "list", "create", "update", "delete"),
        filters=("search",),
        emulated_filters=("status", "tags", "created_after"),
        read=("email", "status", "tags", "created_at", "vendor_status"),
        write=("first_name", "last_name"),
        vendor_filters=("region",),
        max_page_size=5,
    )

    @property
    def capabilities(self) -> Capabilities:
        return self.caps

    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.settings.secret("api_key") or ""}

    def get_request(self, customer_id: str) -> HttpRequest:
        return HttpRequest("GET", ("c", customer_id))

    def list_request(self, query: ListQuery, cursor: Hashable | None) -> HttpRequest:
        params = [("limit", str(query.page_size))]
        if cursor is not None:
            params.append(("cursor", str(cursor)))
        if query.search:
            params.append(("q", query.search))
        for k, v in query.vendor_filters.items():
            params.append((k, str(v)))
        return HttpRequest("GET", ("c",), params=params)

    def create_request(self, data: CustomerInput) -> HttpRequest:
        return HttpRequest("POST", ("c",), json=data.set_fields())

    def update_request(self, customer_id: str, data: CustomerInput) -> HttpRequest:
        return HttpRequest("PATCH", ("c", customer_id), json=data.set_fields(), idempotent=True)

    def delete_request(self, customer_id: str) -> HttpRequest:
        return HttpRequest("DELETE", ("c", customer_id))

    def parse_customer(self, response: HttpResponse, operation: str) -> Customer:
        return self.map_record(response.data)

    def parse_page(self, response: HttpResponse, query: ListQuery, cursor: Hashable | None) -> RawPage:
        return RawPage(response.data["items"], response.data.get("next"), response.data.get("total"))

    def map_record(self, record: Any) -> Customer:
        if not isinstance(record.get("id"), str):
            raise self.mapping_error("id must be a string", record=record, paths=[("$.id", "expected str")])
        return Customer(
            provider=self.name,
            id=record["id"],
            email=record.get("email"),
            status=custbridge.CustomerStatus(record.get("status", "unknown")),
            tags=tuple(record.get("tags", ())),
            created_at=parse_datetime(record["created"]) if record.get("created") else None,
            raw=record,
        )

    def parse_error(self, response: HttpResponse, operation: str) -> ProviderError | None:
        body = response.data
        if isinstance(body, dict) and "error" in body:
            cls = error_class_for_status(response.status_code)
            return cls(body["error"], vendor_code=body.get("code"), retryable=body.get("retryable"))
        return None


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _scripted_registered() -> Iterator[None]:
    custbridge.register_provider("scripted", ScriptedProvider)
    yield
    custbridge.unregister_provider("scripted")


@pytest.fixture
def connect() -> Iterator[Callable[..., custbridge.Client]]:
    clients: list[custbridge.Client] = []

    def make(handler: Handler, **settings: Any) -> custbridge.Client:
        http = httpx.Client(transport=httpx.MockTransport(handler))
        opts = {"api_key": API_KEY, "backoff": 0.0, "backoff_max": 0.0, **settings}
        client = custbridge.connect("scripted", http_client=http, **opts)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def record(i: int | str, **extra: Any) -> dict[str, Any]:
    return {"id": str(i), "email": f"p{i}@example.com", "status": "active", **extra}


def json(status: int, payload: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)
