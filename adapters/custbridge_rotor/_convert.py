"""Rotor JSON <-> canonical model, both directions, for both of Rotor's customer shapes.

Rotor has two customer shapes (FACTS.md section 1): the *read shape* of list/retrieve (nested
``address``, ``location``, a payment flag) and the *flat shape* of ``POST /customers``
(``property_*``/``billing_*``, ``service_*``, ``message``). Both map to the same canonical
:class:`~custbridge.Customer`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from custbridge import (
    Address,
    ConfigurationError,
    Customer,
    CustomerInput,
    CustomerStatus,
    MappingError,
    UnsupportedOperationError,
)
from custbridge.convert import at_path, geocoded, normalize_country, parse_datetime

from ._wire import RotorCustomer, RotorUpsertResult, Timestamp

__all__ = [
    "READ_NOT_LOADED",
    "VENDOR_FIELDS",
    "WRITABLE",
    "coordinates",
    "created_at",
    "read_to_customer",
    "status_from_wire",
    "upsert_outcome",
    "upsert_to_customer",
    "write_body",
]

# The read shape never carries billing data, so a listed or retrieved customer's
# billing_address is "not loaded", not "none".
READ_NOT_LOADED: frozenset[str] = frozenset({"billing_address"})

_STATUS: Mapping[str, CustomerStatus] = {
    "active": CustomerStatus.ACTIVE,
    "inactive": CustomerStatus.INACTIVE,
}
_STATUS_OUT: Mapping[CustomerStatus, str] = {v: k for k, v in _STATUS.items()}

WRITABLE: tuple[str, ...] = (
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "status",
    "address",
    "billing_address",
    "tags",
    "notes",
)
"""Canonical fields ``POST /customers`` accepts."""

VENDOR_FIELDS: Mapping[str, type] = {
    "source": str,
    "service_type": str,
    "service_frequency": str,
    "billing_same_as_property": bool,
}
"""Rotor-only body fields accepted in ``CustomerInput.vendor_fields``, with their JSON type."""

_TEXT_FIELDS = ("first_name", "last_name", "company_name", "email", "phone", "notes")


# --------------------------------------------------------------------------- reading


_rfc3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
).fullmatch
"""The timestamp shape Rotor sends (``2019-12-27T18:11:19.117Z``, always with ``Z`` or an
offset): ``datetime.fromisoformat`` reads it as an aware datetime (what ``parse_datetime``
does for it, without the call layers; once per listed customer)."""
_fromisoformat = datetime.fromisoformat


def created_at(value: Timestamp) -> datetime | None:
    """``created_at`` as sent -> an aware datetime, or ``None`` for no value.

    Raises ``ValueError``/``TypeError`` for a value that is not a timestamp (the mapping
    reports it at ``$.created_at``).
    """
    # Assumption: ``"created_at": ""`` (and a blank string) is Rotor's "no value" (the docs
    # give no format rule); every Rotor field is optional, so it maps to None rather than
    # sinking the record. Without an offset the time is UTC; epoch seconds are accepted.
    if value is None or (type(value) is str and (not value or value.isspace())):
        return None
    return parse_datetime(value)


def status_from_wire(value: str | None) -> CustomerStatus:
    """``active``/``inactive`` to the canonical state; anything else is ``UNKNOWN``."""
    if value is None:
        return CustomerStatus.UNKNOWN
    status = _STATUS.get(value)  # the documented spelling, without string work
    if status is None:
        status = _STATUS.get(value.strip().casefold(), CustomerStatus.UNKNOWN)
    return status


def coordinates(value: Any) -> tuple[float, float] | None:
    """``location`` to ``(latitude, longitude)``, or ``None`` when it is not usable.

    Quirk: Rotor does not document the order of ``location`` for customers. Its pins page
    shows ``[40.7128, -74.006]`` (New York as [lat, lng]), so [latitude, longitude] is
    assumed. Anything but exactly two finite numbers within range is not used (it stays in
    ``Customer.raw``); the documented example ``[0]`` is therefore no point. ``[0, 0]`` is
    "not geocoded" (:func:`custbridge.convert.geocoded`), not a point in the Gulf of Guinea.
    """
    if type(value) is list and len(value) == 2:  # the common case: two floats in range
        lat, lng = value
        if (
            type(lat) is float
            and type(lng) is float
            and -90.0 <= lat <= 90.0
            and -180.0 <= lng <= 180.0
            and (lat != 0.0 or lng != 0.0)
        ):
            return lat, lng
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
            return None
    first, second = float(value[0]), float(value[1])
    if abs(first) > 90.0 and abs(second) <= 90.0:
        # Assumption: the first number cannot be a latitude but the second can, so this record
        # is [lng, lat] (GeoJSON order, which some integrations write): read it that way rather
        # than store a wrong or no point. Ambiguous pairs (both within +-90) stay [lat, lng].
        first, second = second, first
    if not (-90.0 <= first <= 90.0 and -180.0 <= second <= 180.0):
        return None
    return geocoded(first, second)


_COUNTRIES: dict[str, str | None] = {}
"""``normalize_country`` results by the text Rotor sent (a page repeats a few countries)."""
_COUNTRIES_MAX = 4096


def _country(value: str | None) -> str | None:
    """Quirk: Rotor stores country as free text ("US", "USA", "Canada", ...): alpha-2 when
    recognisable (:func:`~custbridge.convert.normalize_country`), remembered per text."""
    if value is None:
        return None
    try:
        return _COUNTRIES[value]
    except KeyError:
        code = normalize_country(value)
        if len(_COUNTRIES) < _COUNTRIES_MAX:
            _COUNTRIES[value] = code
        return code


def _address(
    line1: str | None,
    line2: str | None,
    city: str | None,
    region: str | None,
    postal_code: str | None,
    country: str | None,
) -> Address | None:
    """The address from its text parts, or ``None`` when they are all blank."""
    if not (line1 or line2 or city or region or postal_code or country):
        return None  # nothing at all (the common "no address" case, without building one)
    address = Address(line1=line1, line2=line2, city=city, region=region, postal_code=postal_code,
                      country=_country(country))
    return None if address.is_empty else address  # only blanks


_EXTRAS: dict[tuple[str | None, bool | None, bool | None], Mapping[str, Any]] = {}
_EXTRAS_MAX = 4096


def _read_extras(source: str | None, has_payment_method: bool | None, is_auto_pay: bool | None) -> Mapping[str, Any]:
    """``Customer.extras`` of the read shape: the values that are set, under their own names.

    Quirk: the payment flag has two documented names with different meanings
    (has_payment_method: a saved payment method exists; is_auto_pay: billed automatically).
    Both are kept under their own names, never merged. A page repeats few combinations, so
    each read-only mapping is made once and shared (it cannot be changed through a customer).
    """
    key = (source, has_payment_method, is_auto_pay)
    extras = _EXTRAS.get(key)
    if extras is None:
        values = {"source": source, "has_payment_method": has_payment_method, "is_auto_pay": is_auto_pay}
        extras = MappingProxyType({k: v for k, v in values.items() if v is not None})
        if len(_EXTRAS) < _EXTRAS_MAX:
            _EXTRAS[key] = extras
    return extras


def _require_id(wire_id: str | None, provider: str) -> str:
    if not wire_id or wire_id.isspace():
        raise MappingError(
            "the customer has no id",
            provider=provider,
            paths=[("$.id", "missing or empty (a customer without an id cannot be addressed)")],
        )
    return wire_id


def read_to_customer(provider: str) -> Callable[[RotorCustomer, Mapping[str, Any]], Customer]:
    """Return the ``RotorCustomer -> Customer`` function for provider name ``provider``."""

    # GET /customers/{id} -> data, GET /customers -> data[i]
    # https://docs.api.getrotor.com/api/resources/customers/methods/retrieve
    # {"id": "182bd5e5-…", "address": {"city": "city", "country": "country", "state": "state",
    #   "street1": "street1", "zip": "zip", "street2": "street2"}, "company_name": "company_name",
    #  "created_at": "2019-12-27T18:11:19.117Z", "email": "dev@stainless.com",
    #  "first_name": "first_name", "has_payment_method": true  (or "is_auto_pay": true),
    #  "last_name": "last_name", "location": [0], "notes": "notes", "phone": "phone",
    #  "source": "source", "status": "active", "tags": ["string"]}
    # Edge values handled (not in the docs' examples): "created_at": "" -> None (created_at),
    # "location": [-122.33, 47.6] -> read as [lng, lat], "location": [0, 0] -> not geocoded.
    # (Runs once per listed customer: the small helpers are short-cut for the common case.)
    def to_customer(wire: RotorCustomer, raw: Mapping[str, Any]) -> Customer:
        customer_id = wire.id
        if not customer_id or customer_id.isspace():
            customer_id = _require_id(customer_id, provider)
        location = wire.location
        point = None if location is None else coordinates(location)
        addr = wire.address
        if addr is None:
            address = None if point is None else Address(latitude=point[0], longitude=point[1])
        elif point is not None:  # the common case: an address and its point (never empty)
            # (built here rather than by _address: once per listed customer)
            address = Address(line1=addr.street1, line2=addr.street2, city=addr.city, region=addr.state,
                              postal_code=addr.zip, country=_country(addr.country),
                              latitude=point[0], longitude=point[1])
        else:
            address = _address(addr.street1, addr.street2, addr.city, addr.state, addr.zip, addr.country)
        vendor_status = wire.status
        status = _STATUS.get(vendor_status)  # type: ignore[arg-type]  # None is no key: UNKNOWN below
        sent = wire.created_at
        created: datetime | None = None
        if sent is not None:
            # The shape Rotor sends, parsed directly; anything else by created_at's rules.
            if type(sent) is str and _rfc3339(sent):
                created = _fromisoformat(sent)
            else:
                created = at_path("$.created_at", created_at, sent)
        return Customer(
            provider=provider,
            id=customer_id,
            first_name=wire.first_name,
            last_name=wire.last_name,
            company_name=wire.company_name,
            email=wire.email,
            phone=wire.phone,
            status=status_from_wire(vendor_status) if status is None else status,
            vendor_status=vendor_status,
            address=address,
            tags=wire.tags or (),
            notes=wire.notes,
            created_at=created,
            extras=_read_extras(wire.source, wire.has_payment_method, wire.is_auto_pay),
            not_loaded=READ_NOT_LOADED,
            raw=raw,
        )

    return to_customer


def upsert_outcome(message: str | None, status_code: int | None = None) -> str | None:
    """``"created"``/``"updated"`` from the upsert ``message`` (else 201 means created).

    Quirk: Rotor's flat answer says what happened only in free text
    ("Customer created successfully"); the status codes (201/200) are not documented for
    customers, only for leads.
    """
    text = (message or "").casefold()
    if "created" in text:
        return "created"
    if "updated" in text:
        return "updated"
    if status_code == 201:
        return "created"
    return None


def upsert_to_customer(provider: str) -> Callable[[RotorUpsertResult, Mapping[str, Any]], Customer]:
    """Return the ``RotorUpsertResult -> Customer`` function for provider name ``provider``."""

    # POST /customers -> the flat record itself (no "data" wrapper)
    # https://docs.api.getrotor.com/api/resources/customers/methods/create_or_update
    # {"id": "182bd5e5-…", "billing_city": "billing_city", …, "billing_same_as_property": true,
    #  "company_name": "company_name", "created_at": "2019-12-27T18:11:19.117Z",
    #  "email": "dev@stainless.com", "first_name": "first_name", "last_name": "last_name",
    #  "message": "Customer created successfully", "notes": "notes", "phone": "phone",
    #  "property_city": "property_city", …, "service_frequency": "service_frequency",
    #  "service_type": "service_type", "source": "source", "status": "active", "tags": ["string"]}
    def to_customer(wire: RotorUpsertResult, raw: Mapping[str, Any]) -> Customer:
        # Inference (FACTS.md): the read shape's "address" is the property address, so the
        # flat property_* fields fill Customer.address and billing_* fill billing_address.
        address = _address(
            wire.property_street1, wire.property_street2, wire.property_city,
            wire.property_state, wire.property_zip, wire.property_country,
        )
        billing = _address(
            wire.billing_street1, wire.billing_street2, wire.billing_city,
            wire.billing_state, wire.billing_zip, wire.billing_country,
        )
        # Quirk: billing_same_as_property=true may come with empty billing_* fields; the
        # billing address then is the property address.
        if billing is None and wire.billing_same_as_property:
            billing = address
        extras: dict[str, Any] = {}
        for key in ("source", "service_type", "service_frequency", "billing_same_as_property"):
            value = getattr(wire, key)
            if value is not None:
                extras[key] = value
        outcome = upsert_outcome(wire.message)
        if outcome is not None:
            extras["upsert_outcome"] = outcome
        return Customer(
            provider=provider,
            id=_require_id(wire.id, provider),
            first_name=wire.first_name,
            last_name=wire.last_name,
            company_name=wire.company_name,
            email=wire.email,
            phone=wire.phone,
            status=status_from_wire(wire.status),
            vendor_status=wire.status,
            address=address,
            billing_address=billing,
            tags=wire.tags or (),
            notes=wire.notes,
            created_at=None if wire.created_at is None else at_path("$.created_at", created_at, wire.created_at),
            extras=extras,
            raw=raw,
        )

    return to_customer


# --------------------------------------------------------------------------- writing


def _text(value: Any, name: str, provider: str, operation: str) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{name} must be a string, got {type(value).__name__}", provider=provider, operation=operation
        )
    return value


def _address_fields(
    address: Any, prefix: str, name: str, provider: str, operation: str
) -> dict[str, str]:
    if not isinstance(address, Address):
        raise ConfigurationError(
            f"{name} must be a custbridge.Address, got {type(address).__name__}",
            provider=provider, operation=operation,
        )
    # Only the text parts are writable; latitude/longitude, formatted, name and
    # translations have no place in Rotor's body and are not sent (see README).
    out: dict[str, str] = {}
    for canonical, wire in (("line1", "street1"), ("line2", "street2"), ("city", "city"),
                            ("region", "state"), ("postal_code", "zip"), ("country", "country")):
        value = getattr(address, canonical)
        if value is not None:
            out[f"{prefix}_{wire}"] = value
    return out


def write_body(
    data: CustomerInput, *, provider: str, operation: str, customer_id: str | None
) -> dict[str, Any]:
    """Build the ``POST /customers`` body from the fields set in ``data``.

    Raises:
        UnsupportedOperationError: a field is set to ``None`` (Rotor cannot clear fields),
            tags would be removed, a status Rotor does not have, or an unknown vendor field.
        ConfigurationError: a value of the wrong type.
    """
    body: dict[str, Any] = {}
    if customer_id is not None:
        body["id"] = customer_id
    for name, value in data.set_fields().items():
        if value is None or (name == "tags" and not value):
            raise UnsupportedOperationError(
                f"cannot clear {name}: Rotor's POST /customers only sets values"
                + (" and merges tags (it never removes one)" if name == "tags" else ""),
                provider=provider,
                operation=operation,
                hint=f"leave {name} unset (NOT_SET) to keep the current value",
            )
        if name in _TEXT_FIELDS:
            body[name] = _text(value, name, provider, operation)
        elif name == "status":
            wire_status = _STATUS_OUT.get(value) if isinstance(value, CustomerStatus) else None
            if wire_status is None:
                raise UnsupportedOperationError(
                    f"Rotor has no status {value!r}",
                    provider=provider, operation=operation, hint="use ACTIVE or INACTIVE",
                )
            body["status"] = wire_status
        elif name == "address":
            body.update(_address_fields(value, "property", name, provider, operation))
        elif name == "billing_address":
            body.update(_address_fields(value, "billing", name, provider, operation))
        elif name == "tags":
            if isinstance(value, str):
                raise ConfigurationError(
                    "tags must be a sequence of strings, not one string",
                    provider=provider, operation=operation, hint='e.g. tags=("vip",)',
                )
            body["tags"] = [_text(tag, "tags[]", provider, operation) for tag in value]
        else:  # pragma: no cover - the engine refuses fields not declared writable
            raise UnsupportedOperationError(
                f"{name} is not writable", provider=provider, operation=operation
            )
    for key, value in data.vendor_fields.items():
        kind = VENDOR_FIELDS.get(key)
        if kind is None:
            raise UnsupportedOperationError(
                f"unknown Rotor vendor field {key!r}",
                provider=provider, operation=operation,
                hint="vendor_fields accepts: " + ", ".join(VENDOR_FIELDS)
                + ("; pass the id as CustomerInput.id" if key == "id" else ""),
            )
        if not isinstance(value, kind):
            raise ConfigurationError(
                f"vendor field {key!r} must be {kind.__name__}, got {type(value).__name__}",
                provider=provider, operation=operation,
            )
        body[key] = value
    return body
