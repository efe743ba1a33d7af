"""End-to-end replay of Rotor's documented exchanges (``cassettes/rotor``), plus a secret scan.

Replay is offline (``--record-mode=none``). Re-recording against a real account (see the
adapter README) skips what a real account cannot reproduce on demand (403, 429, 500) and,
unless ``ROTOR_RECORD_WRITES=1``, the write; the documented values are only asserted on replay.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

import custbridge
from custbridge import (
    Address,
    AuthenticationError,
    BadRequestError,
    CustomerInput,
    CustomerStatus,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from custbridge_rotor.sandbox import RotorSandbox

from ._support import FAST
from .conftest import CASSETTES

DOC_ID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
MISSING = "00000000-0000-4000-8000-000000000000"
REPLAY_KEY = "replay-key-not-sent-anywhere"


@pytest.fixture
def replaying(record_mode: str) -> bool:
    """True on replay; when re-recording, the test needs a real key."""
    if record_mode == "none":
        return True
    if not os.environ.get("ROTOR_API_KEY"):
        pytest.skip("re-recording needs ROTOR_API_KEY")
    return False


@pytest.fixture
def client(replaying: bool) -> Iterator[custbridge.Client]:
    key = REPLAY_KEY if replaying else os.environ["ROTOR_API_KEY"]
    with custbridge.connect("rotor", api_key=key, **FAST) as rotor:
        yield rotor


def _only_on_replay(replaying: bool, why: str) -> None:
    if not replaying:
        pytest.skip(f"not reproducible against a real account: {why}")


def _customer_id(replaying: bool) -> str:
    if replaying:
        return DOC_ID
    value = os.environ.get("ROTOR_CUSTOMER_ID")
    if not value:
        pytest.skip("re-recording get needs ROTOR_CUSTOMER_ID (an existing customer's id)")
    return value


@pytest.mark.vcr
def test_get_customer_typescript_flavour(client: custbridge.Client, replaying: bool) -> None:
    customer = client.get(_customer_id(replaying))
    assert customer.provider == "rotor" and customer.id == _customer_id(replaying)
    if replaying:
        assert customer.display_name == "company_name"
        assert customer.email == "dev@stainless.com"
        assert customer.status is CustomerStatus.ACTIVE
        assert customer.created_at == datetime(2019, 12, 27, 18, 11, 19, 117000, tzinfo=UTC)
        assert customer.address == Address(line1="street1", line2="street2", city="city",
                                           region="state", postal_code="zip", country="country")
        assert customer.extras == {"source": "source", "has_payment_method": True}


@pytest.mark.vcr
def test_get_customer_http_flavour(client: custbridge.Client, replaying: bool) -> None:
    customer = client.get(_customer_id(replaying))
    assert customer.id == _customer_id(replaying)
    if replaying:
        assert customer.extras == {"source": "source", "is_auto_pay": True}
        assert customer.tags == ("string",)


@pytest.mark.vcr
def test_list_customers_first_page(client: custbridge.Client, replaying: bool) -> None:
    first = next(iter(client.pages(page_size=50)))
    assert first.number == 0
    if replaying:
        assert first.total == 142
        assert [c.id for c in first.items] == [DOC_ID]
        assert first.items[0].extras["has_payment_method"] is True


@pytest.mark.vcr
def test_create_customer(client: custbridge.Client, replaying: bool) -> None:
    if not replaying and os.environ.get("ROTOR_RECORD_WRITES") != "1":
        pytest.skip("re-recording a write needs ROTOR_RECORD_WRITES=1 (it creates a customer)")
    created = client.create(CustomerInput(
        first_name="first_name", last_name="last_name", company_name="company_name", notes="notes",
        status=CustomerStatus.ACTIVE, tags=("string",), vendor_fields={"source": "source"},
    ))
    assert created.first_name == "first_name"
    if replaying:
        assert created.id == DOC_ID
        assert created.extras["upsert_outcome"] == "created"
        assert created.address is not None and created.address.city == "property_city"
        assert created.billing_address is not None and created.billing_address.city == "billing_city"
        assert created.extras["service_type"] == "service_type"


@pytest.mark.vcr
def test_get_customer_unauthenticated(replaying: bool) -> None:
    with custbridge.connect("rotor", api_key="rotor_invalid_key", **FAST) as client, \
            pytest.raises(AuthenticationError) as info:
        client.get(DOC_ID)
    err = info.value
    assert err.status_code == 401 and err.vendor_code == "AUTHENTICATION_REQUIRED"
    assert "ROTOR_API_KEY" in str(err) and "rotor_invalid_key" not in str(err)


@pytest.mark.vcr
def test_get_customer_insufficient_scope(client: custbridge.Client, replaying: bool) -> None:
    _only_on_replay(replaying, "needs a key without customers:read")
    with pytest.raises(PermissionDeniedError) as info:
        client.get(DOC_ID)
    assert info.value.details["scope"] == "leads:read"
    assert info.value.vendor_code == "INSUFFICIENT_SCOPE"


@pytest.mark.vcr
def test_get_customer_not_found(client: custbridge.Client) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get(MISSING)
    assert info.value.status_code == 404 and "Not found" in str(info.value)


@pytest.mark.vcr
def test_get_customer_daily_quota_exceeded(client: custbridge.Client, replaying: bool, vcr: Any) -> None:
    _only_on_replay(replaying, "needs an exhausted daily quota")
    with pytest.raises(RateLimitError) as info:
        client.get(DOC_ID)
    assert info.value.retryable is False and "per day" in str(info.value)
    assert vcr.play_count == 1


@pytest.mark.vcr
def test_get_customer_server_error(client: custbridge.Client, replaying: bool, vcr: Any) -> None:
    _only_on_replay(replaying, "a 500 cannot be provoked")
    with pytest.raises(ServerError) as info:
        client.get(DOC_ID)
    assert "Internal server error" in str(info.value)
    assert vcr.play_count == 3  # the GET was retried twice, as max_retries=2 allows


@pytest.mark.vcr
def test_upsert_validation_failed(client: custbridge.Client, replaying: bool) -> None:
    with pytest.raises(BadRequestError) as info:
        client.upsert(CustomerInput(email="not-an-email"))
    assert info.value.status_code == 400
    if replaying:
        assert info.value.details["errors"][0] == {"field": "email", "message": "Invalid email"}


# --------------------------------------------------------------------------- hygiene

_KEY_SHAPE = re.compile(r"rotor_[A-Za-z0-9]+_[A-Za-z0-9]{8,}")


def _cassettes() -> list[Path]:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files, "no Rotor cassettes found"
    return files


def test_every_cassette_has_a_replay_test() -> None:
    names = {p.stem for p in _cassettes()}
    tests = {name for name in globals() if name.startswith("test_")}
    assert names <= tests, names - tests


def test_cassettes_hold_no_secret() -> None:
    secrets = [RotorSandbox.API_KEY, REPLAY_KEY]
    if os.environ.get("ROTOR_API_KEY"):
        secrets.append(os.environ["ROTOR_API_KEY"])
    for path in _cassettes():
        text = path.read_text(encoding="utf-8")
        for secret in secrets:
            assert secret not in text, f"{path.name} holds a secret"
        assert not _KEY_SHAPE.search(text), f"{path.name} holds something shaped like a Rotor key"
        data = yaml.safe_load(text)
        assert data["version"] == 1
        for interaction in data["interactions"]:
            for where in ("request", "response"):
                headers = {k.lower(): v for k, v in interaction[where].get("headers", {}).items()}
                for name in ("x-api-key", "authorization", "cookie", "set-cookie"):
                    if name in headers:
                        assert headers[name] == ["REDACTED"], (path.name, name)
            assert interaction["request"]["headers"]["x-api-key"] == ["REDACTED"]
            assert interaction["request"]["headers"]["rotor-api-version"] == ["1.1.0"]


def test_recording_scrubs_the_key(vcr_config: dict[str, Any]) -> None:
    class Request:
        headers = {"x-api-key": "rotor_abc_def", "Accept": "application/json"}
        body = b'{"api_key": "rotor_abc_def"}'
        uri = "https://api.getrotor.com/open-api/customers?api_key=rotor_abc_def"

    scrubbed = vcr_config["before_record_request"](Request())
    assert scrubbed.headers["x-api-key"] == "REDACTED"
    assert b"rotor_abc_def" not in scrubbed.body and "rotor_abc_def" not in scrubbed.uri
    answer = vcr_config["before_record_response"](
        {"headers": {"X-Api-Key": ["rotor_abc_def"]}, "body": {"string": b"{}"}}
    )
    assert answer["headers"]["X-Api-Key"] == ["REDACTED"]
    # The record mode comes from the command line (--record-mode), never from the config.
    assert "record_mode" not in vcr_config
