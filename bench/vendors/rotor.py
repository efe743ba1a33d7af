"""Rotor: a page of 1000 customers in the read shape (``GET /customers?page=1&limit=1000``)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import msgspec
import pydantic

from custbridge import Address, Customer, CustomerStatus
from custbridge.convert import normalize_country
from custbridge.sandbox import create_app

from . import PAGE_SIZE, VendorBench, capture_list_page

__all__ = ["build"]

# ---------------------------------------------------------------- hand-written dict -> attrs

_STATUS = {"active": CustomerStatus.ACTIVE, "inactive": CustomerStatus.INACTIVE}
_NOT_LOADED = frozenset({"billing_address"})


def _point(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list) and len(value) == 2:
        lat, lng = value
        numbers = isinstance(lat, (int, float)) and isinstance(lng, (int, float)) and math.isfinite(lat + lng)
        if numbers and -90 <= lat <= 90 and -180 <= lng <= 180 and (lat, lng) != (0, 0):
            return float(lat), float(lng)
    return None


def hand(content: bytes) -> list[Customer]:
    """What a careful user writes by hand: the same mapping rules, no type checks."""
    out = []
    for r in json.loads(content)["data"]:
        a = r.get("address") or {}
        point = _point(r.get("location"))
        address: Address | None = Address(
            line1=a.get("street1"), line2=a.get("street2"), city=a.get("city"), region=a.get("state"),
            postal_code=a.get("zip"), country=normalize_country(a.get("country")),
            latitude=point[0] if point else None, longitude=point[1] if point else None,
        )
        if address is not None and address.is_empty:
            address = None
        extras = {k: r[k] for k in ("source", "has_payment_method", "is_auto_pay") if r.get(k) is not None}
        created = r.get("created_at")
        status = r.get("status")
        out.append(Customer(
            provider="rotor", id=r["id"], first_name=r.get("first_name"), last_name=r.get("last_name"),
            company_name=r.get("company_name"), email=r.get("email"), phone=r.get("phone"),
            status=_STATUS.get(status or "", CustomerStatus.UNKNOWN), vendor_status=status, address=address,
            tags=tuple(r.get("tags") or ()), notes=r.get("notes"),
            created_at=datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None,
            extras=extras, not_loaded=_NOT_LOADED, raw=r,
        ))
    return out


# ---------------------------------------------------------------- pydantic v2


class _PAddress(pydantic.BaseModel):
    street1: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


class _PCustomer(pydantic.BaseModel):
    id: str
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    notes: str | None = None
    source: str | None = None
    status: str | None = None
    tags: list[str] | None = None
    created_at: datetime | None = None
    address: _PAddress | None = None
    location: list[float] | None = None
    has_payment_method: bool | None = None
    is_auto_pay: bool | None = None


class _PPage(pydantic.BaseModel):
    data: list[_PCustomer]


def with_pydantic(content: bytes) -> list[_PCustomer]:
    """Validate the whole page with pydantic-core (the fastest pydantic path)."""
    return _PPage.model_validate_json(content).data


def pydantic_customers(content: bytes) -> list[Customer]:
    """pydantic validation, then the same mapping rules onto ``custbridge.Customer``."""
    out = []
    for r in with_pydantic(content):
        a = r.address or _PAddress()
        point = _point(r.location)
        address: Address | None = Address(
            line1=a.street1, line2=a.street2, city=a.city, region=a.state, postal_code=a.zip,
            country=normalize_country(a.country),
            latitude=point[0] if point else None, longitude=point[1] if point else None,
        )
        if address is not None and address.is_empty:
            address = None
        extras = {k: v for k in ("source", "has_payment_method", "is_auto_pay") if (v := getattr(r, k)) is not None}
        out.append(Customer(
            provider="rotor", id=r.id, first_name=r.first_name, last_name=r.last_name,
            company_name=r.company_name, email=r.email, phone=r.phone,
            status=_STATUS.get(r.status or "", CustomerStatus.UNKNOWN), vendor_status=r.status, address=address,
            tags=tuple(r.tags or ()), notes=r.notes, created_at=r.created_at, extras=extras, not_loaded=_NOT_LOADED,
        ))
    return out


# ---------------------------------------------------------------- msgspec


class _MAddress(msgspec.Struct):
    street1: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


class _MCustomer(msgspec.Struct):
    id: str
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    notes: str | None = None
    source: str | None = None
    status: str | None = None
    tags: list[str] | None = None
    created_at: datetime | None = None
    address: _MAddress | None = None
    location: list[float] | None = None
    has_payment_method: bool | None = None
    is_auto_pay: bool | None = None


class _MPage(msgspec.Struct):
    data: list[_MCustomer]


_DECODER = msgspec.json.Decoder(_MPage)


def with_msgspec(content: bytes) -> list[_MCustomer]:
    """Decode straight into typed Structs (validation in C)."""
    return _DECODER.decode(content).data


def build() -> VendorBench:
    """The Rotor page from its sandbox, and the Rotor peers."""
    app = create_app("rotor", size=PAGE_SIZE, archived=0)
    page = capture_list_page(app, "rotor")
    return VendorBench(
        provider="rotor",
        label="Rotor",
        page=page,
        settings=app.client_settings(app.base_url),
        hand=hand,
        pydantic=with_pydantic,
        pydantic_customers=pydantic_customers,
        msgspec=with_msgspec,
        notes="read shape: nested address, location, payment flag",
    )
