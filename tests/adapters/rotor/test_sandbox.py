"""The Rotor simulator: faithful to Rotor's pages, and the adapter working against it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from custbridge import (
    Address,
    AuthenticationError,
    CustomerInput,
    CustomerStatus,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    sandbox,
)
from custbridge_rotor import RotorProvider
from custbridge_rotor.sandbox import RotorSandbox

from ._support import FAST, Recorder

BASE = "https://api.getrotor.com/open-api"


def _http(app: RotorSandbox, **headers: str) -> httpx.Client:
    return httpx.Client(
        transport=app.transport(), base_url=BASE,
        headers={"x-api-key": app.api_key, "rotor-api-version": "1.1.0", **headers},
    )


def _get(app: RotorSandbox, path: str = "/customers", **params: Any) -> httpx.Response:
    with _http(app) as http:
        return http.get(path, params=params)


def _post(app: RotorSandbox, body: Any) -> httpx.Response:
    with _http(app) as http:
        return http.post("/customers", json=body)


def _connect(app: RotorSandbox, **settings: Any) -> Any:
    return sandbox.connect("rotor", app=app, **{**FAST, **settings})


# --------------------------------------------------------------------------- population


def test_the_population_is_deterministic_and_has_hidden_archived_customers() -> None:
    a, b = RotorSandbox(seed=3, size=40), RotorSandbox(seed=3, size=40)
    assert list(a.customers) == list(b.customers)
    assert list(RotorSandbox(seed=4, size=40).customers) != list(a.customers)
    assert a.customer_count() == 44  # 40 visible + size // 10 archived
    assert sum(r["archived"] for r in a.customers.values()) == 4
    assert RotorSandbox(size=10, archived=0).customer_count() == 10
    assert RotorProvider.sandbox(seed=3, size=40).customer_count() == 44


def test_formatting_varies_like_hand_typed_data_and_still_maps() -> None:
    app = RotorSandbox(seed=1, size=300)
    records = [r for r in app.customers.values() if not r["archived"]]
    phones = [r["phone"] for r in records]
    assert any(p.startswith("+") and " " not in p for p in phones)
    assert any(p.startswith("(") for p in phones)
    assert any(r["email"][0].isupper() for r in records)
    us = {r["property"]["country"] for r in records if r["phone"].startswith(("+1", "("))}
    assert {"US", "USA", "United States"} <= us
    with _connect(app) as client:
        customers = list(client.list())
    countries = {c.address.country for c in customers if c.address}
    assert "US" in countries and "USA" not in countries and "United States" not in countries
    assert all(len(c) == 2 for c in countries)
    assert any(c.address and c.address.latitude is not None for c in customers)
    assert any(c.raw.get("location") is None for c in customers)


# --------------------------------------------------------------------------- list


def test_list_pages_with_page_limit_has_more_and_total() -> None:
    app = RotorSandbox(size=25)
    body = _get(app, page=2, limit=10).json()
    assert body["status"] == "success"
    assert body["pagination"] == {"has_more": True, "limit": 10, "page": 2, "total": 25}
    assert len(body["data"]) == 10
    last = _get(app, page=3, limit=10).json()
    assert last["pagination"] == {"has_more": False, "limit": 10, "page": 3, "total": 25}
    assert len(last["data"]) == 5
    beyond = _get(app, page=9, limit=10).json()
    assert beyond["data"] == [] and beyond["pagination"]["has_more"] is False
    assert _get(app).json()["pagination"]["limit"] == 50  # Rotor's example value


def test_list_is_newest_first_and_uses_the_documented_read_shape() -> None:
    app = RotorSandbox(size=30)
    data = _get(app, limit=30).json()["data"]
    created = [r["created_at"] for r in data]
    assert created == sorted(created, reverse=True)
    first = data[0]
    assert set(first) <= {"id", "address", "company_name", "created_at", "email", "first_name",
                          "has_payment_method", "last_name", "location", "notes", "phone", "source",
                          "status", "tags"}
    assert set(first["address"]) == {"city", "country", "state", "street1", "zip", "street2"}
    assert first["created_at"].endswith("Z") and len(first["created_at"]) == 24


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 1001}, "limit"), ({"limit": 0}, "limit"), ({"page": 0}, "page"), ({"page": "x"}, "page"),
     ({"status": "archived"}, "status"), ({"archived": "maybe"}, "archived")],
)
def test_bad_list_parameters_get_rotors_validation_envelope(params: dict[str, Any], field: str) -> None:
    answer = _get(RotorSandbox(size=3), **params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "error" and body["message"] == "Validation failed"
    assert [e["field"] for e in body["errors"]] == [field]


def test_large_lists_spend_one_request_per_thousand() -> None:
    app = RotorSandbox(size=2500, archived=0)
    with _connect(app) as client:
        assert sum(1 for _ in client.list()) == 2500
    assert app.requests_served == 3 and app.quota_used == 3


def _visible(app: RotorSandbox) -> list[dict[str, Any]]:
    return [r for r in app.customers.values() if not r["archived"]]


def test_search_covers_names_company_email_and_phone() -> None:
    app = RotorSandbox(seed=2, size=120)
    target = next(r for r in _visible(app) if r["company_name"] and r["phone"].startswith("("))
    with _connect(app) as client:
        def ids(term: str) -> set[str]:
            return {c.id for c in client.list(search=term)}

        assert target["id"] in ids(target["last_name"].upper())
        assert target["id"] in ids(target["first_name"].lower())
        assert target["id"] in ids(target["company_name"].split()[0])
        assert target["id"] in ids(target["email"].swapcase())
        assert target["id"] in ids(target["phone"])
        digits = "".join(c for c in target["phone"] if c.isdigit())
        assert target["id"] in ids(digits[-7:])
        found = ids(target["email"])
        assert found == {r["id"] for r in _visible(app) if r["email"].casefold() == target["email"].casefold()}
        assert ids("no-such-person-anywhere") == set()


def test_status_and_tag_filters() -> None:
    app = RotorSandbox(seed=5, size=150)
    visible = _visible(app)
    with _connect(app) as client:
        inactive = list(client.list(status="inactive"))
        assert {c.id for c in inactive} == {r["id"] for r in visible if r["status"] == "inactive"}
        assert inactive and all(c.status is CustomerStatus.INACTIVE for c in inactive)
        both = list(client.list(status=["active", "inactive"]))
        assert len(both) == 150
        vip = {c.id for c in client.list(tags=["vip"])}
        assert vip == {r["id"] for r in visible if "vip" in (r["tags"] or [])}
        two = {c.id for c in client.list(tags=["vip", "residential"])}
        assert two == {r["id"] for r in visible if {"vip", "residential"} <= set(r["tags"] or [])}
        assert two < vip


def test_archived_customers_are_hidden_unless_asked_for() -> None:
    app = RotorSandbox(size=20, archived=5)
    archived_ids = {r["id"] for r in app.customers.values() if r["archived"]}
    with _connect(app) as client:
        default = {c.id for c in client.list()}
        assert len(default) == 20 and not default & archived_ids
        assert {c.id for c in client.list(archived=False)} == default
        everyone = list(client.pages(archived=True))
        assert everyone[0].total == 25
        assert {c.id for p in everyone for c in p.items} == default | archived_ids
        # Retrievable by id all the same.
        one = next(iter(archived_ids))
        assert client.get(one).id == one


# --------------------------------------------------------------------------- upsert rules


def test_upsert_without_a_match_creates_with_201_and_rotors_message() -> None:
    app = RotorSandbox(size=5, archived=0)
    answer = _post(app, {"first_name": "New", "email": "new.person@example.com", "tags": ["a"],
                         "property_city": "Austin", "billing_same_as_property": True})
    assert answer.status_code == 201
    body = answer.json()
    assert body["message"] == "Customer created successfully"
    assert body["property_city"] == "Austin" and body["billing_city"] is None
    assert "data" not in body and "address" not in body
    assert app.creates == 1 and app.customer_count() == 6


def test_upsert_with_an_id_updates_exactly_that_customer() -> None:
    app = RotorSandbox(size=5)
    target = _visible(app)[2]
    with _connect(app) as client:
        updated = client.upsert(CustomerInput(id=target["id"], first_name="Renamed",
                                              phone=_visible(app)[0]["phone"]))
        assert updated.id == target["id"] and updated.first_name == "Renamed"
        assert updated.extras["upsert_outcome"] == "updated"
        with pytest.raises(NotFoundError):
            client.upsert(CustomerInput(id="00000000-0000-4000-8000-000000000000", first_name="X"))
    assert app.creates == 0 and app.updates == 1


def test_upsert_matches_phone_before_email() -> None:
    app = RotorSandbox(size=10, archived=0)
    a, b = _visible(app)[0], _visible(app)[1]
    with _connect(app) as client:
        result = client.upsert(CustomerInput(phone=a["phone"], email=b["email"], notes="matched"))
    assert result.id == a["id"]
    assert app.customers[a["id"]]["notes"] == "matched"
    assert app.customers[a["id"]]["email"] == b["email"]  # the email moved onto A
    assert app.creates == 0


def test_upsert_matches_email_case_insensitively_when_no_phone_matches() -> None:
    app = RotorSandbox(size=10, archived=0)
    b = _visible(app)[1]
    with _connect(app) as client:
        result = client.upsert(CustomerInput(phone="+10000000000", email=b["email"].upper()))
    assert result.id == b["id"] and app.creates == 0


def test_a_phone_typed_differently_still_matches_so_a_shared_phone_updates_someone_else() -> None:
    app = RotorSandbox(seed=9, size=60, archived=0)
    target = next(r for r in _visible(app) if r["phone"].startswith("("))
    e164 = "+1" + "".join(c for c in target["phone"] if c.isdigit())
    with _connect(app) as client:
        result = client.upsert(CustomerInput(first_name="Somebody", last_name="Else", phone=e164))
    # The documented risk: a household or office sharing a phone overwrites the other person.
    assert result.id == target["id"]
    assert app.customers[target["id"]]["first_name"] == "Somebody"
    assert app.creates == 0


def test_tags_are_merged_never_replaced() -> None:
    app = RotorSandbox(size=5)
    target = _visible(app)[0]
    target["tags"] = ["vip", "newsletter"]
    with _connect(app) as client:
        result = client.update(target["id"], CustomerInput(tags=("newsletter", "priority")))
        assert result.tags == ("vip", "newsletter", "priority")
        assert client.get(target["id"]).tags == ("vip", "newsletter", "priority")


def test_writes_round_trip_through_get() -> None:
    app = RotorSandbox(size=3)
    with _connect(app) as client:
        created = client.create(CustomerInput(
            first_name="Ann", last_name="Lee", company_name="Lee Gardens", status=CustomerStatus.INACTIVE,
            address=Address(line1="1 Main St", city="Austin", region="TX", postal_code="78701", country="US"),
            billing_address=Address(line1="PO Box 9", city="Austin", country="US"),
            tags=("new",), notes="first visit",
            vendor_fields={"source": "import", "service_type": "lawn care"},
        ))
        assert created.extras["upsert_outcome"] == "created"
        assert created.billing_address == Address(line1="PO Box 9", city="Austin", country="US")
        assert created.extras["service_type"] == "lawn care"
        fetched = client.get(created.id)
        assert fetched.display_name == "Lee Gardens" and fetched.status is CustomerStatus.INACTIVE
        assert fetched.address == Address(line1="1 Main St", city="Austin", region="TX",
                                          postal_code="78701", country="US")
        assert fetched.billing_address is None and "billing_address" in fetched.not_loaded
        assert fetched.extras == {"source": "import", "has_payment_method": False}
        # Add the matchable fields afterwards, by id: no risk of matching anyone.
        done = client.update(created.id, CustomerInput(phone="+15125550100", email="ann@example.com"))
        assert done.id == created.id and done.phone == "+15125550100"
    assert app.creates == 1 and app.updates == 1


def test_create_twice_creates_twice_and_upsert_twice_creates_once() -> None:
    app = RotorSandbox(size=3, archived=0)
    with _connect(app) as client:
        one = client.create(CustomerInput(first_name="Twin"))
        two = client.create(CustomerInput(first_name="Twin"))
        assert one.id != two.id
        first = client.upsert(CustomerInput(first_name="Dup", email="dup@example.com"))
        again = client.upsert(CustomerInput(first_name="Dup", email="dup@example.com", tags=("x",)))
        assert first.id == again.id
        assert first.extras["upsert_outcome"] == "created" and again.extras["upsert_outcome"] == "updated"
    assert app.creates == 3 and app.customer_count() == 6


def test_create_with_a_shared_phone_never_touches_the_other_customer() -> None:
    app = RotorSandbox(size=3, archived=0)
    with _connect(app) as client:
        neighbour = client.upsert(CustomerInput(first_name="Neighbour", phone="+3247111111", email="n@example.com"))
        new = client.create(CustomerInput(first_name="New", phone="+3247111111", email="new@example.com"))
        assert new.id != neighbour.id
        assert (new.phone, new.email, new.first_name) == ("+3247111111", "new@example.com", "New")
        assert new.extras["upsert_outcome"] == "created"
        again = client.get(neighbour.id)
        assert (again.first_name, again.email) == ("Neighbour", "n@example.com")
    assert app.creates == 2


def test_create_whose_follow_up_fails_names_the_new_id() -> None:
    app = RotorSandbox(size=3, archived=0)
    with _connect(app, max_retries=0) as client:
        real_route = app.route
        calls = {"n": 0}

        def flaky(request: httpx.Request) -> httpx.Response:
            calls["n"] += 1
            if calls["n"] == 2:
                return app.error(500, "Internal server error")
            return real_route(request)

        app.route = flaky  # type: ignore[method-assign]
        with pytest.raises(ServerError) as info:
            client.create(CustomerInput(first_name="Half", email="half@example.com"))
    written = info.value.details["written_id"]
    assert written in str(info.value)
    assert app.customer_count() == 4


def test_new_customers_come_first_in_the_list() -> None:
    app = RotorSandbox(size=5)
    with _connect(app) as client:
        created = client.create(CustomerInput(first_name="Newest"))
        assert next(iter(client.list())).id == created.id


def test_invalid_bodies_get_field_errors() -> None:
    app = RotorSandbox(size=2)
    answer = _post(app, {"email": "not-an-email", "status": "gone", "tags": "vip", "id": "nope",
                         "billing_same_as_property": "yes", "first_name": 3})
    assert answer.status_code == 400
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"email", "status", "tags", "id", "billing_same_as_property", "first_name"}
    assert _post(app, [1, 2]).status_code == 400
    with _http(app) as http:
        assert http.post("/customers", content=b"{oops").status_code == 400
    assert app.creates == 0


# --------------------------------------------------------------------------- errors, quota, scopes


def test_bad_key_gets_rotors_401_envelope() -> None:
    app = RotorSandbox(size=2)
    with httpx.Client(transport=app.transport(), base_url=BASE) as http:
        answer = http.get("/customers")
    assert answer.status_code == 401
    assert answer.json() == {"status": "error", "message": "Authentication required. Provide x-api-key header.",
                             "error_code": "AUTHENTICATION_REQUIRED"}
    with _connect(app, api_key="rotor_wrong_key") as client, pytest.raises(AuthenticationError) as info:
        client.get("x")
    assert "ROTOR_API_KEY" in str(info.value) and "rotor_wrong_key" not in str(info.value)


def test_missing_scopes_get_insufficient_scope() -> None:
    app = RotorSandbox(size=2, scopes=("customers:read",))
    with _connect(app) as client:
        assert len(list(client.list())) == 2
        with pytest.raises(PermissionDeniedError) as info:
            client.upsert(CustomerInput(first_name="A"))
        assert info.value.details["scope"] == "customers:write"
    app = RotorSandbox(size=2, scopes=())
    with _connect(app) as client, pytest.raises(PermissionDeniedError) as info:
        list(client.list())
    assert info.value.vendor_code == "INSUFFICIENT_SCOPE"


def test_unknown_routes_and_methods_are_rotors_404() -> None:
    app = RotorSandbox(size=2)
    with _http(app) as http:
        for answer in (http.get("/leads"), http.delete("/customers/x"), http.get("/customers/a/b")):
            assert answer.status_code == 404
            assert answer.json() == {"status": "error", "message": "Not found"}


def test_version_header_absent_is_accepted_and_wrong_is_refused() -> None:
    app = RotorSandbox(size=2)
    with httpx.Client(transport=app.transport(), base_url=BASE, headers={"x-api-key": app.api_key}) as http:
        assert http.get("/customers").status_code == 200  # like Rotor's own curl examples
        wrong = http.get("/customers", headers={"rotor-api-version": "2.0.0"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "rotor-api-version"


def test_the_daily_quota_answers_429_with_rotors_message_until_the_next_day() -> None:
    app = RotorSandbox(size=5, daily_quota=3)
    rec = Recorder(app)
    with rec.client() as client:
        customers = list(client.list())
        client.get(customers[0].id)
        client.get(customers[1].id)
        with pytest.raises(RateLimitError) as info:
            client.get(customers[2].id)
        err = info.value
        assert err.retryable is False and err.vendor_code == "RATE_LIMIT_EXCEEDED"
        assert "Daily API key request limit of 3 exceeded" in err.message and "per day" in err.message
        assert len(rec.requests) == 4  # not retried
        body = json.loads(app.rate_limited(rec.requests[-1], None).content)
        assert body == {"status": "error", "message": "Daily API key request limit of 3 exceeded",
                        "error_code": "RATE_LIMIT_EXCEEDED"}
        app.new_day()
        assert client.get(customers[2].id).id == customers[2].id


def test_payment_flag_variants() -> None:
    http_app = RotorSandbox(size=10, payment_flag="is_auto_pay")
    data = _get(http_app).json()["data"]
    assert all("is_auto_pay" in r and "has_payment_method" not in r for r in data)
    with _connect(http_app) as client:
        customers = list(client.list())
    assert all(isinstance(c.extras["is_auto_pay"], bool) and "has_payment_method" not in c.extras
               for c in customers)
    ts_data = _get(RotorSandbox(size=10)).json()["data"]
    assert all("has_payment_method" in r and "is_auto_pay" not in r for r in ts_data)
    with pytest.raises(ValueError):
        RotorSandbox(payment_flag="autopay")


def test_async_client_writes_like_the_sync_one() -> None:
    app = RotorSandbox(size=4)

    async def run() -> tuple[str, str]:
        async with sandbox.connect_async("rotor", app=app, **FAST) as client:
            created = await client.create(CustomerInput(first_name="Async"))
            updated = await client.update(created.id, CustomerInput(email="async@example.com"))
            return created.id, updated.email or ""

    cid, email = asyncio.run(run())
    assert app.customers[cid]["email"] == email == "async@example.com"
    assert app.creates == 1


def test_loopback_http_writes() -> None:
    import custbridge

    app = RotorSandbox(size=3)
    with app.serve() as server:
        settings = server.settings()
        assert settings["base_url"].endswith("/open-api")
        with custbridge.connect("rotor", **{**FAST, **settings}) as client:
            created = client.create(CustomerInput(first_name="Loop"))
            assert client.get(created.id).first_name == "Loop"
    assert app.creates == 1
