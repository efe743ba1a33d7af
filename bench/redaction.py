"""Redaction cost on large and deep vendor error payloads: ``python -m bench.redaction``.

A vendor error whose ``details`` hold N records (each with text, keys and a few echoed
secrets) is redacted the way the engine does it (:meth:`Redactor.error`). The floor is
``json.loads`` of the same bytes, timed in the same run: the ratio staying flat while N grows
sixteen-fold shows the walk is linear, and the 900-level payload shows it needs no recursion.
Nothing is asserted; numbers are printed.
"""

from __future__ import annotations

import argparse
import json
from urllib.parse import quote_plus

from custbridge import ProviderError
from custbridge._redact import Redactor

from ._common import interleaved, median_ms

SECRETS = ["sk_live/Ab+c=d&e%f", "tok.eyJhbGciOi-secret-token-value"]


def _payload(records: int) -> bytes:
    rows = []
    for i in range(records):
        rows.append({
            "id": f"r{i}",
            "message": f"field {i} rejected" + (f" key={quote_plus(SECRETS[0])}" if i % 50 == 0 else ""),
            "tags": ["a", "b", SECRETS[1] if i % 97 == 0 else "c"],
            f"k{i % 10}": {"nested": [i, str(i), {"deep": "text " * 4}]},
        })
    return json.dumps({"errors": rows}).encode()


def _deep(depth: int) -> bytes:
    key = json.dumps(f"echo {SECRETS[0]}")
    return (f"{{{key}:" * depth + key + "}" * depth).encode()


def run(sizes: tuple[int, ...], rounds: int) -> list[tuple[str, int, float, float]]:
    redactor = Redactor(lambda: SECRETS)
    out = []
    cases = [(f"{n:,} records", _payload(n)) for n in sizes] + [("900 levels deep", _deep(900))]
    for label, body in cases:

        def floor(body: bytes = body) -> object:
            return json.loads(body)

        def redact(body: bytes = body) -> object:
            error = ProviderError("echo", details={"body": json.loads(body)})
            return redactor.error(error)

        times = interleaved({"json.loads": floor, "redact": redact}, rounds=rounds, warmup=1)
        floor_ms, redact_ms = median_ms(times["json.loads"]), median_ms(times["redact"])
        out.append((label, len(body), floor_ms, redact_ms))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.redaction", description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", default="1000,4000,16000", help="records per payload, comma-separated")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    print("| payload | bytes | json.loads (floor) ms | parse + redact ms | ratio to floor |")
    print("|---|---:|---:|---:|---:|")
    for label, size, floor_ms, redact_ms in run(sizes, args.rounds):
        print(f"| {label} | {size:,} | {floor_ms:.1f} | {redact_ms:.1f} | {redact_ms / floor_ms:.1f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
