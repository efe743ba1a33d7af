"""The HTML report: one self-contained file (inline CSS, inline SVG charts, no scripts).

Sections: provider cards, customers per provider and status (stacked bars), completeness
heat map, countries and languages, cross-vendor identities with matched keys and
conflicts, duplicates inside one provider, and the records that failed to map.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from ._golden import GoldenRecord, golden_record
from ._match import Identity, Link
from ._report import Report, failure_text, interesting_first, pct

__all__ = ["render_html"]

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
    "phone": "phone",
    "address": "address",
    "country": "country",
    "first_name": "first name",
    "last_name": "last name",
    "company_name": "company",
    "website": "website",
    "language": "language",
    "time_zone": "time zone",
    "number": "customer number",
    "external_id": "external id",
    "status": "status",
    "tags": "tags",
    "notes": "notes",
    "billing_address": "billing address",
    "shipping_address": "shipping address",
    "credit_limit": "credit limit",
    "created_at": "created at",
    "updated_at": "updated at",
}
_CONFLICT_LABELS = {"person_name": "name", "company_name": "company"}

_CSS = """
:root{--ink:#1d2433;--muted:#667085;--line:#e4e7ee;--bg:#f5f6fa;--card:#fff;--accent:#4263eb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",
Roboto,"Helvetica Neue",Arial,"Noto Sans","Noto Sans CJK JP",sans-serif}
header{background:linear-gradient(120deg,#1f2a5c 0%,#3346a8 60%,#4263eb 100%);color:#fff;padding:28px 0 84px}
.wrap{max-width:1180px;margin:0 auto;padding:0 28px}
header h1{margin:0;font-size:26px;font-weight:650;letter-spacing:-.01em}
header p{margin:4px 0 0;opacity:.82}
.tiles{display:grid;grid-template-columns:repeat(5,1fr);gap:14px;margin-top:-62px}
.tile{background:var(--card);border-radius:12px;padding:14px 16px;box-shadow:0 1px 2px rgba(16,24,40,.06),
0 4px 14px rgba(16,24,40,.06)}
.tile b{display:block;font-size:26px;font-weight:650;letter-spacing:-.02em}
.tile span{color:var(--muted);font-size:12.5px}
.tile.bad b{color:#c92a2a}
section{background:var(--card);border-radius:12px;padding:20px 22px;margin:18px 0;
box-shadow:0 1px 2px rgba(16,24,40,.05)}
h2{font-size:17px;margin:0 0 4px;font-weight:650}
.sub{color:var(--muted);margin:0 0 14px;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:10px;padding:12px 14px;border-top:4px solid var(--c)}
.card h3{margin:0;font-size:15px}
.card .code{color:var(--muted);font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.card .n{font-size:22px;font-weight:650;margin:6px 0 2px}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:0 10px;margin:6px 0 0;font-size:12.5px;color:var(--muted)}
.card dd{margin:0;color:var(--ink)}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600}
.ok{background:#e6f6ec;color:#1f7a48}.failed{background:#fde8e8;color:#b42318}
.err{background:#fff4f4;border:1px solid #f5c2c2;color:#8a1c1c;border-radius:8px;padding:8px 10px;
margin-top:8px;font-size:12.5px;word-break:break-word}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;
letter-spacing:.03em;border-bottom:1px solid var(--line);padding:7px 8px}
td{border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:top}
tr:last-child td{border-bottom:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.chip{display:inline-block;background:#edf0ff;color:#3346a8;border-radius:6px;padding:0 7px;margin:1px 3px 1px 0;
font-size:12px;font-weight:600}
.prov{display:inline-block;border-radius:6px;padding:0 7px;margin:1px 4px 1px 0;font-size:12px;color:#fff;
background:var(--c);white-space:nowrap}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.conf{color:#9c4221}.conf b{color:#7b341e;font-weight:600}
.none{color:var(--muted);font-style:italic}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:22px}
.bar{background:linear-gradient(90deg,var(--c) 0 var(--w),transparent var(--w));background-size:100% 4px;
background-repeat:no-repeat;background-position:0 100%}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin-top:8px;font-size:12.5px;color:var(--muted)}
.legend i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:5px;vertical-align:-1px}
.more{color:var(--muted);font-size:12.5px;margin-top:8px}
svg text{font-family:inherit}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px 0 30px}
@media (max-width:900px){.tiles{grid-template-columns:repeat(2,1fr)}.cols{grid-template-columns:1fr}}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _provider_colors(names: Sequence[str]) -> dict[str, str]:
    return {n: _PROVIDER_COLORS[i % len(_PROVIDER_COLORS)] for i, n in enumerate(names)}


def _prov(name: str, colors: Mapping[str, str], text: str | None = None) -> str:
    return f'<span class="prov" style="--c:{colors.get(name, "#667085")}">{_e(text or name)}</span>'


def _tiles(report: Report) -> str:
    matches = report.matches
    failed = len(report.failures)
    tiles = [
        (f"{report.summary.total:,}", "customers", False),
        (f"{len(report.providers) - failed} / {len(report.providers)}", "providers fetched", failed > 0),
        (f"{len(matches.identities):,}", "cross-vendor identities", False),
        (f"{len(matches.duplicates):,}", "probable duplicates", False),
        (f"{len(report.mapping_errors):,}", "records that failed to map", bool(report.mapping_errors)),
    ]
    return '<div class="tiles">' + "".join(
        f'<div class="tile{" bad" if bad else ""}"><b>{_e(v)}</b><span>{_e(label)}</span></div>'
        for v, label, bad in tiles
    ) + "</div>"


def _cards(report: Report, colors: Mapping[str, str]) -> str:
    out = []
    for name in report.providers:
        run = report.runs.get(name)
        ps = report.summary.providers.get(name)
        total = ps.total if ps else 0
        ok = run is None or run.ok
        state = '<span class="badge ok">ok</span>' if ok else '<span class="badge failed">failed</span>'
        details = ""
        if run is not None:
            details = (
                f"<dl><dt>pages</dt><dd>{run.pages:,}</dd><dt>requests</dt><dd>{run.requests:,}</dd>"
                f"<dt>rate-limited</dt><dd>{run.rate_limited:,}</dd><dt>unmapped</dt><dd>{len(run.errors):,}</dd>"
                f"<dt>time</dt><dd>{run.elapsed:.1f} s</dd></dl>"
            )
        error = ""
        if run is not None and run.failure is not None:
            error = f'<div class="err">{_e(failure_text(run.failure))}</div>'
        out.append(
            f'<div class="card" style="--c:{colors[name]}"><h3>{_e(report.display(name))} {state}</h3>'
            f'<div class="code">{_e(name)}</div><div class="n">{total:,} <small>customers</small></div>'
            f"{details}{error}</div>"
        )
    return '<div class="cards">' + "".join(out) + "</div>"


def _status_chart(report: Report) -> str:
    summary = report.summary
    names = [n for n in report.providers]
    statuses = [s for s in _STATUS_COLORS if any(s in p.statuses for p in summary.providers.values())]
    statuses += sorted({s for p in summary.providers.values() for s in p.statuses} - set(statuses))
    biggest = max((p.total for p in summary.providers.values()), default=0) or 1
    step = _nice_step(biggest / 4)
    ticks = int(biggest // step)
    label_w, bar_w, row_h, top = 170, 820, 38, 8
    width = label_w + bar_w + 90
    height = top + row_h * max(1, len(names)) + 8
    parts = [
        f'<svg role="img" aria-label="Customers per provider and status" width="100%" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in range(ticks + 1):
        value = step * tick
        x = label_w + bar_w * value / biggest
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 6}" stroke="#eef0f5"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{height}" font-size="10" fill="#98a2b3" text-anchor="middle">{value:,.0f}</text>'
        )
    for row, name in enumerate(names):
        y = top + row * row_h
        ps = summary.providers.get(name)
        parts.append(
            f'<text x="{label_w - 12}" y="{y + row_h / 2 + 1}" font-size="13" fill="#1d2433" '
            f'text-anchor="end" dominant-baseline="middle">{_e(report.display(name))}</text>'
        )
        x = float(label_w)
        if ps is None or ps.total == 0:
            parts.append(
                f'<text x="{x + 6}" y="{y + row_h / 2 + 1}" font-size="12" fill="#b42318" '
                f'dominant-baseline="middle">no customers</text>'
            )
            continue
        for status in statuses:
            count = ps.statuses.get(status, 0)
            if not count:
                continue
            w = bar_w * count / biggest
            color = _STATUS_COLORS.get(status, "#adb5bd")
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 7}" width="{max(w, 1):.1f}" height="{row_h - 14}" rx="3" '
                f'fill="{color}"><title>{_e(name)}: {count:,} {_e(status)}</title></rect>'
            )
            if w > 44:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + row_h / 2 + 1}" font-size="11" fill="#fff" '
                    f'text-anchor="middle" dominant-baseline="middle">{count:,}</text>'
                )
            x += w
        parts.append(
            f'<text x="{x + 8:.1f}" y="{y + row_h / 2 + 1}" font-size="12.5" font-weight="600" fill="#1d2433" '
            f'dominant-baseline="middle">{ps.total:,}</text>'
        )
    parts.append("</svg>")
    legend = '<div class="legend">' + "".join(
        f'<span><i style="background:{_STATUS_COLORS.get(s, "#adb5bd")}"></i>{_e(s.replace("_", " "))}</span>'
        for s in statuses
    ) + "</div>"
    return "".join(parts) + legend


def _nice_step(raw: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is >= ``raw``."""
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return max(1.0, factor * magnitude)
    return 10.0 * magnitude  # pragma: no cover


def _heat_color(share: float) -> str:
    # red (0) -> amber (0.5) -> green (1), soft enough to read dark text on.
    hue = 4 + 126 * share
    return f"hsl({hue:.0f},62%,{78 - 8 * share:.0f}%)"


def _heatmap(report: Report) -> str:
    summary = report.summary
    names = [n for n in report.providers if n in summary.providers]
    if not names:
        return '<p class="none">No customers were fetched.</p>'
    fields = summary.fields
    label_w, col_w, row_h, head = 150, max(110, min(220, 900 // len(names))), 26, 44
    width = label_w + col_w * len(names) + 2
    height = head + row_h * len(fields) + 2
    parts = [
        f'<svg role="img" aria-label="Completeness heat map" width="{min(width, 1120)}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        '<defs><pattern id="na" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f4f7"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#dde1e8" stroke-width="3"/></pattern></defs>',
    ]
    for col, name in enumerate(names):
        x = label_w + col * col_w + col_w / 2
        parts.append(
            f'<text x="{x:.1f}" y="{head - 24}" font-size="12.5" font-weight="600" fill="#1d2433" '
            f'text-anchor="middle">{_e(report.display(name))}</text>'
            f'<text x="{x:.1f}" y="{head - 9}" font-size="10.5" fill="#98a2b3" text-anchor="middle">'
            f"{summary.providers[name].total:,} customers</text>"
        )
    for row, field in enumerate(fields):
        y = head + row * row_h
        parts.append(
            f'<text x="{label_w - 10}" y="{y + row_h / 2 + 1}" font-size="12.5" fill="#344054" '
            f'text-anchor="end" dominant-baseline="middle">{_e(_FIELD_LABELS.get(field, field))}</text>'
        )
        for col, name in enumerate(names):
            fc = summary.providers[name].completeness[field]
            x = label_w + col * col_w
            share = fc.share
            if not fc.supported:
                fill, text, color = "url(#na)", "n/a", "#98a2b3"
                tip = f"{name} has no {field} field"
            elif share is None:
                fill, text, color = "#f2f4f7", "not loaded", "#98a2b3"
                tip = f"{name}: {field} not loaded"
            else:
                fill, text, color = _heat_color(share), pct(share), "#1d2433"
                tip = f"{name}: {fc.present:,} of {fc.applicable:,} have {field}"
                if fc.not_loaded:
                    text += "*"
                    tip += f" ({fc.not_loaded:,} did not load it)"
            parts.append(
                f'<rect x="{x + 1.5:.1f}" y="{y + 1.5}" width="{col_w - 3}" height="{row_h - 3}" rx="4" '
                f'fill="{fill}"><title>{_e(tip)}</title></rect>'
                f'<text x="{x + col_w / 2:.1f}" y="{y + row_h / 2 + 1}" font-size="11.5" fill="{color}" '
                f'text-anchor="middle" dominant-baseline="middle">{_e(text)}</text>'
            )
    parts.append("</svg>")
    scale = "".join(
        f'<span><i style="background:{_heat_color(s / 4)}"></i>{s * 25}%</span>' for s in range(5)
    )
    return (
        "".join(parts)
        + f'<div class="legend">{scale}<span><i style="background:#e4e7ee"></i>n/a: the provider has no such'
        " field (not counted as missing)</span><span>* some records did not load the field; they are left"
        " out</span></div>"
    )


def _distribution(report: Report, attr: str, title: str, top: int = 10) -> str:
    summary = report.summary
    names = [n for n in report.providers if n in summary.providers]
    totals: dict[str, int] = {}
    for name in names:
        values: Mapping[str, int] = getattr(summary.providers[name], attr)
        for value, count in values.items():
            totals[value] = totals.get(value, 0) + count
    ordered = sorted(totals, key=lambda v: (-totals[v], v))
    shown = ordered[:top]
    colors = _provider_colors(report.providers)
    head = "".join(f'<th class="num">{_e(report.display(n))}</th>' for n in names)
    rows = []
    for value in shown:
        cells = []
        for name in names:
            ps = summary.providers[name]
            count = getattr(ps, attr).get(value, 0)
            width = 100 * count / ps.total if ps.total else 0
            cells.append(
                f'<td class="num bar" style="--c:{colors[name]};--w:{width:.1f}%">{count:,}</td>'
            )
        label = _e(value) if value else '<span class="none">none</span>'
        rows.append(f"<tr><td>{label}</td>{''.join(cells)}</tr>")
    more = ""
    if len(ordered) > top:
        more = f'<div class="more">{len(ordered) - top} more values not shown.</div>'
    return (
        f"<div><h3 style=\"font-size:14px;margin:0 0 6px\">{_e(title)}</h3>"
        f"<table><thead><tr><th>{_e(title.lower())}</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        f"</table>{more}</div>"
    )


def _identity_rows(identities: Iterable[Identity], colors: Mapping[str, str]) -> str:
    rows = []
    for ident in identities:
        records = "<br>".join(
            f"{_prov(r.provider, colors)}<span class=\"mono\">{_e(r.id)}</span> {_e(r.display_name)}"
            for r in ident.records
        )
        keys = "".join(f'<span class="chip">{_e(k)}</span>' for k in ident.matched_on)
        shared = "<br>".join(_link_text(link) for link in ident.links[:4])
        if ident.conflicts:
            conflicts = "<br>".join(
                f'<span class="conf"><b>{_e(_CONFLICT_LABELS.get(c.field, c.field))}</b>: '
                + " &ne; ".join(
                    f"{_e(v)} <small>({_e(', '.join(k.split(':', 1)[0] for k in keys_))})</small>"
                    for v, keys_ in c.values
                )
                + "</span>"
                for c in ident.conflicts
            )
        else:
            conflicts = '<span class="none">none</span>'
        rows.append(
            f"<tr><td>{records}</td><td>{keys}<br>{shared}</td><td>{conflicts}</td>"
            f"<td>{_golden_cell(golden_record(ident))}</td></tr>"
        )
    return "".join(rows)


def _link_text(link: Link) -> str:
    if link.kind != "probabilistic":
        return f'<span class="mono">{_e(link.kind)}: {_e(link.value)}</span>'
    detail = "; ".join(f"{a.comparison}: {a.level} ({a.weight:+.1f})" for a in link.comparisons)
    return (
        f'<span class="mono" title="{_e(detail)}">probabilistic p={link.probability or 0:.4f} '
        f"w={link.weight or 0:.1f}: {_e(', '.join(link.agreed) or '-')} agreed</span>"
    )


def _golden_cell(golden: GoldenRecord) -> str:
    lines = []
    for choice in golden.fields:
        if choice.value is None:
            continue
        source = (choice.source or "").split(":", 1)[0]
        mark = ' class="conf"' if choice.conflicts else ""
        lines.append(
            f"<span{mark}><b>{_e(choice.field)}</b> {_e(choice.value)} "
            f"<small>({_e(source)}: {_e(choice.reason)})</small></span>"
        )
    return "<br>".join(lines)


def _identities(report: Report, colors: Mapping[str, str], limit: int) -> str:
    matches = report.matches
    ids = matches.identities
    if not ids:
        return '<p class="none">No customer was found at more than one provider.</p>'
    counts = matches.key_counts()
    spread: dict[int, int] = {}
    for ident in ids:
        spread[len(ident.providers)] = spread.get(len(ident.providers), 0) + 1
    with_conflicts = sum(1 for i in ids if i.conflicts)
    chips = "".join(f'<span class="chip">{_e(k)} &middot; {n:,}</span>' for k, n in counts.items() if n)
    spread_text = ", ".join(f"{n:,} at {k} providers" for k, n in sorted(spread.items(), reverse=True))
    shown = interesting_first(ids)[:limit]
    more = ""
    if len(ids) > len(shown):
        more = (
            f'<div class="more">Showing {len(shown):,} of {len(ids):,} (conflicts first); '
            "the JSON report has all.</div>"
        )
    return (
        f'<p class="sub">{len(ids):,} customers found at more than one provider ({_e(spread_text)}); '
        f"{with_conflicts:,} with conflicting values. Matched on: {chips}</p>"
        "<table><thead><tr><th style=\"width:30%\">records</th><th style=\"width:18%\">matched keys</th>"
        "<th>conflicts</th><th>golden record (value, source, why)</th></tr></thead>"
        f"<tbody>{_identity_rows(shown, colors)}</tbody></table>{more}"
    )


def _duplicates(report: Report, colors: Mapping[str, str], limit: int) -> str:
    dups = report.matches.duplicates
    if not dups:
        return '<p class="none">No probable duplicates inside a provider.</p>'
    rows = []
    for dup in dups[:limit]:
        records = "<br>".join(
            f'<span class="mono">{_e(r.id)}</span> {_e(r.display_name)}' for r in dup.records
        )
        keys = "<br>".join(f'<span class="mono">{_e(link.kind)}: {_e(link.value)}</span>' for link in dup.links[:4])
        rows.append(f"<tr><td>{_prov(dup.provider, colors)}</td><td>{records}</td><td>{keys}</td></tr>")
    more = f'<div class="more">Showing {limit:,} of {len(dups):,}.</div>' if len(dups) > limit else ""
    ambiguous = ""
    if report.matches.ambiguous:
        shared = report.matches.ambiguous
        items = ", ".join(
            f'<span class="mono">{_e(a.kind)}: {_e(a.value)}</span> ({a.count}, {_e(a.reason)})' for a in shared[:8]
        )
        extra = f" and {len(shared) - 8:,} more" if len(shared) > 8 else ""
        ambiguous = (
            '<div class="more">Keys not used for matching because they do not identify one customer: '
            f"{items}{extra}</div>"
        )
    return (
        "<table><thead><tr><th>provider</th><th>records</th><th>shared keys</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{more}{ambiguous}"
    )


def _mapping_errors(report: Report, colors: Mapping[str, str], limit: int) -> str:
    errors = report.mapping_errors
    if not errors:
        return '<p class="none">Every record mapped cleanly.</p>'
    rows = []
    for err in errors[:limit]:
        paths = "<br>".join(f'<span class="mono">{_e(p)}</span> {_e(r)}' for p, r in err.paths)
        rows.append(
            f"<tr><td>{_prov(err.provider or '?', colors)}</td><td class=\"mono\">{_e(err.record_id or '?')}</td>"
            f"<td class=\"num\">{'' if err.index is None else err.index}</td>"
            f"<td>{paths or '<span class=none>-</span>'}</td><td>{_e(err.message)}</td></tr>"
        )
    more = f'<div class="more">Showing {limit:,} of {len(errors):,}.</div>' if len(errors) > limit else ""
    return (
        "<table><thead><tr><th>provider</th><th>record id</th><th class=\"num\">index</th><th>JSON path</th>"
        f"<th>reason</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
    )


def render_html(report: Report, *, limit: int = 200) -> str:
    """The report as one self-contained HTML page (``limit`` rows per long table)."""
    colors = _provider_colors(report.providers)
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    source = f"{_e(report.source)} &middot; " if report.source else ""
    failed = report.failures
    failure_note = ""
    if failed:
        failure_note = (
            f'<div class="err" style="margin-top:0">{len(failed)} provider(s) failed: '
            + "; ".join(_e(f"{n}: {failure_text(e)}") for n, e in failed.items())
            + "</div>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>custbridge report</title>
<style>{_CSS}</style></head>
<body>
<header><div class="wrap"><h1>Customer report</h1>
<p>{source}{len(report.providers)} providers &middot; generated {_e(generated)} by custbridge</p></div></header>
<main class="wrap">
{_tiles(report)}
<section id="providers"><h2>Providers</h2><p class="sub">What was fetched from each provider.</p>
{failure_note}{_cards(report, colors)}</section>
<section id="status"><h2>Customers per provider and status</h2>
<p class="sub">Canonical status; the vendor's own value is kept on each customer.</p>{_status_chart(report)}</section>
<section id="completeness"><h2>Completeness</h2>
<p class="sub">Share of customers with a value, per provider and canonical field.</p>{_heatmap(report)}</section>
<section id="geo"><h2>Countries and languages</h2><p class="sub">Address country and preferred language
(bar under each count = share of that provider's customers).</p>
<div class="cols">{_distribution(report, "countries", "Country")}{_distribution(report, "languages", "Language")}</div>
</section>
<section id="identities"><h2>Cross-vendor identities</h2>
{_identities(report, colors, limit)}</section>
<section id="duplicates"><h2>Probable duplicates inside one provider</h2>
<p class="sub">Records of one provider sharing an e-mail, phone or external id.</p>
{_duplicates(report, colors, limit)}</section>
<section id="mapping-errors"><h2>Records that failed to map</h2>
<p class="sub">Collected instead of stopping the run; each names the JSON path that did not fit.</p>
{_mapping_errors(report, colors, limit)}</section>
</main>
<footer>custbridge &middot; one canonical Customer model over many vendors</footer>
</body></html>
"""
