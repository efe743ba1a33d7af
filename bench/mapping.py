"""Mapping benchmark: one page of 1000 customers per vendor, from response bytes to objects.

Contenders, all on the same bytes in the same run (rounds interleave them):

- ``json.loads``: decoding alone, the floor every ratio refers to;
- ``custbridge``: the real client over ``httpx.MockTransport`` serving the bytes,
  ``list(client.list(page_size=1000, max_items=1000))`` (request, retries machinery, JSON
  decoding, pagination guards, validation, canonical ``Customer`` objects);
- hand-written: ``httpx`` GET, ``json.loads`` and a hand-written dict-to-attrs mapping onto the
  same ``Customer``/``Address`` (same rules, no type checks; checked equal to custbridge's);
- pydantic v2: ``httpx`` GET and ``model_validate_json`` into models of the same vendor fields;
- msgspec: ``httpx`` GET and typed decoding into Structs of the same fields (the ceiling).

``orjson.loads`` and a bare ``httpx`` GET are shown for reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import httpx
import orjson

import custbridge

from ._common import interleaved, median_ms
from .vendors import PAGE_SIZE, VendorBench, serving

__all__ = ["CONTENDERS", "TARGETS", "Row", "run", "vendors"]

FLOOR = "json.loads (floor)"
CUSTBRIDGE = "custbridge (httpx + engine + mapping)"
PYDANTIC = "httpx + pydantic v2 (vendor-shaped models)"
PYDANTIC_JOB = "httpx + pydantic v2, then -> Customer"
HAND = "httpx + hand-written dict->attrs"
CONTENDERS = (
    FLOOR,
    "orjson.loads",
    "httpx GET alone",
    CUSTBRIDGE,
    HAND,
    PYDANTIC,
    PYDANTIC_JOB,
    "httpx + msgspec Structs",
)
TARGETS = {"rotor": 2.5, "pexip_engage": 2.5, "augno": 1.5}
"""Largest allowed ratio of custbridge to the floor, per vendor (issue 7)."""


@attrs.frozen
class Row:
    """One vendor's medians (ms) per contender."""

    vendor: VendorBench
    medians: dict[str, float]
    samples: int

    @property
    def floor(self) -> float:
        return self.medians[FLOOR]

    def ratio(self, contender: str) -> float:
        return self.medians[contender] / self.floor

    @property
    def target(self) -> float:
        return TARGETS.get(self.vendor.provider, 2.5)

    @property
    def meets_floor_target(self) -> bool:
        return self.ratio(CUSTBRIDGE) <= self.target

    @property
    def meets_pydantic_target(self) -> bool:
        return self.medians[CUSTBRIDGE] <= self.medians[PYDANTIC]


def vendors(names: Sequence[str] | None = None) -> list[VendorBench]:
    """Build the benchmark inputs of the installed vendors (all, or ``names``)."""
    from .vendors import augno, pexip, rotor

    builders: dict[str, Callable[[], VendorBench]] = {
        "rotor": rotor.build,
        "pexip_engage": pexip.build,
        "augno": augno.build,
    }
    return [builders[name]() for name in (names or builders)]


def _contenders(vendor: VendorBench) -> tuple[dict[str, Callable[[], object]], list[Callable[[], None]]]:
    page = vendor.page
    http = httpx.Client(transport=serving(page))
    url = "https://bench.invalid/customers"
    client = custbridge.connect(
        vendor.provider, http_client=httpx.Client(transport=serving(page)), **dict(vendor.settings)
    )

    def through_custbridge() -> list[custbridge.Customer]:
        return list(client.list(page_size=PAGE_SIZE, max_items=PAGE_SIZE))

    def get() -> bytes:
        return http.get(url).content

    ours = through_custbridge()
    for label, peer in (("hand-written", vendor.hand), ("pydantic", vendor.pydantic_customers)):
        theirs = peer(get())
        if len(ours) != PAGE_SIZE or ours != theirs:
            diff = next((f"{a!r}\n!=\n{b!r}" for a, b in zip(ours, theirs, strict=False) if a != b), f"{len(ours)}")
            raise RuntimeError(f"{vendor.provider}: the {label} mapper disagrees with custbridge:\n{diff}")
    for peer in (vendor.pydantic, vendor.msgspec):
        if len(peer(get())) != PAGE_SIZE:
            raise RuntimeError(f"{vendor.provider}: a peer did not decode {PAGE_SIZE} records")
    contenders: dict[str, Callable[[], Any]] = {
        FLOOR: lambda: json.loads(page),
        "orjson.loads": lambda: orjson.loads(page),
        "httpx GET alone": get,
        CUSTBRIDGE: through_custbridge,
        HAND: lambda: vendor.hand(get()),
        PYDANTIC: lambda: vendor.pydantic(get()),
        PYDANTIC_JOB: lambda: vendor.pydantic_customers(get()),
        "httpx + msgspec Structs": lambda: vendor.msgspec(get()),
    }
    return contenders, [http.close, client.close]


def run(selected: Sequence[VendorBench], *, rounds: int, echo: Callable[[str], None] = print) -> list[Row]:
    """Time every contender on every vendor's page; return one row per vendor."""
    rows = []
    for vendor in selected:
        contenders, closers = _contenders(vendor)
        echo(f"  {vendor.label}: {len(vendor.page) / 1024:.0f} KiB, {rounds} rounds ...")
        try:
            times = interleaved(contenders, rounds=rounds)
        finally:
            for close in closers:
                close()
        rows.append(Row(vendor, {name: median_ms(t) for name, t in times.items()}, rounds))
    return rows


def table(rows: Sequence[Row]) -> str:
    """The results as a Markdown table (medians, ratios to the floor, per-customer cost)."""
    lines = [
        "| vendor | contender | median ms | x floor | µs / customer |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        for name in CONTENDERS:
            ms = row.medians[name]
            mark = f" (target ≤ {row.target:g})" if name == CUSTBRIDGE else ""
            lines.append(
                f"| {row.vendor.label} | {name} | {ms:.2f} | {row.ratio(name):.2f}{mark} | {ms * 1000 / PAGE_SIZE:.1f} |"
            )
    return "\n".join(lines)


def verdicts(rows: Sequence[Row]) -> list[str]:
    """One line per vendor and target: met or not."""
    out = []
    for row in rows:
        ratio = row.ratio(CUSTBRIDGE)
        pyd = row.medians[PYDANTIC]
        out.append(
            f"{row.vendor.label}: custbridge {row.medians[CUSTBRIDGE]:.2f} ms = {ratio:.2f}x json.loads "
            f"(target ≤ {row.target:g}x: {'met' if row.meets_floor_target else 'NOT met'}); "
            f"pydantic {pyd:.2f} ms ({'met' if row.meets_pydantic_target else 'NOT met'}: custbridge ≤ pydantic)"
        )
    return out
