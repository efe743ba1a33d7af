"""custbridge provider for Rotor CRM's customer "Open API" (``custbridge.connect("rotor")``).

The simulator lives in :mod:`custbridge_rotor.sandbox`; the field mapping, limits and quirks
are in this package's README.
"""

from __future__ import annotations

from ._connect import connect, connect_async
from .provider import RotorProvider

__all__ = ["RotorProvider", "connect", "connect_async"]
