"""The Pexip Engage provider: settings, capabilities, requests and parsers (no I/O).

Vendor pages: https://developer.pexipengage.com (operation "Get a customer" is the one customer
page we have; the conventions come from its topic pages, quoted in the README).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import msgspec

from custbridge import (
    Capabilities,
    ConfigurationError,
    ConflictError,
    Customer,
    CustomerInput,
    CustomerStatus,
    HttpRequest,
    HttpResponse,
    ListQuery,
    MappingError,
    NotFoundError,
    Provider,
    ProviderError,
    RateLimit,
    RawPage,
    Secret,
    Setting,
    Settings,
)
from custbridge.convert import StructMapper, msgspec_error_path

from . import _convert
from ._auth import ClientCredentialsAuth
from ._errors import SCOPE_HINT, error_from_envelope
from ._wire import PexipCustomer, PexipPage

if TYPE_CHECKING:
    from .sandbox import PexipEngageSandbox

__all__ = ["PexipEngageProvider"]

DEFAULT_BASE_URL = "https://api.pexipengage.com"
DEFAULT_AUTH_URL = "https://auth.pexipengage.com"
DEFAULT_LIST_PATH = "/enterprises/{enterprise}/customers"
DEFAULT_PAGE_SIZE = 100
"""The vendor documents offset/limit with limit 25 by default but no maximum (UNKNOWN):
100 is a guess at the largest page it accepts; the ``page_size`` setting overrides it."""

_ENV = "PEXIP_ENGAGE_"


# --------------------------------------------------------------------------- setting parsers


def _non_empty(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _url(value: Any) -> str:
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme == "https" and parts.hostname:
        return text
    if parts.scheme == "http" and loopback:
        return text
    raise ValueError("only https, or plain http to a loopback host, is allowed")


def _language(value: Any) -> str:
    code = str(value).strip().lower()
    if code not in _convert.LANGUAGES:
        raise ValueError("must be one of " + ", ".join(_convert.LANGUAGES))
    return code


def _page_size(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    size = int(value)
    if size < 1:
        raise ValueError("must be >= 1")
    return size


def _list_path(value: Any) -> tuple[str, ...]:
    """``"/enterprises/{enterprise}/customers"`` -> path segments (``{enterprise}`` kept)."""
    text = str(value).strip()
    if re.search(r"[?#]", text):
        raise ValueError("a path only, without query or fragment")
    segments = tuple(s for s in text.split("/") if s)
    if not segments or any(s in (".", "..") for s in segments):
        raise ValueError("must be a path such as /enterprises/{enterprise}/customers")
    return segments


# --------------------------------------------------------------------------- the provider


class PexipEngageProvider(Provider):
    """Pexip Engage customers (``/enterprises/{enterprise}/customers``), OAuth2 client credentials."""

    display = "Pexip Engage"
    default_base_url = DEFAULT_BASE_URL
    settings_spec = (
        Setting("enterprise", env=_ENV + "ENTERPRISE", required=True, parse=_non_empty,
                help="the enterprise (tenant) slug, e.g. 'acme'; also the OAuth realm"),
        Setting("access_token", env=_ENV + "ACCESS_TOKEN", secret=True,
                help="a bearer token obtained elsewhere (not refreshed)"),
        Setting("client_id", env=_ENV + "CLIENT_ID", parse=_non_empty, help="OAuth2 client id"),
        Setting("client_secret", env=_ENV + "CLIENT_SECRET", secret=True, help="OAuth2 client secret"),
        Setting("base_url", env=_ENV + "BASE_URL", parse=_url, help="API root, default " + DEFAULT_BASE_URL),
        Setting("auth_url", env=_ENV + "AUTH_URL", parse=_url, default=DEFAULT_AUTH_URL,
                help="OAuth server root, default " + DEFAULT_AUTH_URL),
        Setting("language", env=_ENV + "LANGUAGE", parse=_language,
                help="preferred language for localized fields (Accept-Language)"),
        Setting("scope", env=_ENV + "SCOPE", help="OAuth scopes to request, space-separated (optional)"),
        Setting("list_path", env=_ENV + "LIST_PATH", parse=_list_path, default=DEFAULT_LIST_PATH,
                help="path of the (undocumented) list endpoint; {enterprise} is substituted"),
        Setting("page_size", env=_ENV + "PAGE_SIZE", parse=_page_size, default=DEFAULT_PAGE_SIZE,
                help="largest page the vendor accepts (the maximum limit is undocumented)"),
    )
    max_concurrency = 4  # "4 concurrent requests per source IP" (429 beyond)
    rate_limit = RateLimit(3000, 60)  # "3,000 requests per minute"
    default_page_size = DEFAULT_PAGE_SIZE
    correlation_header = "X-Correlation-Id"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.enterprise: str = settings["enterprise"]
        self.language: str | None = settings.get("language")
        self.page_size: int = settings["page_size"]
        # The page_size setting is this connection's default and largest page.
        self.default_page_size = self.page_size
        self._list_path: tuple[str, ...] = settings["list_path"]
        self._auth: ClientCredentialsAuth | None = None
        self._static_token: str | None = None
        client_id: str | None = settings.get("client_id")
        client_secret = settings.get("client_secret")
        if client_id and client_secret:
            # Client credentials win over a static token: they can refresh themselves.
            self._auth = ClientCredentialsAuth(
                provider=self.name,
                token_url=self.token_url,
                client_id=client_id,
                client_secret=client_secret if isinstance(client_secret, Secret) else Secret(str(client_secret)),
                scope=settings.get("scope"),
                correlation_header=self.correlation_header,
                credential_hint=self.credential_hint() or "",
            )
        elif client_id or client_secret:
            missing = "client_secret" if client_id else "client_id"
            raise ConfigurationError(
                f"client credentials are incomplete: {missing} is missing",
                provider=self.name,
                operation="connect",
                hint=f"pass {missing}=... or set {_ENV}{missing.upper()}",
            )
        elif settings.get("access_token"):
            self._static_token = settings.secret("access_token")
        else:
            raise ConfigurationError(
                "no credentials: pass client_id=... and client_secret=... (OAuth2 client credentials), "
                "or access_token=...",
                provider=self.name,
                operation="connect",
                hint=f"or set {_ENV}CLIENT_ID and {_ENV}CLIENT_SECRET, or {_ENV}ACCESS_TOKEN",
            )
        # One mapping path: a list record (JSON bytes) or a get's decoded dict, validated by
        # msgspec against the same wire Struct, then the same to_customer.
        self._map = StructMapper(self.name, PexipCustomer, _convert.make_to_customer(self.name, self.language))
        self._capabilities = Capabilities.build(
            operations=("get", "list", "update"),
            # The list endpoint's filters are not documented: filter after fetching.
            emulated_filters=("search", "status", "created_after", "created_before"),
            write=("number", "external_id", "first_name", "last_name", "company_name", "email", "phone",
                   "address", "language", "time_zone", "notes"),
            read=("status", "created_at", "updated_at", "deleted_at"),
            vendor_filters=("external_id",),
            max_page_size=self.page_size,
            statuses=(CustomerStatus.ACTIVE, CustomerStatus.DELETED),
            notes={
                "list": "the list endpoint is not in the vendor material: documented offset/limit convention, "
                        "path and page size are settings",
                "create": "not documented by the vendor",
                "delete": "not documented by the vendor (records are soft-deleted: deletedAt)",
                "upsert": "not documented by the vendor",
                "status": "from deletedAt: DELETED when set, else ACTIVE",
                "address": "localized: per field the preferred language's text, else the primary text (kept in "
                           "Address.primary); every language in translations; {0, 0} is not geocoded",
                "external_id": "also a list vendor filter (external-id); the filter is unverified for customers",
            },
        )

    # -- connection ---------------------------------------------------------------------

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint of this enterprise's realm."""
        auth_url = str(self.settings.get("auth_url") or DEFAULT_AUTH_URL)
        realm = quote(self.enterprise, safe="")
        return f"{auth_url}/realms/{realm}/protocol/openid-connect/token"

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.language:
            # The vendor fills the single-value localized fields from Accept-Language (inference).
            headers["Accept-Language"] = self.language
        if self._static_token is not None:
            headers["Authorization"] = f"Bearer {self._static_token}"
        return headers

    def auth(self) -> ClientCredentialsAuth | None:
        """The shared client-credentials flow (``None`` with a static ``access_token``)."""
        return self._auth

    def secret_values(self) -> list[str]:
        """The configured secrets plus every access token obtained at run time."""
        auth: ClientCredentialsAuth | None = getattr(self, "_auth", None)
        tokens = auth.tokens() if auth is not None else []
        return [*super().secret_values(), *tokens]

    def credential_hint(self) -> str | None:
        if getattr(self, "_static_token", None) is not None:
            return (
                f"the access_token was refused or has expired: pass a fresh one ({_ENV}ACCESS_TOKEN), or "
                f"client_id + client_secret ({_ENV}CLIENT_ID, {_ENV}CLIENT_SECRET) so tokens renew themselves"
            )
        return (
            f"check client_id and client_secret ({_ENV}CLIENT_ID, {_ENV}CLIENT_SECRET) of an API client "
            f"of enterprise {self.settings.get('enterprise')!r}"
        )

    def describe(self) -> str:
        mode = "client-credentials" if self._auth is not None else "access-token"
        text = f"enterprise={self.enterprise!r} auth={mode}"
        return text + (f" language={self.language!r}" if self.language else "")

    # -- requests -----------------------------------------------------------------------

    def _customer_path(self, customer_id: str) -> tuple[str, ...]:
        return ("enterprises", self.enterprise, "customers", customer_id)

    def get_request(self, customer_id: str) -> HttpRequest:
        return HttpRequest("GET", self._customer_path(customer_id))

    def list_request(self, query: ListQuery, cursor: Hashable | None) -> HttpRequest:
        # Offset pagination: the cursor is the zero-based record index of the next page.
        offset = int(cursor) if isinstance(cursor, int) else 0
        size = query.page_size or self.page_size
        params: list[tuple[str, str]] = [("offset", str(offset)), ("limit", str(size))]
        if "external_id" in query.vendor_filters:
            params.extend(_query_param("external-id", query.vendor_filters["external_id"]))
        path = tuple(self.enterprise if s == "{enterprise}" else s for s in self._list_path)
        return HttpRequest("GET", path, params=params)

    def update_request(self, customer_id: str, data: CustomerInput) -> HttpRequest:
        try:
            body = _convert.patch_body(data, self.language)
        except _convert.InputError as exc:
            raise ConfigurationError(str(exc), provider=self.name, operation="update", hint=exc.hint) from None
        # A PATCH of absolute values is idempotent: safe to resend on 409/5xx/timeouts.
        return HttpRequest("PATCH", self._customer_path(customer_id), json=body, idempotent=True)

    # -- responses ----------------------------------------------------------------------

    def _envelope_data(self, response: HttpResponse, operation: str) -> Any:
        body = response.data
        if not isinstance(body, Mapping) or "data" not in body:
            raise self.mapping_error(
                "the response is not the documented {data: ...} envelope",
                paths=[("$.data", "missing")], operation=operation,
            )
        return body["data"]

    # GET /enterprises/{enterprise}/customers/{id}  (pexip-engage-get-customer.txt)
    # {"data": {"id": "123", "externalId": "ABCD1234", "customerNumber": "123456",
    #           "email": "john.doe@pexip.com", "firstName": "John", "lastName": "Doe",
    #           "company": "Acme Corp", "language": "da", "notes": "Lorem ipsum",
    #           "phoneNumber": "+32412345678", "existing": true, "timeZone": "Europe/Brussels",
    #           "createdAt": "2022-08-17T19:05:21.362Z", "updatedAt": "...", "deletedAt": "...",
    #           "location": {"city": {"language": "en", "value": "Lorem ipsum"}, "state": {...},
    #                        "street1": {...}, "street2": {...}, "postalCode": "9000",
    #                        "countryCode": "BE", "formattedAddress": "string",
    #                        "geolocation": {"latitude": 51.0479466, "longitude": 3.6912248},
    #                        "translations": {"city": [{"language": "en", "value": "..."}],
    #                                         "state": [...], "street1": [...], "street2": [...]}}}}
    # https://developer.pexipengage.com/operation/operation-getcustomerbyid
    def parse_customer(self, response: HttpResponse, operation: str) -> Customer:
        record = self._envelope_data(response, operation)
        return self._mapped(record, operation)

    # GET /enterprises/{enterprise}/customers?offset=0&limit=100   (convention, not documented)
    # {"data": [{...customer...}], "meta": {"offset": 0, "limit": 100, "totalCount": 1234}}
    # https://developer.pexipengage.com/topic/topic-pagination
    def parse_page(self, response: HttpResponse, query: ListQuery, cursor: Hashable | None) -> RawPage:
        # Decoded typed from the bytes: the envelope is checked here, each record stays JSON
        # (msgspec.Raw) until map_record validates it on its own, so a bad record fails alone.
        try:
            page = _PAGE_DECODER(response.content)
        except msgspec.ValidationError as exc:
            where, reason = msgspec_error_path(str(exc))
            if where == "$":  # not an object, or no data at all
                raise self.mapping_error(
                    "the response is not the documented {data: ...} envelope",
                    paths=[("$.data", "missing")], operation="list",
                ) from None
            raise self.mapping_error("data is not a list", paths=[(where, reason)], operation="list") from None
        except msgspec.DecodeError as exc:
            # The engine hands over well-formed JSON only; kept for a direct call.
            raise self.mapping_error("the response is not JSON", paths=[("$", str(exc))], operation="list") from None
        records = page.data
        total = _total_count(page.meta)
        offset = int(cursor) if isinstance(cursor, int) else 0
        following = offset + len(records)
        # Quirk: the maximum limit is undocumented; a vendor that caps it returns fewer records
        # than asked, so the next offset counts what came back, not what was asked for, and a
        # short page is not the end: without a total we ask once more (an empty page ends it).
        # totalCount reached is the explicit end; a full page beyond the total contradicts it,
        # so we go on and let the engine's total checks judge.
        full = len(records) >= (query.page_size or self.page_size)
        if not records:
            nxt = None
        elif total is None or following < total or (following > total and full):
            nxt = following
        else:
            nxt = None
        return RawPage(records, nxt, total)

    def map_record(self, record: Any) -> Customer:
        return self._mapped(record, "list")

    def _mapped(self, record: Any, operation: str) -> Customer:
        try:
            return self._map(record, operation=operation)
        except MappingError as err:
            # Paths name the vendor's keys (msgspec reports the camelCase names; the core names
            # a missing key itself, not only its object).
            err.operation = err.operation or operation
            raise

    # {"errors": [{"message": "string", "code": "string", "type": "string", "statusCode": "string"}]}
    # https://developer.pexipengage.com/topic/topic-requests-and-responses
    def parse_error(self, response: HttpResponse, operation: str) -> ProviderError | None:
        error = error_from_envelope(response.status_code, response.data)
        if error is None:
            return None
        if error.status_code == 401:
            error.hint = self.credential_hint()
            if self._auth is not None:
                error.hint = "a fresh token was fetched and still refused; " + (error.hint or "")
        elif response.status_code == 403 and not error.hint:
            error.hint = SCOPE_HINT
        elif isinstance(error, NotFoundError) and operation == "list":
            error.hint = "the list endpoint is undocumented; check the list_path setting"
        elif isinstance(error, ConflictError):
            error.retryable = True
        return error

    # -- sandbox ------------------------------------------------------------------------

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = 100, **options: Any) -> PexipEngageSandbox:
        """The Pexip Engage simulator (:class:`custbridge_pexip.sandbox.PexipEngageSandbox`)."""
        from .sandbox import PexipEngageSandbox

        return PexipEngageSandbox(seed=seed, size=size, **options)


_PAGE_DECODER = msgspec.json.Decoder(PexipPage).decode


def _total_count(meta: msgspec.Raw) -> int | None:
    """``meta.totalCount`` when it is a count; anything else is no total (never an error)."""
    try:
        value = msgspec.json.decode(meta)
    except msgspec.DecodeError:
        return None
    total = value.get("totalCount") if isinstance(value, dict) else None
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        return None
    return total


def _query_param(name: str, value: Any) -> Sequence[tuple[str, str]]:
    """One query parameter; arrays use the vendor's ``name[]=v1&name[]=v2`` form.

    Quirk: "array query parameters must be written name[]=...; plain name=v is rejected",
    also for a single element (topic "Requests and responses").
    """
    if isinstance(value, (list, tuple, set, frozenset)):
        return [(f"{name}[]", str(v)) for v in value]
    return [(name, str(value))]
