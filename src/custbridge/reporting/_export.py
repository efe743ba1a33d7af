"""Export customers in the canonical shape: JSON lines (nested), CSV and Parquet (flat).

CSV cells are inert in spreadsheets: text that a spreadsheet would run as a formula gets a
leading ``'`` (:func:`_neutralize_cell`), which :func:`read_csv` removes again.

Writers stream: each customer is written as it comes (Parquet in row groups of
``batch_size``), so memory stays flat however many customers pass through. The flat
columns are fixed (:data:`CSV_COLUMNS`), so a file can be written before the first
customer is seen and read back into equal :class:`~custbridge.Customer` objects.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

from .._dicts import (  # the converter lives in the core: Customer.to_dict / from_dict
    _ADDRESS_FIELDS,
    _ADDRESS_KEYS,
    _SCALARS,
    _TIME_FIELDS,
    customer_from_dict,
    customer_to_dict,
)
from ..errors import ConfigurationError
from ..model import Customer

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "CustomerWriter",
    "customer_from_dict",
    "customer_from_row",
    "customer_to_dict",
    "customer_to_row",
    "export",
    "open_writer",
    "read_csv",
    "read_jsonl",
]

Format = Literal["jsonl", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
"""Export formats."""

# column -> kind: str | float | time | json
_COLUMN_KINDS: dict[str, str] = {"key": "str", **dict.fromkeys(_SCALARS, "str")}
for _prefix in _ADDRESS_FIELDS:
    for _k in _ADDRESS_KEYS:
        _COLUMN_KINDS[f"{_prefix}_{_k}"] = "float" if _k in ("latitude", "longitude") else "str"
    _COLUMN_KINDS[f"{_prefix}_translations"] = "json"
    _COLUMN_KINDS[f"{_prefix}_primary"] = "json"  # the vendor's own text when a translation is shown
_COLUMN_KINDS.update({
    "tags": "json",
    "credit_limit_amount": "str",
    "credit_limit_currency": "str",
    "credit_limit_display": "str",
    **dict.fromkeys(_TIME_FIELDS, "time"),
    "not_loaded": "json",
    "extras": "json",
})
CSV_COLUMNS: tuple[str, ...] = tuple(_COLUMN_KINDS)
_KINDS_IN_ORDER = tuple(_COLUMN_KINDS.items())
"""The flat columns of CSV and Parquet exports, in order. ``tags``, ``extras``,
``not_loaded``, address translations and an address's primary text (set only when the address
shows a translation) are JSON text; money amounts are exact decimal text."""


# --------------------------------------------------------------------------- nested (JSONL)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


# --------------------------------------------------------------------------- flat (CSV, Parquet)


def customer_to_row(customer: Customer) -> dict[str, Any]:
    """The customer as one flat row over :data:`CSV_COLUMNS` (typed values, ``None`` for empty)."""
    nested = customer_to_dict(customer)
    row: dict[str, Any] = {name: nested[name] for name in ("key", *_SCALARS)}
    for name in _ADDRESS_FIELDS:
        address = nested[name] or {}
        for k in _ADDRESS_KEYS:
            row[f"{name}_{k}"] = address.get(k)
        translations = address.get("translations")
        row[f"{name}_translations"] = translations or None
        row[f"{name}_primary"] = address.get("primary")
    row["tags"] = nested["tags"] or None
    limit = nested["credit_limit"] or {}
    row["credit_limit_amount"] = limit.get("amount")
    row["credit_limit_currency"] = limit.get("currency")
    row["credit_limit_display"] = limit.get("display")
    for name in _TIME_FIELDS:
        row[name] = getattr(customer, name)
    row["not_loaded"] = nested["not_loaded"] or None
    row["extras"] = nested["extras"] or None
    return row


def customer_from_row(row: Mapping[str, Any]) -> Customer:
    """Rebuild a customer from a flat row (CSV text or Parquet values)."""

    def get(name: str) -> Any:
        value = row.get(name)
        if value is None or value == "":
            return None
        kind = _COLUMN_KINDS[name]
        if isinstance(value, str):
            if kind == "json":
                return json.loads(value)
            if kind == "float":
                return float(value)
            if kind == "time":
                return datetime.fromisoformat(value)
        return value

    nested: dict[str, Any] = {name: get(name) for name in _SCALARS}
    for name in _ADDRESS_FIELDS:
        parts = {k: get(f"{name}_{k}") for k in _ADDRESS_KEYS}
        translations = get(f"{name}_translations")
        if any(v is not None for v in parts.values()) or translations:
            nested[name] = {**parts, "translations": translations or {}, "primary": get(f"{name}_primary")}
    nested["tags"] = list(get("tags") or ())
    amount = get("credit_limit_amount")
    if amount is not None:
        nested["credit_limit"] = {
            "amount": amount,
            "currency": get("credit_limit_currency"),
            "display": get("credit_limit_display"),
        }
    for name in _TIME_FIELDS:
        value = get(name)
        nested[name] = value.isoformat() if isinstance(value, datetime) else value
    nested["not_loaded"] = get("not_loaded") or []
    nested["extras"] = get("extras") or {}
    return customer_from_dict(nested)


# Spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with one of these
# is run as a formula by Excel, LibreOffice and Google Sheets. The full-width forms are
# included because some locales' spreadsheets read them as the ASCII ones.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _neutralize_cell(text: str) -> str:
    """Make a text cell inert in a spreadsheet, as OWASP describes for CSV injection.

    A cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return (or a
    full-width ``=+-@``) gets a leading ``'``, which spreadsheets take as "this is text". So
    does a cell that already starts with ``'``, so that :func:`read_csv` can drop exactly one
    and give back the original. A plain number (``-12.5``, ``+4420794600``, ``1e-3``) is left
    alone: a spreadsheet reads it as a number, never as a formula. So a phone number written
    ``+442079460958`` stays a number, while ``+44 20 7946 0958`` (spaces: not a number) is
    written ``'+44 20 7946 0958``.
    """
    if text.startswith(_FORMULA_STARTS):
        return text if _PLAIN_NUMBER.fullmatch(text) else "'" + text
    if text.startswith("'"):
        return "'" + text
    return text


def _restore_cell(text: str) -> str:
    """Undo :func:`_neutralize_cell`."""
    return text[1:] if text.startswith("'") else text


def _csv_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=True)
    if kind == "time":
        text: str = value.isoformat()
        return text
    if kind == "float":
        return repr(float(value))
    return str(value)


# --------------------------------------------------------------------------- writers


class CustomerWriter:
    """A streaming writer; use :func:`open_writer`. ``write`` one customer at a time."""

    format: str = ""

    def __init__(self) -> None:
        self.count = 0
        """Customers written so far."""

    def write(self, customer: Customer) -> None:
        """Write one customer."""
        self._write(customer)
        self.count += 1

    def _write(self, customer: Customer) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Flush and close the file (a caller's file object is flushed, not closed)."""

    def __enter__(self) -> CustomerWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _TextWriter(CustomerWriter):
    def __init__(self, target: str | os.PathLike[str] | IO[str]) -> None:
        super().__init__()
        if isinstance(target, (str, os.PathLike)):
            self._file: IO[str] = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._owned = True
        else:
            self._file = target
            self._owned = False

    def close(self) -> None:
        if self._owned:
            self._file.close()
        else:
            self._file.flush()


class _JsonlWriter(_TextWriter):
    format = "jsonl"

    def __init__(self, target: str | os.PathLike[str] | IO[str], *, include_raw: bool = False) -> None:
        super().__init__(target)
        self._include_raw = include_raw

    def _write(self, customer: Customer) -> None:
        data = customer_to_dict(customer, include_raw=self._include_raw)
        self._file.write(json.dumps(data, ensure_ascii=False, default=_json_default))
        self._file.write("\n")


class _CsvWriter(_TextWriter):
    format = "csv"

    def __init__(self, target: str | os.PathLike[str] | IO[str]) -> None:
        super().__init__(target)
        self._csv = csv.writer(self._file)
        self._csv.writerow(CSV_COLUMNS)

    def _write(self, customer: Customer) -> None:
        row = customer_to_row(customer)
        # Only text columns are neutralised: JSON, times and floats are written by us and
        # never start with a formula character (JSON starts with [ { or ").
        self._csv.writerow([
            _neutralize_cell(_csv_text(kind, row[c])) if kind == "str" else _csv_text(kind, row[c])
            for c, kind in _KINDS_IN_ORDER
        ])


def _require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise ConfigurationError(
            "Parquet export needs pyarrow",
            operation="export",
            hint="pip install 'custbridge[parquet]'",
        ) from exc
    return pyarrow


class _ParquetWriter(CustomerWriter):
    format = "parquet"

    def __init__(self, target: str | os.PathLike[str] | IO[bytes], *, batch_size: int = 2000) -> None:
        super().__init__()
        pa = _require_pyarrow()
        self._pa = pa
        types = {
            "str": pa.string(),
            "float": pa.float64(),
            "time": pa.timestamp("us", tz="UTC"),
            "json": pa.string(),
        }
        self._schema = pa.schema([(c, types[k]) for c, k in _COLUMN_KINDS.items()])
        sink = os.fspath(target) if isinstance(target, (str, os.PathLike)) else target
        self._writer = pa.parquet.ParquetWriter(sink, self._schema, compression="zstd")
        self._batch_size = batch_size
        self._columns: dict[str, list[Any]] = {c: [] for c in CSV_COLUMNS}

    def _write(self, customer: Customer) -> None:
        row = customer_to_row(customer)
        for column, values in self._columns.items():
            value = row[column]
            if _COLUMN_KINDS[column] == "json" and value is not None:
                value = _csv_text("json", value)
            values.append(value)
        if len(self._columns["id"]) >= self._batch_size:
            self._flush()

    def _flush(self) -> None:
        if not self._columns["id"]:
            return
        table = self._pa.Table.from_pydict(self._columns, schema=self._schema)
        self._writer.write_table(table)
        for values in self._columns.values():
            values.clear()

    def close(self) -> None:
        self._flush()
        self._writer.close()


def _infer_format(target: Any, format: str | None) -> str:
    if format:
        if format not in FORMATS:
            raise ConfigurationError(
                f"unknown export format {format!r}", operation="export", hint="one of " + ", ".join(FORMATS)
            )
        return format
    if isinstance(target, (str, os.PathLike)):
        suffix = Path(target).suffix.lstrip(".").lower()
        suffix = {"ndjson": "jsonl", "pq": "parquet"}.get(suffix, suffix)
        if suffix in FORMATS:
            return suffix
    raise ConfigurationError(
        "cannot tell the export format", operation="export",
        hint="pass format='jsonl', 'csv' or 'parquet' (or use a .jsonl/.csv/.parquet file name)",
    )


def open_writer(
    target: str | os.PathLike[str] | IO[str] | IO[bytes],
    format: str | None = None,
    *,
    include_raw: bool = False,
    batch_size: int = 2000,
) -> CustomerWriter:
    """Open a streaming writer on a path or an open file (text for JSONL/CSV, binary for Parquet).

    The format is inferred from the file suffix when not given. ``include_raw`` (JSONL only)
    adds each vendor payload under ``"raw"``.
    """
    fmt = _infer_format(target, format)
    if fmt == "jsonl":
        return _JsonlWriter(target, include_raw=include_raw)  # type: ignore[arg-type]
    if fmt == "csv":
        return _CsvWriter(target)  # type: ignore[arg-type]
    return _ParquetWriter(target, batch_size=batch_size)  # type: ignore[arg-type]


def export(
    customers: Iterable[Customer],
    target: str | os.PathLike[str] | IO[str] | IO[bytes],
    format: str | None = None,
    *,
    include_raw: bool = False,
) -> int:
    """Write every customer to ``target``; return how many were written.

    JSONL is nested (one :func:`customer_to_dict` per line), CSV and Parquet are flat
    (:data:`CSV_COLUMNS`). ``customers`` is consumed lazily, one at a time.
    """
    with open_writer(target, format, include_raw=include_raw) as writer:
        for customer in customers:
            writer.write(customer)
    return writer.count


def read_jsonl(source: str | os.PathLike[str] | IO[str]) -> Iterator[Customer]:
    """Read customers back from a JSONL export, lazily."""
    with _open_text(source) as handle:
        for line in handle:
            if line.strip():
                yield customer_from_dict(json.loads(line))


def read_csv(source: str | os.PathLike[str] | IO[str]) -> Iterator[Customer]:
    """Read customers back from a CSV export, lazily."""
    with _open_text(source) as handle:
        for row in csv.DictReader(handle):
            yield customer_from_row({
                k: _restore_cell(v) if isinstance(v, str) and _COLUMN_KINDS.get(k) == "str" else v
                for k, v in row.items()
            })


class _open_text:
    def __init__(self, source: str | os.PathLike[str] | IO[str]) -> None:
        self._source = source
        self._owned: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if isinstance(self._source, (str, os.PathLike)):
            self._owned = open(self._source, encoding="utf-8", newline="")
            return self._owned
        return self._source

    def __exit__(self, *exc: object) -> None:
        if self._owned is not None:
            self._owned.close()

