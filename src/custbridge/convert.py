"""The shared cattrs base converter and the record-mapping helper every adapter uses.

Each adapter copies :func:`make_converter` and registers its wire classes' hooks on the copy
(renames live in hooks, never on the model). :class:`RecordMapper` turns one raw vendor record
into a :class:`~custbridge.Customer` through a wire class, and turns any failure into a
:class:`~custbridge.MappingError` with JSON paths (``$.address.zip``).
"""

from __future__ import annotations

import enum
import math
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Optional, TypeVar, get_args, get_origin

import attrs
import cattrs
import msgspec
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from ._countries import country_code
from .errors import MappingError
from .model import Customer, RawRecord

__all__ = [
    "RecordMapper",
    "StructMapper",
    "at_path",
    "blank_as_none",
    "geocoded",
    "make_converter",
    "msgspec_error_path",
    "normalize_country",
    "parse_datetime",
    "parse_decimal",
    "register_wire_classes",
    "tolerant_enum",
]

W = TypeVar("W")
T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

_RFC3339_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
"""The shape vendors actually send (``2019-12-27T18:11:19.117Z``): checked first, cheaply."""
_FROMISOFORMAT_Z = sys.version_info >= (3, 11)
"""``datetime.fromisoformat`` reads ``Z`` (after a time) itself from Python 3.11 on."""
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)


def parse_datetime(value: Any) -> datetime:
    """Parse an ISO 8601 / RFC 3339 timestamp; always timezone-aware.

    ``Z`` and offsets are honoured; a timestamp without an offset is taken as UTC (the
    vendors document UTC). Epoch seconds (int/float) are accepted too.
    """
    if type(value) is str:  # the common case first: an RFC 3339 string
        if _FROMISOFORMAT_Z and _RFC3339_RE.fullmatch(value):
            return datetime.fromisoformat(value)  # aware: the shape requires Z or an offset
        text = value.strip()
        if not _ISO_RE.match(text):
            raise ValueError(f"not an ISO 8601 timestamp: {value[:40]!r}")
        if text[-1] in "zZ":
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("timestamp is not finite")
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"timestamp out of range: {value!r}") from exc
    if not isinstance(value, str):
        raise TypeError(f"expected a timestamp string, got {type(value).__name__}")
    text = value.strip()
    if not _ISO_RE.match(text):
        raise ValueError(f"not an ISO 8601 timestamp: {value[:40]!r}")
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_decimal(value: Any) -> Decimal:
    """Parse an exact decimal from a string or int (floats go through ``repr``)."""
    if isinstance(value, bool):
        raise TypeError("expected a decimal, got bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a decimal: {value[:40]!r}") from None
    else:
        raise TypeError(f"expected a decimal string, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("decimal is not finite")
    return result


def normalize_country(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (upper case) when recognisable; otherwise the value as given.

    Codes (alpha-2, alpha-3, numeric), ISO names, common English aliases ("UK", "USA") and
    names in the languages of our markets ("Deutschland", "België") are recognised, from
    pycountry's maintained data (see :mod:`custbridge._countries`). Blank is ``None``.
    """
    return country_code(value)


def geocoded(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    """``(latitude, longitude)``, or ``None`` when the vendor has no real point.

    ``None`` when either number is missing, and when both are 0: ``[0, 0]`` ("Null Island",
    in the Gulf of Guinea) is what vendors store for an address that was never geocoded, so
    every adapter reads it as "not geocoded", never as a place. Ranges are not checked here:
    each adapter decides whether an out-of-range value is an error or unusable.
    """
    if latitude is None or longitude is None:
        return None
    if latitude == 0 and longitude == 0:
        # Assumption: no vendor documents it, but no customer lives at 0°N 0°E.
        return None
    return latitude, longitude


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def _structure_datetime(value: Any, _: type) -> datetime:
    return parse_datetime(value)


def _structure_decimal(value: Any, _: type) -> Decimal:
    return parse_decimal(value)


def _optional(hook: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    def structure(value: Any, cls: type) -> Any:
        return None if value is None else hook(value, cls)

    return structure


def blank_as_none(conv: cattrs.Converter, types: Iterable[type] = (datetime, Decimal)) -> None:
    """Make ``conv`` read a blank string (``""``, ``"  "``) as no value in optional fields of ``types``.

    For a vendor that sends ``"created_at": ""`` or ``"value": ""`` where it means "not set":
    a field typed ``datetime | None`` (or ``Decimal | None``) becomes ``None`` instead of
    failing the record. Fields typed without ``| None`` still refuse a blank, and so does
    every field of a vendor that does not opt in (a blank is then a real schema violation,
    e.g. where the vendor's schema says "minimum length is 1"). Call it from the adapter's ``configure``.
    """
    for scalar in types:
        hook = _blank_optional(conv.get_structure_hook(scalar))
        conv.register_structure_hook(Optional[scalar], hook)  # noqa: UP045
        conv.register_structure_hook(scalar | None, hook)


def _blank_optional(hook: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    def structure(value: Any, cls: type) -> Any:
        if value is None or (type(value) is str and not value.strip()):
            return None
        return hook(value, cls)

    return structure


def _objects_only(cls: type, conv: cattrs.Converter, **overrides: Any) -> Callable[[Any, Any], Any]:
    """cattrs' hook for attrs class ``cls`` (with rename ``overrides``), accepting only a JSON
    object: cattrs alone turns a string such as ``"1 Main St"`` into an all-defaults instance."""
    inner: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, conv, **overrides)

    def structure(value: Any, type_: Any) -> Any:
        if type(value) is not dict and not isinstance(value, Mapping):  # dict first: the hot path
            raise TypeError(f"expected an object, got {type(value).__name__}")
        return inner(value, type_)

    return structure


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_array(type_: Any) -> bool:
    """``tuple[X, ...]`` or ``list[X]``: a JSON array of X."""
    return _is_homogeneous_tuple(type_) or (get_origin(type_) is list and len(get_args(type_)) == 1)


def _arrays_only(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    """Hook factory for ``tuple[X, ...]`` and ``list[X]``: only a JSON array (a list, or a
    tuple) is accepted.

    cattrs alone iterates whatever it is given, so ``"tags": "vip"`` would silently become
    ``("v", "i", "p")``, an object would become its keys and ``""`` an empty array.
    """

    def factory(type_: Any) -> Callable[[Any, Any], Any]:
        item = get_args(type_)[0]
        build: Callable[[list[Any]], Any] = tuple if get_origin(type_) is tuple else list

        def structure(value: Any, _: Any) -> Any:
            if type(value) is not list and not isinstance(value, (list, tuple)):
                raise TypeError(f"expected an array, got {type(value).__name__}")
            hook = conv.get_structure_hook(item)
            if not conv.detailed_validation:
                return build([hook(e, item) for e in value])
            errors: list[Exception] = []
            out: list[Any] = []
            for index, element in enumerate(value):
                try:
                    out.append(hook(element, item))
                except Exception as exc:
                    note = IterableValidationNote(f"Structuring {type_} @ index {index}", index, item)
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
            return build(out)

        return structure

    return factory


def make_converter(*, detailed: bool = False) -> cattrs.Converter:
    """The shared base: strict scalars, aware datetimes, exact decimals.

    ``detailed=True`` collects every error with its path (slower; used to explain a failure).
    Adapters copy it (``make_converter().copy()`` or call it) and register their hooks.
    """
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    scalars: list[tuple[type, Callable[[Any, type], Any]]] = [
        (str, _structure_str),
        (int, _structure_int),
        (float, _structure_float),
        (bool, _structure_bool),
        (datetime, _structure_datetime),
        (Decimal, _structure_decimal),
    ]
    for scalar, hook in scalars:
        conv.register_structure_hook(scalar, hook)
        # Direct hooks for optionals: faster than cattrs' union path.
        conv.register_structure_hook(Optional[scalar], _optional(hook))  # noqa: UP045
        conv.register_structure_hook(scalar | None, _optional(hook))
    conv.register_structure_hook_factory(_is_array, _arrays_only(conv))
    conv.register_structure_hook_factory(attrs.has, lambda cls: _objects_only(cls, conv))
    return conv


_Renames = Mapping[type, Mapping[str, str]]

def register_wire_classes(
    conv: cattrs.Converter, classes: Iterable[type], renames: _Renames | None = None
) -> None:
    """Register the structure hooks of a plug-in's attrs wire classes on ``conv``.

    Each class accepts only a JSON object and reads its attributes from the vendor keys in
    ``renames`` (``{cls: {attribute: vendor_key}}``; other attributes use their own name),
    through cattrs' generated hooks, on the fast and the detailed converter alike (the detailed
    one names JSON paths). Hooks are made lazily, at a class's first use, so the order of
    ``classes`` does not matter; register hooks for other types (enums, ...) in the same
    ``configure`` call. (The built-in adapters decode with msgspec instead: :class:`StructMapper`.)
    """
    wanted = frozenset(classes)
    names = dict(renames or {})

    def hook(cls: type) -> Callable[[Any, Any], Any]:
        overrides = {attr: override(rename=key) for attr, key in names.get(cls, {}).items()}
        return _objects_only(cls, conv, **overrides)

    conv.register_structure_hook_factory(lambda t: isinstance(t, type) and t in wanted, hook)


def _exc_paths(exc: BaseException, path: str = "$", renames: _Renames | None = None) -> list[tuple[str, str]]:
    """Flatten a cattrs error tree into ``(json_path, reason)`` pairs.

    ``renames`` maps a wire class to ``{attribute: vendor_key}`` so paths use the vendor's keys.
    """
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        out: list[tuple[str, str]] = []
        with_notes, _without = exc.group_exceptions()
        names = (renames or {}).get(getattr(exc, "cl", object), {})
        for inner, note in with_notes:
            key = getattr(note, "name", None)
            if key is not None:
                key = names.get(key, key)
                sub = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{key!r}]"
            else:
                sub = f"{path}[{getattr(note, 'index', '?')!r}]"
            out.extend(_exc_paths(inner, sub, renames))
        for inner in _without:
            out.extend(_exc_paths(inner, path, renames))
        return out
    if isinstance(exc, ForbiddenExtraKeysError):
        return [(path, f"unexpected keys {sorted(exc.extra_fields)}")]
    if isinstance(exc, KeyError):
        return [(path, f"missing required key {exc.args[0]!r}" if exc.args else "missing key")]
    reason = str(exc) or type(exc).__name__
    return [(path, reason[:200])]


class RecordMapper(Generic[W]):
    """Map raw vendor records to customers through a wire class.

    Args:
        provider: provider name, for errors.
        wire_cls: the attrs class mirroring the vendor JSON.
        to_customer: the adapter's ``wire -> Customer`` function; it receives the wire object
            and the raw record (for ``Customer.raw``).
        configure: registers the adapter's hooks on a converter; called for the fast converter
            and for the detailed one built lazily to explain failures.
        renames: per wire class, ``{attribute: vendor_key}`` for the renames the hooks apply,
            so error paths read ``$.createdAt`` rather than ``$.created_at``.

    Records go through a fast converter (no detailed validation). Only when that fails is the
    record structured again with detailed validation, to name every bad JSON path.
    """

    def __init__(
        self,
        provider: str,
        wire_cls: type[W],
        to_customer: Callable[[W, Mapping[str, Any]], Customer],
        configure: Callable[[cattrs.Converter], None],
        renames: _Renames | None = None,
    ) -> None:
        self.provider = provider
        self.renames = renames
        self.wire_cls = wire_cls
        self.to_customer = to_customer
        self._configure = configure
        self.converter, self._structure = _shared_converter(wire_cls, configure, renames)
        self._detailed: cattrs.Converter | None = None

    def explain(self, record: Any) -> list[tuple[str, str]]:
        """Return the JSON paths that make ``record`` unmappable (detailed pass)."""
        if self._detailed is None:
            self._detailed = make_converter(detailed=True)
            self._configure(self._detailed)
        try:
            self._detailed.structure(record, self.wire_cls)
        except Exception as exc:
            return _exc_paths(exc, renames=self.renames)
        return []

    def __call__(self, record: Any, *, operation: str | None = None) -> Customer:
        if type(record) is not dict and not isinstance(record, Mapping):
            raise MappingError(
                f"expected a JSON object, got {type(record).__name__}",
                provider=self.provider,
                operation=operation,
                paths=[("$", "not an object")],
            )
        try:
            wire = self._structure(record, self.wire_cls)
        except Exception as exc:
            paths = self.explain(record) or _exc_paths(exc, renames=self.renames)
            raise MappingError(
                "record does not match the vendor schema",
                provider=self.provider,
                operation=operation,
                record_id=_record_id(record),
                paths=paths,
            ) from None
        return _to_customer(self.to_customer, wire, record, self.provider, operation, record)


_CONVERTERS: dict[tuple[type, Any, int], tuple[cattrs.Converter, Callable[[Any, Any], Any], Any]] = {}
_CONVERTERS_LOCK = threading.Lock()


def _shared_converter(
    wire_cls: type, configure: Callable[[cattrs.Converter], None], renames: _Renames | None
) -> tuple[cattrs.Converter, Callable[[Any, Any], Any]]:
    """The fast converter of ``wire_cls`` configured by ``configure``, made (and cattrs'
    structure code for it generated) once per process rather than once per client:
    ``configure`` registers the same hooks every time, so every client of a provider can share
    the result and ``connect()`` compiles nothing (tests/core/test_fast_paths.py)."""
    key = (wire_cls, configure, id(renames))
    with _CONVERTERS_LOCK:
        shared = _CONVERTERS.get(key)
        if shared is None:
            converter = make_converter()
            configure(converter)
            # ``renames`` is kept alive with the entry, so its id cannot be reused meanwhile.
            shared = _CONVERTERS[key] = (converter, converter.get_structure_hook(wire_cls), renames)
    return shared[0], shared[1]


S = TypeVar("S", bound=msgspec.Struct)


class StructMapper(Generic[S]):
    """Map vendor records to customers through a msgspec wire struct: one mapping path.

    A record is either the JSON of one record as the vendor sent it (``msgspec.Raw`` or
    bytes, how an adapter that decodes its list pages with msgspec hands records over:
    ``list[msgspec.Raw]`` keeps ``on_invalid`` per record) or an already decoded ``dict``
    (a single ``get``, tests). Both are validated by msgspec against the same struct, in C,
    and both then go through the adapter's one ``to_customer(wire, raw)``: ``raw`` is a
    :class:`~custbridge.model.RawRecord` over the bytes (decoded only if read) or the dict.

    A record that does not fit raises :class:`MappingError` naming the record id and the
    JSON path msgspec reports (vendor key names, e.g. ``$.location.createdAt``). Errors that
    ``to_customer`` raises are wrapped the same way: raise :class:`MappingError` with
    ``paths`` there, or use :func:`at_path` for a value parsed during mapping.

    Args:
        provider: provider name, for errors.
        wire_type: the msgspec struct mirroring one vendor record.
        to_customer: the adapter's ``(wire, raw) -> Customer``.
        dec_hook: msgspec ``dec_hook`` for custom types in the wire struct, if any.
    """

    def __init__(
        self,
        provider: str,
        wire_type: type[S],
        to_customer: Callable[[S, Mapping[str, Any]], Customer],
        *,
        dec_hook: Callable[[type, Any], Any] | None = None,
    ) -> None:
        self.provider = provider
        self.wire_type = wire_type
        self.to_customer = to_customer
        self._dec_hook = dec_hook
        self._decode = _struct_decoder(wire_type, dec_hook)

    def wire(self, record: Any, *, operation: str | None = None) -> tuple[S, Mapping[str, Any]]:
        """Validate ``record`` into the wire struct; return it with the ``raw`` mapping."""
        try:
            if type(record) is msgspec.Raw or isinstance(record, (bytes, bytearray, memoryview)):
                return self._decode(record), RawRecord(bytes(record))
            if isinstance(record, Mapping):
                return msgspec.convert(record, self.wire_type, dec_hook=self._dec_hook), record
            where, reason = "$", f"expected a JSON object, got {type(record).__name__}"
        except msgspec.ValidationError as exc:
            where, reason = msgspec_error_path(str(exc))
        except msgspec.DecodeError as exc:
            where, reason = "$", f"not valid JSON: {exc}"
        raise MappingError(
            "record does not match the vendor schema",
            provider=self.provider,
            operation=operation,
            record_id=_any_record_id(record),
            paths=[(where, reason)],
        )

    def explain(self, record: Any) -> list[tuple[str, str]]:
        """The JSON paths that make ``record`` unmappable (``[]`` when it maps)."""
        try:
            self(record)
        except MappingError as err:
            return list(err.paths)
        return []

    def __call__(self, record: Any, *, operation: str | None = None) -> Customer:
        if type(record) is msgspec.Raw:  # a listing's hot path: no dispatch, no wrapping
            try:
                return self.to_customer(self._decode(record), RawRecord(bytes(record)))
            except Exception:  # explained (or re-raised) by the full path below
                pass
        wire, raw = self.wire(record, operation=operation)
        return _to_customer(self.to_customer, wire, raw, self.provider, operation, record)


_DECODERS: dict[tuple[type, Any], Callable[[Any], Any]] = {}


def _struct_decoder(wire_type: type, dec_hook: Callable[[type, Any], Any] | None) -> Callable[[Any], Any]:
    """One ``msgspec.json.Decoder`` per wire type and hook for the process (made once, shared
    by every client: building a decoder costs more than decoding a record)."""
    key = (wire_type, dec_hook)
    decode = _DECODERS.get(key)
    if decode is None:
        decode = _DECODERS[key] = msgspec.json.Decoder(wire_type, dec_hook=dec_hook).decode
    return decode


_AT = " - at `"
_MISSING_FIELD = re.compile(r"Object missing required field `([^`]+)`")


def msgspec_error_path(message: str) -> tuple[str, str]:
    """``("$.a.b", "Expected `str`, got `int`")`` from a ``msgspec.ValidationError`` message
    (``"... - at `$.a.b`"``); ``("$", message)`` when it names no path. For adapters turning
    an envelope that does not fit into a :class:`MappingError` with ``paths``."""
    head, sep, tail = message.rpartition(_AT)
    path, reason = (tail.rstrip("`"), head) if sep else ("$", message)
    missing = _MISSING_FIELD.match(reason)  # msgspec names the object; the path names the key
    return (f"{path}.{missing.group(1)}" if missing else path), reason


def _any_record_id(record: Any) -> str | None:
    """The record's ``id``, whether it is decoded or still JSON (only when mapping failed)."""
    if type(record) is msgspec.Raw or isinstance(record, (bytes, bytearray, memoryview)):
        try:
            record = msgspec.json.decode(bytes(record))
        except msgspec.DecodeError:
            return None
    return _record_id(record) if isinstance(record, Mapping) else None


def at_path(path: str, parse: Callable[[Any], T], value: Any) -> T:
    """``parse(value)``, or a :class:`MappingError` naming ``path`` when it refuses the value
    (for vendor values checked while mapping rather than by the wire struct)."""
    try:
        return parse(value)
    except (TypeError, ValueError) as exc:
        raise MappingError("record does not match the vendor schema", paths=[(path, str(exc)[:200])]) from None


def _to_customer(
    to_customer: Callable[[Any, Mapping[str, Any]], Customer],
    wire: Any,
    raw: Mapping[str, Any],
    provider: str,
    operation: str | None,
    record: Any,
) -> Customer:
    """Run an adapter's ``to_customer``; whatever it raises becomes a :class:`MappingError`
    naming the provider and the record (both mappers share this)."""
    try:
        return to_customer(wire, raw)
    except MappingError as err:
        err.provider = err.provider or provider
        err.record_id = err.record_id or _any_record_id(record)
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise MappingError(
            f"could not map record: {exc}",
            provider=provider,
            operation=operation,
            record_id=_any_record_id(record),
            paths=[("$", str(exc)[:200])],
        ) from None


def _record_id(record: Mapping[str, Any]) -> str | None:
    """The record's ``id`` as text, for error messages (only computed when mapping failed)."""
    rid = record.get("id")
    if isinstance(rid, (str, int)) and not isinstance(rid, bool):
        return str(rid)
    return None


def tolerant_enum(enum_cls: type[E], unknown: E) -> Callable[[Any, type], E]:
    """A structure hook mapping unknown values to ``unknown`` instead of raising."""

    def hook(value: Any, _: type) -> E:
        try:
            return enum_cls(value)
        except ValueError:
            return unknown

    return hook
