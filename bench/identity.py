"""Identity matching: precision, recall and F1 of ``exact`` and ``probabilistic`` against the
sandbox truth, with time and peak memory, at 3 x 10,000 and 3 x 100,000 customers.

``python -m bench.identity`` (with the ``identity`` extra; ``--sizes 10000`` for a quick run,
``--no-write`` to leave ``bench/RESULTS.md`` alone). The population is
:class:`custbridge.sandbox.Population` (three vendors, 30 % of each vendor's customers shared,
``--noise`` of the shared people's records differing in one or two ways: typos, nicknames,
another e-mail, a new phone, a new address, the company name only). Pairs are counted between
records of different vendors.

Each (size, method) runs in its own process, so its peak resident memory is its own. The
floor, measured in that process, is reading the customers: generating them from the
population and reducing each to its compact match record. ``x floor`` is the matching time
over that floor.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ._common import machine, rss_mb

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADING = "## Identity matching: exact and probabilistic against the sandbox truth"


def one(size: int, method: str, noise: float) -> dict[str, Any]:
    """Run one method at one size in this process."""
    from custbridge.reporting import Matcher
    from custbridge.reporting._probabilistic import probabilistic_pairs
    from custbridge.sandbox import Population

    population = Population(seed=0, size=size, noise=noise)
    started = time.perf_counter()
    matcher = Matcher()
    for customer in population.customers():
        matcher.add(customer)
    floor = time.perf_counter() - started
    rss_read, _ = rss_mb()
    started = time.perf_counter()
    scored = probabilistic_pairs(matcher.records) if method == "probabilistic" else ()
    result = matcher.result(scored)
    elapsed = time.perf_counter() - started
    _, peak = rss_mb()
    score = population.score(identity.keys for identity in result.identities)
    return {
        "size": size,
        "method": method,
        "records": len(matcher),
        "identities": len(result.identities),
        "true_pairs": score.true_pairs,
        "found_pairs": score.found_pairs,
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        "floor_s": floor,
        "match_s": elapsed,
        "rss_after_read_mb": rss_read,
        "peak_mb": peak,
    }


def run(sizes: list[int], noise: float) -> list[dict[str, Any]]:
    """Every (size, method) in its own process."""
    rows = []
    for size in sizes:
        for method in ("exact", "probabilistic"):
            print(f"  3 x {size:,} {method} ...", flush=True)
            out = subprocess.run(
                [sys.executable, "-m", "bench.identity", "--one", str(size), method, "--noise", str(noise)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| customers | method | precision | recall | F1 | pairs found / true | floor s (read) "
        "| match s | x floor | peak RSS MiB (after read) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| 3 x {r['size']:,} | {r['method']} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} "
            f"| {r['found_pairs']:,} / {r['true_pairs']:,} | {r['floor_s']:.1f} | {r['match_s']:.1f} "
            f"| {r['match_s'] / r['floor_s']:.2f} | {r['peak_mb']:,.0f} ({r['rss_after_read_mb']:,.0f}) |"
        )
    return "\n".join(lines)


def verdicts(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        if r["method"] == "probabilistic":
            ok = r["recall"] >= 0.95 and r["precision"] >= 0.98
            out.append(
                f"3 x {r['size']:,} probabilistic: recall {r['recall']:.4f} at precision {r['precision']:.4f}: "
                f"{'meets' if ok else 'MISSES'} the target (recall >= 0.95 at precision >= 0.98)"
            )
    return out


def section(rows: list[dict[str, Any]], noise: float, info: dict[str, str]) -> str:
    return (
        f"{HEADING}\n\n"
        f"Command: `python -m bench.identity` (identity extra). Run: "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {info['cpu']}, {info['cores']} cores "
        f"(shared), {info['python']}.\n\n"
        f"Population: `custbridge.sandbox.Population(seed=0, noise={noise})`, three vendors, 30 % of each "
        "vendor's customers are people every vendor has; of those, a share "
        f"{noise} also differ in one or two ways (typos, nicknames, another e-mail, a new phone, "
        "a new address, the company name only) on top of the 8 % that always drift (work e-mail, "
        "new phone). Precision and recall count pairs of records of different vendors put in one "
        "identity. Each row ran in its own process; the floor is reading the customers "
        "(generating them and reducing each to its compact match record) in that process; "
        "peak RSS is the process's high-water mark.\n\n"
        f"{table(rows)}\n\n" + "\n".join(f"- {v}" for v in verdicts(rows)) + "\n"
    )


def write(text: str) -> None:
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# custbridge benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.identity", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="customers per vendor, comma-separated")
    parser.add_argument("--noise", type=float, default=0.6, help="share of shared people that differ (default 0.6)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(int(args.one[0]), args.one[1], args.noise)))
        return 0
    info = machine()
    rows = run([int(s) for s in args.sizes.split(",")], args.noise)
    print(table(rows), *verdicts(rows), sep="\n")
    if not args.no_write:
        write(section(rows, args.noise, info))
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
