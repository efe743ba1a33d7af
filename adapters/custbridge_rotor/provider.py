"""The Rotor provider: requests and responses of Rotor's customer "Open API" (no I/O here).

Rotor (https://docs.api.getrotor.com) has three customer endpoints: ``GET /customers``,
``GET /customers/{id}`` and an upsert, ``POST /customers``. See this package's README for
the mapping table, the limits and the quirks.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import msgspec

from custbridge import (
    NOT_SET,
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
    Provider,
    ProviderError,
    RawPage,
    Setting,
    Settings,
    UnsupportedOperationError,
)
from custbridge.convert import StructMapper, msgspec_error_path

from ._convert import (
    WRITABLE,
    read_to_customer,
    upsert_to_customer,
    write_body,
)
from ._errors import AUTH_HINT, error_from_response
from ._wire import RotorCustomer, RotorListPage, RotorUpsertResult

if TYPE_CHECKING:
    from .sandbox import RotorSandbox

__all__ = ["DEFAULT_API_VERSION", "DEFAULT_BASE_URL", "MAX_PAGE_SIZE", "RotorProvider"]

DEFAULT_BASE_URL = "https://api.getrotor.com/open-api"
DEFAULT_API_VERSION = "1.1.0"
MAX_PAGE_SIZE = 1000
"""Rotor's documented maximum ``limit``."""

_CANONICAL_STATUS = {CustomerStatus.ACTIVE: "active", CustomerStatus.INACTIVE: "inactive"}


def _text_setting(value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _flag(value: Any) -> bool:
    """Read the ``archived`` filter: a bool, or the strings true/false (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in ("true", "false"):
        return value.strip().casefold() == "true"
    raise ValueError(f"archived must be true or false, got {value!r}")


def _is_json(value: Any, kind: type) -> bool:
    """``isinstance`` for JSON scalars: a boolean is not an integer."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


_CAPABILITIES = Capabilities.build(
    operations=("get", "list", "update", "upsert"),
    emulated_operations=("create",),
    filters=("search", "status", "tags"),
    read=("vendor_status", "created_at"),
    write=WRITABLE,
    vendor_filters=("archived",),
    max_page_size=MAX_PAGE_SIZE,
    statuses=(CustomerStatus.ACTIVE, CustomerStatus.INACTIVE),
    notes={
        "list": "1000 requests per API key per day: pages of up to 1000",
        "create": "POST without phone/email (they are match keys), then an update by id adds them",
        "update": "POST /customers with the id; tags are merged, never removed",
        "upsert": "matches id, else phone, else email, else creates; tags merged",
        "delete": "Rotor has no delete endpoint (archive in Rotor's UI)",
        "search": "Rotor searches first/last/company name, email and phone",
        "tags": "comma-joined; Rotor does not say whether several tags mean all or any",
        "created_after": "Rotor has no date filter or sort",
        "created_before": "Rotor has no date filter or sort",
        "billing_address": "only in upsert answers; not_loaded on get/list",
        "address": "the property address; latitude/longitude from location (read only)",
    },
)


_PAGE_DECODER = msgspec.json.Decoder(RotorListPage)
"""List answers: the envelope typed, each record kept as its raw JSON (mapped one by one)."""


_MATCH_KEYS = ("phone", "email")
"""Fields Rotor's upsert matches on (phone first, then email)."""


class RotorProvider(Provider):
    """Rotor CRM's customers (``x-api-key`` auth, ``rotor-api-version`` pinned)."""

    display = "Rotor"
    default_base_url = DEFAULT_BASE_URL
    settings_spec = (
        Setting("api_key", env="ROTOR_API_KEY", secret=True, required=True,
                help="Rotor Open API key (an admin creates it under Integrations)",
                parse=_text_setting),
        Setting("base_url", env="ROTOR_BASE_URL", default=DEFAULT_BASE_URL,
                help="API root, default " + DEFAULT_BASE_URL, parse=_text_setting),
        Setting("api_version", default=DEFAULT_API_VERSION,
                help='value of the rotor-api-version header (Rotor documents only "1.1.0")',
                parse=_text_setting),
    )
    # Quirk: Rotor allows 1000 requests per API key per day, so list asks for the largest
    # page it accepts. No engine rate limit is declared: a client-side daily budget would
    # only block for hours; a 429 from Rotor is raised at once instead (not retried).
    default_page_size = MAX_PAGE_SIZE
    rate_limit = None

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        # One mapping path per shape: msgspec validates the record (raw JSON of a list page, or
        # a decoded dict of a get/upsert answer) against the wire struct, then to_customer.
        self._read_customer = read_to_customer(self.name)
        self._read = StructMapper(self.name, RotorCustomer, self._read_customer)
        self._flat = StructMapper(self.name, RotorUpsertResult, upsert_to_customer(self.name))

    # -- connection ---------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        """What Rotor's API can do (the same for every account)."""
        return _CAPABILITIES

    @property
    def api_version(self) -> str:
        """The ``rotor-api-version`` header value."""
        return str(self.settings.get("api_version") or DEFAULT_API_VERSION)

    def headers(self) -> dict[str, str]:
        """``x-api-key`` and ``rotor-api-version`` on every request."""
        # Quirk: the docs list rotor-api-version as required, yet their own curl examples
        # leave it out; it is always sent here.
        return {
            "x-api-key": self.settings.secret("api_key") or "",
            "rotor-api-version": self.api_version,
        }

    def describe(self) -> str:
        return f"api_version={self.api_version}"

    def credential_hint(self) -> str:
        return AUTH_HINT

    # -- requests -----------------------------------------------------------------------

    def get_request(self, customer_id: str) -> HttpRequest:
        """``GET /customers/{id}``."""
        return HttpRequest("GET", ("customers", customer_id))

    def list_request(self, query: ListQuery, cursor: Hashable | None) -> HttpRequest:
        """``GET /customers?page=N&limit=L`` plus the filters; ``cursor`` is the page number."""
        page = int(cursor) if isinstance(cursor, int) else 1
        params: list[tuple[str, str]] = [
            ("page", str(page)),
            ("limit", str(min(query.page_size or self.default_page_size, MAX_PAGE_SIZE))),
        ]
        if query.search:
            params.append(("search", query.search))
        status = self._status_param(query.status)
        if status is not None:
            params.append(("status", status))
        if query.tags:
            bad = [t for t in query.tags if "," in t]
            if bad:
                raise UnsupportedOperationError(
                    f"Rotor's tags filter is comma-separated, so it cannot express the tag {bad[0]!r}",
                    provider=self.name, operation="list",
                )
            params.append(("tags", ",".join(query.tags)))
        if "archived" in query.vendor_filters and query.vendor_filters["archived"] is not None:
            try:
                archived = _flag(query.vendor_filters["archived"])
            except ValueError as exc:
                raise ConfigurationError(str(exc), provider=self.name, operation="list") from None
            params.append(("archived", "true" if archived else "false"))
        return HttpRequest("GET", ("customers",), params=params)

    def _status_param(self, statuses: tuple[CustomerStatus, ...] | None) -> str | None:
        # A status Rotor cannot have matches nothing (the engine sends no request when no
        # asked-for status is possible), so only active/inactive reach the vendor's filter.
        wanted = {s for s in statuses or () if s in _CANONICAL_STATUS}
        if len(wanted) == 1:
            return _CANONICAL_STATUS[next(iter(wanted))]
        return None  # none or both: Rotor knows no other status, so no filter is needed

    def create_request(self, data: CustomerInput) -> HttpRequest:
        """``POST /customers`` without id, phone or email: the only upsert that always creates.

        Rotor's upsert matches an existing customer by phone, then email, so a create that
        carried either could silently update someone else. The first request therefore leaves
        them out; :meth:`follow_up_request` adds them to the new record by id. See README.
        """
        if data.id is not NOT_SET:
            raise ConfigurationError(
                "create() takes no id", provider=self.name, operation="create",
                hint="use update(id, data) or upsert(data) to change an existing customer",
            )
        # On a record that does not exist yet, None ("clear") just means "no value".
        fields = {k: v for k, v in data.set_fields().items() if v is not None and k not in _MATCH_KEYS}
        first = CustomerInput(**fields, vendor_fields=data.vendor_fields)
        body = write_body(first, provider=self.name, operation="create", customer_id=None)
        return HttpRequest("POST", ("customers",), json=body, idempotent=False)

    def follow_up_request(self, operation: str, data: CustomerInput, written: Customer) -> HttpRequest | None:
        """After a create: set phone/email on the new record by id (an exact, retryable update)."""
        if operation != "create":
            return None
        keys = {k: getattr(data, k) for k in _MATCH_KEYS if data.is_set(k) and getattr(data, k) is not None}
        if not keys:
            return None
        body = write_body(CustomerInput(**keys), provider=self.name, operation="create", customer_id=written.id)
        return HttpRequest("POST", ("customers",), json=body, idempotent=True)

    def parse_follow_up(self, response: HttpResponse, operation: str, written: Customer) -> Customer:
        """The follow-up of a create is an update by id: "updated" is the expected answer."""
        customer = self.parse_customer(response, "update")
        return attrs.evolve(customer, extras={**customer.extras, "upsert_outcome": "created"})

    def update_request(self, customer_id: str, data: CustomerInput) -> HttpRequest:
        """``POST /customers`` with ``id``: Rotor updates exactly that customer."""
        if data.id is not NOT_SET and data.id != customer_id:
            raise ConfigurationError(
                f"update({customer_id!r}, ...) got a CustomerInput with another id ({data.id!r})",
                provider=self.name, operation="update",
            )
        body = write_body(data, provider=self.name, operation="update", customer_id=customer_id)
        # Resending an update by id is harmless (tags merge), so the engine may retry it.
        return HttpRequest("POST", ("customers",), json=body, idempotent=True)

    def upsert_request(self, data: CustomerInput) -> HttpRequest:
        """``POST /customers``: by id when given, else Rotor matches phone, then email."""
        customer_id: str | None = None
        if data.id is not NOT_SET:
            if not isinstance(data.id, str) or not data.id.strip():
                raise ConfigurationError(
                    f"CustomerInput.id must be a non-empty string, got {data.id!r}",
                    provider=self.name, operation="upsert",
                )
            customer_id = data.id
        body = write_body(data, provider=self.name, operation="upsert", customer_id=customer_id)
        # Without an id a resend could create a second customer: never retried once sent.
        return HttpRequest("POST", ("customers",), json=body, idempotent=customer_id is not None)

    # -- responses ----------------------------------------------------------------------

    def _check_success(self, response: HttpResponse, operation: str) -> None:
        # Quirk guard: a 2xx whose body is Rotor's error envelope is still an error.
        body = response.data
        if isinstance(body, Mapping) and body.get("status") == "error":
            error = error_from_response(response, operation, self.secret_values())
            if error is not None:
                error.provider, error.operation = self.name, operation
                raise error

    def _map_at(self, mapper: StructMapper[Any], record: Any, path: str, operation: str) -> Customer:
        try:
            return mapper(record, operation=operation)
        except MappingError as err:
            err.paths = tuple((path + p[1:] if p.startswith("$") else p, r) for p, r in err.paths)
            raise

    def parse_customer(self, response: HttpResponse, operation: str) -> Customer:
        """Map a retrieve answer (``{data, status}``) or an upsert answer (flat)."""
        self._check_success(response, operation)
        body = response.data
        if not isinstance(body, Mapping):
            raise self.mapping_error(
                "the answer is not a JSON object", operation=operation,
                paths=[("$", f"expected an object, got {type(body).__name__}")],
            )
        if operation == "get":
            # GET /customers/{id}
            # {"data": {"id": "182bd5e5-…", "first_name": "first_name", …}, "status": "success"}
            data = body.get("data")
            if not isinstance(data, Mapping):
                raise self.mapping_error(
                    "the answer has no customer", operation=operation, record=body,
                    paths=[("$.data", "missing" if data is None else f"expected an object, got {type(data).__name__}")],
                )
            return self._map_at(self._read, data, "$.data", operation)
        # POST /customers (create/update/upsert)
        # {"id": "182bd5e5-…", "message": "Customer created successfully", "property_city": …}
        record: Any = body
        path = "$"
        if "id" not in body and isinstance(body.get("data"), Mapping):
            # Documented flat; a {data: …} wrapper (as on retrieve) is accepted too.
            record, path = body["data"], "$.data"
        customer = self._map_at(self._flat, record, path, operation)
        if "upsert_outcome" not in customer.extras and response.status_code == 201:
            customer = attrs.evolve(customer, extras={**customer.extras, "upsert_outcome": "created"})
        if operation == "create" and customer.extras.get("upsert_outcome") == "updated":
            # Defensive: a create without phone/email cannot match, per Rotor's rules.
            raise ConflictError(
                "Rotor reports it updated an existing customer instead of creating one",
                provider=self.name, operation=operation, status_code=response.status_code,
                details={"id": customer.id, "message": str(customer.raw.get("message"))},
                hint=f"customer {customer.id} was changed; check it in Rotor",
            )
        return customer

    def parse_page(self, response: HttpResponse, query: ListQuery, cursor: Hashable | None) -> RawPage:
        """Split a list answer; the next cursor is the next page number while ``has_more``."""
        # GET /customers
        # https://docs.api.getrotor.com/api/resources/customers/methods/list
        # {"data": [{"id": "182bd5e5-…", …}],
        #  "pagination": {"has_more": true, "limit": 50, "page": 1, "total": 142},
        #  "status": "success"}
        try:
            body = _PAGE_DECODER.decode(response.content)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            self._check_success(response, "list")  # an error envelope sent with a 2xx status
            message, paths = self._explain_page(response, exc)
            raise self.mapping_error(message, operation="list", paths=paths) from None
        if body.status == "error":
            self._check_success(response, "list")
        records = body.data or []  # "data?" is optional in Rotor's schema: no data, no records
        pagination = body.pagination
        has_more = total = limit = None
        if pagination is not None:
            has_more, total, limit = pagination.has_more, pagination.total, pagination.limit
        page = cursor if isinstance(cursor, int) else 1
        # Every field is optional in Rotor's schema: without has_more, fall back on the total
        # (counted with the limit Rotor says it applied), else ask for the next page (a short
        # page may be a silently capped one; the empty page after the end ends it).
        fallback = page * limit < total if total is not None and limit else True
        more = fallback if has_more is None else has_more
        # Page numbers past the end come back empty: an empty page ends the listing even
        # if has_more says otherwise (records deleted meanwhile shift the pages).
        return RawPage(records, page + 1 if more and records else None, total)

    def _explain_page(self, response: HttpResponse, exc: Exception) -> tuple[str, list[tuple[str, str]]]:
        """What makes a list answer unusable, with every JSON path (run only after it failed to
        decode: msgspec names the first problem, this names them all)."""
        body = response.data
        if not isinstance(body, Mapping):
            return "the list answer is not a JSON object", [("$", f"expected an object, got {type(body).__name__}")]
        records = body.get("data")
        if records is not None and not isinstance(records, list):
            return "the list answer has no record array", [
                ("$.data", f"expected an array, got {type(records).__name__}")
            ]
        pagination = body.get("pagination")
        if pagination is not None and not isinstance(pagination, Mapping):
            return "bad pagination block", [("$.pagination", f"expected an object, got {type(pagination).__name__}")]
        paths = [
            (f"$.pagination.{name}", f"expected {kind.__name__}, got {type(value).__name__}")
            for name, kind in (("has_more", bool), ("total", int), ("limit", int))
            if pagination is not None and (value := pagination.get(name)) is not None and not _is_json(value, kind)
        ]
        if paths:
            return "bad pagination block", paths
        return "bad list answer", [msgspec_error_path(str(exc))]

    def map_record(self, record: Any) -> Customer:
        """Map one list item (the read shape): its raw JSON from :meth:`parse_page`, or a dict."""
        return self._read(record, operation="list")

    def parse_error(self, response: HttpResponse, operation: str) -> ProviderError | None:
        """Rotor's ``{status: "error", message, error_code?, errors?}`` -> the error tree."""
        return error_from_response(response, operation, self.secret_values())

    # -- sandbox ------------------------------------------------------------------------

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = 100, **options: Any) -> RotorSandbox:
        """Return a Rotor simulator with ``size`` visible customers (plus archived ones).

        Options: see :class:`custbridge_rotor.sandbox.RotorSandbox`.
        """
        from .sandbox import RotorSandbox

        return RotorSandbox(seed=seed, size=size, **options)

