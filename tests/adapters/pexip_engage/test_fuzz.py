"""Fuzzing Pexip Engage's mapping: schema-valid records map, anything else maps or names a path.

Valid records follow the documented schema of "Get a customer" (pexip-engage-get-customer.txt):
required ``id``/``existing``/``timeZone``/``createdAt``/``updatedAt``/``deletedAt``; nullable
strings of length >= 1; ``language`` from the ten documented codes; ``location`` null or an
object (extra keys allowed) with localized ``{language, value}`` fields, a two-letter
``countryCode``, ``geolocation`` in range and ``translations`` (``city``/``street1`` with at
least one entry). Mutations come from ``tests/adapters/_fuzz.py``. Connections with and
without a preferred language are both exercised, and every record is mapped both as a list
page hands it over (its JSON bytes) and as a decoded dict (a ``get``): one mapping path, so
both must agree.
Long run: ``CUSTBRIDGE_FUZZ=long pytest tests/adapters/pexip_engage/test_fuzz.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from custbridge import Customer, CustomerStatus, MappingError
from custbridge.convert import parse_datetime
from custbridge_pexip._convert import LANGUAGES, to_address
from custbridge_pexip._wire import PexipLocation

from .._fuzz import FUZZ, check_record, json_values, mutated, odd_text, timestamps
from .conftest import make_provider

PROVIDERS = (make_provider(), make_provider(language="en"), make_provider(language="ja"))

_text1 = st.text(min_size=1, max_size=30)
_maybe = st.none() | _text1
_lang = st.sampled_from(LANGUAGES)
_moment = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda m: m.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
_localized = st.fixed_dictionaries({"language": _lang, "value": st.text(max_size=30)})
_translation = st.fixed_dictionaries({"language": _lang, "value": _text1})
_location = st.fixed_dictionaries(
    {
        "city": st.none() | _localized,
        "state": st.none() | _localized,
        "street1": st.none() | _localized,
        "street2": st.none() | _localized,
        "countryCode": st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
        "formattedAddress": _text1,
        "geolocation": st.fixed_dictionaries({
            "latitude": st.floats(-90, 90) | st.integers(-90, 90),
            "longitude": st.floats(-180, 180) | st.integers(-180, 180),
        }),
        "translations": st.fixed_dictionaries(
            {"city": st.lists(_translation, min_size=1, max_size=3), "street1": st.lists(_translation, min_size=1, max_size=3)},
            optional={"state": st.lists(_translation, max_size=3), "street2": st.lists(_translation, max_size=3)},
        ),
    },
    optional={"postalCode": _maybe, "x-vendor-extension": json_values()},  # extra keys are allowed here
)
pexip_records = st.fixed_dictionaries(
    {
        "id": _text1,
        "existing": st.booleans(),
        "timeZone": _text1,
        "createdAt": _moment,
        "updatedAt": _moment,
        "deletedAt": st.none() | _moment,
    },
    optional={
        "externalId": st.none() | st.text(min_size=1, max_size=255),
        "customerNumber": _maybe,
        "email": _maybe,
        "firstName": _maybe,
        "lastName": _maybe,
        "company": _maybe,
        "language": st.none() | _lang,
        "notes": _maybe,
        "phoneNumber": _maybe,
        "location": st.none() | _location,
    },
)


def _envelope(record: Any) -> Any:
    return {"data": record}


def _outcome(provider: Any, record: Any) -> Customer | tuple[str | None, list[str]]:
    try:
        return provider.map_record(record)  # type: ignore[no-any-return]
    except MappingError as err:
        # The same record id and JSON paths (the reason's wording may differ for a record
        # that is not even an object: msgspec names the JSON type, the core the Python one).
        return (err.record_id, [path for path, _ in err.paths])


def _check(provider: Any, record: Any, *, valid: bool = False) -> Customer | None:
    """``check_record``, plus: the record's JSON bytes (a list page's ``msgspec.Raw``) and the
    decoded record map alike (the same customer and raw, or the same id and error paths)."""
    customer = check_record(provider, record, envelope=_envelope, mapper=None, valid=valid)
    try:
        content = json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):
        return customer  # not JSON a vendor could send (NaN, lone surrogates)
    from_bytes = _outcome(provider, msgspec.Raw(content))
    from_dict = _outcome(provider, record)
    assert from_bytes == from_dict
    if isinstance(from_bytes, Customer):
        assert from_bytes.raw == record
    return customer


def _clean(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


@FUZZ
@given(st.sampled_from(PROVIDERS), pexip_records)
def test_documented_records_map_with_their_values(provider: Any, record: dict[str, Any]) -> None:
    customer = _check(provider, record, valid=True)
    assert customer is not None
    assert customer.provider == "pexip_engage" and customer.id == record["id"]
    assert customer.first_name == _clean(record.get("firstName"))
    assert customer.company_name == _clean(record.get("company"))
    assert customer.phone == _clean(record.get("phoneNumber"))
    assert customer.external_id == record.get("externalId") and customer.number == record.get("customerNumber")
    assert customer.language == record.get("language")
    assert customer.time_zone == record["timeZone"] and customer.extras == {"existing": record["existing"]}
    assert customer.created_at == parse_datetime(record["createdAt"])
    deleted = record["deletedAt"] is not None
    assert customer.status == (CustomerStatus.DELETED if deleted else CustomerStatus.ACTIVE)
    location = record.get("location")
    if location is None:
        assert customer.address is None
        return
    assert customer.address is not None  # countryCode and formattedAddress are never empty
    address = customer.address
    assert address.country == location["countryCode"] and address.postal_code == _clean(location.get("postalCode"))
    point = (location["geolocation"]["latitude"], location["geolocation"]["longitude"])
    assert (address.latitude, address.longitude) == ((None, None) if point == (0, 0) else point)  # [0,0]: not geocoded
    sent = {t["language"] for items in location["translations"].values() for t in items if t["value"].strip()}
    assert sent <= set(address.translations)
    if provider.language in sent:
        assert address.in_language(provider.language) == address
    # Issue 11.4: in_language is a property of the record, not of the connection.
    mapped = [p._map(record).address for p in PROVIDERS]
    for code in ("en", "ja", "fr", "EN-gb"):
        views = [a.in_language(code) for a in mapped]  # type: ignore[union-attr]
        assert all(_text(v) == _text(views[0]) for v in views), code
        for view in views:
            if view.language not in (None, mapped[0].language):  # type: ignore[union-attr]
                # A claimed translation language is the language of every text field.
                own = view.translations.get(view.language)
                assert own is not None
                for field in ("line1", "line2", "city", "region"):
                    value = getattr(view, field)
                    assert value is None or value == (getattr(own, field) or "").strip(), (field, view)


def _text(address: Any) -> tuple[Any, ...]:
    return (address.line1, address.line2, address.city, address.region, address.language, address.formatted)


@FUZZ
@given(st.sampled_from(PROVIDERS), mutated(pexip_records))
def test_mutated_records_map_or_name_a_json_path(provider: Any, record: Any) -> None:
    _check(provider, record)


@FUZZ
@given(json_values(max_leaves=10))
def test_any_json_value_maps_or_names_a_json_path(value: Any) -> None:
    _check(PROVIDERS[1], value)


@FUZZ
@given(pexip_records, st.sampled_from(["createdAt", "updatedAt", "deletedAt"]), timestamps())
def test_any_timestamp_is_aware_or_refused_at_its_path(record: dict[str, Any], key: str, moment: Any) -> None:
    record[key] = moment
    customer = _check(PROVIDERS[0], record)
    if customer is not None:
        for value in (customer.created_at, customer.updated_at, customer.deleted_at):
            assert value is None or value.utcoffset() is not None


@FUZZ
@given(pexip_records, odd_text())
def test_odd_language_codes_are_kept_or_refused(record: dict[str, Any], code: str) -> None:
    record["language"] = code
    _check(PROVIDERS[1], record)


_odd_lang = _lang | _lang.map(str.upper) | _lang.map(lambda c: f" {c} ") | _lang.map(lambda c: c + "_BE") | odd_text()
_odd_localized = st.fixed_dictionaries({"language": _odd_lang, "value": odd_text() | _text1})
_odd_location = st.fixed_dictionaries(
    {
        "city": st.none() | _odd_localized,
        "state": st.none() | _odd_localized,
        "street1": st.none() | _odd_localized,
        "street2": st.none() | _odd_localized,
        "translations": st.fixed_dictionaries(
            {},
            optional={key: st.lists(_odd_localized, max_size=4) for key in ("city", "street1", "state", "street2")},
        ),
    },
)


@FUZZ
@given(_odd_location)
def test_the_address_shown_in_a_language_is_what_in_language_gives(location: dict[str, Any]) -> None:
    # to_address computes the shown address directly; it must be Address.in_language's view.
    wire = msgspec.convert(location, PexipLocation)
    primary = to_address(wire, None)
    for preferred in LANGUAGES:
        shown = to_address(wire, preferred)
        expected = primary.in_language(preferred) if preferred in primary.translations else primary
        assert (shown, shown.language, dict(shown.translations), shown.primary) == (
            expected, expected.language, dict(expected.translations), expected.primary
        )
