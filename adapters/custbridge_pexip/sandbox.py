"""A simulator of the Pexip Engage customer API and its OAuth2 token endpoint.

What it simulates (sources in the adapter README):

- ``POST {auth}/realms/{enterprise}/protocol/openid-connect/token``: client credentials (form
  body or HTTP Basic), Keycloak-shaped answers and errors, tokens that expire after
  ``token_lifetime`` seconds of ``clock`` (tests pass a fake clock to expire them mid-list);
- ``GET /enterprises/{enterprise}/customers?offset=&limit=`` with ``meta.totalCount`` (the list
  endpoint is not documented; this follows the documented pagination convention) and an
  ``external-id`` / ``external-id[]`` filter (unverified);
- ``GET`` and ``PATCH /enterprises/{enterprise}/customers/{id}`` with the documented shapes:
  localized ``location`` fields in the ``Accept-Language`` language when a translation exists,
  ``translations`` arrays in several languages (nl, fr, en, de, ja from the shared population),
  soft-deleted customers (``deletedAt``), strict PATCH validation (no empty strings, location
  written as translations only);
- the error envelope ``{"errors": [{message, code, type, statusCode}]}``, the 4-concurrent
  cap (429 beyond it) and injected 409 conflicts.

The OAuth server is a separate host at the vendor, so its requests are counted in
``token_requests`` (not ``requests_served``) and the API's ``FaultPlan`` does not apply to it;
``token_failures`` injects its transient failures instead.

Invented where the vendor says nothing (kept plausible, listed in the README): error ``code``
and ``type`` values, the largest ``limit`` (``max_limit``, 100, larger values are capped),
token values, and the geolocation of a location written without one.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from custbridge.sandbox import Person, SandboxApp, json_response, people

from ._convert import LANGUAGES
from .provider import DEFAULT_AUTH_URL, DEFAULT_BASE_URL

__all__ = ["PexipEngageSandbox"]

_READ_SCOPE = "engage:customers:readOnly"
_WRITE_SCOPE = "engage:customers:readWrite"
_CODES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT", 429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE",
}
_STRING_FIELDS = ("externalId", "customerNumber", "email", "firstName", "lastName", "company", "notes", "phoneNumber")
_PATCH_FIELDS = (*_STRING_FIELDS, "language", "existing", "timeZone", "location")
_LOCALIZED = ("street1", "street2", "city", "state")
_CENTROIDS = {"BE": (50.5, 4.47), "NL": (52.13, 5.29), "FR": (46.23, 2.21), "DE": (51.17, 10.45),
              "US": (37.09, -95.71), "CA": (56.13, -106.35), "GB": (55.38, -3.44), "CH": (46.82, 8.23),
              "JP": (36.2, 138.25)}
_DEFAULT_TIME_ZONE = "Europe/Brussels"


def _iso(moment: datetime) -> str:
    """``2022-08-17T19:05:21.362Z``: UTC with milliseconds, as in the vendor's examples."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _spaced(phone: str) -> str:
    """``+32478123456`` -> ``+32 478 12 34 56``-like grouping (a formatting variation)."""
    head, rest = phone[:3], phone[3:]
    groups = [rest[:3]] + [rest[i:i + 2] for i in range(3, len(rest), 2)]
    return " ".join([head, *groups])


def _record(index: int, person: Person) -> dict[str, Any]:
    """One customer in the vendor's JSON, single-value fields in the address's own language."""
    uid = person.uid
    address = person.address
    email = person.email
    if uid % 5 == 1:  # some people typed their address with capitals
        local, _, domain = email.partition("@")
        email = ".".join(p.capitalize() for p in local.split(".")) + "@" + domain
    phone = _spaced(person.phone) if uid % 4 == 2 else person.phone
    location: dict[str, Any] | None = None
    if uid % 14 != 13:
        primary = address.language
        langs = [primary, *(lang for lang in address.translations if lang != primary)]
        street1 = [{"language": lang, "value": address.translations[lang][0]} for lang in langs]
        city = [{"language": lang, "value": address.translations[lang][1]} for lang in langs]
        state = [
            {"language": lang, "value": region}
            for lang in langs
            if (region := address.translations[lang][2]) is not None
        ]
        # Unit numbers ("Suite 300") are written once, in the address's own language.
        street2 = [{"language": primary, "value": address.line2}] if address.line2 else []
        location = {
            "city": city[0],
            "state": state[0] if state else None,
            "street1": street1[0],
            "street2": street2[0] if street2 else None,
            "postalCode": address.postal_code,
            "countryCode": address.country,
            "formattedAddress": address.formatted,
            "geolocation": {"latitude": address.latitude, "longitude": address.longitude},
            "translations": {"city": city, "state": state, "street1": street1, "street2": street2},
        }
    return {
        "id": str(100001 + index),
        "externalId": f"CRM-{uid}" if uid % 2 == 0 else None,
        "customerNumber": f"{20000 + index}" if uid % 10 < 7 else None,
        "email": email,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "company": person.company,
        "language": person.language if person.language in LANGUAGES else None,
        "notes": person.notes,
        "phoneNumber": phone,
        "existing": uid % 3 != 0,
        "timeZone": person.time_zone,
        "createdAt": _iso(person.created_at),
        "updatedAt": _iso(person.updated_at),
        # Soft delete: the record stays readable with deletedAt set.
        "deletedAt": None if person.active else _iso(person.updated_at),
        "location": location,
    }


def _preferred(header: str | None) -> str | None:
    """First language of ``Accept-Language`` (``"en *"``, ``"fr-BE,fr;q=0.9"`` -> en, fr)."""
    if not header:
        return None
    first = header.replace(",", " ").split()[0].split(";")[0]
    code = first.split("-")[0].lower()
    return code if code in LANGUAGES else None


class _Invalid(Exception):
    """A PATCH body the vendor would reject (400)."""


class PexipEngageSandbox(SandboxApp):
    """The Pexip Engage API (customers) plus its Keycloak token endpoint, in memory.

    Args:
        seed: population seed (shared with the other vendors' sandboxes).
        size: number of customers.
        token_lifetime: seconds a token lives (``expires_in``).
        clock: monotonic seconds used for token expiry (pass a fake one in tests).
        max_limit: largest page served; larger ``limit`` values are capped to it.
        scope: scope granted to the sandbox client (read-only makes PATCH a 403).
        options: ``faults``, ``latency``, ``concurrency_limit`` (default 4) for the base.
    """

    provider = "pexip_engage"
    base_url = DEFAULT_BASE_URL
    auth_base_url = DEFAULT_AUTH_URL
    ENTERPRISE = "acme"
    CLIENT_ID = "custbridge-sandbox"
    CLIENT_SECRET = "pexip-sandbox-secret-not-real"

    def __init__(
        self,
        *,
        seed: int = 0,
        size: int = 100,
        token_lifetime: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_limit: int = 100,
        scope: str = _WRITE_SCOPE,
        **options: Any,
    ) -> None:
        options.setdefault("concurrency_limit", 4)  # "4 concurrent requests per source IP"
        super().__init__(**options)
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.max_limit = max_limit
        self.scope = scope
        self.customers: dict[str, dict[str, Any]] = {}
        for index, person in enumerate(people(seed, size, namespace="pexip_engage")):
            record = _record(index, person)
            self.customers[record["id"]] = record
        self._next_index = size
        self.tokens: dict[str, float] = {}
        """Issued bearer tokens and when (``clock``) each expires."""
        self.token_requests = 0
        """Requests to the token endpoint (not counted in ``requests_served``)."""
        self.token_failures: list[int] = []
        """Statuses the next token requests answer with (for tests of transient failures)."""
        self.unauthorized = 0
        """API requests refused with 401."""
        self.conflicts = 0
        """The next this-many PATCH requests answer 409 (a concurrent operation)."""
        self._token_ids = itertools.count(1)
        self._token_salt = hashlib.blake2b(f"{seed}".encode(), digest_size=4).hexdigest()

    # -- connection ----------------------------------------------------------------------

    def client_settings(self, base_url: str) -> dict[str, Any]:
        # In process the two hosts stay apart; over loopback one server answers both.
        auth_url = self.auth_base_url if base_url == self.base_url else base_url
        return {
            "enterprise": self.ENTERPRISE,
            "client_id": self.CLIENT_ID,
            "client_secret": self.CLIENT_SECRET,
            "base_url": base_url,
            "auth_url": auth_url,
        }

    def issue_token(self, lifetime: float | None = None) -> str:
        """Mint a valid bearer token (e.g. for a client connected with ``access_token``)."""
        token = f"sbx.{self._token_salt}.{next(self._token_ids):06d}"
        with self._lock:
            self.tokens[token] = self.clock() + (self.token_lifetime if lifetime is None else lifetime)
        return token

    def customer_count(self) -> int:
        """How many customers the simulated vendor stores (soft-deleted ones included)."""
        return len(self.customers)

    def add_customer(self, person: Person) -> str:
        """Store a new customer (the API has no create: customers come from bookings)."""
        index = self._next_index  # never reuse the id of a purged customer
        self._next_index += 1
        record = _record(index, person)
        self.customers[record["id"]] = record
        return str(record["id"])

    def remove_customer(self, customer_id: str) -> None:
        """Purge the customer (gone from the listing; the API itself cannot delete)."""
        del self.customers[customer_id]

    def revoke_tokens(self) -> None:
        """Invalidate every issued token server-side (clients learn it from a 401)."""
        with self._lock:
            self.tokens.clear()

    # -- framework hooks -----------------------------------------------------------------

    @staticmethod
    def _parts(request: httpx.Request) -> list[str]:
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        return [unquote(p) for p in raw_path.strip("/").split("/")]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Token requests go to the OAuth server; the rest to the API (base class)."""
        parts = self._parts(request)
        if len(parts) == 5 and parts[0] == "realms" and parts[2:] == ["protocol", "openid-connect", "token"]:
            return self._token_endpoint(request, parts[1])
        return super().handle(request)

    def authorized(self, request: httpx.Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        expires = self.tokens.get(token.strip())
        return expires is not None and self.clock() < expires

    def auth_failure(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.unauthorized += 1
        return self.error(401, "Missing, invalid or expired access token", "UNAUTHORIZED")

    def rate_limited(self, request: httpx.Request, retry_after: float | None) -> httpx.Response:
        response = self.error(429, "Too many requests", "TOO_MANY_REQUESTS")
        if retry_after is not None:
            response.headers["Retry-After"] = f"{retry_after:g}"
        return response

    def error(self, status_code: int, message: str, code: str | None = None, **extra: Any) -> httpx.Response:
        code = (code or _CODES.get(status_code, "ERROR")).upper()
        item = {
            "message": message,
            "code": code,
            "type": "SERVER_ERROR" if status_code >= 500 else "CLIENT_ERROR",
            "statusCode": str(status_code),  # a string in the vendor's schema
        }
        return json_response(status_code, {"errors": [item]})

    # -- the OAuth server ------------------------------------------------------------------

    @staticmethod
    def _oauth_error(status: int, error: str, description: str | None = None) -> httpx.Response:
        body = {"error": error}
        if description:
            body["error_description"] = description
        return json_response(status, body)

    def _token_endpoint(self, request: httpx.Request, realm: str) -> httpx.Response:
        with self._lock:
            self.token_requests += 1
            failure = self.token_failures.pop(0) if self.token_failures else None
        if failure is not None:
            return self._oauth_error(failure, "temporarily_unavailable", "sandbox: injected failure")
        if request.method != "POST":
            return self._oauth_error(405, "invalid_request", "HTTP method not allowed")
        if realm != self.ENTERPRISE:
            return self._oauth_error(404, "Realm does not exist")
        form = {k: v[0] for k, v in parse_qs(request.content.decode("utf-8", "replace")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            decoded = base64.b64decode(basic[6:]).decode("utf-8", "replace")
            client_id, _, client_secret = decoded.partition(":")
        if form.get("grant_type") != "client_credentials":
            return self._oauth_error(400, "unsupported_grant_type", "Unsupported grant_type")
        if self.reject_auth or (client_id, client_secret) != (self.CLIENT_ID, self.CLIENT_SECRET):
            return self._oauth_error(401, "invalid_client", "Invalid client or Invalid client credentials")
        requested = set(form.get("scope", "").split())
        if requested - {_READ_SCOPE, _WRITE_SCOPE}:
            return self._oauth_error(400, "invalid_scope", "Invalid scopes: " + " ".join(sorted(requested)))
        token = self.issue_token()
        return json_response(200, {
            "access_token": token,
            "expires_in": max(1, round(self.token_lifetime)),
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": self.scope,
        })

    # -- the API ---------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        parts = self._parts(request)
        if len(parts) < 3 or parts[0] != "enterprises" or parts[2] != "customers":
            return self.error(404, "Not found")
        if parts[1] != self.ENTERPRISE:
            return self.error(403, "The access token is not valid for this enterprise")
        language = _preferred(request.headers.get("accept-language"))
        correlation = request.headers.get("x-correlation-id")
        if len(parts) == 3:
            response = self._list(request, language) if request.method == "GET" else None
        elif len(parts) == 4:
            response = self._one(request, parts[3], language)
        else:
            return self.error(404, "Not found")
        if response is None:
            response = self.error(405, "Method not allowed")
        if correlation:
            response.headers["X-Correlation-Id"] = correlation
        return response

    def _list(self, request: httpx.Request, language: str | None) -> httpx.Response:
        params = request.url.params
        try:
            offset = int(params.get("offset", "0"))
            limit = int(params.get("limit", "25"))  # documented defaults: offset 0, limit 25
        except ValueError:
            return self.error(400, "offset and limit must be integers", "VALIDATION_ERROR")
        if offset < 0 or limit < 1:
            return self.error(400, "offset must be >= 0 and limit >= 1", "VALIDATION_ERROR")
        limit = min(limit, self.max_limit)
        rows = list(self.customers.values())
        wanted = params.get_list("external-id[]") + params.get_list("external-id")
        if wanted:
            rows = [r for r in rows if r["externalId"] in wanted]
        page = [self._render(r, language) for r in rows[offset:offset + limit]]
        meta = {"offset": offset, "limit": limit, "totalCount": len(rows)}
        return json_response(200, {"data": page, "meta": meta})

    def _one(self, request: httpx.Request, customer_id: str, language: str | None) -> httpx.Response | None:
        record = self.customers.get(customer_id)
        if request.method not in ("GET", "PATCH"):
            return None
        if record is None:
            return self.error(404, f"Customer {customer_id!r} not found", "NOT_FOUND")
        if request.method == "GET":
            return json_response(200, {"data": self._render(record, language)})
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        if token in self.tokens and _WRITE_SCOPE not in self.scope.split():
            return self.error(403, f"Missing scope {_WRITE_SCOPE}", "FORBIDDEN")
        with self._lock:
            conflict = self.conflicts > 0
            if conflict:
                self.conflicts -= 1
        if conflict:
            return self.error(409, "Conflict caused by a concurrent operation", "CONFLICT")
        try:
            body = json.loads(request.content or b"null")
            self._patch(record, body)
        except (ValueError, _Invalid) as exc:
            return self.error(400, str(exc), "VALIDATION_ERROR")
        return json_response(200, {"data": self._render(record, language)})

    @staticmethod
    def _render(record: dict[str, Any], language: str | None) -> dict[str, Any]:
        """The record with single-value localized fields in ``language`` where translated."""
        location = record["location"]
        if language is None or location is None:
            return record
        swapped = dict(location)
        changed = False
        for name in _LOCALIZED:
            current = location[name]
            if current is not None and current["language"] == language:
                continue
            match = next((t for t in location["translations"][name] if t["language"] == language), None)
            if match is not None:
                swapped[name] = match
                changed = True
        return {**record, "location": swapped} if changed else record

    # -- PATCH validation, as strict as the documented schema ---------------------------------

    def _patch(self, record: dict[str, Any], body: Any) -> None:
        if not isinstance(body, dict):
            raise _Invalid("the body must be a JSON object")
        unknown = sorted(set(body) - set(_PATCH_FIELDS))
        if unknown:
            raise _Invalid(f"additional properties are not allowed: {', '.join(unknown)}")
        changes: dict[str, Any] = {}
        for name in _STRING_FIELDS:
            if name in body:
                value = body[name]
                if value is not None and (not isinstance(value, str) or not value):
                    raise _Invalid(f"{name} must be a non-empty string or null")
                if name == "externalId" and value is not None and len(value) > 255:
                    raise _Invalid("externalId is longer than 255 characters")
                changes[name] = value
        if "language" in body:
            if body["language"] is not None and body["language"] not in LANGUAGES:
                raise _Invalid("language must be one of " + ", ".join(LANGUAGES))
            changes["language"] = body["language"]
        if "existing" in body:
            if not isinstance(body["existing"], bool):
                raise _Invalid("existing must be a boolean")
            changes["existing"] = body["existing"]
        if "timeZone" in body:
            value = body["timeZone"]
            if value is not None and (not isinstance(value, str) or not value):
                raise _Invalid("timeZone must be a non-empty string or null")
            # Required on read: clearing it falls back to the enterprise default (sandbox choice).
            changes["timeZone"] = value or _DEFAULT_TIME_ZONE
        if "location" in body:
            changes["location"] = None if body["location"] is None else self._location(body["location"], record)
        record.update(changes)
        record["updatedAt"] = _iso(datetime.now(UTC))

    @staticmethod
    def _texts(value: Any, name: str, minimum: int) -> list[dict[str, str]]:
        if value is None and minimum == 0:
            return []
        if not isinstance(value, list) or len(value) < minimum:
            raise _Invalid(f"location.translations.{name} must be an array of at least {minimum} element(s)")
        for item in value:
            if not isinstance(item, dict) or set(item) != {"language", "value"}:
                raise _Invalid(f"location.translations.{name}[] must be {{language, value}}")
            if item["language"] not in LANGUAGES:
                raise _Invalid(f"location.translations.{name}[].language must be one of " + ", ".join(LANGUAGES))
            if not isinstance(item["value"], str) or not item["value"]:
                raise _Invalid(f"location.translations.{name}[].value must be a non-empty string")
        return [dict(item) for item in value]

    def _location(self, value: Any, record: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _Invalid("location must be an object or null")
        read_only = sorted(set(value) & {*_LOCALIZED, "formattedAddress"})
        if read_only:
            raise _Invalid(f"location.{read_only[0]} cannot be written: write location.translations")
        country = value.get("countryCode")
        if not isinstance(country, str) or len(country) != 2 or not country.isalpha():
            raise _Invalid("location.countryCode is required: 2 letters")
        postal = value.get("postalCode")
        if postal is not None and (not isinstance(postal, str) or not postal):
            raise _Invalid("location.postalCode must be a non-empty string or null")
        translations = value.get("translations")
        if not isinstance(translations, dict):
            raise _Invalid("location.translations is required")
        if set(translations) - set(_LOCALIZED):
            raise _Invalid("location.translations: additional properties are not allowed")
        arrays = {
            name: self._texts(translations.get(name), name, 1 if name in ("city", "street1") else 0)
            for name in _LOCALIZED
        }
        geo = value.get("geolocation")
        if geo is not None:
            lat, lon = (geo.get("latitude"), geo.get("longitude")) if isinstance(geo, dict) else (None, None)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)) or not (
                -90 <= lat <= 90 and -180 <= lon <= 180  # type: ignore[operator]
            ):
                raise _Invalid("location.geolocation must be {latitude -90..90, longitude -180..180}")
        else:  # the vendor would geocode; the sandbox keeps the old point or uses the country's centre
            old = (record.get("location") or {}).get("geolocation")
            lat, lon = (old["latitude"], old["longitude"]) if old else _CENTROIDS.get(country.upper(), (0.0, 0.0))
        primary = arrays["street1"][0]["language"]

        def single(name: str) -> dict[str, str] | None:
            items = arrays[name]
            return next((t for t in items if t["language"] == primary), items[0] if items else None)

        singles = {name: single(name) for name in _LOCALIZED}
        city = singles["city"]
        line = ", ".join(
            part for part in (
                singles["street1"]["value"] if singles["street1"] else None,
                singles["street2"]["value"] if singles["street2"] else None,
                " ".join(p for p in (postal, city["value"] if city else None) if p),
                country.upper(),
            ) if part
        )
        return {
            **singles,
            "postalCode": postal,
            "countryCode": country.upper(),
            "formattedAddress": line,
            "geolocation": {"latitude": lat, "longitude": lon},
            "translations": arrays,
        }
