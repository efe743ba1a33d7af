"""Shared fixtures of the Augno adapter tests: vendor examples, providers, vcr."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from custbridge.testing.vcr import cassette_config

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASSETTES = ROOT / "cassettes" / "augno"


def load(name: str) -> Any:
    """One fixture from ``fixtures/`` (see its README for provenance)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _no_vendor_env(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests never see a developer's real AUGNO_* / OPENMRP_* variables (except when re-recording)."""
    if request.config.getoption("--record-mode", "none") in ("none", None):
        for name in list(os.environ):
            if name.startswith(("AUGNO_", "OPENMRP_")):
                monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Scrub the bearer token everywhere, plus the literal key when re-recording."""
    key = os.environ.get("AUGNO_API_KEY", "")
    return cassette_config(secret_values=[key] if key else [])


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """``cassettes/augno`` (``AUGNO_CASSETTE_DIR`` overrides it when re-recording)."""
    return os.environ.get("AUGNO_CASSETTE_DIR") or str(CASSETTES)
