"""Per-vendor inputs of the mapping benchmark: the page bytes and the peer implementations.

Each vendor module builds a :class:`VendorBench`: the bytes of one page of 1000 customers as
the vendor's sandbox answers the real client's list request, the settings to connect a real
client, and the three peers (a hand-written mapper, pydantic v2 models, msgspec Structs),
each declaring the same vendor fields custbridge maps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx

import custbridge
from custbridge.sandbox import SandboxApp

__all__ = ["PAGE_SIZE", "VendorBench", "capture_list_page", "serving"]

PAGE_SIZE = 1000


@attrs.frozen
class VendorBench:
    """Everything the mapping benchmark needs for one vendor."""

    provider: str
    """Registered provider name."""
    label: str
    """How the vendor's row is titled in the results."""
    page: bytes
    """One list response body with :data:`PAGE_SIZE` customers."""
    settings: Mapping[str, Any]
    """Connect settings for a real client served by :func:`serving`."""
    hand: Callable[[bytes], list[Any]]
    """Hand-written: ``json.loads`` and a dict-to-attrs mapping onto ``custbridge.Customer``."""
    pydantic: Callable[[bytes], list[Any]]
    """pydantic v2 models of the same vendor fields (``model_validate_json``)."""
    pydantic_customers: Callable[[bytes], list[Any]]
    """The same pydantic models, then mapped onto ``custbridge.Customer`` (the whole job)."""
    msgspec: Callable[[bytes], list[Any]]
    """msgspec Structs of the same vendor fields (typed JSON decoding)."""
    notes: str = ""
    """What is special about this vendor's page."""


def capture_list_page(app: SandboxApp, provider: str, **settings: Any) -> bytes:
    """The body the sandbox ``app`` answers to the real client's first list request.

    The client builds its own list request (``page_size`` = :data:`PAGE_SIZE`); the body of the
    last response is the list page (an OAuth token request, if any, comes first).
    """
    inner = app.transport()
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        bodies.append(response.read())
        return response

    http = httpx.Client(transport=httpx.MockTransport(handler))
    merged = {**app.client_settings(app.base_url), **settings}
    with custbridge.connect(provider, http_client=http, **merged) as client:
        page = next(iter(client.pages(page_size=PAGE_SIZE, max_items=PAGE_SIZE)))
        if len(page.items) != PAGE_SIZE:
            raise RuntimeError(f"{provider}: the sandbox page has {len(page.items)} customers, not {PAGE_SIZE}")
    http.close()
    return bodies[-1]


def serving(page: bytes) -> httpx.MockTransport:
    """A transport answering every request with ``page`` (HTTP 200, JSON)."""
    headers = {"content-type": "application/json"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=page, headers=headers)

    return httpx.MockTransport(handler)
