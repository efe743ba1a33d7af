"""Acme CRM provider for custbridge: a complete minimal example of a third-party plug-in.

Four parts, as in every provider: wire class (the vendor JSON), converter (wire -> Customer),
the provider (requests and responses, no I/O) and the sandbox (a simulator of the vendor).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping
from typing import Any
from urllib.parse import unquote

import attrs
import cattrs
import httpx

from custbridge import (
    Address,
    Capabilities,
    Customer,
    CustomerStatus,
    HttpRequest,
    HttpResponse,
    ListQuery,
    Provider,
    ProviderError,
    RawPage,
    Setting,
)
from custbridge.convert import RecordMapper, normalize_country
from custbridge.errors import error_class_for_status
from custbridge.sandbox import SandboxApp, json_response, people

__all__ = ["AcmeProvider", "AcmeSandbox"]


# -- wire: exactly the vendor JSON, only the fields we map -----------------------------------
@attrs.frozen
class AcmeCustomer:
    id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    country: str | None = None
    state: str | None = None
    created: str | None = None


def _configure(conv: cattrs.Converter) -> None:
    """Acme's field names equal ours here; a real vendor would rename in hooks."""


_STATUS = {"open": CustomerStatus.ACTIVE, "closed": CustomerStatus.INACTIVE}


def _to_customer(wire: AcmeCustomer, raw: Mapping[str, Any]) -> Customer:
    from custbridge.convert import parse_datetime

    address = None
    if wire.city or wire.country:
        address = Address(city=wire.city, country=normalize_country(wire.country))
    return Customer(
        provider="acme",
        id=wire.id,
        company_name=wire.name,
        email=wire.email,
        phone=wire.phone,
        address=address,
        status=_STATUS.get(wire.state or "", CustomerStatus.UNKNOWN),
        vendor_status=wire.state,
        created_at=parse_datetime(wire.created) if wire.created else None,
        raw=raw,
    )


class AcmeProvider(Provider):
    """Acme CRM (fictional)."""

    display = "Acme CRM"
    default_base_url = "https://api.acme.example"
    settings_spec = (
        Setting("api_key", env="ACME_API_KEY", secret=True, required=True, help="Acme API key"),
        Setting("base_url", env="ACME_BASE_URL", help="API root"),
    )
    default_page_size = 100

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self._map = RecordMapper(self.name, AcmeCustomer, _to_customer, _configure)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities.build(
            operations=("get", "list", "delete"),
            filters=("search",),
            emulated_filters=("status",),
            read=("company_name", "email", "phone", "address", "status", "vendor_status", "created_at"),
            max_page_size=200,
        )

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.settings.secret('api_key')}"}

    def get_request(self, customer_id: str) -> HttpRequest:
        return HttpRequest("GET", ("v2", "customers", customer_id))

    def list_request(self, query: ListQuery, cursor: Hashable | None) -> HttpRequest:
        params = [("offset", str(cursor or 0)), ("limit", str(query.page_size))]
        if query.search:
            params.append(("q", query.search))
        return HttpRequest("GET", ("v2", "customers"), params=params)

    def delete_request(self, customer_id: str) -> HttpRequest:
        return HttpRequest("DELETE", ("v2", "customers", customer_id))

    def parse_customer(self, response: HttpResponse, operation: str) -> Customer:
        return self._map(response.data, operation=operation)

    def parse_page(self, response: HttpResponse, query: ListQuery, cursor: Hashable | None) -> RawPage:
        # {"items": [{...}], "total": 42}
        items = response.data["items"]
        offset = int(cursor or 0) + len(items)
        total = response.data.get("total")
        # The total is the end signal; without one, ask until an empty page (a short page
        # may just be a capped one). A full page beyond the total contradicts it: go on and
        # let the engine's total checks judge.
        full = len(items) >= (query.page_size or self.default_page_size)
        more = total is None or offset < total or (offset > total and full)
        return RawPage(items, offset if items and more else None, total)

    def map_record(self, record: Any) -> Customer:
        return self._map(record, operation="list")

    def parse_error(self, response: HttpResponse, operation: str) -> ProviderError | None:
        # {"error": {"code": "not_found", "message": "no such customer"}}
        body = response.data
        if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
            return None
        err = body["error"]
        cls = error_class_for_status(response.status_code)
        return cls(str(err.get("message") or "error"), status_code=response.status_code, vendor_code=err.get("code"))

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = 100, **options: Any) -> AcmeSandbox:
        return AcmeSandbox(seed=seed, size=size, **options)


class AcmeSandbox(SandboxApp):
    """The Acme API, in memory."""

    provider = "acme"
    API_KEY = "acme_test_key_0000"

    def __init__(self, *, seed: int = 0, size: int = 100, **options: Any) -> None:
        super().__init__(**options)
        self._ids = itertools.count(1)
        self.customers: dict[str, dict[str, Any]] = {}
        for p in people(seed, size, namespace="acme"):
            self.add_customer(p)

    # Mutations between runs (SandboxApp.mutate): Acme's API cannot create or update, so
    # the sandbox writes its store directly; remove uses the API's own delete (the default).
    def add_customer(self, person: Any) -> str:
        p = person
        cid = f"ac_{next(self._ids):06d}"
        self.customers[cid] = {
                "id": cid,
                "name": p.company or f"{p.first_name} {p.last_name}",
                "email": p.email,
                "phone": p.phone,
                "city": p.address.city,
                "country": p.address.country_name,
                "state": "open" if p.active else "closed",
                "created": p.created_at.isoformat().replace("+00:00", "Z"),
            }
        return cid

    def change_customer(self, customer_id: str, email: str) -> None:
        self.customers[customer_id]["email"] = email

    def client_settings(self, base_url: str) -> dict[str, Any]:
        return {"api_key": self.API_KEY, "base_url": base_url}

    def customer_count(self) -> int:
        return len(self.customers)

    def authorized(self, request: httpx.Request) -> bool:
        return request.headers.get("authorization") == f"Token {self.API_KEY}"

    def error(self, status_code: int, message: str, code: str | None = None, **extra: Any) -> httpx.Response:
        return json_response(status_code, {"error": {"code": code or "error", "message": message}})

    def route(self, request: httpx.Request) -> httpx.Response:
        # Split the raw (still percent-encoded) path: an id may contain "/" or "?".
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        parts = [unquote(p) for p in raw_path.strip("/").split("/")]
        if parts[:2] != ["v2", "customers"]:
            return self.error(404, "no such route", "not_found")
        if len(parts) == 2 and request.method == "GET":
            q = request.url.params.get("q", "").lower()
            rows = [c for c in self.customers.values() if q in (c["name"] + c["email"]).lower()]
            offset = int(request.url.params.get("offset", 0))
            limit = min(200, int(request.url.params.get("limit", 100)))
            return json_response(200, {"items": rows[offset : offset + limit], "total": len(rows)})
        if len(parts) == 3:
            record = self.customers.get(parts[2])
            if record is None:
                return self.error(404, "no such customer", "not_found")
            if request.method == "GET":
                return json_response(200, record)
            if request.method == "DELETE":
                del self.customers[record["id"]]
                return json_response(204, {})
        return self.error(405, "method not allowed", "method_not_allowed")
