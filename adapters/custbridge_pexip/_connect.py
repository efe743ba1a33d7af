"""Typed ``connect`` for Pexip Engage: every setting a keyword, so IDEs complete them and mypy
catches typos."""

from __future__ import annotations

import httpx

import custbridge
from custbridge import AsyncClient, Client
from custbridge.model import NOT_SET, NotSet

__all__ = ["connect", "connect_async"]


def connect(
    *,
    enterprise: str | None = None,
    access_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    base_url: str | None = None,
    auth_url: str | None = None,
    language: str | None = None,
    scope: str | None = None,
    list_path: str | None = None,
    page_size: int | None = None,
    http_client: httpx.Client | None = None,
    timeout: float | NotSet | None = NOT_SET,
    max_retries: int | None = None,
    max_retry_wait: float | None = None,
    backoff: float | None = None,
    backoff_max: float | None = None,
    on_invalid: custbridge.OnInvalid | None = None,
    max_response_size: int | None = None,
    request_deadline: float | None = None,
    strict_pagination: bool | None = None,
) -> Client:
    """Connect to Pexip Engage; same as ``custbridge.connect("pexip_engage", ...)``.

    Args:
        enterprise: the tenant slug (default ``PEXIP_ENGAGE_ENTERPRISE``).
        access_token: a bearer token obtained elsewhere, or
        client_id, client_secret: OAuth2 client credentials (``PEXIP_ENGAGE_*``).
        base_url, auth_url, language, scope, list_path, page_size: see the adapter's README.
        http_client, timeout, max_retries, max_retry_wait, backoff, backoff_max, on_invalid,
            max_response_size, request_deadline, strict_pagination:
            the engine's settings, as in :func:`custbridge.connect`.
    """
    return custbridge.connect("pexip_engage", **locals())  # every keyword above, by name (None: not given)


def connect_async(
    *,
    enterprise: str | None = None,
    access_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    base_url: str | None = None,
    auth_url: str | None = None,
    language: str | None = None,
    scope: str | None = None,
    list_path: str | None = None,
    page_size: int | None = None,
    http_client: httpx.AsyncClient | None = None,
    timeout: float | NotSet | None = NOT_SET,
    max_retries: int | None = None,
    max_retry_wait: float | None = None,
    backoff: float | None = None,
    backoff_max: float | None = None,
    on_invalid: custbridge.OnInvalid | None = None,
    max_response_size: int | None = None,
    request_deadline: float | None = None,
    strict_pagination: bool | None = None,
) -> AsyncClient:
    """Connect an asyncio client to Pexip Engage (same keywords as :func:`connect`)."""
    return custbridge.connect_async("pexip_engage", **locals())  # every keyword above, by name (None: not given)
