"""The dlt source of custbridge and :func:`run`, the incremental sync with history."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from .._engine import Client
from ..errors import ConfigurationError, CustbridgeError
from ..registry import connect
from ._rows import VALID_FROM, VALID_TO, VERSION_COLUMN, column_hints, customer_row

logger = logging.getLogger("custbridge.sync")

STORE_CATALOG = "custbridge_store"
"""The catalog name :class:`Store` attaches a DuckDB file under (never the same as a dataset)."""

DEFAULT_STORE = "customers.duckdb"
"""The embedded store's default file (its stem must differ from the dataset name)."""

RUNS_TABLE = "sync_runs"
"""Table with one row per provider per sync run (counts, completeness, status counts)."""


class StoreError(CustbridgeError):
    """The customer store could not be reached, read or written (the cause is chained)."""


def table_name(provider: str) -> str:
    """The history table of one provider (a table each, so no run can retire another's rows)."""
    return f"customers_{provider}"


def telemetry_off() -> None:
    """Switch off dlt's anonymous telemetry unless the user configured it explicitly."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


def _import_dlt() -> Any:
    telemetry_off()
    try:
        import dlt
    except ImportError:  # pragma: no cover - exercised without the extra
        raise ConfigurationError(
            "the customer store needs dlt", operation="sync", hint='pip install "custbridge[sync]"'
        ) from None
    return dlt


# --------------------------------------------------------------------------- results


@attrs.frozen
class ProviderSync:
    """What one sync run did to one provider's customers."""

    added: int = 0
    """Customers new in the store."""
    changed: int = 0
    """Customers whose canonical data changed (a new version was recorded)."""
    removed: int = 0
    """Customers missing from a complete listing, recorded as removed at the vendor."""
    unchanged: int = 0
    """Customers listed again with the same data."""
    complete: bool = True
    """False when the listing stopped early (quota, outage): nothing was marked removed and
    the next run continues from the saved cursor."""
    error: str | None = None
    """Why the listing stopped early, when it did."""
    resumed: bool = False
    """True when this run continued a listing an earlier run had cut short."""
    unmapped: int = 0
    """Records the vendor sent that could not be mapped: their stored versions are kept as
    they are and never judged removed."""


@attrs.frozen
class SyncResult:
    """The result of :func:`run`."""

    providers: Mapping[str, ProviderSync]
    """Per provider name."""
    started_at: datetime
    """The run's timestamp: new versions are valid from it, retired ones until it."""
    destination: str
    """Where the store is (a DuckDB path or a dlt destination name)."""
    dataset: str
    """The dataset (schema) holding the tables."""

    @property
    def complete(self) -> bool:
        """True when every provider's listing was complete."""
        return all(p.complete for p in self.providers.values())


# --------------------------------------------------------------------------- the source


class _Tracker:
    """Counts one provider's listing against the store's current versions."""

    def __init__(self, known: Mapping[str, str]) -> None:
        self.known = dict(known)
        self.added = self.changed = self.unchanged = 0
        self.removed_keys: list[str] = []
        self.complete = True
        self.resumed = False
        self.error: str | None = None
        self.unmapped = 0

    def count(self, key: str, digest: str) -> None:
        old = self.known.get(key)
        if old is None:
            self.added += 1
        elif old != digest:
            self.changed += 1
        else:
            self.unchanged += 1

    def result(self) -> ProviderSync:
        return ProviderSync(
            added=self.added,
            changed=self.changed,
            removed=len(self.removed_keys),
            unchanged=self.unchanged,
            complete=self.complete,
            error=self.error,
            resumed=self.resumed,
            unmapped=self.unmapped,
        )


def _write_disposition(boundary: datetime | None) -> dict[str, Any]:
    disposition: dict[str, Any] = {
        "disposition": "merge",
        "strategy": "scd2",
        "validity_column_names": [VALID_FROM, VALID_TO],
        "row_version_column_name": VERSION_COLUMN,
    }
    if boundary is not None:
        disposition["boundary_timestamp"] = boundary
    return disposition


def _customers(
    dlt: Any,
    name: str,
    client: Client,
    *,
    include_raw: bool,
    page_size: int | None,
    tracker: _Tracker | None,
    progress: Callable[[str, int, int | None], None] | None,
    boundary: datetime | None,
) -> Any:
    def listing() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        start: str | None = state.get("cursor")
        # The customers an unfinished listing has seen count only when it is continued.
        seen_ids: set[str] = set(state.get("seen") or ()) if start is not None else set()
        # A record that cannot be mapped must neither stop the sync for good nor count as
        # removed: collect it, and keep its stored versions as they are.
        try:
            pages = client.pages(page_size=page_size, start_cursor=start, on_invalid="collect")
        except ConfigurationError as exc:  # filters or page size changed: list again from the start
            logger.warning("%s: the saved cursor cannot be used (%s); listing from the start", name, exc)
            start, seen_ids = None, set()
            pages = client.pages(page_size=page_size, on_invalid="collect")
        if tracker is not None:
            tracker.resumed = start is not None
        cursor = start
        total: int | None = None
        try:
            for page in pages:
                rows = []
                for customer in page.items:
                    if customer.id in seen_ids:  # a page shifted under us: count each customer once
                        continue
                    seen_ids.add(customer.id)
                    row = customer_row(customer, include_raw=include_raw)
                    if tracker is not None:
                        tracker.count(row["key"], row[VERSION_COLUMN])
                    rows.append(row)
                total = page.total if page.total is not None else total
                if rows:
                    yield rows
                cursor = page.next_cursor
                if progress is not None:
                    progress(name, len(seen_ids), total)
        except CustbridgeError as exc:
            # Cut short: keep what was listed, where to continue, and which customers this
            # listing has seen so far; retire nothing.
            state["cursor"] = cursor
            state["seen"] = sorted(seen_ids | {e.record_id for e in pages.errors if e.record_id})
            if tracker is not None:
                tracker.complete = False
                tracker.error = str(exc)
            logger.warning("%s: listing stopped after %d customers: %s", name, len(seen_ids), exc)
            return
        state.pop("cursor", None)
        state.pop("seen", None)
        if tracker is not None:
            tracker.unmapped = len(pages.errors)
            seen_ids |= {e.record_id for e in pages.errors if e.record_id}
            if any(e.record_id is None for e in pages.errors):
                logger.warning("%s: a record without an id could not be mapped; no removal judged this run", name)
                return
            seen_keys = {f"{name}:{cid}" for cid in seen_ids}
            tracker.removed_keys = sorted(set(tracker.known) - seen_keys)

    return dlt.resource(
        listing,
        name=name,
        table_name=table_name(name),
        primary_key="key",
        merge_key="key",  # retire only versions of customers in the load; removals are a separate step
        write_disposition=_write_disposition(boundary),
        columns=column_hints(),
        selected=True,
    )


def source(
    clients: Mapping[str, Client] | Sequence[str],
    *,
    include_raw: bool = False,
    page_size: int | None = None,
) -> Any:
    """A dlt source with one resource per provider, rows in the canonical shape.

    Each resource lists one provider into the table ``customers_<provider>``: the flat
    columns of the CSV export (:data:`custbridge.reporting.CSV_COLUMNS`), nested
    ``addresses`` (with translations) and, with ``include_raw``, the vendor payload ``raw``;
    primary key ``key``; history by dlt's ``scd2`` merge (columns ``valid_from``/``valid_to``,
    version digest ``content_hash``). A listing cut short keeps its cursor in the resource
    state and the next extraction continues there. Use it in your own pipeline::

        pipeline = dlt.pipeline("crm", destination="postgres", dataset_name="custbridge")
        pipeline.run(custbridge.sync.source({"acme": client}))

    Removals need the store's current rows, so only :func:`run` records them.
    """
    dlt = _import_dlt()
    resolved = _clients(clients)
    return _source(dlt, resolved, include_raw=include_raw, page_size=page_size, trackers=None, progress=None)


def _source(
    dlt: Any,
    clients: Mapping[str, Client],
    *,
    include_raw: bool,
    page_size: int | None,
    trackers: Mapping[str, _Tracker] | None,
    progress: Callable[[str, int, int | None], None] | None,
    boundary: datetime | None = None,
) -> Any:
    def customers_source() -> list[Any]:
        return [
            _customers(
                dlt,
                name,
                client,
                include_raw=include_raw,
                page_size=page_size,
                tracker=None if trackers is None else trackers[name],
                progress=progress,
                boundary=boundary,
            )
            for name, client in clients.items()
        ]

    return dlt.source(customers_source, name="custbridge", max_table_nesting=0)()


def _clients(clients: Mapping[str, Client] | Sequence[str]) -> dict[str, Client]:
    if isinstance(clients, Mapping):
        return dict(clients)
    if isinstance(clients, str):
        clients = [clients]
    return {name: connect(name) for name in clients}


# --------------------------------------------------------------------------- run


def _destination(dlt: Any, destination: Any, dataset: str) -> tuple[Any, str]:
    if isinstance(destination, Path) or (isinstance(destination, str) and not destination.isidentifier()):
        path = Path(destination).expanduser().resolve()
        if path.stem == dataset:
            # DuckDB names the file's catalog after its stem: "custbridge.table" would be
            # ambiguous between the catalog and the dataset (a binder error).
            raise ConfigurationError(
                f"the DuckDB file {path.name!r} is named like the dataset {dataset!r}",
                operation="sync",
                hint=f"use another file name (default {DEFAULT_STORE}) or another dataset",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(str(path)), str(path)
    if isinstance(destination, str):
        return destination, destination
    return destination, str(getattr(destination, "destination_name", None) or type(destination).__name__)


def _file_format(pipeline: Any) -> str | None:
    """Parquet for the embedded DuckDB store (its INSERT loading is many times slower); the
    destination's own default elsewhere."""
    name = getattr(pipeline.destination, "destination_name", None) or ""
    if name != "duckdb":
        return None
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - the sync extra installs it
        return None
    return "parquet"


def pipeline_for(
    destination: Any = DEFAULT_STORE, *, dataset: str = "custbridge", pipelines_dir: str | Path | None = None
) -> tuple[Any, str]:
    """The dlt pipeline custbridge uses for a store (one per destination and dataset)."""
    dlt = _import_dlt()
    dest, label = _destination(dlt, destination, dataset)
    digest = hashlib.blake2b(f"{label}|{dataset}".encode(), digest_size=6).hexdigest()
    pipeline = dlt.pipeline(
        pipeline_name=f"custbridge_{digest}",
        destination=dest,
        dataset_name=dataset,
        pipelines_dir=None if pipelines_dir is None else str(pipelines_dir),
    )
    return pipeline, label


def _known(pipeline: Any, name: str) -> dict[str, str]:
    """Current versions of one provider's customers: key -> content digest."""
    if not _has_table(pipeline, table_name(name)):
        return {}
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(table_name(name))
        sql = f"SELECT key, {VERSION_COLUMN} FROM {table} WHERE {VALID_TO} IS NULL"
        with client.execute_query(sql) as cursor:
            return {key: digest for key, digest in cursor.fetchall()}


def _has_table(pipeline: Any, name: str) -> bool:
    try:
        schema = pipeline.default_schema
    except Exception:  # no schema yet
        return False
    return name in schema.tables and bool(schema.get_table_columns(name))


def _retire(pipeline: Any, name: str, keys: Sequence[str], when: datetime) -> None:
    """Record customers as removed at the vendor: close their current version at ``when``."""
    if not keys:
        return
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(table_name(name))
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            client.execute_sql(
                f"UPDATE {table} SET {VALID_TO} = %s WHERE {VALID_TO} IS NULL AND key IN ({marks})", when, *chunk
            )


def _status_counts(pipeline: Any, name: str) -> dict[str, int]:
    if not _has_table(pipeline, table_name(name)):
        return {}
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(table_name(name))
        sql = f"SELECT status, COUNT(*) FROM {table} WHERE {VALID_TO} IS NULL GROUP BY status"
        with client.execute_query(sql) as cursor:
            return {str(status): int(count) for status, count in cursor.fetchall()}


def run(
    clients: Mapping[str, Client] | Sequence[str],
    *,
    destination: Any = DEFAULT_STORE,
    dataset: str = "custbridge",
    pipelines_dir: str | Path | None = None,
    include_raw: bool = False,
    page_size: int | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> SyncResult:
    """Sync providers into the store and record what changed.

    Args:
        clients: provider name -> connected sync :class:`~custbridge.Client`, or a list of
            provider names to connect from the environment.
        destination: a path to a DuckDB file (the embedded default) or any dlt destination
            with SQL (``"postgres"``, ``dlt.destinations.snowflake(...)``, ...).
        dataset: the dataset (schema) of the tables.
        pipelines_dir: where dlt keeps its working state (default: dlt's, ``~/.dlt``).
        include_raw: store the vendor payload in ``raw`` too.
        page_size: page size of the listings.
        progress: called with (provider, customers listed, vendor total or None) per page.

    A provider whose listing stops early (quota, outage) keeps what was listed, marks
    nothing removed (``complete=False``) and continues from the saved cursor next run; the
    run that completes the listing judges removals over the whole listing.
    """
    dlt = _import_dlt()
    resolved = _clients(clients)
    try:
        return _run(dlt, resolved, destination, dataset, pipelines_dir, include_raw, page_size, progress)
    finally:
        if not isinstance(clients, Mapping):  # connected here: closed here
            for client in resolved.values():
                client.close()


def _run(
    dlt: Any,
    resolved: Mapping[str, Client],
    destination: Any,
    dataset: str,
    pipelines_dir: str | Path | None,
    include_raw: bool,
    page_size: int | None,
    progress: Callable[[str, int, int | None], None] | None,
) -> SyncResult:
    pipeline, label = pipeline_for(destination, dataset=dataset, pipelines_dir=pipelines_dir)
    try:
        pipeline.sync_destination()
    except Exception as exc:  # pragma: no cover - a destination that cannot be reached
        raise StoreError(f"cannot reach the store: {exc}", operation="sync", hint=str(label)) from exc
    started = datetime.now(UTC)
    trackers = {name: _Tracker(_known(pipeline, name)) for name in resolved}
    src = _source(
        dlt,
        resolved,
        include_raw=include_raw,
        page_size=page_size,
        trackers=trackers,
        progress=progress,
        boundary=started,
    )
    file_format = _file_format(pipeline)
    try:
        pipeline.run(src, loader_file_format=file_format)
    except CustbridgeError:
        raise
    except Exception as exc:
        raise StoreError(
            f"the store could not be written: {type(exc).__name__}: {exc}", operation="sync", hint=str(label)
        ) from exc
    runs = []
    for name, tracker in trackers.items():
        if tracker.complete:
            _retire(pipeline, name, tracker.removed_keys, started)
        result = tracker.result()
        statuses = _status_counts(pipeline, name)
        runs.append(
            {
                "provider": name,
                "started_at": started,
                **attrs.asdict(result),
                "customers": sum(statuses.values()),
                "statuses": statuses,
            }
        )
    pipeline.run(
        dlt.resource(
            runs,
            name=RUNS_TABLE,
            write_disposition="append",
            columns={"statuses": {"data_type": "json"}, "error": {"data_type": "text", "nullable": True}},
        ),
        loader_file_format=file_format,
    )
    return SyncResult(
        providers={name: t.result() for name, t in trackers.items()},
        started_at=started,
        destination=label,
        dataset=dataset,
    )

