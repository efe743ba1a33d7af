"""Shared helpers for the Pexip Engage adapter tests: fixtures, a provider factory, vcr config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import custbridge
from custbridge import HttpResponse
from custbridge.testing.vcr import cassette_config
from custbridge_pexip import PexipEngageProvider

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
CASSETTES = HERE.parents[2] / "cassettes" / "pexip_engage"
FAST = {"backoff": 0.001, "backoff_max": 0.01, "max_retry_wait": 1.0}


def load(name: str) -> Any:
    """A JSON fixture by file name."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def make_provider(**settings: Any) -> PexipEngageProvider:
    """A provider built the way connect() builds it (no I/O happens)."""
    base = {"enterprise": "acme", "access_token": "test-token-0000"}
    with custbridge.connect("pexip_engage", **{**base, **settings}) as client:
        provider = client.provider
    assert isinstance(provider, PexipEngageProvider)
    return provider


def response(payload: Any, status: int = 200) -> HttpResponse:
    """A decoded vendor response as the engine hands it to the adapter."""
    return HttpResponse(status_code=status, headers=httpx.Headers(), content=json.dumps(payload).encode(), data=payload)


class FakeClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _no_vendor_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never read a developer's real PEXIP_ENGAGE_* variables (except when re-recording)."""
    import os

    if os.environ.get("PEXIP_ENGAGE_RECORD") != "1":
        for name in list(os.environ):
            if name.startswith("PEXIP_ENGAGE_"):
                monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return cassette_config(secret_headers=["authorization"], secret_keys=["client_secret", "access_token"])


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)
