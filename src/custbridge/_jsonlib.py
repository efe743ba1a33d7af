"""JSON for the core: orjson when installed (the ``fast`` extra), else the standard library;
and a syntax check that builds nothing (msgspec), for bodies decoded later or typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec

__all__ = ["is_json", "loads"]

try:  # optional fast JSON decoder
    import orjson as _orjson

    loads: Callable[[bytes | str], Any] = _orjson.loads
except ImportError:  # pragma: no cover - exercised when the extra is absent
    loads = json.loads

_SKIP = msgspec.json.Decoder(msgspec.Raw)


def is_json(content: bytes) -> bool:
    """Whether ``content`` is one well-formed JSON document (checked without building it:
    about a tenth of ``json.loads`` on a page of customers)."""
    try:
        _SKIP.decode(content)
    except msgspec.DecodeError:
        return False
    return True
