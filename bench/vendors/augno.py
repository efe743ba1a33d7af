"""Augno: a page of 1000 customers with every include expanded (``include=all``).

Every sub-object the vendor can expand is in the page (credit limit and its unit, contact
info, freight preferences with carrier and service levels, defaults with terms, priority and
sales rep, addresses with geolocation, type and price groups, parent and child accounts), so
most of the bytes are context custbridge reads only a few fields of: decoding dominates,
which is why its target is 1.5x the floor.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
import pydantic

from custbridge import Address, Customer, CustomerStatus, Money
from custbridge.convert import normalize_country
from custbridge.sandbox import create_app

# The adapter's currency tables, so the peers recognise the same currencies (bench only).
from custbridge_augno._convert import _CURRENCY_BY_NAME, _CURRENCY_BY_SYMBOL, CURRENT_INCLUDES, STATUS_FROM_VENDOR

from . import PAGE_SIZE, VendorBench, capture_list_page

__all__ = ["build"]

_INCLUDES = frozenset(CURRENT_INCLUDES)


def _currency(unit: dict[str, Any] | None) -> str | None:
    if not unit or (unit.get("type") is not None and unit["type"] != "currency"):
        return None
    abbreviation = (unit.get("abbreviation") or "").strip()
    if len(abbreviation) == 3 and abbreviation.isascii() and abbreviation.isalpha() and abbreviation.isupper():
        return abbreviation
    return _CURRENCY_BY_NAME.get((unit.get("name") or "").strip().casefold()) or _CURRENCY_BY_SYMBOL.get(abbreviation)


def _address(a: dict[str, Any] | None) -> Address | None:
    if a is None:
        return None
    g = a.get("geolocation")
    if g is None:
        return Address(name=a.get("name"))
    return Address(
        name=a.get("name"), line1=g.get("street_line_1"), line2=g.get("street_line_2"), city=g.get("locality"),
        region=g.get("state"), postal_code=g.get("postal_code"), country=normalize_country(g.get("country")),
    )


def _address_type(a: dict[str, Any]) -> str | None:
    if a.get("type") is not None:
        return str(a["type"])
    if a.get("is_drop_ship") is not None:
        return "drop_ship" if a["is_drop_ship"] else "standard"
    return None


def _relationship(r: dict[str, Any]) -> str | None:
    if r.get("relationship_type") is not None:
        return str(r["relationship_type"])
    if r.get("is_parent_account") is None:
        return None
    if r["is_parent_account"]:
        return "parent"
    return "child" if r.get("parent_account") is not None else "standalone"


def _more(envelope: dict[str, Any] | None) -> bool:
    """Whether an embedded list envelope says it has more pages."""
    info = (envelope or {}).get("page_info") or {}
    return bool(info.get("has_next_page") or info.get("next_page_url") or info.get("next_cursor"))


def _extras(r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if r.get("edi_status") is not None:
        out["edi_status"] = r["edi_status"]
    elif r.get("is_edi_enabled") is not None:
        out["edi_status"] = "enabled" if r["is_edi_enabled"] else "disabled"
    relationship = _relationship(r)
    if relationship is not None:
        out["relationship_type"] = relationship
    if r.get("commission_policy") is not None:
        out["commission_policy"] = r["commission_policy"]
    group = r.get("type")
    out["customer_type_group_id"] = group["id"] if group else None
    out["customer_type_group_name"] = group.get("name") if group else None
    groups = (r.get("price_groups") or {}).get("data") or []
    out["price_group_ids"] = tuple(g["id"] for g in groups)
    out["price_group_names"] = tuple(g.get("name") or "" for g in groups)
    out["price_groups_truncated"] = _more(r.get("price_groups"))
    out["parent_account_id"] = r["parent_account"]["id"] if r.get("parent_account") else None
    out["child_account_ids"] = tuple(c["id"] for c in ((r.get("child_accounts") or {}).get("data") or []))
    out["child_accounts_truncated"] = _more(r.get("child_accounts"))
    freight = r.get("freight_preferences")
    if freight is not None:
        out["freight_policy"] = freight.get("status")
        out["carrier_billing_type"] = freight.get("billing_type")
        out["carrier_billing_account"] = freight.get("billing_account")
        for key, ref in (("carrier", freight.get("carrier")), ("service_level", freight.get("service_level"))):
            if ref is not None:
                out[f"default_{key}_id"] = ref["id"]
                out[f"default_{key}_name"] = ref.get("name")
    defaults = r.get("defaults")
    if defaults is not None:
        for key in ("payment_term", "shipping_term", "sales_rep"):
            ref = defaults.get(key)
            if ref is not None:
                out[f"default_{key}_id"] = ref["id"]
                out[f"default_{key}_name"] = ref.get("name")
        if defaults.get("priority") is not None:
            out["default_priority"] = defaults["priority"].get("code")
    if r.get("notification_preferences") is not None:
        out["accepts_invoice_emails"] = r["notification_preferences"].get("accepts_invoice_emails")
    for key in ("bill_to_address", "ship_to_address"):
        address = r.get(key)
        if address is not None:
            out[f"{key}_id"] = address["id"]
            out[f"{key}_type"] = _address_type(address)
    unit = (r.get("credit_limit") or {}).get("unit")
    if unit is not None:
        out["credit_limit_unit_id"] = unit["id"]
        out["credit_limit_unit_name"] = unit.get("name")
    return out


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def hand(content: bytes) -> list[Customer]:
    """What a careful user writes by hand: the same mapping rules, no type checks."""
    out = []
    for r in json.loads(content)["data"]:
        contact = r.get("contact_info") or {}
        credit = r.get("credit_limit")
        billing = _address(r.get("bill_to_address"))
        out.append(Customer(
            provider="augno", id=r["id"], number=r.get("number") or None, company_name=r["name"],
            display_name=r["name"], email=contact.get("email"), phone=contact.get("phone"),
            website=contact.get("url"), status=STATUS_FROM_VENDOR.get(r.get("status") or "", CustomerStatus.UNKNOWN),
            vendor_status=r.get("status"), address=billing, billing_address=billing,
            shipping_address=_address(r.get("ship_to_address")), notes=r.get("note"),
            credit_limit=Money(amount=Decimal(credit["value"]), currency=_currency(credit.get("unit")),
                               display=credit.get("display_value") or None) if credit else None,
            created_at=_when(r.get("created_at")), updated_at=_when(r.get("updated_at")), extras=_extras(r), raw=r,
        ))
    return out


# ---------------------------------------------------------------- pydantic v2 (the fields custbridge maps)


class _PUnit(pydantic.BaseModel):
    id: str
    name: str | None = None
    abbreviation: str | None = None
    type: str | None = None


class _PQuantity(pydantic.BaseModel):
    value: Decimal
    display_value: str | None = None
    unit: _PUnit | None = None


class _PContact(pydantic.BaseModel):
    email: str | None = None
    phone: str | None = None
    url: str | None = None


class _PGeo(pydantic.BaseModel):
    country: str | None = None
    street_line_1: str | None = None
    street_line_2: str | None = None
    locality: str | None = None
    state: str | None = None
    postal_code: str | None = None


class _PAddress(pydantic.BaseModel):
    id: str
    name: str | None = None
    type: str | None = None
    is_drop_ship: bool | None = None
    geolocation: _PGeo | None = None


class _PRef(pydantic.BaseModel):
    id: str
    name: str | None = None


class _PPriority(pydantic.BaseModel):
    id: str
    code: str | None = None
    name: str | None = None


class _PGroup(pydantic.BaseModel):
    id: str
    name: str | None = None
    type: str | None = None


class _PGroupList(pydantic.BaseModel):
    data: list[_PGroup] = []


class _PRefList(pydantic.BaseModel):
    data: list[_PRef] = []


class _PDefaults(pydantic.BaseModel):
    payment_term: _PRef | None = None
    shipping_term: _PRef | None = None
    priority: _PPriority | None = None
    sales_rep: _PRef | None = None


class _PFreight(pydantic.BaseModel):
    status: str | None = None
    carrier: _PRef | None = None
    service_level: _PRef | None = None
    billing_type: str | None = None
    billing_account: str | None = None


class _PNotifications(pydantic.BaseModel):
    accepts_invoice_emails: bool | None = None


class _PCustomer(pydantic.BaseModel):
    id: str
    name: str
    number: str | None = None
    status: str | None = None
    edi_status: str | None = None
    is_edi_enabled: bool | None = None
    relationship_type: str | None = None
    is_parent_account: bool | None = None
    commission_policy: str | None = None
    note: str | None = None
    credit_limit: _PQuantity | None = None
    contact_info: _PContact | None = None
    freight_preferences: _PFreight | None = None
    defaults: _PDefaults | None = None
    notification_preferences: _PNotifications | None = None
    bill_to_address: _PAddress | None = None
    ship_to_address: _PAddress | None = None
    type: _PGroup | None = None
    price_groups: _PGroupList | None = None
    parent_account: _PRef | None = None
    child_accounts: _PRefList | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class _PPage(pydantic.BaseModel):
    data: list[_PCustomer]


def with_pydantic(content: bytes) -> list[_PCustomer]:
    """Validate the whole page with pydantic-core (the fastest pydantic path)."""
    return _PPage.model_validate_json(content).data


def pydantic_customers(content: bytes) -> list[Customer]:
    """pydantic validation, then the same mapping rules onto ``custbridge.Customer``.

    The models are dumped back to dicts for the (shared) extras rules: a user would write
    them against the models; the dump is the cheap part here.
    """
    out = []
    for m in with_pydantic(content):
        r = m.model_dump()
        contact = m.contact_info
        credit = m.credit_limit
        billing = _address(r["bill_to_address"])
        out.append(Customer(
            provider="augno", id=m.id, number=m.number or None, company_name=m.name, display_name=m.name,
            email=contact.email if contact else None, phone=contact.phone if contact else None,
            website=contact.url if contact else None,
            status=STATUS_FROM_VENDOR.get(m.status or "", CustomerStatus.UNKNOWN), vendor_status=m.status,
            address=billing, billing_address=billing, shipping_address=_address(r["ship_to_address"]), notes=m.note,
            credit_limit=Money(amount=credit.value, currency=_currency(r["credit_limit"]["unit"]),
                               display=credit.display_value or None) if credit else None,
            created_at=m.created_at, updated_at=m.updated_at, extras=_extras(r),
        ))
    return out


# ---------------------------------------------------------------- msgspec


class _MUnit(msgspec.Struct):
    id: str
    name: str | None = None
    abbreviation: str | None = None
    type: str | None = None


class _MQuantity(msgspec.Struct):
    value: Decimal
    display_value: str | None = None
    unit: _MUnit | None = None


class _MContact(msgspec.Struct):
    email: str | None = None
    phone: str | None = None
    url: str | None = None


class _MGeo(msgspec.Struct):
    country: str | None = None
    street_line_1: str | None = None
    street_line_2: str | None = None
    locality: str | None = None
    state: str | None = None
    postal_code: str | None = None


class _MAddress(msgspec.Struct):
    id: str
    name: str | None = None
    type: str | None = None
    is_drop_ship: bool | None = None
    geolocation: _MGeo | None = None


class _MRef(msgspec.Struct):
    id: str
    name: str | None = None


class _MPriority(msgspec.Struct):
    id: str
    code: str | None = None
    name: str | None = None


class _MGroup(msgspec.Struct):
    id: str
    name: str | None = None
    type: str | None = None


class _MGroupList(msgspec.Struct):
    data: list[_MGroup] = []


class _MRefList(msgspec.Struct):
    data: list[_MRef] = []


class _MDefaults(msgspec.Struct):
    payment_term: _MRef | None = None
    shipping_term: _MRef | None = None
    priority: _MPriority | None = None
    sales_rep: _MRef | None = None


class _MFreight(msgspec.Struct):
    status: str | None = None
    carrier: _MRef | None = None
    service_level: _MRef | None = None
    billing_type: str | None = None
    billing_account: str | None = None


class _MNotifications(msgspec.Struct):
    accepts_invoice_emails: bool | None = None


class _MCustomer(msgspec.Struct):
    id: str
    name: str
    number: str | None = None
    status: str | None = None
    edi_status: str | None = None
    is_edi_enabled: bool | None = None
    relationship_type: str | None = None
    is_parent_account: bool | None = None
    commission_policy: str | None = None
    note: str | None = None
    credit_limit: _MQuantity | None = None
    contact_info: _MContact | None = None
    freight_preferences: _MFreight | None = None
    defaults: _MDefaults | None = None
    notification_preferences: _MNotifications | None = None
    bill_to_address: _MAddress | None = None
    ship_to_address: _MAddress | None = None
    type: _MGroup | None = None
    price_groups: _MGroupList | None = None
    parent_account: _MRef | None = None
    child_accounts: _MRefList | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class _MPage(msgspec.Struct):
    data: list[_MCustomer]


_DECODER = msgspec.json.Decoder(_MPage)


def with_msgspec(content: bytes) -> list[_MCustomer]:
    """Decode straight into typed Structs (validation in C)."""
    return _DECODER.decode(content).data


def build() -> VendorBench:
    """The Augno page from its sandbox (every include expanded), and the peers."""
    # A server taking the Go SDK's include values, with street data on the customer (as before the
    # retrieve page's strict defaults): the page measured is the fully expanded one.
    app = create_app("augno", size=PAGE_SIZE, includes="sdk", geolocation=True)
    page = capture_list_page(app, "augno", include="all")
    return VendorBench(
        provider="augno",
        label="Augno",
        page=page,
        settings={**app.client_settings(app.base_url), "include": "all"},
        hand=hand,
        pydantic=with_pydantic,
        pydantic_customers=pydantic_customers,
        msgspec=with_msgspec,
        notes="include=all: every expandable sub-object present (current API generation)",
    )
