"""An in-memory simulator of the Augno / OpenMRP sales-customer API.

Faithful to the vendor material (augno-retrieve-customer.txt, the April 2026 preview spec and
FACTS.md section 2):

* two generations of the wire shape, chosen by the version header (``1.0.forge-preview.1`` =
  the April spec: ``is_edi_enabled``, ``is_parent_account``, ``is_drop_ship``, ``page_info.
  next_cursor``, ``start_date``/``end_date``) or forced with ``generation=``; anything else is
  the current shape (``edi_status``, ``relationship_type``, address ``type``, ``page_info.
  next_page_url``, ``starts_at``/``ends_at``);
* include semantics: every sub-object is ``null`` unless named in ``include[]`` (or
  ``include=a,b``); nested includes (``defaults.payment_term``) expand their parent; include
  values the generation's documentation does not list are refused, as a strict server would
  (current: the retrieve page's ``bill_to_address``, ``ship_to_address``, ``type``; April: the
  spec's enum); ``includes="sdk"`` accepts the Go SDK's longer list in the current generation;
* address ``geolocation`` on the customer endpoints as each generation documents it: ``null``
  in the current one ("Always returned as null in this endpoint"), filled in the April spec's;
  the address endpoints (``GET /v1/sales/addresses`` paginated, ``GET .../{id}``) serve the
  street data;
* cursor pagination (``limit`` 1..1000, default 100), the list filters, create (201, required
  reference ids checked), PATCH (``null`` clears nullable fields), hard DELETE (409 while sales
  orders reference the customer; a few seeded customers have some);
* ``Idempotency-Key`` on POST/PATCH: an identical retry is replayed with ``Idempotent-Replayed:
  true``, a different body under the same key is refused;
* the ``{"error": {...}}`` envelope, the version header check, API-key modes (``aug_sk_test_``),
  and ``RateLimit-Limit/Remaining/Reset`` on every response with 20 requests/second enforced.

Assumptions where the vendor is silent (FACTS.md "Unknowns"): list order is creation order
(ids are ULID-like), ``q`` matches name, number and e-mail case-insensitively, the HTTP status
of each error code; the address endpoints follow the customer endpoints' generation
(``type`` vs ``is_drop_ship``, ``next_page_url`` vs ``next_cursor``), list addresses in
creation order, fill ``geolocation``, ``q`` matches name, street, locality and postal code, and
the customer keys may read them.
"""

from __future__ import annotations

import bisect
import collections
import functools
import hashlib
import itertools
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import unquote, urlencode

import attrs
import httpx

from custbridge.convert import parse_datetime
from custbridge.sandbox import SandboxApp, people
from custbridge.sandbox import json_response as _stdlib_json_response

from ._convert import CURRENT_INCLUDES, DOCPAGE_INCLUDES, PREVIEW1_INCLUDES
from .provider import AUGNO, LEGACY_VERSIONS, Brand

__all__ = ["AugnoSandbox"]

try:  # optional: a page of 1000 fully expanded customers is ~5 MB of JSON
    import orjson as _orjson
except ImportError:  # pragma: no cover - without the "fast" extra
    _orjson = None  # type: ignore[assignment]


def json_response(status_code: int, payload: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A JSON response as the vendor sends it (orjson when installed: same bytes semantics, faster)."""
    if _orjson is None:  # pragma: no cover
        return _stdlib_json_response(status_code, payload, headers)
    return httpx.Response(status_code, content=_orjson.dumps(payload),
                          headers={"content-type": "application/json", **(headers or {})})

CURRENT: Final = "current"
PREVIEW1: Final = "preview.1"
GENERATIONS: Final = (CURRENT, PREVIEW1)

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.([a-z][a-z0-9_]*)(-preview\.(\d+))?$")
_KNOWN_VERSIONS: Final = ("1.0.forge-preview.1", "1.0.forge-preview.2", "1.0.forge-preview.3")
_TRANSIENT: Final = frozenset({
    "rate_limit_exceeded", "internal_error", "service_unavailable", "external_service_error",
    "timeout", "connection_error", "request_timeout", "idempotency_in_progress",
})
_REF_EPOCH_MS: Final = 1_746_835_200_000  # 2025-05-10: reference data predates the customers


def _ulid(prefix: str, ms: int, entropy: int) -> str:
    """A ULID-like id (``ac_01gf7a8200er3ar3pkfrb6kk29``): 10 time chars + 16 entropy chars."""
    value = (ms << 80) | (entropy & ((1 << 80) - 1))
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return prefix + "".join(reversed(chars))


def _entropy(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=10).digest(), "big")


@functools.lru_cache(maxsize=1 << 16)
def _ts(value: datetime) -> str:
    """RFC 3339 at second precision, ``Z`` (``2026-05-10T00:00:00Z``, as in the vendor's examples)."""
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _ref_time(index: int) -> datetime:
    return datetime.fromtimestamp(_REF_EPOCH_MS / 1000 + index * 3600, tz=UTC)


@attrs.frozen
class _Currency:
    code: str
    name: str
    symbol: str
    decimals: int


_CURRENCIES: Final[tuple[_Currency, ...]] = (
    _Currency("USD", "US Dollar", "$", 2),
    _Currency("CAD", "Canadian Dollar", "CA$", 2),
    _Currency("EUR", "Euro", "€", 2),
    _Currency("GBP", "British Pound", "£", 2),
    _Currency("CHF", "Swiss Franc", "CHF", 2),
    _Currency("JPY", "Japanese Yen", "¥", 0),
)
_COUNTRY_CURRENCY: Final = {"US": "USD", "CA": "CAD", "GB": "GBP", "CH": "CHF", "JP": "JPY"}


def _display(value: Decimal, currency: _Currency) -> str:
    """``display_value`` as the vendor formats it: ``"$1,234.56"``."""
    number = f"{value:,.{currency.decimals}f}"
    return f"{currency.symbol} {number}" if currency.symbol.isalpha() else f"{currency.symbol}{number}"


class _Refusal(Exception):
    """Raised inside a handler to answer with the error envelope."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None,
                 idempotency: bool = False) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.idempotency = idempotency


@attrs.define
class _Stored:
    fingerprint: str
    status: int
    content: bytes


# Writable body keys per request (CreateCustomerRequest / UpdateCustomerRequest of the spec;
# edi_status is the current generation's name for is_edi_enabled).
_CREATE_KEYS: Final = frozenset({
    "name", "number", "note", "email", "phone", "url", "status", "is_edi_enabled", "edi_status",
    "commission_policy", "freight_policy", "default_carrier_id", "default_service_level_id",
    "default_payment_term_id", "default_shipping_term_id", "default_priority", "default_sales_rep_user_id",
    "customer_price_group_ids", "customer_type_group_id", "carrier_billing_type", "carrier_billing_account",
    "credit_limit", "bill_to_address", "ship_to_address",
})
_UPDATE_KEYS: Final = (_CREATE_KEYS - {"bill_to_address", "ship_to_address"}) | {
    "bill_to_address_id", "ship_to_address_id"}
_NULLABLE_ON_UPDATE: Final = frozenset({
    "note", "email", "phone", "url", "default_service_level_id", "default_sales_rep_user_id",
    "bill_to_address_id", "ship_to_address_id", "carrier_billing_account", "credit_limit",
})
_ENUMS: Final[Mapping[str, tuple[str, ...]]] = {
    "status": ("normal", "preferred", "hold_shipment", "hold_all"),
    "edi_status": ("enabled", "disabled"),
    "commission_policy": ("commission_applied", "commission_exempt"),
    "freight_policy": ("free_freight", "billed_freight"),
    "default_priority": ("low", "normal", "high"),
    "carrier_billing_type": ("sender", "third_party"),
}
_ADDRESS_KEYS: Final = frozenset({
    "name", "phone", "email", "type", "is_drop_ship", "street_line_1", "street_line_2", "locality",
    "state", "postal_code", "country",
})
_ARRAY_FILTERS: Final[Mapping[str, str]] = {
    "status_codes": "status", "commission_status_codes": "commission_policy",
    "freight_status_codes": "freight_status", "customer_group_ids": "type_group_id",
    "sales_rep_ids": "sales_rep_id", "shipping_term_ids": "shipping_term_id",
    "payment_term_ids": "payment_term_id", "carrier_ids": "carrier_id", "service_level_ids": "service_level_id",
    "pricing_group_ids": "price_group_ids",
}
_FILTER_ENUMS: Final[Mapping[str, tuple[str, ...]]] = {
    "status_codes": _ENUMS["status"], "commission_status_codes": _ENUMS["commission_policy"],
    "freight_status_codes": _ENUMS["freight_policy"],
}


def _matches_any(field: str, wanted: frozenset[str]) -> Callable[[dict[str, Any]], bool]:
    if field == "price_group_ids":
        return lambda r: bool(wanted.intersection(r["price_group_ids"]))
    return lambda r: r[field] in wanted


def _created_bound(bound: datetime, after: bool) -> Callable[[dict[str, Any]], bool]:
    if after:
        return lambda r: bool(r["created_at"] >= bound)
    return lambda r: bool(r["created_at"] <= bound)  # ends_at is inclusive


def _limit(single: Mapping[str, str]) -> int:
    """A list's ``limit`` (default 100, 1..1000), as the vendor checks it."""
    try:
        limit = int(single.get("limit", "100"))
    except ValueError:
        raise _Refusal(400, "limit must be an integer.", "invalid_format", "limit") from None
    if not 1 <= limit <= 1000:
        raise _Refusal(400, "limit must be between 1 and 1000.", "parameter_invalid", "limit")
    return limit


def _keyset_page(
    order: Sequence[str], cursor: str | None, limit: int, keep: Callable[[str], bool]
) -> tuple[list[str], str | None, str | None]:
    """One page of the ids in ``order`` that ``keep`` accepts, after ``cursor`` (an id) or, for
    ``before:<id>``, the page ending before it; with the next and previous cursors (or ``None``)."""
    if cursor and cursor.startswith("before:"):
        end = bisect.bisect_left(order, cursor[7:])
        found = [order[i] for i in range(end - 1, -1, -1) if keep(order[i])][: limit + 1]
        has_prev, page, has_next = len(found) > limit, list(reversed(found[:limit])), True
    else:
        start = bisect.bisect_right(order, cursor) if cursor else 0
        page, has_next = [], False
        for i in range(start, len(order)):
            if keep(order[i]):
                if len(page) == limit:
                    has_next = True
                    break
                page.append(order[i])
        has_prev = bool(page) and any(keep(order[i]) for i in range(bisect.bisect_left(order, page[0]) - 1, -1, -1))
    nxt = page[-1] if has_next and page else None
    prev = f"before:{page[0]}" if has_prev and page else None
    return page, nxt, prev


class AugnoSandbox(SandboxApp):
    """The Augno (or, with the OpenMRP brand, OpenMRP) API in memory.

    Args:
        seed, size: the seeded population (``custbridge.sandbox.people``).
        brand: host and header names (Augno or OpenMRP).
        generation: ``"current"`` or ``"preview.1"`` to force a wire shape; ``None`` follows
            the version header.
        geolocation: fill address street data on the customer endpoints; ``None`` (default):
            as each generation documents (current: ``null``, April: filled).
        includes: ``"documented"`` (default): accept only the include values the generation's
            documentation lists; ``"sdk"``: in the current generation, also the Go SDK's.
        rate_limit: ``(requests, seconds)`` enforced per client (``None`` disables enforcement;
            the ``RateLimit-*`` headers are always sent).
    """

    API_KEY: Final = "aug_sk_test_sandbox00000000000000000000"
    """The key the sandbox accepts (``client_settings`` passes it)."""
    READ_ONLY_KEY: Final = "aug_sk_test_readonly0000000000000000000"
    """A key whose role has only ``customers:read`` and ``suppliers:read``."""
    EXPIRED_KEY: Final = "aug_sk_test_expired00000000000000000000"
    REVOKED_KEY: Final = "aug_sk_test_revoked00000000000000000000"

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int = 100,
        brand: Brand = AUGNO,
        provider: str = "augno",
        generation: str | None = None,
        geolocation: bool | None = None,
        includes: str = "documented",
        rate_limit: tuple[int, float] | None = (20, 1.0),
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if generation is not None and generation not in GENERATIONS:
            raise ValueError(f"generation must be one of {GENERATIONS}, got {generation!r}")
        if includes not in ("documented", "sdk"):
            raise ValueError(f"includes must be 'documented' or 'sdk', got {includes!r}")
        self.includes = includes
        self.address_requests = 0
        """Requests to the address endpoints (the rest of ``requests_served`` is customers)."""
        self.provider = provider
        self.brand = brand
        self.base_url = brand.base_url
        self.generation = generation
        self.geolocation = geolocation
        self.rate_limit = rate_limit
        self.rate_limit_grace = 0.1
        """Seconds of tolerance for the client's clock when judging the window."""
        self.rate_limit_rejections = 0
        self.accounts_seen: set[str] = set()
        """Values of the account header seen (its purpose is undocumented)."""
        self.idempotent_replays = 0
        self.customers: dict[str, dict[str, Any]] = {}
        self.addresses: dict[str, dict[str, Any]] = {}
        self._address_order: list[str] = []
        self.sales_orders: dict[str, int] = {}
        """Sales orders referencing each customer (deleting such a customer is a conflict)."""
        self._order: list[str] = []
        self._numbers: set[str] = set()
        self._next_number = 100001
        self._last_ms = 0
        self._idempotency: dict[str, _Stored] = {}
        self._in_progress: set[str] = set()
        self._arrivals: collections.deque[float] = collections.deque()
        self._rl_lock = threading.Lock()
        self._store_lock = threading.RLock()
        self._log_ids = itertools.count(1)
        self._render_cache: dict[tuple[str, ...], dict[str, Any]] = {}
        self._build_references()
        self._seed(seed, size)

    # -- reference data -------------------------------------------------------------------

    def _ref(self, prefix: str, index: int) -> str:
        return _ulid(prefix, _REF_EPOCH_MS + index * 3_600_000, _entropy(prefix, index))

    def _build_references(self) -> None:
        made = itertools.count()

        def stamp(row: dict[str, Any]) -> dict[str, Any]:
            at = _ref_time(next(made))
            row["created_at"], row["updated_at"] = at, at
            return row

        self.account = stamp({"id": self._ref("ac_", 0), "name": "Sandbox Manufacturing Inc."})
        self.units = {
            c.code: stamp({"id": self._ref("un_", i), "currency": c}) for i, c in enumerate(_CURRENCIES)
        }
        self.groups: dict[str, dict[str, Any]] = {}
        for i, (name, kind, commission, freight) in enumerate((
            ("Wholesale Customers", "type_group", "commission_applied", "billed_freight"),
            ("Distributors", "type_group", "commission_applied", "billed_freight"),
            ("Retail", "type_group", "commission_exempt", "free_freight"),
            ("Preferred Pricing", "pricing_group", "commission_applied", "billed_freight"),
            ("Volume Tier 2", "pricing_group", "commission_applied", "billed_freight"),
            ("Clearance", "pricing_group", "commission_exempt", "billed_freight"),
        )):
            gid = self._ref("acgp_", i)
            self.groups[gid] = stamp({"id": gid, "name": name, "type": kind, "commission_policy": commission,
                                      "freight_policy": freight, "description": None})
        self.type_groups = [g for g in self.groups.values() if g["type"] == "type_group"]
        self.price_groups = [g for g in self.groups.values() if g["type"] == "pricing_group"]
        self.carriers: dict[str, dict[str, Any]] = {}
        self.service_levels: dict[str, dict[str, Any]] = {}
        for i, (name, code, levels) in enumerate((
            ("FedEx", "fedex", ("FedEx Ground", "FedEx 2Day")),
            ("UPS", "ups", ("UPS Ground", "UPS Next Day Air")),
            ("USPS", "usps", ("USPS Priority Mail",)),
        )):
            cid = self._ref("cr_", i)
            self.carriers[cid] = stamp({"id": cid, "name": name, "code": code, "levels": []})
            for j, level in enumerate(levels):
                sid = self._ref("crop_", i * 10 + j)
                self.service_levels[sid] = stamp({
                    "id": sid, "name": level, "token": level.lower().replace(" ", "_"),
                    "is_default": j == 0, "carrier_id": cid,
                })
                self.carriers[cid]["levels"].append(sid)
        self.payment_terms = {
            (tid := self._ref("pytm_", i)): stamp({"id": tid, "name": name})
            for i, name in enumerate(("Net 30", "Net 60", "Due on Receipt"))
        }
        self.shipping_terms = {
            (tid := self._ref("shtm_", i)): stamp({"id": tid, "name": name, "type": kind})
            for i, (name, kind) in enumerate((("Prepaid", "carrier_rate_freight"),
                                              ("Free Freight", "free_freight"),
                                              ("Flat Rate", "flat_rate_freight")))
        }
        self.priorities = {
            code: stamp({"id": self._ref("pi_", i), "code": code, "name": code.title()})
            for i, code in enumerate(("low", "normal", "high"))
        }
        self.priority_ids = {p["id"]: code for code, p in self.priorities.items()}
        self.sales_reps = {
            (uid := self._ref("us_", i)): stamp({"id": uid, "name": name, "username": user,
                                                 "email": f"{user}@sandbox-manufacturing.example"})
            for i, (name, user) in enumerate((("John Doe", "jdoe"), ("Ana Ruiz", "aruiz"), ("Kenji Mori", "kmori")))
        }

    def reference_ids(self) -> dict[str, str]:
        """Ids valid for create: the defaults ``client_settings`` passes."""
        return {
            "customer_type_group_id": self.type_groups[0]["id"],
            "default_carrier_id": next(iter(self.carriers)),
            "default_payment_term_id": next(iter(self.payment_terms)),
            "default_shipping_term_id": next(iter(self.shipping_terms)),
            "credit_limit_unit_id": self.units["USD"]["id"],
        }

    def customer_count(self) -> int:
        """How many customers the simulated vendor stores."""
        return len(self.customers)

    def create_requirements(self) -> dict[str, Any]:
        """``vendor_fields`` that make any create valid here: reference ids and a vendor address."""
        address: dict[str, Any] = {"name": "Head Office", "locality": "Columbus", "state": "OH", "country": "US"}
        if self.generation == PREVIEW1:
            address["is_drop_ship"] = False
        refs = self.reference_ids()
        refs.pop("credit_limit_unit_id")
        return {**refs, "bill_to_address": address}

    # -- the seeded population ------------------------------------------------------------

    def _seed(self, seed: int, size: int) -> None:
        rows = []
        for index, person in enumerate(people(seed, size, namespace="augno")):
            rng = random.Random(_entropy("augno", seed, person.uid))
            created = person.created_at.replace(microsecond=0)
            rows.append((created, index, person, rng))
        rows.sort(key=lambda r: (r[0], r[1]))
        carriers = list(self.carriers.values())
        terms = list(self.payment_terms)
        shipping = list(self.shipping_terms)
        reps = list(self.sales_reps)
        for position, (created, _index, p, rng) in enumerate(rows):
            ms = int(created.timestamp() * 1000)
            cid = _ulid("ac_", ms, _entropy("customer", seed, p.uid))
            a = p.address
            bill = self._new_address(
                "Headquarters" if p.company else "Main Office", created, rng,
                street_line_1=a.line1, street_line_2=a.line2, locality=a.city, state=a.region,
                postal_code=a.postal_code, country=a.country,
            )
            if rng.random() < 0.25:
                ship = self._new_address(
                    "Warehouse", created, rng, street_line_1=f"{rng.randint(1, 99)} Logistics Park",
                    street_line_2=None, locality=a.city, state=a.region, postal_code=a.postal_code,
                    country=a.country, drop_ship=rng.random() < 0.2,
                )
            else:
                ship = bill
            carrier = rng.choice(carriers)
            credit = None
            if rng.random() < 0.7:
                currency = _COUNTRY_CURRENCY.get(a.country, "EUR" if a.country != "US" else "USD")
                amount = Decimal(rng.choice(("5000.00", "10000.00", "25000.00", "50000.00", "1234.56", "7500.50")))
                if currency == "JPY":
                    amount = (amount * 100).quantize(Decimal(1))
                credit = {"id": _ulid("qty_", ms, _entropy("qty", p.uid)), "value": amount, "currency": currency}
            third_party = rng.random() < 0.1
            record = {
                "id": cid,
                "name": p.company or f"{p.first_name} {p.last_name}",
                "number": str(self._next_number + position),
                "status": (rng.choice(("normal", "normal", "normal", "preferred")) if p.active
                           else rng.choice(("hold_shipment", "hold_all"))),
                "edi": rng.random() < 0.2,
                "commission_policy": "commission_applied" if rng.random() < 0.6 else "commission_exempt",
                "note": p.notes,
                "credit": credit,
                "email": self._vary_email(p.email, rng),
                "phone": self._vary_phone(p.phone) if rng.random() < 0.92 else None,
                "url": p.website,
                "freight_status": "free_freight" if rng.random() < 0.2 else "billed_freight",
                "carrier_id": carrier["id"],
                "service_level_id": rng.choice(carrier["levels"]),
                "billing_type": "third_party" if third_party else "sender",
                "billing_account": str(rng.randint(100000000, 999999999)) if third_party else None,
                "payment_term_id": rng.choice(terms),
                "shipping_term_id": rng.choice(shipping),
                "priority": rng.choice(("normal", "normal", "low", "high")),
                "sales_rep_id": rng.choice(reps) if rng.random() < 0.7 else None,
                "accepts_invoice_emails": rng.random() < 0.8,
                "bill_to": bill["id"],
                "ship_to": ship["id"],
                "type_group_id": rng.choice(self.type_groups)["id"],
                "price_group_ids": [g["id"] for g in rng.sample(self.price_groups, rng.randint(0, 2))],
                "parent_id": None,
                "child_ids": [],
                "created_at": created,
                "updated_at": max(p.updated_at.replace(microsecond=0), created),
            }
            self._insert(record)
            if position % 7 == 3:
                self.sales_orders[cid] = 1 + position % 4
            self._last_ms = max(self._last_ms, ms)
        self._next_number += len(rows)
        # Every 20th customer is a parent account with the next two as its children.
        for start in range(0, len(self._order) - 2, 20):
            parent = self.customers[self._order[start]]
            for child_id in self._order[start + 1:start + 3]:
                parent["child_ids"].append(child_id)
                self.customers[child_id]["parent_id"] = parent["id"]

    @staticmethod
    def _vary_email(email: str, rng: random.Random) -> str:
        """Vary the shared people's formatting a little: some addresses come capitalised."""
        if rng.random() < 0.25:
            local, _, domain = email.partition("@")
            return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
        return email

    @staticmethod
    def _vary_phone(phone: str) -> str:
        """North American numbers in national format (``"212-555-0142"``), others E.164."""
        if phone.startswith("+1") and len(phone) == 12:
            digits = phone[2:]
            return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
        return phone

    def _new_address(
        self, name: str, created: datetime, rng: random.Random, *, drop_ship: bool = False,
        phone: str | None = None, email: str | None = None, **street: str | None,
    ) -> dict[str, Any]:
        ms = int(created.timestamp() * 1000)
        aid = _ulid("ad_", ms, rng.getrandbits(80))
        row = {"id": aid, "geo_id": _ulid("gl_", ms, rng.getrandbits(80)), "name": name, "phone": phone,
               "email": email, "drop_ship": drop_ship, "created_at": created, "updated_at": created, **street}
        self.addresses[aid] = row
        bisect.insort(self._address_order, aid)
        return row

    def _insert(self, record: dict[str, Any]) -> None:
        self.customers[record["id"]] = record
        bisect.insort(self._order, record["id"])
        self._numbers.add(record["number"])

    def _now_ms(self) -> int:
        now = int(time.time() * 1000)
        self._last_ms = max(now, self._last_ms + 1)
        return self._last_ms

    # -- framework hooks ------------------------------------------------------------------

    def client_settings(self, base_url: str) -> dict[str, Any]:
        settings: dict[str, Any] = {"api_key": self.API_KEY, "base_url": base_url, **self.reference_ids()}
        if self.generation == PREVIEW1:
            settings["api_version"] = "1.0.forge-preview.1"
        elif self.includes == "sdk":  # this server accepts the SDK's list: ask for everything
            settings["include"] = "all"
        return settings

    def _street_data(self, generation: str) -> bool:
        """Whether the customer endpoints fill address ``geolocation``."""
        return self.geolocation if self.geolocation is not None else generation == PREVIEW1

    def _bearer(self, request: httpx.Request) -> str | None:
        value = request.headers.get("authorization", "")
        return value[7:] if value.startswith("Bearer ") else None

    def authorized(self, request: httpx.Request) -> bool:
        return self._bearer(request) in (self.API_KEY, self.READ_ONLY_KEY)

    def auth_failure(self, request: httpx.Request) -> httpx.Response:
        key = self._bearer(request)
        if not self.reject_auth and key == self.EXPIRED_KEY:
            return self.error(401, "The API key has expired.", "api_key_expired")
        if not self.reject_auth and key == self.REVOKED_KEY:
            return self.error(401, "The API key has been revoked.", "api_key_revoked")
        if key is None:
            return self.error(401, "No API key provided. Send 'Authorization: Bearer <key>'.", "invalid_credentials")
        return self.error(401, "Invalid API key provided.", "invalid_credentials")

    def error(self, status_code: int, message: str, code: str | None = None, **extra: Any) -> httpx.Response:
        """The vendor's envelope: ``{"error": {code, type, message, param, doc_url, ...}}``."""
        code = code or "internal_error"
        if code.startswith("idempotency") or extra.get("idempotency"):
            kind = "idempotency_error"
        elif status_code >= 500:
            kind = "api_error"
        else:
            kind = "invalid_request_error"
        body = {
            "code": code,
            "type": kind,
            "message": message,
            "param": extra.get("param"),
            # As in the spec's example: https://docs.augno.com/api/errors#validation-failed
            "doc_url": f"{self.brand.docs_url}/api/errors#{code.replace('_', '-')}" if self.brand.docs_url else None,
            "is_transient": code in _TRANSIENT,
            "quota": extra.get("quota"),
            "request_log_url": f"{self.base_url}/_sandbox/request-logs/req_{next(self._log_ids):06d}",
        }
        return json_response(status_code, {"error": body})

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Rate-limit window first (the vendor counts every request per IP), then the framework."""
        limited, headers = self._window()
        if limited is not None:
            with self._lock:
                self.requests_served += 1
                self.rate_limit_rejections += 1
            response = self.error(429, "Too many requests. Slow down to 20 requests per second.", "rate_limit_exceeded")
            response.headers["Retry-After"] = str(limited)
        else:
            response = super().handle(request)
        for name, value in headers.items():
            response.headers[name] = value
        return response

    def _window(self) -> tuple[int | None, dict[str, str]]:
        """Book this arrival; return (seconds to wait if over the limit, RateLimit-* headers)."""
        limit, per = self.rate_limit or (20, 1.0)
        now = time.monotonic()
        with self._rl_lock:
            while self._arrivals and self._arrivals[0] <= now - per:
                self._arrivals.popleft()
            recent = sum(1 for t in self._arrivals if t > now - per + self.rate_limit_grace)
            over = self.rate_limit is not None and recent >= limit
            if not over:
                self._arrivals.append(now)
            remaining = max(0, limit - len(self._arrivals))
            reset = math.ceil(self._arrivals[0] + per - now) if self._arrivals else 0
        headers = {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining),
                   "RateLimit-Reset": str(max(reset, 1 if over else 0))}
        return (max(1, reset) if over else None), headers

    # -- routing --------------------------------------------------------------------------

    def _generation(self, request: httpx.Request) -> str:
        if self.generation is not None:
            return self.generation
        return PREVIEW1 if request.headers.get(self.brand.version_header) in LEGACY_VERSIONS else CURRENT

    def _check_version(self, request: httpx.Request) -> None:
        header = self.brand.version_header
        value = request.headers.get(header)
        if not value:
            raise _Refusal(400, f"The {header} header is required.", "api_version_required", header)
        match = _VERSION_RE.match(value)
        if match is None:
            raise _Refusal(400, f"Invalid {header}: {value!r}.", "api_version_invalid", header)
        if value in _KNOWN_VERSIONS:
            return
        if (int(match.group(1)), int(match.group(2))) < (1, 0):
            raise _Refusal(400, f"{header} {value!r} is no longer supported.", "api_version_too_old", header)
        raise _Refusal(400, f"Unknown {header}: {value!r}.", "api_version_invalid", header)

    def is_customer_listing(self, request: httpx.Request) -> bool:
        """Customer reads only: the address endpoints serve completion, not the listing."""
        return request.method == "GET" and "/sales/addresses" not in request.url.path

    def route(self, request: httpx.Request) -> httpx.Response:
        account = request.headers.get(self.brand.account_header)
        if account:
            self.accounts_seen.add(account)
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        parts = [unquote(p) for p in raw_path.strip("/").split("/")]
        try:
            self._check_version(request)
            generation = self._generation(request)
            # Assumption: the customer keys may read addresses (their permission is undocumented).
            if parts[:3] == ["v1", "sales", "addresses"] and len(parts) <= 4:
                with self._lock:
                    self.address_requests += 1
                if request.method != "GET":  # only reads are simulated
                    raise _Refusal(405, f"Method {request.method} is not allowed here.", "method_not_allowed")
                if len(parts) == 3:
                    return self._list_addresses(request, generation)
                return self._get_address(request, parts[3], generation)
            if parts[:3] != ["v1", "sales", "customers"] or len(parts) > 4:
                raise _Refusal(404, f"Unrecognized request URL ({request.method} {raw_path}).", "resource_not_found")
            if request.method != "GET" and self._bearer(request) == self.READ_ONLY_KEY:
                needed = {"POST": "customers:create", "PATCH": "customers:update", "DELETE": "customers:delete"}
                raise _Refusal(403, f"This API key lacks the {needed.get(request.method, 'required')} permission.",
                               "insufficient_permissions")
            if len(parts) == 3:
                if request.method == "GET":
                    return self._list(request, generation)
                if request.method == "POST":
                    return self._idempotent(request, lambda: self._create(request, generation))
            else:
                customer_id = parts[3]
                if request.method == "GET":
                    return self._get(request, customer_id, generation)
                if request.method == "PATCH":
                    return self._idempotent(request, lambda: self._update(request, customer_id, generation))
                if request.method == "DELETE":
                    return self._delete(customer_id)
            raise _Refusal(405, f"Method {request.method} is not allowed here.", "method_not_allowed")
        except _Refusal as refusal:
            return self.error(refusal.status, refusal.message, refusal.code, param=refusal.param,
                              idempotency=refusal.idempotency)

    # -- idempotency ----------------------------------------------------------------------

    def _idempotent(self, request: httpx.Request, run: Callable[[], httpx.Response]) -> httpx.Response:
        """Replay an identical POST/PATCH under the same ``Idempotency-Key``; refuse a different one."""
        key = request.headers.get("idempotency-key")
        if not key:
            return run()
        try:
            canonical = json.dumps(json.loads(request.content or b"null"), sort_keys=True)
        except ValueError:
            canonical = request.content.decode("utf-8", "replace")
        fingerprint = f"{request.method} {request.url.raw_path.decode('ascii')} {canonical}"
        with self._store_lock:
            stored = self._idempotency.get(key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise _Refusal(400, "This Idempotency-Key was already used with a different request.",
                                   "parameter_invalid", "Idempotency-Key", idempotency=True)
                self.idempotent_replays += 1
                return httpx.Response(stored.status, content=stored.content, headers={
                    "content-type": "application/json", "Idempotent-Replayed": "true"})
            if key in self._in_progress:
                return self.error(409, "A request with this Idempotency-Key is in progress.", "idempotency_in_progress")
            self._in_progress.add(key)
        try:
            try:
                response = run()
            except _Refusal as refusal:
                response = self.error(refusal.status, refusal.message, refusal.code, param=refusal.param,
                                      idempotency=refusal.idempotency)
            content = response.read()
            # A deterministic result (success or client error) is replayed; a transient one re-runs.
            if response.status_code < 500 and response.status_code != 429:
                with self._store_lock:
                    self._idempotency[key] = _Stored(fingerprint, response.status_code, content)
            return response
        finally:
            with self._store_lock:
                self._in_progress.discard(key)

    # -- query parsing --------------------------------------------------------------------

    @staticmethod
    def _array(params: list[tuple[str, str]], name: str) -> list[str] | None:
        """Values of an array parameter in either syntax (``name[]=a&name[]=b`` or ``name=a,b``)."""
        values = [v for k, v in params if k in (name, f"{name}[]")]
        if not values:
            return None
        return [item.strip() for value in values for item in value.split(",") if item.strip()]

    def _includes(self, params: list[tuple[str, str]], generation: str) -> frozenset[str]:
        names = self._array(params, "include") or []
        if generation == PREVIEW1:
            known = PREVIEW1_INCLUDES
        else:  # the retrieve page's enum, or (includes="sdk") the Go SDK's
            known = CURRENT_INCLUDES if self.includes == "sdk" else DOCPAGE_INCLUDES
        for name in names:
            if name not in known:
                raise _Refusal(400, f"Invalid include value {name!r}. Valid values: {', '.join(known)}.",
                               "parameter_invalid", "include")
        expanded: set[str] = set()
        for name in names:  # a nested include expands its parents
            parts = name.split(".")
            expanded.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        return frozenset(expanded)

    @staticmethod
    def _check_params(params: list[tuple[str, str]], allowed: Iterable[str]) -> None:
        names = set(allowed)
        for key, _ in params:
            base = key[:-2] if key.endswith("[]") else key
            if base not in names:
                raise _Refusal(400, f"Unknown parameter {key!r}.", "parameter_unknown", key)

    # -- handlers -------------------------------------------------------------------------

    def _get(self, request: httpx.Request, customer_id: str, generation: str) -> httpx.Response:
        params = list(request.url.params.multi_items())
        self._check_params(params, ("include",))
        includes = self._includes(params, generation)
        record = self.customers.get(customer_id)
        if record is None:
            raise _Refusal(404, f"No such customer: {customer_id!r}.", "resource_not_found", "id")
        return json_response(200, self._customer(record, includes, generation))

    def _get_address(self, request: httpx.Request, address_id: str, generation: str) -> httpx.Response:
        self._check_params(list(request.url.params.multi_items()), ())
        if address_id not in self.addresses:
            raise _Refusal(404, f"No such address: {address_id!r}.", "resource_not_found", "id")
        # Assumption: the address endpoints fill geolocation (the spec's examples do; the "always
        # null" note is the customer endpoint's).
        return json_response(200, self._address(address_id, generation, street=True))

    def _list_addresses(self, request: httpx.Request, generation: str) -> httpx.Response:
        """``GET /v1/sales/addresses``: ``cursor``, ``limit`` (default 100, max 1000), ``q``, ``drop_ship``."""
        # Assumption: creation order, the customers' page_info shape per generation (the spec shows
        # only the April next_cursor), and q matching name, street, locality and postal code.
        params = list(request.url.params.multi_items())
        self._check_params(params, ("cursor", "limit", "q", "drop_ship"))
        single = dict(params)
        limit = _limit(single)
        checks: list[Callable[[dict[str, Any]], bool]] = []
        if "drop_ship" in single:
            if single["drop_ship"] not in ("true", "false"):
                raise _Refusal(400, "drop_ship must be true or false.", "parameter_invalid", "drop_ship")
            wanted = single["drop_ship"] == "true"
            checks.append(lambda a: bool(a["drop_ship"]) == wanted)
        q = single.get("q", "").strip().casefold()
        if q:
            fields = ("name", "street_line_1", "street_line_2", "locality", "postal_code")
            checks.append(lambda a: any(q in (a.get(f) or "").casefold() for f in fields))
        with self._store_lock:
            page, nxt, prev = _keyset_page(
                self._address_order, single.get("cursor"), limit,
                lambda aid: all(check(self.addresses[aid]) for check in checks),
            )
            data = [self._address(aid, generation, street=True) for aid in page]
        return json_response(200, {
            "object": "list",
            "page_info": self._page_info(generation, nxt, prev, params, "/v1/sales/addresses"),
            "data": data,
        })

    def _list(self, request: httpx.Request, generation: str) -> httpx.Response:
        params = list(request.url.params.multi_items())
        dates = ("start_date", "end_date", "is_parent_account") if generation == PREVIEW1 else (
            "starts_at", "ends_at", "parent_account_status")
        self._check_params(params, ("limit", "cursor", "q", "city", "state", "postal_code", "include",
                                    *_ARRAY_FILTERS, *dates))
        includes = self._includes(params, generation)
        single = dict(params)
        limit = _limit(single)
        keep = self._filter(params, single, dates)
        with self._store_lock:
            page, nxt, prev = _keyset_page(
                self._order, single.get("cursor"), limit, lambda cid: keep(self.customers[cid])
            )
            data = [self._customer(self.customers[cid], includes, generation) for cid in page]
        return json_response(200, {
            "object": "list",
            "page_info": self._page_info(generation, nxt, prev, params, "/v1/sales/customers"),
            "data": data,
        })

    def _page_info(self, generation: str, nxt: str | None, prev: str | None,
                   params: list[tuple[str, str]] | None = None, path: str = "") -> dict[str, Any]:
        if generation == PREVIEW1:
            return {"next_cursor": nxt, "prev_cursor": prev, "has_next_page": nxt is not None,
                    "has_prev_page": prev is not None}

        def link(cursor: str | None) -> str | None:
            if cursor is None or params is None:
                return None
            query = [(k, v) for k, v in params if k != "cursor"] + [("cursor", cursor)]
            return f"{path}?{urlencode(query)}"

        return {"next_page_url": link(nxt), "previous_page_url": link(prev), "has_next_page": nxt is not None,
                "has_prev_page": prev is not None}

    def _filter(self, params: list[tuple[str, str]], single: Mapping[str, str],
                dates: tuple[str, str, str]) -> Callable[[dict[str, Any]], bool]:
        checks: list[Callable[[dict[str, Any]], bool]] = []
        q = single.get("q", "").strip().casefold()
        if q:
            checks.append(lambda r: q in r["name"].casefold() or q in r["number"] or q in (r["email"] or "").casefold())
        for name, field in _ARRAY_FILTERS.items():
            values = self._array(params, name)
            if values is None:
                continue
            allowed = _FILTER_ENUMS.get(name)
            bad = [v for v in values if allowed is not None and v not in allowed]
            if bad:
                raise _Refusal(400, f"Invalid value {bad[0]!r} for {name}.", "parameter_invalid", name)
            checks.append(_matches_any(field, frozenset(values)))
        start_key, end_key, parent_key = dates
        for key, after in ((start_key, True), (end_key, False)):
            if key in single:
                try:
                    bound = parse_datetime(single[key])
                except (TypeError, ValueError):
                    raise _Refusal(400, f"{key} must be an RFC 3339 timestamp.", "invalid_format", key) from None
                checks.append(_created_bound(bound, after))
        if parent_key in single:
            value = single[parent_key]
            accepted = ("true", "false") if parent_key == "is_parent_account" else ("parent", "non_parent")
            if value not in accepted:
                raise _Refusal(400, f"{parent_key} must be one of {', '.join(accepted)}.", "parameter_invalid",
                               parent_key)
            parent = value in ("true", "parent")
            checks.append(lambda r: bool(r["child_ids"]) == parent)
        where = {k: single[k].casefold() for k in ("city", "state", "postal_code") if single.get(k)}
        if where:
            column = {"city": "locality", "state": "state", "postal_code": "postal_code"}

            def at(r: dict[str, Any]) -> bool:  # one address must match every given part
                for aid in {r["bill_to"], r["ship_to"]} - {None}:
                    address = self.addresses[aid]
                    if all((address.get(column[k]) or "").casefold() == v for k, v in where.items()):
                        return True
                return False

            checks.append(at)
        return lambda r: all(check(r) for check in checks)

    def _body(self, request: httpx.Request) -> dict[str, Any]:
        try:
            body = json.loads(request.content or b"")
        except ValueError:
            raise _Refusal(400, "The request body is not valid JSON.", "invalid_format") from None
        if not isinstance(body, dict):
            raise _Refusal(400, "The request body must be a JSON object.", "invalid_format")
        return body

    def _validate(self, body: Mapping[str, Any], allowed: frozenset[str], generation: str) -> None:
        for key, value in body.items():
            if key not in allowed:
                raise _Refusal(400, f"Unknown parameter {key!r}.", "parameter_unknown", key)
            if key in _ENUMS and value is not None and value not in _ENUMS[key]:
                raise _Refusal(400, f"Invalid {key}: must be one of {', '.join(_ENUMS[key])}.",
                               "parameter_invalid", key)
        checks: tuple[tuple[str, Mapping[str, Any], str], ...] = (
            ("customer_type_group_id", {g["id"]: g for g in self.type_groups}, "customer type group"),
            ("default_carrier_id", self.carriers, "carrier"),
            ("default_service_level_id", self.service_levels, "service level"),
            ("default_payment_term_id", self.payment_terms, "payment term"),
            ("default_shipping_term_id", self.shipping_terms, "shipping term"),
            ("default_sales_rep_user_id", self.sales_reps, "account user"),
        )
        for key, table, what in checks:
            value = body.get(key)
            if value is not None and (not isinstance(value, str) or value not in table):
                raise _Refusal(400, f"No such {what}: {value!r}.", "parameter_invalid", key)
        groups = body.get("customer_price_group_ids")
        if groups is not None:
            pricing = {g["id"] for g in self.price_groups}
            if not isinstance(groups, list) or any(g not in pricing for g in groups):
                raise _Refusal(400, "customer_price_group_ids must list pricing group ids.", "parameter_invalid",
                               "customer_price_group_ids")
        for key in ("name", "number", "note", "email", "phone", "url", "carrier_billing_account"):
            value = body.get(key)
            if value is not None and not isinstance(value, str):
                raise _Refusal(400, f"{key} must be a string.", "invalid_format", key)
        if body.get("name") is not None and not body["name"].strip():
            raise _Refusal(400, "name must not be empty.", "validation_failed", "name")
        credit = body.get("credit_limit")
        if credit is not None:
            units = {u["id"]: code for code, u in self.units.items()}
            if not isinstance(credit, dict) or set(credit) != {"value", "unit_id"}:
                raise _Refusal(400, "credit_limit must be {value, unit_id}.", "invalid_format", "credit_limit")
            if credit["unit_id"] not in units:
                raise _Refusal(400, f"No such unit: {credit['unit_id']!r}.", "parameter_invalid",
                               "credit_limit.unit_id")
            try:
                value = Decimal(str(credit["value"]))
            except InvalidOperation:
                raise _Refusal(400, "credit_limit.value must be a decimal string.", "invalid_format",
                               "credit_limit.value") from None
            if not isinstance(credit["value"], str) or not value.is_finite() or value < 0:
                raise _Refusal(400, "credit_limit.value must be a non-negative decimal string.", "invalid_format",
                               "credit_limit.value")

    def _address_input(self, value: Any, key: str, generation: str, created: datetime) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _Refusal(400, f"{key} must be an object.", "invalid_format", key)
        for field in value:
            if field not in _ADDRESS_KEYS or field == ("type" if generation == PREVIEW1 else "is_drop_ship"):
                raise _Refusal(400, f"Unknown parameter {key}.{field}.", "parameter_unknown", f"{key}.{field}")
        required = ("name", "country", "is_drop_ship") if generation == PREVIEW1 else ("name", "country")
        for field in required:
            if value.get(field) is None:
                raise _Refusal(400, f"{key}.{field} is required.", "missing_field", f"{key}.{field}")
        country = value["country"]
        if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
            raise _Refusal(400, f"{key}.country must be an ISO 3166-1 alpha-2 code.", "invalid_format",
                           f"{key}.country")
        if value.get("type") not in (None, "standard", "drop_ship"):
            raise _Refusal(400, f"{key}.type must be standard or drop_ship.", "parameter_invalid", f"{key}.type")
        drop_ship = bool(value.get("is_drop_ship")) or value.get("type") == "drop_ship"
        street = {k: value.get(k) for k in ("street_line_1", "street_line_2", "locality", "state", "postal_code")}
        rng = random.Random(_entropy("address", key, created.timestamp(), len(self.addresses)))
        return self._new_address(value["name"], created, rng, drop_ship=drop_ship, phone=value.get("phone"),
                                 email=value.get("email"), country=country, **street)

    def _create(self, request: httpx.Request, generation: str) -> httpx.Response:
        params = list(request.url.params.multi_items())
        self._check_params(params, ("include",))
        includes = self._includes(params, generation)
        body = self._body(request)
        self._validate(body, _CREATE_KEYS, generation)
        required = ["name", "bill_to_address", "ship_to_address", "customer_type_group_id", "default_carrier_id",
                    "default_payment_term_id", "default_shipping_term_id"]
        if generation == PREVIEW1:
            required.append("customer_price_group_ids")
        for key in required:
            if body.get(key) is None:
                raise _Refusal(400, f"{key} is required.", "missing_field", key)
        with self._store_lock:
            number = body.get("number")
            if number is not None and number in self._numbers:
                raise _Refusal(409, f"A customer with number {number!r} already exists.", "resource_exists", "number")
            ms = self._now_ms()
            created = datetime.fromtimestamp(ms / 1000, tz=UTC).replace(microsecond=0)
            if number is None:  # auto-assigned sequentially
                while str(self._next_number) in self._numbers:
                    self._next_number += 1
                number = str(self._next_number)
            bill = self._address_input(body["bill_to_address"], "bill_to_address", generation, created)
            ship = self._address_input(body["ship_to_address"], "ship_to_address", generation, created)
            carrier = self.carriers[body["default_carrier_id"]]
            credit = body.get("credit_limit")
            edi = body.get("edi_status") == "enabled" or bool(body.get("is_edi_enabled"))
            record = {
                "id": _ulid("ac_", ms, _entropy("created", ms, number)),
                "name": body["name"], "number": number, "status": body.get("status", "normal"), "edi": edi,
                "commission_policy": body.get("commission_policy", "commission_exempt"),
                "note": body.get("note"),
                "credit": None if credit is None else self._credit(credit, ms),
                "email": body.get("email"), "phone": body.get("phone"), "url": body.get("url"),
                "freight_status": body.get("freight_policy", "billed_freight"),
                "carrier_id": carrier["id"],
                "service_level_id": body.get("default_service_level_id"),
                "billing_type": body.get("carrier_billing_type", "sender"),
                "billing_account": body.get("carrier_billing_account"),
                "payment_term_id": body["default_payment_term_id"],
                "shipping_term_id": body["default_shipping_term_id"],
                "priority": body.get("default_priority", "normal"),
                "sales_rep_id": body.get("default_sales_rep_user_id"),
                "accepts_invoice_emails": True,
                "bill_to": bill["id"], "ship_to": ship["id"],
                "type_group_id": body["customer_type_group_id"],
                "price_group_ids": list(body.get("customer_price_group_ids") or []),
                "parent_id": None, "child_ids": [],
                "created_at": created, "updated_at": created,
            }
            self._insert(record)
            return json_response(201, self._customer(record, includes, generation))

    def _credit(self, credit: Mapping[str, str], ms: int) -> dict[str, Any]:
        code = next(c for c, u in self.units.items() if u["id"] == credit["unit_id"])
        return {"id": _ulid("qty_", ms, _entropy("qty", ms, credit["value"])), "value": Decimal(credit["value"]),
                "currency": code}

    def _update(self, request: httpx.Request, customer_id: str, generation: str) -> httpx.Response:
        params = list(request.url.params.multi_items())
        self._check_params(params, ("include",))
        includes = self._includes(params, generation)
        body = self._body(request)
        self._validate(body, _UPDATE_KEYS, generation)
        with self._store_lock:
            record = self.customers.get(customer_id)
            if record is None:
                raise _Refusal(404, f"No such customer: {customer_id!r}.", "resource_not_found", "id")
            for key, value in body.items():
                if value is None and key not in _NULLABLE_ON_UPDATE:
                    raise _Refusal(400, f"{key} cannot be null.", "parameter_invalid", key)
            for key in ("bill_to_address_id", "ship_to_address_id"):
                if body.get(key) is not None and body[key] not in self.addresses:
                    raise _Refusal(400, f"No such address: {body[key]!r}.", "parameter_invalid", key)
            number = body.get("number")
            if number is not None and number != record["number"] and number in self._numbers:
                raise _Refusal(409, f"A customer with number {number!r} already exists.", "resource_exists", "number")
            if number is not None:
                self._numbers.discard(record["number"])
                self._numbers.add(number)
            simple = {"name": "name", "number": "number", "note": "note", "status": "status", "email": "email",
                      "phone": "phone", "url": "url", "commission_policy": "commission_policy",
                      "freight_policy": "freight_status", "default_carrier_id": "carrier_id",
                      "default_service_level_id": "service_level_id", "default_payment_term_id": "payment_term_id",
                      "default_shipping_term_id": "shipping_term_id", "default_priority": "priority",
                      "default_sales_rep_user_id": "sales_rep_id", "customer_type_group_id": "type_group_id",
                      "carrier_billing_type": "billing_type", "carrier_billing_account": "billing_account",
                      "bill_to_address_id": "bill_to", "ship_to_address_id": "ship_to"}
            for key, field in simple.items():
                if key in body:
                    record[field] = body[key]
            if "customer_price_group_ids" in body:  # replaces the whole set
                record["price_group_ids"] = list(body["customer_price_group_ids"])
            if "is_edi_enabled" in body:
                record["edi"] = bool(body["is_edi_enabled"])
            if "edi_status" in body:
                record["edi"] = body["edi_status"] == "enabled"
            if "credit_limit" in body:
                credit = body["credit_limit"]
                record["credit"] = None if credit is None else self._credit(credit, self._now_ms())
            record["updated_at"] = datetime.fromtimestamp(self._now_ms() / 1000, tz=UTC).replace(microsecond=0)
            return json_response(200, self._customer(record, includes, generation))

    def remove_customer(self, customer_id: str) -> None:
        """Delete the customer as its owner would: its sales orders go first (else 409)."""
        with self._store_lock:
            self.sales_orders.pop(customer_id, None)
        super().remove_customer(customer_id)

    def _delete(self, customer_id: str) -> httpx.Response:
        with self._store_lock:
            record = self.customers.get(customer_id)
            if record is None:
                raise _Refusal(404, f"No such customer: {customer_id!r}.", "resource_not_found", "id")
            orders = self.sales_orders.get(customer_id, 0)
            if orders:
                raise _Refusal(
                    409, f"Customer {customer_id} cannot be deleted: {orders} sales order(s) reference it. "
                         "Delete or reassign them first, or merge the customer.", "resource_conflict")
            del self.customers[customer_id]
            self._order.remove(customer_id)
            self._numbers.discard(record["number"])
            if record["parent_id"] in self.customers:
                self.customers[record["parent_id"]]["child_ids"].remove(customer_id)
            for child in record["child_ids"]:
                if child in self.customers:
                    self.customers[child]["parent_id"] = None
        return json_response(200, {})

    # -- rendering ------------------------------------------------------------------------

    def _owner(self, generation: str, system: bool) -> dict[str, Any] | None:
        """April spec examples fill ``owner``; the current page says "Always returned as null"."""
        if generation == CURRENT:
            return None
        if system:
            return {"object": "owner", "type": "system", "account": None}
        a = self.account
        return {"object": "owner", "type": "account", "account": {
            "id": a["id"], "object": "account", "name": a["name"], "default_billing_address": None,
            "default_shipping_address": None, "branding": None, "portal": None,
            "created_at": _ts(a["created_at"]), "updated_at": _ts(a["updated_at"])}}

    def _stamps(self, row: Mapping[str, Any]) -> dict[str, str]:
        return {"created_at": _ts(row["created_at"]), "updated_at": _ts(row["updated_at"])}

    def _cached(self, key: tuple[str, ...], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Reference objects never change: render each once per generation (listing 10k is hot)."""
        value = self._render_cache.get(key)
        if value is None:
            value = self._render_cache[key] = build()
        return value

    def _group(self, gid: str) -> dict[str, Any]:
        return self._cached(("group", gid), lambda: self._render_group(gid))

    def _render_group(self, gid: str) -> dict[str, Any]:
        g = self.groups[gid]
        return {"id": g["id"], "object": "account_group", "name": g["name"], "description": g["description"],
                "commission_policy": g["commission_policy"], "freight_policy": g["freight_policy"],
                "type": g["type"], **self._stamps(g)}

    def _service_level(self, sid: str, generation: str) -> dict[str, Any]:
        return self._cached(("service_level", sid, generation), lambda: self._render_service_level(sid, generation))

    def _render_service_level(self, sid: str, generation: str) -> dict[str, Any]:
        s = self.service_levels[sid]
        return {"id": s["id"], "object": "service_level", "name": s["name"], "service_level_token": s["token"],
                "customer_portal_visibility": "visible", "is_default": s["is_default"],
                "owner": self._owner(generation, system=False), **self._stamps(s)}

    def _carrier(self, cid: str, includes: frozenset[str], generation: str) -> dict[str, Any]:
        levels = "freight_preferences.carrier.service_levels" in includes
        return self._cached(("carrier", cid, generation, str(levels)),
                            lambda: self._render_carrier(cid, levels, generation))

    def _render_carrier(self, cid: str, with_levels: bool, generation: str) -> dict[str, Any]:
        c = self.carriers[cid]
        levels = None
        if with_levels:
            levels = {"object": "list", "page_info": self._page_info(generation, None, None),
                      "data": [self._service_level(s, generation) for s in c["levels"]]}
        return {"id": c["id"], "object": "carrier", "name": c["name"], "code": c["code"], "account_number": None,
                "customer_portal_visibility": "visible", "owner": self._owner(generation, system=False),
                "service_levels": levels, "deleted_at": None, **self._stamps(c)}

    def _sales_rep(self, uid: str, generation: str) -> dict[str, Any]:
        return self._cached(("sales_rep", uid, generation), lambda: self._render_sales_rep(uid, generation))

    def _render_sales_rep(self, uid: str, generation: str) -> dict[str, Any]:
        u = self.sales_reps[uid]
        if generation == PREVIEW1:  # the spec's User
            return {"id": u["id"], "object": "user", "email": u["email"], "name": u["name"],
                    "username": u["username"], "email_verified_at": _ts(u["created_at"]), "image_url": None,
                    **self._stamps(u)}
        # the retrieve page's account user
        return {"id": u["id"], "object": "account_user", "name": u["name"], "email": u["email"],
                "username": u["username"], "image_url": None, "status": "active", "role": None,
                "department": None, "last_used_at": _ts(u["updated_at"]), **self._stamps(u)}

    def _defaults(self, r: Mapping[str, Any], includes: frozenset[str], generation: str) -> dict[str, Any]:
        out: dict[str, Any] = {"object": "customer_defaults", "payment_term": None, "shipping_term": None,
                               "priority": None, "sales_rep": None}
        if "defaults.payment_term" in includes:
            out["payment_term"] = self._cached(("payment_term", r["payment_term_id"], generation),
                                               lambda: self._payment_term(r["payment_term_id"], generation))
        if "defaults.shipping_term" in includes:
            out["shipping_term"] = self._cached(("shipping_term", r["shipping_term_id"], generation),
                                                lambda: self._shipping_term(r["shipping_term_id"], generation))
        if "defaults.priority" in includes:
            out["priority"] = self._cached(("priority", r["priority"], generation),
                                           lambda: self._priority(r["priority"], generation))
        if "defaults.sales_rep" in includes and r["sales_rep_id"] is not None:
            out["sales_rep"] = self._sales_rep(r["sales_rep_id"], generation)
        return out

    def _payment_term(self, tid: str, generation: str) -> dict[str, Any]:
        t = self.payment_terms[tid]
        return {"id": t["id"], "object": "payment_term", "name": t["name"], "status": "active",
                "owner": self._owner(generation, system=True), **self._stamps(t)}

    def _shipping_term(self, tid: str, generation: str) -> dict[str, Any]:
        t = self.shipping_terms[tid]
        free = None
        if generation == PREVIEW1:  # as in the spec's example
            free = {"object": "list", "page_info": self._page_info(generation, None, None), "data": []}
        return {"id": t["id"], "object": "shipping_term", "name": t["name"], "type": t["type"],
                "owner": self._owner(generation, system=True), "flat_rate": None, "minimum_order_value": None,
                "free_shipping_service_levels": free, **self._stamps(t)}

    def _priority(self, code: str, generation: str) -> dict[str, Any]:
        p = self.priorities[code]
        return {"id": p["id"], "object": "priority", "code": p["code"], "name": p["name"],
                "owner": self._owner(generation, system=True), **self._stamps(p)}

    def _address(self, aid: str | None, generation: str, street: bool | None = None) -> dict[str, Any] | None:
        """An address as the customer endpoints render it (``street=True``: as the address endpoints do)."""
        if aid is None:
            return None
        a = self.addresses[aid]
        out: dict[str, Any] = {"id": a["id"], "object": "address", "name": a["name"], "phone": a["phone"],
                               "email": a["email"]}
        if generation == PREVIEW1:
            out["is_drop_ship"] = a["drop_ship"]
        else:
            out["type"] = "drop_ship" if a["drop_ship"] else "standard"
        out["geolocation"] = None
        if street if street is not None else self._street_data(generation):
            out["geolocation"] = {
                "id": a["geo_id"], "object": "geolocation", "street_line_1": a.get("street_line_1"),
                "street_line_2": a.get("street_line_2"), "locality": a.get("locality"), "state": a.get("state"),
                "postal_code": a.get("postal_code"), "country": a["country"]}
        out.update(self._stamps(a))
        return out

    def _unit(self, code: str) -> dict[str, Any]:
        u = self.units[code]
        c: _Currency = u["currency"]
        return {"id": u["id"], "object": "unit", "name": c.name, "abbreviation": c.symbol, "type": "currency",
                "ratio_numerator": "1", "ratio_denominator": "1", "offset_numerator": "0",
                "offset_denominator": "1", "is_base_unit": code == "USD", "owner": None, **self._stamps(u)}

    def _customer(self, r: Mapping[str, Any], includes: frozenset[str], generation: str) -> dict[str, Any]:
        """One customer as the vendor renders it for ``includes`` (everything else ``null``)."""
        out: dict[str, Any] = {"id": r["id"], "object": "customer", "name": r["name"], "number": r["number"],
                               "status": r["status"]}
        if generation == PREVIEW1:
            out["is_edi_enabled"] = r["edi"]
            out["is_parent_account"] = bool(r["child_ids"])
        else:
            out["edi_status"] = "enabled" if r["edi"] else "disabled"
            out["relationship_type"] = "parent" if r["child_ids"] else ("child" if r["parent_id"] else "standalone")
        out["commission_policy"] = r["commission_policy"]
        out["note"] = r["note"]
        credit = None
        if "credit_limit" in includes and r["credit"] is not None:
            c = r["credit"]
            currency = self.units[c["currency"]]["currency"]
            # The April spec expands the unit with credit_limit; the current API has its own include.
            unit = None
            if generation == PREVIEW1 or "credit_limit.unit" in includes:
                unit = self._cached(("unit", c["currency"]), lambda: self._unit(c["currency"]))
            credit = {"id": c["id"], "object": "quantity", "value": format(c["value"], "f"),
                      "display_value": _display(c["value"], currency), "unit": unit}
        out["credit_limit"] = credit
        out["contact_info"] = None
        if "contact_info" in includes:
            out["contact_info"] = {"object": "customer_contact_info", "email": r["email"], "phone": r["phone"],
                                   "url": r["url"]}
        out["freight_preferences"] = None
        if "freight_preferences" in includes:
            out["freight_preferences"] = {
                "object": "customer_freight_preferences", "status": r["freight_status"],
                "carrier": (self._carrier(r["carrier_id"], includes, generation)
                            if "freight_preferences.carrier" in includes else None),
                "service_level": (self._service_level(r["service_level_id"], generation)
                                  if "freight_preferences.service_level" in includes and r["service_level_id"]
                                  else None),
                "billing_type": r["billing_type"], "billing_account": r["billing_account"]}
        out["defaults"] = self._defaults(r, includes, generation) if "defaults" in includes else None
        out["notification_preferences"] = None
        if "notification_preferences" in includes:
            out["notification_preferences"] = {"object": "customer_notification_preferences",
                                                "accepts_invoice_emails": r["accepts_invoice_emails"]}
        out["bill_to_address"] = self._address(r["bill_to"], generation) if "bill_to_address" in includes else None
        out["ship_to_address"] = self._address(r["ship_to"], generation) if "ship_to_address" in includes else None
        out["type"] = self._group(r["type_group_id"]) if "type" in includes else None
        out["price_groups"] = None
        if "price_groups" in includes:
            out["price_groups"] = {"object": "list", "page_info": self._page_info(generation, None, None),
                                   "data": [self._group(g) for g in r["price_group_ids"]]}
        out["parent_account"] = None
        if "parent_account" in includes and r["parent_id"] in self.customers:
            # Objects nested in an expansion are "Always returned as null in this endpoint".
            out["parent_account"] = self._customer(self.customers[r["parent_id"]], frozenset(), generation)
        out["child_accounts"] = None
        if "child_accounts" in includes:
            out["child_accounts"] = {"object": "list", "page_info": self._page_info(generation, None, None),
                                     "data": [self._customer(self.customers[c], frozenset(), generation)
                                              for c in r["child_ids"] if c in self.customers]}
        out.update(self._stamps(r))
        return out

