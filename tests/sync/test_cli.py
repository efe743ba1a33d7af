"""custbridge sync / changes / report --from-store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from custbridge.cli import main


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, rich=False)
    return code, out.getvalue(), err.getvalue()


def test_sync_changes_and_report_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    store = str(tmp_path / "customers.duckdb")
    common = ["--sandbox", "--sandbox-size", "20", "--providers", "rotor,pexip_engage", "--destination", store]
    code, out, err = _run("sync", *common)
    assert code == 0, err
    assert "rotor" in out and "20" in out
    code, out, err = _run("sync", *common, "--sandbox-day", "1")
    assert code == 0, err
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith(("rotor", "pexip"))}
    assert lines["rotor"][:5] == ["2", "3", "1", "16", "yes"]
    code, out, err = _run("changes", "--store", store, "--format", "json")
    assert code == 0, err
    feed = json.loads(out)
    assert {name: [len(feed[name][k]) for k in ("added", "changed", "removed")] for name in feed} == {
        "pexip_engage": [2, 3, 1],
        "rotor": [2, 3, 1],
    }
    assert all("email" in c["fields"] for c in feed["rotor"]["changed"])
    code, out, err = _run("changes", "--store", store)
    assert code == 0 and "rotor: 2 added, 3 changed, 1 removed" in out
    # The report reads the store only: no provider is connected.
    import custbridge.registry

    def no_vendor(*args: object, **kwargs: object) -> None:
        raise AssertionError("report --from-store must not call a vendor")

    monkeypatch.setattr(custbridge.registry, "connect", no_vendor)
    monkeypatch.setattr(custbridge.registry, "connect_async", no_vendor)
    code, out, err = _run("report", "--from-store", store, "--format", "json", "--no-html")
    assert code == 0, err
    report = json.loads(out)
    assert report["total_customers"] == 42
    assert [(r["provider"], r["customers"]) for r in report["trend"]] == [
        ("pexip_engage", 20), ("rotor", 20), ("pexip_engage", 21), ("rotor", 21)
    ]
    html = tmp_path / "r.html"
    code, out, err = _run("report", "--from-store", store, "--format", "text", "--html", str(html))
    assert code == 0, err
    assert "Trend (customer store sync runs)" in out
    assert 'id="trend"' in html.read_text()
    code, _, err = _run("changes", "--store", store, "--since", "yesterday")
    assert code == 2 and "--since" in err
    code, _, err = _run("report", "--from-store", str(tmp_path / "none.duckdb"), "--no-html")
    assert code == 2 and "no store" in err


def test_changes_never_cut_a_value_silently() -> None:
    from custbridge.cli import _clip

    email = "patricia.williams.d2cg4m@mail.example.net"  # 41 characters: shown whole
    assert _clip(email) == email
    assert _clip("x" * 80) == "x" * 59 + "…"
    assert _clip("two\nlines") == "two lines"
