"""HTTP behaviour against the sandbox: includes, generations, filters, writes, idempotency, limits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import (
    Address,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    CustomerInput,
    CustomerStatus,
    Money,
    NotFoundError,
    PermissionDeniedError,
)
from custbridge.sandbox import FaultPlan, create_app
from custbridge_augno import ApiVersionError, IncludeRefusedError
from custbridge_augno.sandbox import AugnoSandbox

FAST: dict[str, Any] = {"backoff": 0.001, "backoff_max": 0.01}
NEW = CustomerInput(
    company_name="Initech Supply LLC", email="ap@initech.example", phone="512-555-0142",
    website="https://initech.example", notes="Met at the 2026 trade show.",
    credit_limit=Money(amount=Decimal("25000.00"), currency="USD"),
    address=Address(name="Head Office", line1="4120 Freidrich Lane", line2="Suite 300", city="Austin", region="TX",
                    postal_code="78744", country="US"),
)


def app(size: int = 40, **options: Any) -> AugnoSandbox:
    made = create_app("augno", size=size, seed=3, **options)
    assert isinstance(made, AugnoSandbox)
    return made


def connect(sandbox: AugnoSandbox, **settings: Any) -> custbridge.Client:
    return custbridge.sandbox.connect("augno", app=sandbox, **{**FAST, **settings})


def raw_client(sandbox: AugnoSandbox) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url)


def auth(version: str | None = "1.0.forge-preview.3", key: str = AugnoSandbox.API_KEY) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if version:
        headers["Augno-Version"] = version
    return headers


# -- includes ------------------------------------------------------------------------------


def test_sub_objects_are_null_unless_included() -> None:
    sandbox = app(includes="sdk")  # a server that takes the Go SDK's include values
    with connect(sandbox, include=["contact_info"]) as client:
        c = next(iter(client.list(page_size=5)))
        assert c.email is not None
        assert c.raw["bill_to_address"] is None and c.raw["credit_limit"] is None and c.raw["type"] is None
        assert c.billing_address is None
        assert c.not_loaded == {"billing_address", "address", "shipping_address", "credit_limit"}
    with connect(sandbox) as client:  # the sandbox's client_settings ask for include="all"
        full = client.get(c.id)
        assert full.not_loaded == frozenset() and full.billing_address is not None
        assert full.email == c.email


def test_nested_include_expands_its_parent_only() -> None:
    with connect(app(includes="sdk"), include=["defaults.payment_term"]) as client:
        c = next(iter(client.list(page_size=1)))
        defaults = c.raw["defaults"]
        assert defaults["payment_term"]["object"] == "payment_term"
        assert defaults["shipping_term"] is None and defaults["priority"] is None
        assert c.raw["freight_preferences"] is None
        assert c.extras["default_payment_term_name"] in ("Net 30", "Net 60", "Due on Receipt")


def test_expanded_accounts_have_null_sub_objects() -> None:
    with connect(app(includes="sdk"), include="all") as client:
        parent = next(c for c in client.list(page_size=50) if c.extras["relationship_type"] == "parent")
        children = parent.raw["child_accounts"]["data"]
        assert len(children) == 2 and parent.extras["child_account_ids"] == tuple(ch["id"] for ch in children)
        assert all(ch["contact_info"] is None and ch["child_accounts"] is None for ch in children)
        child = client.get(children[0]["id"])
        assert child.extras["relationship_type"] == "child" and child.extras["parent_account_id"] == parent.id


def test_both_include_syntaxes_give_the_same_customers() -> None:
    sandbox = app()
    with connect(sandbox) as brackets, connect(sandbox, include_style="comma") as comma:
        assert list(brackets.list(page_size=15)) == list(comma.list(page_size=15))


def test_unknown_include_is_refused_with_its_param() -> None:
    # credit_limit.unit exists in the current API but not in the April preview.
    with connect(app(), api_version="1.0.forge-preview.1", include=["credit_limit.unit"]) as client, \
            pytest.raises(BadRequestError) as info:
        client.get("ac_x")
    assert info.value.vendor_code == "parameter_invalid" and info.value.details["param"] == "include"


def test_the_default_sandbox_is_strict_about_includes_as_the_retrieve_page_documents() -> None:
    sandbox = app()
    with connect(sandbox, include=["bill_to_address", "contact_info"]) as client, \
            pytest.raises(IncludeRefusedError) as info:
        client.get(next(iter(sandbox.customers)))
    err = info.value
    assert isinstance(err, BadRequestError) and isinstance(err, ConfigurationError)
    assert err.details["include"] == ["contact_info"] and err.details["param"] == "include"
    assert "'contact_info'" in err.message and "AUGNO_INCLUDE" in (err.hint or "")
    assert "bill_to_address, ship_to_address, type" in (err.hint or "")
    with raw_client(sandbox) as http:  # the vendor's envelope, as a strict server sends it
        r = http.get("/v1/sales/customers", params={"include[]": "price_groups"}, headers=auth())
        assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_invalid"
        r = http.get("/v1/sales/customers", params={"include[]": "type"}, headers=auth())
        assert r.status_code == 200
    with connect(app(includes="sdk"), include=["bill_to_address", "contact_info"]) as client:
        assert client.get(next(iter(sandbox.customers))).email is not None


def test_without_geolocation_the_address_endpoint_completes_the_street_data() -> None:
    sandbox = app(size=30)
    with connect(sandbox) as client:
        customers = list(client.list(page_size=7))
        assert sandbox.requests_served - sandbox.address_requests == 5
        assert sandbox.address_requests == 1  # one scan page of 1000 holds every address
        assert all(c.raw["bill_to_address"]["geolocation"] is None for c in customers)  # as the page says
        for c in customers:
            row = sandbox.addresses[c.extras["bill_to_address_id"]]
            assert c.billing_address is not None and c.billing_address == c.address
            assert (c.billing_address.name, c.billing_address.city, c.billing_address.country) == (
                row["name"], row["locality"], row["country"])
            assert not {"billing_address", "address", "shipping_address"} & c.not_loaded
        served = sandbox.address_requests
        one = client.get(customers[3].id)
        assert one == customers[3] and sandbox.address_requests == served + (
            1 if customers[3].extras["bill_to_address_id"] == customers[3].extras["ship_to_address_id"] else 2)
    served = sandbox.address_requests
    with connect(sandbox, api_version="1.0.forge-preview.1") as april:  # its examples fill geolocation
        assert [c.billing_address for c in april.list(page_size=7)] == [c.billing_address for c in customers]
    assert sandbox.address_requests == served  # nothing to complete


def test_address_completion_can_be_switched_off() -> None:
    sandbox = app(size=10)
    with connect(sandbox, complete_addresses="off") as client:
        c = next(iter(client.list(page_size=1)))
        assert c.billing_address is None and c.shipping_address is None
        assert {"billing_address", "address", "shipping_address"} <= c.not_loaded  # unknown, not "none"
        assert c.extras["bill_to_address_id"].startswith("ad_")  # where the street data is
    assert sandbox.address_requests == 0
    with connect(app(size=10, geolocation=True), complete_addresses="off") as client:
        assert next(iter(client.list(page_size=1))).billing_address is not None  # nothing to complete


# -- generations and cursors -------------------------------------------------------------------


def test_both_generations_map_to_the_same_customers() -> None:
    sandbox = app(size=30, includes="sdk")
    with connect(sandbox) as current, connect(sandbox, api_version="1.0.forge-preview.1") as april:
        new = list(current.pages(page_size=7))
        old = list(april.pages(page_size=7))
    assert [c for p in new for c in p.items] == [c for p in old for c in p.items]
    assert len(new) == 5
    new_raw, old_raw = new[0].items[0].raw, old[0].items[0].raw
    assert "edi_status" in new_raw and "is_edi_enabled" not in new_raw
    assert "is_edi_enabled" in old_raw and "relationship_type" not in old_raw


def test_page_info_shapes() -> None:
    sandbox = app(size=12)
    with raw_client(sandbox) as http:
        current = http.get("/v1/sales/customers", params={"limit": 5, "q": "e"}, headers=auth()).json()
        april = http.get("/v1/sales/customers", params={"limit": 5}, headers=auth("1.0.forge-preview.1")).json()
        forced = app(size=12, generation="preview.1")
        with raw_client(forced) as http2:
            assert "next_cursor" in http2.get("/v1/sales/customers", headers=auth()).json()["page_info"]
    info = current["page_info"]
    assert set(info) == {"next_page_url", "previous_page_url", "has_next_page", "has_prev_page"}
    assert info["next_page_url"].startswith("/v1/sales/customers?limit=5&q=e&cursor=ac_")
    assert info["previous_page_url"] is None and info["has_prev_page"] is False
    assert set(april["page_info"]) == {"next_cursor", "prev_cursor", "has_next_page", "has_prev_page"}
    assert april["page_info"]["next_cursor"] == april["data"][-1]["id"]
    with raw_client(sandbox) as http:
        second = http.get(info["next_page_url"], headers=auth()).json()["page_info"]
        assert second["has_prev_page"] is True
        back = http.get(second["previous_page_url"], headers=auth()).json()
    assert [c["id"] for c in back["data"]] == [c["id"] for c in current["data"]]


# -- filters -------------------------------------------------------------------------------------


def test_search_and_status_filters() -> None:
    sandbox = app(size=80, includes="sdk")
    with connect(sandbox) as client:
        everyone = list(client.list())
        held = list(client.list(status="on_hold"))
        assert held and all(c.status is CustomerStatus.ON_HOLD for c in held)
        assert {c.id for c in held} == {c.id for c in everyone if c.status is CustomerStatus.ON_HOLD}
        preferred = list(client.list(status_codes=["preferred"]))
        assert preferred and all(c.vendor_status == "preferred" for c in preferred)
        target = everyone[17]
        word = target.display_name.split()[0].lower()
        found = list(client.list(search=word))
        assert target.id in {c.id for c in found}
        assert all(word in (c.display_name + (c.email or "")).lower() or word in (c.number or "") for c in found)


def test_created_range_is_half_open() -> None:
    sandbox = app(size=60)
    with connect(sandbox) as client:
        everyone = sorted(client.list(), key=lambda c: c.created_at)  # type: ignore[arg-type, return-value]
        lo, hi = everyone[10].created_at, everyone[20].created_at
        assert lo is not None and hi is not None
        got = list(client.list(created_after=lo, created_before=hi))
    expected = [c.id for c in everyone if lo <= c.created_at < hi]  # type: ignore[operator]
    assert [c.id for c in got] == expected and len(expected) >= 9
    assert everyone[10].id in expected and everyone[20].id not in expected


def test_vendor_filters() -> None:
    sandbox = app(size=80)
    with connect(sandbox) as client:
        everyone = list(client.list())
        city = everyone[5].billing_address.city  # type: ignore[union-attr]
        in_city = list(client.list(city=city))
        assert in_city and all(city in (c.billing_address.city, c.shipping_address.city)  # type: ignore[union-attr]
                               for c in in_city)
        group = everyone[0].extras["customer_type_group_id"]
        grouped = list(client.list(customer_group_ids=[group]))
        assert {c.id for c in grouped} == {c.id for c in everyone if c.extras["customer_type_group_id"] == group}
        parents = list(client.list(parent_account_status="parent"))
        assert parents and all(c.extras["relationship_type"] == "parent" for c in parents)
        assert len(list(client.list(parent_account_status="non_parent"))) == len(everyone) - len(parents)
    with connect(sandbox, api_version="1.0.forge-preview.1") as april:
        assert [c.id for c in april.list(parent_account_status="parent")] == [c.id for c in parents]


def test_unknown_parameters_and_bad_limits_are_refused() -> None:
    with raw_client(app()) as http:
        r = http.get("/v1/sales/customers", params={"starts_at": "2026-01-01T00:00:00Z"},
                     headers=auth("1.0.forge-preview.1"))
        assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"
        assert r.json()["error"]["param"] == "starts_at"
        r = http.get("/v1/sales/customers", params={"limit": 1001}, headers=auth())
        assert r.json()["error"]["code"] == "parameter_invalid" and r.json()["error"]["param"] == "limit"


# -- writes ----------------------------------------------------------------------------------------


def test_create_round_trips() -> None:
    sandbox = app(includes="sdk")
    with connect(sandbox) as client:
        created = client.create(NEW)
        assert created.id.startswith("ac_") and created.number == "100041"  # the next in sequence
        assert created.company_name == "Initech Supply LLC" and created.status is CustomerStatus.ACTIVE
        assert (created.email, created.phone, created.website) == (
            "ap@initech.example", "512-555-0142", "https://initech.example")
        assert created.credit_limit == Money(amount=Decimal("25000.00"), currency="USD", display="$25,000.00")
        assert created.billing_address == created.shipping_address == NEW.address
        assert created.extras["customer_type_group_id"] == sandbox.reference_ids()["customer_type_group_id"]
        assert client.get(created.id) == created
        assert created.id == list(client.list())[-1].id  # newest last
    assert len(sandbox.customers) == 41


def test_create_in_the_april_generation() -> None:
    sandbox = app(generation="preview.1")
    with connect(sandbox) as client:  # client_settings pins api_version to 1.0.forge-preview.1
        created = client.create(NEW)
        assert "is_edi_enabled" in created.raw and created.billing_address == NEW.address


def test_create_rules() -> None:
    sandbox = app()
    with connect(sandbox) as client:
        with pytest.raises(ConflictError) as info:
            client.create(CustomerInput(company_name="Dup", address=NEW.address, number="100001"))
        assert info.value.vendor_code == "resource_exists" and info.value.details["param"] == "number"
        with pytest.raises(BadRequestError) as bad:
            client.create(CustomerInput(company_name="X", address=NEW.address,
                                        vendor_fields={"default_carrier_id": "cr_nope"}))
        assert bad.value.details["param"] == "default_carrier_id"
    with raw_client(sandbox) as http:
        r = http.post("/v1/sales/customers", json={"name": "No refs"}, headers=auth())
        assert r.status_code == 400 and r.json()["error"]["code"] == "missing_field"


def test_update_sets_and_clears() -> None:
    sandbox = app(includes="sdk")
    with connect(sandbox) as client:
        c = next(c for c in client.list() if c.email and c.credit_limit)
        updated = client.update(c.id, CustomerInput(email=None, notes="Key account", company_name="Renamed Ltd",
                                                    credit_limit=None, status=CustomerStatus.ON_HOLD))
        assert updated.email is None and "email" not in updated.not_loaded
        assert updated.notes == "Key account" and updated.display_name == "Renamed Ltd"
        assert updated.credit_limit is None and updated.vendor_status == "hold_shipment"
        assert updated.phone == c.phone and updated.number == c.number  # untouched
        assert updated.updated_at is not None and c.updated_at is not None and updated.updated_at > c.updated_at
        again = client.update(c.id, CustomerInput(credit_limit=Money(amount=Decimal("10.5")),
                                                  vendor_fields={"credit_limit_unit_id": sandbox.units["EUR"]["id"]}))
        assert again.credit_limit == Money(amount=Decimal("10.5"), currency="EUR", display="€10.50")
        with pytest.raises(ConflictError):
            client.update(c.id, CustomerInput(number=next(x.number for x in client.list() if x.id != c.id)))
        with pytest.raises(NotFoundError):
            client.update("ac_missing", CustomerInput(notes="x"))
    with raw_client(sandbox) as http:
        r = http.patch(f"/v1/sales/customers/{c.id}", json={"name": None}, headers=auth())
        assert r.json()["error"]["code"] == "parameter_invalid"


def test_delete_is_hard_and_conflicts_with_sales_orders() -> None:
    sandbox = app()
    blocked = next(iter(sandbox.sales_orders))
    free = next(cid for cid in sandbox.customers if cid not in sandbox.sales_orders)
    with connect(sandbox) as client:
        client.delete(free)
        with pytest.raises(NotFoundError):
            client.get(free)
        with pytest.raises(NotFoundError):
            client.delete(free)
        served = sandbox.requests_served
        with pytest.raises(ConflictError) as info:
            client.delete(blocked)
        err = info.value
        assert err.vendor_code == "resource_conflict" and "sales order" in err.message
        assert blocked in err.message and not err.retryable
        assert sandbox.requests_served == served + 1  # a conflict is not retried
        assert client.get(blocked).id == blocked
        assert len(list(client.list())) == 39


# -- idempotency ------------------------------------------------------------------------------------


def test_a_lost_response_is_retried_and_replayed_not_duplicated() -> None:
    sandbox = app()
    # "truncated" runs the create, then garbles the body: the client must retry the POST.
    sandbox.faults = FaultPlan(rate=1.0, kinds=("truncated",), max_consecutive=1)
    with connect(sandbox) as client:
        created = client.create(NEW)
    assert sandbox.idempotent_replays == 1
    assert len(sandbox.customers) == 41
    assert sandbox.customers[created.id]["name"] == NEW.company_name


def test_the_callers_key_replays_and_guards_the_body() -> None:
    sandbox = app()
    keyed = CustomerInput(company_name="Keyed Co", address=NEW.address, vendor_fields={"idempotency_key": "job-7"})
    with connect(sandbox) as client:
        first = client.create(keyed)
        second = client.create(keyed)
        assert first == second and sandbox.idempotent_replays == 1 and len(sandbox.customers) == 41
        other = CustomerInput(company_name="Other Co", address=NEW.address, vendor_fields={"idempotency_key": "job-7"})
        with pytest.raises(BadRequestError) as info:
            client.create(other)
        assert info.value.details["type"] == "idempotency_error"


def test_replay_header() -> None:
    with raw_client(app()) as http:
        body = {"name": None}
        headers = {**auth(), "Idempotency-Key": "k1"}
        first = http.patch("/v1/sales/customers/ac_missing", json=body, headers=headers)
        second = http.patch("/v1/sales/customers/ac_missing", json=body, headers=headers)
    assert first.status_code == second.status_code == 404  # a deterministic failure is replayed
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers


# -- auth, versions, limits ---------------------------------------------------------------------------


def test_version_header_is_required_and_checked() -> None:
    sandbox = app()
    with raw_client(sandbox) as http:
        missing = http.get("/v1/sales/customers", headers=auth(version=None)).json()["error"]
        assert missing["code"] == "api_version_required" and missing["param"] == "Augno-Version"
    with connect(sandbox, api_version="1.0.forge-preview.9") as client, pytest.raises(ApiVersionError) as info:
        client.get("ac_x")
    assert info.value.vendor_code == "api_version_invalid" and "api_version" in str(info.value)
    with connect(sandbox, api_version="0.9.alpha") as client, pytest.raises(custbridge.ConfigurationError) as old:
        client.get("ac_x")
    assert getattr(old.value, "vendor_code", None) == "api_version_too_old"


@pytest.mark.parametrize(("key", "code"), [(AugnoSandbox.EXPIRED_KEY, "api_key_expired"),
                                           (AugnoSandbox.REVOKED_KEY, "api_key_revoked"),
                                           ("aug_sk_test_wrong", "invalid_credentials")])
def test_bad_keys(key: str, code: str) -> None:
    with connect(app(), api_key=key) as client, pytest.raises(AuthenticationError) as info:
        client.get("ac_x")
    assert info.value.vendor_code == code and "AUGNO_API_KEY" in str(info.value) and key not in str(info.value)


def test_a_read_only_key_cannot_delete() -> None:
    sandbox = app()
    with connect(sandbox, api_key=AugnoSandbox.READ_ONLY_KEY) as client:
        assert client.get(next(iter(sandbox.customers))).id
        with pytest.raises(PermissionDeniedError) as info:
            client.delete(next(iter(sandbox.customers)))
    assert "customers:delete" in str(info.value)


def test_account_header_reaches_the_vendor() -> None:
    sandbox = app()
    with connect(sandbox, account_id="ac_01gf7a8200eaj8fke1xvw4h50x") as client:
        client.get(next(iter(sandbox.customers)))
    assert sandbox.accounts_seen == {"ac_01gf7a8200eaj8fke1xvw4h50x"}


def test_ratelimit_headers_and_enforcement() -> None:
    sandbox = app()
    with raw_client(sandbox) as http:
        statuses = []
        for _ in range(25):
            r = http.get("/v1/sales/customers", params={"limit": 1}, headers=auth())
            statuses.append(r.status_code)
            assert r.headers["RateLimit-Limit"] == "20"
        assert statuses[:20] == [200] * 20 and set(statuses[20:]) == {429}
        assert int(r.headers["Retry-After"]) >= 1 and r.headers["RateLimit-Remaining"] == "0"
        assert r.json()["error"]["code"] == "rate_limit_exceeded" and r.json()["error"]["is_transient"] is True


def test_listing_fast_causes_no_429() -> None:
    sandbox = app(size=300)
    with connect(sandbox) as client:
        customers = list(client.list(page_size=10))  # 30 + 1 (addresses) requests: the client paces itself
    assert len(customers) == 300
    assert sandbox.rate_limit_rejections == 0 and sandbox.requests_served == 31 and sandbox.address_requests == 1


def test_openmrp_sandbox_speaks_the_new_names() -> None:
    sandbox = create_app("openmrp", size=10)
    assert isinstance(sandbox, AugnoSandbox) and sandbox.base_url == "https://api.openmrp.ai"
    with custbridge.sandbox.connect("openmrp", app=sandbox) as client:
        c = next(iter(client.list()))
        assert c.provider == "openmrp" and c.key.startswith("openmrp:ac_")
    with raw_client(sandbox) as http:
        r = http.get("/v1/sales/customers", headers=auth())  # Augno-Version is not OpenMRP-Version
        assert r.json()["error"]["code"] == "api_version_required"
        assert r.json()["error"]["doc_url"] is None


def test_async_client_writes_and_lists() -> None:
    sandbox = app()

    async def run() -> tuple[str, int]:
        async with custbridge.sandbox.connect_async("augno", app=sandbox, **FAST) as client:
            created = await client.create(NEW)
            await client.update(created.id, CustomerInput(notes="async"))
            count = len([c async for c in client.list(page_size=15)])
            return created.id, count

    cid, count = asyncio.run(run())
    assert count == 41 and sandbox.customers[cid]["note"] == "async"


def test_seeded_population_is_deterministic_and_varied() -> None:
    one, two = app(size=50), app(size=50)
    assert list(one.customers) == list(two.customers)
    rows = list(one.customers.values())
    assert any(r["phone"] and r["phone"][3] == "-" for r in rows)  # national format for +1 numbers
    assert any(r["email"] and r["email"][0].isupper() for r in rows)  # some e-mails capitalised
    assert {r["status"] for r in rows} >= {"normal", "preferred", "hold_shipment"}
    assert one.sales_orders and all(cid in one.customers for cid in one.sales_orders)
    created = sorted(r["created_at"] for r in rows)
    assert [r["created_at"] for r in rows] == created and list(one.customers) == sorted(one.customers)
    assert created[0] + timedelta(days=30) < created[-1]


def test_create_requirements_make_a_bare_create_valid() -> None:
    sandbox = app()
    with connect(sandbox) as client:
        before = sandbox.customer_count()
        created = client.create(CustomerInput(company_name="Bare Co", email="bare@example.com",
                                              vendor_fields=sandbox.create_requirements()))
        assert created.billing_address == created.shipping_address == Address(
            name="Head Office", city="Columbus", region="OH", country="US")
    assert sandbox.customer_count() == before + 1
