"""Customer-store benchmark: sync 3 providers x N sandbox customers into DuckDB with dlt.

``python -m bench.store [--size N]`` (default 100,000 per provider; the ``sync`` extra) runs,
in one process:

1. **floor**: list every customer of the three simulators through the clients, keeping
   nothing (what any sync must at least do);
2. **first sync** into an empty store (``custbridge.sync.run``): time, peak memory added
   during the sync (resident memory sampled every 20 ms, minus the level before it: the
   simulators' own stores are not counted), store size on disk;
3. **second sync** after 1% of each provider's customers changed (``SandboxApp.mutate``):
   time, and the counts it found;
4. **report from the store** (``custbridge.sync.report_from_store``, no vendor call) vs the
   **report from the APIs** (the same report built while listing the three simulators).

Times are printed as ratios to the floor measured in the same run. The section between the
``store`` markers of ``bench/RESULTS.md`` is replaced (``--no-write`` to print only).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

import custbridge.sync as sync
from custbridge import sandbox
from custbridge.reporting import build_report

from ._common import machine, rss_mb

PROVIDERS = ("rotor", "augno", "pexip_engage")
PAGE_SIZE = 100
RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN, END = "<!-- store:begin -->", "<!-- store:end -->"


class _PeakSampler:
    """Highest resident memory seen while the block runs (sampled in a thread)."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.base = rss_mb()[0]
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb()[0])
            time.sleep(self.interval)

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb()[0])


def _clients(apps: dict[str, Any]) -> dict[str, Any]:
    return {name: sandbox.connect(name, app=app) for name, app in apps.items()}


def _close(clients: dict[str, Any]) -> None:
    for client in clients.values():
        client.close()


def run(size: int) -> dict[str, Any]:
    """Run every step; return the measurements."""
    out: dict[str, Any] = {"size": size, "load_start": os.getloadavg()[0]}
    started = time.perf_counter()
    apps = {name: sandbox.create_app(name, size=size, seed=1) for name in PROVIDERS}
    if "rotor" in apps:  # only the visible (not archived) customers, like the other vendors
        apps["rotor"] = sandbox.create_app("rotor", size=size, seed=1, archived=0)
    out["build_s"] = time.perf_counter() - started
    print(f"  simulators built: {len(apps)} x {size:,} customers in {out['build_s']:.0f} s")

    clients = _clients(apps)
    started = time.perf_counter()
    listed = sum(1 for client in clients.values() for _ in client.list(page_size=PAGE_SIZE))
    out["floor_s"] = time.perf_counter() - started
    out["listed"] = listed
    _close(clients)
    print(f"  floor: listed {listed:,} customers in {out['floor_s']:.1f} s")

    with tempfile.TemporaryDirectory(prefix="custbridge-bench-") as tmp:
        store = Path(tmp) / "customers.duckdb"
        kw: dict[str, Any] = {"destination": store, "pipelines_dir": Path(tmp) / "dlt", "page_size": PAGE_SIZE}
        clients = _clients(apps)
        with _PeakSampler() as sampler:
            started = time.perf_counter()
            first = sync.run(clients, **kw)
            out["sync1_s"] = time.perf_counter() - started
        _close(clients)
        out["sync1_peak_mb"] = sampler.peak - sampler.base
        out["store_mb"] = store.stat().st_size / 2**20
        out["sync1"] = {n: p for n, p in first.providers.items()}
        print(f"  first sync: {out['sync1_s']:.1f} s, +{out['sync1_peak_mb']:.0f} MiB peak, "
              f"store {out['store_mb']:.1f} MiB")

        started = time.perf_counter()
        for app in apps.values():
            app.mutate(change=size // 100, seed=7)
        out["mutate_s"] = time.perf_counter() - started
        clients = _clients(apps)
        started = time.perf_counter()
        second = sync.run(clients, **kw)
        out["sync2_s"] = time.perf_counter() - started
        _close(clients)
        out["sync2"] = {n: p for n, p in second.providers.items()}
        out["store2_mb"] = store.stat().st_size / 2**20
        print(f"  second sync (1% changed): {out['sync2_s']:.1f} s")

        started = time.perf_counter()
        from_store = sync.report_from_store(store)
        out["report_store_s"] = time.perf_counter() - started
        clients = _clients(apps)
        started = time.perf_counter()
        from_apis = build_report(c for client in clients.values() for c in client.list(page_size=PAGE_SIZE))
        out["report_api_s"] = time.perf_counter() - started
        _close(clients)
        out["report_customers"] = (from_store.summary.total, from_apis.summary.total)
        print(f"  report: from the store {out['report_store_s']:.1f} s, from the APIs {out['report_api_s']:.1f} s")
    out["load_end"] = os.getloadavg()[0]
    return out


def section(r: dict[str, Any]) -> str:
    """The Markdown section for RESULTS.md."""
    floor = r["floor_s"]
    n = r["listed"]
    rows = [
        ("floor: list every customer, keep nothing", r["floor_s"], "1.00"),
        ("first sync into an empty store", r["sync1_s"], f"{r['sync1_s'] / floor:.2f}"),
        ("second sync, 1% of customers changed", r["sync2_s"], f"{r['sync2_s'] / floor:.2f}"),
        ("report from the APIs (list + report)", r["report_api_s"], f"{r['report_api_s'] / floor:.2f}"),
        ("report from the store (no vendor call)", r["report_store_s"], f"{r['report_store_s'] / floor:.2f}"),
    ]
    table = "\n".join(f"| {name} | {seconds:.1f} | {ratio} |" for name, seconds, ratio in rows)
    counts = "; ".join(
        f"{name} +{p.added:,} ~{p.changed:,} -{p.removed:,} ={p.unchanged:,}" for name, p in r["sync2"].items()
    )
    info = machine()
    return (
        f"{BEGIN}\n## Customer store: {len(PROVIDERS)} providers x {r['size']:,} sandbox customers (dlt + DuckDB)\n\n"
        f"Command: `python -m bench.store --size {r['size']}` (the `sync` extra). Machine: {info['cpu']}, "
        f"{info['cores']} cores shared with other work, {info['python']}; 1-minute load average "
        f"{r.get('load_start', float('nan')):.1f} when the run started, {r.get('load_end', float('nan')):.1f} at its end "
        "(the steps ran under different contention: read ratios with that in mind). "
        "The simulators run in the same process (in-process transport); page size 100. "
        "Ratios are against the floor measured in the same run.\n\n"
        "| step | seconds | ratio to floor |\n|---|---:|---:|\n" + table + "\n\n"
        f"- {n:,} customers in all; simulators built in {r['build_s']:.0f} s (not timed above).\n"
        f"- First sync: peak resident memory **+{r['sync1_peak_mb']:.0f} MiB** over the level before the sync "
        f"(the simulators' stores excluded); DuckDB file **{r['store_mb']:.1f} MiB** "
        f"({r['store_mb'] * 2**20 / n:.0f} bytes per customer), {r['store2_mb']:.1f} MiB after the second sync.\n"
        f"- Second sync found: {counts} (mutations made in {r['mutate_s']:.1f} s through each vendor's own API).\n"
        f"- Both reports counted {r['report_customers'][0]:,} / {r['report_customers'][1]:,} customers.\n"
        f"{END}\n"
    )


def write(text: str) -> None:
    """Replace (or append) the store section of RESULTS.md."""
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        current = head + text + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="customers per provider (default 100,000)")
    parser.add_argument("--no-write", action="store_true", help="do not touch bench/RESULTS.md")
    args = parser.parse_args(argv)
    print(f"store: {len(PROVIDERS)} providers x {args.size:,} customers")
    result = run(args.size)
    text = section(result)
    print(text)
    if not args.no_write:
        write(text)
        print(f"wrote the store section of {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
