"""custbridge provider for Augno's sales customers, also registered as ``openmrp`` (its 2026 name).

::

    import custbridge

    with custbridge.connect("augno") as client:        # AUGNO_API_KEY, AUGNO_VERSION, ...
        for customer in client.list(status="on_hold"):
            print(customer.number, customer.display_name, customer.billing_address)
"""

from __future__ import annotations

from ._connect import connect, connect_async
from ._errors import ApiVersionError, IncludeRefusedError
from .provider import DEFAULT_API_VERSION, AugnoProvider, OpenMRPProvider

__all__ = [
    "DEFAULT_API_VERSION",
    "ApiVersionError",
    "AugnoProvider",
    "IncludeRefusedError",
    "OpenMRPProvider",
    "connect",
    "connect_async",
]
