"""Augno wire <-> canonical: the read mapping (wire -> Customer) and the write bodies.

Vendor page: https://docs.augno.com/api-reference/customers/retrieve-customer (current
generation) and the April 2026 preview spec ``Augno/openapi-spec`` ``preview/openapi.json``
(older names). Both generations are read; writes use the names of the configured
``api_version``'s generation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from custbridge import (
    NOT_SET,
    Address,
    ConfigurationError,
    Customer,
    CustomerInput,
    CustomerStatus,
    MappingError,
    Money,
    UnsupportedOperationError,
)
from custbridge.convert import at_path, normalize_country, parse_datetime, parse_decimal

from . import _addresses, _wire
from ._wire import AugnoCustomer, Unit, WireAddress

__all__ = [
    "ALL_INCLUDES",
    "CURRENT_INCLUDES",
    "DEFAULT_INCLUDES",
    "DOCPAGE_INCLUDES",
    "INCLUDE_FIELDS",
    "PREVIEW1_INCLUDES",
    "STATUS_FROM_VENDOR",
    "STATUS_TO_VENDOR",
    "WriteContext",
    "address_of",
    "create_body",
    "currency_of",
    "customer_mapper",
    "decimal_or_none",
    "timestamp",
    "update_body",
    "vendor_codes_for",
]

# -- includes -----------------------------------------------------------------------------

DOCPAGE_INCLUDES: Final[tuple[str, ...]] = ("bill_to_address", "ship_to_address", "type")
"""The ``include[]`` enum of the current retrieve page (augno-retrieve-customer.txt): all that a
server following that page accepts, and so the current generation's default."""

CURRENT_INCLUDES: Final[tuple[str, ...]] = (
    "bill_to_address", "ship_to_address", "type", "parent_account", "child_accounts",
    "price_groups", "contact_info", "credit_limit", "credit_limit.unit", "defaults",
    "defaults.payment_term", "defaults.shipping_term", "defaults.sales_rep",
    "defaults.sales_rep.user", "defaults.priority", "freight_preferences",
    "freight_preferences.carrier", "freight_preferences.carrier.service_levels",
    "freight_preferences.service_level", "notification_preferences",
)
"""Include values of the current API according to its Go SDK (augno-go, Aug 2026; FACTS.md
section 2). The retrieve page documents the sub-objects as expandable but lists only
:data:`DOCPAGE_INCLUDES`; these are requested only when the ``include`` setting names them."""

PREVIEW1_INCLUDES: Final[tuple[str, ...]] = (
    "bill_to_address", "ship_to_address", "type", "parent_account",
    "freight_preferences.carrier", "freight_preferences.service_level", "defaults.payment_term",
    "defaults.shipping_term", "defaults.sales_rep", "defaults.priority", "contact_info",
    "freight_preferences", "defaults", "notification_preferences", "price_groups",
    "child_accounts", "credit_limit",
)
"""Include values of the April 2026 preview spec (``include[]`` enum)."""

ALL_INCLUDES: Final[frozenset[str]] = frozenset(CURRENT_INCLUDES) | frozenset(PREVIEW1_INCLUDES)

# Assumption: the retrieve page's include enum is what a strict current server accepts (the
# doc pages win); the SDK's longer list is the caller's choice (include="all" or by name).
DEFAULT_INCLUDES: Final[tuple[str, ...]] = (
    "contact_info", "bill_to_address", "ship_to_address", "credit_limit", "credit_limit.unit",
    "type", "price_groups", "parent_account", "child_accounts", "defaults",
    "defaults.payment_term", "defaults.shipping_term", "freight_preferences",
    "freight_preferences.carrier", "freight_preferences.service_level",
    "notification_preferences",
)
"""What the canonical mapping and the documented extras use: the default under the April
preview (whose spec lists them, except ``credit_limit.unit``); under the current generation the
default is :data:`DOCPAGE_INCLUDES` and these are what ``include="all"`` adds from the SDK."""

INCLUDE_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "contact_info": ("email", "phone", "website"),
    "bill_to_address": ("billing_address", "address"),
    "ship_to_address": ("shipping_address",),
    "credit_limit": ("credit_limit",),
}
"""Canonical fields that stay unknown (``Customer.not_loaded``) unless the include is requested."""

# -- status -------------------------------------------------------------------------------

STATUS_FROM_VENDOR: Final[Mapping[str, CustomerStatus]] = {
    "normal": CustomerStatus.ACTIVE,
    "preferred": CustomerStatus.ACTIVE,
    # The hold statuses are advisory (orders are flagged, not rejected) [augno-go comment].
    "hold_shipment": CustomerStatus.ON_HOLD,
    "hold_all": CustomerStatus.ON_HOLD,
}

STATUS_TO_VENDOR: Final[Mapping[CustomerStatus, str]] = {
    CustomerStatus.ACTIVE: "normal",
    # hold_shipment is in every source (the doc page's enum omits hold_all); pass
    # vendor_fields={"status": "hold_all"} for the stricter hold.
    CustomerStatus.ON_HOLD: "hold_shipment",
}


def vendor_codes_for(statuses: Collection[CustomerStatus]) -> list[str]:
    """Vendor status codes that map to any of ``statuses`` (for ``status_codes[]``)."""
    return [code for code, status in STATUS_FROM_VENDOR.items() if status in statuses]


# -- currency -----------------------------------------------------------------------------

_CURRENCY_BY_NAME: Final[Mapping[str, str]] = {
    "us dollar": "USD", "united states dollar": "USD", "dollar": "USD",
    "canadian dollar": "CAD", "australian dollar": "AUD", "new zealand dollar": "NZD",
    "euro": "EUR", "british pound": "GBP", "pound sterling": "GBP", "british pound sterling": "GBP",
    "swiss franc": "CHF", "japanese yen": "JPY", "yen": "JPY", "mexican peso": "MXN",
    "chinese yuan": "CNY", "renminbi": "CNY", "indian rupee": "INR", "swedish krona": "SEK",
    "danish krone": "DKK", "norwegian krone": "NOK", "polish zloty": "PLN",
}
# Abbreviations that name exactly one currency ("$" does not: USD, CAD, AUD, MXN ...).
_CURRENCY_BY_SYMBOL: Final[Mapping[str, str]] = {
    "€": "EUR", "£": "GBP", "¥": "JPY", "CA$": "CAD", "C$": "CAD", "A$": "AUD", "US$": "USD",
    "₹": "INR", "zł": "PLN",
}


def currency_of(unit: Unit | None) -> str | None:
    """ISO 4217 code of an expanded unit, or ``None`` when it does not say unambiguously.

    Quirk: a unit carries a ``name`` ("US Dollar") and an ``abbreviation`` ("$") but no ISO
    code, so the code is recognised from the name, a three-letter abbreviation, or an
    unambiguous symbol. Units of other dimensions (``mass``...) have no currency.
    """
    if unit is None or (unit.unit_type is not None and unit.unit_type != "currency"):
        return None
    abbreviation = (unit.abbreviation or "").strip()
    if len(abbreviation) == 3 and abbreviation.isascii() and abbreviation.isalpha() and abbreviation.isupper():
        return abbreviation
    by_name = _CURRENCY_BY_NAME.get((unit.name or "").strip().casefold())
    if by_name:
        return by_name
    return _CURRENCY_BY_SYMBOL.get(abbreviation)


# -- values parsed while mapping ----------------------------------------------------------


def decimal_or_none(value: str | int | float | None) -> Decimal | None:
    """A vendor decimal string as an exact ``Decimal``; ``""`` (or blanks) is no value.

    Quirk: the spec's own unit example sends ``""`` for its decimal fields, so an empty
    quantity value is read as "no value" rather than rejecting the whole customer.
    """
    if value is None or (type(value) is str and not value.strip()):
        return None
    return parse_decimal(value)


def timestamp(path: str, value: str | int | float | None) -> datetime | None:
    """A vendor timestamp, timezone-aware (naive = UTC), or a MappingError at ``path``."""
    if value is None:
        return None
    return at_path(path, parse_datetime, value)


# -- read mapping -------------------------------------------------------------------------

_country_code: Final = functools.lru_cache(maxsize=512)(normalize_country)
""":func:`custbridge.convert.normalize_country`, remembered: a page names a handful of countries."""



def address_of(wire: WireAddress | None) -> Address | None:
    """An expanded address; the street data comes from its ``geolocation``.

    Quirk: the retrieve page documents ``geolocation`` as "Always returned as null in this
    endpoint", while the April spec's examples fill it. With no geolocation there is no
    address yet: the street data is at ``/v1/sales/addresses/{id}`` (see :mod:`._addresses`).
    """
    if wire is None:
        return None
    geo = wire.geolocation
    if geo is None:
        return None
    return Address(
        name=wire.name,
        line1=geo.street_line_1,
        line2=geo.street_line_2,
        city=geo.locality,
        region=geo.state,
        postal_code=geo.postal_code,
        country=_country_code(geo.country),
    )


def _address_type(wire: WireAddress) -> str | None:
    if wire.address_type is not None:
        return wire.address_type
    if wire.is_drop_ship is not None:  # April spec: a boolean
        return "drop_ship" if wire.is_drop_ship else "standard"
    return None


def _relationship(wire: AugnoCustomer, includes: frozenset[str]) -> str | None:
    if wire.relationship_type is not None:
        return wire.relationship_type
    if wire.is_parent_account is None:
        return None
    if wire.is_parent_account:
        return "parent"
    # April spec: ``is_parent_account: false`` is a child or a standalone account; only an
    # expanded ``parent_account`` tells them apart.
    if wire.parent_account is not None:
        return "child"
    return "standalone" if "parent_account" in includes else None


def _truncated(embedded: _wire.AccountGroupList | _wire.CustomerRefList | None) -> bool:
    """Whether an embedded list envelope holds only its first page.

    Quirk: ``price_groups`` and ``child_accounts`` come as list envelopes with ``page_info``;
    only the first page is embedded and the page does not say how to fetch the rest.
    """
    # {"object": "list", "page_info": {"next_page_url": "...", "previous_page_url": null,
    #   "has_next_page": true, "has_prev_page": false}, "data": [{"id": "acgp_...", ...}]}
    # https://docs.augno.com/api-reference/customers/retrieve-customer (price_groups, child_accounts)
    info = embedded.page_info if embedded is not None else None
    if info is None:
        return False
    # Assumption: a next link or cursor without has_next_page still means "more" (April shape).
    return bool(info.has_next_page or info.next_page_url or info.next_cursor)


@attrs.frozen
class _Expanded:
    """Which of the includes the extras depend on were requested (decided once per connection)."""

    type: bool
    price_groups: bool
    parent_account: bool
    child_accounts: bool

    @classmethod
    def of(cls, includes: frozenset[str]) -> _Expanded:
        return cls(*(name in includes for name in ("type", "price_groups", "parent_account", "child_accounts")))


def _extras(wire: AugnoCustomer, includes: frozenset[str], expanded: _Expanded) -> dict[str, Any]:
    """The vendor-only fields, under the keys documented in the README."""
    out: dict[str, Any] = {}
    if wire.edi_status is not None:
        out["edi_status"] = wire.edi_status
    elif wire.is_edi_enabled is not None:
        out["edi_status"] = "enabled" if wire.is_edi_enabled else "disabled"
    relationship = _relationship(wire, includes)
    if relationship is not None:
        out["relationship_type"] = relationship
    if wire.commission_policy is not None:
        out["commission_policy"] = wire.commission_policy
    if expanded.type:
        group = wire.type_group
        out["customer_type_group_id"] = group.id if group else None
        out["customer_type_group_name"] = group.name if group else None
    if expanded.price_groups:
        groups = wire.price_groups.data if wire.price_groups else []
        out["price_group_ids"] = tuple([g.id for g in groups])
        out["price_group_names"] = tuple([g.name or "" for g in groups])
        out["price_groups_truncated"] = _truncated(wire.price_groups)
    if expanded.parent_account:
        out["parent_account_id"] = wire.parent_account.id if wire.parent_account else None
    if expanded.child_accounts:
        children = wire.child_accounts.data if wire.child_accounts else []
        out["child_account_ids"] = tuple([c.id for c in children])
        out["child_accounts_truncated"] = _truncated(wire.child_accounts)
    freight = wire.freight_preferences
    if freight is not None:
        out["freight_policy"] = freight.status
        out["carrier_billing_type"] = freight.billing_type
        out["carrier_billing_account"] = freight.billing_account
        ref = freight.carrier
        if ref is not None:
            out["default_carrier_id"] = ref.id
            out["default_carrier_name"] = ref.name
        ref = freight.service_level
        if ref is not None:
            out["default_service_level_id"] = ref.id
            out["default_service_level_name"] = ref.name
    defaults = wire.defaults
    if defaults is not None:
        ref = defaults.payment_term
        if ref is not None:
            out["default_payment_term_id"] = ref.id
            out["default_payment_term_name"] = ref.name
        ref = defaults.shipping_term
        if ref is not None:
            out["default_shipping_term_id"] = ref.id
            out["default_shipping_term_name"] = ref.name
        ref = defaults.sales_rep
        if ref is not None:
            out["default_sales_rep_id"] = ref.id
            out["default_sales_rep_name"] = ref.name
        if defaults.priority is not None:
            out["default_priority"] = defaults.priority.code
    if wire.notification_preferences is not None:
        out["accepts_invoice_emails"] = wire.notification_preferences.accepts_invoice_emails
    address = wire.bill_to_address
    if address is not None:
        out["bill_to_address_id"] = address.id
        out["bill_to_address_type"] = _address_type(address)
    address = wire.ship_to_address
    if address is not None:
        out["ship_to_address_id"] = address.id
        out["ship_to_address_type"] = _address_type(address)
    unit = wire.credit_limit.unit if wire.credit_limit else None
    if unit is not None:
        out["credit_limit_unit_id"] = unit.id
        out["credit_limit_unit_name"] = unit.name
    return out


def customer_mapper(
    provider: Callable[[], str], includes: frozenset[str]
) -> Callable[[AugnoCustomer, Mapping[str, Any]], Customer]:
    """Return the ``wire -> Customer`` function for records fetched with ``includes``.

    ``provider`` returns the registered name (``augno`` or ``openmrp``) at mapping time.
    """
    not_loaded = frozenset(
        field for include, fields in INCLUDE_FIELDS.items() if include not in includes for field in fields
    )
    expanded = _Expanded.of(includes)

    # {"id": "ac_01gf7a8200er3ar3pkfrb6kk29", "object": "customer", "name": "Acme Inc.",
    #  "number": "100042", "status": "normal", "edi_status": "disabled", "note": "...",
    #  "credit_limit": {"value": "1234.56", "display_value": "$1,234.56", "unit": null},
    #  "contact_info": {"email": "orders@acme.com", "phone": "555-123-4567", "url": "https://acme.com"},
    #  "bill_to_address": {"id": "ad_...", "name": "Headquarters", "type": "standard",
    #                      "geolocation": null}, ...}       (current page: "Always returned as null")
    # April spec: "bill_to_address": {..., "is_drop_ship": false,
    #                                 "geolocation": {"street_line_1": "4200 Industrial Pkwy", ...}}
    # https://docs.augno.com/api-reference/customers/retrieve-customer
    def to_customer(wire: AugnoCustomer, raw: Mapping[str, Any]) -> Customer:
        if not wire.id:  # ids are prefixed strings; an empty one cannot be fetched again
            raise MappingError(
                "the customer has an empty id", provider=provider(), paths=[("$.id", "empty string")]
            )
        contact = wire.contact_info
        credit = None
        limit = wire.credit_limit
        if limit is not None:
            # The value is a decimal *string* at full precision: Decimal, never float. An empty
            # string is no value (the spec's own unit example has "" decimals): no credit limit.
            amount = at_path("$.credit_limit.value", decimal_or_none, limit.value)
            if amount is not None:
                credit = Money(amount=amount, currency=currency_of(limit.unit), display=limit.display_value or None)
        billing = _addresses.present(address_of(wire.bill_to_address))
        if wire.ship_to_address == wire.bill_to_address:  # often one address for both (one Address object)
            shipping = billing
        else:
            shipping = _addresses.present(address_of(wire.ship_to_address))
        pending = _addresses.unresolved(wire)
        return Customer(
            provider=provider(),
            id=wire.id,
            number=wire.number or None,
            company_name=wire.name,
            display_name=wire.name,
            email=contact.email if contact else None,
            phone=contact.phone if contact else None,
            website=contact.url if contact else None,
            status=STATUS_FROM_VENDOR.get(wire.status or "", CustomerStatus.UNKNOWN),
            vendor_status=wire.status,
            address=billing,
            billing_address=billing,
            shipping_address=shipping,
            notes=wire.note,
            credit_limit=credit,
            created_at=timestamp("$.created_at", wire.created_at),
            updated_at=timestamp("$.updated_at", wire.updated_at),
            extras=_extras(wire, includes, expanded),
            not_loaded=not_loaded | pending if pending else not_loaded,
            raw=raw,
        )

    return to_customer


# -- write bodies -------------------------------------------------------------------------

REFERENCE_SETTINGS: Final[tuple[str, ...]] = (
    "customer_type_group_id",
    "default_carrier_id",
    "default_payment_term_id",
    "default_shipping_term_id",
)
"""Reference ids every create needs and the canonical model does not carry."""

_PASS_THROUGH: Final[frozenset[str]] = frozenset({
    *REFERENCE_SETTINGS, "default_service_level_id", "default_priority", "default_sales_rep_user_id",
    "customer_price_group_ids", "commission_policy", "freight_policy", "carrier_billing_type",
    "carrier_billing_account", "status", "edi_status", "is_edi_enabled",
})
"""``vendor_fields`` keys sent as given (the vendor's create/update body names)."""

_KEYS: Final = frozenset({"credit_limit_unit_id", "idempotency_key"})
CREATE_VENDOR_FIELDS: Final[frozenset[str]] = _PASS_THROUGH | _KEYS | {"bill_to_address", "ship_to_address"}
"""On create, ``bill_to_address``/``ship_to_address`` may be given as the vendor's AddressInput objects."""
UPDATE_VENDOR_FIELDS: Final[frozenset[str]] = _PASS_THROUGH | _KEYS | {"bill_to_address_id", "ship_to_address_id"}


@attrs.frozen
class WriteContext:
    """What the write builders need from the connection."""

    provider: str
    legacy: bool
    """True for the April 2026 preview (``is_drop_ship``, required ``customer_price_group_ids``)."""
    defaults: Mapping[str, str | None]
    """Reference-id settings (``customer_type_group_id`` ... ``credit_limit_unit_id``)."""
    envs: Mapping[str, str]
    """Environment variable per setting name, for hints."""

    def config_error(self, operation: str, message: str, hint: str | None = None) -> ConfigurationError:
        return ConfigurationError(message, provider=self.provider, operation=operation, hint=hint)

    def where(self, name: str) -> str:
        """How a caller provides the reference id ``name``."""
        env = self.envs.get(name)
        return f"vendor_fields={{{name!r}: ...}}, connect(..., {name}=...)" + (f" or {env}" if env else "")


def _check_vendor_fields(data: CustomerInput, allowed: frozenset[str], ctx: WriteContext, operation: str) -> None:
    unknown = sorted(set(data.vendor_fields) - allowed)
    if unknown:
        raise ctx.config_error(
            operation, f"unknown vendor_fields key(s) {', '.join(unknown)}",
            hint="accepted: " + ", ".join(sorted(allowed)),
        )


def idempotency_key(data: CustomerInput, ctx: WriteContext, operation: str) -> str | None:
    """The caller's ``vendor_fields["idempotency_key"]``, checked; ``None`` when not given."""
    key = data.vendor_fields.get("idempotency_key")
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > 255:
        raise ctx.config_error(
            operation, "vendor_fields['idempotency_key'] must be a non-empty string of <= 255 characters"
        )
    return key


def _money(value: Money, data: CustomerInput, ctx: WriteContext, operation: str) -> dict[str, str]:
    """A canonical Money as the vendor's QuantityInput ``{"value": "1234.56", "unit_id": ...}``."""
    unit = data.vendor_fields.get("credit_limit_unit_id") or ctx.defaults.get("credit_limit_unit_id")
    if not unit:
        raise ctx.config_error(
            operation,
            "credit_limit needs the vendor's currency unit id (credit_limit_unit_id), which a Money does not carry",
            hint="pass " + ctx.where("credit_limit_unit_id"),
        )
    # format(..., "f"): never exponent notation ("1E+3") on the wire.
    return {"value": format(value.amount, "f"), "unit_id": str(unit)}


def _address_input(address: Address, fallback_name: str | None, ctx: WriteContext, key: str) -> dict[str, Any]:
    """A canonical Address as the vendor's AddressInput (``name`` and ``country`` required)."""
    country = normalize_country(address.country)
    if not country or len(country) != 2:
        raise ctx.config_error(
            "create", f"{key} needs a country as an ISO 3166-1 alpha-2 code (got {address.country!r})",
        )
    name = address.name or fallback_name
    if not name:
        raise ctx.config_error("create", f"{key} needs a name (Address.name or company_name)")
    body: dict[str, Any] = {"name": name}
    for wire_key, value in (("street_line_1", address.line1), ("street_line_2", address.line2),
                            ("locality", address.city), ("state", address.region),
                            ("postal_code", address.postal_code)):
        if value is not None:
            body[wire_key] = value
    body["country"] = country
    # Quirk: the April spec flags drop-ship addresses with a boolean, the current API with a type.
    if ctx.legacy:
        body["is_drop_ship"] = False
    else:
        body["type"] = "standard"
    return body


def _status(data: CustomerInput, ctx: WriteContext, operation: str) -> str | None:
    vendor = data.vendor_fields.get("status")
    if data.status is NOT_SET:
        return None if vendor is None else str(vendor)
    if vendor is not None:
        raise ctx.config_error(operation, "set either status or vendor_fields['status'], not both")
    if data.status is None:
        raise ctx.config_error(operation, "status cannot be cleared on this provider")
    code = STATUS_TO_VENDOR.get(data.status)
    if code is None:
        raise UnsupportedOperationError(
            f"status {data.status.value!r} cannot be stored on this provider",
            provider=ctx.provider, operation=operation,
            hint="storable: active (normal), on_hold (hold_shipment); or vendor_fields={'status': "
                 "'preferred' | 'hold_all'}",
        )
    return code


def _common(data: CustomerInput, ctx: WriteContext, operation: str, body: dict[str, Any]) -> None:
    """Fields create and update write the same way (``None`` clears where the vendor allows)."""
    for field, wire_key in (("number", "number"), ("company_name", "name")):
        value = getattr(data, field)
        if value is NOT_SET:
            continue
        if value is None:
            raise ctx.config_error(operation, f"{field} cannot be cleared on this provider (the vendor requires it)")
        body[wire_key] = value
    for field, wire_key in (("notes", "note"), ("email", "email"), ("phone", "phone"), ("website", "url")):
        value = getattr(data, field)
        if value is not NOT_SET:
            body[wire_key] = value
    status = _status(data, ctx, operation)
    if status is not None:
        body["status"] = status
    if data.credit_limit is not NOT_SET:
        body["credit_limit"] = None if data.credit_limit is None else _money(data.credit_limit, data, ctx, operation)
    for key in _PASS_THROUGH - {"status"}:
        if key in data.vendor_fields:
            body[key] = data.vendor_fields[key]


def _vendor_address(data: CustomerInput, key: str, ctx: WriteContext) -> dict[str, Any] | None:
    """A vendor-shaped AddressInput given in ``vendor_fields`` (sent as given)."""
    value = data.vendor_fields.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ctx.config_error("create", f"vendor_fields[{key!r}] must be the vendor's AddressInput object")
    return dict(value)


def create_body(data: CustomerInput, ctx: WriteContext) -> dict[str, Any]:
    """The POST /v1/sales/customers body for ``data``.

    Raises:
        ConfigurationError: a required vendor field is missing; the message names each one.
    """
    _check_vendor_fields(data, CREATE_VENDOR_FIELDS, ctx, "create")
    if not data.company_name:
        raise ctx.config_error("create", "create needs company_name (the vendor's required customer name)")
    cleared = {f: NOT_SET for f in ("notes", "email", "phone", "website", "credit_limit") if getattr(data, f) is None}
    if cleared:  # nothing to clear on a new record
        data = attrs.evolve(data, **cleared)  # type: ignore[arg-type]
    body: dict[str, Any] = {}
    _common(data, ctx, "create", body)
    # The vendor requires both addresses; one address serves for both when only one is set.
    billing = data.billing_address if isinstance(data.billing_address, Address) else None
    primary = data.address if isinstance(data.address, Address) else None
    if billing is not None and primary is not None and billing != primary:
        raise ctx.config_error(
            "create", "address and billing_address are different but both become the vendor's bill_to_address",
            hint="set only one of them",
        )
    name = data.company_name if isinstance(data.company_name, str) else None
    bill = _vendor_address(data, "bill_to_address", ctx)
    canonical_bill = billing or primary
    if bill is None and canonical_bill is not None:
        bill = _address_input(canonical_bill, name, ctx, "bill_to_address")
    ship = _vendor_address(data, "ship_to_address", ctx)
    if ship is None and isinstance(data.shipping_address, Address):
        ship = _address_input(data.shipping_address, name, ctx, "ship_to_address")
    if bill is None and ship is None:
        raise ctx.config_error(
            "create", "create needs an address: the vendor requires a bill-to and a ship-to address",
            hint="set address (or billing_address) and/or shipping_address; one is used for both when only one is set",
        )
    body["bill_to_address"] = bill or ship
    body["ship_to_address"] = ship or bill
    missing = []
    for key in REFERENCE_SETTINGS:
        value = data.vendor_fields.get(key) or ctx.defaults.get(key)
        if value:
            body[key] = value
        else:
            missing.append(key)
    if missing:
        raise ctx.config_error(
            "create",
            "create needs reference ids the canonical model does not carry; missing: " + ", ".join(missing),
            hint="; ".join(ctx.where(key) for key in missing),
        )
    if ctx.legacy and "customer_price_group_ids" not in body:
        body["customer_price_group_ids"] = []  # required by the April 2026 preview spec
    return body


def update_body(data: CustomerInput, ctx: WriteContext) -> dict[str, Any]:
    """The PATCH body: only the fields set in ``data``; ``None`` sends ``null`` (clears)."""
    _check_vendor_fields(data, UPDATE_VENDOR_FIELDS, ctx, "update")
    body: dict[str, Any] = {}
    _common(data, ctx, "update", body)
    # Quirk: PATCH takes address *ids* (bill_to_address_id), not inline addresses.
    billing = data.billing_address if data.billing_address is not NOT_SET else data.address
    for field, value, key in (("billing_address", billing, "bill_to_address_id"),
                              ("shipping_address", data.shipping_address, "ship_to_address_id")):
        if value is NOT_SET:
            continue
        if value is not None:
            raise UnsupportedOperationError(
                f"{field} cannot be changed inline on update (the vendor's PATCH takes an address id)",
                provider=ctx.provider, operation="update",
                hint=f"create the address at /v1/sales/addresses and pass vendor_fields={{{key!r}: 'ad_...'}}",
            )
        body[key] = None
    for key in ("bill_to_address_id", "ship_to_address_id"):
        if key in data.vendor_fields:
            body[key] = data.vendor_fields[key]
    return body
