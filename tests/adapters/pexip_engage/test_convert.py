"""Converter tests from JSON fixtures (no HTTP): vendor JSON -> Customer, CustomerInput -> PATCH body."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from custbridge import (
    Address,
    AddressText,
    ConfigurationError,
    CustomerInput,
    CustomerStatus,
    FieldAccess,
    ListQuery,
    MappingError,
)

from .conftest import load, make_provider, response

DOC_TIME = datetime(2022, 8, 17, 19, 5, 21, 362000, tzinfo=UTC)


# --------------------------------------------------------------------------- the documented example


def test_documented_example_maps_to_what_a_reader_expects() -> None:
    payload = load("get_customer_200.json")
    customer = make_provider().parse_customer(response(payload), "get")

    assert customer.provider == "pexip_engage"
    assert customer.id == "123"
    assert customer.key == "pexip_engage:123"
    assert customer.number == "123456"
    assert customer.external_id == "ABCD1234"
    assert customer.first_name == "John"
    assert customer.last_name == "Doe"
    assert customer.company_name == "Acme Corp"
    assert customer.display_name == "Acme Corp"
    assert customer.email == "john.doe@pexip.com"
    assert customer.phone == "+32412345678"
    assert customer.language == "da"
    assert customer.time_zone == "Europe/Brussels"
    assert customer.notes == "Lorem ipsum"
    assert customer.created_at == DOC_TIME
    assert customer.updated_at == DOC_TIME
    # deletedAt is set in the example: a soft-deleted customer.
    assert customer.deleted_at == DOC_TIME
    assert customer.status is CustomerStatus.DELETED
    assert customer.vendor_status is None
    assert dict(customer.extras) == {"existing": True}
    assert customer.website is None and customer.tags == () and customer.credit_limit is None
    assert customer.raw == payload["data"]

    address = customer.address
    assert address is not None
    assert (address.line1, address.line2, address.city, address.region) == ("Lorem ipsum",) * 4
    assert address.postal_code == "9000"
    assert address.country == "BE"
    assert address.formatted == "string"
    assert address.latitude == 51.0479466
    assert address.longitude == 3.6912248
    assert address.language == "en"
    assert dict(address.translations) == {
        "en": AddressText(line1="Lorem ipsum", line2="Lorem ipsum", city="Lorem ipsum", region="Lorem ipsum")
    }
    assert address.in_language("fr") == address  # no French text: unchanged


def test_documented_example_with_a_preferred_language_it_lacks_keeps_the_primary_text() -> None:
    customer = make_provider(language="nl").parse_customer(response(load("get_customer_200.json")), "get")
    assert customer.address is not None
    assert customer.address.language == "en"
    assert customer.address.city == "Lorem ipsum"


# --------------------------------------------------------------------------- localized addresses


def test_multilingual_address_uses_primary_text_without_a_preference() -> None:
    customer = make_provider().map_record(load("customer_multilingual.json"))
    address = customer.address
    assert address is not None
    assert (address.line1, address.city, address.region) == ("Korenmarkt 1", "Gent", "Oost-Vlaanderen")
    assert address.line2 is None
    assert address.language == "nl"
    assert address.country == "BE"  # "be" on the wire, upper-cased
    assert set(address.translations) == {"nl", "fr", "en", "de", "ja"}
    assert address.translations["ja"] == AddressText(city="ゲント")
    assert customer.phone == "+32 9 123 45 67"  # as the vendor gave it
    assert customer.status is CustomerStatus.ACTIVE and customer.deleted_at is None
    assert dict(customer.extras) == {"existing": False}


def test_multilingual_address_in_the_preferred_language() -> None:
    address = make_provider(language="fr").map_record(load("customer_multilingual.json")).address
    assert address is not None
    assert address.language == "fr"
    assert (address.line1, address.city, address.region) == ("Marché aux Grains 1", "Gand", "Flandre-Orientale")
    assert address.postal_code == "9000"
    assert address.formatted == "Korenmarkt 1, 9000 Gent, België"


def test_preferred_language_with_partial_translations_falls_back_per_field() -> None:
    address = make_provider(language="ja").map_record(load("customer_multilingual.json")).address
    assert address is not None
    assert address.language is None  # Japanese city, Dutch street: the address claims neither
    assert address.city == "ゲント"
    assert address.line1 == "Korenmarkt 1"  # no Japanese street: primary text
    assert address.region == "Oost-Vlaanderen"


def test_in_language_works_offline_for_every_language_sent() -> None:
    address = make_provider().map_record(load("customer_multilingual.json")).address
    assert address is not None
    french = address.in_language("fr")
    assert (french.line1, french.city, french.language) == ("Marché aux Grains 1", "Gand", "fr")
    english = address.in_language("en")
    # English has only the city: the street stays Dutch, so the result claims no language.
    assert (english.line1, english.city, english.language) == ("Korenmarkt 1", "Ghent", None)
    assert address.in_language("de").city == "Gent"
    assert address.in_language("es") is address


def test_single_value_fields_missing_from_translations_are_still_translations() -> None:
    record = load("customer_multilingual.json")
    record["location"]["street2"] = {"language": "nl", "value": "bus 3"}
    address = make_provider(language="fr").map_record(record).address
    assert address is not None
    assert address.translations["nl"].line2 == "bus 3"
    assert address.line2 == "bus 3"  # French has none: the primary text stays


def test_customer_without_location_or_names() -> None:
    customer = make_provider().map_record(load("customer_minimal.json"))
    assert customer.address is None
    assert customer.display_name == "9"
    assert customer.first_name is None and customer.email is None
    assert customer.time_zone == "Europe/Amsterdam"
    assert customer.status is CustomerStatus.ACTIVE


# --------------------------------------------------------------------------- bad records


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda r: r.__setitem__("email", 123), "$.email"),
        (lambda r: r.__setitem__("createdAt", "yesterday"), "$.createdAt"),
        (lambda r: r["location"]["translations"]["city"][0].__setitem__("value", 5), "$.location.translations.city[0].value"),
        (lambda r: r["location"].__setitem__("postalCode", 9000), "$.location.postalCode"),
        (lambda r: r["location"]["geolocation"].__setitem__("latitude", 200), "$.location.geolocation.latitude"),
        (lambda r: r["location"]["geolocation"].__setitem__("longitude", -181), "$.location.geolocation.longitude"),
        (lambda r: r.__setitem__("existing", "yes"), "$.existing"),
        (lambda r: r.__setitem__("location", "Korenmarkt 1, Gent"), "$.location"),
        (lambda r: r["location"].__setitem__("geolocation", "51.05,3.72"), "$.location.geolocation"),
        (lambda r: r["location"].__setitem__("city", "Gent"), "$.location.city"),
    ],
)
def test_bad_records_raise_mapping_error_with_the_vendor_json_path(mutate, path) -> None:  # type: ignore[no-untyped-def]
    record = copy.deepcopy(load("customer_multilingual.json"))
    mutate(record)
    with pytest.raises(MappingError) as info:
        make_provider().map_record(record)
    assert info.value.provider == "pexip_engage"
    assert info.value.record_id == "ghent-1"
    assert path in [p for p, _ in info.value.paths], info.value.paths


def test_empty_location_object_is_no_address() -> None:
    record = load("customer_minimal.json")
    record["location"] = {}
    assert make_provider().map_record(record).address is None


def test_record_without_id_names_the_missing_key() -> None:
    record = load("customer_minimal.json")
    del record["id"]
    with pytest.raises(MappingError) as info:
        make_provider().map_record(record)
    assert info.value.paths[0][0] == "$.id"


def test_response_without_data_envelope_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as info:
        make_provider().parse_customer(response({"id": "1"}), "get")
    assert info.value.paths == (("$.data", "missing"),)


# --------------------------------------------------------------------------- list pages


def _query(size: int = 100, **vendor: object) -> ListQuery:
    return ListQuery(page_size=size, vendor_filters=vendor)


def test_list_request_uses_offset_limit_and_the_largest_page() -> None:
    provider = make_provider()
    assert provider.capabilities.max_page_size == 100
    req = provider.list_request(_query(), None)
    assert req.method == "GET"
    assert req.path == ("enterprises", "acme", "customers")
    assert list(req.params) == [("offset", "0"), ("limit", "100")]
    assert next(iter(provider.list_request(_query(), 200).params)) == ("offset", "200")


def test_page_size_and_list_path_settings() -> None:
    provider = make_provider(page_size=250, list_path="/v2/enterprises/{enterprise}/customer-list")
    assert provider.capabilities.max_page_size == 250
    assert provider.default_page_size == 250
    req = provider.list_request(_query(250), None)
    assert req.path == ("v2", "enterprises", "acme", "customer-list")
    assert ("limit", "250") in req.params


def test_array_query_parameters_use_the_bracket_form() -> None:
    provider = make_provider()
    many = provider.list_request(_query(external_id=["A1", "B2"]), None)
    assert [p for p in many.params if p[0].startswith("external-id")] == [("external-id[]", "A1"), ("external-id[]", "B2")]
    single = provider.list_request(_query(external_id=("A1",)), None)
    assert ("external-id[]", "A1") in single.params
    scalar = provider.list_request(_query(external_id="A1"), None)
    assert ("external-id", "A1") in scalar.params


def test_parse_page_follows_total_count() -> None:
    provider = make_provider()
    record = load("customer_minimal.json")
    page = provider.parse_page(response({"data": [record] * 100, "meta": {"offset": 0, "limit": 100, "totalCount": 250}}), _query(), None)
    assert (len(page.records), page.next_cursor, page.total) == (100, 100, 250)
    last = provider.parse_page(response({"data": [record] * 50, "meta": {"offset": 200, "limit": 100, "totalCount": 250}}), _query(), 200)
    assert last.next_cursor is None


def test_parse_page_when_the_vendor_caps_the_limit() -> None:
    provider = make_provider()
    record = load("customer_minimal.json")
    page = provider.parse_page(response({"data": [record] * 30, "meta": {"offset": 0, "limit": 30, "totalCount": 90}}), _query(), None)
    assert page.next_cursor == 30  # what came back, not what was asked


def test_parse_page_goes_on_when_a_full_page_contradicts_the_total() -> None:
    provider = make_provider()
    record = load("customer_minimal.json")
    page = provider.parse_page(response({"data": [record] * 100, "meta": {"totalCount": 1}}), _query(), None)
    assert page.next_cursor == 100  # the engine's total checks judge the lie


def test_parse_page_without_total_asks_once_more_after_a_short_page() -> None:
    provider = make_provider()
    record = load("customer_minimal.json")
    full = provider.parse_page(response({"data": [record] * 100}), _query(), None)
    assert (full.next_cursor, full.total) == (100, None)
    # The vendor may cap the page size silently: a short page is not the end, an empty one is.
    short = provider.parse_page(response({"data": [record] * 3}), _query(), 100)
    assert short.next_cursor == 103
    empty = provider.parse_page(response({"data": [], "meta": {"totalCount": 10}}), _query(), 0)
    assert empty.next_cursor is None


def test_parse_page_rejects_a_non_list() -> None:
    with pytest.raises(MappingError):
        make_provider().parse_page(response({"data": {"id": "1"}}), _query(), None)


# --------------------------------------------------------------------------- PATCH body


def test_update_request_is_an_idempotent_patch_of_set_fields_only() -> None:
    req = make_provider().update_request("123", CustomerInput(first_name="Jan", number="C-1", company_name="Acme NV"))
    assert req.method == "PATCH"
    assert req.path == ("enterprises", "acme", "customers", "123")
    assert req.idempotent is True
    assert req.json == {"firstName": "Jan", "customerNumber": "C-1", "company": "Acme NV"}


def test_none_clears_and_empty_strings_are_sent_as_null() -> None:
    data = CustomerInput(email="", phone="   ", notes=None, time_zone="Europe/Paris", external_id=" X9 ", address=None)
    body = make_provider().update_request("1", data).json
    assert body == {
        "email": None,
        "phoneNumber": None,
        "notes": None,
        "timeZone": "Europe/Paris",
        "externalId": "X9",
        "location": None,
    }


def test_address_is_written_as_translations_arrays() -> None:
    address = Address(
        line1="Korenmarkt 1",
        line2="bus 3",
        city="Gent",
        region="Oost-Vlaanderen",
        postal_code="9000",
        country="Belgium",
        formatted="ignored on write",
        latitude=51.05,
        longitude=3.72,
        language="nl",
        translations={
            "nl": AddressText(line1="old text loses", city="Gent"),
            "fr": AddressText(line1="Marché aux Grains 1", city="Gand", region=""),
            "ja": AddressText(city="ゲント"),
        },
    )
    body = make_provider().update_request("1", CustomerInput(address=address)).json
    location = body["location"]
    assert set(location) == {"postalCode", "countryCode", "geolocation", "translations"}
    assert location["countryCode"] == "BE"
    assert location["postalCode"] == "9000"
    assert location["geolocation"] == {"latitude": 51.05, "longitude": 3.72}
    assert location["translations"] == {
        "street1": [{"language": "nl", "value": "Korenmarkt 1"}, {"language": "fr", "value": "Marché aux Grains 1"}],
        "street2": [{"language": "nl", "value": "bus 3"}],
        "city": [{"language": "nl", "value": "Gent"}, {"language": "fr", "value": "Gand"}, {"language": "ja", "value": "ゲント"}],
        "state": [{"language": "nl", "value": "Oost-Vlaanderen"}],
    }


def test_address_read_from_the_vendor_round_trips_every_language() -> None:
    provider = make_provider(language="fr")
    address = provider.map_record(load("customer_multilingual.json")).address
    location = provider.update_request("1", CustomerInput(address=address)).json["location"]
    cities = {t["language"]: t["value"] for t in location["translations"]["city"]}
    assert cities == {"fr": "Gand", "nl": "Gent", "en": "Ghent", "de": "Gent", "ja": "ゲント"}
    assert location["translations"]["street1"][0] == {"language": "fr", "value": "Marché aux Grains 1"}
    assert "geolocation" in location


def test_address_language_falls_back_to_the_connection_language() -> None:
    address = Address(line1="Main Street 1", city="London", country="GB")
    body = make_provider(language="en").update_request("1", CustomerInput(address=address)).json
    assert body["location"]["translations"]["city"] == [{"language": "en", "value": "London"}]
    assert "geolocation" not in body["location"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (CustomerInput(address=Address(line1="Main Street 1", city="London", country="GB")), "Address.language"),
        (CustomerInput(address=Address(city="London", country="GB", language="en")), "line1"),
        (CustomerInput(address=Address(line1="x", city="London", country="Atlantis", language="en")), "country"),
        (CustomerInput(address=Address(line1="x", city="y", country="GB", language="xx")), "one of"),
        (CustomerInput(language="Klingon"), "one of"),
        (CustomerInput(external_id="x" * 256), "255"),
        (CustomerInput(vendor_fields={"favouriteColour": "blue"}), "existing"),
        (CustomerInput(vendor_fields={"existing": "yes"}), "boolean"),
    ],
)
def test_values_the_vendor_would_reject_fail_before_sending(data: CustomerInput, words: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_provider().update_request("1", data)
    assert info.value.provider == "pexip_engage" and info.value.operation == "update"
    assert words in str(info.value)


def test_language_and_existing_are_written() -> None:
    body = make_provider().update_request("1", CustomerInput(language="NL", vendor_fields={"existing": False})).json
    assert body == {"language": "nl", "existing": False}


def test_capabilities_declare_the_documented_surface() -> None:
    caps = make_provider().capabilities
    assert caps.supported_operations() == ["get", "list", "update"]
    for op in ("create", "delete", "upsert"):
        assert "not documented" in caps.notes[op]
    assert caps.field("address") is FieldAccess.WRITE
    assert caps.field("status") is FieldAccess.READ
    assert caps.field("deleted_at") is FieldAccess.READ
    assert caps.field("tags") is FieldAccess.UNSUPPORTED
    assert caps.field("website") is FieldAccess.UNSUPPORTED
    assert caps.vendor_filters == ("external_id",)


# --------------------------------------------------------------------------- issue 11.4 / 11.5


@pytest.mark.parametrize("code", ["en", "fr", "nl", "de", "ja", "es", "EN", "fr-BE", "en-GB"])
def test_in_language_is_the_same_whatever_language_the_client_was_created_with(code: str) -> None:
    record = load("customer_multilingual.json")
    views = []
    for setting in (None, "en", "fr", "nl", "ja", "de"):
        address = make_provider(language=setting).map_record(copy.deepcopy(record)).address
        assert address is not None
        views.append(address.in_language(code))
    first = views[0]
    for view in views[1:]:
        assert (view.line1, view.line2, view.city, view.region, view.language) == (
            first.line1, first.line2, first.city, first.region, first.language
        )
        assert view.formatted == "Korenmarkt 1, 9000 Gent, België"  # never translated


def test_in_language_falls_back_to_the_vendor_primary_text_not_the_preferred_one() -> None:
    french = make_provider(language="fr").map_record(load("customer_multilingual.json")).address
    assert french is not None and french.line1 == "Marché aux Grains 1"
    english = french.in_language("en")
    # English has only the city: the street is the primary (Dutch) text, not the French one shown.
    assert (english.line1, english.city, english.region) == ("Korenmarkt 1", "Ghent", "Oost-Vlaanderen")
    assert english.language is None
    assert french.in_language("es") == make_provider().map_record(load("customer_multilingual.json")).address


def test_primary_fields_in_different_languages_claim_no_language() -> None:
    record = load("customer_multilingual.json")
    record["location"]["city"] = {"language": "fr", "value": "Gand"}
    address = make_provider().map_record(record).address
    assert address is not None
    assert (address.line1, address.city, address.language) == ("Korenmarkt 1", "Gand", None)


@pytest.mark.parametrize("point", [{"latitude": 0, "longitude": 0}, {"latitude": 0.0, "longitude": -0.0}])
def test_geolocation_zero_zero_means_not_geocoded(point: dict[str, float]) -> None:
    record = load("customer_multilingual.json")
    record["location"]["geolocation"] = point
    address = make_provider().map_record(record).address
    assert address is not None
    assert address.latitude is None and address.longitude is None
    assert address.city == "Gent"  # the rest of the address is kept


def test_country_code_is_normalised_by_the_shared_normaliser() -> None:
    record = load("customer_multilingual.json")
    record["location"]["countryCode"] = "uk"  # two characters, as the schema allows, but not ISO
    address = make_provider().map_record(record).address
    assert address is not None and address.country == "GB"


def test_blank_created_at_is_still_refused_the_schema_forbids_it() -> None:
    # Pexip's schema says "minimum length is 1": unlike Rotor, a blank date is a broken record.
    record = load("customer_multilingual.json")
    record["createdAt"] = ""
    with pytest.raises(MappingError) as info:
        make_provider().map_record(record)
    assert "$.createdAt" in str(info.value.paths)


def test_an_address_read_in_a_preferred_language_writes_back_what_was_read() -> None:
    # Read with language="ja": Japanese city, Dutch street, so the address claims no language.
    # Written back unedited, every language keeps its own text (no Dutch street labelled "ja").
    provider = make_provider(language="ja")
    read = provider.map_record(load("customer_multilingual.json")).address
    assert read is not None and read.language is None and read.city == "ゲント"
    location = provider.update_request("ghent-1", CustomerInput(address=read)).json["location"]
    street1 = {t["language"]: t["value"] for t in location["translations"]["street1"]}
    city = {t["language"]: t["value"] for t in location["translations"]["city"]}
    assert street1 == {"nl": "Korenmarkt 1", "fr": "Marché aux Grains 1"}
    assert city == {"nl": "Gent", "fr": "Gand", "en": "Ghent", "de": "Gent", "ja": "ゲント"}
    assert location["countryCode"] == "BE"
