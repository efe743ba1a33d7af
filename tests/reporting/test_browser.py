"""The HTML report renders in a real browser (headless Chromium): a screenshot with content."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from custbridge.reporting import render_html, run_report

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no Chromium on PATH (Debian: apt-get install chromium) to render the HTML report"
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=120, check=False)


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


def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    report = run_report(["alpha", "beta"], sandbox=True, sandbox_size=80)
    page = tmp_path / "report.html"
    page.write_text(render_html(report, limit=20), encoding="utf-8")
    shot = tmp_path / "report.png"

    result = chromium(f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri())
    assert shot.exists(), result.stderr.decode(errors="replace")[-2000:]
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
    assert dom.count("class=\"crow\"") == 2 and "class=\"heat\"" in dom
    assert "Cross-vendor identities" in dom and dom.count("<tr>") > 20
    assert "al00007" in dom  # the mapping-failure table
