"""Rotor's JSON, mirrored as frozen attrs classes (only what the adapter maps or tests need).

Rotor's field names are already snake_case, so no cattrs renames are needed. Every field is
optional because Rotor's own schema marks almost every field optional (``?``): an absent
field means "unknown", never an error. Pages:
https://docs.api.getrotor.com/api/resources/customers/methods/retrieve (read shape) and
https://docs.api.getrotor.com/api/resources/customers/methods/create_or_update (flat shape).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "RotorAddress",
    "RotorCustomer",
    "RotorErrorBody",
    "RotorFieldError",
    "RotorUpsertResult",
]


@attrs.frozen(kw_only=True)
class RotorAddress:
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


@attrs.frozen(kw_only=True)
class RotorCustomer:
    """One customer in the read shape (``GET /customers`` items, ``GET /customers/{id}`` data)."""

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
    created_at: datetime | None = None
    address: RotorAddress | None = None
    location: Any = None
    """``Array<number> | null`` per the docs; kept loose (anything else stays in ``raw`` only)."""
    has_payment_method: bool | None = None
    """Payment flag, TypeScript-flavoured pages."""
    is_auto_pay: bool | None = None
    """Payment flag, HTTP-flavoured pages (a different meaning: never merged with the other)."""


@attrs.frozen(kw_only=True)
class RotorUpsertResult:
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
    created_at: datetime | None = None
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


@attrs.frozen(kw_only=True)
class RotorFieldError:
    """One item of ``errors`` in a 400 ``Validation failed`` answer."""

    field: str | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class RotorErrorBody:
    """The error envelope ``{status: "error", message, error_code?, errors?}``."""

    status: str | None = None
    message: str | None = None
    error_code: str | None = None
    errors: tuple[RotorFieldError, ...] | None = None
