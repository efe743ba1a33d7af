"""Wire classes: the Augno / OpenMRP "sales customer" JSON, only the fields custbridge maps.

They mirror https://docs.augno.com/api-reference/customers/retrieve-customer (the current
generation, Aug 2026) and the vendor's April 2026 OpenAPI preview spec (older names), so
either generation structures. Field renames (``type`` -> ``type_group``, ...) live in cattrs
hooks in :mod:`._convert`, never on the model. Every sub-object is optional: the vendor
returns ``null`` for anything not named in ``include[]``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

__all__ = [
    "AccountGroup",
    "AccountGroupList",
    "AugnoCustomer",
    "ContactInfo",
    "CustomerDefaults",
    "CustomerRef",
    "CustomerRefList",
    "FreightPreferences",
    "Geolocation",
    "NamedRef",
    "NotificationPreferences",
    "PageInfo",
    "Priority",
    "Quantity",
    "Unit",
    "WireAddress",
]


@attrs.frozen
class PageInfo:
    """``page_info`` of a list envelope; both generations' names."""

    has_next_page: bool = False
    next_page_url: str | None = None
    """Current generation: a relative URL repeating the query with the next cursor."""
    next_cursor: str | None = None
    """April 2026 spec: the bare cursor token."""


@attrs.frozen
class Unit:
    """The expanded ``credit_limit.unit`` (a currency for credit limits)."""

    id: str
    name: str | None = None
    abbreviation: str | None = None
    unit_type: str | None = None
    """Vendor key ``type``: ``currency``, ``mass``, ..."""


@attrs.frozen
class Quantity:
    """A value with a unit: ``{"value": "1234.56", "display_value": "$1,234.56", "unit": ...}``."""

    value: Decimal | None
    """``None`` when the vendor sends ``""`` (no value)."""
    display_value: str | None = None
    unit: Unit | None = None


@attrs.frozen
class ContactInfo:
    """``contact_info``: where the customer's e-mail, phone and web site live."""

    email: str | None = None
    phone: str | None = None
    url: str | None = None


@attrs.frozen
class Geolocation:
    """The street data of an address."""

    country: str | None = None
    street_line_1: str | None = None
    street_line_2: str | None = None
    locality: str | None = None
    state: str | None = None
    postal_code: str | None = None


@attrs.frozen
class WireAddress:
    """``bill_to_address`` / ``ship_to_address``."""

    id: str
    name: str | None = None
    address_type: str | None = None
    """Vendor key ``type`` (``standard`` / ``drop_ship``), current generation."""
    is_drop_ship: bool | None = None
    """April 2026 spec name for the same information."""
    geolocation: Geolocation | None = None


@attrs.frozen
class NamedRef:
    """Any expanded reference custbridge keeps only the id and name of (terms, carrier, ...)."""

    id: str
    name: str | None = None


@attrs.frozen
class Priority:
    """``defaults.priority``."""

    id: str
    code: str | None = None
    name: str | None = None


@attrs.frozen
class AccountGroup:
    """A customer type group or price group."""

    id: str
    name: str | None = None
    group_type: str | None = None
    """Vendor key ``type``: ``type_group`` or ``pricing_group``."""


@attrs.frozen
class AccountGroupList:
    """``price_groups``: a list envelope (only its first page comes embedded)."""

    data: list[AccountGroup] = attrs.field(factory=list)
    page_info: PageInfo | None = None


@attrs.frozen
class CustomerRef:
    """``parent_account`` or an entry of ``child_accounts`` (their sub-objects are always null)."""

    id: str
    name: str | None = None


@attrs.frozen
class CustomerRefList:
    """``child_accounts``: a list envelope of customers."""

    data: list[CustomerRef] = attrs.field(factory=list)
    page_info: PageInfo | None = None


@attrs.frozen
class CustomerDefaults:
    """``defaults``: terms, priority and sales rep, each expandable on its own."""

    payment_term: NamedRef | None = None
    shipping_term: NamedRef | None = None
    priority: Priority | None = None
    sales_rep: NamedRef | None = None


@attrs.frozen
class FreightPreferences:
    """``freight_preferences``."""

    status: str | None = None
    """``free_freight`` / ``billed_freight``."""
    carrier: NamedRef | None = None
    service_level: NamedRef | None = None
    billing_type: str | None = None
    billing_account: str | None = None


@attrs.frozen
class NotificationPreferences:
    """``notification_preferences``."""

    accepts_invoice_emails: bool | None = None


@attrs.frozen
class AugnoCustomer:
    """One customer (``"object": "customer"``), either generation."""

    id: str
    name: str
    number: str | None = None
    status: str | None = None
    edi_status: str | None = None
    """Current generation: ``enabled`` / ``disabled``."""
    is_edi_enabled: bool | None = None
    """April 2026 spec name for ``edi_status``."""
    relationship_type: str | None = None
    """Current generation: ``standalone`` / ``parent`` / ``child``."""
    is_parent_account: bool | None = None
    """April 2026 spec name (it cannot tell a child from a standalone account)."""
    commission_policy: str | None = None
    note: str | None = None
    credit_limit: Quantity | None = None
    contact_info: ContactInfo | None = None
    freight_preferences: FreightPreferences | None = None
    defaults: CustomerDefaults | None = None
    notification_preferences: NotificationPreferences | None = None
    bill_to_address: WireAddress | None = None
    ship_to_address: WireAddress | None = None
    type_group: AccountGroup | None = None
    """Vendor key ``type``: the customer type group."""
    price_groups: AccountGroupList | None = None
    parent_account: CustomerRef | None = None
    child_accounts: CustomerRefList | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
