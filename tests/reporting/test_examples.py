"""The example scripts in examples/ run and print what they promise."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path

import pytest

import custbridge
from custbridge.reporting import has_sandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> Callable[[list[str]], int]:
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="example")
    main: Callable[[list[str]], int] = namespace["main"]
    return main


def test_missing_email(capsys: pytest.CaptureFixture[str]) -> None:
    main = load("missing_email.py")
    assert main(["alpha", "beta", "--sandbox", "--size", "60"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # beta leaves every ninth e-mail empty; those shared with alpha still have alpha's e-mail
    assert lines[-1] == "5 customer(s) without an e-mail anywhere, out of 120 records"
    listed = [line.split()[0] for line in lines[:-1]]
    assert listed and all(key.startswith("beta:") for key in listed)
    assert "beta:B1004" not in listed  # B1004 is a shared customer: alpha has the e-mail


def test_present_in_one_but_not_the_other(capsys: pytest.CaptureFixture[str]) -> None:
    main = load("present_in_rotor_not_in_pexip.py")
    assert main(["--left", "alpha", "--right", "beta", "--sandbox", "--size", "60"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # 60 alpha records (61 - 1 unmappable); 18 people are shared, less the unmappable one: 17 in beta
    assert lines[-1] == "43 of 60 alpha customers are not in beta"
    assert len(lines) == 44


def test_examples_fail_cleanly_when_a_provider_fails(capsys: pytest.CaptureFixture[str], locked: str) -> None:
    main = load("present_in_rotor_not_in_pexip.py")
    assert main(["--left", locked, "--right", "beta", "--sandbox", "--size", "5"]) == 1
    assert f"! {locked} failed" in capsys.readouterr().err


def _ready(*names: str) -> bool:
    for name in names:
        try:
            if not has_sandbox(custbridge.registry.provider_class(name)):
                return False
        except custbridge.CustbridgeError:
            return False
    return True


@pytest.mark.skipif(not _ready("rotor", "pexip_engage"), reason="the rotor and pexip_engage adapters are not installed")
def test_examples_with_their_default_providers(capsys: pytest.CaptureFixture[str]) -> None:
    assert load("present_in_rotor_not_in_pexip.py")(["--sandbox", "--size", "40"]) == 0
    assert "rotor customers are not in pexip_engage" in capsys.readouterr().out
    assert load("missing_email.py")(["rotor", "pexip_engage", "--sandbox", "--size", "40"]) == 0
    assert "without an e-mail anywhere" in capsys.readouterr().out
