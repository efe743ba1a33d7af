"""Typed ``connect`` for Rotor: every setting a keyword, so IDEs complete them and mypy catches typos."""

from __future__ import annotations

import httpx

import custbridge
from custbridge import AsyncClient, Client
from custbridge.model import NOT_SET, NotSet

__all__ = ["connect", "connect_async"]


def connect(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    api_version: str | None = None,
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
    """Connect to Rotor; same as ``custbridge.connect("rotor", ...)``.

    Args:
        api_key: the Open API key (default ``ROTOR_API_KEY``).
        base_url: API root (default ``ROTOR_BASE_URL``, else Rotor's production host).
        api_version: value of the ``rotor-api-version`` header (Rotor documents ``1.1.0``).
        http_client, timeout, max_retries, max_retry_wait, backoff, backoff_max, on_invalid,
            max_response_size, request_deadline, strict_pagination:
            the engine's settings, as in :func:`custbridge.connect`.
    """
    return custbridge.connect("rotor", **locals())  # every keyword above, by name (None: not given)


def connect_async(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    api_version: str | None = None,
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
    """Connect an asyncio client to Rotor (same keywords as :func:`connect`)."""
    return custbridge.connect_async("rotor", **locals())  # every keyword above, by name (None: not given)
