"""Pexip Engage JSON <-> canonical model: cattrs renames, ``to_customer`` and the PATCH body.

Read side: a vendor record is structured into the wire classes of :mod:`._wire` (renames are
cattrs hooks on this adapter's converter) and then mapped to :class:`custbridge.Customer`.
Write side: :func:`patch_body` turns a :class:`custbridge.CustomerInput` into the documented
PATCH body (null clears; addresses as ``translations`` arrays; empty strings as null).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import cattrs

from custbridge import Address, AddressText, Customer, CustomerInput, CustomerStatus, MappingError
from custbridge.convert import geocoded, normalize_country, register_wire_classes

from ._wire import PexipCustomer, PexipGeolocation, PexipLocation, PexipText, PexipTranslations

__all__ = [
    "LANGUAGES",
    "RENAMES",
    "InputError",
    "configure",
    "make_to_customer",
    "patch_body",
    "to_address",
]

LANGUAGES: tuple[str, ...] = ("da", "de", "el", "en", "es", "fr", "ja", "nl", "no", "pl")
"""The languages the vendor's schema allows for ``language`` and localized values."""

_WIRE_CLASSES: tuple[type, ...] = (
    PexipText,
    PexipGeolocation,
    PexipTranslations,
    PexipLocation,
    PexipCustomer,
)

# Which canonical Address text field each localized vendor field feeds.
_LOCALIZED = (("street1", "line1"), ("street2", "line2"), ("city", "city"), ("state", "region"))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


RENAMES: Mapping[type, Mapping[str, str]] = {
    cls: {f.name: _camel(f.name) for f in attrs.fields(cls) if _camel(f.name) != f.name} for cls in _WIRE_CLASSES
}
"""Per wire class, ``{attribute: vendor key}``: the vendor's keys are the camelCase forms."""


def configure(conv: cattrs.Converter) -> None:
    """Register the wire classes on ``conv``: camelCase renames, JSON objects only.

    On the fast converter the hooks are generated code (a page of customers with three
    address languages holds ~20 wire objects per record, see ``bench/``).
    """
    register_wire_classes(conv, _WIRE_CLASSES, RENAMES)


# --------------------------------------------------------------------------- read side


def _range_errors(geo: PexipGeolocation | None) -> list[tuple[str, str]]:
    if geo is None:
        return []
    errors = []
    if not -90.0 <= geo.latitude <= 90.0:
        errors.append(("$.location.geolocation.latitude", f"{geo.latitude} is outside -90..90"))
    if not -180.0 <= geo.longitude <= 180.0:
        errors.append(("$.location.geolocation.longitude", f"{geo.longitude} is outside -180..180"))
    return errors


def to_address(location: PexipLocation, preferred: str | None) -> Address:
    """Map ``data.location`` to an :class:`Address`, shown in the ``preferred`` language.

    The vendor's primary text is the single-value fields (``street1``, ``city``, ... each
    ``{language, value}``); every language it holds is in ``translations``. The address is
    built from the primary text and then shown with :meth:`Address.in_language`
    (``preferred``), so the connection's ``language`` setting only chooses what the address
    shows first: ``address.in_language(x)`` is the same whichever ``language`` the client was
    created with, because the primary text is kept in ``Address.primary``.
    """
    # Every language the vendor sent, per canonical text field; the translations arrays are
    # the full set, the single-value fields are folded in too in case a vendor omits them.
    # (Unrolled over the four localized fields: this runs once per customer of every page.)
    by_lang: dict[str, dict[str, str]] = {}
    translations = location.translations
    if translations is not None:
        for field, items in (
            ("line1", translations.street1),
            ("line2", translations.street2),
            ("city", translations.city),
            ("region", translations.state),
        ):
            for item in items:
                value = item.value
                if value.strip():
                    code = item.language.lower()
                    texts = by_lang.get(code)
                    if texts is None:
                        by_lang[code] = {field: value}
                    elif field not in texts:
                        texts[field] = value
    primary: dict[str, str] = {}
    languages: set[str] = set()
    for field, text in (
        ("line1", location.street1),
        ("line2", location.street2),
        ("city", location.city),
        ("region", location.state),
    ):
        if text is None or not text.value.strip():
            continue
        code = text.language.lower()
        primary[field] = text.value
        languages.add(code)
        texts = by_lang.get(code)
        if texts is None:
            by_lang[code] = {field: text.value}
        elif field not in texts:
            texts[field] = text.value
    # Assumption: each single-value field carries its own language and the schema does not
    # say they agree; the address claims a language only when they do.
    primary_language = next(iter(languages)) if len(languages) == 1 else None
    if not languages and by_lang:
        # Assumption: no single-value text at all (the keys are required but nullable): the
        # first language of the translations arrays stands in for the primary text.
        primary_language = next(iter(by_lang))
        primary = dict(by_lang[primary_language])

    geo = location.geolocation
    # {latitude: 0, longitude: 0} is "not geocoded", as for every vendor (see convert.geocoded).
    point = geocoded(geo.latitude, geo.longitude) if geo is not None else None
    address = Address(
        line1=primary.get("line1"),
        line2=primary.get("line2"),
        city=primary.get("city"),
        region=primary.get("region"),
        postal_code=location.postal_code,
        country=normalize_country(location.country_code),
        formatted=location.formatted_address,
        latitude=point[0] if point is not None else None,
        longitude=point[1] if point is not None else None,
        language=primary_language,
        # ``texts`` keys are AddressText's own field names (line1/line2/city/region).
        translations=MappingProxyType({lang: AddressText(**texts) for lang, texts in by_lang.items()}),
    )
    if preferred and preferred in by_lang:
        return address.in_language(preferred)
    return address


def _address_or_none(location: PexipLocation | None, preferred: str | None) -> Address | None:
    if location is None:
        return None
    address = to_address(location, preferred)
    return None if address.is_empty else address


def make_to_customer(
    provider: str, preferred: str | None
) -> Callable[[PexipCustomer, Mapping[str, Any]], Customer]:
    """Return the ``wire -> Customer`` function for one connection (its name and language)."""

    def to_customer(wire: PexipCustomer, raw: Mapping[str, Any]) -> Customer:
        if not wire.id:
            # The schema says "id: minimum length is 1": a customer without one cannot be addressed.
            raise MappingError(
                "the customer has no id", provider=provider, paths=[("$.id", "empty (minimum length is 1)")]
            )
        location = wire.location
        errors = _range_errors(location.geolocation if location is not None else None)
        if errors:
            raise MappingError(
                "geolocation out of range", provider=provider, record_id=wire.id, paths=errors
            )
        extras: dict[str, Any] = {}
        if wire.existing is not None:
            extras["existing"] = wire.existing
        # Soft delete: ``deletedAt`` is always present and non-null once deleted.
        deleted = wire.deleted_at is not None
        return Customer(
            provider=provider,
            id=wire.id,
            number=wire.customer_number,
            external_id=wire.external_id,
            first_name=wire.first_name,
            last_name=wire.last_name,
            company_name=wire.company,
            email=wire.email,
            phone=wire.phone_number,
            status=CustomerStatus.DELETED if deleted else CustomerStatus.ACTIVE,
            address=_address_or_none(location, preferred),
            language=wire.language.lower() if wire.language else None,
            time_zone=wire.time_zone,
            notes=wire.notes,
            created_at=wire.created_at,
            updated_at=wire.updated_at,
            deleted_at=wire.deleted_at,
            extras=MappingProxyType(extras),  # a fresh dict: no copy needed
            raw=raw,
        )

    return to_customer


# --------------------------------------------------------------------------- write side


class InputError(ValueError):
    """A :class:`CustomerInput` value the vendor would reject; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


# canonical CustomerInput field -> PATCH body key (scalar strings)
_SCALARS: tuple[tuple[str, str], ...] = (
    ("number", "customerNumber"),
    ("external_id", "externalId"),
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("company_name", "company"),
    ("email", "email"),
    ("phone", "phoneNumber"),
    ("notes", "notes"),
    ("time_zone", "timeZone"),
)
VENDOR_FIELDS: tuple[str, ...] = ("existing",)
"""``CustomerInput.vendor_fields`` keys this adapter accepts (vendor wire names)."""

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def _text(value: str | None) -> str | None:
    # Quirk: the vendor rejects empty strings ("minimum length is 1"); null is the empty value.
    if value is None:
        return None
    value = value.strip()
    return value or None


def _language(value: str | None, where: str) -> str | None:
    code = _text(value)
    if code is None:
        return None
    code = code.lower()
    if code not in LANGUAGES:
        raise InputError(f"{where}: language {value!r} is not one the vendor accepts", "one of " + ", ".join(LANGUAGES))
    return code


def _unmixed(address: Address) -> Address:
    """The vendor's primary view of an address read in a preferred language, if unedited.

    An address read with a ``language`` setting may show text in two languages (a translation
    where the vendor has one, the primary text elsewhere), so ``Address.language`` is ``None``
    and its text cannot be written under one language. When its text is still exactly a view
    of its own data (``Address.primary`` + translations), writing the primary text under the
    primary language, with the translations, writes back what was read. An edited address is
    returned unchanged (its text then belongs to the connection's ``language``).
    """
    primary = address.primary
    if address.language is not None or primary is None or not primary.language:
        return address
    base = attrs.evolve(
        address, line1=primary.line1, line2=primary.line2, city=primary.city, region=primary.region,
        language=primary.language, primary=None,
    )
    shown = (address.line1, address.line2, address.city, address.region)
    for code in address.translations:
        view = base.in_language(code)
        if (view.line1, view.line2, view.city, view.region) == shown:
            return base
    return address


def _location(address: Address, fallback_language: str | None) -> dict[str, Any]:
    """Build the PATCH ``location``: translations arrays, never single values or formattedAddress.

    The address's own text belongs to ``Address.language`` (else the connection's ``language``
    setting) and wins over a translation in that language; other languages come from
    ``Address.translations``.
    """
    language = _language(address.language, "address") or fallback_language
    if language is None:
        raise InputError(
            "address: the vendor stores address text per language, and this address has none",
            "set Address.language (e.g. 'nl'), or connect with language=...",
        )
    texts: dict[str, dict[str, str | None]] = {}
    own = {"line1": address.line1, "line2": address.line2, "city": address.city, "region": address.region}
    texts[language] = {k: _text(v) for k, v in own.items()}
    for lang, text in address.translations.items():
        code = _language(lang, f"address.translations[{lang!r}]")
        if code is None or code == language:
            continue
        texts[code] = {
            "line1": _text(text.line1),
            "line2": _text(text.line2),
            "city": _text(text.city),
            "region": _text(text.region),
        }
    arrays: dict[str, list[dict[str, str]]] = {}
    for wire_name, field in _LOCALIZED:
        arrays[wire_name] = [
            {"language": lang, "value": value}
            for lang, fields in texts.items()
            if (value := fields.get(field)) is not None
        ]
    if not arrays["street1"] or not arrays["city"]:
        raise InputError(
            "address: the vendor requires a street (line1) and a city",
            "set Address.line1 and Address.city, or pass address=None to clear the location",
        )
    country = normalize_country(address.country)
    if country is None or not _COUNTRY_RE.match(country):
        raise InputError(
            f"address: country {address.country!r} is not an ISO 3166-1 alpha-2 code",
            "set Address.country, e.g. 'BE'",
        )
    location: dict[str, Any] = {
        "postalCode": address.postal_code,
        "countryCode": country,
        "translations": arrays,
    }
    if address.latitude is not None and address.longitude is not None:
        if not (-90 <= address.latitude <= 90 and -180 <= address.longitude <= 180):
            raise InputError("address: latitude/longitude out of range", "latitude -90..90, longitude -180..180")
        location["geolocation"] = {"latitude": address.latitude, "longitude": address.longitude}
    return location


def patch_body(data: CustomerInput, fallback_language: str | None) -> dict[str, Any]:
    """The PATCH body for ``data``: only set fields; ``None`` (and ``""``) sent as null to clear."""
    body: dict[str, Any] = {}
    fields = data.set_fields()
    for canonical, wire_name in _SCALARS:
        if canonical in fields:
            body[wire_name] = _text(fields[canonical])
    external_id = body.get("externalId")
    if external_id is not None and len(external_id) > 255:
        raise InputError("external_id is longer than 255 characters", "shorten it")
    if "language" in fields:
        body["language"] = _language(fields["language"], "language")
    if "address" in fields:
        address = fields["address"]
        body["location"] = (
            None if address is None or address.is_empty else _location(_unmixed(address), fallback_language)
        )
    for key, value in data.vendor_fields.items():
        if key not in VENDOR_FIELDS:
            raise InputError(
                f"vendor field {key!r} is not supported", "accepted vendor_fields: " + ", ".join(VENDOR_FIELDS)
            )
        if not isinstance(value, bool):
            raise InputError(f"vendor field {key!r} must be a boolean", "pass True or False")
        body[key] = value
    return body
