"""custbridge provider for Rotor CRM's customer "Open API" (``custbridge.connect("rotor")``).

The simulator lives in :mod:`custbridge_rotor.sandbox`; the field mapping, limits and quirks
are in this package's README.
"""

from __future__ import annotations

from .provider import RotorProvider

__all__ = ["RotorProvider"]
