"""The simulator itself: population, list conventions, PATCH strictness, OAuth server, envelope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from custbridge import sandbox
from custbridge_pexip.sandbox import PexipEngageSandbox


@pytest.fixture
def app() -> PexipEngageSandbox:
    made = sandbox.create_app("pexip_engage", size=200, seed=3)
    assert isinstance(made, PexipEngageSandbox)
    return made


@pytest.fixture
def http(app: PexipEngageSandbox) -> Iterator[httpx.Client]:
    token = app.issue_token()
    with httpx.Client(transport=app.transport(), base_url=app.base_url,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def _errors(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1
    item: dict[str, Any] = body["errors"][0]
    assert set(item) == {"message", "code", "type", "statusCode"}
    assert item["statusCode"] == str(response.status_code)  # a string, as in the schema
    return item


def test_population_has_multilingual_addresses_soft_deletes_and_variations(app: PexipEngageSandbox) -> None:
    records = list(app.customers.values())
    languages = {t["language"] for r in records if r["location"] for t in r["location"]["translations"]["city"]}
    assert {"nl", "fr", "en", "de", "ja"} <= languages
    assert any(r["deletedAt"] for r in records) and any(r["deletedAt"] is None for r in records)
    assert any(r["location"] is None for r in records)
    assert any(" " in r["phoneNumber"] for r in records) and any(" " not in r["phoneNumber"] for r in records)
    assert any(r["email"] != r["email"].lower() for r in records)
    for record in records:
        assert record["createdAt"].endswith("Z") and len(record["createdAt"]) == 24
        if record["location"]:
            translations = record["location"]["translations"]
            assert translations["city"] and translations["street1"]
            assert record["location"]["street1"] == translations["street1"][0]


def test_same_seed_same_customers() -> None:
    one = sandbox.create_app("pexip_engage", size=30, seed=5)
    two = sandbox.create_app("pexip_engage", size=30, seed=5)
    assert one.customers == two.customers  # type: ignore[attr-defined]


def test_list_defaults_and_caps(http: httpx.Client) -> None:
    default = http.get("/enterprises/acme/customers").json()
    assert len(default["data"]) == 25
    assert default["meta"] == {"offset": 0, "limit": 25, "totalCount": 200}
    capped = http.get("/enterprises/acme/customers", params={"offset": 190, "limit": 500}).json()
    assert capped["meta"]["limit"] == 100 and len(capped["data"]) == 10
    bad = http.get("/enterprises/acme/customers", params={"offset": -1})
    assert bad.status_code == 400 and _errors(bad)["code"] == "VALIDATION_ERROR"


def test_accept_language_picks_the_single_value_text(app: PexipEngageSandbox, http: httpx.Client) -> None:
    record = next(r for r in app.customers.values() if r["location"] and r["location"]["countryCode"] == "JP")
    english = http.get(f"/enterprises/acme/customers/{record['id']}", headers={"Accept-Language": "en *"}).json()
    japanese = http.get(f"/enterprises/acme/customers/{record['id']}", headers={"Accept-Language": "ja-JP,ja;q=0.9"}).json()
    assert english["data"]["location"]["city"] == {"language": "en", "value": "Tokyo"}
    assert japanese["data"]["location"]["city"] == {"language": "ja", "value": "東京"}
    assert app.customers[record["id"]]["location"]["city"]["language"] == "ja"  # storage untouched


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"firstName": ""}, "non-empty"),
        ({"nickname": "Bob"}, "additional properties"),
        ({"language": "sv"}, "language"),
        ({"existing": None}, "boolean"),
        ({"location": {"countryCode": "BE", "city": {"language": "nl", "value": "Gent"},
                       "translations": {"city": [{"language": "nl", "value": "Gent"}],
                                        "street1": [{"language": "nl", "value": "K 1"}]}}}, "location.city"),
        ({"location": {"translations": {"city": [{"language": "nl", "value": "Gent"}],
                                        "street1": [{"language": "nl", "value": "K 1"}]}}}, "countryCode"),
        ({"location": {"countryCode": "BE", "translations": {"city": [], "street1": []}}}, "at least 1"),
        ({"location": {"countryCode": "BE", "formattedAddress": "x",
                       "translations": {"city": [{"language": "nl", "value": "G"}],
                                        "street1": [{"language": "nl", "value": "K"}]}}}, "formattedAddress"),
    ],
)
def test_patch_is_as_strict_as_the_schema(http: httpx.Client, body: dict[str, Any], words: str) -> None:
    rejected = http.patch("/enterprises/acme/customers/100001", json=body)
    assert rejected.status_code == 400
    assert words in _errors(rejected)["message"]


def test_routes_methods_and_enterprise(http: httpx.Client) -> None:
    assert http.delete("/enterprises/acme/customers/100001").status_code == 405
    assert http.post("/enterprises/acme/customers", json={}).status_code == 405
    assert _errors(http.get("/enterprises/globex/customers"))["code"] == "FORBIDDEN"
    assert _errors(http.get("/enterprises/acme/customers/nope"))["code"] == "NOT_FOUND"
    assert http.get("/elsewhere").status_code == 404


def test_token_endpoint_speaks_oauth(app: PexipEngageSandbox) -> None:
    with httpx.Client(transport=app.transport(), base_url=PexipEngageSandbox.auth_base_url) as http:
        url = "/realms/acme/protocol/openid-connect/token"
        good = http.post(url, data={"grant_type": "client_credentials"},
                         auth=(PexipEngageSandbox.CLIENT_ID, PexipEngageSandbox.CLIENT_SECRET))
        assert good.status_code == 200
        assert set(good.json()) >= {"access_token", "expires_in", "token_type"}
        assert good.json()["expires_in"] == 300
        assert http.post(url, data={"grant_type": "password"}).json()["error"] == "unsupported_grant_type"
        assert http.post(url, data={"grant_type": "client_credentials", "client_id": "x",
                                    "client_secret": "y"}).status_code == 401
        assert http.get(url).status_code == 405
    assert app.token_requests == 4 and app.requests_served == 0  # the OAuth server is not the API


def test_unauthenticated_api_requests_get_the_envelope(app: PexipEngageSandbox) -> None:
    with httpx.Client(transport=app.transport(), base_url=app.base_url) as http:
        response = http.get("/enterprises/acme/customers/100001", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and _errors(response)["code"] == "UNAUTHORIZED"
    assert app.unauthorized == 1


def test_correlation_id_is_echoed(http: httpx.Client) -> None:
    response = http.get("/enterprises/acme/customers/100001", headers={"X-Correlation-Id": "abc-123"})
    assert response.headers["X-Correlation-Id"] == "abc-123"
