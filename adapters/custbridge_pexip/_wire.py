"""msgspec Structs mirroring the Pexip Engage customer JSON (only what is mapped or tested).

Source: "Get a customer", https://developer.pexipengage.com/operation/operation-getcustomerbyid
(response ``data``). Attribute names are snake_case; the vendor's camelCase keys are declared
on each Struct (``rename="camel"``), so a record is validated and renamed in one pass and an
error names the vendor's key (``$.location.postalCode``). Unknown keys are ignored.

Types are strict as the vendor's schema is: a string is only a JSON string, a number only a
JSON number (an integer is accepted where a float is expected), a boolean only ``true``/
``false``, an object only a JSON object and an array only a JSON array.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "PexipCustomer",
    "PexipGeolocation",
    "PexipLocation",
    "PexipPage",
    "PexipText",
    "PexipTranslations",
]

# gc=False: these Structs only hold strings, numbers and other such Structs (never a cycle),
# so the garbage collector need not track the ~20 of them decoded per customer.


class PexipText(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A localized value: ``{"language": "en", "value": "Lorem ipsum"}``."""

    language: str
    value: str


class PexipGeolocation(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """``{"latitude": 51.0479466, "longitude": 3.6912248}`` (both required)."""

    latitude: float
    longitude: float


class PexipTranslations(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Every language the vendor holds, per localized field (``city`` and ``street1`` have >= 1)."""

    city: tuple[PexipText, ...] = ()
    street1: tuple[PexipText, ...] = ()
    state: tuple[PexipText, ...] = ()
    street2: tuple[PexipText, ...] = ()


class PexipLocation(msgspec.Struct, frozen=True, kw_only=True, gc=False, rename="camel"):
    """``data.location``: single-value localized fields plus their translations.

    The schema marks ``city``/``state``/``street1``/``street2`` (nullable), ``countryCode``,
    ``formattedAddress``, ``geolocation`` and ``translations`` as required; only what the
    mapping cannot do without is required here, the rest tolerates absence.
    """

    country_code: str | None = None
    city: PexipText | None = None
    state: PexipText | None = None
    street1: PexipText | None = None
    street2: PexipText | None = None
    postal_code: str | None = None
    formatted_address: str | None = None
    geolocation: PexipGeolocation | None = None
    translations: PexipTranslations | None = None


Timestamp = str | int | float | None
"""A timestamp as sent: parsed while mapping by :func:`custbridge.convert.parse_datetime`.

The vendor documents RFC 3339 (``2022-08-17T19:05:21.362Z``); the shared parser also reads
the ISO 8601 variants and epoch seconds every adapter accepts (a naive time is UTC), which
msgspec's own ``datetime`` would refuse or leave naive. A blank string is refused there:
the schema says "minimum length is 1"."""


class PexipCustomer(msgspec.Struct, frozen=True, kw_only=True, gc=False, rename="camel"):
    """``data`` of ``GET /enterprises/{enterprise}/customers/{id}`` (and each list item)."""

    id: str
    external_id: str | None = None
    customer_number: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    language: str | None = None
    notes: str | None = None
    phone_number: str | None = None
    existing: bool | None = None
    time_zone: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    deleted_at: Timestamp = None
    location: PexipLocation | None = None


class PexipPage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A list answer: ``{"data": [...], "meta": {"totalCount": 1234}}``; each record stays
    JSON (``msgspec.Raw``) so that it is validated on its own and a bad one fails alone."""

    data: list[msgspec.Raw]
    meta: msgspec.Raw = msgspec.Raw(b"null")
    """Read leniently (a ``totalCount`` that is not a count is no total, never an error)."""
