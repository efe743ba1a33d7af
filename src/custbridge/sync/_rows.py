"""The canonical store row of a customer, and the dlt column hints of a customer table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from .._dicts import _ADDRESS_FIELDS, _ADDRESS_KEYS
from ..model import Customer
from ..reporting._export import CSV_COLUMNS, customer_to_row

JSON_COLUMNS: tuple[str, ...] = (
    *(name for name in CSV_COLUMNS if name.endswith(("_translations", "_primary"))),
    "tags",
    "not_loaded",
    "extras",
    "addresses",
    "raw",
)
"""Columns holding nested data (JSON in the warehouse, never split into child tables)."""

VERSION_COLUMN = "content_hash"
"""Digest of the canonical data of a row: a new value is a new version of the customer."""

VALID_FROM = "valid_from"
VALID_TO = "valid_to"
"""Validity columns of the history (``valid_to`` is empty on the current version)."""

META_COLUMNS: tuple[str, ...] = (VERSION_COLUMN, VALID_FROM, VALID_TO, "_dlt_load_id", "_dlt_id")
"""Columns the store adds; they are not customer data."""

_TYPES = {"latitude": "double", "longitude": "double"}


def column_hints() -> dict[str, dict[str, Any]]:
    """dlt column hints: JSON for nested data, text for the rest, timestamps for the times."""
    hints: dict[str, dict[str, Any]] = {}
    for name in CSV_COLUMNS:
        kind = "json" if name in JSON_COLUMNS else "text"
        if name in ("created_at", "updated_at", "deleted_at"):
            kind = "timestamp"
        elif name.rsplit("_", 1)[-1] in _TYPES:
            kind = "double"
        hints[name] = {"data_type": kind, "nullable": name != "key"}
    for name in ("addresses", "raw"):
        hints[name] = {"data_type": "json", "nullable": True}
    hints[VERSION_COLUMN] = {"data_type": "text", "nullable": False}
    return hints


def _default(value: Any) -> Any:
    if isinstance(value, (Decimal, datetime)):
        return str(value)
    return sorted(value) if isinstance(value, (set, frozenset)) else str(value)


def customer_row(customer: Customer, *, include_raw: bool = False) -> dict[str, Any]:
    """The store row: the flat CSV columns, nested ``addresses`` and optionally ``raw``."""
    row = customer_to_row(customer)  # the flat columns, with translations as nested data
    addresses = {}
    for name in _ADDRESS_FIELDS:
        if getattr(customer, name) is not None:
            nested = {key: row[f"{name}_{key}"] for key in _ADDRESS_KEYS}
            nested["translations"] = row[f"{name}_translations"] or {}
            if row[f"{name}_primary"] is not None:
                nested["primary"] = row[f"{name}_primary"]
            addresses[name] = nested
    row["addresses"] = addresses or None
    row[VERSION_COLUMN] = content_hash(row)
    if include_raw:
        row["raw"] = dict(customer.raw) or None
    return row


def content_hash(row: Mapping[str, Any]) -> str:
    """A digest of the canonical data (never ``raw``): equal data, equal digest."""
    data = {k: v for k, v in row.items() if k not in ("raw", VERSION_COLUMN)}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=_default)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def customer_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    """The customer data of a stored row (store columns left out)."""
    return {k: v for k, v in row.items() if k not in META_COLUMNS}
