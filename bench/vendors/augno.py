"""Augno: placeholder until the adapter is complete (see bench/RESULTS.md)."""

from __future__ import annotations

from . import VendorBench

__all__ = ["build"]


def build() -> VendorBench:
    raise NotImplementedError("augno bench not written yet")
