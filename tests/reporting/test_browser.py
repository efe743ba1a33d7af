"""The HTML report in a real browser (headless Chromium) at 1280 and 390 px.

Headless Chromium will not make a window narrower than 500 px, so each page is shown in an
``<iframe>`` of the wanted width inside a small harness page: inside the frame the viewport
is exactly that wide. A probe script added to a copy of the report posts what the page
measures (its scroll size, visible identity rows, the pager text) to the harness, which
writes it into its own DOM for ``--dump-dom``.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from custbridge import Address, Customer, CustomerStatus
from custbridge.reporting import Report, build_report, render_html, run_report

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on PATH (Debian: apt-get install chromium) to render the HTML report"
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--virtual-time-budget=10000"]
PHONE, DESKTOP = 390, 1280

_PROBE = """<script>
window.addEventListener("load", function () {
  var d = document.documentElement, box = document.querySelector('[data-table="identities"]');
  var rows = box ? box.querySelectorAll("tbody tr") : [];
  var shown = Array.prototype.filter.call(rows, function (r) { return !r.hidden; });
  window.parent.postMessage({
    innerWidth: window.innerWidth, scrollWidth: d.scrollWidth, scrollHeight: d.scrollHeight,
    rows: rows.length, shown: shown.length,
    shownText: shown.map(function (r) { return r.textContent; }).join("\\n"),
    pager: box ? box.querySelector("[data-status]").textContent : null,
    ids: Array.prototype.map.call(document.querySelectorAll("section[id]"), function (s) { return s.id; }),
    toc: Array.prototype.map.call(document.querySelectorAll(".toc a"), function (a) { return a.getAttribute("href"); })
  }, "*");
});
</script></body>"""

_HARNESS = """<!doctype html><html><head><meta charset="utf-8"><style>body{{margin:0;background:#ddd}}
iframe{{border:0;display:block;width:{width}px;height:{height}px;background:#fff}}</style></head>
<body><iframe src="{src}"></iframe><script>
window.addEventListener("message", function (e) {{ document.body.setAttribute("data-probe", JSON.stringify(e.data)); }});
</script></body></html>"""


def chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=180, check=False)


def harness(page: Path, width: int, height: int, fragment: str = "") -> Path:
    """A page showing ``page`` (with the probe) in a frame ``width`` x ``height`` px."""
    probed = page.with_name(page.stem + ".probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE), encoding="utf-8")
    frame = page.with_name(f"{page.stem}.{width}{'.q' if fragment else ''}.harness.html")
    src = probed.as_uri() + (f"#{fragment}" if fragment else "")
    frame.write_text(_HARNESS.format(width=width, height=height, src=src), encoding="utf-8")
    return frame


def measure(page: Path, width: int, fragment: str = "") -> dict[str, Any]:
    """What the report page measures about itself in a viewport ``width`` px wide."""
    frame = harness(page, width, 900, fragment)
    result = chromium(f"--window-size={max(width + 20, 600)},1000", "--dump-dom", frame.as_uri())
    dom = result.stdout.decode("utf-8")
    start = dom.find("data-probe=")
    assert start >= 0, result.stderr.decode(errors="replace")[-2000:]
    quote = dom[start + 11]
    raw = dom[start + 12:dom.index(quote, start + 12)]
    data: dict[str, Any] = json.loads(raw.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                                      .replace("&gt;", ">"))
    assert data["innerWidth"] == width
    return data


def screenshot(page: Path, width: int, height: int, shot: Path) -> None:
    """A PNG of the whole page (``height`` px of it) at ``width`` px."""
    frame = harness(page, width, height)
    result = chromium(f"--screenshot={shot}", f"--window-size={max(width, 500)},{height}", frame.as_uri())
    assert shot.exists(), result.stderr.decode(errors="replace")[-2000:]


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered RGB(A) rows of an 8-bit truecolour PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        filter_type, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if filter_type == 1:
                cur[i] = (cur[i] + a) & 255
            elif filter_type == 2:
                cur[i] = (cur[i] + b) & 255
            elif filter_type == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif filter_type == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(cur))
        prev = cur
    return width, height, rows


# ----------------------------------------------------------------------------- reports


def big_population(people: int) -> Iterator[Customer]:
    """``people`` customers at both fake providers (one identity each); every 7th has a conflict."""
    statuses = [CustomerStatus.ACTIVE, CustomerStatus.INACTIVE, CustomerStatus.ON_HOLD]
    countries = ["BE", "NL", "DE", "US", "FR", "JP"]
    for i in range(people):
        email = f"person{i}@example.org"
        country = countries[i % len(countries)]
        yield Customer(provider="alpha", id=f"al{i:06d}", first_name=f"Ann{i}", last_name="Peeters", email=email,
                       status=statuses[i % 3], address=Address(country=country), language="nl")
        yield Customer(provider="beta", id=f"B{i}", first_name=f"Ann{i}", last_name="Peeters" if i % 7 else "Peters",
                       email=email, status=CustomerStatus.ACTIVE, address=Address(country=country))


@pytest.fixture(scope="module")
def big_report() -> Report:
    import custbridge

    from ._fakes import FAKES

    for name, cls in FAKES.items():
        custbridge.register_provider(name, cls)
    try:
        return build_report(big_population(10_000), source="synthetic: 10,000 people at two providers")
    finally:
        for name in FAKES:
            custbridge.unregister_provider(name)


@pytest.fixture(scope="module")
def big_page(big_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("big") / "report.html"
    page.write_text(render_html(big_report), encoding="utf-8")
    return page


# ----------------------------------------------------------------------------- tests


def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    report = run_report(["alpha", "beta"], sandbox=True, sandbox_size=80)
    page = tmp_path / "report.html"
    page.write_text(render_html(report, limit=20), encoding="utf-8")
    shot = tmp_path / "report.png"
    screenshot(page, DESKTOP, 1600, shot)
    data = shot.read_bytes()
    assert len(data) > 40_000  # a blank page of this size compresses to a few kB

    width, height, rows = decode_png(data)
    assert (width, height) == (1280, 1600)
    bpp = len(rows[0]) // width
    colours: set[bytes] = set()
    background = rows[height - 1][:3]
    painted = 0
    for row in rows[::8]:
        for x in range(0, width * bpp, bpp * 8):
            pixel = row[x:x + 3]
            colours.add(pixel)
            painted += pixel != background
    assert len(colours) > 100  # text, bars, heat-map shades, provider colours
    assert painted > 0.2 * len(colours) and painted > 2000

    dom = chromium("--dump-dom", page.as_uri()).stdout.decode("utf-8")
    assert dom.count('class="crow"') == 2 and 'class="heat"' in dom
    assert "Cross-vendor identities" in dom and dom.count("<tr") > 20
    assert "al00007" in dom  # the mapping-failure table
    assert 'class="tbox js"' in dom  # the script ran: search and paging are on


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_no_horizontal_overflow_and_bounded_height_at_10000_identities(big_page: Path, width: int) -> None:
    data = measure(big_page, width)
    assert data["scrollWidth"] <= width, data  # wide tables scroll inside their box, never the page
    page_rows = 25 if width == DESKTOP else 10  # rows are cards on a phone, so fewer per page
    assert data["rows"] == 10_000 and data["shown"] == page_rows
    # A few screens, not one per identity: about 4,000 px at 1280 and 5,700 px at 390.
    assert data["scrollHeight"] < (5_000 if width == DESKTOP else 6_500), data["scrollHeight"]
    assert data["pager"].startswith(f"1–{page_rows} of 10,000")
    assert data["ids"] == [h.lstrip("#") for h in data["toc"]]  # every section is in the table of contents


def test_search_and_filters_narrow_the_identity_table(big_page: Path) -> None:
    data = measure(big_page, DESKTOP, "q=person4242%40")
    assert data["shown"] == 1 and "al004242" in data["shownText"] and "B4242" in data["shownText"]
    assert data["pager"] == "1–1 of 1 matching (of 10,000)"
    data = measure(big_page, PHONE, "c=1&q=ann1")
    # Conflicts (every 7th person) among the people whose name starts with Ann1.
    expected = sum(1 for i in range(10_000) if i % 7 == 0 and str(i).startswith("1"))
    assert data["pager"] == f"1–10 of {expected:,} matching (of 10,000)"
    assert "Peters" in data["shownText"]
    data = measure(big_page, DESKTOP, "q=nobody-has-this")
    assert data["shown"] == 0 and data["pager"].startswith("nothing matches")


def test_phone_screenshot_has_content(big_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "phone.png"
    screenshot(big_page, PHONE, 2400, shot)
    width, height, rows = decode_png(shot.read_bytes())
    assert height == 2400
    bpp = len(rows[0]) // width
    # Left of 390 px is the page; right of it is the grey harness: the page painted its width.
    inside = {rows[y][x * bpp:x * bpp + 3] for y in range(0, height, 16) for x in range(0, PHONE, 6)}
    assert len(inside) > 60
