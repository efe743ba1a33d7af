"""Fixtures of the reporting tests: the fake providers are registered for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import custbridge

from ._fakes import FAKES, LOCKED


@pytest.fixture(autouse=True)
def _fake_providers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("ALPHA_TOKEN", "BETA_TOKEN", "LOCKED_TOKEN", "CI"):
        monkeypatch.delenv(name, raising=False)
    for name, cls in FAKES.items():
        custbridge.register_provider(name, cls)
    yield
    for name in FAKES:
        custbridge.unregister_provider(name)


@pytest.fixture
def locked() -> Iterator[str]:
    """A registered provider whose simulator rejects every credential."""
    for name, cls in LOCKED.items():
        custbridge.register_provider(name, cls)
    yield next(iter(LOCKED))
    for name in LOCKED:
        custbridge.unregister_provider(name)
