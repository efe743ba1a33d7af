"""``python -m bench``: run every benchmark, print the results, write ``bench/RESULTS.md``.

Options: ``--rounds N`` (mapping rounds, default 30), ``--total N`` (customers listed by the
streaming benchmark, default 200,000), ``--only mapping|streaming|concurrency|store`` (print one
benchmark and leave RESULTS.md alone; ``store`` replaces its own section), ``--no-write`` (print
only). The customer-store benchmark (``bench.store``, the ``sync`` extra) is heavy and runs only
with ``--only store``; a full run keeps its section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
import time
from pathlib import Path

from . import concurrency, mapping, streaming
from ._common import machine

RESULTS = Path(__file__).with_name("RESULTS.md")
COMMAND = "python -m bench"


def _header(info: dict[str, str], started: float) -> str:
    rows = "\n".join(f"| {key} | {value} |" for key, value in info.items())
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "# custbridge benchmark results\n\n"
        f"Command (from the repository root, with the `bench` extra installed): `{COMMAND}`  \n"
        f"Run: {when}, {time.perf_counter() - started:.0f} s in all.\n\n"
        "| machine | |\n|---|---|\n" + rows + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=30, help="mapping rounds per contender (default 30)")
    parser.add_argument("--total", type=int, default=200_000, help="customers listed for the memory benchmark")
    parser.add_argument("--only", choices=("mapping", "streaming", "concurrency", "store"))
    parser.add_argument("--store-size", type=int, default=100_000, help="customers per provider (store benchmark)")
    parser.add_argument("--vendors", help="comma-separated providers for the mapping benchmark (default: all)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['python']}")
    sections: list[str] = []

    if args.only in (None, "mapping"):
        print("mapping: a page of 1000 customers per vendor")
        vendors = mapping.vendors(args.vendors.split(",") if args.vendors else None)
        rows = mapping.run(vendors, rounds=args.rounds)
        text = mapping.table(rows)
        verdicts = mapping.verdicts(rows)
        print(text, *verdicts, sep="\n")
        sections.append(mapping.section(rows, args.rounds))

    if args.only in (None, "streaming"):
        print(f"streaming: listing {args.total:,} customers (each scenario in its own process) ...")
        results = streaming.run(args.total)
        print(streaming.table(results))
        sections.append(streaming.section(results))

    if args.only in (None, "concurrency"):
        print("concurrency: three providers, 50 ms per request, 20 pages each ...")
        result = concurrency.run()
        print(concurrency.table(result))
        sections.append(concurrency.section(result))

    if args.only == "store":
        from . import store

        return store.main([f"--size={args.store_size}", *(["--no-write"] if args.no_write else [])])

    if args.only is None and not args.no_write:
        kept = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        begin, end = "<!-- store:begin -->", "<!-- store:end -->"
        if begin in kept and end in kept:  # the store benchmark's own section survives a full run
            sections.append(begin + kept.split(begin, 1)[1].split(end, 1)[0] + end + "\n")
        # So does the identity benchmark's (``python -m bench.identity`` writes it; heavy, not run here).
        heading = "## Identity matching"
        if heading in kept:
            rest = kept.split(heading, 1)[1]
            stop = min((i for i in (rest.find("\n## "), rest.find("\n<!-- store:begin")) if i >= 0), default=len(rest))
            sections.append(heading + rest[:stop].rstrip("\n") + "\n")
        RESULTS.write_text(_header(info, started) + "\n" + "\n".join(sections), encoding="utf-8")
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
