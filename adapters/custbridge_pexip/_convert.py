"""Pexip Engage JSON <-> canonical model: ``to_customer`` and the PATCH body.

Read side: a vendor record is decoded and validated by msgspec into the Structs of
:mod:`._wire` (camelCase keys declared there) and then mapped to :class:`custbridge.Customer`
by :func:`make_to_customer`: one path, whether the record came as JSON bytes (list pages)
or as a decoded dict (a single ``get``).
Write side: :func:`patch_body` turns a :class:`custbridge.CustomerInput` into the documented
PATCH body (null clears; addresses as ``translations`` arrays; empty strings as null).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from custbridge import Address, AddressText, Customer, CustomerInput, CustomerStatus, MappingError
from custbridge.convert import at_path, geocoded, normalize_country, parse_datetime

from ._wire import PexipCustomer, PexipGeolocation, PexipLocation

__all__ = [
    "LANGUAGES",
    "InputError",
    "make_to_customer",
    "patch_body",
    "to_address",
]

LANGUAGES: tuple[str, ...] = ("da", "de", "el", "en", "es", "fr", "ja", "nl", "no", "pl")
"""The languages the vendor's schema allows for ``language`` and localized values."""

# Which canonical Address text field each localized vendor field feeds.
_LOCALIZED = (("street1", "line1"), ("street2", "line2"), ("city", "city"), ("state", "region"))


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


def _shown(value: str | None) -> str | None:
    """The text an :class:`Address` field shows for ``value`` (its converter: trimmed, blank is None)."""
    if value is None:
        return None
    return value.strip() or None


def _language_key(code: str) -> str:
    """How :meth:`Address.in_language` compares language codes (``"EN_gb "`` -> ``"en-gb"``)."""
    return code.strip().lower().replace("_", "-")


# data.location (pexip-engage-get-customer.txt):
# {"city": {"language": "en", "value": "Lorem ipsum"}, "state": {...}, "street1": {...},
#  "street2": {...}, "postalCode": "9000", "countryCode": "BE", "formattedAddress": "string",
#  "geolocation": {"latitude": 51.0479466, "longitude": 3.6912248},
#  "translations": {"city": [{"language": "en", "value": "Lorem ipsum"}], "state": [...],
#                   "street1": [...], "street2": [...]}}
# https://developer.pexipengage.com/operation/operation-getcustomerbyid
def to_address(location: PexipLocation, preferred: str | None) -> Address:
    """Map ``data.location`` to an :class:`Address`, shown in the ``preferred`` language.

    The vendor's primary text is the single-value fields (``street1``, ``city``, ... each
    ``{language, value}``); every language it holds is in ``translations``. The address is
    the primary text shown in ``preferred`` as :meth:`Address.in_language` shows it (per
    field the translation, else the primary text, which is then kept in ``Address.primary``),
    so the connection's ``language`` setting only chooses what the address shows first:
    ``address.in_language(x)`` is the same whichever ``language`` the client was created
    with. The shown text is computed here directly (one ``Address`` per customer instead of
    the primary one and its ``in_language`` copy); tests check it equals ``in_language``.
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
        primary = by_lang[primary_language]

    # The primary text as an Address field shows it (trimmed, blank is None).
    line1 = _shown(primary.get("line1"))
    line2 = _shown(primary.get("line2"))
    city = _shown(primary.get("city"))
    region = _shown(primary.get("region"))
    language = primary_language
    kept: AddressText | None = None
    if preferred and preferred in by_lang:
        # Address.in_language(preferred) on the primary address, field for field: the
        # translation where it has the field, else the primary text; the language the
        # result claims is the one every shown field came from; the primary text is kept
        # unless what is shown is exactly it. ``preferred`` is a code of LANGUAGES (lower
        # case, no region); in_language looks it up among the keys as it normalises them
        # (trimmed, "_" as "-"): for these lower-case keys that is the trimmed key, and when
        # two keys normalise alike the last one wins.
        found: dict[str, str] = by_lang[preferred]
        for code, texts in by_lang.items():
            if code == preferred or code.strip() == preferred:
                found = texts
        base = AddressText(line1=line1, line2=line2, city=city, region=region, language=primary_language)
        primary_key = _language_key(primary_language) if primary_language else None
        sources: set[str | None] = set()
        shown: list[str | None] = []
        for field, own in (("line1", line1), ("line2", line2), ("city", city), ("region", region)):
            translated = found.get(field)
            if translated is not None:  # only non-blank text is kept in by_lang
                shown.append(translated)
                sources.add(preferred)
            else:
                shown.append(own)
                if own is not None:
                    sources.add(primary_key)
        if not sources:
            language = primary_language
        elif len(sources) == 1:
            language = next(iter(sources))
        else:
            language = None
        same_language = language == primary_language or (language is not None and language == primary_key)
        if not (same_language and shown == [line1, line2, city, region]):
            kept = base
        line1, line2, city, region = shown

    geo = location.geolocation
    # {latitude: 0, longitude: 0} is "not geocoded", as for every vendor (see convert.geocoded).
    point = geocoded(geo.latitude, geo.longitude) if geo is not None else None
    return Address(
        line1=line1,
        line2=line2,
        city=city,
        region=region,
        postal_code=location.postal_code,
        country=normalize_country(location.country_code),
        formatted=location.formatted_address,
        latitude=point[0] if point is not None else None,
        longitude=point[1] if point is not None else None,
        language=language,
        # ``texts`` keys are AddressText's own field names (line1/line2/city/region).
        translations=MappingProxyType({lang: AddressText(**texts) for lang, texts in by_lang.items()}),
        primary=kept,
    )


def _address_or_none(location: PexipLocation | None, preferred: str | None) -> Address | None:
    if location is None:
        return None
    address = to_address(location, preferred)
    return None if address.is_empty else address


def _moment(value: str | float | None, path: str) -> Any:
    # Timestamps are parsed here, not by msgspec (see _wire.Timestamp): aware, naive is UTC.
    return None if value is None else at_path(path, parse_datetime, value)


def make_to_customer(
    provider: str, preferred: str | None
) -> Callable[[PexipCustomer, Mapping[str, Any]], Customer]:
    """Return the ``wire -> Customer`` function for one connection (its name and language).

    ``preferred`` is ``None`` or one of :data:`LANGUAGES` (what the ``language`` setting accepts).
    """
    if preferred is not None and preferred not in LANGUAGES:
        raise ValueError(f"preferred language {preferred!r} is not one of " + ", ".join(LANGUAGES))

    def to_customer(wire: PexipCustomer, raw: Mapping[str, Any]) -> Customer:
        if not wire.id:
            # The schema says "id: minimum length is 1": a customer without one cannot be addressed.
            raise MappingError(
                "the customer has no id", provider=provider, paths=[("$.id", "empty (minimum length is 1)")]
            )
        location = wire.location
        if location is not None and location.geolocation is not None:
            errors = _range_errors(location.geolocation)
            if errors:
                raise MappingError(
                    "geolocation out of range", provider=provider, record_id=wire.id, paths=errors
                )
        # Soft delete: ``deletedAt`` is always present and non-null once deleted.
        deleted_at = _moment(wire.deleted_at, "$.deletedAt")
        language = wire.language
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
            status=CustomerStatus.ACTIVE if deleted_at is None else CustomerStatus.DELETED,
            address=_address_or_none(location, preferred),
            language=language.lower() if language else None,
            time_zone=wire.time_zone,
            notes=wire.notes,
            created_at=_moment(wire.created_at, "$.createdAt"),
            updated_at=_moment(wire.updated_at, "$.updatedAt"),
            deleted_at=deleted_at,
            extras=MappingProxyType({} if wire.existing is None else {"existing": wire.existing}),
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
