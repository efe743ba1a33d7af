"""Streaming benchmark: resident memory while listing 200,000 customers through the client.

Each scenario runs in a fresh process (``python -m bench.streaming SCENARIO TOTAL`` prints one
JSON object); `run()` starts them. Resident memory (VmRSS) is read after 10,000 and
after all customers; VmHWM is the process's peak.

- ``sandbox``: Rotor's own simulator holding TOTAL customers in memory (its store is part of
  the process, so the *total* grows with TOTAL before listing starts; what matters is that
  listing adds nothing per customer: compare the RSS at 10,000 and at TOTAL).
- ``lazy``: a store-free vendor: pages are produced on demand from one real sandbox page
  (ids rewritten per page), so the process total is the client's own footprint.

The consumer keeps nothing (``for customer in client.list(): count += 1``), as a streaming
export would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import httpx

import custbridge

from ._common import rss_mb

__all__ = ["CHECKPOINTS", "run", "section", "table"]

CHECKPOINTS = (10_000, 50_000, 100_000, 150_000)
"""Customer counts at which resident memory is sampled (and at the end)."""
PAGE = 1000


def _lazy_rotor(total: int) -> tuple[httpx.MockTransport, dict[str, Any]]:
    """A Rotor-shaped vendor with ``total`` customers and no store."""
    from custbridge.sandbox import create_app

    from .vendors import capture_list_page

    app = create_app("rotor", size=PAGE, archived=0)
    template = json.loads(capture_list_page(app, "rotor"))["data"]
    settings = app.client_settings(app.base_url)
    del app

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        limit = int(request.url.params.get("limit", "50"))
        start = (page - 1) * limit
        count = max(0, min(limit, total - start))
        data = [
            {**template[(start + i) % len(template)], "id": f"{start + i:08d}-lazy"} for i in range(count)
        ]
        body = {
            "data": data,
            "pagination": {"has_more": start + count < total, "limit": limit, "page": page, "total": total},
            "status": "success",
        }
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"content-type": "application/json"})

    return httpx.MockTransport(handler), settings


def measure(scenario: str, total: int) -> dict[str, Any]:
    """List ``total`` customers in this process; report memory and time."""
    out: dict[str, Any] = {"scenario": scenario, "total": total}
    out["rss_start_mb"] = rss_mb()[0]
    started = time.perf_counter()
    if scenario == "sandbox":
        from custbridge.sandbox import connect, create_app

        app = create_app("rotor", size=total, archived=0)
        client = connect("rotor", app=app)
    else:
        transport, settings = _lazy_rotor(total)
        client = custbridge.connect("rotor", http_client=httpx.Client(transport=transport), **settings)
    out["setup_s"] = time.perf_counter() - started
    out["rss_before_listing_mb"] = rss_mb()[0]
    count = 0
    started = time.perf_counter()
    with client:
        for _customer in client.list(page_size=PAGE):
            count += 1
            if count in CHECKPOINTS:
                out.setdefault("rss_samples_mb", {})[count] = rss_mb()[0]
                if count == CHECKPOINTS[0]:
                    out["rss_at_10k_mb"] = rss_mb()[0]
    out["list_s"] = time.perf_counter() - started
    out["listed"] = count
    out["rss_at_end_mb"], out["peak_rss_mb"] = rss_mb()
    return out


def run(total: int = 200_000, scenarios: tuple[str, ...] = ("lazy", "sandbox")) -> list[dict[str, Any]]:
    """Run every scenario in its own process and collect the results."""
    results = []
    for scenario in scenarios:
        done = subprocess.run(
            [sys.executable, "-m", "bench.streaming", scenario, str(total)],
            check=True, capture_output=True, text=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def table(results: list[dict[str, Any]]) -> str:
    """Markdown table of the memory results."""
    lines = [
        "| scenario | customers listed | RSS before listing MiB | RSS at 10,000 MiB | RSS at end MiB | "
        "growth 10,000 -> end MiB | peak RSS MiB | listing time s | customers / s | RSS at 50k / 100k / 150k MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        growth = r["rss_at_end_mb"] - r["rss_at_10k_mb"]
        lines.append(
            f"| {r['scenario']} | {r['listed']:,} | {r['rss_before_listing_mb']:.0f} | {r['rss_at_10k_mb']:.0f} | "
            f"{r['rss_at_end_mb']:.0f} | {growth:+.1f} | {r['peak_rss_mb']:.0f} | {r['list_s']:.1f} | "
            f"{r['listed'] / r['list_s']:,.0f} | "
            + " / ".join(f"{v:.0f}" for k, v in r.get("rss_samples_mb", {}).items() if int(k) != CHECKPOINTS[0])
            + " |"
        )
    return "\n".join(lines)


def section(results: list[dict[str, Any]]) -> str:
    """The streaming part of RESULTS.md."""
    by = {r["scenario"]: r for r in results}
    notes = []
    if "lazy" in by:
        r = by["lazy"]
        notes.append(
            f"- Client side (store-free vendor): {r['rss_at_10k_mb']:.0f} MiB after 10,000 customers, "
            f"{r['rss_at_end_mb']:.0f} MiB after {r['listed']:,} "
            f"({r['rss_at_end_mb'] - r['rss_at_10k_mb']:+.1f} MiB); this is the whole process: interpreter, "
            f"httpx, custbridge and one page in flight."
        )
    if "sandbox" in by:
        r = by["sandbox"]
        notes.append(
            f"- With Rotor's in-memory simulator: the store of {r['total']:,} customers takes the process from "
            f"{r['rss_start_mb']:.0f} to {r['rss_before_listing_mb']:.0f} MiB before listing starts (built in "
            f"{r['setup_s']:.0f} s); listing then moves RSS from {r['rss_at_10k_mb']:.0f} MiB (10,000) to "
            f"{r['rss_at_end_mb']:.0f} MiB ({r['listed']:,}), i.e. {r['rss_at_end_mb'] - r['rss_at_10k_mb']:+.1f} "
            f"MiB (the simulator's sorted row cache and page rendering included)."
        )
    return f"""## Streaming: listing {results[0]['total']:,} customers

{__doc__.split(chr(10), 2)[2].strip()}

{table(results)}

{chr(10).join(notes)}
"""


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
