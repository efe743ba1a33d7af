"""The plug-in contract a vendor adapter implements.

An adapter is *pure* ("sans-I/O"): it describes requests (:class:`HttpRequest`) and turns
responses (:class:`HttpResponse`) into canonical objects. The engine in the core executes the
requests, sync or async, with retries, rate limits, pagination guards and redaction. An
adapter never opens a connection.

To write a provider, subclass :class:`Provider`, declare ``settings_spec`` and
``capabilities``, implement the request builders and parsers of the operations you support,
and register the class under the entry-point group ``custbridge.providers``.
"""

from __future__ import annotations

import difflib
import enum
import os
from collections.abc import Callable, Generator, Hashable, Iterable, Mapping, MutableMapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
import httpx

from ._jsonlib import loads
from ._redact import redact_text
from .errors import (
    ConfigurationError,
    MappingError,
    ProviderError,
    UnsupportedOperationError,
    error_class_for_status,
)
from .model import Customer, CustomerInput, CustomerStatus

if TYPE_CHECKING:
    from .sandbox import SandboxApp

__all__ = [
    "CANONICAL_FIELDS",
    "FILTERS",
    "OPERATIONS",
    "Capabilities",
    "Completion",
    "FieldAccess",
    "HttpRequest",
    "HttpResponse",
    "ListQuery",
    "Page",
    "Provider",
    "RateLimit",
    "RawPage",
    "Secret",
    "Setting",
    "Settings",
    "Support",
]

OPERATIONS: tuple[str, ...] = ("get", "list", "create", "update", "upsert", "delete")
"""Every canonical operation, in the order capability tables show them."""

FILTERS: tuple[str, ...] = ("search", "status", "tags", "created_after", "created_before")
"""Canonical list filters."""

CANONICAL_FIELDS: tuple[str, ...] = (
    "number",
    "external_id",
    "display_name",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "website",
    "status",
    "vendor_status",
    "address",
    "billing_address",
    "shipping_address",
    "language",
    "time_zone",
    "tags",
    "notes",
    "credit_limit",
    "created_at",
    "updated_at",
    "deleted_at",
)
"""Canonical :class:`~custbridge.Customer` fields whose support a provider declares."""


# --------------------------------------------------------------------------- settings


class Secret:
    """A credential: its value never shows in ``repr``, ``str``, logs or errors."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """Return the secret itself (only to put it on the wire)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def _identity(value: Any) -> Any:
    return value


@attrs.frozen
class Setting:
    """One keyword setting of a provider, with its environment-variable fallback."""

    name: str
    """Keyword argument name for :func:`custbridge.connect`."""
    env: str | None = None
    """Environment variable read when the keyword is not given."""
    help: str = ""
    """One line for documentation and error messages."""
    secret: bool = False
    """Wrap the value in :class:`Secret` and mask it everywhere."""
    required: bool = False
    """Fail with :class:`ConfigurationError` when neither keyword nor variable is set."""
    default: Any = None
    """Value when neither keyword nor variable is set."""
    parse: Callable[[Any], Any] = _identity
    """Turn a raw value (an environment string or a keyword value) into the setting's type."""


class Settings(Mapping[str, Any]):
    """Resolved settings of one connection; secrets are :class:`Secret` objects."""

    def __init__(self, values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
        self._values = dict(values)
        self._sources = dict(sources)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def source(self, key: str) -> str:
        """Where a value came from: ``"argument"``, ``"env:NAME"`` or ``"default"``."""
        return self._sources.get(key, "default")

    def secret(self, key: str) -> str | None:
        """Return the plain value of a secret setting, or ``None`` when unset."""
        value = self._values.get(key)
        if value is None:
            return None
        if isinstance(value, Secret):
            return value.get_secret_value()
        return str(value)

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"

    @classmethod
    def resolve(
        cls,
        provider: str,
        spec: Sequence[Setting],
        given: Mapping[str, Any],
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Resolve keyword arguments against ``spec``, falling back to environment variables."""
        env = os.environ if environ is None else environ
        known = {s.name: s for s in spec}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ConfigurationError(
                f"unknown setting(s) {', '.join(unknown)}",
                provider=provider,
                operation="connect",
                hint="valid settings: " + ", ".join(sorted(known)),
            )
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for setting in spec:
            raw: Any
            if given.get(setting.name) is not None:
                raw, source = given[setting.name], "argument"
            elif setting.env and env.get(setting.env):
                raw, source = env[setting.env], f"env:{setting.env}"
            else:
                raw, source = setting.default, "default"
            if raw is None:
                if setting.required:
                    where = f"pass {setting.name}=..."
                    if setting.env:
                        where += f" or set {setting.env}"
                    raise ConfigurationError(
                        f"missing setting {setting.name!r}" + (f" ({setting.help})" if setting.help else ""),
                        provider=provider,
                        operation="connect",
                        hint=where,
                    )
                values[setting.name] = None
                sources[setting.name] = source
                continue
            if isinstance(raw, Secret):
                raw = raw.get_secret_value()
            try:
                value = setting.parse(raw)
            except (TypeError, ValueError) as exc:
                shown = "<secret>" if setting.secret else repr(raw)
                reason = str(exc)
                if setting.secret:  # a parser may quote the value it refused
                    reason = redact_text(reason, [str(raw)])
                raise ConfigurationError(
                    f"invalid value {shown} for setting {setting.name!r} (from {source}): {reason}",
                    provider=provider,
                    operation="connect",
                    hint=setting.help or None,
                ) from None
            values[setting.name] = Secret(str(value)) if setting.secret else value
            sources[setting.name] = source
        return cls(values, sources)


# --------------------------------------------------------------------------- capabilities


class Support(enum.StrEnum):
    """How a provider supports an operation or filter."""

    NATIVE = "native"
    """The vendor API does it."""
    EMULATED = "emulated"
    """custbridge does it on the client side (e.g. filters applied after fetching)."""
    UNSUPPORTED = "unsupported"
    """Not available: asking for it raises :class:`UnsupportedOperationError`."""


class FieldAccess(enum.StrEnum):
    """How a provider supports a canonical field."""

    READ = "read"
    """Read from the vendor, not writable."""
    WRITE = "write"
    """Read from the vendor and writable."""
    EMULATED = "emulated"
    """Derived by custbridge from other vendor data (e.g. ``display_name``)."""
    UNSUPPORTED = "unsupported"
    """The vendor has no such field: always ``None`` (or empty) on this provider."""

    @property
    def readable(self) -> bool:
        """True when a value can come back from the vendor."""
        return self is not FieldAccess.UNSUPPORTED


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(value)


@attrs.frozen
class Capabilities:
    """What a provider can do; checked before every call (like ccxt's ``has``)."""

    operations: Mapping[str, Support] = attrs.field(converter=_frozen_map)
    """Per operation in :data:`OPERATIONS`."""
    filters: Mapping[str, Support] = attrs.field(converter=_frozen_map)
    """Per canonical filter in :data:`FILTERS`."""
    fields: Mapping[str, FieldAccess] = attrs.field(converter=_frozen_map)
    """Per canonical field in :data:`CANONICAL_FIELDS`."""
    vendor_filters: tuple[str, ...] = ()
    """Extra keyword filters ``list()`` passes to the vendor as they are."""
    max_page_size: int | None = None
    """Largest page the vendor accepts."""
    notes: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)
    """Short remarks per operation, filter or field (shown in coverage tables)."""
    statuses: tuple[CustomerStatus, ...] | None = None
    """Canonical statuses this vendor's customers can have (``None``: not declared, any).

    A ``status`` filter asking only for others lists nothing, without a request."""

    @classmethod
    def build(
        cls,
        *,
        operations: Iterable[str] = (),
        emulated_operations: Iterable[str] = (),
        filters: Iterable[str] = (),
        emulated_filters: Iterable[str] = (),
        read: Iterable[str] = (),
        write: Iterable[str] = (),
        emulated_fields: Iterable[str] = ("display_name",),
        vendor_filters: Iterable[str] = (),
        max_page_size: int | None = None,
        notes: Mapping[str, str] | None = None,
        statuses: Iterable[CustomerStatus] | None = None,
    ) -> Capabilities:
        """Declare capabilities by listing what is supported; everything else is unsupported."""
        ops = {op: Support.UNSUPPORTED for op in OPERATIONS}
        ops.update({op: Support.NATIVE for op in operations})
        ops.update({op: Support.EMULATED for op in emulated_operations})
        flt = {f: Support.UNSUPPORTED for f in FILTERS}
        flt.update({f: Support.NATIVE for f in filters})
        flt.update({f: Support.EMULATED for f in emulated_filters})
        fields = {f: FieldAccess.UNSUPPORTED for f in CANONICAL_FIELDS}
        fields.update({f: FieldAccess.READ for f in read})
        fields.update({f: FieldAccess.WRITE for f in write})
        fields.update({f: FieldAccess.EMULATED for f in emulated_fields})
        for name in (*ops, *flt, *fields):
            if name not in (*OPERATIONS, *FILTERS, *CANONICAL_FIELDS):  # pragma: no cover
                raise ValueError(f"unknown capability name {name!r}")
        return cls(
            operations=ops,
            filters=flt,
            fields=fields,
            vendor_filters=tuple(vendor_filters),
            max_page_size=max_page_size,
            notes=notes or {},
            statuses=None if statuses is None else tuple(statuses),
        )

    def supports(self, operation: str) -> bool:
        """Return whether ``operation`` can be called (natively or emulated)."""
        return self.operations.get(operation, Support.UNSUPPORTED) is not Support.UNSUPPORTED

    def supported_operations(self) -> list[str]:
        """Operations that can be called."""
        return [op for op in OPERATIONS if self.supports(op)]

    def supported_filters(self) -> list[str]:
        """Canonical filters that ``list()`` accepts, plus the vendor filters."""
        canonical = [f for f, s in self.filters.items() if s is not Support.UNSUPPORTED]
        return canonical + list(self.vendor_filters)

    def field(self, name: str) -> FieldAccess:
        """Return how the canonical field ``name`` is supported.

        Raises:
            ConfigurationError: ``name`` is not a canonical field (a typo such as ``"colour"``);
                the hint lists the valid names.
        """
        access = self.fields.get(name)
        if access is not None:
            return access
        if name in CANONICAL_FIELDS:
            return FieldAccess.UNSUPPORTED
        close = difflib.get_close_matches(str(name), CANONICAL_FIELDS, n=1)
        raise ConfigurationError(
            f"unknown canonical field {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
            operation="capabilities",
            hint="valid fields: " + ", ".join(CANONICAL_FIELDS),
        )


@attrs.frozen
class RateLimit:
    """A request budget the engine keeps to: ``requests`` per ``per_seconds`` (sliding window)."""

    requests: int
    per_seconds: float


# --------------------------------------------------------------------------- wire exchange

_NO_BODY: Any = object()


@attrs.frozen
class HttpRequest:
    """A request an adapter wants made; the engine adds base URL, auth, ids and retries."""

    method: str
    """HTTP method."""
    path: tuple[str, ...] = ()
    """Path segments below the base URL. Each is percent-encoded as one segment, so an id
    such as ``"../x"`` or ``"a/b?c"`` can never change the route."""
    params: Sequence[tuple[str, str]] = ()
    """Query parameters in order (repeat a name for arrays)."""
    json: Any = _NO_BODY
    """JSON body, if any."""
    headers: Mapping[str, str] = attrs.field(factory=dict)
    """Extra headers for this request (e.g. an idempotency key)."""
    idempotent: bool | None = None
    """Whether the engine may resend it; ``None`` means safe for GET/HEAD/PUT/DELETE only."""
    url: str | None = None
    """A vendor-supplied URL (e.g. a next-page link) used instead of ``path``; the engine
    resolves it against the base URL and refuses another host."""

    @property
    def has_body(self) -> bool:
        return self.json is not _NO_BODY

    @property
    def safe_to_retry(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")


NOT_DECODED: Any = object()
"""``HttpResponse(data=NOT_DECODED)``: decode the body only when :attr:`HttpResponse.data` is read."""


@attrs.frozen
class HttpResponse:
    """A complete vendor response as the adapter sees it.

    The engine hands it over with the body checked to be JSON but not decoded: an adapter that
    decodes ``content`` itself (typed, with msgspec) never pays for :attr:`data`, which is
    decoded on first access.
    """

    status_code: int
    headers: httpx.Headers
    content: bytes
    _data: Any = attrs.field(alias="data", eq=False, repr=False)
    request_id: str | None = None
    """The vendor's request id or our correlation id, when known."""
    url: str = ""

    @property
    def data(self) -> Any:
        """The decoded JSON body, or ``None`` when the body is empty or not JSON."""
        value = self._data
        if value is NOT_DECODED:
            value = None
            if self.content:
                try:
                    value = loads(self.content)
                except ValueError:
                    value = None
            object.__setattr__(self, "_data", value)  # decoded once
        return value

    def snippet(self, limit: int = 160) -> str:
        """The start of the body as text, for error messages."""
        text = self.content[: limit * 4].decode("utf-8", "replace")
        text = " ".join(text.split())
        return text[:limit] + ("…" if len(text) > limit else "")


@attrs.frozen
class RawPage:
    """One page as the adapter parsed it: undecoded records plus where to go next."""

    records: Sequence[Any]
    """The vendor records of this page, not yet mapped (the engine maps them one by one)."""
    next_cursor: Hashable | None
    """What the adapter needs to fetch the next page, or ``None`` at the end.

    Return ``None`` only on an *explicit* end: the vendor's own signal (``has_more: false``,
    no next link, the total reached) or an empty page. A page that merely came back shorter
    than asked is not an end (vendors cap page sizes silently): return the next cursor, and
    the empty page that follows ends the list at the cost of one request. The engine checks
    the end against :attr:`total` and raises :class:`~custbridge.PaginationError` when the
    list comes up short of it, so an adapter need not second-guess the vendor's signals."""
    total: int | None = None
    """The vendor's total count of matching records, when it gives one (for the whole list,
    not this page). The engine uses it to prove a list complete, to stop a vendor that runs
    clearly past it, and to notice deletions mid-list (a shrinking total) and re-read the
    pages just before."""


T = TypeVar("T")


@attrs.frozen
class Page(Generic[T]):
    """One page of mapped results."""

    items: Sequence[T]
    """The mapped records."""
    total: int | None = None
    """The vendor's total count of matching records, when it says."""
    number: int = 0
    """0-based index of the page in this listing."""
    next_cursor: str | None = None
    """Where the next page starts, as opaque JSON-safe text; ``None`` on the last page (or
    when the provider's cursors cannot be saved: see :meth:`Provider.cursor_to_json`).
    Save it and pass it to ``list(start_cursor=...)``/``pages(start_cursor=...)`` (same
    provider, filters and ``page_size``, any process) to continue the listing there. When
    ``max_items`` cut this page short, the rest of the page is not in ``items`` and the
    cursor still points past the whole page."""


Completion = Generator[HttpRequest, HttpResponse, Sequence[Customer]]
"""What :meth:`Provider.complete` returns: yields requests, receives responses, returns customers."""


@attrs.frozen
class ListQuery:
    """The canonical filters of one ``list()`` call, as passed to the adapter."""

    search: str | None = None
    status: tuple[CustomerStatus, ...] | None = None
    tags: tuple[str, ...] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    page_size: int | None = None
    vendor_filters: Mapping[str, Any] = attrs.field(factory=dict)


# --------------------------------------------------------------------------- the contract


class Provider:
    """Base class of every provider (vendor adapter).

    Override the class attributes, ``capabilities`` and the builders/parsers of the
    operations you support. Everything else (I/O, retries, pagination guards, redaction,
    emulated filters, invalid-record policy) is the engine's job.
    """

    name: ClassVar[str] = ""
    """Registered provider name; set by the registry when it loads the class."""
    display: ClassVar[str] = ""
    """Human name of the vendor, for reports."""
    alias_of: ClassVar[str | None] = None
    """Name of the provider this one is another name for (same vendor API, e.g. after a
    rename). Reports over every sandbox skip aliases so one vendor is not counted twice."""
    settings_spec: ClassVar[tuple[Setting, ...]] = ()
    """Keyword settings of :func:`custbridge.connect` (``base_url`` is usually one)."""
    default_base_url: ClassVar[str] = ""
    """Base URL when the ``base_url`` setting is not given."""
    max_concurrency: ClassVar[int | None] = None
    """Most requests in flight at once per client (enforced by the async engine)."""
    rate_limit: ClassVar[RateLimit | None] = None
    """Request budget the engine keeps to."""
    default_page_size: int = 100
    """Page size when the caller gives none (may be set per instance from a setting)."""
    correlation_header: ClassVar[str | None] = None
    """Header the engine fills with a fresh UUID per request and keeps on errors."""
    request_id_headers: ClassVar[tuple[str, ...]] = ()
    """Response headers that carry the vendor's request id."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # -- connection ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where requests go: the ``base_url`` setting, else ``default_base_url``."""
        value = self.settings.get("base_url") if "base_url" in self.settings else None
        return str(value or self.default_base_url)

    @property
    def capabilities(self) -> Capabilities:
        """What this provider supports; may depend on the settings."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """Headers sent on every request (static auth, version pins, content negotiation)."""
        return {}

    def auth(self) -> httpx.Auth | None:
        """An :class:`httpx.Auth` for credentials that need requests of their own (OAuth)."""
        return None

    def secret_values(self) -> list[str]:
        """Every secret string the engine must scrub from errors and logs.

        Asked anew on every redaction: override to add credentials obtained at run time
        (OAuth access tokens) from the moment they arrive. Credentials that the :meth:`auth`
        flow puts in ``Authorization``, API-key or cookie headers are added by the engine.
        """
        out = [v.get_secret_value() for v in self.settings.values() if isinstance(v, Secret)]
        return [v for v in out if v]

    def describe(self) -> str:
        """Extra words for ``repr(client)`` (never a secret), e.g. ``"test key"``."""
        return ""

    def credential_hint(self) -> str | None:
        """What to set when authentication fails, e.g. ``"set ACME_API_KEY"``."""
        envs = [s.env for s in self.settings_spec if s.secret and s.env]
        return ("set " + " or ".join(envs)) if envs else None

    # -- requests -----------------------------------------------------------------------

    def _unsupported(self, operation: str) -> UnsupportedOperationError:
        return UnsupportedOperationError(
            f"{operation} is not supported",
            provider=self.name,
            operation=operation,
            hint="supported: " + ", ".join(self.capabilities.supported_operations()),
        )

    def get_request(self, customer_id: str) -> HttpRequest:
        """Describe fetching one customer."""
        raise self._unsupported("get")

    def list_request(self, query: ListQuery, cursor: Hashable | None) -> HttpRequest | None:
        """Describe fetching one page; ``cursor`` is ``None`` for the first page.

        Return ``None`` when the filters can match nothing at this vendor (e.g. a status it
        does not have): the listing is then empty and no request is sent.
        """
        raise self._unsupported("list")

    def create_request(self, data: CustomerInput) -> HttpRequest:
        """Describe creating a customer."""
        raise self._unsupported("create")

    def update_request(self, customer_id: str, data: CustomerInput) -> HttpRequest:
        """Describe a partial update: send only ``data.set_fields()``."""
        raise self._unsupported("update")

    def upsert_request(self, data: CustomerInput) -> HttpRequest:
        """Describe an insert-or-update."""
        raise self._unsupported("upsert")

    def delete_request(self, customer_id: str) -> HttpRequest:
        """Describe deleting a customer."""
        raise self._unsupported("delete")

    def follow_up_request(self, operation: str, data: CustomerInput, written: Customer) -> HttpRequest | None:
        """A second request that completes a write, or ``None`` (the default).

        Override when one vendor call cannot do the canonical operation exactly, e.g. a create
        that must not carry matching keys followed by an update by id that adds them. The
        engine sends it after the first response was parsed and maps its answer with
        :meth:`parse_follow_up`. If it fails, the error names the id that was written.
        """
        return None

    def parse_follow_up(self, response: HttpResponse, operation: str, written: Customer) -> Customer:
        """Map the answer to :meth:`follow_up_request` (default: ``parse_customer``)."""
        return self.parse_customer(response, operation)

    def complete(
        self, customers: Sequence[Customer], operation: str, state: MutableMapping[str, Any]
    ) -> Completion | None:
        """Extra requests that complete mapped customers, or ``None`` (the default: nothing to do).

        Override when a vendor's customer response only *references* data that other
        endpoints hold (e.g. an address id whose street data lives at an address endpoint).
        Return a generator that yields :class:`HttpRequest` objects and receives each
        successful :class:`HttpResponse`; it returns the completed customers, as many and in
        the same order as given. The engine sends every request with the same base URL, auth,
        rate limit, retries and redaction as the operation's own requests. A request that
        fails is raised *into* the generator as the custbridge error, so it may catch one it
        can live with (e.g. :class:`~custbridge.NotFoundError`) and yield the next request;
        an uncaught error fails the operation.

        The engine calls it after ``get`` and after each write (once the record was mapped),
        and for every page ``list()``/``pages()`` emits, with the page's customers after the
        emulated filters and ``max_items`` (so nothing is fetched for dropped records).
        ``state`` is one dict per ``list()``/``pages()`` call (a fresh one for other
        operations): keep what later pages can reuse there (a cache, a bulk cursor), never on
        the provider, which concurrent calls share. State the extra requests' cost in the
        capability notes: they count against the vendor's rate limit like any other.
        """
        return None

    # -- responses ----------------------------------------------------------------------

    def parse_customer(self, response: HttpResponse, operation: str) -> Customer:
        """Turn a single-customer response (get/create/update/upsert) into a Customer."""
        raise NotImplementedError

    def parse_page(self, response: HttpResponse, query: ListQuery, cursor: Hashable | None) -> RawPage:
        """Split a list response into raw records, the next cursor and the total.

        See :class:`RawPage` for when the next cursor is ``None`` (explicit ends only).
        """
        raise NotImplementedError

    def cursor_to_json(self, cursor: Hashable) -> Any:
        """Turn a cursor of :meth:`parse_page` into JSON data, so a listing can be resumed later.

        The default handles strings, numbers and tuples of them. Override it, together with
        :meth:`cursor_from_json`, when your cursors are objects.
        """
        from ._cursor import plain_to_json

        return plain_to_json(cursor)

    def cursor_from_json(self, value: Any) -> Hashable:
        """The inverse of :meth:`cursor_to_json`; raise ``ValueError`` on data it did not make."""
        from ._cursor import plain_from_json

        return plain_from_json(value)

    def map_record(self, record: Any) -> Customer:
        """Map one raw list record; raise :class:`MappingError` with JSON paths on bad data."""
        raise NotImplementedError

    def parse_error(self, response: HttpResponse, operation: str) -> ProviderError | None:
        """Build the error for a non-2xx response from the vendor's envelope.

        Return ``None`` to let the engine use the status-based default (also used when
        the body is not the vendor's JSON).
        """
        return None

    # -- sandbox ------------------------------------------------------------------------

    @classmethod
    def sandbox(cls, *, seed: int = 0, size: int = 100, **options: Any) -> SandboxApp:
        """Return a simulator of this vendor's API seeded with ``size`` customers."""
        raise UnsupportedOperationError("this provider ships no sandbox", provider=cls.name, operation="sandbox")

    # -- helpers for adapters -----------------------------------------------------------

    def mapping_error(
        self,
        reason: str,
        *,
        record: Any = None,
        paths: Sequence[tuple[str, str]] = (),
        operation: str | None = None,
    ) -> MappingError:
        """Build a :class:`MappingError` naming the record's id when it has one."""
        record_id = None
        if isinstance(record, Mapping):
            rid = record.get("id")
            record_id = str(rid) if rid is not None else None
        return MappingError(reason, provider=self.name, operation=operation, record_id=record_id, paths=paths)


def default_error(provider: str, operation: str, response: HttpResponse) -> ProviderError:
    """The status-based error for a response whose body is not a known vendor envelope."""
    cls = error_class_for_status(response.status_code)
    reason = httpx.codes.get_reason_phrase(response.status_code) or "error"
    return cls(
        reason,
        provider=provider,
        operation=operation,
        status_code=response.status_code,
        request_id=response.request_id,
        body_snippet=response.snippet() or None,
        retryable=True if response.status_code == 408 else None,
    )
