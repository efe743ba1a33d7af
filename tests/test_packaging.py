"""Packaging: one version, the LICENSE in the wheel, Python floor and tool targets agreeing,
extras for users and dependency groups for developers, and the lowest-versions CI constraints."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

import custbridge

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _names(requirements: list[Any]) -> set[str]:
    out = set()
    for requirement in requirements:
        if isinstance(requirement, str):
            match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
            assert match is not None, requirement
            out.add(match.group(0).lower())
    return out


def test_version_is_single_sourced() -> None:
    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert _pyproject()["tool"]["hatch"]["version"]["path"] == "src/custbridge/__init__.py"
    assert importlib.metadata.version("custbridge") == custbridge.__version__


def test_python_floor_and_tool_targets_agree() -> None:
    data = _pyproject()
    assert data["project"]["requires-python"] == ">=3.11"
    assert data["tool"]["mypy"]["python_version"] == "3.11"
    assert data["tool"]["ruff"]["target-version"] == "py311"
    plugin = tomllib.loads((ROOT / "examples/provider-plugin/pyproject.toml").read_text(encoding="utf-8"))
    assert plugin["project"]["requires-python"] == ">=3.11"


def test_extras_and_dependency_groups() -> None:
    data = _pyproject()
    extras = data["project"]["optional-dependencies"]
    for name in ("cli", "test", "parquet", "fast", "bench", "testing", "reporting"):
        assert name in extras, name
    assert "phonenumbers" in _names(extras["reporting"])
    assert "phonenumbers" not in _names(extras["cli"]) and "custbridge[reporting]" in extras["cli"]
    assert _names(extras["testing"]) == {"pytest", "vcrpy", "pytest-recording"}
    dev_tools = {"mypy", "ruff"}
    for name, requirements in extras.items():
        assert not dev_tools & _names(requirements), f"dev tools published in the {name!r} extra"
    groups = data["dependency-groups"]
    assert dev_tools <= _names(groups["lint"])
    assert {"include-group": "lint"} in groups["dev"]


def test_changelog_and_license_exist() -> None:
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog and f"## [{custbridge.__version__}]" in changelog


def test_license_is_in_the_wheel(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    from hatchling.builders.wheel import WheelBuilder

    wheel = Path(next(iter(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert "License-Expression: MIT" in metadata
    assert f"Version: {custbridge.__version__}" in metadata
    assert "Requires-Python: >=3.11" in metadata
    assert "custbridge_rotor/_connect.py" in names and "custbridge/_dicts.py" in names


def test_lowest_constraints_pin_every_runtime_dependency() -> None:
    result = subprocess.run([sys.executable, str(ROOT / ".ci/lowest.py"), "fast", "reporting"],
                            capture_output=True, text=True, check=True)
    pins = dict(line.split("==") for line in result.stdout.split())
    project = _pyproject()["project"]
    for requirement in project["dependencies"]:
        name, bound = re.match(r"([A-Za-z0-9._-]+)\s*>=\s*([0-9][^,\s;]*)", requirement).groups()  # type: ignore[union-attr]
        assert pins[name.lower()] == bound
    assert pins["orjson"] and pins["phonenumbers"]
    assert "custbridge" not in pins  # the self-referencing extra is not a pin


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = (ROOT / ".ci/run").read_text(encoding="utf-8")
    awk = re.search(r"cmd=\$\(awk '([^']+)' README.md\)", script)
    assert awk is not None, "the CI script no longer extracts the README command"
    command = subprocess.run(["awk", awk.group(1), str(ROOT / "README.md")], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert command.startswith("python3 -m venv .venv && ")
    assert '-U "pip>=25.1"' in command  # pip 23.x (Python 3.11's own) does not know --group
    assert '-e ".[test]"' in command and "--group dev" in command and "-m pytest" in command
    assert "lowest.py" in script
