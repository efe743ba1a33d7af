"""Vendor simulators: the framework every adapter's sandbox is built on.

A vendor sandbox subclasses :class:`SandboxApp`; its provider returns it from
``Provider.sandbox(seed=..., size=...)``. :func:`connect` and :func:`connect_async` give a
client wired to a fresh in-process simulator in one call::

    with custbridge.sandbox.connect("acme", size=500) as client:
        for customer in client.list():
            ...

Between two runs, :meth:`SandboxApp.mutate` changes the simulated vendor's customers (add,
change, remove), the same call for every vendor, so syncs and reports see a real change feed::

    app = custbridge.sandbox.create_app("acme", size=500)
    ...                                   # first sync
    changes = app.mutate(add=5, change=10, remove=3, seed=1)
    ...                                   # second sync: 5 added, 10 changed, 3 removed
"""

from __future__ import annotations

from typing import Any

import httpx

from .._engine import AsyncClient, Client
from ..registry import connect as _connect
from ..registry import connect_async as _connect_async
from ..registry import provider_class
from ._app import FAULT_KINDS, HOSTILE_KINDS, FaultPlan, SandboxApp, SandboxChanges, json_response
from ._people import NOISE_KINDS, Person, PersonAddress, people, person
from ._population import Population, Score, customer_of
from ._server import LoopbackServer

__all__ = [
    "FAULT_KINDS",
    "HOSTILE_KINDS",
    "NOISE_KINDS",
    "FaultPlan",
    "LoopbackServer",
    "Person",
    "PersonAddress",
    "Population",
    "SandboxApp",
    "SandboxChanges",
    "Score",
    "connect",
    "connect_async",
    "create_app",
    "customer_of",
    "json_response",
    "people",
    "person",
]


def create_app(
    provider: str,
    *,
    size: int = 100,
    seed: int = 0,
    faults: FaultPlan | str | None = None,
    latency: float = 0.0,
    **options: Any,
) -> SandboxApp:
    """Build the named provider's simulator with ``size`` seeded customers."""
    if isinstance(faults, str):
        faults = FaultPlan.parse(faults)
    cls = provider_class(provider)
    app = cls.sandbox(seed=seed, size=size, **options)
    if faults is not None:
        app.faults = faults
        app._fault_rng.seed(faults.seed)
    app.latency = latency
    return app


def connect(provider: str, *, app: SandboxApp | None = None, size: int = 100, seed: int = 0, **settings: Any) -> Client:
    """Connect a sync client to an in-process simulator (a new one unless ``app`` is given)."""
    app = app or create_app(provider, size=size, seed=seed)
    http = httpx.Client(transport=app.transport())
    client = _connect(provider, http_client=http, **{**app.client_settings(app.base_url), **settings})
    client._owned.append(http.close)
    client.sandbox_app = app
    return client


def connect_async(
    provider: str, *, app: SandboxApp | None = None, size: int = 100, seed: int = 0, **settings: Any
) -> AsyncClient:
    """Connect an async client to an in-process simulator (a new one unless ``app`` is given)."""
    app = app or create_app(provider, size=size, seed=seed)
    http = httpx.AsyncClient(transport=app.async_transport())
    client = _connect_async(provider, http_client=http, **{**app.client_settings(app.base_url), **settings})
    client._owned.append(http.aclose)
    client.sandbox_app = app
    return client
