"""The provider conformance suite: what every provider, ours or a third party's, must pass.

Use it from a provider's tests with a few lines (needs the ``test`` extra: pytest)::

    from custbridge.testing import ProviderConformance

    class TestAcmeConformance(ProviderConformance):
        provider = "acme"

It runs against the provider's sandbox (``Provider.sandbox``): get/list round trip,
pagination across at least three pages with no loss or duplicate, not-found, authentication
failure, rate limiting and retries, async parity, loopback HTTP, the status rule (a status the
provider declares it cannot have lists nothing, without a request), and the model invariants
(aware datetimes, non-empty display names, unique keys, raw payload kept, fields declared
unsupported always empty, statuses among the declared ones).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from .. import sandbox
from .._engine import Client
from ..errors import (
    AuthenticationError,
    CustbridgeError,
    NotFoundError,
    RateLimitError,
    UnsupportedOperationError,
)
from ..model import Customer, CustomerStatus
from ..provider import CANONICAL_FIELDS, FILTERS, OPERATIONS, FieldAccess
from ..sandbox import FaultPlan, SandboxApp

__all__ = ["ProviderConformance", "check_customer_invariants"]

_FAST = {"backoff": 0.001, "backoff_max": 0.01, "max_retry_wait": 1.0}


def check_customer_invariants(customers: Iterable[Customer], client: Any) -> int:
    """Assert the model invariants on ``customers``; return how many were checked."""
    caps = client.capabilities
    keys: set[str] = set()
    count = 0
    for c in customers:
        count += 1
        assert isinstance(c, Customer), c
        assert c.provider == client.name, (c.provider, client.name)
        assert c.id and isinstance(c.id, str), c
        assert c.key == f"{client.name}:{c.id}"
        assert c.key not in keys, f"duplicate key {c.key}"
        keys.add(c.key)
        assert c.display_name and c.display_name.strip(), c
        for name in ("created_at", "updated_at", "deleted_at"):
            value = getattr(c, name)
            assert value is None or (isinstance(value, datetime) and value.tzinfo is not None), (name, value)
        assert c.raw, f"{c.key}: raw vendor payload missing"
        for field in CANONICAL_FIELDS:
            if caps.field(field) is FieldAccess.UNSUPPORTED:
                value = getattr(c, field)
                assert value in (None, ()), f"{c.key}: {field} is declared unsupported but is {value!r}"
        if caps.statuses is not None:
            assert c.status in caps.statuses, f"{c.key}: status {c.status.value} is not in the declared statuses"
        for text in ("email", "phone", "first_name", "last_name", "company_name", "notes"):
            value = getattr(c, text)
            assert value is None or (value and value == value.strip()), (text, value)
    return count


class ProviderConformance:
    """Subclass in a test module and set ``provider``; override the knobs when needed."""

    provider: ClassVar[str] = ""
    """Registered provider name under test."""
    size: ClassVar[int] = 45
    """Customers in the sandbox."""
    page_size: ClassVar[int] = 10
    """Small pages, so listing spans several pages."""
    seed: ClassVar[int] = 7
    sandbox_options: ClassVar[dict[str, Any]] = {}
    """Extra keyword options for ``Provider.sandbox``."""
    connect_settings: ClassVar[dict[str, Any]] = {}
    """Extra settings for the client."""
    list_filters: ClassVar[dict[str, Any]] = {}
    """Filters that make ``list`` return every seeded customer (e.g. include archived)."""

    # -- helpers -----------------------------------------------------------------------

    def make_app(self, **options: Any) -> SandboxApp:
        return sandbox.create_app(self.provider, size=self.size, seed=self.seed, **{**self.sandbox_options, **options})

    def connect(self, app: SandboxApp | None = None, **settings: Any) -> Client:
        app = app or self.make_app()
        return sandbox.connect(self.provider, app=app, **{**_FAST, **self.connect_settings, **settings})

    def list_all(self, client: Client, **kw: Any) -> list[Customer]:
        return list(client.list(page_size=self.page_size, **{**self.list_filters, **kw}))

    # -- the suite ---------------------------------------------------------------------

    def test_capabilities_are_complete(self) -> None:
        with self.connect() as client:
            caps = client.capabilities
            assert set(OPERATIONS) <= set(caps.operations)
            assert set(FILTERS) <= set(caps.filters)
            assert set(CANONICAL_FIELDS) <= set(caps.fields)
            assert caps.supports("get") and caps.supports("list")
            assert caps.field("display_name") is not FieldAccess.UNSUPPORTED

    def test_list_spans_pages_without_loss_or_duplicates(self) -> None:
        with self.connect() as client:
            pages = list(client.pages(page_size=self.page_size, **self.list_filters))
            assert len(pages) >= 3, f"expected >= 3 pages, got {len(pages)}"
            customers = [c for p in pages for c in p.items]
            assert len({c.key for c in customers}) == len(customers)
            assert len(customers) == self.size
            totals = {p.total for p in pages if p.total is not None}
            assert totals <= {self.size}, totals
            check_customer_invariants(customers, client)
            one_page = self.list_all(client)
            assert {c.key for c in one_page} == {c.key for c in customers}

    def test_get_round_trips_list(self) -> None:
        with self.connect() as client:
            listed = self.list_all(client)[:5]
            for customer in listed:
                fetched = client.get(customer.id)
                assert fetched.key == customer.key
                assert fetched.display_name == customer.display_name
                assert fetched.email == customer.email
                assert fetched.raw
                check_customer_invariants([fetched], client)

    def test_max_items_stops_early(self) -> None:
        app = self.make_app()
        with self.connect(app) as client:
            got = list(client.list(page_size=self.page_size, max_items=3, **self.list_filters))
            assert len(got) == 3
            assert app.requests_served == 1

    def test_not_found(self) -> None:
        with self.connect() as client:
            try:
                client.get("custbridge-no-such-customer")
            except NotFoundError as err:
                assert err.provider == client.name and err.operation == "get"
                assert err.status_code == 404
            else:  # pragma: no cover
                raise AssertionError("expected NotFoundError")

    def test_authentication_failure_names_the_fix(self) -> None:
        app = self.make_app()
        app.reject_auth = True
        with self.connect(app) as client:
            secrets = client.provider.secret_values()
            try:
                list(client.list(page_size=self.page_size))
            except AuthenticationError as err:
                text = str(err)
                assert client.name in text and "401" in text
                assert err.hint, "an authentication error should say what to set"
                for secret in secrets:
                    assert secret not in text and secret not in repr(err)
                assert app.requests_served <= 2
            else:  # pragma: no cover
                raise AssertionError("expected AuthenticationError")

    def test_server_errors_are_retried(self) -> None:
        app = self.make_app(faults=None)
        app.faults = FaultPlan(rate=0.5, kinds=("500", "503"), seed=3, max_consecutive=2)
        with self.connect(app, max_retries=3) as client:
            customers = self.list_all(client)
            assert len({c.key for c in customers}) == self.size
            assert app.faults_injected > 0

    def test_rate_limit_is_retried_or_raised_cleanly(self) -> None:
        app = self.make_app()
        app.faults = FaultPlan(rate=1.0, kinds=("429",), max_consecutive=10**6)
        with self.connect(app, max_retries=2) as client:
            try:
                client.get("anything")
            except RateLimitError as err:
                expected = 3 if err.retryable else 1
                assert app.requests_served == expected, (app.requests_served, err.retryable)
                assert client.name in str(err)
            else:  # pragma: no cover
                raise AssertionError("expected RateLimitError")
        app = self.make_app()
        app.faults = FaultPlan(rate=1.0, kinds=("429-retry-after",), max_consecutive=1)
        with self.connect(app, max_retries=2) as client:
            try:
                customers = self.list_all(client)
            except RateLimitError as err:
                assert not err.retryable
            else:
                assert len(customers) == self.size

    def test_a_status_the_provider_cannot_have_lists_nothing_without_a_request(self) -> None:
        app = self.make_app()
        with self.connect(app) as client:
            caps = client.capabilities
            if caps.statuses is None or "status" not in caps.supported_filters():
                return  # nothing declared: every status may occur
            before = app.requests_served
            for status in CustomerStatus:
                if status not in caps.statuses:
                    assert self.list_all(client, status=status) == [], status
            assert app.requests_served == before

    def test_unsupported_operations_raise(self) -> None:
        with self.connect() as client:
            caps = client.capabilities
            for op in OPERATIONS:
                if caps.supports(op):
                    continue
                calls: dict[str, Callable[[], object]] = {
                    "create": lambda: client.create(_input()),
                    "update": lambda: client.update("x", _input()),
                    "upsert": lambda: client.upsert(_input()),
                    "delete": lambda: client.delete("x"),
                }
                call = calls.get(op)
                if call is None:
                    continue
                try:
                    call()
                except UnsupportedOperationError as err:
                    assert client.name in str(err)
                else:  # pragma: no cover
                    raise AssertionError(f"{op} should be unsupported")

    def test_async_client_matches_sync(self) -> None:
        app = self.make_app()
        with self.connect(app) as client:
            expected = [c.key for c in self.list_all(client)]

        async def run() -> list[str]:
            aclient = sandbox.connect_async(self.provider, app=app, **{**_FAST, **self.connect_settings})
            async with aclient:
                keys = [c.key async for c in aclient.list(page_size=self.page_size, **self.list_filters)]
                one = await aclient.get(keys[0].split(":", 1)[1])
                assert one.key == keys[0]
                return keys

        assert asyncio.run(run()) == expected

    def test_loopback_http(self) -> None:
        app = self.make_app()
        with app.serve() as server:
            import custbridge

            with custbridge.connect(self.provider, **{**_FAST, **server.settings(), **self.connect_settings}) as client:
                customers = self.list_all(client)
                assert len(customers) == self.size
                assert client.get(customers[0].id).key == customers[0].key

    def test_errors_are_custbridge_errors(self) -> None:
        app = self.make_app()
        app.faults = FaultPlan(rate=1.0, kinds=("html", "truncated", "reset", "timeout"), max_consecutive=10**6)
        with self.connect(app, max_retries=1) as client:
            for _ in range(4):
                try:
                    list(client.list(page_size=self.page_size, **self.list_filters))
                except CustbridgeError as err:
                    assert client.name in str(err)
                else:  # pragma: no cover
                    raise AssertionError("expected a custbridge error")


def _input() -> Any:
    from ..model import CustomerInput

    return CustomerInput(first_name="Conformance")
