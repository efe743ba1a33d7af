"""Concurrency benchmark: three providers, 50 ms per request, 20 list pages each.

A report lists every provider. Listed one after the other, it takes the sum of the three;
listed concurrently (``asyncio.gather`` over ``connect_async`` clients), it should take about
as long as the slowest one, while each provider keeps to its own limits. Pexip Engage allows
4 concurrent requests per client: its sandbox counts the requests in flight
(``SandboxApp.max_in_flight``) and refuses the fifth with a 429
(``concurrency_rejections``), so a burst of ``get`` calls during the report shows the cap.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import attrs

import custbridge
from custbridge.sandbox import SandboxApp, connect_async, create_app

__all__ = ["LATENCY", "PAGES", "run", "section", "table"]

LATENCY = 0.05
"""Simulated seconds per request (each sandbox sleeps this long, asynchronously)."""
PAGES = 20
PAGE_SIZE = 100
PROVIDERS = ("rotor", "pexip_engage", "augno")
BURST = 40
"""Concurrent ``get`` calls fired at Pexip Engage while the concurrent report runs."""


@attrs.frozen
class ProviderTiming:
    provider: str
    customers: int
    seconds: float
    requests: int
    max_in_flight: int
    rejections: int


async def _list_all(client: custbridge.AsyncClient) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    async for _customer in client.list(page_size=PAGE_SIZE):
        count += 1
    return count, time.perf_counter() - started


def _apps() -> dict[str, SandboxApp]:
    apps = {}
    for name in PROVIDERS:
        options: dict[str, Any] = {"archived": 0} if name == "rotor" else {}
        apps[name] = create_app(name, size=PAGES * PAGE_SIZE, latency=LATENCY, **options)
    return apps


def _timing(name: str, app: SandboxApp, customers: int, seconds: float) -> ProviderTiming:
    return ProviderTiming(name, customers, seconds, app.requests_served, app.max_in_flight, app.concurrency_rejections)


async def _sequential() -> tuple[float, list[ProviderTiming]]:
    apps = _apps()
    started = time.perf_counter()
    timings = []
    for name, app in apps.items():
        async with connect_async(name, app=app) as client:
            customers, seconds = await _list_all(client)
        timings.append(_timing(name, app, customers, seconds))
    return time.perf_counter() - started, timings


async def _concurrent(burst: int) -> tuple[float, list[ProviderTiming], float]:
    """List every provider concurrently; with ``burst``, also fire that many Pexip gets."""
    apps = _apps()
    ids = [str(100001 + i) for i in range(burst)]  # the Pexip sandbox numbers its customers from 100001
    clients = {name: connect_async(name, app=app) for name, app in apps.items()}
    burst_seconds = 0.0

    async def pexip_burst() -> None:
        nonlocal burst_seconds
        started = time.perf_counter()
        found = await asyncio.gather(*(clients["pexip_engage"].get(i) for i in ids))
        burst_seconds = time.perf_counter() - started
        assert len(found) == burst

    try:
        started = time.perf_counter()
        listings = asyncio.gather(*(_list_all(c) for c in clients.values()))
        if burst:
            results, _ = await asyncio.gather(listings, pexip_burst())
        else:
            results = await listings
        total = time.perf_counter() - started
    finally:
        for client in clients.values():
            await client.close()
    timings = [
        _timing(name, apps[name], customers, seconds)
        for name, (customers, seconds) in zip(clients, results, strict=True)
    ]
    return total, timings, burst_seconds


def run() -> dict[str, Any]:
    """Run the sequential and the concurrent report; return the timings."""
    sequential, seq_timings = asyncio.run(_sequential())
    concurrent, con_timings, _ = asyncio.run(_concurrent(0))
    with_burst, burst_timings, burst = asyncio.run(_concurrent(BURST))
    return {
        "sequential_s": sequential,
        "sequential": seq_timings,
        "concurrent_s": concurrent,
        "concurrent": con_timings,
        "burst_total_s": with_burst,
        "concurrent + burst": burst_timings,
        "burst_s": burst,
    }


def table(result: dict[str, Any]) -> str:
    """Markdown tables of the concurrency results."""
    lines = [
        "| run | provider | customers | seconds | requests served | max in flight | refused (over cap) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label in ("sequential", "concurrent", "concurrent + burst"):
        for t in result[label]:
            lines.append(
                f"| {label} | {t.provider} | {t.customers:,} | {t.seconds:.2f} | {t.requests} | "
                f"{t.max_in_flight} | {t.rejections} |"
            )
    slowest = max(t.seconds for t in result["sequential"])
    lines += [
        "",
        f"- one after the other: **{result['sequential_s']:.2f} s** "
        f"(sum of the three: {sum(t.seconds for t in result['sequential']):.2f} s)",
        f"- concurrently (`asyncio.gather` over `connect_async` clients): **{result['concurrent_s']:.2f} s** "
        f"(slowest provider listed alone: {slowest:.2f} s; ratio {result['concurrent_s'] / slowest:.2f})",
        f"- concurrently, plus {BURST} Pexip Engage `get` calls fired at the same time on the same client: "
        f"{result['burst_total_s']:.2f} s; the burst took {result['burst_s']:.2f} s (at most 4 in flight and "
        f"{LATENCY * 1000:.0f} ms each, at best {BURST / 4 * LATENCY:.2f} s); Pexip Engage's sandbox saw at most "
        f"{max(t.max_in_flight for t in result['concurrent + burst'] if t.provider == 'pexip_engage')} requests "
        f"in flight and refused {sum(t.rejections for t in result['concurrent + burst'])} (cap: 4)",
    ]
    return "\n".join(lines)


def section(result: dict[str, Any]) -> str:
    """The concurrency part of RESULTS.md."""
    return f"""## Concurrency: three providers, {LATENCY * 1000:.0f} ms per request, {PAGES} pages each

{__doc__.split(chr(10), 2)[2].strip()}

Each provider's sandbox holds {PAGES * PAGE_SIZE:,} customers, listed {PAGE_SIZE} per page ({PAGES} list
requests; Pexip Engage also fetches one OAuth token, not counted in "requests served"). Augno's
declared rate limit (20 requests per second) applies throughout.

{table(result)}
"""
