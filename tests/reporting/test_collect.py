"""Concurrent collection from several providers through their sandboxes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import AuthenticationError, Customer, Provider
from custbridge.reporting import ProviderRun, build_report, collect, collect_async

from ._fakes import FAKES, SIZE_DEFAULT


def test_collects_every_customer_of_every_provider() -> None:
    result = collect(["alpha", "beta"], sandbox=True, sandbox_size=SIZE_DEFAULT)
    assert result.ok and result.failures == {}
    alpha, beta = result.runs["alpha"], result.runs["beta"]
    # alpha: 60 people + 1 deliberate duplicate, minus 1 record that fails to map
    assert (alpha.customers, beta.customers) == (SIZE_DEFAULT, SIZE_DEFAULT)
    assert len(result.customers) == 2 * SIZE_DEFAULT
    assert len({c.key for c in result.customers}) == 2 * SIZE_DEFAULT
    assert alpha.display == "Alpha CRM" and alpha.sandbox
    assert alpha.pages == 3 and alpha.total == SIZE_DEFAULT + 1
    assert alpha.requests == 3 and alpha.rate_limited == 0
    assert alpha.capabilities is not None and alpha.done and alpha.ok


def test_raw_payloads_are_dropped_unless_asked_for() -> None:
    lean = collect(["beta"], sandbox=True, sandbox_size=5)
    assert all(c.raw == {} for c in lean.customers)
    full = collect(["beta"], sandbox=True, sandbox_size=5, keep_raw=True)
    assert all(c.raw and c.raw["id"] == c.id for c in full.customers)


def test_records_that_fail_to_map_are_collected_with_their_json_path() -> None:
    result = collect(["alpha"], sandbox=True, sandbox_size=20)
    (error,) = result.errors
    assert error.provider == "alpha" and error.record_id == "al00007"
    assert error.paths and error.paths[0][0] == "$.created"
    assert result.ok  # a bad record does not fail the provider


def test_one_provider_failing_does_not_stop_the_others(locked: str) -> None:
    result = collect([locked, "beta"], sandbox=True, sandbox_size=30)
    assert not result.ok
    failure = result.failures[locked]
    assert isinstance(failure, AuthenticationError)
    assert failure.status_code == 401 and "LOCKED_TOKEN" in str(failure)
    assert result.runs["beta"].ok and result.runs["beta"].customers == 30
    assert result.runs[locked].done and result.runs[locked].customers == 0


def test_bad_settings_are_a_failure_of_that_provider_only() -> None:
    result = collect(["alpha", "beta"], sandbox=True, sandbox_size=10, settings={"alpha": {"token": "wrong"}})
    assert isinstance(result.failures["alpha"], AuthenticationError)
    assert "wrong" not in str(result.failures["alpha"])  # secrets never show
    assert result.runs["beta"].ok


def test_unknown_provider_is_reported_as_a_failure() -> None:
    result = collect(["nope", "beta"], sandbox=True, sandbox_size=3)
    assert "unknown provider" in str(result.failures["nope"])
    assert result.runs["beta"].ok


class _Gate:
    """Holds every first request until all providers have sent one (deadlocks if sequential)."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.arrived: set[str] = set()
        self.event: asyncio.Event | None = None

    async def wait(self, name: str) -> None:
        if self.event is None:
            self.event = asyncio.Event()
        self.arrived.add(name)
        if len(self.arrived) >= self.parties:
            self.event.set()
        await asyncio.wait_for(self.event.wait(), timeout=10)


def _gated(base: type[Provider], gate: _Gate) -> type[Provider]:
    class Gated(base):  # type: ignore[valid-type,misc]
        @classmethod
        def sandbox(cls, *, seed: int = 0, size: int = 100, **options: Any) -> Any:
            app = base.sandbox(seed=seed, size=size, **options)
            inner = app.async_transport()

            async def handler(request: httpx.Request) -> httpx.Response:
                await gate.wait(cls.name)
                return await inner.handle_async_request(request)

            app.async_transport = lambda: httpx.MockTransport(handler)  # type: ignore[method-assign]
            return app

    return Gated


def test_providers_are_fetched_concurrently() -> None:
    gate = _Gate(2)
    custbridge.register_provider("alpha_gated", _gated(FAKES["alpha"], gate))
    custbridge.register_provider("beta_gated", _gated(FAKES["beta"], gate))
    try:
        result = collect(["alpha_gated", "beta_gated"], sandbox=True, sandbox_size=30)
    finally:
        custbridge.unregister_provider("alpha_gated")
        custbridge.unregister_provider("beta_gated")
    assert result.ok, result.failures
    assert gate.arrived == {"alpha_gated", "beta_gated"}


def test_progress_is_reported_per_page_and_at_the_end() -> None:
    events: list[tuple[str, int, int, bool]] = []

    def progress(run: ProviderRun) -> None:
        events.append((run.provider, run.customers, run.pages, run.done))

    collect(["alpha", "beta"], sandbox=True, sandbox_size=120, progress=progress)
    # alpha: 120 people + 3 deliberate duplicates - 1 record that fails to map
    for name, total, pages in (("alpha", 122, 5), ("beta", 120, 5)):
        mine = [e for e in events if e[0] == name]
        counts = [e[1] for e in mine]
        assert counts == sorted(counts) and counts[-1] == total
        assert [e[2] for e in mine[:-1]] == list(range(1, pages + 1))
        assert [e[3] for e in mine] == [False] * pages + [True]


def test_streaming_without_keeping_customers() -> None:
    seen: list[str] = []

    def receive(customer: Customer) -> None:
        seen.append(customer.key)

    result = collect(["alpha", "beta"], sandbox=True, sandbox_size=25, on_customer=receive, keep=False)
    assert result.customers == []
    assert len(seen) == 49  # one alpha record fails to map


def test_limits_and_filters_apply_per_provider() -> None:
    result = collect(["alpha", "beta"], sandbox=True, sandbox_size=40, max_items=7, page_size=5)
    assert {n: r.customers for n, r in result.runs.items()} == {"alpha": 7, "beta": 7}
    active = collect(["beta"], sandbox=True, sandbox_size=40, filters={"status": "on_hold"})
    assert active.customers and all(c.status.value == "on_hold" for c in active.customers)


def test_async_version_and_report_from_a_collection() -> None:
    result = asyncio.run(collect_async(["alpha", "beta"], sandbox=True, sandbox_size=40, seed=3))
    report = build_report(result)
    assert report.providers == ("alpha", "beta")
    assert report.summary.total == 80
    assert report.runs["alpha"].customers == 40
    assert len(report.mapping_errors) == 1
    assert report.matches.identities  # the simulators share a part of their population


def test_same_seed_same_population() -> None:
    one = collect(["beta"], sandbox=True, sandbox_size=10, seed=5).customers
    two = collect(["beta"], sandbox=True, sandbox_size=10, seed=5).customers
    other = collect(["beta"], sandbox=True, sandbox_size=10, seed=6).customers
    assert one == two
    assert one != other


def test_an_error_in_the_callers_callback_stops_everything() -> None:
    seen: list[str] = []

    def receive(customer: Customer) -> None:
        seen.append(customer.key)
        if len(seen) == 30:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        collect(["alpha", "beta"], sandbox=True, sandbox_size=200, on_customer=receive, keep=False)
    assert len(seen) < 100  # the other provider was stopped too
