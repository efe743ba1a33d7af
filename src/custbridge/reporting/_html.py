"""The HTML report: one self-contained page rendered from jinja2 templates (autoescaped).

The page is ``templates/report.html.j2``: a header, a table of contents and one
``<section>`` per entry of :data:`SECTIONS`, each rendered from its own template in
``templates/sections/``. Adding a section is one template plus one :class:`Section` entry;
the template sees ``report`` (the :class:`Report`) and ``view`` (the data prepared here).

No network: CSS and a small vanilla script are inlined from ``templates/report.css`` and
``templates/report.js``. Long tables (identities, duplicates, mapping failures) carry every
row; the script searches, filters and pages them, and without scripts the first page shows.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ConfigurationError
from ._golden import golden_record
from ._report import (
    COMPLETENESS_LEGEND,
    Report,
    completeness_cell,
    failure_text,
    has_field,
    interesting_first,
    pct,
)

if TYPE_CHECKING:
    import jinja2

__all__ = ["SECTIONS", "Section", "render_html"]

_STATUS_COLORS = {
    "active": "#2f9e62",
    "inactive": "#9aa3b2",
    "on_hold": "#e0a526",
    "deleted": "#d64545",
    "unknown": "#8a63d2",
}
_PROVIDER_COLORS = ("#4263eb", "#0c8599", "#c2255c", "#e8590c", "#5f3dc4", "#2b8a3e", "#862e9c", "#1864ab")
_FIELD_LABELS = {
    "email": "e-mail",
    "first_name": "first name",
    "last_name": "last name",
    "company_name": "company",
    "time_zone": "time zone",
    "number": "customer number",
    "external_id": "external id",
    "billing_address": "billing address",
    "shipping_address": "shipping address",
    "credit_limit": "credit limit",
    "created_at": "created at",
    "updated_at": "updated at",
}
_CONFLICT_LABELS = {"person_name": "name", "company_name": "company"}


@attrs.frozen
class Section:
    """One section of the HTML report."""

    id: str
    """Anchor of the section (``#id``), also its entry in the table of contents."""
    title: str
    """Heading of the section."""
    template: str
    """Template under ``templates/`` that renders the section's body."""
    toc: str = ""
    """Short label in the table of contents (default: the title)."""


SECTIONS: tuple[Section, ...] = (
    Section("providers", "Providers", "sections/providers.html.j2"),
    Section("status", "Customers per provider and status", "sections/status.html.j2", toc="Status"),
    Section("completeness", "Completeness", "sections/completeness.html.j2"),
    Section("geo", "Countries and languages", "sections/geo.html.j2", toc="Countries"),
    Section("identities", "Cross-vendor identities", "sections/identities.html.j2", toc="Identities"),
    Section("duplicates", "Probable duplicates inside one provider", "sections/duplicates.html.j2",
            toc="Duplicates"),
    Section("mapping-errors", "Records that failed to map", "sections/mapping_errors.html.j2",
            toc="Mapping failures"),
    Section("trend", "Trend: customers per provider and status per sync run", "sections/trend.html.j2",
            toc="Trend"),
)
"""The report's sections, in page order."""


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    try:
        import jinja2
    except ImportError:
        raise ConfigurationError(
            "the HTML report needs jinja2", operation="render_html",
            hint="pip install 'custbridge[cli]' (or the jinja2 package)",
        ) from None
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("custbridge.reporting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda value: f"{value:,}"
    env.globals.update(
        pct=pct, field_label=lambda f: _FIELD_LABELS.get(f, f.replace("_", " ")),
        conflict_label=lambda f: _CONFLICT_LABELS.get(f, f.replace("_", " ")),
    )
    return env


def _provider_colors(names: Sequence[str]) -> dict[str, str]:
    return {n: _PROVIDER_COLORS[i % len(_PROVIDER_COLORS)] for i, n in enumerate(names)}


def _heat_color(share: float) -> str:
    # red (0) -> amber (0.5) -> green (1), soft enough to read dark text on.
    hue = 4 + 126 * share
    return f"hsl({hue:.0f},62%,{78 - 8 * share:.0f}%)"


def _tiles(report: Report) -> list[dict[str, Any]]:
    matches = report.matches
    failed = len(report.failures)
    return [
        {"value": f"{report.summary.total:,}", "label": "customers", "bad": False, "href": "#status"},
        {"value": f"{len(report.providers) - failed} / {len(report.providers)}", "label": "providers fetched",
         "bad": failed > 0, "href": "#providers"},
        {"value": f"{len(matches.identities):,}", "label": "cross-vendor identities", "bad": False,
         "href": "#identities"},
        {"value": f"{len(matches.duplicates):,}", "label": "probable duplicates", "bad": False, "href": "#duplicates"},
        {"value": f"{len(report.mapping_errors):,}", "label": "records that failed to map",
         "bad": bool(report.mapping_errors), "href": "#mapping-errors"},
    ]


def _status(report: Report) -> dict[str, Any]:
    summary = report.summary
    statuses = [s for s in _STATUS_COLORS if any(s in p.statuses for p in summary.providers.values())]
    statuses += sorted({s for p in summary.providers.values() for s in p.statuses} - set(statuses))
    biggest = max((p.total for p in summary.providers.values()), default=0) or 1
    rows = []
    for name in report.providers:
        ps = summary.providers.get(name)
        total = ps.total if ps else 0
        segments = [
            {"status": s.replace("_", " "), "count": ps.statuses[s], "share": 100 * ps.statuses[s] / total,
             "color": _STATUS_COLORS.get(s, "#adb5bd")}
            for s in statuses if ps is not None and ps.statuses.get(s)
        ]
        rows.append({"name": name, "display": report.display(name), "total": total, "width": total / biggest,
                     "segments": segments})
    legend = [{"status": s.replace("_", " "), "color": _STATUS_COLORS.get(s, "#adb5bd"),
               "count": sum(p.statuses.get(s, 0) for p in summary.providers.values())} for s in statuses]
    return {"rows": rows, "legend": legend}


def _completeness(report: Report) -> dict[str, Any]:
    summary = report.summary
    names = [n for n in report.providers if n in summary.providers]
    columns = [{"name": n, "display": report.display(n), "total": summary.providers[n].total} for n in names]
    rows = []
    for field in summary.fields:
        cells = []
        for name in names:
            fc = summary.providers[name].completeness[field]
            text, state = completeness_cell(fc)
            if state == "na":
                tip = f"{report.display(name)} has no {field} field"
            elif state == "not-loaded":
                tip = f"{report.display(name)}: no record loaded {field}"
            else:
                tip = f"{report.display(name)}: {fc.present:,} of {fc.applicable:,} have {field}"
                if fc.not_loaded:
                    tip += f" ({fc.not_loaded:,} did not load it and are left out)"
            color = _heat_color(fc.share) if fc.share is not None else ""
            cells.append({"text": text, "state": state, "color": color, "tip": tip})
        rows.append({"field": field, "cells": cells})
    scale = [{"label": f"{s * 25}%", "color": _heat_color(s / 4)} for s in range(5)]
    return {"columns": columns, "rows": rows, "scale": scale, "legend": COMPLETENESS_LEGEND}


def _distribution(report: Report, attr: str, field: str, top: int = 10) -> dict[str, Any]:
    summary = report.summary
    present = [n for n in report.providers if n in summary.providers]
    names = [n for n in present if has_field(report, n, field)]
    without = [report.display(n) for n in present if n not in names]
    totals: dict[str, int] = {}
    for name in names:
        values: Mapping[str, int] = getattr(summary.providers[name], attr)
        for value, count in values.items():
            totals[value] = totals.get(value, 0) + count
    ordered = sorted(totals, key=lambda v: (-totals[v], v))
    colors = _provider_colors(report.providers)
    rows = []
    for value in ordered[:top]:
        cells = []
        for name in names:
            ps = summary.providers[name]
            count = getattr(ps, attr).get(value, 0)
            cells.append({"count": count, "width": 100 * count / ps.total if ps.total else 0, "color": colors[name]})
        rows.append({"value": value, "cells": cells})
    return {
        "columns": [{"name": n, "display": report.display(n)} for n in names],
        "rows": rows,
        "more": max(0, len(ordered) - top),
        "without": without,
    }


def _identities(report: Report, limit: int | None) -> dict[str, Any]:
    ids = report.matches.identities
    spread: dict[int, int] = {}
    for ident in ids:
        spread[len(ident.providers)] = spread.get(len(ident.providers), 0) + 1
    ordered = interesting_first(ids)
    shown = ordered if limit is None else ordered[:limit]
    counts = report.matches.key_counts()
    return {
        "count": len(ids),
        "rows": shown,
        "golden": [golden_record(i) for i in shown],
        "left_out": len(ids) - len(shown),
        "with_conflicts": sum(1 for i in ids if i.conflicts),
        "spread": ", ".join(f"{n:,} at {k} providers" for k, n in sorted(spread.items(), reverse=True)),
        "matched_keys": [(k, n) for k, n in counts.items() if n],
        "providers": sorted({p for i in ids for p in i.providers}),
    }


def render_html(report: Report, *, limit: int | None = None, page_size: int = 25) -> str:
    """The report as one self-contained HTML page.

    Args:
        limit: at most this many rows per long table go into the page (default: all; the
            page shows ``page_size`` at a time and searches the rest).
        page_size: rows shown per page of a long table.

    Raises:
        ConfigurationError: jinja2 is not installed (``custbridge[cli]``).
    """
    env = _environment()
    colors = _provider_colors(report.providers)
    view = {
        "colors": colors,
        "tiles": _tiles(report),
        "status": _status(report),
        "completeness": _completeness(report),
        "countries": _distribution(report, "countries", "country"),
        "languages": _distribution(report, "languages", "language"),
        "identities": _identities(report, limit),
        "duplicates": report.matches.duplicates if limit is None else report.matches.duplicates[:limit],
        "mapping_errors": report.mapping_errors if limit is None else report.mapping_errors[:limit],
        "failures": {n: failure_text(e) for n, e in report.failures.items()},
        "page_size": page_size,
        "generated": report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
    }
    view["trend"] = _trend(report, colors)
    # The trend exists only for reports built from the customer store.
    sections = tuple(s for s in SECTIONS if s.id != "trend" or report.trend)
    return env.get_template("report.html.j2").render(report=report, view=view, sections=sections)


def _trend(report: Report, colors: Mapping[str, str]) -> dict[str, Any]:
    """Sync runs as table rows: when, provider, customers, per-status counts, changes."""
    statuses = sorted({s for row in report.trend for s in row.get("statuses") or {}})
    rows = [
        {
            "when": str(row["started_at"])[:16].replace("T", " "),
            "provider": row["provider"],
            "color": colors.get(str(row["provider"]), "#adb5bd"),
            "customers": row["customers"],
            "counts": [(row.get("statuses") or {}).get(s, 0) for s in statuses],
            "changes": f"+{row['added']} ~{row['changed']} -{row['removed']}",
            "complete": bool(row["complete"]),
        }
        for row in report.trend
    ]
    return {"statuses": statuses, "rows": rows}
