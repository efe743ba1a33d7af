"""Typed ``connect`` for Augno / OpenMRP: every setting a keyword, so IDEs complete them and
mypy catches typos."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import httpx

import custbridge
from custbridge import AsyncClient, Client
from custbridge.model import NOT_SET, NotSet

__all__ = ["connect", "connect_async"]


def connect(
    *,
    brand: Literal["augno", "openmrp"] = "augno",
    api_key: str | None = None,
    base_url: str | None = None,
    api_version: str | None = None,
    account_id: str | None = None,
    include: str | Iterable[str] | None = None,
    include_style: Literal["brackets", "comma"] | None = None,
    complete_addresses: Literal["auto", "by_id", "scan", "off"] | None = None,
    customer_type_group_id: str | None = None,
    default_carrier_id: str | None = None,
    default_payment_term_id: str | None = None,
    default_shipping_term_id: str | None = None,
    credit_limit_unit_id: str | None = None,
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
    """Connect to Augno (``brand="openmrp"``: the post-rename host, headers and ``OPENMRP_*``
    variables); same as ``custbridge.connect("augno", ...)``.

    Args:
        api_key: the API key (default ``AUGNO_API_KEY`` / ``OPENMRP_API_KEY``).
        base_url, api_version, account_id, include, include_style, complete_addresses: see the adapter's README.
        customer_type_group_id, default_carrier_id, default_payment_term_id,
        default_shipping_term_id, credit_limit_unit_id: reference ids used by ``create``.
        http_client, timeout, max_retries, max_retry_wait, backoff, backoff_max, on_invalid,
            max_response_size, request_deadline, strict_pagination:
            the engine's settings, as in :func:`custbridge.connect`.
    """
    given = locals()  # every keyword above, by name (None: not given)
    return custbridge.connect(given.pop("brand"), **given)


def connect_async(
    *,
    brand: Literal["augno", "openmrp"] = "augno",
    api_key: str | None = None,
    base_url: str | None = None,
    api_version: str | None = None,
    account_id: str | None = None,
    include: str | Iterable[str] | None = None,
    include_style: Literal["brackets", "comma"] | None = None,
    complete_addresses: Literal["auto", "by_id", "scan", "off"] | None = None,
    customer_type_group_id: str | None = None,
    default_carrier_id: str | None = None,
    default_payment_term_id: str | None = None,
    default_shipping_term_id: str | None = None,
    credit_limit_unit_id: str | None = None,
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
    """Connect an asyncio client to Augno / OpenMRP (same keywords as :func:`connect`)."""
    given = locals()  # every keyword above, by name (None: not given)
    return custbridge.connect_async(given.pop("brand"), **given)
