"""The provider conformance suite: what every provider, ours or a third party's, must pass.

Use it from a provider's tests with a few lines (needs the ``test`` extra: pytest)::

    from custbridge.testing import ProviderConformance

    class TestAcmeConformance(ProviderConformance):
        provider = "acme"

It runs against the provider's sandbox (``Provider.sandbox``): get/list round trip,
pagination across at least three pages with no loss or duplicate, a listing resumed in a
new client from a saved ``Page.next_cursor``, sandbox mutations (``SandboxApp.mutate``) seen by
the next listing, not-found, authentication failure, rate limiting and retries, async parity,
loopback HTTP, the status rule (a status the provider declares it cannot have lists nothing,
without a request), and the model invariants
(aware datetimes, non-empty display names, unique keys, raw payload kept, fields declared
unsupported always empty, statuses among the declared ones).

The ``test_hostile_*`` checks replay the README's guarantees against a hostile vendor, through
the sandbox framework's :data:`~custbridge.sandbox.HOSTILE_KINDS` (so they need nothing from
the provider): overlapping, cycling and capped pages, totals that lie, a lost record,
redirected writes, huge and compressed bodies, a drip-fed body; plus a careless caller (wrong
argument types, negative settings, credentials with line breaks, a client closed mid-list, an
async client reused under a second event loop).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar

from .. import sandbox
from .._engine import Client
from ..errors import (
    AuthenticationError,
    ConfigurationError,
    CustbridgeError,
    NotFoundError,
    PaginationError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
    UnsupportedOperationError,
)
from ..model import Customer, CustomerInput, CustomerStatus
from ..provider import CANONICAL_FIELDS, FILTERS, OPERATIONS, FieldAccess
from ..registry import provider_class
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

    def test_listing_resumes_from_a_saved_cursor(self) -> None:
        app = self.make_app()
        with self.connect(app) as client:
            full = [c.key for c in self.list_all(client)]
            first: list[str] = []
            saved: str | None = None
            pages = client.pages(page_size=self.page_size, **self.list_filters)
            for page in pages:
                first += [c.key for c in page.items]
                saved = page.next_cursor
                if page.number == 1:
                    break
            assert saved is not None and isinstance(saved, str)
            assert json.loads(json.dumps(saved)) == saved
        # A new client (another process, another day) continues where the saved page ended.
        with self.connect(app) as client:
            rest_pages = list(client.pages(page_size=self.page_size, start_cursor=saved, **self.list_filters))
            assert rest_pages[0].number == 2
            assert rest_pages[-1].next_cursor is None
            rest = [c.key for p in rest_pages for c in p.items]
            assert len(first) + len(rest) == len(full), "a resumed listing repeated or lost records"
            assert sorted(first + rest) == sorted(full)

        async def resume_async() -> list[str]:
            aclient = sandbox.connect_async(self.provider, app=app, **{**_FAST, **self.connect_settings})
            async with aclient:
                lst = aclient.list(page_size=self.page_size, start_cursor=saved, **self.list_filters)
                return [c.key async for c in lst]

        assert asyncio.run(resume_async()) == rest
        with self.connect(app) as client:
            for bad in ("not-a-cursor", saved[:-3] + "@@@", saved):
                try:
                    size = self.page_size + 1 if bad == saved else self.page_size
                    list(client.list(start_cursor=bad, page_size=size, **self.list_filters))
                except ConfigurationError as err:
                    assert client.name in str(err) and "start_cursor" in str(err)
                else:  # pragma: no cover
                    raise AssertionError(f"start_cursor {bad!r} should be refused")

    def test_sandbox_mutations_show_in_the_listing(self) -> None:
        app = self.make_app()
        with self.connect(app) as client:
            before = {c.id: c for c in client.list(page_size=self.page_size)}  # the default listing
        served = app.requests_served
        changes = app.mutate(add=3, change=4, remove=2, seed=11)
        assert app.requests_served == served, "mutations must not count as served requests"
        assert (len(changes.added), len(changes.changed), len(changes.removed)) == (3, 4, 2)
        with self.connect(app) as client:
            after = {c.id: c for c in client.list(page_size=self.page_size)}
        assert set(after) - set(before) == set(changes.added)
        assert set(before) - set(after) == set(changes.removed)
        # Canonical fields compared (a provider may not load the e-mail: its update time shows
        # the change); extras left out, since a removal may change a related customer's extras.
        def canonical(customer: Customer) -> dict[str, Any]:
            return {k: v for k, v in customer.to_dict().items() if k != "extras"}

        differ = {k for k in set(before) & set(after) if canonical(before[k]) != canonical(after[k])}
        assert differ == set(changes.changed), (differ, changes.changed)

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

    # -- redaction: a vendor that echoes the caller's credentials (issue 10, point 1) -------

    def test_echoed_credentials_never_show(self) -> None:
        """Errors (str, repr, fields, chained causes, traceback) and log records never show a
        credential, whatever encoding the vendor echoes it in and however deep."""
        import logging

        import httpx

        import custbridge

        from ._hostile import echoing_transport, exception_texts, leaks

        app = self.make_app()
        records: list[logging.LogRecord] = []

        class _Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        handler = _Keep(logging.DEBUG)
        loggers = [logging.getLogger(n) for n in ("custbridge", "httpx")]
        levels = [lg.level for lg in loggers]
        for lg in loggers:
            lg.addHandler(handler)
            lg.setLevel(logging.DEBUG)
        texts: list[str] = []
        try:
            settings = {**_FAST, **app.client_settings(app.base_url), **self.connect_settings, "max_retries": 0}
            with httpx.Client(transport=echoing_transport(app.transport())) as http, custbridge.connect(
                self.provider, http_client=http, **settings
            ) as client:
                for call in (lambda: client.get("c-1"), lambda: list(client.list(page_size=self.page_size))):
                    try:
                        call()
                    except CustbridgeError as err:
                        texts += exception_texts(err)
                    else:  # pragma: no cover
                        raise AssertionError("the echoing vendor answers with errors only")
                secrets = client.provider.secret_values()  # asked now: includes run-time tokens
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.removeHandler(handler)
                lg.setLevel(level)
        formatter = logging.Formatter("%(name)s %(message)s")
        texts += [formatter.format(r) for r in records]
        found = leaks(texts, secrets)
        assert not found, found[:3]


    # -- hostile vendor, careless caller (README "Guarantees") ------------------------------

    def hostile_app(self, *kinds: str, **plan: Any) -> SandboxApp:
        app = self.make_app()
        app.faults = FaultPlan(hostile=kinds, **plan)
        return app

    def _has_totals(self) -> bool:
        with self.connect() as client:
            return any(p.total is not None for p in client.pages(page_size=self.page_size, **self.list_filters))

    def _collect_until_error(self, items: Iterator[Customer]) -> tuple[list[str], CustbridgeError | None]:
        keys: list[str] = []
        try:
            for customer in items:
                keys.append(customer.key)
        except CustbridgeError as err:
            return keys, err
        return keys, None

    def test_hostile_overlapping_pages_yield_each_customer_once(self) -> None:
        with self.connect(self.hostile_app("overlap")) as client:
            keys = [c.key for c in self.list_all(client)]
            assert len(keys) == len(set(keys)), "a customer was yielded twice"
            assert len(keys) == self.size

    def test_hostile_cycling_pages_are_detected(self) -> None:
        with self.connect(self.hostile_app("cycle", cycle_period=2)) as client:
            keys, err = self._collect_until_error(client.list(page_size=self.page_size, **self.list_filters))
            assert len(keys) == len(set(keys)), "a customer was yielded twice"
            assert isinstance(err, PaginationError), f"a cycling vendor must raise PaginationError, got {err!r}"
            assert client.name in str(err)

    def test_hostile_total_saying_more_raises_after_yielding(self) -> None:
        if not self._has_totals():
            import pytest

            pytest.skip(f"{self.provider} gives no totals")
        with self.connect(self.hostile_app("inflate-total")) as client:
            keys, err = self._collect_until_error(client.list(page_size=self.page_size, **self.list_filters))
            assert len(set(keys)) == self.size, "everything that arrived is yielded first"
            assert isinstance(err, PaginationError), f"expected PaginationError, got {err!r}"
            assert "total" in str(err)
            tolerant = self.list_all(client, strict=False)
            assert len({c.key for c in tolerant}) == self.size

    def test_hostile_lost_record_raises(self) -> None:
        if not self._has_totals():
            import pytest

            pytest.skip(f"{self.provider} gives no totals")
        with self.connect(self.hostile_app("lose-record")) as client:
            keys, err = self._collect_until_error(client.list(page_size=self.page_size, **self.list_filters))
            assert len(keys) == self.size - 1
            assert isinstance(err, PaginationError), f"a list short of the total must raise, got {err!r}"

    def test_hostile_total_exceeded_stops_the_list(self) -> None:
        if not self._has_totals():
            import pytest

            pytest.skip(f"{self.provider} gives no totals")
        with self.connect(self.hostile_app("understate-total")) as client:
            keys, err = self._collect_until_error(client.list(page_size=self.page_size, **self.list_filters))
            assert isinstance(err, PaginationError), f"expected PaginationError, got {err!r}"
            assert len(keys) < self.size

    def test_hostile_capped_pages_without_totals_list_everything(self) -> None:
        app = self.hostile_app("cap-page", "hide-total", page_cap=3)
        with self.connect(app) as client:
            keys = [c.key for c in self.list_all(client)]
            assert len(keys) == len(set(keys))
            assert len(keys) == self.size, "a short page was taken as the end of the list"

    def test_hostile_redirected_writes_are_never_resent(self) -> None:
        import pytest

        with self.connect() as probe:
            caps = probe.capabilities
            ops = [op for op in ("create", "update", "upsert") if caps.supports(op)]
            if not ops:
                pytest.skip(f"{self.provider} has no writes")
            existing = self.list_all(probe, max_items=1)[0].id
        for status in (301, 302, 307, 308):
            for op in ops:
                app = self.hostile_app("redirect-writes", redirect_status=status)
                with self.connect(app) as client:
                    data = _writable_input(client, op)
                    before = app.customer_count()
                    with pytest.raises(TransportError) as info:
                        if op == "update":
                            client.update(existing, data)
                        else:
                            getattr(client, op)(data)
                    assert client.name in str(info.value) and str(status) in str(info.value)
                    assert app.write_bodies_received == 1, f"{op} body sent {app.write_bodies_received} times"
                    assert app.customer_count() == before

    def test_hostile_huge_body_is_refused_unread(self) -> None:
        for kind in ("huge-body", "gzip-bomb"):
            app = self.hostile_app(kind, body_size=8 * 1024 * 1024)
            with self.connect(app, max_response_size=1024 * 1024, max_retries=0) as client:
                try:
                    client.get("anything")
                except TransportError as err:
                    assert "max_response_size" in str(err), err
                    assert client.name in str(err)
                else:  # pragma: no cover
                    raise AssertionError(f"{kind}: expected TransportError")

    def test_hostile_drip_feed_hits_the_deadline(self) -> None:
        app = self.make_app()
        with self.connect(app) as client:
            first = self.list_all(client, max_items=1)[0].id
        app.faults = FaultPlan(hostile=("drip",), drip_delay=0.02)
        with self.connect(app, timeout=5, request_deadline=0.2, max_retries=0) as client:
            try:
                client.get(first)
            except RequestTimeoutError as err:
                assert "deadline" in str(err) and client.name in str(err)
            else:  # pragma: no cover
                raise AssertionError("expected RequestTimeoutError")

        async def run() -> None:
            aclient = sandbox.connect_async(
                self.provider, app=app, timeout=5, request_deadline=0.2, max_retries=0, **self.connect_settings
            )
            async with aclient:
                try:
                    await aclient.get(first)
                except RequestTimeoutError as err:
                    assert "deadline" in str(err)
                else:  # pragma: no cover
                    raise AssertionError("expected RequestTimeoutError")

        asyncio.run(run())

    def test_list_arguments_are_checked_before_any_request(self) -> None:
        app = self.make_app()
        bad: list[dict[str, Any]] = [
            {"status": 5},
            {"status": "no-such-status"},
            {"status": [object()]},
            {"tags": [1, 2]},
            {"tags": 5},
            {"page_size": 2.5},
            {"page_size": "10"},
            {"page_size": 0},
            {"page_size": True},
            {"max_items": -1},
            {"max_items": 1.5},
            {"search": 42},
            {"strict": "yes"},
        ]
        with self.connect(app) as client:
            for kwargs in bad:
                for call in (client.list, client.pages):
                    try:
                        list(call(**kwargs))
                    except ConfigurationError as err:
                        assert client.name in str(err)
                    except UnsupportedOperationError:
                        pass  # e.g. a filter this provider lacks: refused just as early
                    else:  # pragma: no cover
                        raise AssertionError(f"{kwargs} was accepted")
            assert list(client.list(max_items=0)) == []
            assert list(client.pages(max_items=0)) == []
            for customer_id in (None, 42, ""):
                try:
                    client.get(customer_id)  # type: ignore[arg-type]
                except ConfigurationError:
                    pass
                else:  # pragma: no cover
                    raise AssertionError(f"get({customer_id!r}) was accepted")
        assert app.requests_served == 0

    def test_negative_settings_are_refused_at_connect(self) -> None:
        for settings in (
            {"timeout": -1},
            {"timeout": float("nan")},
            {"max_retries": -1},
            {"max_retries": 1.5},
            {"backoff": -0.5},
            {"max_retry_wait": -1},
            {"max_response_size": 0},
            {"request_deadline": -1},
            {"strict_pagination": "no"},
        ):
            try:
                self.connect(**settings).close()
            except ConfigurationError as err:
                assert client_name(self.provider) in str(err)
            else:  # pragma: no cover
                raise AssertionError(f"{settings} was accepted")

    def test_credentials_with_line_breaks_are_refused_unechoed(self) -> None:
        app = self.make_app()
        given = {**app.client_settings(app.base_url), **self.connect_settings}
        secret_names = [s.name for s in provider_class(self.provider).settings_spec if s.secret and s.name in given]
        for name in secret_names:
            for bad in ("abc\r\nX-Injected: yes", "abc\x00def", "clé-secrète-1234"):
                try:
                    sandbox.connect(self.provider, app=app, **{**self.connect_settings, name: bad}).close()
                except ConfigurationError as err:
                    assert bad not in str(err) and bad not in repr(err)
                    assert name in str(err)
                else:  # pragma: no cover
                    raise AssertionError(f"{name}={bad!r} was accepted")

    def test_unusable_base_url_is_a_configuration_error(self) -> None:
        names = {s.name for s in provider_class(self.provider).settings_spec}
        if "base_url" not in names:
            import pytest

            pytest.skip(f"{self.provider} has no base_url setting")
        app = self.make_app()
        for url in ("https://\x80bad.example", "https://api.example:99999", "https://api.example:port"):
            try:
                sandbox.connect(self.provider, app=app, **{**self.connect_settings, "base_url": url}).close()
            except ConfigurationError as err:
                assert client_name(self.provider) in str(err)
            else:  # pragma: no cover
                raise AssertionError(f"base_url {url!r} was accepted")

    def test_close_while_listing_is_a_clear_error(self) -> None:
        client = self.connect()
        customers = client.list(page_size=self.page_size, **self.list_filters)
        next(customers)
        client.close()
        try:
            list(customers)
        except ConfigurationError as err:
            assert "closed" in str(err) and "internal error" not in str(err)
        else:  # pragma: no cover
            raise AssertionError("a list iterated after close() must raise")

        async def run() -> None:
            aclient = sandbox.connect_async(self.provider, app=self.make_app(), **{**_FAST, **self.connect_settings})
            listing = aclient.list(page_size=self.page_size, **self.list_filters)
            await listing.__anext__()
            await aclient.close()
            try:
                async for _ in listing:
                    pass
            except ConfigurationError as err:
                assert "closed" in str(err)
            else:  # pragma: no cover
                raise AssertionError("an async list iterated after close() must raise")

        asyncio.run(run())

    def test_async_client_under_a_second_event_loop(self) -> None:
        """Works with a caller's http_client; a pool custbridge opened says clearly why not."""
        import custbridge

        app = self.make_app()
        shared = sandbox.connect_async(self.provider, app=app, **{**_FAST, **self.connect_settings})

        async def keys(client: Any, close: bool = False) -> list[str]:
            try:
                return [c.key async for c in client.list(page_size=self.page_size, **self.list_filters)]
            finally:
                if close:
                    await client.close()

        first = asyncio.run(keys(shared))
        assert asyncio.run(keys(shared, close=True)) == first and len(first) == self.size
        with app.serve() as server:
            own = custbridge.connect_async(self.provider, **{**_FAST, **server.settings(), **self.connect_settings})
            loop, other = asyncio.new_event_loop(), asyncio.new_event_loop()
            try:
                assert loop.run_until_complete(keys(own)) == first
                try:
                    other.run_until_complete(keys(own))
                except ConfigurationError as err:
                    assert "event loop" in str(err) and own.name in str(err)
                else:  # pragma: no cover
                    raise AssertionError("expected ConfigurationError")
                loop.run_until_complete(own.close())  # its connections are closed where they live
            finally:
                loop.close()
                other.close()

def client_name(provider: str) -> str:
    """The name errors carry for ``provider``."""
    return provider


def _writable_input(client: Any, operation: str) -> CustomerInput:
    caps = client.capabilities
    fields: dict[str, Any] = {}
    for field, value in (
        ("first_name", "Redirected"),
        ("last_name", "Write"),
        ("company_name", "Redirected Write Ltd"),
        ("email", "redirected.write@example.com"),
        ("phone", "+32470000999"),
    ):
        if caps.field(field) is FieldAccess.WRITE:
            fields[field] = value
    extra = client.sandbox_app.create_requirements() if operation != "update" else {}
    return CustomerInput(**fields, vendor_fields=extra)


def _input() -> Any:
    from ..model import CustomerInput

    return CustomerInput(first_name="Conformance")
