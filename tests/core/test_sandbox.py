"""The simulator framework: population, faults, transports, loopback HTTP."""

from __future__ import annotations

import asyncio

import httpx
import phonenumbers
import pytest

import custbridge
from custbridge import sandbox
from custbridge.sandbox import FaultPlan, people, person


def test_population_is_deterministic_and_shared_across_vendors() -> None:
    a = list(people(3, 50, namespace="one"))
    b = list(people(3, 50, namespace="two"))
    assert a == list(people(3, 50, namespace="one"))
    shared = {p.uid for p in a} & {p.uid for p in b}
    assert len(shared) == 15  # the first 30 %
    assert person(3, 0) == a[0]


def test_population_is_realistic() -> None:
    crowd = list(people(1, 400, namespace="x"))
    countries = {p.address.country for p in crowd}
    assert {"US", "BE", "JP", "FR", "DE"} <= countries
    languages = {lang for p in crowd for lang in p.address.translations}
    assert {"nl", "fr", "en", "de", "ja"} <= languages
    for p in crowd:
        number = phonenumbers.parse(p.phone)
        assert phonenumbers.is_valid_number(number), p.phone
        assert p.created_at.tzinfo is not None and p.updated_at >= p.created_at
        assert "@" in p.email


def test_fault_plan_parse() -> None:
    plan = FaultPlan.parse("0.2:429,timeout")
    assert plan.rate == 0.2 and plan.kinds == ("429", "timeout")
    with pytest.raises(ValueError, match="unknown fault"):
        FaultPlan.parse("0.1:fire")


def test_faults_through_the_acme_sandbox_never_leak_foreign_errors() -> None:
    app = sandbox.create_app("acme", size=300, faults=FaultPlan(rate=0.3, seed=5))
    with sandbox.connect("acme", app=app, backoff=0, max_retries=6) as client:
        keys = [c.key for c in client.list(page_size=20)]
    assert len(keys) == len(set(keys)) == 300
    assert app.faults_injected > 0


def test_loopback_server_serves_real_http() -> None:
    app = sandbox.create_app("acme", size=12)
    with app.serve() as server:
        assert server.url.startswith("http://127.0.0.1:")
        response = httpx.get(server.url + "/v2/customers", headers={"Authorization": "Token acme_test_key_0000"})
        assert response.status_code == 200 and response.json()["total"] == 12
        with custbridge.connect("acme", **server.settings()) as client:
            assert len(list(client.list(page_size=5))) == 12


@pytest.mark.parametrize("kind", ["reset", "timeout", "truncated"])
def test_loopback_wire_faults_become_custbridge_errors(kind: str) -> None:
    app = sandbox.create_app("acme", size=5, faults=FaultPlan(rate=1.0, kinds=(kind,), max_consecutive=10**6))
    with app.serve() as server:
        client = custbridge.connect("acme", max_retries=0, timeout=2, **server.settings())
        with client, pytest.raises(custbridge.TransportError):
            client.get("ac_000001")


def test_async_transport_counts_concurrency() -> None:
    app = sandbox.create_app("acme", size=10, latency=0.01)
    app.concurrency_limit = 2

    async def run() -> int:
        client = sandbox.connect_async("acme", app=app, max_retries=0)
        async with client:
            results = await asyncio.gather(*(client.get(f"ac_{i:06d}") for i in range(1, 4)), return_exceptions=True)
        return sum(isinstance(r, custbridge.ProviderError) for r in results)

    assert asyncio.run(run()) == 1  # no cap declared by acme: the third concurrent request is refused
    assert app.max_in_flight == 3 and app.concurrency_rejections == 1
