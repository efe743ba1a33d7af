"""Customers as JSON-ready data and back, and the JSON Schema of that data, generated from the model.

``Customer.to_dict()`` / ``Customer.from_dict()`` use these functions (so do the exports in
:mod:`custbridge.reporting`). The shape is the model's own: one key per attrs field (plus the
derived ``key``), nested objects for addresses and money, ISO 8601 text for datetimes, exact
decimal text for amounts, lists for tags and ``not_loaded``. :func:`customer_json_schema`
walks the same attrs classes and their annotations, with each field's docstring as its
description, so the schema cannot drift from the model.
"""

from __future__ import annotations

import ast
import enum
import inspect
import itertools
import re
import textwrap
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from .model import Address, AddressText, Customer, CustomerStatus, Money

__all__ = ["customer_from_dict", "customer_json_schema", "customer_to_dict"]

_ADDRESS_KEYS: tuple[str, ...] = tuple(
    f.name for f in attrs.fields(Address) if f.name not in ("translations", "primary")
)
_PRIMARY_KEYS: tuple[str, ...] = tuple(f.name for f in attrs.fields(AddressText))
_TEXT_KEYS: tuple[str, ...] = tuple(k for k in _PRIMARY_KEYS if k != "language")  # translations: the key says it
_ADDRESS_FIELDS = ("address", "billing_address", "shipping_address")
_TIME_FIELDS = ("created_at", "updated_at", "deleted_at")
_STRUCTURED = frozenset({*_ADDRESS_FIELDS, *_TIME_FIELDS, "tags", "credit_limit", "not_loaded", "extras", "raw"})
_SCALARS: tuple[str, ...] = tuple(f.name for f in attrs.fields(Customer) if f.name not in _STRUCTURED)


def _jsonable(value: Any) -> Any:
    """Vendor-defined data (``extras``, ``raw``) as plain JSON types."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=repr)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    return str(value)  # Decimal and anything else: exact text


def _address_dict(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    out: dict[str, Any] = {k: getattr(address, k) for k in _ADDRESS_KEYS}
    out["translations"] = {
        lang: {k: getattr(text, k) for k in _TEXT_KEYS} for lang, text in address.translations.items()
    }
    # The vendor's own text when the fields above were taken from a translation.
    primary = address.primary
    if primary is not None:
        out["primary"] = {k: getattr(primary, k) for k in _PRIMARY_KEYS}
    return out


def customer_to_dict(customer: Customer, *, include_raw: bool = False) -> dict[str, Any]:
    """The customer as JSON-ready data (nested; decimals and datetimes as strings)."""
    out: dict[str, Any] = {"key": customer.key}
    for name in _SCALARS:
        value = getattr(customer, name)
        out[name] = value.value if isinstance(value, CustomerStatus) else value
    for name in _ADDRESS_FIELDS:
        out[name] = _address_dict(getattr(customer, name))
    out["tags"] = list(customer.tags)
    limit = customer.credit_limit
    out["credit_limit"] = (
        None
        if limit is None
        else {"amount": str(limit.amount), "currency": limit.currency, "display": limit.display}
    )
    for name in _TIME_FIELDS:
        value = getattr(customer, name)
        out[name] = value.isoformat() if value is not None else None
    out["not_loaded"] = sorted(customer.not_loaded)
    out["extras"] = _jsonable(customer.extras)
    if include_raw:
        out["raw"] = _jsonable(customer.raw)
    return out


def _address_from(data: Mapping[str, Any] | None) -> Address | None:
    if data is None:
        return None
    translations = {
        lang: AddressText(**{k: text.get(k) for k in _TEXT_KEYS})
        for lang, text in (data.get("translations") or {}).items()
    }
    values = {k: data.get(k) for k in _ADDRESS_KEYS}
    for k in ("latitude", "longitude"):
        number = values.get(k)
        if number is not None:
            values[k] = float(number)
    given = data.get("primary")
    primary = None if not given else AddressText(**{k: given.get(k) for k in _PRIMARY_KEYS})
    return Address(**values, translations=translations, primary=primary)


def customer_from_dict(data: Mapping[str, Any]) -> Customer:
    """Rebuild a customer from :func:`customer_to_dict` output (``raw`` included if present)."""
    values: dict[str, Any] = {name: data.get(name) for name in _SCALARS}
    values["status"] = CustomerStatus(values["status"] or "unknown")
    values["display_name"] = values["display_name"] or ""
    for name in _ADDRESS_FIELDS:
        values[name] = _address_from(data.get(name))
    values["tags"] = tuple(data.get("tags") or ())
    limit = data.get("credit_limit")
    values["credit_limit"] = (
        None
        if limit is None
        else Money(amount=Decimal(limit["amount"]), currency=limit.get("currency"), display=limit.get("display"))
    )
    for name in _TIME_FIELDS:
        value = data.get(name)
        values[name] = datetime.fromisoformat(value) if value else None
    values["not_loaded"] = frozenset(data.get("not_loaded") or ())
    values["extras"] = data.get("extras") or {}
    values["raw"] = data.get("raw") or {}
    return Customer(**values)


# --------------------------------------------------------------------------- JSON Schema

_DECIMAL_PATTERN = r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$"
_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$"


_ROLE = re.compile(r":(?:class|meth|func|attr|data|mod):`~?([^`]+)`")


def _plain(text: str) -> str:
    """A docstring as one line of plain text (Sphinx roles and double backquotes dropped)."""
    text = _ROLE.sub(lambda m: "`" + m.group(1).rsplit(".", 1)[-1] + "`", text)
    return " ".join(inspect.cleandoc(text).replace("``", "`").split())


def _docstrings(cls: type) -> dict[str, str]:
    """Attribute docstrings (the string literal under each field) of an attrs class."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            out[node.target.id] = _plain(after.value.value)
    return out


class _SchemaBuilder:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def type_schema(self, tp: Any) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in args if a is not type(None)]
            if len(options) == 1:
                inner = self.type_schema(options[0])
            else:
                inner = {"anyOf": [self.type_schema(a) for a in options]}
            if len(options) < len(args):
                return {"anyOf": [inner, {"type": "null"}]}
            return inner
        if tp is Any:
            return {}
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is datetime:  # aware, as datetime.isoformat() writes it
            return {"type": "string", "format": "date-time", "pattern": _DATETIME_PATTERN}
        if tp is Decimal:
            return {"type": "string", "pattern": _DECIMAL_PATTERN, "description": "an exact decimal number as text"}
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [m.value for m in tp]}
        if isinstance(tp, type) and attrs.has(tp):
            return self.ref(tp)
        if origin is tuple:
            return {"type": "array", "items": self.type_schema(args[0])}
        if origin is frozenset:
            return {"type": "array", "items": self.type_schema(args[0]), "uniqueItems": True}
        if origin in (Mapping, dict, typing.Mapping):
            return {"type": "object", "additionalProperties": self.type_schema(args[1])}
        raise TypeError(f"no JSON Schema for {tp!r}")  # pragma: no cover - a new model type

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # reserve (recursion)
            self.defs[name] = self.object_schema(cls)
        return {"$ref": f"#/$defs/{name}"}

    def object_schema(self, cls: type, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        docs = _docstrings(cls)
        properties: dict[str, Any] = {}
        for field in attrs.fields(cls):
            if field.name in skip:
                continue
            schema = dict(self.type_schema(hints[field.name]))
            if field.name in docs:
                schema["description"] = docs[field.name]
            properties[field.name] = schema
        out: dict[str, Any] = {"type": "object"}
        doc = inspect.getdoc(cls)
        if doc:
            out["description"] = _plain(doc.split("\n\n")[0])
        required = [name for name in properties if (cls.__name__, name) not in _OMITTED_WHEN_EMPTY]
        out.update(properties=properties, required=required, additionalProperties=False)
        return out


_OMITTED_WHEN_EMPTY: frozenset[tuple[str, str]] = frozenset(
    {
        ("Address", "primary"),  # written only when the address shows a translation
        ("AddressText", "language"),  # a translation's language is its key in ``translations``
    }
)
"""Keys :func:`customer_to_dict` leaves out rather than writing ``null`` (not required by the schema)."""


def customer_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :meth:`Customer.to_dict` output, from the model."""
    builder = _SchemaBuilder()
    body = builder.object_schema(Customer, skip=frozenset({"raw"}))
    key_doc = inspect.getdoc(Customer.key) or "provider:id"
    properties = {"key": {"type": "string", "description": _plain(key_doc.split("\n\n")[0])}, **body["properties"]}
    properties["raw"] = {
        "type": "object",
        "description": _docstrings(Customer).get("raw", "the vendor record")
        + " Present only when asked for (to_dict(include_raw=True)).",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Customer",
        "description": body.get("description", ""),
        "type": "object",
        "properties": properties,
        "required": ["key", *body["required"]],
        "additionalProperties": False,
        "$defs": dict(sorted(builder.defs.items())),
    }
