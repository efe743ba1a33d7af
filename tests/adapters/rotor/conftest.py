"""Shared fixtures of the Rotor adapter tests: documented JSON examples, providers, vcr."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from custbridge.testing.vcr import cassette_config

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASSETTES = ROOT / "cassettes" / "rotor"


def load(name: str) -> Any:
    """One documented Rotor example from ``fixtures/``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Scrub the key header everywhere, plus the literal key when re-recording."""
    key = os.environ.get("ROTOR_API_KEY", "")
    return cassette_config(secret_headers=["x-api-key"], secret_values=[key] if key else [])


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """``cassettes/rotor`` (``ROTOR_CASSETTE_DIR`` overrides it when re-recording)."""
    return os.environ.get("ROTOR_CASSETTE_DIR") or str(CASSETTES)
