"""Two small fake providers with sandboxes, registered at runtime by the tests.

They draw their customers from the shared sandbox population and vary the formatting the way
real vendors do, so matching has real work: ``alpha`` writes phones in national format and
upper-cases some e-mails, has a customer number, a deliberate duplicate every 40 records and
one record that fails to map; ``beta`` stores company names only, writes phones with spaces,
keeps alpha's customer number as its external id for some shared customers, has an old e-mail
for others (a conflict), no e-mail for every ninth, does not support language or tags, and does not load notes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar
from urllib.parse import unquote

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
    RawPage,
    Setting,
)
from custbridge.convert import parse_datetime
from custbridge.sandbox import Person, SandboxApp, json_response, people

SIZE_DEFAULT = 60


def national(phone: str) -> str:
    """A rough national rendering of an E.164 number (``+3247...`` -> ``047...``)."""
    for prefix in ("+1", "+32", "+31", "+33", "+49", "+41", "+44", "+81"):
        if phone.startswith(prefix):
            rest = phone[len(prefix):]
            if prefix == "+1":
                return f"({rest[:3]}) {rest[3:6]}-{rest[6:]}"
            return "0" + rest
    return phone


def alpha_number(uid: int) -> str:
    return f"A-{uid:09d}"


class FakeSandbox(SandboxApp):
    """GET /customers?offset=&limit= and GET /customers/{id}, bearer token auth."""

    TOKEN: ClassVar[str] = "fake-token-0000"

    def __init__(self, records: list[dict[str, Any]], **options: Any) -> None:
        super().__init__(**options)
        self.records = records
        self.by_id = {r["id"]: r for r in records}

    def client_settings(self, base_url: str) -> dict[str, Any]:
        return {"token": self.TOKEN, "base_url": base_url}

    def authorized(self, request: httpx.Request) -> bool:
        return bool(request.headers.get("authorization") == f"Bearer {self.TOKEN}")

    def error(self, status_code: int, message: str, code: str | None = None, **extra: Any) -> httpx.Response:
        return json_response(status_code, {"error": message, "code": code})

    def route(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        parts = [unquote(p) for p in raw_path.strip("/").split("/")]
        if parts == ["customers"]:
            offset = int(request.url.params.get("offset", 0))
            limit = int(request.url.params.get("limit", 25))
            items = self.records[offset:offset + limit]
            nxt = offset + limit if offset + limit < len(self.records) else None
            return json_response(200, {"items": items, "total": len(self.records), "next": nxt})
        if len(parts) == 2 and parts[0] == "customers" and parts[1] in self.by_id:
            return json_response(200, self.by_id[parts[1]])
        return self.error(404, "not found", "not_found")


class FakeProvider(Provider):
    """A JSON API whose records already use canonical field names."""

    default_base_url = "https://fake.invalid/api"
    default_page_size = 25
    READ: ClassVar[tuple[str, ...]] = ()
    NOT_LOADED: ClassVar[frozenset[str]] = frozenset()

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities.build(
            operations=("get", "list"), emulated_filters=("search", "status", "tags"),
            read=self.READ, max_page_size=50,
        )

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.secret('token')}"}

    def get_request(self, customer_id: str) -> HttpRequest:
        return HttpRequest("GET", ("customers", customer_id))

    def list_request(self, query: ListQuery, cursor: Hashable | None) -> HttpRequest:
        return HttpRequest("GET", ("customers",), params=[("offset", str(cursor or 0)),
                                                         ("limit", str(query.page_size))])

    def parse_customer(self, response: HttpResponse, operation: str) -> Customer:
        return self.map_record(response.data)

    def parse_page(self, response: HttpResponse, query: ListQuery, cursor: Hashable | None) -> RawPage:
        data = response.data
        return RawPage(data["items"], data.get("next"), data.get("total"))

    def map_record(self, record: Any) -> Customer:
        try:
            created = parse_datetime(record["created"])
        except (TypeError, ValueError) as exc:
            raise self.mapping_error(str(exc), record=record, paths=[("$.created", str(exc))]) from None
        address = None
        if record.get("address"):
            address = Address(**record["address"])
        values = {k: record.get(k) for k in self.READ if k in record and k not in ("address", "created_at")}
        if "status" in values:
            values["status"] = CustomerStatus(values["status"])
        if "tags" in values:
            values["tags"] = tuple(values["tags"] or ())
        return Customer(
            provider=self.name, id=record["id"], address=address, created_at=created,
            not_loaded=self.NOT_LOADED, raw=record, **values,
        )


def _address(p: Person) -> dict[str, Any]:
    a = p.address
    return {"line1": a.line1, "city": a.city, "postal_code": a.postal_code, "country": a.country}


class AlphaProvider(FakeProvider):
    display = "Alpha CRM"
    settings_spec = (
        Setting("token", env="ALPHA_TOKEN", secret=True, required=True, help="Alpha API token"),
        Setting("base_url", env="ALPHA_BASE_URL"),
    )
    READ = ("number", "first_name", "last_name", "email", "phone", "status", "address", "language",
            "tags", "notes", "created_at")

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = SIZE_DEFAULT, **options: Any) -> FakeSandbox:
        records = []
        for i, p in enumerate(people(seed, size, namespace="alpha")):
            rec = {
                "id": f"al{i:05d}",
                "number": alpha_number(p.uid),
                "first_name": p.first_name,
                "last_name": p.last_name,
                "email": p.email.upper() if i % 3 == 0 else p.email,
                "phone": national(p.phone),
                "status": "active" if p.active else "inactive",
                "address": _address(p),
                "language": p.language,
                "tags": list(p.tags),
                "notes": p.notes,
                "created": p.created_at.isoformat(),
            }
            records.append(rec)
            if i % 40 == 39:  # the same person entered twice
                records.append({**rec, "id": f"al{i:05d}-dup", "number": None})
        if len(records) > 7:
            records[7] = {**records[7], "created": "yesterday"}
        return FakeSandbox(records, **options)


class BetaProvider(FakeProvider):
    display = "Beta Desk"
    settings_spec = (
        Setting("token", env="BETA_TOKEN", secret=True, required=True, help="Beta API token"),
        Setting("base_url", env="BETA_BASE_URL"),
    )
    READ = ("external_id", "company_name", "email", "phone", "status", "address", "notes", "created_at")
    NOT_LOADED = frozenset({"notes"})

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = SIZE_DEFAULT, **options: Any) -> FakeSandbox:
        records = []
        for i, p in enumerate(people(seed, size, namespace="beta")):
            phone = p.phone
            records.append({
                "id": f"B{1000 + i}",
                "external_id": alpha_number(p.uid) if p.uid % 5 == 0 else None,
                "company_name": p.company or f"{p.first_name} {p.last_name}",
                "email": None if i % 9 == 4 else (f"{p.last_name.lower()}@old.example" if p.uid % 7 == 3 else p.email),
                "phone": f"{phone[:3]} {phone[3:6]} {phone[6:]}",
                "status": "on_hold" if i % 11 == 0 else ("active" if p.active else "inactive"),
                "address": _address(p),
                "created": p.created_at.isoformat(),
            })
        return FakeSandbox(records, **options)


class LockedProvider(AlphaProvider):
    """Like alpha, but its simulator refuses every credential (a provider that fails)."""

    display = "Locked CRM"
    settings_spec = (
        Setting("token", env="LOCKED_TOKEN", secret=True, required=True, help="Locked API token"),
        Setting("base_url", env="LOCKED_BASE_URL"),
    )

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = SIZE_DEFAULT, **options: Any) -> FakeSandbox:
        app = super().sandbox(seed=seed, size=size, **options)
        app.reject_auth = True
        return app


FAKES: dict[str, type[Provider]] = {"alpha": AlphaProvider, "beta": BetaProvider}
"""The providers most tests register."""
LOCKED: dict[str, type[Provider]] = {"locked": LockedProvider}
