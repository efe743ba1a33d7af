"""A Rotor simulator, faithful to Rotor's customer pages (rotor-*.txt/md) and FACTS.md section 1.

What it does like Rotor: ``x-api-key`` auth with Rotor's 401 envelope, ``GET /customers`` with
``page``/``limit`` (max 1000)/``search``/``status``/``tags``/``archived`` and
``pagination{has_more, limit, page, total}``, ``GET /customers/{id}`` in a ``{data, status}``
envelope, ``POST /customers`` with the documented upsert rules (id, else phone, else email,
else create; tags merged) and the flat answer, the error envelopes, a per-key daily quota
answering 429 ``RATE_LIMIT_EXCEEDED``, and either payment flag (``has_payment_method`` or
``is_auto_pay``).

Where Rotor's behaviour is undocumented the simulator picks one and says so (comments marked
"Assumption"); the adapter must not depend on those choices.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx

from custbridge.sandbox import Person, SandboxApp, SandboxChanges, json_response, people

from .provider import DEFAULT_API_VERSION, DEFAULT_BASE_URL, MAX_PAGE_SIZE

__all__ = ["PAYMENT_FLAGS", "RotorSandbox"]

PAYMENT_FLAGS: tuple[str, ...] = ("has_payment_method", "is_auto_pay")
"""The two documented names of the payment flag (one per documentation flavour)."""

_CODES = frozenset({"AUTHENTICATION_REQUIRED", "INSUFFICIENT_SCOPE", "RATE_LIMIT_EXCEEDED"})
_TEXT = ("first_name", "last_name", "company_name", "email", "phone", "notes", "source",
         "service_type", "service_frequency")
_ADDRESS_KEYS = ("street1", "street2", "city", "state", "zip", "country")
_SOURCES = ("website", "referral", "google_ads", "import", None)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _iso(value: datetime) -> str:
    """Rotor's timestamp format: milliseconds and ``Z`` (``2019-12-27T18:11:19.117Z``)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _digits(phone: str | None) -> str:
    return "".join(c for c in phone or "" if c.isdigit())


def _same_phone(a: str, b: str) -> bool:
    """Assumption: Rotor compares phones by their digits, and a number written without its
    country code matches the full one it ends (``(212) 555-0100`` ~ ``+12125550100``)."""
    da, db = _digits(a), _digits(b)
    if not da or not db:
        return False
    if da == db:
        return True
    short, long = sorted((da, db), key=len)
    return len(short) >= 9 and long.endswith(short)


def _national(phone: str) -> str:
    """A Rotor user's way of typing a number: ``(212) 555-0100`` or ``+32 470 12 34 56``."""
    if phone.startswith("+1") and len(phone) == 12:
        return f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
    body = phone[3:]
    groups = [body[i:i + 3] for i in range(0, len(body), 3)]
    return phone[:3] + " " + " ".join(groups)


class RotorSandbox(SandboxApp):
    """Rotor's customer API in memory.

    Args:
        seed: population seed (deterministic).
        size: customers visible by default (not archived).
        archived: extra archived customers, hidden unless ``archived=true`` (default
            ``max(1, size // 10)``; ``0`` for none).
        payment_flag: ``"has_payment_method"`` (TypeScript pages) or ``"is_auto_pay"`` (HTTP
            pages): the name the read shape uses.
        daily_quota: requests per day before 429 ``RATE_LIMIT_EXCEEDED`` (Rotor: 1000; the
            default is high so tests are not throttled). :meth:`new_day` resets the count.
        scopes: scopes the sandbox key holds; reads need ``customers:read``, writes
            ``customers:write`` (assumption: Rotor's scope list is undocumented).
        api_key: the key the sandbox accepts.
        default_limit: page size when ``limit`` is absent (Rotor's default is undocumented;
            its example shows 50).
        clock: ``created_at`` source for new customers (default: now, UTC).
        faults, latency, concurrency_limit: see :class:`custbridge.sandbox.SandboxApp`.
    """

    provider = "rotor"
    base_url = DEFAULT_BASE_URL
    API_KEY = "rotor_sbx0001_5andb0xKeyNotARealSecret"
    """The default key, in Rotor's reported ``rotor_<keyId>_<keySecret>`` form."""

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int = 100,
        archived: int | None = None,
        payment_flag: str = "has_payment_method",
        daily_quota: int = 1_000_000,
        scopes: Iterable[str] = ("customers:read", "customers:write"),
        api_key: str | None = None,
        default_limit: int = 50,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if payment_flag not in PAYMENT_FLAGS:
            raise ValueError(f"payment_flag must be one of {', '.join(PAYMENT_FLAGS)}")
        self.seed = seed
        self.payment_flag = payment_flag
        self.daily_quota = daily_quota
        self.scopes = frozenset(scopes)
        self.api_key = api_key or self.API_KEY
        self.default_limit = default_limit
        self.clock = clock or (lambda: datetime.now(UTC))
        self.quota_used = 0
        """Requests counted against today's quota."""
        self.creates = 0
        """Customers created through ``POST /customers`` (for duplicate-detection tests)."""
        self.updates = 0
        """Customers updated through ``POST /customers``."""
        self.customers: dict[str, dict[str, Any]] = {}
        """The store, by id: Rotor's read fields plus ``property``/``billing`` blocks,
        ``service_*``, ``billing_same_as_property``, ``payment`` and ``archived``."""
        self._store_lock = threading.RLock()
        self._serial = 0
        self._version = 0
        self._cache_version = 0
        self._cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for person in people(seed, size, namespace="rotor"):
            self._add(self._from_person(person, archived=False))
        n_archived = max(1, size // 10) if archived is None else archived
        for person in people(seed, n_archived, namespace="rotor-archived", shared=0.0):
            self._add(self._from_person(person, archived=True))

    # -- population ----------------------------------------------------------------------

    def _new_id(self) -> str:
        self._serial += 1
        digest = hashlib.blake2b(f"rotor:{self.seed}:{self._serial}".encode(), digest_size=16).digest()
        return str(uuid.UUID(bytes=digest, version=4))

    def _add(self, record: dict[str, Any]) -> None:
        self.customers[record["id"]] = record

    def _from_person(self, p: Person, *, archived: bool) -> dict[str, Any]:
        rng = random.Random(f"rotor-format:{self.seed}:{p.uid}")
        a = p.address
        # Vary the formatting a little, as Rotor users type freely: national phone formats,
        # e-mail case, country as code or name ("US", "USA", "United States").
        style = rng.random()
        phone = p.phone if style < 0.5 else _national(p.phone)
        email = p.email if rng.random() < 0.8 else p.email[:1].upper() + p.email[1:]
        if a.country == "US":
            country = rng.choice(["US", "USA", "United States"])
        else:
            country = rng.choice([a.country, a.country_name])
        prop = {"street1": a.line1, "street2": a.line2, "city": a.city, "state": a.region or "",
                "zip": a.postal_code, "country": country}
        separate_billing = rng.random() < 0.2
        return {
            "id": self._new_id(),
            "first_name": p.first_name,
            "last_name": p.last_name,
            "company_name": p.company,
            "email": email,
            "phone": phone,
            "notes": p.notes,
            "source": rng.choice(_SOURCES),
            "status": "active" if p.active else "inactive",
            "tags": list(p.tags) if p.tags or rng.random() < 0.5 else None,
            "created_at": _iso(p.created_at),
            "property": prop,
            "billing": {**prop, "street1": f"PO Box {rng.randint(100, 9999)}", "street2": None}
            if separate_billing else {},
            "billing_same_as_property": not separate_billing,
            "service_type": rng.choice(["lawn care", "pest control", "pool service", None]),
            "service_frequency": rng.choice(["weekly", "monthly", None]),
            "location": [a.latitude, a.longitude] if rng.random() < 0.85 else None,
            "payment": rng.random() < 0.6,
            "archived": archived,
        }

    def customer_count(self) -> int:
        """Customers stored, archived ones included (writes must not duplicate them)."""
        with self._store_lock:
            return len(self.customers)

    def mutate(self, *, add: int = 0, change: int = 0, remove: int = 0, seed: int = 0) -> SandboxChanges:
        """As the base class; the requests it makes do not count against the daily quota."""
        used = self.quota_used
        try:
            return super().mutate(add=add, change=change, remove=remove, seed=seed)
        finally:
            self.quota_used = used

    def customer_ids(self) -> list[str]:
        """Customers the default listing returns (archived ones are hidden)."""
        with self._store_lock:
            return [cid for cid, record in self.customers.items() if not record["archived"]]

    def remove_customer(self, customer_id: str) -> None:
        """Archive the customer (Rotor's API has no delete; archived customers leave the listing)."""
        with self._store_lock:
            self.customers[customer_id]["archived"] = True
            self._version += 1

    def new_day(self) -> None:
        """Reset the daily quota counter (Rotor's reset time is undocumented)."""
        with self._store_lock:
            self.quota_used = 0

    # -- shapes --------------------------------------------------------------------------

    def read_shape(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A customer as list/retrieve return it (nested ``address``, ``location``, flag)."""
        out: dict[str, Any] = {"id": record["id"]}
        prop = record["property"]
        if any(prop.get(k) for k in _ADDRESS_KEYS):
            # The five main keys are non-optional strings in Rotor's schema; street2 is
            # optional and nullable.
            address = {k: prop.get(k) or "" for k in ("city", "country", "state", "street1", "zip")}
            address["street2"] = prop.get("street2")
            out["address"] = address
        # Non-nullable optional fields are left out when empty; nullable ones are null.
        for key in ("company_name", "created_at", "email", "first_name", "last_name", "phone", "source"):
            if record.get(key) is not None:
                out[key] = record[key]
        out[self.payment_flag] = record["payment"]
        out["location"] = record["location"]
        out["notes"] = record["notes"]
        out["status"] = record["status"]
        out["tags"] = record["tags"]
        return out

    def flat_shape(self, record: Mapping[str, Any], message: str) -> dict[str, Any]:
        """A customer as ``POST /customers`` answers (flat ``property_*``/``billing_*``)."""
        out: dict[str, Any] = {"id": record["id"]}
        for key in _ADDRESS_KEYS:
            out[f"billing_{key}"] = record["billing"].get(key) or None
        out["billing_same_as_property"] = record["billing_same_as_property"]
        for key in ("company_name", "created_at", "email", "first_name", "last_name"):
            out[key] = record.get(key)
        out["message"] = message
        out["notes"] = record.get("notes")
        out["phone"] = record.get("phone")
        for key in _ADDRESS_KEYS:
            out[f"property_{key}"] = record["property"].get(key) or None
        for key in ("service_frequency", "service_type", "source", "status", "tags"):
            out[key] = record.get(key)
        return out

    # -- framework hooks ------------------------------------------------------------------

    def client_settings(self, base_url: str) -> dict[str, Any]:
        base = base_url.rstrip("/")
        if not base.endswith("/open-api"):
            base += "/open-api"
        return {"api_key": self.api_key, "base_url": base}

    def authorized(self, request: httpx.Request) -> bool:
        return bool(request.headers.get("x-api-key") == self.api_key)

    def error(self, status_code: int, message: str, code: str | None = None, **extra: Any) -> httpx.Response:
        """Rotor's envelope; only Rotor's own codes are sent (404/500 carry none)."""
        body: dict[str, Any] = {"status": "error", "message": message}
        if code in _CODES:
            body["error_code"] = code
        body.update(extra)
        return json_response(status_code, body)

    def auth_failure(self, request: httpx.Request) -> httpx.Response:
        return self.error(401, "Authentication required. Provide x-api-key header.", "AUTHENTICATION_REQUIRED")

    def rate_limited(self, request: httpx.Request, retry_after: float | None) -> httpx.Response:
        response = self.error(
            429, f"Daily API key request limit of {self.daily_quota} exceeded", "RATE_LIMIT_EXCEEDED"
        )
        if retry_after is not None:  # only fault injection announces a wait; Rotor documents none
            response.headers["Retry-After"] = f"{retry_after:g}"
        return response

    def _validation(self, errors: list[dict[str, str]]) -> httpx.Response:
        return self.error(400, "Validation failed", errors=errors)

    def _scope(self, scope: str) -> httpx.Response | None:
        if scope in self.scopes:
            return None
        return self.error(
            403, f"Forbidden: required scope '{scope}' not granted for this API key", "INSUFFICIENT_SCOPE"
        )

    # -- routes --------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        with self._store_lock:
            self.quota_used += 1
            if self.quota_used > self.daily_quota:
                return self.rate_limited(request, None)
        version = request.headers.get("rotor-api-version")
        # Quirk: the header is "required" but Rotor's own curl examples omit it: absent is
        # accepted, a wrong value is refused.
        if version is not None and version != DEFAULT_API_VERSION:
            return self._validation([{
                "field": "rotor-api-version",
                "message": f"must be equal to one of the allowed values: {DEFAULT_API_VERSION}",
            }])
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        parts = [unquote(p) for p in raw_path.strip("/").split("/")]
        if parts[:2] != ["open-api", "customers"] or len(parts) > 3:
            return self.error(404, "Not found")
        if len(parts) == 2 and request.method == "GET":
            return self._scope("customers:read") or self._list(request)
        if len(parts) == 2 and request.method == "POST":
            return self._scope("customers:write") or self._upsert(request)
        if len(parts) == 3 and request.method == "GET":
            return self._scope("customers:read") or self._retrieve(parts[2])
        return self.error(404, "Not found")

    def _retrieve(self, customer_id: str) -> httpx.Response:
        with self._store_lock:
            record = self.customers.get(customer_id)
            if record is None:
                return self.error(404, "Not found")
            # Assumption: an archived customer is still retrievable by id.
            return json_response(200, {"data": self.read_shape(record), "status": "success"})

    def _int_param(self, params: httpx.QueryParams, name: str, default: int, low: int,
                   high: int | None, errors: list[dict[str, str]]) -> int:
        text = params.get(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            errors.append({"field": name, "message": "must be an integer"})
            return default
        if value < low:
            errors.append({"field": name, "message": f"must be >= {low}"})
        elif high is not None and value > high:
            errors.append({"field": name, "message": f"must be <= {high}"})
        return value

    def _list(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        errors: list[dict[str, str]] = []
        page = self._int_param(params, "page", 1, 1, None, errors)
        limit = self._int_param(params, "limit", self.default_limit, 1, MAX_PAGE_SIZE, errors)
        status = params.get("status")
        if status is not None and status not in ("active", "inactive"):
            errors.append({"field": "status", "message": "must be one of active, inactive"})
        archived_text = params.get("archived", "false").lower()
        if archived_text not in ("true", "false"):
            errors.append({"field": "archived", "message": "must be a boolean"})
        if errors:
            return self._validation(errors)
        search = (params.get("search") or "").strip()
        tags = tuple(t.strip() for t in (params.get("tags") or "").split(",") if t.strip())
        rows = self._matching(search, status, tags, archived_text == "true")
        start = (page - 1) * limit
        chunk = rows[start:start + limit]
        with self._store_lock:
            data = [self.read_shape(r) for r in chunk]
        return json_response(200, {
            "data": data,
            "pagination": {"has_more": start + limit < len(rows), "limit": limit, "page": page,
                           "total": len(rows)},
            "status": "success",
        })

    def _matching(self, search: str, status: str | None, tags: tuple[str, ...], archived: bool) -> list[dict[str, Any]]:
        key = (search.casefold(), status, tags, archived)
        with self._store_lock:
            if self._cache_version != self._version:
                self._cache.clear()
                self._cache_version = self._version
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            # Assumption: newest first, as Rotor documents for leads and pins (customer
            # ordering is undocumented).
            ordered = sorted(self.customers.values(), key=lambda r: (r["created_at"], r["id"]), reverse=True)
            needle = search.casefold()
            digits = _digits(search) if len(_digits(search)) >= 3 and not re.search(r"[A-Za-z@]", search) else ""
            rows = []
            for r in ordered:
                # "archived: include archived customers (default false)".
                if r["archived"] and not archived:
                    continue
                if status is not None and r["status"] != status:
                    continue
                # Assumption: several tags must all be present (Rotor does not say).
                if tags and not set(tags) <= set(r["tags"] or ()):
                    continue
                if needle and not self._found(r, needle, digits):
                    continue
                rows.append(r)
            self._cache[key] = rows
            return rows

    @staticmethod
    def _found(record: Mapping[str, Any], needle: str, digits: str) -> bool:
        # Rotor: "Search by first name, last name, company name, email, or phone".
        for key in ("first_name", "last_name", "company_name", "email", "phone"):
            value = record.get(key)
            if value and needle in value.casefold():
                return True
        return bool(digits) and digits in _digits(record.get("phone"))

    # -- upsert --------------------------------------------------------------------------

    def _validate_body(self, body: Any) -> list[dict[str, str]]:
        if not isinstance(body, dict):
            return [{"field": "body", "message": "must be a JSON object"}]
        errors: list[dict[str, str]] = []
        for key in (*_TEXT, *(f"{p}_{k}" for p in ("billing", "property") for k in _ADDRESS_KEYS)):
            if key in body and not isinstance(body[key], str):
                errors.append({"field": key, "message": "must be a string"})
        if "id" in body and (not isinstance(body["id"], str) or not _UUID_RE.match(body["id"])):
            errors.append({"field": "id", "message": "must be a valid UUID"})
        if "status" in body and body["status"] not in ("active", "inactive"):
            errors.append({"field": "status", "message": "must be one of active, inactive"})
        if "billing_same_as_property" in body and not isinstance(body["billing_same_as_property"], bool):
            errors.append({"field": "billing_same_as_property", "message": "must be a boolean"})
        if "tags" in body and (not isinstance(body["tags"], list)
                               or not all(isinstance(t, str) for t in body["tags"])):
            errors.append({"field": "tags", "message": "must be an array of strings"})
        email = body.get("email")
        if isinstance(email, str) and email and not _EMAIL_RE.match(email):
            errors.append({"field": "email", "message": "Invalid email"})
        return errors

    def find_match(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """Rotor's documented matching: phone first, then email (``None``: create)."""
        phone = body.get("phone") or ""
        email = (body.get("email") or "").strip().casefold()
        with self._store_lock:
            # Assumption: archived customers take part in matching, and the first match in
            # creation order wins.
            ordered = sorted(self.customers.values(), key=lambda r: (r["created_at"], r["id"]))
            if _digits(phone):
                for r in ordered:
                    if r.get("phone") and _same_phone(r["phone"], phone):
                        return r
            if email:
                for r in ordered:
                    if (r.get("email") or "").casefold() == email:
                        return r
        return None

    def _apply(self, record: dict[str, Any], body: Mapping[str, Any]) -> None:
        for key in (*_TEXT, "status", "billing_same_as_property"):
            if key in body:
                record[key] = body[key]
        for prefix, block in (("property", "property"), ("billing", "billing")):
            for key in _ADDRESS_KEYS:
                if f"{prefix}_{key}" in body:
                    record[block][key] = body[f"{prefix}_{key}"]
        if "tags" in body:
            # "Tags are merged (not replaced) when updating."
            merged = list(record.get("tags") or [])
            merged += [t for t in body["tags"] if t not in merged]
            record["tags"] = merged

    def _upsert(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return self._validation([{"field": "body", "message": "must be valid JSON"}])
        errors = self._validate_body(body)
        if errors:
            return self._validation(errors)
        with self._store_lock:
            if "id" in body:
                # "If id is provided, updates the customer with that ID."
                # Assumption: an unknown id is 404 (not a create).
                record = self.customers.get(body["id"])
                if record is None:
                    return self.error(404, "Not found")
            else:
                record = self.find_match(body)
            if record is not None:
                self._apply(record, body)
                self.updates += 1
                self._version += 1
                return json_response(200, self.flat_shape(record, "Customer updated successfully"))
            record = {
                "id": self._new_id(), "first_name": None, "last_name": None, "company_name": None,
                "email": None, "phone": None, "notes": None, "source": None, "status": "active",
                "tags": None, "created_at": _iso(self.clock()),
                "property": {}, "billing": {}, "billing_same_as_property": False,
                "service_type": None, "service_frequency": None, "location": None,
                "payment": False, "archived": False,
            }
            self._apply(record, body)
            self._add(record)
            self.creates += 1
            self._version += 1
            # Assumption: 201 for created, 200 for updated, as documented for leads.
            return json_response(201, self.flat_shape(record, "Customer created successfully"))
