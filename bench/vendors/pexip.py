"""Pexip Engage: a page of 1000 customers whose addresses carry three languages each."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec
import pydantic
from pydantic.alias_generators import to_camel

from custbridge import Address, AddressText, Customer, CustomerStatus
from custbridge.convert import normalize_country
from custbridge.sandbox import create_app

from . import PAGE_SIZE, VendorBench, capture_list_page

__all__ = ["LANGUAGE", "build", "three_languages"]

LANGUAGE = "en"
"""The client's preferred language (``language`` setting, sent as ``Accept-Language``)."""

_FILL = ("en", "fr", "nl", "de", "es")
_LOCALIZED = (("street1", "line1"), ("street2", "line2"), ("city", "city"), ("state", "region"))


def three_languages(page: bytes) -> bytes:
    """Give every address exactly three languages (the sandbox gives one to four).

    The languages are the address's own ones first, then en/fr/nl/de/es; a language the
    sandbox had no text for repeats the primary text, as vendors do for street names.
    """
    body = json.loads(page)
    for record in body["data"]:
        location = record.get("location")
        if not location:
            continue
        translations = location["translations"]
        langs: list[str] = []
        for items in translations.values():
            langs.extend(t["language"] for t in items if t["language"] not in langs)
        langs.extend(lang for lang in _FILL if lang not in langs)
        langs = langs[:3]
        for name, items in translations.items():
            if not items:
                continue
            by_lang = {t["language"]: t["value"] for t in items}
            translations[name] = [{"language": lang, "value": by_lang.get(lang, items[0]["value"])} for lang in langs]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------- hand-written dict -> attrs


def _address(location: dict[str, Any] | None, preferred: str) -> Address | None:
    if not location:
        return None
    by_lang: dict[str, dict[str, str]] = {}
    for wire, field in _LOCALIZED:
        for item in location["translations"].get(wire) or ():
            by_lang.setdefault(item["language"], {}).setdefault(field, item["value"])
    primary: dict[str, str] = {}
    language = None
    for wire, field in _LOCALIZED:
        text = location.get(wire)
        if text:
            primary[field] = text["value"]
            language = language or text["language"]
    chosen = {**primary, **by_lang[preferred]} if preferred in by_lang else primary
    geo = location.get("geolocation") or {}
    return Address(
        line1=chosen.get("line1"), line2=chosen.get("line2"), city=chosen.get("city"), region=chosen.get("region"),
        postal_code=location.get("postalCode"), country=normalize_country(location.get("countryCode")),
        formatted=location.get("formattedAddress"), latitude=geo.get("latitude"), longitude=geo.get("longitude"),
        language=preferred if preferred in by_lang else language,
        translations={lang: AddressText(**fields) for lang, fields in by_lang.items()},
    )


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def hand(content: bytes) -> list[Customer]:
    """What a careful user writes by hand: the same mapping rules, no type checks."""
    out = []
    for r in json.loads(content)["data"]:
        deleted = _when(r.get("deletedAt"))
        language = r.get("language")
        out.append(Customer(
            provider="pexip_engage", id=r["id"], number=r.get("customerNumber"), external_id=r.get("externalId"),
            first_name=r.get("firstName"), last_name=r.get("lastName"), company_name=r.get("company"),
            email=r.get("email"), phone=r.get("phoneNumber"),
            status=CustomerStatus.DELETED if deleted else CustomerStatus.ACTIVE,
            address=_address(r.get("location"), LANGUAGE), language=language.lower() if language else None,
            time_zone=r.get("timeZone"), notes=r.get("notes"), created_at=_when(r.get("createdAt")),
            updated_at=_when(r.get("updatedAt")), deleted_at=deleted,
            extras={"existing": r["existing"]} if r.get("existing") is not None else {}, raw=r,
        ))
    return out


# ---------------------------------------------------------------- pydantic v2


class _PModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(alias_generator=to_camel)


class _PText(_PModel):
    language: str
    value: str


class _PGeo(_PModel):
    latitude: float
    longitude: float


class _PTranslations(_PModel):
    city: list[_PText] = []
    street1: list[_PText] = []
    state: list[_PText] = []
    street2: list[_PText] = []


class _PLocation(_PModel):
    country_code: str | None = None
    city: _PText | None = None
    state: _PText | None = None
    street1: _PText | None = None
    street2: _PText | None = None
    postal_code: str | None = None
    formatted_address: str | None = None
    geolocation: _PGeo | None = None
    translations: _PTranslations | None = None


class _PCustomer(_PModel):
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
    location: _PLocation | None = None


class _PPage(_PModel):
    data: list[_PCustomer]


def with_pydantic(content: bytes) -> list[_PCustomer]:
    """Validate the whole page with pydantic-core (the fastest pydantic path)."""
    return _PPage.model_validate_json(content).data


def _address_from_model(location: _PLocation | None, preferred: str) -> Address | None:
    if location is None:
        return None
    by_lang: dict[str, dict[str, str]] = {}
    t = location.translations or _PTranslations()
    for field, items in (("line1", t.street1), ("line2", t.street2), ("city", t.city), ("region", t.state)):
        for item in items:
            by_lang.setdefault(item.language, {}).setdefault(field, item.value)
    primary: dict[str, str] = {}
    language = None
    for field, text in (("line1", location.street1), ("line2", location.street2), ("city", location.city),
                        ("region", location.state)):
        if text is not None:
            primary[field] = text.value
            language = language or text.language
    chosen = {**primary, **by_lang[preferred]} if preferred in by_lang else primary
    geo = location.geolocation
    return Address(
        line1=chosen.get("line1"), line2=chosen.get("line2"), city=chosen.get("city"), region=chosen.get("region"),
        postal_code=location.postal_code, country=normalize_country(location.country_code),
        formatted=location.formatted_address, latitude=geo.latitude if geo else None,
        longitude=geo.longitude if geo else None, language=preferred if preferred in by_lang else language,
        translations={lang: AddressText(**fields) for lang, fields in by_lang.items()},
    )


def pydantic_customers(content: bytes) -> list[Customer]:
    """pydantic validation, then the same mapping rules onto ``custbridge.Customer``."""
    return [
        Customer(
            provider="pexip_engage", id=r.id, number=r.customer_number, external_id=r.external_id,
            first_name=r.first_name, last_name=r.last_name, company_name=r.company, email=r.email,
            phone=r.phone_number, status=CustomerStatus.DELETED if r.deleted_at else CustomerStatus.ACTIVE,
            address=_address_from_model(r.location, LANGUAGE), language=r.language.lower() if r.language else None,
            time_zone=r.time_zone, notes=r.notes, created_at=r.created_at, updated_at=r.updated_at,
            deleted_at=r.deleted_at, extras={"existing": r.existing} if r.existing is not None else {},
        )
        for r in with_pydantic(content)
    ]


# ---------------------------------------------------------------- msgspec


class _MText(msgspec.Struct):
    language: str
    value: str


class _MGeo(msgspec.Struct):
    latitude: float
    longitude: float


class _MTranslations(msgspec.Struct):
    city: list[_MText] = []
    street1: list[_MText] = []
    state: list[_MText] = []
    street2: list[_MText] = []


class _MLocation(msgspec.Struct, rename="camel"):
    country_code: str | None = None
    city: _MText | None = None
    state: _MText | None = None
    street1: _MText | None = None
    street2: _MText | None = None
    postal_code: str | None = None
    formatted_address: str | None = None
    geolocation: _MGeo | None = None
    translations: _MTranslations | None = None


class _MCustomer(msgspec.Struct, rename="camel"):
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
    location: _MLocation | None = None


class _MPage(msgspec.Struct):
    data: list[_MCustomer]


_DECODER = msgspec.json.Decoder(_MPage)


def with_msgspec(content: bytes) -> list[_MCustomer]:
    """Decode straight into typed Structs (validation in C)."""
    return _DECODER.decode(content).data


def build() -> VendorBench:
    """The Pexip Engage page from its sandbox (three languages per address), and the peers."""
    app = create_app("pexip_engage", size=PAGE_SIZE, max_limit=PAGE_SIZE)
    page = three_languages(capture_list_page(app, "pexip_engage", page_size=PAGE_SIZE, language=LANGUAGE))
    settings = {
        "enterprise": app.client_settings(app.base_url)["enterprise"],
        "access_token": "bench-token-not-checked",
        "base_url": app.base_url,
        "page_size": PAGE_SIZE,
        "language": LANGUAGE,
    }
    return VendorBench(
        provider="pexip_engage",
        label="Pexip Engage",
        page=page,
        settings=settings,
        hand=hand,
        pydantic=with_pydantic,
        pydantic_customers=pydantic_customers,
        msgspec=with_msgspec,
        notes="every address in 3 languages (street1, street2, city, state translations); language=en",
    )
