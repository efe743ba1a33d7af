"""End-to-end replay of the vendor's documented exchanges (``cassettes/augno``), plus a secret scan.

Replay is offline (``--record-mode=none``). Re-recording against a real account (see the
adapter README) needs ``AUGNO_API_KEY`` and skips what an account cannot reproduce on demand;
the documented values are only asserted on replay.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

import custbridge
from custbridge import Address, BadRequestError, ConflictError, CustomerInput, CustomerStatus, Money

from ._support import SPEC_ID
from .conftest import CASSETTES

REPLAY_KEY = "aug_sk_test_replay_not_sent_anywhere"
SPEC_REFS = {"customer_type_group_id": "acgp_01jm4r6700f8nwq3v5hx2d9ktp",
             "default_carrier_id": "cr_01jm4r6700f8nwq3v5hx2d9ktp",
             "default_payment_term_id": "pytm_01jm4r6700f8nwq3v5hx2d9ktp",
             "default_shipping_term_id": "shtm_01jm4r6700f8nwq3v5hx2d9ktp"}
FAST: dict[str, Any] = {"backoff": 0.001, "backoff_max": 0.01}


@pytest.fixture
def replaying(record_mode: str) -> bool:
    """True on replay; when re-recording, the test needs a real key."""
    if record_mode == "none":
        return True
    if not os.environ.get("AUGNO_API_KEY"):
        pytest.skip("re-recording needs AUGNO_API_KEY")
    return False


def _connect(replaying: bool, **settings: Any) -> custbridge.Client:
    if replaying:
        settings = {"api_key": REPLAY_KEY, **SPEC_REFS, **settings}
    return custbridge.connect("augno", **FAST, **settings)


@pytest.fixture
def april(replaying: bool) -> Iterator[custbridge.Client]:
    """The spec's generation, every include (as in the spec's examples)."""
    with _connect(replaying, api_version="1.0.forge-preview.1", include="all") as client:
        yield client


def _customer_id(replaying: bool) -> str:
    if replaying:
        return SPEC_ID
    value = os.environ.get("AUGNO_CUSTOMER_ID")
    if not value:
        pytest.skip("re-recording needs AUGNO_CUSTOMER_ID (an existing customer's id)")
    return value


def _only_on_replay(replaying: bool, why: str) -> None:
    if not replaying:
        pytest.skip(f"not reproducible against a real account on demand: {why}")


def _check_spec_customer(c: custbridge.Customer) -> None:
    assert (c.id, c.number, c.display_name) == (SPEC_ID, "100042", "Acme Inc.")
    assert c.status is CustomerStatus.ACTIVE and c.email == "orders@acme.com"
    assert c.credit_limit == Money(amount=Decimal("1234.56"), currency="USD", display="$1,234.56")
    assert c.billing_address is not None and c.billing_address.line1 == "4200 Industrial Pkwy"
    assert c.created_at == datetime(2026, 5, 10, tzinfo=UTC)
    assert c.extras["default_payment_term_name"] == "Net 30"


@pytest.mark.vcr
def test_get_customer_spec_example(april: custbridge.Client, replaying: bool) -> None:
    c = april.get(_customer_id(replaying))
    if replaying:
        _check_spec_customer(c)


@pytest.mark.vcr
def test_list_customers_spec_example(april: custbridge.Client, replaying: bool, vcr: Any) -> None:
    customers = list(april.list(page_size=100))
    if replaying:
        assert [c.id for c in customers] == [SPEC_ID]
        _check_spec_customer(customers[0])
        assert vcr.play_count == 2  # followed next_cursor, stopped on has_next_page false


@pytest.mark.vcr
def test_list_customers_docpage_shape(replaying: bool, vcr: Any) -> None:
    with _connect(replaying, include=["contact_info"]) as client:
        customers = list(client.list(page_size=1, max_items=2))
    if replaying:
        assert [(c.number, c.email, c.phone) for c in customers] == [
            ("100042", "orders@acme.com", "555-123-4567"), ("100043", None, "555-987-6543")]
        assert customers[0].not_loaded == {"billing_address", "address", "shipping_address", "credit_limit"}
        assert vcr.play_count == 2  # followed next_page_url


@pytest.mark.vcr
def test_get_customer_docpage_addresses(replaying: bool, vcr: Any) -> None:
    """Current generation, default settings: the street data comes from the address endpoint."""
    with _connect(replaying) as client:
        c = client.get(_customer_id(replaying))
    if replaying:
        assert c.billing_address == c.address == Address(
            name="Headquarters", line1="4200 Industrial Pkwy", city="Columbus", region="OH", postal_code="43204",
            country="US")
        assert c.shipping_address == Address(name="Dock 4", line1="17 Harbor Rd", line2="Dock 4", city="Newark",
                                             region="NJ", postal_code="07114", country="US")
        assert c.raw["bill_to_address"]["geolocation"] is None  # the customer payload stays untouched
        assert c.not_loaded == {"email", "phone", "website", "credit_limit"}  # not in the page's include list
        assert c.extras["customer_type_group_name"] == "Wholesale Customers"
        assert c.extras["ship_to_address_type"] == "drop_ship"
        assert vcr.play_count == 3


def _new_customer() -> CustomerInput:
    return CustomerInput(
        company_name="Acme Inc.", notes="Key enterprise account",
        address=Address(line1="123 Main St", city="New York", region="NY", postal_code="10001", country="US"),
        vendor_fields={"idempotency_key": "5f0b6f1e-2d7a-4b7e-9d61-0c2b1d9c4e11"},
    )


@pytest.mark.vcr
def test_create_customer_spec_example(april: custbridge.Client, replaying: bool, vcr: Any) -> None:
    if not replaying and os.environ.get("AUGNO_RECORD_WRITES") != "1":
        pytest.skip("set AUGNO_RECORD_WRITES=1 to create a customer in the account")
    created = april.create(_new_customer())
    if replaying:
        _check_spec_customer(created)
        sent = vcr.requests[0]
        assert sent.headers["Idempotency-Key"] == "5f0b6f1e-2d7a-4b7e-9d61-0c2b1d9c4e11"


@pytest.mark.vcr
def test_create_customer_validation_failed(april: custbridge.Client, replaying: bool) -> None:
    _only_on_replay(replaying, "a validation_failed on email")
    with pytest.raises(BadRequestError) as info:
        april.create(_new_customer())
    err = info.value
    assert (err.status_code, err.vendor_code, err.message) == (400, "validation_failed", "The request was invalid.")
    assert err.details["param"] == "email" and not err.retryable
    assert err.details["doc_url"] == "https://docs.augno.com/api/errors#validation-failed"


@pytest.mark.vcr
def test_update_customer_spec_example(april: custbridge.Client, replaying: bool) -> None:
    if not replaying and os.environ.get("AUGNO_RECORD_WRITES") != "1":
        pytest.skip("set AUGNO_RECORD_WRITES=1 to change a customer in the account")
    data = CustomerInput(company_name="Acme Corp Updated", notes="Updated account notes",
                         vendor_fields={"freight_policy": "billed_freight",
                                        "default_carrier_id": "cr_01jm4r6700f8nwq3v5hx2d9ktp",
                                        "idempotency_key": "0d9f3c52-8a4e-4a57-b3f4-1e6c2f7a9b20"})
    updated = april.update(_customer_id(replaying), data)
    if replaying:
        _check_spec_customer(updated)  # the spec's example response (unchanged values)


@pytest.mark.vcr
def test_delete_customer_spec_example(april: custbridge.Client, replaying: bool) -> None:
    _only_on_replay(replaying, "deleting a real customer")
    april.delete(SPEC_ID)  # 200 {}: nothing to return


@pytest.mark.vcr
def test_delete_customer_with_sales_orders(april: custbridge.Client, replaying: bool, vcr: Any) -> None:
    _only_on_replay(replaying, "a customer with sales orders")
    with pytest.raises(ConflictError) as info:
        april.delete(SPEC_ID)
    assert "3 sales order(s) reference it" in str(info.value) and info.value.vendor_code == "resource_conflict"
    assert vcr.play_count == 1  # not retried


@pytest.mark.vcr
def test_rate_limited_then_ok(april: custbridge.Client, replaying: bool, vcr: Any) -> None:
    _only_on_replay(replaying, "a 429")
    _check_spec_customer(april.get(SPEC_ID))
    assert vcr.play_count == 2


# -- no secrets ---------------------------------------------------------------------------------

_SECRET = re.compile(r"aug_sk_(test|prod)_[A-Za-z0-9]{6,}|Bearer\s+(?!REDACTED)\S+", re.I)


def test_cassettes_hold_no_secrets() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 9
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not _SECRET.search(text), path.name
        for interaction in yaml.safe_load(text)["interactions"]:
            for name, values in interaction["request"]["headers"].items():
                if name.lower() in ("authorization", "cookie", "x-api-key"):
                    assert values == ["REDACTED"], (path.name, name)
            for name in interaction["response"]["headers"]:
                assert name.lower() not in ("set-cookie", "authorization"), (path.name, name)


def test_every_cassette_is_replayed_by_a_test() -> None:
    names = {p.stem for p in CASSETTES.glob("*.yaml")}
    tests = {name for name in globals() if name.startswith("test_")}
    assert names <= tests, names - tests
