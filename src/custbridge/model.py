"""The canonical model: what every provider's customers look like to a program.

Models are frozen attrs classes with no I/O and no vendor parsing. Missing is ``None``
(never ``""``), datetimes are timezone-aware, money is :class:`~decimal.Decimal`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, Final, TypeVar, Union

import attrs

__all__ = [
    "NOT_SET",
    "WRITABLE_FIELDS",
    "Address",
    "AddressText",
    "Customer",
    "CustomerInput",
    "CustomerStatus",
    "Money",
    "NotSet",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class CustomerStatus(enum.StrEnum):
    """The lifecycle state of a customer, across vendors."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    ON_HOLD = "on_hold"
    DELETED = "deleted"
    UNKNOWN = "unknown"


def _freeze_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not value:
        return _EMPTY
    if isinstance(value, MappingProxyType):
        return value
    return MappingProxyType(dict(value))


class RawRecord(Mapping[str, Any]):
    """A vendor record kept as its JSON bytes and decoded on first use (``Customer.raw``).

    Adapters that decode records straight into typed wire structs hand the record's bytes
    here instead of a dict, so listing never builds a dict per record that nobody reads. It
    reads like any mapping (decoded once, then cached) and pickles as its bytes.
    """

    __slots__ = ("_content", "_decoded")

    def __init__(self, content: bytes) -> None:
        self._content = bytes(content)
        self._decoded: Mapping[str, Any] | None = None

    @property
    def content(self) -> bytes:
        """The record's JSON, exactly as the vendor sent it."""
        return self._content

    def _mapping(self) -> Mapping[str, Any]:
        decoded = self._decoded
        if decoded is None:
            from ._jsonlib import loads

            value = loads(self._content)
            decoded = self._decoded = MappingProxyType(value if isinstance(value, dict) else {})
        return decoded

    def __getitem__(self, key: str) -> Any:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __repr__(self) -> str:
        return f"RawRecord({dict(self._mapping())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RawRecord, (self._content,))


def _view_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only view without copying (for the untouched vendor payload)."""
    if type(value) is RawRecord:
        return value  # decoded when read, not now
    if not value:
        return _EMPTY
    if isinstance(value, MappingProxyType):
        return value
    return MappingProxyType(value if isinstance(value, dict) else dict(value))


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _json_normal(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _json_normal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_normal(v) for v in value]
    return value


def _same_json(a: Any, b: Any) -> bool:
    """Equality of vendor data as JSON sees it (tuples and lists alike)."""
    return bool(a == b) or _json_normal(a) == _json_normal(b)


def _to_frozenset(value: Iterable[str] | None) -> frozenset[str]:
    return frozenset(value or ())


def _to_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value)


@attrs.frozen(kw_only=True)
class Money:
    """An amount of money, exact."""

    amount: Decimal
    """The amount, exact (never a float)."""
    currency: str | None = None
    """ISO 4217 code when the vendor says which currency, else ``None``."""
    display: str | None = None
    """The vendor's own formatted rendering, e.g. ``"$1,234.56"``."""


@attrs.frozen(kw_only=True)
class AddressText:
    """The language-dependent text of an address in one language."""

    line1: str | None = None
    """First street line."""
    line2: str | None = None
    """Second street line."""
    city: str | None = None
    """City or locality."""
    region: str | None = None
    """State, province or region."""
    language: str | None = None
    """The language every field here is in, when known and the same for all (``Address.primary``
    only; in ``Address.translations`` the key says the language)."""


_TEXT_FIELDS: Final = ("line1", "line2", "city", "region")


def _language_key(code: str) -> str:
    """``"EN_gb "`` -> ``"en-gb"``: how language codes are compared."""
    return code.strip().lower().replace("_", "-")


@attrs.frozen(kw_only=True)
class Address:
    """A postal address, optionally with the same text in other languages."""

    line1: str | None = attrs.field(default=None, converter=_clean_text)
    """First street line."""
    line2: str | None = attrs.field(default=None, converter=_clean_text)
    """Second street line."""
    city: str | None = attrs.field(default=None, converter=_clean_text)
    """City or locality."""
    region: str | None = attrs.field(default=None, converter=_clean_text)
    """State, province or region, as the vendor wrote it."""
    postal_code: str | None = attrs.field(default=None, converter=_clean_text)
    """Postal or ZIP code."""
    country: str | None = attrs.field(default=None, converter=_clean_text)
    """ISO 3166-1 alpha-2, upper case, when recognisable; otherwise as the vendor gave it."""
    formatted: str | None = attrs.field(default=None, converter=_clean_text)
    """The vendor's one-line rendering of the address, when it sends one."""
    latitude: float | None = None
    """WGS84 latitude in degrees (-90..90)."""
    longitude: float | None = None
    """WGS84 longitude in degrees (-180..180)."""
    name: str | None = attrs.field(default=None, converter=_clean_text)
    """Name the address is for (a site, a department, a person)."""
    language: str | None = None
    """ISO 639-1 code of the language ``line1``/``line2``/``city``/``region`` are all in, when
    known; ``None`` when unknown or when they mix languages (``formatted`` is not covered)."""
    translations: Mapping[str, AddressText] = attrs.field(factory=dict, converter=_freeze_mapping, eq=False)
    """The text in every language the vendor sent, keyed by ISO 639-1 code."""
    primary: AddressText | None = attrs.field(default=None, eq=False, repr=False)
    """The vendor's own (untranslated) text, when the text fields above were taken from a
    translation; ``None`` means the fields above *are* the vendor's primary text. Kept so that
    :meth:`in_language` falls back to what the vendor sent, not to another translation."""

    def in_language(self, code: str) -> Address:
        """Return this address with its text in language ``code`` where the vendor has it.

        Per text field (``line1``, ``line2``, ``city``, ``region``): the vendor's translation
        in ``code`` when there is one, else the vendor's primary text. The result depends only
        on the data (the primary text and :attr:`translations`), never on the text this
        address currently shows, so ``a.in_language("en")`` is the same for an address mapped
        by a client created with ``language="fr"`` and one created without.

        ``code`` matches case-insensitively (``"EN"`` is ``"en"``); a regional code falls
        back to its base language per field (``"en-GB"`` uses the vendor's ``"en-gb"`` text,
        else its ``"en"`` text, else the primary text).

        The result's :attr:`language` is the language its text is in: the matched code when
        every text field came from that translation, the primary text's language when every
        field is primary text, ``None`` when they mix.

        ``formatted`` is returned unchanged: vendors render it once, in a language of their
        choosing, so it may not be in the result's :attr:`language`. Postal code, country,
        coordinates and name are not language-dependent and are unchanged too.
        """
        # Assumption: ``formatted`` is left as the vendor rendered it (no vendor translates it).
        found = self._translations_for(code)
        if not found and self.primary is None:
            return self  # no such translation, and the text shown is already the primary text
        primary = self.primary or AddressText(
            line1=self.line1, line2=self.line2, city=self.city, region=self.region, language=self.language
        )
        primary_key = _language_key(primary.language) if primary.language else None
        values: dict[str, str | None] = {}
        sources: set[str | None] = set()
        for field in _TEXT_FIELDS:
            for key, text in found:
                translated = getattr(text, field)
                if translated is not None and translated.strip():
                    values[field] = translated
                    sources.add(key)
                    break
            else:
                value = getattr(primary, field)
                values[field] = value
                if value is not None and value.strip():
                    sources.add(primary_key)
        if len(found) == 2 and sources == {found[0][0], found[1][0]}:
            sources = {found[1][0]}  # "fr-ca" and "fr" text together is French
        if not sources:
            language = primary.language
        elif len(sources) == 1:
            language = next(iter(sources))
        else:
            language = None
        same_language = language == primary.language or (language is not None and language == primary_key)
        if same_language and all(values[f] == getattr(primary, f) for f in _TEXT_FIELDS):
            kept: AddressText | None = None  # the fields shown are the primary text
        else:
            kept = primary
        return attrs.evolve(
            self,
            line1=values["line1"],
            line2=values["line2"],
            city=values["city"],
            region=values["region"],
            language=language,
            primary=kept,
        )

    def _translations_for(self, code: str) -> list[tuple[str, AddressText]]:
        """The vendor's translations for ``code``, exact first, then its base language."""
        wanted = _language_key(code)
        if not wanted or not self.translations:
            return []
        by_key = {_language_key(k): v for k, v in self.translations.items()}
        base = wanted.split("-", 1)[0]
        candidates = (wanted, base) if base != wanted else (wanted,)
        return [(key, by_key[key]) for key in candidates if key in by_key]

    @property
    def is_empty(self) -> bool:
        """True when the address carries no location information at all."""
        return not (
            self.line1
            or self.line2
            or self.city
            or self.region
            or self.postal_code
            or self.country
            or self.formatted
            or self.latitude is not None
        )


@attrs.frozen(kw_only=True)
class Customer:
    """One customer record of one provider, in the canonical shape."""

    provider: str
    """Registered provider name, e.g. ``"acme"``."""
    id: str
    """The vendor's id for this customer."""
    number: str | None = None
    """Human-facing customer number."""
    external_id: str | None = None
    """The caller's own id stored at the vendor."""
    display_name: str = ""
    """Never empty: company name, else "first last", else email, else id."""
    first_name: str | None = attrs.field(default=None, converter=_clean_text)
    """Given name of the person."""
    last_name: str | None = attrs.field(default=None, converter=_clean_text)
    """Family name of the person."""
    company_name: str | None = attrs.field(default=None, converter=_clean_text)
    """Company or account name."""
    email: str | None = attrs.field(default=None, converter=_clean_text)
    """E-mail address as the vendor gave it, trimmed."""
    phone: str | None = attrs.field(default=None, converter=_clean_text)
    """Phone number as the vendor gave it, trimmed (not normalised)."""
    website: str | None = attrs.field(default=None, converter=_clean_text)
    """Web site URL as the vendor gave it, trimmed."""
    status: CustomerStatus = CustomerStatus.UNKNOWN
    """Canonical lifecycle state; ``UNKNOWN`` for values the adapter does not know."""
    vendor_status: str | None = None
    """The vendor's own status value, untouched."""
    address: Address | None = None
    """The customer's primary postal address."""
    billing_address: Address | None = None
    """Where invoices go."""
    shipping_address: Address | None = None
    """Where goods go."""
    language: str | None = None
    """Preferred language, ISO 639-1."""
    time_zone: str | None = None
    """IANA time zone name, e.g. ``"Europe/Brussels"``."""
    tags: tuple[str, ...] = attrs.field(default=(), converter=_to_tuple)
    """Free-form labels."""
    notes: str | None = attrs.field(default=None, converter=_clean_text)
    """Free-form notes."""
    credit_limit: Money | None = None
    """Credit limit granted to the customer."""
    created_at: datetime | None = None
    """When the vendor created the record (timezone-aware)."""
    updated_at: datetime | None = None
    """When the vendor last changed the record (timezone-aware)."""
    deleted_at: datetime | None = None
    """When the vendor (soft-)deleted the record (timezone-aware)."""
    extras: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_freeze_mapping, eq=attrs.cmp_using(eq=_same_json), hash=False
    )
    """Vendor-only fields, each key documented in the adapter's README. Compared as JSON data
    (a tuple equals a list with the same items, so a JSON round trip compares equal); left
    out of the hash, as values may be lists."""
    not_loaded: frozenset[str] = attrs.field(default=frozenset(), converter=_to_frozenset)
    """Canonical fields this record did not load (e.g. a vendor expansion was not requested).

    ``None`` in such a field means "unknown", not "the customer has none".
    """
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False, converter=_view_mapping)
    """The untouched vendor record; excluded from ``==`` and ``repr``."""

    _init_prelude: ClassVar[tuple[str, ...]] = (
        "if not display_name or display_name.isspace():"
        " display_name = _display_name(company_name, first_name, last_name, email, id)",
        *(
            f"if {name} is not None and {name}.tzinfo is None: _naive_time('Customer.{name}', {name})"
            for name in ("created_at", "updated_at", "deleted_at")
        ),
    )
    """The rules of construction, run by the generated ``__init__`` (:func:`_install_fast_init`)
    on the argument values before they are stored: the display name is never empty (derived
    from company, person, e-mail, id), and timestamps are timezone-aware."""

    @property
    def key(self) -> str:
        """``"<provider>:<id>"``, unique across providers."""
        return f"{self.provider}:{self.id}"

    def to_dict(self, *, include_raw: bool = False) -> dict[str, Any]:
        """This customer as JSON-ready data (``json.dumps`` takes it as is).

        Nested objects for addresses and money, ISO 8601 text for datetimes, exact decimal
        text for amounts, plus the derived ``key``; ``raw`` only with ``include_raw=True``.
        ``custbridge schema`` prints the JSON Schema of this shape.
        """
        from ._dicts import customer_to_dict

        return customer_to_dict(self, include_raw=include_raw)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Customer:
        """Rebuild a customer from :meth:`to_dict` output; the result is equal to the original."""
        from ._dicts import customer_from_dict

        return customer_from_dict(data)


_TWIN_MIN_FIELDS = 5
"""Classes with at most this many fields are built with descriptor calls: switching
``__class__`` twice costs about as much as five of them."""


def _mutable_twin(cls: type) -> type:
    """A slot-less subclass of frozen ``cls`` whose attributes can be assigned normally.

    An instance's ``__class__`` may be switched between a class and a subclass that adds no
    slots (the memory layout is the same), so an ``__init__`` can switch to the twin, store
    every field with a plain (specialised, ~15 ns) slot store instead of a descriptor call
    (~80 ns), and switch back. Outside ``__init__`` no instance is ever of the twin class.
    """
    return type(
        f"_Mutable{cls.__name__}",
        (cls,),
        {
            "__slots__": (),
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
            "__module__": cls.__module__,
            "__doc__": f"Construction-time twin of {cls.__name__} (never escapes __init__).",
        },
    )


def _display_name(
    company_name: str | None, first_name: str | None, last_name: str | None, email: str | None, id: str
) -> str:
    """A customer's display name when the vendor gives none: company, person, e-mail, id."""
    if company_name:
        return company_name
    person = f"{first_name} {last_name}" if first_name and last_name else first_name or last_name
    return person or email or id


def _naive_time(name: str, value: datetime) -> None:
    raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def _install_fast_init(cls: type) -> None:
    """Replace attrs' generated ``__init__`` with one that has the same signature and rules
    (converters, defaults, post-init) but sets the slots directly.

    Frozen attrs classes set every field through ``object.__setattr__``; for the 27 fields of
    :class:`Customer` that alone cost more than decoding the JSON of a record. Mapping speed is
    a product feature here (see ``bench/``), so the hot constructors are generated once at
    import: fields are stored while the instance is briefly of its mutable twin class (see
    :func:`_mutable_twin`); a plain subclass (whose layout may differ) takes the slower
    descriptor path. ``tests/core/test_model.py`` checks both paths agree.
    """
    fields = attrs.fields(cls)
    lines: list[str] = []
    params: list[str] = []
    fast_stores: list[str] = []
    slow_stores: list[str] = []
    env: dict[str, Any] = {
        "_EMPTY": _EMPTY,
        "_MPT": MappingProxyType,
        "_cls": cls,
        "_twin": _mutable_twin(cls) if len(fields) > _TWIN_MIN_FIELDS else None,
        "_osa": object.__setattr__,
    }
    for f in fields:
        name = f.name
        if f.default is attrs.NOTHING:
            params.append(name)
        elif isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            params.append(f"{name}=None")
            env[f"_factory_{name}"] = f.default.factory
            if f.converter is None:
                lines.append(f"    if {name} is None: {name} = _factory_{name}()")
        else:
            env[f"_default_{name}"] = f.default
            params.append(f"{name}=_default_{name}")
        conv = f.converter
        if conv is _clean_text:
            lines.append(f"    if {name} is not None: {name} = {name}.strip() or None")
        elif conv is _freeze_mapping or conv is _view_mapping:
            env[f"_conv_{name}"] = conv
            lines.append(f"    if {name} is None or type({name}) is not _MPT: {name} = _conv_{name}({name})")
        elif conv is _to_tuple:
            env["_to_tuple"] = _to_tuple
            lines.append(f"    if type({name}) is not tuple: {name} = _to_tuple({name})")
        elif conv is _to_frozenset:
            env["_to_frozenset"] = _to_frozenset
            lines.append(f"    if type({name}) is not frozenset: {name} = _to_frozenset({name})")
        elif conv is not None:
            env[f"_conv_{name}"] = conv
            lines.append(f"    {name} = _conv_{name}({name})")
        env[f"_set_{name}"] = cls.__dict__[name].__set__
        fast_stores.append(f"        self.{name} = {name}")
        slow_stores.append(f"        _set_{name}(self, {name})")
    if len(fields) > _TWIN_MIN_FIELDS:
        lines.append("    if type(self) is _cls:")
        lines.append("        _osa(self, '__class__', _twin)")
        lines.extend(fast_stores)
        lines.append("        self.__class__ = _cls")
        lines.append("    else:")
        lines.extend(slow_stores)
    else:
        lines.extend(line[4:] for line in slow_stores)
    prelude = cls.__dict__.get("_init_prelude", ())
    if prelude:  # the class's rules, on the values before they are stored
        env.update(_display_name=_display_name, _naive_time=_naive_time)
        stores_at = lines.index("    if type(self) is _cls:") if "    if type(self) is _cls:" in lines else len(lines)
        lines[stores_at:stores_at] = [f"    {line}" for line in prelude]
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    self.__attrs_post_init__()")
    source = f"def __init__(self, *, {', '.join(params)}):\n" + "\n".join(lines) + "\n"
    exec(compile(source, f"<custbridge fast init {cls.__name__}>", "exec"), env)
    init = env["__init__"]
    init.__qualname__ = f"{cls.__name__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 (replacing a method on the class on purpose)


class NotSet(enum.Enum):
    """Type of :data:`NOT_SET`: a write field the caller did not set."""

    NOT_SET = "NOT_SET"

    def __repr__(self) -> str:
        return "NOT_SET"

    def __bool__(self) -> bool:
        return False


NOT_SET: Final = NotSet.NOT_SET
"""Marks a :class:`CustomerInput` field that is not sent (``None`` means "clear it")."""

_T = TypeVar("_T")
_Settable = Union[_T, None, NotSet]  # noqa: UP007 (generic alias evaluated at runtime on 3.10)


@attrs.frozen(kw_only=True)
class CustomerInput:
    """The fields to write; unset fields (``NOT_SET``) are not sent, ``None`` clears a field."""

    id: str | NotSet = NOT_SET
    """For ``upsert`` only: the vendor id to update; unset lets the vendor match or create."""
    number: _Settable[str] = NOT_SET
    """Human-facing customer number."""
    external_id: _Settable[str] = NOT_SET
    """The caller's own id to store at the vendor."""
    first_name: _Settable[str] = NOT_SET
    """Given name."""
    last_name: _Settable[str] = NOT_SET
    """Family name."""
    company_name: _Settable[str] = NOT_SET
    """Company or account name."""
    email: _Settable[str] = NOT_SET
    """E-mail address."""
    phone: _Settable[str] = NOT_SET
    """Phone number."""
    website: _Settable[str] = NOT_SET
    """Web site URL."""
    status: _Settable[CustomerStatus] = NOT_SET
    """Lifecycle state (only the states the provider can store)."""
    address: _Settable[Address] = NOT_SET
    """Primary postal address."""
    billing_address: _Settable[Address] = NOT_SET
    """Billing address."""
    shipping_address: _Settable[Address] = NOT_SET
    """Shipping address."""
    language: _Settable[str] = NOT_SET
    """Preferred language, ISO 639-1."""
    time_zone: _Settable[str] = NOT_SET
    """IANA time zone name."""
    tags: _Settable[tuple[str, ...]] = NOT_SET
    """Labels (how they combine with existing ones is the provider's rule; see its README)."""
    notes: _Settable[str] = NOT_SET
    """Free-form notes."""
    credit_limit: _Settable[Money] = NOT_SET
    """Credit limit."""
    vendor_fields: Mapping[str, Any] = attrs.field(factory=dict, converter=_freeze_mapping)
    """Fields only one vendor has, in that vendor's wire names (see the adapter README)."""

    def set_fields(self) -> dict[str, Any]:
        """Return the canonical fields that were set (``None`` included), without ``id``."""
        out: dict[str, Any] = {}
        for field in attrs.fields(CustomerInput):
            if field.name in ("id", "vendor_fields"):
                continue
            value = getattr(self, field.name)
            if value is not NOT_SET:
                out[field.name] = value
        return out

    def is_set(self, name: str) -> bool:
        """Return whether the canonical field ``name`` was set."""
        return getattr(self, name) is not NOT_SET


WRITABLE_FIELDS: Final[tuple[str, ...]] = tuple(
    f.name for f in attrs.fields(CustomerInput) if f.name not in ("id", "vendor_fields")
)
"""Canonical field names a :class:`CustomerInput` can carry."""


for _cls in (Money, AddressText, Address, Customer):
    _install_fast_init(_cls)
