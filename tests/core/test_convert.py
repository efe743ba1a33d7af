"""The shared converter: timestamps, decimals, countries, and JSON paths on failure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pytest

from custbridge import Customer, CustomerStatus, MappingError
from custbridge.convert import (
    RecordMapper,
    blank_as_none,
    geocoded,
    make_converter,
    normalize_country,
    parse_datetime,
    parse_decimal,
    register_wire_classes,
    tolerant_enum,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-12-27T18:11:19.117Z", datetime(2019, 12, 27, 18, 11, 19, 117000, tzinfo=UTC)),
        ("2026-05-10T00:00:00+02:00", datetime(2026, 5, 10, tzinfo=timezone(timedelta(hours=2)))),
        ("2026-05-10T00:00:00", datetime(2026, 5, 10, tzinfo=UTC)),
        ("2026-05-10", datetime(2026, 5, 10, tzinfo=UTC)),
    ],
)
def test_parse_datetime_is_always_aware(text: str, expected: datetime) -> None:
    value = parse_datetime(text)
    assert value == expected and value.tzinfo is not None


@pytest.mark.parametrize("bad", ["yesterday", "", "2026-13-45T00:00:00Z", True, None, [], float("nan")])
def test_parse_datetime_rejects_garbage(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        parse_datetime(bad)


def test_parse_decimal_is_exact() -> None:
    assert parse_decimal("1234.56") == Decimal("1234.56")
    assert parse_decimal(0.1) == Decimal("0.1")
    assert parse_decimal(7) == Decimal(7)
    for bad in ("abc", "NaN", "Infinity", True, None):
        with pytest.raises((TypeError, ValueError)):
            parse_decimal(bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("US", "US"),
        ("us", "US"),
        ("USA", "US"),
        ("United States", "US"),
        (" Canada ", "CA"),
        ("België", "BE"),
        ("Narnia", "Narnia"),
        ("", None),
        (None, None),
        # issue 11.3: aliases, names the old table missed, local-language names, codes
        ("UK", "GB"),
        ("u.k.", "GB"),
        ("Great Britain", "GB"),
        ("Brazil", "BR"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Deutschland", "DE"),
        ("Belgique", "BE"),
        ("Belgie", "BE"),  # accents folded
        ("Schweiz", "CH"),
        ("Nederland", "NL"),
        ("Polska", "PL"),
        ("Ελλάδα", "GR"),
        ("日本", "JP"),
        ("Danmark", "DK"),
        ("Norge", "NO"),
        ("España", "ES"),
        ("BEL", "BE"),
        ("056", "BE"),
        ("Korea, Republic of", "KR"),
        ("South Korea", "KR"),
        ("Russia", "RU"),
        ("Türkiye", "TR"),
        ("  united   states of america ", "US"),
        # unknown text stays as given (trimmed): Rotor's documented placeholder, an unassigned code
        ("country", "country"),
        ("zz", "zz"),
        ("Atlantis ", "Atlantis"),
    ],
)
def test_normalize_country(given: str | None, expected: str | None) -> None:
    assert normalize_country(given) == expected


def test_every_iso_country_name_and_code_maps_to_its_alpha2() -> None:
    import pycountry

    for country in pycountry.countries:
        for value in (country.alpha_2, country.alpha_2.lower(), country.alpha_3, country.name):
            assert normalize_country(value) == country.alpha_2, value


def test_country_names_are_read_in_every_market_language() -> None:
    import gettext

    import pycountry

    from custbridge._countries import MARKET_LANGUAGES

    for language in MARKET_LANGUAGES:
        catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        for code, english in (("DE", "Germany"), ("BE", "Belgium"), ("FR", "France"), ("JP", "Japan")):
            assert normalize_country(catalog.gettext(english)) == code, (language, english)


def test_tolerant_enum() -> None:
    conv = make_converter()
    conv.register_structure_hook(CustomerStatus, tolerant_enum(CustomerStatus, CustomerStatus.UNKNOWN))
    assert conv.structure("active", CustomerStatus) is CustomerStatus.ACTIVE
    assert conv.structure("frozen", CustomerStatus) is CustomerStatus.UNKNOWN


@attrs.frozen
class WireAddress:
    zip: str | None = None


@attrs.frozen
class WireCustomer:
    id: str
    email: str | None = None
    address: WireAddress | None = None
    tags: list[str] | None = None
    created_at: datetime | None = None


def _configure(conv: cattrs.Converter) -> None:
    return None


def _to_customer(wire: WireCustomer, raw: Mapping[str, Any]) -> Customer:
    return Customer(
        provider="wire", id=wire.id, email=wire.email, tags=tuple(wire.tags or ()), created_at=wire.created_at, raw=raw
    )


MAPPER = RecordMapper("wire", WireCustomer, _to_customer, _configure)


def test_record_mapper_maps() -> None:
    c = MAPPER(
        {
            "id": "1",
            "email": "a@b.c",
            "address": {"zip": "1000"},
            "tags": ["x"],
            "unknown": 1,
            "created_at": "2026-01-01T00:00:00Z",
        }
    )
    assert c.id == "1" and c.tags == ("x",) and c.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert c.raw["unknown"] == 1


@pytest.mark.parametrize(
    ("record", "path"),
    [
        ({"id": "1", "address": {"zip": 1000}}, "$.address.zip"),
        ({"id": "1", "tags": ["ok", 5]}, "$.tags[1]"),
        ({"id": "1", "created_at": "soon"}, "$.created_at"),
        ({"email": "a@b.c"}, "$.id"),
        ({"id": 5}, "$.id"),
    ],
)
def test_record_mapper_names_the_json_path(record: dict[str, Any], path: str) -> None:
    with pytest.raises(MappingError) as info:
        MAPPER(record)
    assert path in [p for p, _ in info.value.paths], info.value.paths
    assert info.value.provider == "wire"


def test_record_mapper_non_object() -> None:
    with pytest.raises(MappingError, match="JSON object"):
        MAPPER(["x"])


@attrs.frozen
class CamelWire:
    id: str
    created_at: datetime | None = None


def _camel(conv: cattrs.Converter) -> None:
    from cattrs.gen import make_dict_structure_fn, override

    conv.register_structure_hook(
        CamelWire, make_dict_structure_fn(CamelWire, conv, created_at=override(rename="createdAt"))
    )


def test_record_mapper_paths_use_vendor_keys() -> None:
    mapper = RecordMapper(
        "camel",
        CamelWire,
        lambda w, raw: Customer(provider="camel", id=w.id, raw=raw),
        _camel,
        renames={CamelWire: {"created_at": "createdAt"}},
    )
    assert mapper({"id": "1", "createdAt": "2026-01-01T00:00:00Z"}).id == "1"
    with pytest.raises(MappingError) as info:
        mapper({"id": "1", "createdAt": "later"})
    assert [p for p, _ in info.value.paths] == ["$.createdAt"]


def test_wire_objects_must_be_objects() -> None:
    with pytest.raises(MappingError) as info:
        MAPPER({"id": "1", "address": "1 Main St"})
    assert "$.address" in [p for p, _ in info.value.paths]


# --------------------------------------------------------------------------- issue 11.5


@attrs.frozen
class _Quantity:
    value: Decimal | None = None
    at: datetime | None = None


@attrs.frozen
class _Order:
    required_at: datetime
    quantity: _Quantity | None = None
    items: tuple[_Quantity, ...] = ()


@pytest.mark.parametrize("detailed", [False, True])
def test_blank_as_none_reads_blank_dates_and_decimals_as_no_value(detailed: bool) -> None:
    conv = make_converter(detailed=detailed)
    blank_as_none(conv)
    register_wire_classes(conv, (_Quantity, _Order))
    order = conv.structure(
        {"required_at": "2026-05-10T00:00:00Z", "quantity": {"value": "", "at": " "},
         "items": [{"value": "1.50", "at": ""}, {"value": None}]},
        _Order,
    )
    assert order.quantity == _Quantity(value=None, at=None)
    assert order.items == (_Quantity(value=Decimal("1.50")), _Quantity())
    with pytest.raises(Exception):  # noqa: B017 - a non-optional field still refuses a blank
        conv.structure({"required_at": ""}, _Order)
    with pytest.raises(Exception):  # noqa: B017 - garbage is still garbage
        conv.structure({"required_at": "2026-05-10T00:00:00Z", "quantity": {"value": "n/a"}}, _Order)


def test_without_blank_as_none_a_blank_date_is_refused() -> None:
    conv = make_converter()
    register_wire_classes(conv, (_Quantity, _Order))
    with pytest.raises(ValueError):
        conv.structure({"required_at": "2026-05-10T00:00:00Z", "quantity": {"at": ""}}, _Order)


@pytest.mark.parametrize(
    ("lat", "lng", "expected"),
    [(0, 0, None), (0.0, -0.0, None), (None, 4.0, None), (51.0, None, None), (0.0, 3.5, (0.0, 3.5)),
     (51.05, 3.72, (51.05, 3.72))],
)
def test_geocoded_treats_zero_zero_as_not_geocoded(lat: Any, lng: Any, expected: Any) -> None:
    assert geocoded(lat, lng) == expected
