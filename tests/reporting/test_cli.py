"""The ``custbridge`` command, run through ``main(argv)`` with captured output."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import custbridge
from custbridge import cli
from custbridge.reporting import read_jsonl

from ._fakes import FakeSandbox

SANDBOX = ["--sandbox", "--sandbox-size", "30"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the report's default HTML file lands here


@pytest.fixture
def only_fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fakes the only installed providers (for the default provider sets)."""
    import custbridge.reporting._providers as providers_module

    monkeypatch.setattr(providers_module, "providers", lambda: ["alpha", "beta"])
    monkeypatch.setattr(cli, "providers", lambda: ["alpha", "beta"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ----------------------------------------------------------------------------- providers, coverage


def test_providers_lists_configuration_without_secrets(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETA_TOKEN", "s3cret-beta-token")
    code, out, _ = run(capsys, "providers")
    assert code == 0
    assert re.search(r"^alpha\s+Alpha CRM\s+no: set ALPHA_TOKEN\s+yes\s+get, list", out, re.M)
    assert re.search(r"^beta\s+Beta Desk\s+yes\s+yes", out, re.M)
    assert "s3cret" not in out


def test_providers_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "providers", "--format", "json")
    data = {p["name"]: p for p in json.loads(out)}
    assert code == 0
    assert data["alpha"]["missing"] == ["ALPHA_TOKEN"] and data["alpha"]["sandbox"] is True
    assert data["beta"]["fields"]["language"] == "unsupported"
    assert data["beta"]["variables"] == ["BETA_TOKEN", "BETA_BASE_URL"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_coverage_formats(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "coverage", "--providers", "alpha,beta", "--format", fmt)
    assert code == 0
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["kind", "name", "alpha", "beta"]
        table = {(r[0], r[1]): r[2:] for r in rows[1:]}
        assert table["field", "language"] == ["read", "unsupported"]
        assert table["operation", "create"] == ["unsupported", "unsupported"]
        assert table["filter", "search"] == ["emulated", "emulated"]
        assert len(rows) == 1 + 6 + 5 + 22
    elif fmt == "markdown":
        assert out.startswith("| kind | name | alpha | beta |\n|---|---|---|---|\n")
        assert "| field | `language` | read | - |" in out
    else:
        assert re.search(r"^field\s+language\s+read\s+-$", out, re.M)


def test_coverage_of_an_unknown_provider(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "coverage", "--providers", "alpha,zeta")
    assert code == 2 and "unknown provider(s): zeta" in err and "installed:" in err


# ----------------------------------------------------------------------------- get, list


def test_list_table_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", "beta", *SANDBOX, "--limit", "4")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "name", "email", "phone", "status", "country", "created"]
    assert len(lines) == 5 and lines[1].startswith("B1000 ")
    assert "4 customer(s)" in err
    code, out, _ = run(capsys, "list", "beta", *SANDBOX, "--status", "on_hold", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and {r["status"] for r in rows} == {"on_hold"}


def test_list_jsonl_reads_back_as_customers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", "alpha", *SANDBOX, "--format", "jsonl")
    customers = list(read_jsonl(io.StringIO(out)))
    assert code == 0 and len(customers) == 29  # one record fails to map, with a warning
    assert all(c.provider == "alpha" for c in customers)
    assert "warning: skipped a record that failed to map" in err and "$.created" in err


def test_list_search(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "alpha", *SANDBOX, "--search", "FIEN", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and all("fien" in r["display_name"].casefold() for r in rows)


def test_get_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "get", "alpha", "al00003", *SANDBOX)
    assert code == 0
    assert re.search(r"^key\s+alpha:al00003$", out, re.M)
    assert re.search(r"^number\s+A-000000003$", out, re.M)
    assert "website" not in out  # unsupported fields are not shown
    code, out, _ = run(capsys, "get", "alpha", "al00003", *SANDBOX, "--format", "json", "--raw")
    data = json.loads(out)
    assert data["key"] == "alpha:al00003" and data["raw"]["id"] == "al00003"


def test_get_unknown_id_fails_with_the_provider_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "get", "alpha", "nope", *SANDBOX)
    assert code == 1 and "NotFoundError" in err and "alpha get" in err


# ----------------------------------------------------------------------------- credentials


def test_no_credentials_and_no_sandbox_says_what_to_set(capsys: pytest.CaptureFixture[str], only_fakes: None) -> None:
    code, out, err = run(capsys, "report")
    assert code == 2 and out == ""
    assert "no provider is configured" in err
    assert "alpha (Alpha CRM): set ALPHA_TOKEN" in err and "beta (Beta Desk): set BETA_TOKEN" in err
    assert "--sandbox" in err


def test_named_provider_without_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "alpha")
    assert code == 2 and "alpha: set ALPHA_TOKEN" in err and "or add --sandbox" in err


def test_configured_providers_are_the_default_set(capsys: pytest.CaptureFixture[str], only_fakes: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETA_TOKEN", FakeSandbox.TOKEN)
    args = cli.build_parser().parse_args(["report"])
    out = cli.Output(io.StringIO(), io.StringIO(), rich=False)
    assert cli._choose(args, out, []) == ["beta"]
    args = cli.build_parser().parse_args(["report", "--sandbox"])
    assert cli._choose(args, out, []) == ["alpha", "beta"]


# ----------------------------------------------------------------------------- export


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_formats(capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow.parquet", reason="pyarrow (the parquet extra) is not installed")
    target = tmp_path / f"all.{fmt}"
    code, out, err = run(capsys, "export", *SANDBOX, "--providers", "alpha,beta", "--format", fmt,
                         "--output", str(target))
    assert code == 0 and out == ""
    assert f"wrote 59 customers from 2 provider(s) to {target} ({fmt})" in err
    assert "1 record(s) failed to map" in err
    if fmt == "jsonl":
        assert len(list(read_jsonl(target))) == 59
    elif fmt == "csv":
        with target.open(encoding="utf-8", newline="") as handle:
            assert len(list(csv.DictReader(handle))) == 59
    else:
        import pyarrow.parquet as pq

        assert pq.ParquetFile(target).metadata.num_rows == 59


def test_export_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", *SANDBOX, "--providers", "beta", "--format", "jsonl", "--output", "-")
    assert code == 0 and len(out.splitlines()) == 30


def test_export_with_a_failing_provider_exits_nonzero(capsys: pytest.CaptureFixture[str], locked: str,
                                                      tmp_path: Path) -> None:
    code, _, err = run(capsys, "export", *SANDBOX, "--providers", f"{locked},beta", "--format", "csv",
                       "--output", str(tmp_path / "x.csv"))
    assert code == 1
    assert "wrote 30 customers" in err
    assert f"error: {locked} failed: AuthenticationError" in err


# ----------------------------------------------------------------------------- report


def test_report_text_also_writes_html(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "report", *SANDBOX, "--providers", "alpha,beta")
    assert code == 0
    assert out.startswith("custbridge report - sandbox (seed 0, 30 customers per provider)")
    assert "Cross-vendor identities:" in out
    html = tmp_path / cli.DEFAULT_HTML
    assert html.exists() and "class=\"chart\"" in html.read_text(encoding="utf-8")
    assert f"HTML report written to {html}" in err


def test_report_json_and_html_outputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "report", *SANDBOX, "--providers", "alpha,beta", "--format", "json")
    assert code == 0 and json.loads(out)["total_customers"] == 59
    assert not (tmp_path / cli.DEFAULT_HTML).exists()  # only the text format adds the HTML file
    code, out, _ = run(capsys, "report", *SANDBOX, "--providers", "beta", "--format", "html",
                       "--output", "r.html")
    assert code == 0 and out == "" and (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!doctype")
    code, out, _ = run(capsys, "report", *SANDBOX, "--providers", "beta", "--no-html", "--output", "r.txt")
    assert code == 0 and out == "" and "Beta Desk" in (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert not (tmp_path / cli.DEFAULT_HTML).exists()


def test_report_with_a_failing_provider(capsys: pytest.CaptureFixture[str], locked: str) -> None:
    code, out, err = run(capsys, "report", *SANDBOX, "--providers", f"alpha,{locked}", "--no-html")
    assert code == 1
    assert re.search(rf"^{locked}\s+Locked CRM\s+FAILED", out, re.M)
    assert re.search(r"^alpha\s+Alpha CRM\s+ok\s+29", out, re.M)
    assert f"error: {locked} failed: AuthenticationError" in err and "LOCKED_TOKEN" in err


def test_report_with_faults_still_completes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", "--sandbox", "--sandbox-size", "200", "--providers", "beta", "--no-html",
                       "--format", "json", "--faults", "0.5:429-retry-after")
    data = json.loads(out)
    assert code == 0 and data["providers"]["beta"]["customers"] == 200
    assert data["providers"]["beta"]["fetch"]["rate_limited"] > 0


def test_faults_need_the_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", "--providers", "beta", "--faults", "0.2")
    assert code == 2 and "--faults needs --sandbox" in err


def test_ctrl_c_exits_130(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import custbridge.reporting

    async def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(custbridge.reporting, "run_report_async", interrupted)
    code, _, err = run(capsys, "report", *SANDBOX, "--providers", "beta")
    assert code == 130 and "interrupted" in err


def test_rich_output_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = cli.main(["report", *SANDBOX, "--providers", "alpha,beta", "--no-html"], stdout=stdout, stderr=stderr,
                    rich=True)
    assert code == 0
    assert "\x1b[" in stderr.getvalue()  # a progress display was drawn
    assert "customers" in stderr.getvalue() and "rate-limit waits" in stderr.getvalue()
    stdout = io.StringIO()
    assert cli.main(["providers"], stdout=stdout, stderr=stderr, rich=True) == 0
    assert "Alpha CRM" in stdout.getvalue() and "━" in stdout.getvalue()


def test_piped_output_has_no_escape_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", *SANDBOX, "--providers", "alpha,beta", "--no-html")
    assert code == 0 and "\x1b[" not in out + err


# ----------------------------------------------------------------------------- usage, sandbox serve


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert cli.main(["--version"]) == 0
    assert custbridge.__version__ in capsys.readouterr().out
    assert cli.main(["export", "--format", "jsonl"]) == 2  # --output is required
    assert cli.main(["sandbox"]) == 2
    assert "serve" in capsys.readouterr().err


def test_sandbox_without_simulator_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    class NoSandbox(custbridge.Provider):
        display = "No Sandbox"

    custbridge.register_provider("nosandbox", NoSandbox)
    try:
        code, _, err = run(capsys, "list", "nosandbox", "--sandbox")
    finally:
        custbridge.unregister_provider("nosandbox")
    assert code == 2 and "ship(s) no sandbox" in err


def test_sandbox_serve_over_loopback_http() -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(cli.main(
        ["sandbox", "serve", "--providers", "alpha,beta", "--sandbox-size", "12", "--timeout", "3"],
        stdout=stdout, stderr=stderr)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "serving 2 simulator(s)" not in stdout.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        text = stdout.getvalue()
        urls = dict(re.findall(r"^(\w+) \([^)]*\): (http://127\.0\.0\.1:\d+)$", text, re.M))
        assert set(urls) == {"alpha", "beta"}, text
        assert f"BETA_TOKEN={FakeSandbox.TOKEN} BETA_BASE_URL={urls['beta']}" in text
        with custbridge.connect("beta", token=FakeSandbox.TOKEN, base_url=urls["beta"]) as client:
            assert len(list(client.list())) == 12
    finally:
        thread.join(timeout=10)
    assert codes == [0]


# ----------------------------------------------------------------------------- bad input: one line, exit 2


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["report", "--sandbox", "--faults", "0.2:42"], "unknown fault kind '42'"),
        (["report", "--sandbox", "--faults", "lots"], "the rate must be a number"),
        (["report", "--sandbox", "--faults", "1.5"], "between 0 and 1"),
        (["sandbox", "serve", "--port", "99999"], "port number 0-65535"),
        (["sandbox", "serve", "--port", "http"], "port number 0-65535"),
        (["sandbox", "serve", "--timeout", "-1"], "must be > 0"),
        (["report", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["list", "zeta"], "unknown provider(s): zeta"),
        (["report", "--providers", "alpha,zeta", "--sandbox"], "unknown provider(s): zeta"),
        (["list", "alpha", "--sandbox", "--limit", "0"], "must be >= 1"),
        (["report", "--sandbox", "--providers", "beta", "--output", "missing-dir/r.txt"], "cannot write missing-dir/r.txt"),
        (["report", "--sandbox", "--providers", "beta", "--format", "html", "--output", "."], "it is a directory"),
        (["export", "--sandbox", "--format", "parquet", "--output", "-"], "parquet cannot be written to stdout"),
        (["report", "--sandbox", "--output", "-", "--html", "-"], "cannot both go to stdout"),
        (["get"], "the following arguments are required: provider, id"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["completion", "tcsh"], "invalid choice: 'tcsh'"),
        (["list", "alpha", "--log-level", "loud"], "invalid choice: 'loud'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("custbridge"), err
    assert words in err
    assert "Traceback" not in err


def test_a_faults_typo_fetches_nothing_and_keeps_the_last_report(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    (tmp_path / cli.DEFAULT_HTML).write_text("last week's report", encoding="utf-8")
    code, _, err = run(capsys, "report", *SANDBOX, "--providers", "alpha,beta", "--faults", "0.2:5OO")
    assert code == 2 and "bug in the provider" not in err and "5OO" in err
    assert (tmp_path / cli.DEFAULT_HTML).read_text(encoding="utf-8") == "last week's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == [cli.DEFAULT_HTML]  # no temporary file left


def test_a_failed_run_keeps_an_existing_report_and_says_so(capsys: pytest.CaptureFixture[str], locked: str,
                                                           tmp_path: Path) -> None:
    (tmp_path / "r.html").write_text("the good one", encoding="utf-8")
    code, _, err = run(capsys, "report", *SANDBOX, "--providers", f"alpha,{locked}", "--format", "html",
                       "--output", "r.html")
    assert code == 1
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == "the good one"
    assert "kept" in err and "r.failed.html" in err
    assert (tmp_path / "r.failed.html").read_text(encoding="utf-8").startswith("<!doctype")
    # With nothing to protect, the partial report is written where asked.
    code, _, _ = run(capsys, "report", *SANDBOX, "--providers", f"alpha,{locked}", "--format", "html",
                     "--output", "new.html")
    assert code == 1 and (tmp_path / "new.html").exists()


def test_an_interrupted_run_replaces_nothing(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    import custbridge.reporting

    async def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    (tmp_path / "out.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(custbridge.reporting, "run_report_async", interrupted)
    code, _, _ = run(capsys, "report", *SANDBOX, "--providers", "beta", "--format", "json", "--output", "out.json")
    assert code == 130 and (tmp_path / "out.json").read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_bug_is_still_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: Any, out: Any) -> int:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli, "cmd_coverage", broken)
    code, _, err = run(capsys, "coverage")
    assert code == 1 and err.count("\n") == 1 and "RuntimeError: boom second line" in err


# ----------------------------------------------------------------------------- --output -, logging, list ids


@pytest.mark.parametrize(
    "argv",
    [
        ["providers", "--format", "json"],
        ["coverage", "--providers", "alpha,beta", "--format", "csv"],
        ["get", "alpha", "al00003", *SANDBOX, "--format", "json"],
        ["list", "beta", *SANDBOX, "--format", "jsonl"],
        ["export", *SANDBOX, "--providers", "beta", "--format", "csv"],
        ["report", *SANDBOX, "--providers", "alpha,beta", "--format", "json"],
        ["report", *SANDBOX, "--providers", "alpha,beta", "--format", "html"],
        ["report", *SANDBOX, "--providers", "alpha,beta", "--no-html"],
        ["completion", "bash"],
    ],
)
def test_output_dash_is_stdout_and_a_file_gets_the_same(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        argv: list[str]) -> None:
    code, out, _ = run(capsys, *argv, "--output", "-")
    assert code == 0 and out
    assert not (tmp_path / "-").exists()
    code, again, err = run(capsys, *argv, "--output", "result.out")
    assert code == 0 and again == ""
    written = (tmp_path / "result.out").read_bytes().decode("utf-8")
    if "report" not in argv:  # reports carry their generation time
        assert written == out
    else:
        assert written.splitlines()[3:] == out.splitlines()[3:] or written[:15] == out[:15]
    assert "result.out" in err
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


def test_report_html_to_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "report", *SANDBOX, "--providers", "beta", "--no-html", "--format", "json",
                       "--html", "-")
    assert code == 0 and out.startswith("{")  # --no-html wins
    code, out, _ = run(capsys, "report", *SANDBOX, "--providers", "beta", "--output", "r.txt", "--html", "-")
    assert code == 0 and out.startswith("<!doctype html>")
    assert (tmp_path / "r.txt").read_text(encoding="utf-8").startswith("custbridge report")


@pytest.mark.parametrize("flag", [["-v"], ["--log-level", "info"]])
def test_verbose_shows_retries_and_rate_limit_waits(capsys: pytest.CaptureFixture[str], flag: list[str]) -> None:
    code, _, err = run(capsys, "report", "--sandbox", "--sandbox-size", "60", "--providers", "beta", "--no-html",
                       "--format", "json", "--faults", "0.5:429-retry-after", *flag)
    assert code == 0
    assert re.search(r"INFO custbridge: beta list: .*; retry 1 in \d", err), err
    code, _, err = run(capsys, "report", "--sandbox", "--sandbox-size", "60", "--providers", "beta", "--no-html",
                       "--format", "json", "--faults", "0.5:429-retry-after")
    assert code == 0 and "retry" not in err
    import logging

    added = [h for h in logging.getLogger("custbridge").handlers if type(h) is logging.StreamHandler]
    assert not added  # the handler is removed after the run


def test_verbose_before_the_command_works_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-vv", "get", "alpha", "al00003", *SANDBOX)
    assert code == 0 and "DEBUG custbridge: alpha GET" in err


def test_list_never_cuts_ids(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from ._fakes import FakeSandbox

    long_id = "cus_" + "x" * 40
    original = FakeSandbox.__init__

    def with_long_ids(self: Any, records: list[dict[str, Any]], **options: Any) -> None:
        records = [dict(r) for r in records]
        records[1]["id"] = long_id
        original(self, records, **options)

    monkeypatch.setattr(FakeSandbox, "__init__", with_long_ids)
    code, out, _ = run(capsys, "list", "beta", *SANDBOX, "--limit", "3")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()[1:]]
    assert long_id in ids and all("…" not in i for i in ids)
    code, out, _ = run(capsys, "list", "beta", *SANDBOX, "--limit", "3", "--format", "ids")
    assert code == 0 and out.splitlines() == ids
    stdout = io.StringIO()
    assert cli.main(["list", "beta", *SANDBOX, "--limit", "3"], stdout=stdout, stderr=io.StringIO(), rich=True) == 0
    for customer_id in ids:
        assert customer_id in stdout.getvalue()  # whole, on one line, on a terminal too


# ----------------------------------------------------------------------------- completion


def _candidates(*words: str) -> list[str]:
    from custbridge._completion import candidates

    return candidates(cli.build_parser(), list(words))


def test_completion_of_commands_options_providers_and_formats() -> None:
    assert _candidates("re") == ["report"]
    assert {"providers", "coverage", "get", "list", "export", "report", "sandbox", "completion"} <= set(_candidates(""))
    assert "--format" in _candidates("report", "--f")
    assert _candidates("report", "--format", "") == ["text", "json", "html"]
    assert _candidates("export", "--format=p") == ["--format=parquet"]
    assert _candidates("list", "") == ["alpha", "beta"] or {"alpha", "beta"} <= set(_candidates("list", ""))
    assert "beta" in _candidates("get", "b")
    assert "alpha,beta" in _candidates("report", "--providers", "alpha,")
    assert "alpha,alpha" not in _candidates("report", "--providers", "alpha,")
    assert _candidates("report", "--output", "") == ["__files__"]
    assert _candidates("sandbox", "") == ["serve"]
    assert "--port" in _candidates("sandbox", "serve", "--p")
    assert _candidates("completion", "") == ["bash", "zsh", "fish"]
    assert _candidates("report", "--log-level", "d") == ["debug"]


def test_complete_entry_point_prints_one_candidate_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "__complete", "report", "--format", "")
    assert code == 0 and out == "text\njson\nhtml\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(capsys: pytest.CaptureFixture[str], shell: str) -> None:
    code, out, _ = run(capsys, "completion", shell)
    assert code == 0 and "custbridge __complete" in out


def test_bash_completion_script_completes(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    # A stand-in `custbridge` on PATH that runs this interpreter's CLI.
    shim = tmp_path / "custbridge"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m custbridge.cli \"$@\"\n", encoding="utf-8")
    shim.chmod(0o755)
    code = "\n".join([
        'eval "$(custbridge completion bash)"',
        "COMP_WORDS=(custbridge report --format h); COMP_CWORD=3; _custbridge_complete",
        'printf "%s\\n" "${COMPREPLY[@]}"',
        "COMP_WORDS=(custbridge rep); COMP_CWORD=1; _custbridge_complete",
        'printf "%s\\n" "${COMPREPLY[@]}"',
    ])
    import os

    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([bash, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.stdout.split() == ["html", "report"], result.stderr


def test_a_failed_export_keeps_the_existing_file(capsys: pytest.CaptureFixture[str], locked: str,
                                                 tmp_path: Path) -> None:
    (tmp_path / "all.csv").write_text("yesterday", encoding="utf-8")
    code, _, err = run(capsys, "export", *SANDBOX, "--providers", f"{locked},beta", "--format", "csv",
                       "--output", "all.csv")
    assert code == 1
    assert (tmp_path / "all.csv").read_text(encoding="utf-8") == "yesterday"
    assert "all.failed.csv" in err and "kept" in err
    with (tmp_path / "all.failed.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 30
    code, _, _ = run(capsys, "export", *SANDBOX, "--providers", "beta", "--format", "csv", "--output", "all.csv")
    assert code == 0 and (tmp_path / "all.csv").read_text(encoding="utf-8").startswith("key,")


def test_fish_completion_script_completes(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    fish = shutil.which("fish")
    if fish is None:
        pytest.skip("no fish shell")
    shim = tmp_path / "custbridge"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m custbridge.cli \"$@\"\n", encoding="utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}"}
    code = 'custbridge completion fish | source; complete -C "custbridge report --format h"; complete -C "custbridge rep"'
    result = subprocess.run([fish, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.stdout.split() == ["html", "report"], result.stderr


def test_probabilistic_report_without_the_extra_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "splink" else real(name, *a))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "report", "--sandbox", "--providers", "alpha", "--match", "probabilistic")
    assert code == 2 and out == ""
    assert err.strip() == 'custbridge: error: --match probabilistic needs splink: pip install "custbridge[identity]"'
    assert not list(tmp_path.iterdir())  # nothing fetched, nothing written


def test_written_files_get_the_mode_a_plain_write_would(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import os
    import stat

    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.json"
        code, _, _ = run(capsys, "report", "--sandbox", "--providers", "alpha", "--format", "json", "-o", str(new))
        assert code == 0 and stat.S_IMODE(new.stat().st_mode) == 0o644  # not mkstemp's private 0600
        kept = tmp_path / "kept.json"
        kept.write_text("{}", encoding="utf-8")
        kept.chmod(0o640)
        code, _, _ = run(capsys, "report", "--sandbox", "--providers", "alpha", "--format", "json", "-o", str(kept))
        assert code == 0 and stat.S_IMODE(kept.stat().st_mode) == 0o640  # a replaced file keeps its mode
    finally:
        os.umask(umask)
