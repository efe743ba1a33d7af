"""The customer store: every provider synced into a warehouse with history (extra ``sync``).

Built on dlt (https://dlthub.com), whose embedded default is DuckDB and which loads the same
rows into Postgres, BigQuery, Snowflake, Databricks, Parquet/Delta files and more::

    import custbridge.sync

    result = custbridge.sync.run(["acme", "globex"])       # ./customers.duckdb
    result.providers["acme"].added, result.providers["acme"].complete
    store = custbridge.sync.open_store("customers.duckdb")
    store.changes(since="last")
    store.as_of("acme:42", datetime(2026, 11, 1, tzinfo=timezone.utc))

Each provider has its own history table ``customers_<provider>`` (dlt ``scd2``: columns
``valid_from``/``valid_to``), so one provider's run never retires another's rows;
``sync_runs`` keeps one row per provider per run. dlt's anonymous telemetry is switched off
for custbridge's pipelines (``RUNTIME__DLTHUB_TELEMETRY=false`` unless you set it).
"""

from __future__ import annotations

from ._pipeline import (
    DEFAULT_STORE,
    RUNS_TABLE,
    ProviderSync,
    SyncResult,
    pipeline_for,
    run,
    source,
    table_name,
    telemetry_off,
)
from ._rows import JSON_COLUMNS, VALID_FROM, VALID_TO, VERSION_COLUMN, customer_row
from ._store import Change, ProviderChanges, Store, changes_dict, open_store, report_from_store

__all__ = [
    "DEFAULT_STORE",
    "JSON_COLUMNS",
    "RUNS_TABLE",
    "VALID_FROM",
    "VALID_TO",
    "VERSION_COLUMN",
    "Change",
    "ProviderChanges",
    "ProviderSync",
    "Store",
    "StoreError",
    "SyncResult",
    "changes_dict",
    "customer_row",
    "open_store",
    "pipeline_for",
    "report_from_store",
    "run",
    "source",
    "table_name",
    "telemetry_off",
]
