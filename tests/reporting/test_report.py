"""The report in its three renderings: text, JSON and one self-contained HTML page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from custbridge import Address, Customer, CustomerStatus, MappingError
from custbridge.reporting import (
    Report,
    ReportBuilder,
    build_report,
    render_html,
    render_json,
    render_text,
    run_report,
)


@pytest.fixture
def report() -> Report:
    return run_report(["alpha", "beta"], sandbox=True, sandbox_size=80)


def test_report_brings_summary_matches_and_fetch_outcome_together(report: Report) -> None:
    assert report.ok and report.providers == ("alpha", "beta")
    assert report.source == "sandbox (seed 0, 80 customers per provider)"
    assert report.summary.providers["alpha"].total == 81  # 80 + 2 duplicates - 1 unmappable
    assert report.summary.providers["beta"].statuses["on_hold"] > 0
    assert len(report.mapping_errors) == 1 and report.mapping_errors[0].record_id == "al00007"
    ids = report.matches.identities
    assert len(ids) == 23  # the shared 30 % of the population, less alpha's unmappable record
    assert all(i.providers == ("alpha", "beta") for i in ids)
    assert any("xref" in i.matched_on for i in ids)  # beta stores alpha's number as external id
    assert any(c.field == "email" for i in ids for c in i.conflicts)
    assert [d.provider for d in report.matches.duplicates] == ["alpha", "alpha"]
    assert report.display("alpha") == "Alpha CRM"


def test_text_report(report: Report) -> None:
    text = render_text(report, limit=3)
    for heading in ("Providers", "Customers per status", "Completeness", "Countries and languages",
                    "Cross-vendor identities: 23", "Probable duplicates inside one provider: 2",
                    "Records that failed to map: 1"):
        assert heading in text
    assert re.search(r"^alpha\s+Alpha CRM\s+ok\s+81\b", text, re.M)
    assert re.search(r"^language\s+100%\s+n/a$", text, re.M)  # beta has no language field
    assert "alpha id=al00007: $.created: not an ISO 8601 timestamp" in text
    assert "conflict email:" in text
    assert "... 20 more" in text


def test_json_report(report: Report) -> None:
    data = json.loads(render_json(report))
    assert data["ok"] is True and data["total_customers"] == 161
    alpha = data["providers"]["alpha"]
    assert alpha["display"] == "Alpha CRM" and alpha["customers"] == 81
    assert alpha["fetch"]["pages"] == 4 and alpha["fetch"]["mapping_errors"] == 1
    assert data["providers"]["beta"]["completeness"]["language"] == {
        "share": None, "present": 0, "applicable": 0, "not_loaded": 0, "supported": False}
    assert data["providers"]["beta"]["completeness"]["notes"]["not_loaded"] == 80
    assert data["identities"]["count"] == 23 and len(data["identities"]["items"]) == 23
    item = data["identities"]["items"][0]
    assert set(item) == {"providers", "matched_on", "records", "links", "conflicts", "golden"}
    assert set(item["golden"]) >= {"first_name", "email", "phone"} and set(item["golden"]["email"]) == {"value", "source", "reason", "conflicts"}
    assert data["mapping_errors"][0]["paths"][0]["path"] == "$.created"
    assert data["ambiguous_keys"] and {a["reason"] for a in data["ambiguous_keys"]} == {"different customers"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_one_self_contained_page(report: Report) -> None:
    html = render_html(report)
    parser = _Tags()
    parser.feed(html)
    assert "svg" not in parser.tags  # status bars are HTML, so their labels keep their size on a phone
    assert parser.tags.count("table") == 6  # heat map, countries, languages, identities, duplicates, failures
    assert parser.tags.count("script") == 1 and ("src", None) not in parser.attrs  # one inline script
    assert "link" not in parser.tags and "img" not in parser.tags
    assert not [k for k, _ in parser.attrs if k == "src"]
    external = [v for k, v in parser.attrs if k in ("src", "href") and v and not v.startswith("#")]
    assert external == []
    assert "@import" not in html and "url(http" not in html
    text = " ".join(parser.text)
    for heading in ("Customers per provider and status", "Completeness", "Countries and languages",
                    "Cross-vendor identities", "Probable duplicates inside one provider",
                    "Records that failed to map"):
        assert heading in text
    assert "al00007" in text and "$.created" in text
    assert "Alpha CRM" in text and "Beta Desk" in text


def test_html_escapes_vendor_text() -> None:
    evil = "<script>alert(1)</script>"
    report = build_report([
        Customer(provider="alpha", id=evil, company_name=evil, email="x@y.org", address=Address(country=evil)),
        Customer(provider="beta", id="2", email="x@y.org", status=CustomerStatus.ACTIVE),
    ])
    html = render_html(report)
    assert evil not in html and html.count("<script>") == 1  # only the page's own inline script
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_of_a_failed_provider_says_so() -> None:
    builder = ReportBuilder()
    builder.add(Customer(provider="alpha", id="1"))
    report = builder.build(mapping_errors=[MappingError("bad", provider="alpha", record_id="9", paths=[("$.x", "no")])])
    assert report.ok and report.mapping_errors[0].record_id == "9"
    assert "alpha id=9: $.x: no" in render_text(report)
    assert "$.x" in render_html(report)


def test_empty_report_renders() -> None:
    report = build_report([])
    assert "Cross-vendor identities: 0" in render_text(report)
    assert "No customers were fetched" in render_html(report)
    assert json.loads(render_json(report))["total_customers"] == 0


def _cells(html: str) -> dict[tuple[str, int], tuple[str, str]]:
    """Completeness cells by (field label, provider column): (state class, text)."""
    table = html[html.index('<table class="heat">'):]
    table = table[:table.index("</table>")]
    cells = {}
    for row in re.finditer(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S):
        for col, cell in enumerate(re.finditer(r'<td class="cell ([\w-]+)"[^>]*>([^<]*)</td>', row.group(2))):
            cells[row.group(1), col] = (cell.group(1), cell.group(2))
    return cells


def test_text_and_html_agree_on_n_a_and_not_loaded(report: Report) -> None:
    # beta has no language field (n/a) and loads notes on no record (not loaded).
    text = render_text(report)
    html = render_html(report)
    assert re.search(r"^language\s+100%\s+n/a$", text, re.M)
    assert re.search(r"^notes\s+\S+\s+not loaded$", text, re.M)
    cells = _cells(html)
    assert cells["language", 1] == ("na", "n/a")
    assert cells["notes", 1] == ("not-loaded", "not loaded")
    assert cells["language", 0] == ("value", "100%")
    from custbridge.reporting._html import _FIELD_LABELS

    fields_by_label = {v: k for k, v in _FIELD_LABELS.items()}
    assert len(cells) == 2 * len(report.summary.fields)
    for (label, col), (state, shown) in cells.items():
        field = fields_by_label.get(label, label)
        name = ("alpha", "beta")[col]
        line = re.search(rf"^{field}\s+(\S+(?: loaded)?)\s+(\S+(?: loaded)?)$", text, re.M)
        assert line is not None, field
        assert line.group(col + 1) == shown, (field, name)
        assert state in {"value", "partial", "na", "not-loaded"}
    # One legend names every state, in both renderings.
    for words in ("n/a: the provider has no such field", "not loaded: the field exists but no record loaded it",
                  "some records did not load the field"):
        assert words in html
    assert "n/a = the provider has no such field" in text and "not loaded = no record loaded the field" in text


def test_no_language_column_for_a_provider_without_the_field(report: Report) -> None:
    text = render_text(report)
    assert "(none)" not in text
    beta = text[text.index("  beta:"):].splitlines()[:2]
    assert "languages n/a (no language field)" in beta[1]
    html = render_html(report)
    languages = html[html.index("<h3 class=\"h3\">Language</h3>"):]
    languages = languages[:languages.index("</div>\n</div>")]
    assert "Beta Desk" not in languages.split("</thead>")[0]  # no column for beta
    assert "n/a: Beta Desk has no language field." in languages


def test_every_section_has_a_template_and_a_table_of_contents_entry(report: Report) -> None:
    from custbridge.reporting._html import SECTIONS

    html = render_html(report)
    toc = html[html.index('<nav class="toc"'):html.index("</nav>")]
    for section in SECTIONS:
        if section.id == "trend":  # only in reports built from the customer store (tests/sync)
            assert '<section id="trend">' not in html and 'href="#trend"' not in toc
            continue
        assert f'<section id="{section.id}">' in html
        assert f'href="#{section.id}"' in toc


def test_long_tables_carry_every_row_and_show_one_page(report: Report) -> None:
    html = render_html(report, page_size=5)
    box = html[html.index('data-table="identities"'):]
    box = box[:box.index("</table>")]
    rows = re.findall(r"<tr data-p=[^>]*>", box)
    assert len(rows) == 23
    assert sum(" hidden" not in r for r in rows) == 5
    assert all('data-c="1"' in r for r in rows[:3])  # conflicts first
    limited = render_html(report, limit=4, page_size=5)
    assert "19 more are left out of this page" in limited


def test_without_jinja2_the_html_report_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                              report: Report) -> None:
    import sys

    from custbridge.errors import ConfigurationError
    from custbridge.reporting import _html

    _html._environment.cache_clear()
    monkeypatch.setitem(sys.modules, "jinja2", None)
    try:
        with pytest.raises(ConfigurationError, match="jinja2") as info:
            render_html(report)
        assert "custbridge[cli]" in str(info.value)
    finally:
        _html._environment.cache_clear()


def test_templates_ship_inside_the_package() -> None:
    from importlib.resources import files

    from custbridge.reporting._html import SECTIONS

    root = files("custbridge.reporting") / "templates"
    for name in ("report.html.j2", "report.css", "report.js", *(s.template for s in SECTIONS)):
        assert (root / name).is_file(), name


def test_text_report_says_why_a_provider_cannot_match_exactly() -> None:
    builder = ReportBuilder()
    for n in range(2):  # as Augno under its documented includes: contact info not expanded
        builder.add(Customer(provider="alpha", id=str(n), display_name=f"A {n}", not_loaded=frozenset({"email", "phone"})))
        builder.add(Customer(provider="beta", id=str(n), display_name=f"B {n}", email=f"b{n}@example.com"))
        builder.add(Customer(provider="gamma", id=str(n), display_name=f"G {n}", email=f"b{n}@example.com"))
    text = render_text(builder.build())
    assert "alpha: 0 of 2 customers also found elsewhere (email and phone not loaded" in text
    assert "beta: 2 of 2 customers also found elsewhere\n" in text
