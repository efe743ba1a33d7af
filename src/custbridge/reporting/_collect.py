"""Fetch customers from several providers at once.

One asyncio task per provider lists its customers page by page with the async client, so
each provider keeps to its own declared concurrency and rate limit while the providers run
side by side. A provider that fails (bad credentials, an outage) is recorded with its error
and the others complete. Records that fail to map are collected (``on_invalid="collect"``),
not fatal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any

import attrs
import httpx

from .._engine import AsyncClient
from ..errors import ConfigurationError, CustbridgeError, MappingError
from ..model import Customer
from ..provider import Capabilities
from ..registry import connect_async, provider_class
from ..sandbox import FaultPlan, create_app

__all__ = ["Collection", "ProviderRun", "collect", "collect_async"]

Progress = Callable[["ProviderRun"], None]
"""Called with a provider's run after each page and when it finishes."""


@attrs.define
class ProviderRun:
    """What happened while fetching one provider (updated live while collecting)."""

    provider: str
    """Registered provider name."""
    display: str = ""
    """Human name of the vendor."""
    customers: int = 0
    """Customers received so far."""
    pages: int = 0
    """Pages received so far."""
    total: int | None = None
    """The vendor's total count, when it gives one."""
    requests: int = 0
    """HTTP responses received (retries included)."""
    rate_limited: int = 0
    """``429`` answers the engine had to wait out."""
    errors: list[MappingError] = attrs.field(factory=list)
    """Records that failed to map (provider, id, JSON path)."""
    failure: CustbridgeError | None = None
    """Why the provider could not be listed to the end, if it could not."""
    capabilities: Capabilities | None = None
    """The connected provider's capabilities."""
    elapsed: float = 0.0
    """Seconds spent on this provider."""
    done: bool = False
    """True once the provider finished (successfully or not)."""
    sandbox: bool = False
    """True when the data came from the built-in simulator."""

    @property
    def ok(self) -> bool:
        """True when the provider was listed to the end."""
        return self.done and self.failure is None


@attrs.define
class Collection:
    """The result of :func:`collect`."""

    runs: dict[str, ProviderRun]
    """One run per provider, in the order asked."""
    customers: list[Customer] = attrs.field(factory=list)
    """Every customer received (raw payloads dropped unless ``keep_raw``); empty when
    ``keep=False``."""

    @property
    def errors(self) -> list[MappingError]:
        """Every record that failed to map, across providers."""
        return [e for run in self.runs.values() for e in run.errors]

    @property
    def failures(self) -> dict[str, CustbridgeError]:
        """Providers that failed, with their error."""
        return {n: r.failure for n, r in self.runs.items() if r.failure is not None}

    @property
    def ok(self) -> bool:
        """True when every provider was listed to the end."""
        return all(run.ok for run in self.runs.values())

    @property
    def capabilities(self) -> dict[str, Capabilities]:
        """Capabilities of the providers that connected."""
        return {n: r.capabilities for n, r in self.runs.items() if r.capabilities is not None}


async def _connect(
    name: str,
    run: ProviderRun,
    *,
    sandbox: bool,
    size: int,
    seed: int,
    faults: FaultPlan | str | None,
    settings: Mapping[str, Any],
) -> AsyncClient:
    async def count(response: httpx.Response) -> None:
        run.requests += 1
        if response.status_code == 429:
            run.rate_limited += 1

    hooks: dict[str, list[Callable[[httpx.Response], Any]]] = {"response": [count]}
    if sandbox:
        app = await asyncio.to_thread(create_app, name, size=size, seed=seed, faults=faults)
        http = httpx.AsyncClient(transport=app.async_transport(), event_hooks=hooks)
        merged = {**app.client_settings(app.base_url), **settings}
    else:
        http = httpx.AsyncClient(timeout=30.0, follow_redirects=False, event_hooks=hooks)
        merged = dict(settings)
    try:
        client = connect_async(name, http_client=http, **merged)
    except BaseException:
        await http.aclose()
        raise
    client._owned.append(http.aclose)
    return client


class _CallerError(Exception):
    """An exception raised by the caller's callback: it stops the whole collection."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _call(callback: Callable[[Any], None], value: Any) -> None:
    try:
        callback(value)
    except Exception as exc:
        raise _CallerError(exc) from exc


async def _run_one(
    name: str,
    run: ProviderRun,
    *,
    connect: Callable[[], Any],
    on_customer: Callable[[Customer], None] | None,
    progress: Progress | None,
    max_items: int | None,
    page_size: int | None,
    filters: Mapping[str, Any],
) -> None:
    started = time.perf_counter()
    client: AsyncClient | None = None
    operation = "connect"
    try:
        client = await connect()
        operation = "list"
        run.capabilities = client.capabilities
        pages = client.pages(
            on_invalid="collect", max_items=max_items, page_size=page_size, **filters
        )
        run.errors = pages.errors
        async for page in pages:
            run.pages += 1
            if page.total is not None:
                run.total = page.total
            for customer in page.items:
                run.customers += 1
                if on_customer is not None:
                    _call(on_customer, customer)
            run.elapsed = time.perf_counter() - started
            if progress is not None:
                _call(progress, run)
    except _CallerError:
        raise
    except CustbridgeError as exc:
        run.failure = exc
    except Exception as exc:  # a plug-in bug must not take the other providers down
        run.failure = CustbridgeError(
            f"unexpected error ({type(exc).__name__}: {exc})", provider=name, operation=operation,
            hint="this is a bug in the provider plug-in; please report it",
        )
    finally:
        if client is not None:
            await client.close()
        run.elapsed = time.perf_counter() - started
        run.done = True
    if progress is not None:
        _call(progress, run)


async def _all_or_nothing(coroutines: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run the coroutines concurrently; the first exception cancels the rest and is raised."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:  # cancelled (Ctrl-C): stop every provider
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        error = task.exception()
        if error is not None:
            raise error.error if isinstance(error, _CallerError) else error


def _display(name: str) -> str:
    try:
        return provider_class(name).display or name
    except CustbridgeError:
        return name


async def collect_async(
    providers: Iterable[str],
    *,
    sandbox: bool = False,
    sandbox_size: int = 100,
    seed: int = 0,
    faults: FaultPlan | str | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    on_customer: Callable[[Customer], None] | None = None,
    progress: Progress | None = None,
    keep: bool = True,
    keep_raw: bool = False,
    max_items: int | None = None,
    page_size: int | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Collection:
    """Fetch every customer of ``providers`` concurrently (asyncio version of :func:`collect`)."""
    names = list(dict.fromkeys(providers))
    if isinstance(faults, str):  # a typo is the caller's error, not every provider's failure
        try:
            faults = FaultPlan.parse(faults)
        except ValueError as exc:
            raise ConfigurationError(
                f"invalid faults {faults!r}: {exc}", operation="collect",
                hint="give RATE[:KINDS], e.g. '0.2:429,500'",
            ) from None
    runs = {name: ProviderRun(name, display=_display(name), sandbox=sandbox) for name in names}
    result = Collection(runs)
    per_provider = settings or {}

    def receive(customer: Customer) -> None:
        if keep:
            result.customers.append(customer if keep_raw else attrs.evolve(customer, raw={}))
        if on_customer is not None:
            on_customer(customer)

    def connector(name: str) -> Callable[[], Any]:
        return lambda: _connect(
            name, runs[name], sandbox=sandbox, size=sandbox_size, seed=seed, faults=faults,
            settings=per_provider.get(name, {}),
        )

    await _all_or_nothing(
        _run_one(
            name, runs[name], connect=connector(name), on_customer=receive, progress=progress,
            max_items=max_items, page_size=page_size, filters=filters or {},
        )
        for name in names
    )
    return result


def collect(
    providers: Iterable[str],
    *,
    sandbox: bool = False,
    sandbox_size: int = 100,
    seed: int = 0,
    faults: FaultPlan | str | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    on_customer: Callable[[Customer], None] | None = None,
    progress: Progress | None = None,
    keep: bool = True,
    keep_raw: bool = False,
    max_items: int | None = None,
    page_size: int | None = None,
    filters: Mapping[str, Any] | None = None,
) -> Collection:
    """Fetch every customer of ``providers`` concurrently, each within its own limits.

    Args:
        providers: registered provider names.
        sandbox: use each provider's built-in simulator instead of the real API.
        sandbox_size: customers per simulator.
        seed: population seed of the simulators (the same seed shares people across them).
        faults: fault plan for the simulators, e.g. ``"0.2:429,500"``.
        settings: per provider, keyword settings for :func:`custbridge.connect_async`
            (otherwise each reads its environment variables).
        on_customer: called with each customer as it arrives (stream it somewhere); an
            exception it raises stops every provider and is raised by ``collect``.
        progress: called with the provider's :class:`ProviderRun` after each page.
        keep: keep the customers in :attr:`Collection.customers`; pass ``False`` with
            ``on_customer`` to keep memory flat.
        keep_raw: keep each vendor payload on kept customers (dropped by default).
        max_items: stop each provider after this many customers.
        page_size: page size to ask for.
        filters: ``list()`` filters applied at every provider.

    A provider that fails is reported in :attr:`ProviderRun.failure`; the others complete.
    Call from synchronous code; inside a running event loop use :func:`collect_async`.
    """
    return asyncio.run(collect_async(
        providers, sandbox=sandbox, sandbox_size=sandbox_size, seed=seed, faults=faults,
        settings=settings, on_customer=on_customer, progress=progress, keep=keep,
        keep_raw=keep_raw, max_items=max_items, page_size=page_size, filters=filters,
    ))
