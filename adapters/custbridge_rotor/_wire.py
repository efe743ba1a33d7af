"""Rotor's JSON, mirrored as frozen msgspec structs (only what the adapter maps or tests need).

Records are decoded straight from the vendor's bytes into these structs (validation in C,
errors with the JSON path, e.g. ``$.address.zip``). Rotor's field names are already
snake_case, so no renames are needed: the attribute names are the vendor's keys. Every
field is optional because Rotor's own schema marks almost every field optional (``?``): an
absent field means "unknown", never an error. Unknown keys are ignored. Pages:
https://docs.api.getrotor.com/api/resources/customers/methods/retrieve (read shape) and
https://docs.api.getrotor.com/api/resources/customers/methods/create_or_update (flat shape).

``gc=False``: decoded from JSON, these trees cannot hold reference cycles, so the garbage
collector need not track them.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "RotorAddress",
    "RotorCustomer",
    "RotorErrorBody",
    "RotorFieldError",
    "RotorListPage",
    "RotorPagination",
    "RotorUpsertResult",
]

Timestamp = str | int | float | None
"""``created_at`` as sent: parsed while mapping (``_convert.created_at``), because Rotor's
rules are wider than RFC 3339: ``""`` (or blanks) is "no value", a timestamp without an
offset is UTC, epoch seconds are accepted."""


class RotorAddress(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``address`` of the read shape (list and retrieve).

    Rotor documents the five main keys as non-optional strings and ``street2`` as optional
    and nullable; all are optional here so that a partial address is still mapped.
    """

    street1: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


class RotorCustomer(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One customer in the read shape (``GET /customers`` items, ``GET /customers/{id}`` data)."""

    id: str | None = None
    """Optional in the struct so that a missing id is refused by the mapping at ``$.id``."""
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    notes: str | None = None
    source: str | None = None
    status: str | None = None
    tags: tuple[str, ...] | None = None
    created_at: Timestamp = None
    address: RotorAddress | None = None
    location: Any = None
    """``Array<number> | null`` per the docs; kept loose (anything else stays in ``raw`` only)."""
    has_payment_method: bool | None = None
    """Payment flag, TypeScript-flavoured pages."""
    is_auto_pay: bool | None = None
    """Payment flag, HTTP-flavoured pages (a different meaning: never merged with the other)."""


class RotorUpsertResult(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The flat answer of ``POST /customers`` (no ``data`` wrapper, no nested ``address``)."""

    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    notes: str | None = None
    source: str | None = None
    status: str | None = None
    tags: tuple[str, ...] | None = None
    created_at: Timestamp = None
    message: str | None = None
    property_street1: str | None = None
    property_street2: str | None = None
    property_city: str | None = None
    property_state: str | None = None
    property_zip: str | None = None
    property_country: str | None = None
    billing_street1: str | None = None
    billing_street2: str | None = None
    billing_city: str | None = None
    billing_state: str | None = None
    billing_zip: str | None = None
    billing_country: str | None = None
    billing_same_as_property: bool | None = None
    service_type: str | None = None
    service_frequency: str | None = None


class RotorPagination(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``pagination`` of a list answer (every key optional, as in Rotor's schema)."""

    has_more: bool | None = None
    total: int | None = None
    limit: int | None = None


class RotorListPage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A ``GET /customers`` answer: records stay raw JSON, each validated on its own when mapped
    (so one bad record fails alone, ``on_invalid`` per record)."""

    data: list[msgspec.Raw] | None = None
    """``data?`` is optional in Rotor's schema: no data, no records."""
    pagination: RotorPagination | None = None
    status: Any = None
    """``"success"``, or ``"error"`` for an error envelope sent with a 2xx status."""


class RotorFieldError(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One item of ``errors`` in a 400 ``Validation failed`` answer."""

    field: str | None = None
    message: str | None = None


class RotorErrorBody(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The error envelope ``{status: "error", message, error_code?, errors?}``."""

    status: str | None = None
    message: str | None = None
    error_code: str | None = None
    errors: tuple[RotorFieldError, ...] | None = None
