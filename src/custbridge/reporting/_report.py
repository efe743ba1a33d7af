"""The cross-vendor report: one pass over the customers, rendered as text, JSON or HTML."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ConfigurationError, CustbridgeError, MappingError, ProviderError
from ..model import Customer
from ..provider import Capabilities
from ._collect import Collection, ProviderRun, collect_async
from ._golden import GoldenRecord, golden_record
from ._match import METHODS, Identity, Link, Matcher, MatchResult, Record

if TYPE_CHECKING:
    from ._probabilistic import ProbabilisticSettings
from ._normalize import PHONENUMBERS_AVAILABLE
from ._summary import FieldCompleteness, Summary, SummaryBuilder

__all__ = [
    "Report",
    "ReportBuilder",
    "build_report",
    "render_json",
    "render_text",
    "run_report",
    "run_report_async",
]


@attrs.frozen
class Report:
    """Everything the ``report`` command shows."""

    summary: Summary
    """Counts, completeness, countries and languages per provider."""
    matches: MatchResult
    """Cross-vendor identities and in-provider duplicates."""
    runs: Mapping[str, ProviderRun] = attrs.field(factory=dict)
    """How fetching went per provider (empty when built from a plain iterable)."""
    mapping_errors: tuple[MappingError, ...] = ()
    """Records that failed to map."""
    generated_at: datetime = attrs.field(factory=lambda: datetime.now(UTC))
    """When the report was made."""
    source: str = ""
    """Where the data came from, e.g. ``"sandbox (seed 0, 100 per provider)"``."""
    trend: tuple[Mapping[str, Any], ...] = ()
    """Sync runs of the customer store, oldest first (reports built from the store only):
    ``started_at``, ``provider``, ``customers``, ``statuses``, ``added``, ``changed``,
    ``removed``, ``complete``."""

    @property
    def providers(self) -> tuple[str, ...]:
        """Providers in the report (asked for, or seen), in order."""
        names = list(self.runs) or list(self.summary.providers)
        return tuple(names)

    @property
    def failures(self) -> dict[str, CustbridgeError]:
        """Providers that failed, with their error."""
        return {n: r.failure for n, r in self.runs.items() if r.failure is not None}

    @property
    def ok(self) -> bool:
        """True when no provider failed."""
        return not self.failures

    def display(self, provider: str) -> str:
        """Human name of a provider."""
        run = self.runs.get(provider)
        return (run.display if run is not None else "") or provider


class ReportBuilder:
    """Feed customers one by one (:meth:`add`), then :meth:`build` the report.

    Only counters and compact match records are kept, so memory stays small however much
    each vendor sends per customer.
    """

    def __init__(
        self,
        capabilities: Mapping[str, Capabilities] | None = None,
        *,
        max_group: int = 20,
        match: str = "exact",
        match_settings: ProbabilisticSettings | None = None,
    ) -> None:
        if match not in METHODS:
            raise ConfigurationError(
                f"unknown matching method {match!r}", operation="report", hint=f"use one of {', '.join(METHODS)}"
            )
        self.summary = SummaryBuilder(capabilities)
        self.matcher = Matcher(max_group=max_group)
        self.match = match
        self.match_settings = match_settings

    def add(self, customer: Customer) -> None:
        """Count and index one customer."""
        self.summary.add(customer)
        self.matcher.add(customer)

    def build(
        self,
        *,
        runs: Mapping[str, ProviderRun] | None = None,
        mapping_errors: Iterable[MappingError] = (),
        source: str = "",
        capabilities: Mapping[str, Capabilities] | None = None,
    ) -> Report:
        """Finish: summary, matches and the fetch outcome in one :class:`Report`."""
        if capabilities:
            self.summary._caps.update(capabilities)
        runs = dict(runs or {})
        errors = list(mapping_errors)
        seen = {id(e) for e in errors}
        for run in runs.values():
            errors.extend(e for e in run.errors if id(e) not in seen)
        if self.match == "probabilistic":
            from ._probabilistic import probabilistic_pairs

            scored = probabilistic_pairs(self.matcher.records, self.match_settings)
            matches = attrs.evolve(self.matcher.result(scored), method="probabilistic")
        else:
            matches = self.matcher.result()
        return Report(
            summary=self.summary.result(),
            matches=matches,
            runs=runs,
            mapping_errors=tuple(errors),
            source=source,
        )


def build_report(
    customers: Iterable[Customer] | Collection,
    *,
    capabilities: Mapping[str, Capabilities] | None = None,
    source: str = "",
) -> Report:
    """Build a report from any iterable of customers, or from a :class:`Collection`."""
    builder = ReportBuilder(capabilities)
    if isinstance(customers, Collection):
        for customer in customers.customers:
            builder.add(customer)
        return builder.build(runs=customers.runs, capabilities=customers.capabilities, source=source)
    for customer in customers:
        builder.add(customer)
    return builder.build(source=source)


async def run_report_async(
    providers: Iterable[str],
    *,
    sandbox: bool = False,
    sandbox_size: int = 100,
    seed: int = 0,
    faults: str | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Any = None,
    match: str = "exact",
) -> Report:
    """Collect from ``providers`` and build the report in one streaming pass.

    ``match`` is the matching method (``"exact"`` or ``"probabilistic"``, see :func:`match`).
    """
    builder = ReportBuilder(match=match)
    collection = await collect_async(
        providers, sandbox=sandbox, sandbox_size=sandbox_size, seed=seed, faults=faults,
        settings=settings, on_customer=builder.add, progress=progress, keep=False,
    )
    source = f"sandbox (seed {seed}, {sandbox_size:,} customers per provider)" if sandbox else "live APIs"
    return builder.build(runs=collection.runs, capabilities=collection.capabilities, source=source)


def run_report(
    providers: Iterable[str],
    *,
    sandbox: bool = False,
    sandbox_size: int = 100,
    seed: int = 0,
    faults: str | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Any = None,
    match: str = "exact",
) -> Report:
    """Collect from ``providers`` and build the report (see :func:`collect` for arguments)."""
    import asyncio

    return asyncio.run(run_report_async(
        providers, sandbox=sandbox, sandbox_size=sandbox_size, seed=seed, faults=faults,
        settings=settings, progress=progress, match=match,
    ))


# --------------------------------------------------------------------------- shared helpers


def pct(share: float | None) -> str:
    """``0.8312`` -> ``"83%"``; ``None`` -> ``"n/a"``."""
    if share is None:
        return "n/a"
    value = share * 100
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


def _keys_not_loaded(summary: Any, name: str) -> list[str]:
    """The exact match keys (e-mail, phone) no record of provider ``name`` loaded."""
    provider = summary.providers.get(name)
    if provider is None:
        return []
    out = []
    for field in ("email", "phone"):
        fc = provider.completeness.get(field)
        if fc is not None and fc.supported and fc.not_loaded and fc.applicable == 0:
            out.append(field)
    return out


def completeness_cell(fc: FieldCompleteness) -> tuple[str, str]:
    """The text and state of one completeness cell, shared by the text and HTML reports.

    States: ``"na"`` (the provider has no such field: shown ``n/a``), ``"not-loaded"``
    (the field exists but no record loaded it), ``"partial"`` (a share, ``*``: some records
    did not load it) and ``"value"`` (a share).
    """
    if not fc.supported:
        return "n/a", "na"
    share = fc.share
    if share is None:
        return "not loaded", "not-loaded"
    if fc.not_loaded:
        return pct(share) + "*", "partial"
    return pct(share), "value"


COMPLETENESS_LEGEND = (
    "n/a = the provider has no such field (not counted as missing); not loaded = no record loaded the field; "
    "* = some records did not load it and are left out of the share"
)
"""The one legend of every completeness cell state (text and HTML reports)."""


def has_field(report: Report, provider: str, field: str) -> bool:
    """Whether ``provider`` can hold ``field`` (``country``, ``language``...) at all."""
    ps = report.summary.providers.get(provider)
    fc = ps.completeness.get(field) if ps is not None else None
    return fc is None or fc.supported


def failure_text(error: CustbridgeError) -> str:
    """One line for a provider failure: class, status and message."""
    kind = type(error).__name__
    return f"{kind}: {error}"


def error_row(error: MappingError) -> dict[str, Any]:
    """A mapping failure as plain data."""
    return {
        "provider": error.provider,
        "record_id": error.record_id,
        "index": error.index,
        "paths": [{"path": p, "reason": r} for p, r in error.paths],
        "message": error.message,
        "hint": error.hint,
    }


def record_row(record: Record) -> dict[str, Any]:
    """A compact record as plain data."""
    return {
        "key": record.key,
        "provider": record.provider,
        "id": record.id,
        "display_name": record.display_name,
        "email": record.email,
        "phone": record.phone,
        "phone_given": record.phone_given,
        "number": record.number,
        "external_id": record.external_id,
        "country": record.country,
        "status": record.status,
    }


def identity_row(identity: Identity) -> dict[str, Any]:
    """A cross-vendor identity as plain data."""
    return {
        "providers": list(identity.providers),
        "matched_on": list(identity.matched_on),
        "records": [record_row(r) for r in identity.records],
        "links": [link_row(link) for link in identity.links],
        "conflicts": [
            {"field": c.field, "values": [{"value": v, "keys": list(k)} for v, k in c.values]}
            for c in identity.conflicts
        ],
        "golden": golden_row(golden_record(identity)),
    }


def link_row(link: Link) -> dict[str, Any]:
    """A link as plain data (a probabilistic one with its probability, weight and comparisons)."""
    row: dict[str, Any] = {"kind": link.kind, "value": link.value, "keys": list(link.keys)}
    if link.kind == "probabilistic":
        row["probability"] = link.probability
        row["weight"] = link.weight
        row["agreed"] = list(link.agreed)
        row["comparisons"] = [
            {"comparison": a.comparison, "level": a.level, "weight": a.weight} for a in link.comparisons
        ]
    return row


def golden_row(golden: GoldenRecord) -> dict[str, Any]:
    """A golden record as plain data: per field the value, its source record, why, conflicts."""
    return {
        choice.field: {
            "value": choice.value,
            "source": choice.source,
            "reason": choice.reason,
            "conflicts": [{"value": v, "keys": list(k)} for v, k in choice.conflicts],
        }
        for choice in golden.fields
    }


def interesting_first(identities: Sequence[Identity]) -> list[Identity]:
    """Identities with conflicts first, then the rest (each group in report order)."""
    return [i for i in identities if i.conflicts] + [i for i in identities if not i.conflicts]


# --------------------------------------------------------------------------- JSON


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    matches = report.matches
    providers: dict[str, Any] = {}
    for name in report.providers:
        run = report.runs.get(name)
        summary = report.summary.providers.get(name)
        providers[name] = {
            "display": report.display(name),
            "ok": run.ok if run is not None else True,
            "failure": None if run is None or run.failure is None else {
                "type": type(run.failure).__name__,
                "message": str(run.failure),
                "status_code": run.failure.status_code if isinstance(run.failure, ProviderError) else None,
            },
            "fetch": None if run is None else {
                "customers": run.customers, "pages": run.pages, "requests": run.requests,
                "rate_limited": run.rate_limited, "seconds": round(run.elapsed, 3),
                "mapping_errors": len(run.errors),
            },
            "customers": summary.total if summary else 0,
            "statuses": dict(summary.statuses) if summary else {},
            "completeness": {} if summary is None else {
                field: {
                    "share": fc.share, "present": fc.present, "applicable": fc.applicable,
                    "not_loaded": fc.not_loaded, "supported": fc.supported,
                }
                for field, fc in summary.completeness.items()
            },
            "countries": dict(summary.countries) if summary else {},
            "languages": dict(summary.languages) if summary else {},
            "matched": matches.matched_counts().get(name, 0),
            "unreadable_phones": matches.unreadable_phones().get(name, 0),
        }
    return {
        "generated_at": report.generated_at.isoformat(),
        "source": report.source,
        "ok": report.ok,
        "total_customers": report.summary.total,
        "providers": providers,
        "identities": {
            "count": len(matches.identities),
            "method": matches.method,
            "by_key": matches.key_counts(),
            "with_conflicts": sum(1 for i in matches.identities if i.conflicts),
            "items": [identity_row(i) for i in matches.identities],
        },
        "duplicates": [
            {
                "provider": d.provider,
                "matched_on": list(d.matched_on),
                "records": [record_row(r) for r in d.records],
                "links": [{"kind": link.kind, "value": link.value} for link in d.links],
            }
            for d in matches.duplicates
        ],
        "ambiguous_keys": [
            {"kind": a.kind, "value": a.value, "count": a.count, "reason": a.reason} for a in matches.ambiguous
        ],
        "mapping_errors": [error_row(e) for e in report.mapping_errors],
        **({"trend": [dict(row) for row in report.trend]} if report.trend else {}),
    }


def render_json(report: Report, *, indent: int | None = 2) -> str:
    """The report as JSON text."""
    return json.dumps(report_dict(report), indent=indent, ensure_ascii=False, default=str)


# --------------------------------------------------------------------------- text


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def render_text(report: Report, *, limit: int = 10) -> str:
    """The report as plain text for a terminal or a log (``limit`` rows per long list)."""
    out: list[str] = []
    names = report.providers
    summary = report.summary
    matches = report.matches
    title = "custbridge report"
    if report.source:
        title += f" - {report.source}"
    out += [title, "=" * len(title), ""]

    out.append("Providers")
    rows = []
    for name in names:
        run = report.runs.get(name)
        ps = summary.providers.get(name)
        state = "ok" if run is None or run.ok else "FAILED"
        rows.append([
            name, report.display(name), state, f"{ps.total if ps else 0:,}",
            str(run.pages) if run else "", str(run.rate_limited) if run else "",
            str(len(run.errors)) if run else "", f"{run.elapsed:.1f}s" if run else "",
        ])
    out += _table(["provider", "vendor", "state", "customers", "pages", "429s", "unmapped", "time"],
                  rows, right=(3, 4, 5, 6, 7))
    for name, error in report.failures.items():
        out.append(f"  ! {name}: {failure_text(error)}")
    out.append("")

    statuses = sorted({s for ps in summary.providers.values() for s in ps.statuses})
    if statuses:
        out.append("Customers per status")
        rows = [
            [name, *(f"{summary.providers[name].statuses.get(s, 0):,}" for s in statuses)]
            for name in names if name in summary.providers
        ]
        out += _table(["provider", *statuses], rows, right=tuple(range(1, len(statuses) + 1)))
        out.append("")

        out.append("Completeness (share of customers with a value)")
        shown = [n for n in names if n in summary.providers]
        rows = [
            [field, *(completeness_cell(summary.providers[n].completeness[field])[0] for n in shown)]
            for field in summary.fields
        ]
        out += _table(["field", *shown], rows, right=tuple(range(1, len(shown) + 1)))
        out.append(f"  {COMPLETENESS_LEGEND}")
        out.append("")

        out.append("Countries and languages (top 5)")
        for name in shown:
            ps = summary.providers[name]
            pad = ""
            lines = (("countries", "country", ps.countries), ("languages", "language", ps.languages))
            for label, field, counts in lines:
                if has_field(report, name, field):
                    text = ", ".join(f"{v or '(no value)'} {n:,}" for v, n in list(counts.items())[:5])
                else:
                    text = f"n/a (no {field} field)"
                out.append(f"  {pad or name + ':'} {label} {text}")
                pad = " " * (len(name) + 1)
        out.append("")

    ids = matches.identities
    by_key = ", ".join(f"{k} {n:,}" for k, n in matches.key_counts().items() if n)
    with_conflicts = sum(1 for i in ids if i.conflicts)
    out.append(f"Cross-vendor identities: {len(ids):,}" + (f" (matched on {by_key})" if by_key else "")
               + f"; {with_conflicts:,} with conflicting values")
    matched = matches.matched_counts()
    for name in names:
        if name in matched:
            total = summary.providers[name].total if name in summary.providers else 0
            line = f"  {name}: {matched[name]:,} of {total:,} customers also found elsewhere"
            unloaded = _keys_not_loaded(summary, name)
            if unloaded and report.matches.method == "exact":
                keys = " and ".join(unloaded)
                line += f" ({keys} not loaded: nothing to match on exactly; see the provider's README)"
            out.append(line)
    if not PHONENUMBERS_AVAILABLE:
        out.append("  (phonenumbers is not installed: only +international phones were compared)")
    for identity in interesting_first(ids)[:limit]:
        out.append(f"  * {identity.display_name}  [{', '.join(identity.matched_on)}]")
        out.append("      " + "  ".join(r.key for r in identity.records))
        for conflict in identity.conflicts:
            values = " vs ".join(f"{v} ({', '.join(k)})" for v, k in conflict.values)
            out.append(f"      conflict {conflict.field}: {values}")
    if len(ids) > limit:
        out.append(f"  ... {len(ids) - limit:,} more (see the HTML or JSON report)")
    out.append("")

    dups = matches.duplicates
    out.append(f"Probable duplicates inside one provider: {len(dups):,}")
    for dup in dups[:limit]:
        out.append(f"  * {dup.provider}: {', '.join(r.id for r in dup.records)}  [{', '.join(dup.matched_on)}]"
                   f"  {dup.records[0].display_name}")
    if len(dups) > limit:
        out.append(f"  ... {len(dups) - limit:,} more")
    if matches.ambiguous:
        shown_keys = ", ".join(f"{a.kind} {a.value} ({a.count}, {a.reason})" for a in matches.ambiguous[:3])
        more = f" and {len(matches.ambiguous) - 3:,} more" if len(matches.ambiguous) > 3 else ""
        out.append(f"  keys not used for matching (they do not identify one customer): {shown_keys}{more}")
    out.append("")

    errors = report.mapping_errors
    out.append(f"Records that failed to map: {len(errors):,}")
    for error in errors[:limit]:
        paths = "; ".join(f"{p}: {r}" for p, r in error.paths) or error.message
        out.append(f"  * {error.provider} id={error.record_id or '?'}: {paths}")
    if len(errors) > limit:
        out.append(f"  ... {len(errors) - limit:,} more")
    out += _trend_text(report.trend)
    return "\n".join(out) + "\n"


def _trend_text(trend: Sequence[Mapping[str, Any]]) -> list[str]:
    """The store's sync runs: customers per provider and status after each run."""
    if not trend:
        return []
    statuses = sorted({s for row in trend for s in row.get("statuses") or {}})
    rows = [
        [
            str(row["started_at"])[:19].replace("T", " "),
            str(row["provider"]),
            f"{row['customers']:,}",
            *(f"{(row.get('statuses') or {}).get(s, 0):,}" for s in statuses),
            f"+{row['added']} ~{row['changed']} -{row['removed']}",
            "yes" if row["complete"] else "cut short",
        ]
        for row in trend
    ]
    headers = ["sync run (UTC)", "provider", "customers", *statuses, "changes", "complete"]
    right = tuple(range(2, 3 + len(statuses)))
    return ["", "Trend (customer store sync runs)", *_table(headers, rows, right=right)]
