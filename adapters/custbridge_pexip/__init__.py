"""custbridge provider for Pexip Engage customers (registered as ``pexip_engage``).

OAuth2 client credentials, localized addresses with translations, offset pages. The
simulator lives in :mod:`custbridge_pexip.sandbox`; the README has the field mapping.
"""

from __future__ import annotations

from ._connect import connect, connect_async
from .provider import PexipEngageProvider

__all__ = ["PexipEngageProvider", "connect", "connect_async"]
