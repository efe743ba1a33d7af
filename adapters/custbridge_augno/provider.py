"""The Augno / OpenMRP "sales customer" provider (``augno`` and its post-rename alias ``openmrp``).

Sans-I/O: it describes requests and parses responses; the custbridge engine does the I/O,
retries, pacing (20 requests/second) and pagination guards.

Sources: https://docs.augno.com/api-reference/customers/retrieve-customer, the April 2026
preview spec (``Augno/openapi-spec`` ``preview/openapi.json``) and FACTS.md section 2.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Hashable, Iterable, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs
import msgspec

from custbridge import (
    Address,
    Capabilities,
    Customer,
    CustomerInput,
    CustomerStatus,
    HttpRequest,
    HttpResponse,
    ListQuery,
    PaginationError,
    Provider,
    ProviderError,
    RateLimit,
    RawPage,
    Setting,
    Settings,
)
from custbridge.convert import StructMapper
from custbridge.provider import Completion

from . import _addresses, _convert, _errors
from ._wire import AugnoCustomer, CustomerPage, WireAddress, error_path

if TYPE_CHECKING:
    from .sandbox import AugnoSandbox

__all__ = ["DEFAULT_API_VERSION", "AugnoProvider", "Brand", "OpenMRPProvider"]

logger = logging.getLogger("custbridge.augno")

DEFAULT_API_VERSION: Final = "1.0.forge-preview.3"
"""The pinned version header value (augno-go, Aug 2026); override with ``api_version``."""

LEGACY_VERSIONS: Final[frozenset[str]] = frozenset({"1.0.forge-preview.1"})
"""Versions of the April 2026 preview spec, which use the older parameter and body names."""

_VERSION_RE = re.compile(r"^\d+\.\d+\.[a-z][a-z0-9_]*(-preview\.\d+)?$")

VENDOR_FILTERS: Final[tuple[str, ...]] = (
    "city", "state", "postal_code", "status_codes", "customer_group_ids", "pricing_group_ids",
    "sales_rep_ids", "shipping_term_ids", "payment_term_ids", "carrier_ids", "service_level_ids",
    "commission_status_codes", "freight_status_codes", "parent_account_status",
)
"""Keyword filters ``list()`` passes to the vendor (arrays take a string or an iterable)."""

_SCALAR_FILTERS: Final = frozenset({"city", "state", "postal_code", "parent_account_status"})

_decode_page = msgspec.json.Decoder(CustomerPage).decode
_decode_address = msgspec.json.Decoder(WireAddress).decode


@attrs.frozen
class Brand:
    """Host, header and variable names: the one thing the OpenMRP rename changed."""

    display: str
    base_url: str
    version_header: str
    account_header: str
    env_prefix: str
    docs_url: str | None = None


AUGNO: Final = Brand("Augno", "https://api.augno.com", "Augno-Version", "Augno-Account", "AUGNO",
                     "https://docs.augno.com")
# The rename's docs host is not in the material found (FACTS.md): no doc links for OpenMRP.
OPENMRP: Final = Brand("OpenMRP", "https://api.openmrp.ai", "OpenMRP-Version", "OpenMRP-Account", "OPENMRP")


# -- settings -----------------------------------------------------------------------------


def _parse_version(value: Any) -> str:
    text = str(value).strip()
    if not _VERSION_RE.match(text):
        raise ValueError("expected <major>.<minor>.<codename>[-preview.<n>], e.g. " + DEFAULT_API_VERSION)
    return text


def _parse_includes(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [str(item).strip() for item in items if str(item).strip()]
    if names in (["all"], ["documented"]):
        return (names[0],)
    unknown = [n for n in names if n not in _convert.ALL_INCLUDES]
    if unknown:
        raise ValueError(f"unknown include(s) {', '.join(unknown)}; known: {', '.join(sorted(_convert.ALL_INCLUDES))}")
    return tuple(dict.fromkeys(names))


def _parse_style(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("brackets", "comma"):
        raise ValueError("expected 'brackets' (include[]=a&include[]=b) or 'comma' (include=a,b)")
    return text


def _parse_id(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("expected a non-empty id")
    return text


def _settings_spec(brand: Brand) -> tuple[Setting, ...]:
    p = brand.env_prefix
    refs = tuple(
        Setting(name, env=f"{p}_{name.upper()}", parse=_parse_id, help=text)
        for name, text in (
            ("customer_type_group_id", "customer type group for new customers (acgp_...)"),
            ("default_carrier_id", "default carrier for new customers (cr_...)"),
            ("default_payment_term_id", "default payment term for new customers (pytm_...)"),
            ("default_shipping_term_id", "default shipping term for new customers (shtm_...)"),
            ("credit_limit_unit_id", "currency unit id used when writing credit_limit"),
        )
    )
    return (
        Setting("api_key", env=f"{p}_API_KEY", secret=True, required=True,
                help=f"{brand.display} API key (aug_sk_test_... sandbox, aug_sk_prod_... production)"),
        Setting("base_url", env=f"{p}_BASE_URL", help=f"API root, default {brand.base_url}"),
        Setting("api_version", env=f"{p}_VERSION", default=DEFAULT_API_VERSION, parse=_parse_version,
                help=f"value of the {brand.version_header} header"),
        Setting("account_id", env=f"{p}_ACCOUNT", parse=_parse_id,
                help=f"sent as {brand.account_header} when set"),
        Setting("include", env=f"{p}_INCLUDE", parse=_parse_includes,
                help="sub-objects to expand (list, comma string, 'documented' or 'all'); default: "
                     "'documented', the values the api_version's documentation lists"),
        Setting("include_style", env=f"{p}_INCLUDE_STYLE", default="brackets", parse=_parse_style,
                help="array syntax for include and list filters: 'brackets' or 'comma'"),
        Setting("complete_addresses", env=f"{p}_COMPLETE_ADDRESSES", default="auto", parse=_addresses.parse_mode,
                help="street data of addresses that come without geolocation, from /v1/sales/addresses: "
                     "'auto', 'by_id', 'scan' or 'off' (true/false)"),
        *refs,
    )


# -- capabilities ---------------------------------------------------------------------------

_CAPABILITIES: Final = Capabilities.build(
    operations=("get", "list", "create", "update", "delete"),
    filters=("search", "status", "created_after", "created_before"),
    read=("vendor_status", "created_at", "updated_at"),
    write=("number", "company_name", "email", "phone", "website", "status", "address",
           "billing_address", "shipping_address", "notes", "credit_limit"),
    vendor_filters=VENDOR_FILTERS,
    max_page_size=1000,
    statuses=(CustomerStatus.ACTIVE, CustomerStatus.ON_HOLD),
    notes={
        "status": "normal/preferred -> active, hold_shipment/hold_all -> on_hold",
        "search": "vendor q parameter",
        "created_before": "sent as the inclusive ends_at (created_before - 1 microsecond)",
        "address": "the bill-to address (street data: see billing_address); inline on create only "
                   "(PATCH takes an address id)",
        "billing_address": "street data from /v1/sales/addresses when the customer's geolocation is null "
                           "(the current docs: always). Extra requests, counted against the 20 req/s budget: "
                           "get/create/update +1 per distinct address (<= 2); list: 1 per 1000 addresses of "
                           "the account (one scan of GET /v1/sales/addresses shared by the whole listing; a "
                           "page missing <= 20 after the first scan page fetches those by id). "
                           "complete_addresses='off' disables it (the fields stay in not_loaded)",
        "shipping_address": "as billing_address (same requests: one address is fetched once)",
        "email": "null (not loaded) unless include contains contact_info, which the current retrieve "
                 "page does not list (the SDK does): opt in with include",
        "credit_limit": "writing needs the currency unit id (credit_limit_unit_id); read only with "
                        "include credit_limit (not on the current retrieve page's list)",
        "create": "needs customer_type_group_id, default_carrier_id, default_payment_term_id, "
                  "default_shipping_term_id (settings or vendor_fields)",
        "delete": "hard delete; 409 ConflictError while sales orders reference the customer",
    },
)


@attrs.frozen
class _Cursor:
    """Where the next page is: the vendor's relative link (current) or its token (April spec)."""

    url: str | None = None
    token: str | None = None


def _rfc3339(value: datetime) -> str:
    utc = value.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


# -- the provider ---------------------------------------------------------------------------


class AugnoProvider(Provider):
    """Augno's sales customers (``GET/POST /v1/sales/customers``, ``GET/PATCH/DELETE .../{id}``)."""

    brand: ClassVar[Brand] = AUGNO
    display = AUGNO.display
    default_base_url = AUGNO.base_url
    settings_spec = _settings_spec(AUGNO)
    rate_limit = RateLimit(20, 1.0)  # 20 requests/second per IP, sliding window
    default_page_size = 1000  # the vendor's maximum: the budget counts requests, not records

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.api_version: str = settings["api_version"]
        self.legacy = self.api_version in LEGACY_VERSIONS
        """April 2026 preview names: ``start_date``/``end_date``, ``is_parent_account``, ``is_drop_ship``."""
        self.includes: tuple[str, ...] = self._resolve_includes(settings.get("include"))
        self._include_set = frozenset(self.includes)
        self.include_style: str = settings["include_style"]
        self.address_mode: str = settings["complete_addresses"]
        """How addresses without street data are completed (:mod:`._addresses`)."""
        self._map = StructMapper(
            self.name, AugnoCustomer, _convert.customer_mapper(lambda: self.name, self._include_set)
        )
        env = {s.name: s.env for s in self.settings_spec if s.env}
        self._write = _convert.WriteContext(
            provider=self.name,
            legacy=self.legacy,
            defaults={k: settings.get(k) for k in (*_convert.REFERENCE_SETTINGS, "credit_limit_unit_id")},
            envs=env,
        )

    @property
    def documented_includes(self) -> tuple[str, ...]:
        """The include values the documentation of this ``api_version``'s generation lists."""
        # The current retrieve page lists three values; the April spec's enum lists seventeen.
        return _convert.PREVIEW1_INCLUDES if self.legacy else _convert.DOCPAGE_INCLUDES

    def _resolve_includes(self, given: tuple[str, ...] | None) -> tuple[str, ...]:
        """What to ask for: by default only values the generation documents (a strict server
        refuses any other), and of those what the mapping uses."""
        if given is None or given == ("documented",):
            # The April preview has no "credit_limit.unit" include (it expands the unit with credit_limit).
            return tuple(i for i in _convert.DEFAULT_INCLUDES if i in self.documented_includes)
        if given == ("all",):
            # Every value a source lists for this generation (current: the Go SDK's list).
            return _convert.PREVIEW1_INCLUDES if self.legacy else _convert.CURRENT_INCLUDES
        return given

    # -- connection -------------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        """Operations, filters and fields (the same for both brands and generations)."""
        return _CAPABILITIES

    def headers(self) -> dict[str, str]:
        """Bearer auth, the version header on every request, the account header when set."""
        headers = {
            "Authorization": f"Bearer {self.settings.secret('api_key')}",
            # Every request needs the version header, or the vendor answers api_version_required.
            self.brand.version_header: self.api_version,
        }
        account = self.settings.get("account_id")
        if account:
            headers[self.brand.account_header] = account
        return headers

    @property
    def key_mode(self) -> str | None:
        """``"sandbox"`` for an ``aug_sk_test_`` key, ``"production"`` for ``aug_sk_prod_``."""
        key = self.settings.secret("api_key") or ""
        if key.startswith("aug_sk_test_"):
            return "sandbox"
        if key.startswith("aug_sk_prod_"):
            return "production"
        return None

    def describe(self) -> str:
        """The key's mode, masked (the vendor's sandbox is chosen by the key, not the host)."""
        mode = self.key_mode
        if mode == "sandbox":
            return "key=aug_sk_test_**** (vendor sandbox)"
        if mode == "production":
            return "key=aug_sk_prod_**** (production)"
        return "key=****"

    # -- requests ---------------------------------------------------------------------------

    def _array(self, name: str, values: Iterable[str]) -> list[tuple[str, str]]:
        """An array query parameter in the configured syntax (the vendor material shows both)."""
        items = [str(v) for v in values]
        if not items:
            return []
        if self.include_style == "comma":
            return [(name, ",".join(items))]
        return [(f"{name}[]", item) for item in items]

    def _include_params(self) -> list[tuple[str, str]]:
        return self._array("include", self.includes)

    def _path(self, customer_id: str | None = None) -> tuple[str, ...]:
        base = ("v1", "sales", "customers")
        return base if customer_id is None else (*base, customer_id)

    def get_request(self, customer_id: str) -> HttpRequest:
        """``GET /v1/sales/customers/{id}`` with the configured includes."""
        return HttpRequest("GET", self._path(customer_id), params=self._include_params())

    def _status_codes(self, query: ListQuery) -> list[str] | None:
        """Vendor codes for the status filters; ``[]`` when nothing can match."""
        canonical = _convert.vendor_codes_for(query.status) if query.status else None
        raw = query.vendor_filters.get("status_codes")
        vendor = None if raw is None else ([raw] if isinstance(raw, str) else [str(v) for v in raw])
        if canonical is None:
            return vendor
        if vendor is None:
            return canonical
        return [code for code in canonical if code in vendor]

    def list_request(self, query: ListQuery, cursor: Hashable | None) -> HttpRequest | None:
        """``GET /v1/sales/customers``: the first page from the query, later ones from the vendor's link."""
        if isinstance(cursor, _Cursor) and cursor.url is not None:
            # The link repeats the original query with only the cursor changed; the engine
            # resolves it against base_url and refuses any other host.
            return HttpRequest("GET", url=cursor.url)
        params: list[tuple[str, str]] = [("limit", str(query.page_size or self.default_page_size))]
        if isinstance(cursor, _Cursor) and cursor.token is not None:
            params.append(("cursor", cursor.token))
        if query.search:
            params.append(("q", query.search))
        codes = self._status_codes(query)
        if codes == []:
            return None  # no vendor status maps to the requested ones: nothing can match
        if codes:
            params += self._array("status_codes", codes)
        start, end = ("start_date", "end_date") if self.legacy else ("starts_at", "ends_at")
        if query.created_after is not None:
            params.append((start, _rfc3339(query.created_after)))
        if query.created_before is not None:
            # ends_at is inclusive; created_before is exclusive.
            params.append((end, _rfc3339(query.created_before - timedelta(microseconds=1))))
        for name in VENDOR_FILTERS:
            value = query.vendor_filters.get(name)
            if value is None or name == "status_codes":
                continue
            if name == "parent_account_status":
                params.append(self._parent_filter(str(value)))
            elif name in _SCALAR_FILTERS:
                params.append((name, str(value)))
            else:
                params += self._array(name, [value] if isinstance(value, str) else value)
        params += self._include_params()
        return HttpRequest("GET", self._path(), params=params)

    def _parent_filter(self, value: str) -> tuple[str, str]:
        if value not in ("parent", "non_parent"):
            raise self._write.config_error(
                "list", f"parent_account_status must be 'parent' or 'non_parent', got {value!r}"
            )
        if self.legacy:  # April spec: a boolean is_parent_account
            return ("is_parent_account", "true" if value == "parent" else "false")
        return ("parent_account_status", value)

    def _write_request(self, method: str, path: tuple[str, ...], body: dict[str, Any], key: str | None) -> HttpRequest:
        # The Idempotency-Key makes POST/PATCH safe to resend: the engine reuses the same
        # built request (same key) on every retry, and the vendor replays the first result.
        return HttpRequest(
            method, path, params=self._include_params(), json=body,
            headers={"Idempotency-Key": key or str(uuid.uuid4())}, idempotent=True,
        )

    def create_request(self, data: CustomerInput) -> HttpRequest:
        """``POST /v1/sales/customers`` (201) with an ``Idempotency-Key``."""
        key = _convert.idempotency_key(data, self._write, "create")
        return self._write_request("POST", self._path(), _convert.create_body(data, self._write), key)

    def update_request(self, customer_id: str, data: CustomerInput) -> HttpRequest:
        """``PATCH /v1/sales/customers/{id}``: only the set fields; ``None`` sends ``null``."""
        key = _convert.idempotency_key(data, self._write, "update")
        return self._write_request("PATCH", self._path(customer_id), _convert.update_body(data, self._write), key)

    def delete_request(self, customer_id: str) -> HttpRequest:
        """``DELETE /v1/sales/customers/{id}`` (200 ``{}``)."""
        # A hard delete; DELETE is idempotent by itself and ignores Idempotency-Key.
        return HttpRequest("DELETE", self._path(customer_id))

    # -- responses --------------------------------------------------------------------------

    # GET /v1/sales/customers/{id}?include[]=bill_to_address&include[]=ship_to_address&include[]=type
    # {"id": "ac_01gf7a8200er3ar3pkfrb6kk29", "object": "customer", "name": "Acme Inc.",
    #  "number": "100042", "status": "preferred", "edi_status": "enabled", "contact_info": null,
    #  "credit_limit": null, "bill_to_address": {"id": "ad_01jm4r6700f8nwq3v5hx2d9ktp",
    #  "object": "address", "name": "Headquarters", "type": "standard", "geolocation": null, ...},
    #  "type": {"id": "acgp_...", "object": "account_group", "type": "type_group", ...}, ...}
    # https://docs.augno.com/api-reference/customers/retrieve-customer (mapping: _convert.customer_mapper;
    # the null geolocation is completed by complete() below)
    def parse_customer(self, response: HttpResponse, operation: str) -> Customer:
        """One customer (get 200, create 201, update 200)."""
        if response.headers.get("Idempotent-Replayed", "").lower() == "true":
            # A replay of an earlier identical write (e.g. our own retry): not an error.
            logger.debug("%s %s: idempotent replay", self.name, operation)
        return self._map(response.content, operation=operation)

    def parse_page(self, response: HttpResponse, query: ListQuery, cursor: Hashable | None) -> RawPage:
        """The records and where the next page is (link, else token; none when has_next_page is false)."""
        # {"object": "list",
        #  "page_info": {"next_page_url": "/v1/sales/customers?cursor=ac_...&limit=100",
        #                "previous_page_url": null, "has_next_page": true, "has_prev_page": false},
        #  "data": [{"id": "ac_01gf7a8200er3ar3pkfrb6kk29", "object": "customer", ...}]}
        # April spec: "page_info": {"next_cursor": "ac_...", "prev_cursor": null, ...}
        # https://docs.augno.com/api-reference/customers/retrieve-customer (price_groups envelope)
        try:
            page = _decode_page(response.content)
        except msgspec.ValidationError as exc:
            raise self.mapping_error(
                "the list response is not the vendor's list envelope", operation="list",
                paths=[error_path(exc)],
            ) from None
        except msgspec.DecodeError as exc:
            raise self.mapping_error(
                "the list response is not JSON", operation="list", paths=[("$", str(exc)[:160])]
            ) from None
        records, info = page.data, page.page_info
        if info is None or info.has_next_page is False:
            return RawPage(records, None)
        if info.next_page_url:
            return RawPage(records, _Cursor(url=info.next_page_url))
        if info.next_cursor:
            return RawPage(records, _Cursor(token=info.next_cursor))
        if info.has_next_page:
            raise PaginationError(
                "page_info.has_next_page is true but neither next_page_url nor next_cursor is given",
                provider=self.name, operation="list", hint="the vendor's page_info is inconsistent",
            )
        return RawPage(records, None)

    def cursor_to_json(self, cursor: Hashable) -> Any:
        """A saved cursor: ``{"url": link}`` or ``{"token": next_cursor}`` (resumable listing)."""
        if isinstance(cursor, _Cursor):
            return {"url": cursor.url} if cursor.url is not None else {"token": cursor.token}
        return super().cursor_to_json(cursor)

    def cursor_from_json(self, value: Any) -> Hashable:
        """The inverse of :meth:`cursor_to_json`; a saved link is still held to base_url's host."""
        if isinstance(value, Mapping) and len(value) == 1:
            url, token = value.get("url"), value.get("token")
            if isinstance(url, str) and url:
                return _Cursor(url=url)
            if isinstance(token, str) and token:
                return _Cursor(token=token)
        raise ValueError("not a saved Augno cursor")

    def map_record(self, record: Any) -> Customer:
        """One entry of a list page's ``data`` (same shape as a retrieved customer)."""
        return self._map(record, operation="list")

    def complete(
        self, customers: Sequence[Customer], operation: str, state: MutableMapping[str, Any]
    ) -> Completion | None:
        """Fill in addresses that came without ``geolocation`` from ``/v1/sales/addresses`` (see :mod:`._addresses`)."""
        return _addresses.complete(
            customers, operation, state, mode=self.address_mode, read_address=self._read_address,
            provider=self.name,
            off_hint=f"set complete_addresses='off' ({self.brand.env_prefix}_COMPLETE_ADDRESSES=off)",
        )

    # {"id": "ad_01jm4r6700f8nwq3v5hx2d9ktp", "object": "address", "name": "Headquarters",
    #  "phone": null, "email": null, "is_drop_ship": false,             (current generation: "type": "standard")
    #  "geolocation": {"id": "gl_01jm4r6700f8nwq3v5hx2d9ktp", "object": "geolocation",
    #                  "street_line_1": "4200 Industrial Pkwy", "street_line_2": null, "locality": "Columbus",
    #                  "state": "OH", "postal_code": "43204", "country": "US"},
    #  "created_at": "2026-05-10T00:00:00Z", "updated_at": "2026-05-10T00:23:00Z"}
    # Spec operation get-address (GET /v1/sales/addresses/{id}), schema Address
    def _read_address(self, record: Any) -> tuple[str, Address | None]:
        """One record of the address endpoints (its JSON, or decoded): its id and the canonical
        address (``None`` when empty)."""
        try:
            if isinstance(record, (bytes, msgspec.Raw)):
                wire = _decode_address(record)
            elif isinstance(record, Mapping):
                wire = msgspec.convert(record, WireAddress)
            else:
                raise self.mapping_error("expected an address object", paths=[("$", "not an object")])
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise self.mapping_error(
                "address record does not match the vendor schema", record=_addresses.decoded(record),
                paths=[error_path(exc)],
            ) from None
        if not wire.id:
            raise self.mapping_error("the address has an empty id", paths=[("$.id", "empty string")])
        # Assumption: the address endpoints fill geolocation (the "always null" note is the
        # customer endpoint's; the spec's address examples fill it).
        return wire.id, _addresses.present(_convert.address_of(wire))

    def parse_error(self, response: HttpResponse, operation: str) -> ProviderError | None:
        """The ``{"error": {...}}`` envelope (see :mod:`._errors`)."""
        return _errors.parse_error(
            response, operation,
            version_header=self.brand.version_header,
            version_setting_env=f"{self.brand.env_prefix}_VERSION",
            api_version=self.api_version,
            key_env=f"{self.brand.env_prefix}_API_KEY",
            includes=_errors.IncludeContext(
                requested=self.includes, documented=self.documented_includes,
                setting_env=f"{self.brand.env_prefix}_INCLUDE",
            ),
        )

    # -- sandbox ----------------------------------------------------------------------------

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = 100, **options: Any) -> AugnoSandbox:
        """An in-memory simulator of this vendor (see :class:`custbridge_augno.sandbox.AugnoSandbox`)."""
        from .sandbox import AugnoSandbox

        return AugnoSandbox(seed=seed, size=size, brand=cls.brand, provider=cls.name or "augno", **options)


class OpenMRPProvider(AugnoProvider):
    """The same API after the August 2026 rename to OpenMRP: new host, header and variable names."""

    name: ClassVar[str] = ""
    brand: ClassVar[Brand] = OPENMRP
    alias_of = "augno"
    display = OPENMRP.display
    default_base_url = OPENMRP.base_url
    settings_spec = _settings_spec(OPENMRP)
