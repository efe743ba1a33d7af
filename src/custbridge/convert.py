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
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Optional, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn

from .errors import MappingError
from .model import Customer

__all__ = [
    "RecordMapper",
    "make_converter",
    "normalize_country",
    "parse_datetime",
    "parse_decimal",
    "tolerant_enum",
]

W = TypeVar("W")
E = TypeVar("E", bound=enum.Enum)

_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", re.I)


def parse_datetime(value: Any) -> datetime:
    """Parse an ISO 8601 / RFC 3339 timestamp; always timezone-aware.

    ``Z`` and offsets are honoured; a timestamp without an offset is taken as UTC (the
    vendors document UTC). Epoch seconds (int/float) are accepted too.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, bool):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("timestamp is not finite")
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
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
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


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


_COUNTRIES: dict[str, str] = {
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
    "canada": "CA",
    "can": "CA",
    "ca": "CA",
    "united kingdom": "GB",
    "uk": "GB",
    "gbr": "GB",
    "great britain": "GB",
    "england": "GB",
    "belgium": "BE",
    "bel": "BE",
    "belgië": "BE",
    "belgique": "BE",
    "belgien": "BE",
    "netherlands": "NL",
    "nld": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "holland": "NL",
    "france": "FR",
    "fra": "FR",
    "germany": "DE",
    "deu": "DE",
    "deutschland": "DE",
    "switzerland": "CH",
    "che": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "japan": "JP",
    "jpn": "JP",
    "日本": "JP",
    "mexico": "MX",
    "mex": "MX",
    "méxico": "MX",
    "australia": "AU",
    "aus": "AU",
    "ireland": "IE",
    "irl": "IE",
    "spain": "ES",
    "esp": "ES",
    "italy": "IT",
    "ita": "IT",
    "denmark": "DK",
    "dnk": "DK",
    "norway": "NO",
    "nor": "NO",
    "poland": "PL",
    "pol": "PL",
    "greece": "GR",
    "grc": "GR",
    "austria": "AT",
    "aut": "AT",
    "luxembourg": "LU",
    "lux": "LU",
    "sweden": "SE",
    "swe": "SE",
    "portugal": "PT",
    "prt": "PT",
}


def normalize_country(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (upper case) when recognisable; otherwise the value as given."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    return _COUNTRIES.get(text.casefold(), text)


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


def _optional(hook: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    def structure(value: Any, cls: type) -> Any:
        return None if value is None else hook(value, cls)

    return structure


def _attrs_objects_only(conv: cattrs.Converter) -> Callable[[type], Callable[[Any, type], Any]]:
    """Hook factory: an attrs wire class accepts only a JSON object (cattrs alone would
    turn a string such as ``"1 Main St"`` into an all-defaults instance)."""

    def factory(cls: type) -> Callable[[Any, type], Any]:
        inner: Callable[[Any, type], Any] = make_dict_structure_fn(cls, conv)

        def structure(value: Any, _: type) -> Any:
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {type(value).__name__}")
            return inner(value, cls)

        return structure

    return factory


def make_converter(*, detailed: bool = False) -> cattrs.Converter:
    """The shared base: strict scalars, aware datetimes, exact decimals.

    ``detailed=True`` collects every error with its path (slower; used to explain a failure).
    Adapters copy it (``make_converter().copy()`` or call it) and register their hooks.
    """
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
    conv.register_structure_hook(Decimal, lambda v, _: parse_decimal(v))
    scalars: list[tuple[type, Callable[[Any, type], Any]]] = [
        (str, _structure_str),
        (int, _structure_int),
        (float, _structure_float),
        (bool, _structure_bool),
        (datetime, lambda v, _: parse_datetime(v)),
        (Decimal, lambda v, _: parse_decimal(v)),
    ]
    for scalar, hook in scalars:  # direct hooks for optionals: faster than cattrs' union path
        conv.register_structure_hook(Optional[scalar], _optional(hook))  # noqa: UP045
        conv.register_structure_hook(scalar | None, _optional(hook))
    conv.register_structure_hook_factory(attrs.has, _attrs_objects_only(conv))
    return conv


_Renames = Mapping[type, Mapping[str, str]]


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
        self.converter = make_converter()
        configure(self.converter)
        self._structure = self.converter.get_structure_hook(wire_cls)
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
        record_id = None
        if isinstance(record, Mapping):
            rid = record.get("id")
            if isinstance(rid, (str, int)) and not isinstance(rid, bool):
                record_id = str(rid)
        else:
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
                record_id=record_id,
                paths=paths,
            ) from None
        try:
            return self.to_customer(wire, record)
        except MappingError as err:
            err.provider = err.provider or self.provider
            err.record_id = err.record_id or record_id
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise MappingError(
                f"could not map record: {exc}",
                provider=self.provider,
                operation=operation,
                record_id=record_id,
                paths=[("$", str(exc)[:200])],
            ) from None


def tolerant_enum(enum_cls: type[E], unknown: E) -> Callable[[Any, type], E]:
    """A structure hook mapping unknown values to ``unknown`` instead of raising."""

    def hook(value: Any, _: type) -> E:
        try:
            return enum_cls(value)
        except ValueError:
            return unknown

    return hook
