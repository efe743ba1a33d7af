"""Vendor text printed by the CLI is inert: never rich markup, never a terminal escape (issue 10, point 6)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from custbridge import Customer, CustomerStatus, MappingError, cli

NAME = "[/][bold red]Evil[/] \x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m\u202eCorp\r\x08"
"""Closes a rich tag that was never opened (MarkupError), opens markup, writes the clipboard
(OSC 52), clears the screen (CSI), uses the one-byte CSI, reverses the text, rewinds the line."""
ACTING = ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e", "\r", "\x08")


def _hostile_customer() -> Customer:
    return Customer(
        provider="rotor", id="c-[/]\x1b[2J", display_name=NAME, company_name=NAME, email="x@example.com",
        notes=NAME, status=CustomerStatus.ACTIVE,
    )


class _HostileList:
    def __init__(self) -> None:
        self.errors = [MappingError(f"bad record {NAME}", provider="rotor", record_id=NAME)]

    def __iter__(self) -> Any:
        return iter([_hostile_customer()])


class _HostileClient:
    capabilities = None

    def __enter__(self) -> _HostileClient:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def get(self, customer_id: str) -> Customer:
        return _hostile_customer()

    def list(self, **kwargs: Any) -> _HostileList:
        return _HostileList()


@pytest.mark.parametrize("rich", [True, False])
@pytest.mark.parametrize("argv", [["get", "rotor", "c-1"], ["list", "rotor"], ["list", "rotor", "--format", "jsonl"],
                                  ["get", "rotor", "c-1", "--format", "json"]])
def test_vendor_text_prints_inert(argv: list[str], rich: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_connect", lambda args, name: _HostileClient())
    stdout, stderr = io.StringIO(), io.StringIO()
    code = cli.main([*argv, "--sandbox"], stdout=stdout, stderr=stderr, rich=rich)
    out, err = stdout.getvalue(), stderr.getvalue()
    assert code == 0, err
    for text in (out, err):
        assert not [seq for seq in ACTING if seq in text], (argv, text)
    assert "[/]" in out and "Evil" in out  # shown, as text
    assert "\\u001b]52" in out or "\\u001b]52" in out.replace("\\\\", "\\")
    if argv[0] == "list" and "jsonl" not in argv:
        assert "skipped a record" in err and "\\u001b" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_to_a_terminal_is_inert_and_to_a_pipe_exact(fmt: str) -> None:
    from custbridge._inert import inert_stream
    from custbridge.reporting import open_writer

    terminal, pipe = _Terminal(), io.StringIO()
    assert inert_stream(pipe) is pipe
    for target in (inert_stream(terminal), pipe):
        with open_writer(target, fmt) as writer:
            writer.write(_hostile_customer())
    assert not [seq for seq in ACTING if seq in terminal.getvalue()]
    assert "\x1b" in pipe.getvalue() or "\\u001b" in pipe.getvalue()  # the data itself is untouched in a pipe
    assert "[/]" in terminal.getvalue()
