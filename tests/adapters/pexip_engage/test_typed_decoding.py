"""Typed decoding (issue 12): list pages decoded with msgspec, one mapping path per record.

A list page's records reach ``map_record`` as their JSON bytes (``msgspec.Raw``), a single
``get`` as a decoded dict: both are validated against the same wire Struct and mapped by the
same ``to_customer``. ``to_address`` computes the address shown in the preferred language
directly; these tests hold it to what :meth:`Address.in_language` gives.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

import custbridge
from custbridge import Address, Customer, ListQuery, MappingError, sandbox
from custbridge.model import RawRecord
from custbridge_pexip._convert import LANGUAGES, to_address
from custbridge_pexip._wire import PexipLocation
from custbridge_pexip.sandbox import PexipEngageSandbox

from .conftest import load, make_provider, response

FIXTURES = ("customer_minimal.json", "customer_multilingual.json")


def _vendor_records() -> list[dict[str, Any]]:
    """The documented sample, the fixtures and a sandbox population (the vendor's primary text)."""
    app = sandbox.create_app("pexip_engage", size=120, seed=7)
    assert isinstance(app, PexipEngageSandbox)
    records = [load("get_customer_200.json")["data"], *(load(name) for name in FIXTURES)]
    return records + [copy.deepcopy(r) for r in app.customers.values()]


def _sandbox_pages(language: str) -> Iterator[dict[str, Any]]:
    """Records as the sandbox serves them with ``Accept-Language: language`` (single-value
    fields in that language where it has a translation)."""
    app = sandbox.create_app("pexip_engage", size=120, seed=7)
    assert isinstance(app, PexipEngageSandbox)
    headers = {"Authorization": f"Bearer {app.issue_token()}", "Accept-Language": language}
    with httpx.Client(transport=app.transport(), base_url=app.base_url, headers=headers) as http:
        body = http.get("/enterprises/acme/customers", params={"offset": 0, "limit": 100}).json()
    yield from body["data"]


def _everything(address: Address | None) -> Any:
    """Every attribute, including those ``==`` ignores (translations, primary)."""
    if address is None:
        return None
    return (address, address.language, dict(address.translations), address.primary)


# --------------------------------------------------------------------------- one mapping path


@pytest.mark.parametrize("language", [None, "en", "fr", "ja"])
def test_a_record_as_bytes_and_as_a_dict_maps_to_the_same_customer(language: str | None) -> None:
    provider = make_provider(language=language)
    for record in _vendor_records():
        from_bytes = provider.map_record(msgspec.Raw(json.dumps(record).encode()))
        from_dict = provider.map_record(record)
        assert from_bytes == from_dict
        assert _everything(from_bytes.address) == _everything(from_dict.address)
        assert isinstance(from_bytes.raw, RawRecord)  # kept as bytes, decoded only if read
        assert from_bytes.raw == record and from_dict.raw == record


def test_a_bad_record_fails_alike_as_bytes_and_as_a_dict() -> None:
    record = load("customer_multilingual.json")
    record["location"]["translations"]["street1"][1]["value"] = 12
    errors = []
    for given in (msgspec.Raw(json.dumps(record).encode()), record):
        with pytest.raises(MappingError) as info:
            make_provider().map_record(given)
        errors.append(info.value)
    for err in errors:
        assert err.record_id == "ghent-1"
        assert err.paths == (("$.location.translations.street1[1].value", "Expected `str`, got `int`"),)


def test_a_missing_required_key_is_named_by_its_path() -> None:
    record = load("customer_multilingual.json")
    del record["location"]["geolocation"]["longitude"]
    with pytest.raises(MappingError) as info:
        make_provider().map_record(msgspec.Raw(json.dumps(record).encode()))
    assert [p for p, _ in info.value.paths] == ["$.location.geolocation.longitude"]
    assert "missing required field" in info.value.paths[0][1]


def test_timestamps_the_shared_parser_reads_stay_accepted() -> None:
    # msgspec's own datetime refuses these or leaves them naive; the adapter keeps reading them.
    record = load("customer_minimal.json")
    for value, iso in (
        ("2022-08-17T19:05:21", "2022-08-17T19:05:21+00:00"),  # naive: UTC
        ("2022-08-17 19:05:21+02:00", "2022-08-17T19:05:21+02:00"),
        ("2022-08-17", "2022-08-17T00:00:00+00:00"),
        (1660763121, "2022-08-17T19:05:21+00:00"),  # epoch seconds
    ):
        record["updatedAt"] = value
        customer = make_provider().map_record(msgspec.Raw(json.dumps(record).encode()))
        assert customer.updated_at is not None and customer.updated_at.isoformat() == iso
    for bad in ("", "yesterday", True, [2022]):
        record["updatedAt"] = bad
        with pytest.raises(MappingError) as info:
            make_provider().map_record(msgspec.Raw(json.dumps(record).encode()))
        assert [p for p, _ in info.value.paths] == ["$.updatedAt"]


# --------------------------------------------------------------------------- list pages


def _page_client(records: list[Any], **settings: Any) -> custbridge.Client:
    content = json.dumps({"data": records, "meta": {"offset": 0, "limit": 100, "totalCount": len(records)}}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    return custbridge.connect(
        "pexip_engage", enterprise="acme", access_token="test-token-0000",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)), **settings,
    )


def test_a_record_of_the_wrong_shape_fails_alone_under_collect() -> None:
    good = load("customer_multilingual.json")
    bad = copy.deepcopy(good)
    bad["id"] = "bad-2"
    bad["phoneNumber"] = 3292234567  # a number where the schema says string
    third = load("customer_minimal.json")
    with _page_client([good, bad, third]) as client:
        collected = client.list(on_invalid="collect")
        assert [c.id for c in collected] == ["ghent-1", "9"]
        (error,) = collected.errors
        assert error.record_id == "bad-2" and error.index == 1
        assert error.paths == (("$.phoneNumber", "Expected `str | null`, got `int`"),)
        with pytest.raises(MappingError) as info:
            list(client.list())
        assert info.value.record_id == "bad-2" and info.value.paths[0][0] == "$.phoneNumber"


def test_a_record_that_is_not_an_object_fails_alone_without_an_id() -> None:
    with _page_client([load("customer_minimal.json"), "9,Jansen", None]) as client:
        collected = client.list(on_invalid="collect")
        assert [c.id for c in collected] == ["9"]
        assert [(e.index, e.record_id, e.paths[0][0]) for e in collected.errors] == [(1, None, "$"), (2, None, "$")]


def test_listed_customers_keep_the_vendor_record_as_raw() -> None:
    records = [load(name) for name in FIXTURES]
    with _page_client(records, language="fr") as client:
        customers = list(client.list())
    assert [c.raw for c in customers] == records
    assert all(isinstance(c.raw, RawRecord) for c in customers)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"data": {"id": "1"}}, "$.data"),
        ({"data": "none"}, "$.data"),
        ({"customers": []}, "$.data"),
        ([{"id": "1"}], "$.data"),
    ],
)
def test_an_envelope_that_does_not_fit_is_a_mapping_error_with_its_path(body: Any, path: str) -> None:
    with pytest.raises(MappingError) as info:
        make_provider().parse_page(response(body), ListQuery(page_size=100), None)
    assert info.value.operation == "list"
    assert [p for p, _ in info.value.paths] == [path]


@pytest.mark.parametrize("meta", [None, "x", [], {"totalCount": "12"}, {"totalCount": -1}, {"totalCount": True}])
def test_a_meta_that_is_not_a_count_is_no_total_never_an_error(meta: Any) -> None:
    record = load("customer_minimal.json")
    page = make_provider().parse_page(response({"data": [record] * 3, "meta": meta}), ListQuery(page_size=100), 0)
    assert (len(page.records), page.total, page.next_cursor) == (3, None, 3)


# --------------------------------------------------------------------------- to_address == in_language


def _locations() -> Iterator[dict[str, Any]]:
    for record in _vendor_records():
        if record.get("location"):
            yield record["location"]
    for language in ("en", "fr", "ja", "de"):
        for record in _sandbox_pages(language):
            if record.get("location"):
                yield record["location"]
    # Edge cases: primary fields in two languages, no single values, blank and padded text,
    # language codes that in_language normalises (upper case, padded, underscores).
    multi = load("customer_multilingual.json")["location"]
    mixed = copy.deepcopy(multi)
    mixed["city"] = {"language": "fr", "value": "Gand"}
    yield mixed
    bare = copy.deepcopy(multi)
    for key in ("street1", "street2", "city", "state"):
        bare[key] = None
    yield bare
    odd = copy.deepcopy(multi)
    odd["translations"]["city"] += [
        {"language": "EN ", "value": "  Ghent city  "},
        {"language": "fr", "value": "   "},
        {"language": "en_gb", "value": "Ghent (GB)"},
        {"language": " ja", "value": "ゲント市"},
    ]
    odd["translations"]["street1"].append({"language": "en", "value": "Korenmarkt 1 "})
    yield odd
    padded = copy.deepcopy(multi)
    padded["street1"] = {"language": "NL", "value": " Korenmarkt 1 "}
    yield padded


def test_the_address_shown_in_a_language_is_what_in_language_gives() -> None:
    checked = 0
    for raw in _locations():
        location = msgspec.convert(raw, PexipLocation)
        primary = to_address(location, None)
        assert primary.primary is None  # shown as the vendor sent it
        for preferred in LANGUAGES:
            shown = to_address(location, preferred)
            expected = primary.in_language(preferred) if preferred in primary.translations else primary
            assert _everything(shown) == _everything(expected), (preferred, raw)
            # and the language setting never changes what in_language gives afterwards
            for code in ("en", "fr", "nl", "ja", "EN-gb"):
                assert _everything(shown.in_language(code)) == _everything(primary.in_language(code))
            checked += 1
    assert checked > 1000


def test_a_preferred_language_outside_the_vendor_list_is_refused() -> None:
    from custbridge_pexip._convert import make_to_customer

    with pytest.raises(ValueError, match="one of"):
        make_to_customer("pexip_engage", "en-GB")


def test_customers_compare_by_value_not_by_entry_point() -> None:
    # Customer equality ignores raw: the page's bytes and the dict are the same record.
    record = load("customer_multilingual.json")
    one: Customer = make_provider().map_record(msgspec.Raw(json.dumps(record).encode()))
    assert one == make_provider().parse_customer(response({"data": record}), "get")
