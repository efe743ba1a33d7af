"""The store tests: dlt telemetry off (no network here), dlt's working state in a temp dir."""

from __future__ import annotations

import os

import pytest

os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"

pytest.importorskip("dlt")
pytest.importorskip("duckdb")


@pytest.fixture
def store(tmp_path: object) -> dict[str, object]:
    """Keyword arguments of custbridge.sync.run for a store in a temp dir."""
    from pathlib import Path

    base = Path(str(tmp_path))
    return {"destination": base / "store.duckdb", "pipelines_dir": base / "dlt", "page_size": 10}
