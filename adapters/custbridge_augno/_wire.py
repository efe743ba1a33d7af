"""Wire classes: the Augno / OpenMRP "sales customer" JSON, only the fields custbridge maps.

They mirror https://docs.augno.com/api-reference/customers/retrieve-customer (the current
generation, Aug 2026) and the vendor's April 2026 OpenAPI preview spec (older names), so
either generation decodes. They are msgspec Structs: a record's JSON is validated in one pass
(in C), and a value that does not fit is reported at its JSON path with the vendor's key names
(``$.bill_to_address.type``): the one vendor key custbridge renames, ``type`` (an address type,
a group type ...), is declared with ``msgspec.field(name="type")``. Unknown keys are ignored.
Every sub-object is optional: the vendor returns ``null`` for anything not named in ``include[]``.

Values msgspec cannot check exactly as the vendor sends them stay as JSON values here and are
parsed while mapping (:mod:`._convert`, errors at their path): decimal strings (``""`` is no
value) and timestamps (RFC 3339; a naive one is UTC, epoch seconds are accepted).

``gc=False``: decoded from JSON, these trees cannot hold reference cycles, so the garbage
collector need not track them (some twenty per customer with every include).
"""

from __future__ import annotations

import msgspec

from custbridge.convert import msgspec_error_path

__all__ = [
    "AccountGroup",
    "AccountGroupList",
    "AddressPage",
    "AugnoCustomer",
    "ContactInfo",
    "CustomerDefaults",
    "CustomerPage",
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
    "error_path",
]


class PageInfo(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``page_info`` of a list envelope; both generations' names."""

    has_next_page: bool | None = None
    """``None`` when absent (then a link or cursor alone means "more")."""
    next_page_url: str | None = None
    """Current generation: a relative URL repeating the query with the next cursor."""
    next_cursor: str | None = None
    """April 2026 spec: the bare cursor token."""


class Unit(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The expanded ``credit_limit.unit`` (a currency for credit limits)."""

    id: str
    name: str | None = None
    abbreviation: str | None = None
    unit_type: str | None = msgspec.field(default=None, name="type")
    """Vendor key ``type``: ``currency``, ``mass``, ..."""


class Quantity(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A value with a unit: ``{"value": "1234.56", "display_value": "$1,234.56", "unit": ...}``."""

    value: str | int | float | None
    """A decimal string at full precision (``"1234.56"``); ``""`` is no value. Parsed to an exact
    ``Decimal`` while mapping (:func:`._convert.decimal_or_none`)."""
    display_value: str | None = None
    unit: Unit | None = None


class ContactInfo(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``contact_info``: where the customer's e-mail, phone and web site live."""

    email: str | None = None
    phone: str | None = None
    url: str | None = None


class Geolocation(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The street data of an address."""

    country: str | None = None
    street_line_1: str | None = None
    street_line_2: str | None = None
    locality: str | None = None
    state: str | None = None
    postal_code: str | None = None


class WireAddress(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``bill_to_address`` / ``ship_to_address``."""

    id: str
    name: str | None = None
    address_type: str | None = msgspec.field(default=None, name="type")
    """Vendor key ``type`` (``standard`` / ``drop_ship``), current generation."""
    is_drop_ship: bool | None = None
    """April 2026 spec name for the same information."""
    geolocation: Geolocation | None = None


class NamedRef(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Any expanded reference custbridge keeps only the id and name of (terms, carrier, ...)."""

    id: str
    name: str | None = None


class Priority(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``defaults.priority``."""

    id: str
    code: str | None = None
    name: str | None = None


class AccountGroup(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A customer type group or price group."""

    id: str
    name: str | None = None
    group_type: str | None = msgspec.field(default=None, name="type")
    """Vendor key ``type``: ``type_group`` or ``pricing_group``."""


class AccountGroupList(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``price_groups``: a list envelope (only its first page comes embedded)."""

    data: list[AccountGroup] = msgspec.field(default_factory=list)
    page_info: PageInfo | None = None


class CustomerRef(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``parent_account`` or an entry of ``child_accounts`` (their sub-objects are always null)."""

    id: str
    name: str | None = None


class CustomerRefList(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``child_accounts``: a list envelope of customers."""

    data: list[CustomerRef] = msgspec.field(default_factory=list)
    page_info: PageInfo | None = None


class CustomerDefaults(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``defaults``: terms, priority and sales rep, each expandable on its own."""

    payment_term: NamedRef | None = None
    shipping_term: NamedRef | None = None
    priority: Priority | None = None
    sales_rep: NamedRef | None = None


class FreightPreferences(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``freight_preferences``."""

    status: str | None = None
    """``free_freight`` / ``billed_freight``."""
    carrier: NamedRef | None = None
    service_level: NamedRef | None = None
    billing_type: str | None = None
    billing_account: str | None = None


class NotificationPreferences(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``notification_preferences``."""

    accepts_invoice_emails: bool | None = None


class AugnoCustomer(msgspec.Struct, frozen=True, kw_only=True, gc=False):
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
    type_group: AccountGroup | None = msgspec.field(default=None, name="type")
    """Vendor key ``type``: the customer type group."""
    price_groups: AccountGroupList | None = None
    parent_account: CustomerRef | None = None
    child_accounts: CustomerRefList | None = None
    created_at: str | int | float | None = None
    """RFC 3339 (``2026-05-10T00:00:00Z``); parsed while mapping (naive = UTC, epoch seconds accepted)."""
    updated_at: str | int | float | None = None
    """As ``created_at``."""


class CustomerPage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A list answer (``"object": "list"``): each record kept as its JSON, decoded on its own
    (:class:`AugnoCustomer`) so one bad record fails alone."""

    data: list[msgspec.Raw]
    page_info: PageInfo | None = None


class AddressPage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A page of ``GET /v1/sales/addresses``: each address kept as its JSON, decoded on its own
    (:class:`WireAddress`), so one bad address fails alone."""

    data: list[msgspec.Raw]
    page_info: PageInfo | None = None




def error_path(exc: msgspec.ValidationError | msgspec.DecodeError) -> tuple[str, str]:
    """Where a page or an address does not fit these Structs: ``(JSON path, reason)``; a missing
    key is named at its own path (``$.data``), not at its object's."""
    return msgspec_error_path(str(exc))
