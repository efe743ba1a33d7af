"""Attrs classes mirroring the Pexip Engage customer JSON (only what is mapped or tested).

Source: "Get a customer", https://developer.pexipengage.com/operation/operation-getcustomerbyid
(response ``data``). Field names here are snake_case; the camelCase wire names are set as
renames in :func:`custbridge_pexip._convert.configure`, never on the model.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = [
    "PexipCustomer",
    "PexipGeolocation",
    "PexipLocation",
    "PexipText",
    "PexipTranslations",
]


@attrs.frozen
class PexipText:
    """A localized value: ``{"language": "en", "value": "Lorem ipsum"}``."""

    language: str
    value: str


@attrs.frozen
class PexipGeolocation:
    """``{"latitude": 51.0479466, "longitude": 3.6912248}`` (both required)."""

    latitude: float
    longitude: float


@attrs.frozen
class PexipTranslations:
    """Every language the vendor holds, per localized field (``city`` and ``street1`` have >= 1)."""

    city: tuple[PexipText, ...] = ()
    street1: tuple[PexipText, ...] = ()
    state: tuple[PexipText, ...] = ()
    street2: tuple[PexipText, ...] = ()


@attrs.frozen
class PexipLocation:
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


@attrs.frozen
class PexipCustomer:
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
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    location: PexipLocation | None = None
