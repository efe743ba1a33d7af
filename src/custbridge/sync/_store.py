"""Reading the store: current customers, a customer on a date, changes since a date, trend."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from ..errors import ConfigurationError, CustbridgeError
from ..model import Customer
from ..reporting._export import customer_from_row
from ..reporting._report import Report
from ._pipeline import DEFAULT_STORE, RUNS_TABLE, STORE_CATALOG, table_name
from ._rows import META_COLUMNS, VALID_FROM, VALID_TO, VERSION_COLUMN

_PREFIX = table_name("")
_NOT_COMPARED = frozenset({*META_COLUMNS, "addresses", "raw"})


@attrs.frozen
class Change:
    """One customer that changed since a date."""

    key: str
    """``provider:id``."""
    kind: str
    """``"added"``, ``"changed"`` or ``"removed"``."""
    display_name: str
    """The name now (or, when removed, the last known name)."""
    fields: tuple[str, ...] = ()
    """Columns whose value changed (``"changed"`` only)."""
    before: Mapping[str, Any] = attrs.field(factory=dict)
    """The changed columns' earlier values."""
    after: Mapping[str, Any] = attrs.field(factory=dict)
    """The changed columns' current values."""


@attrs.frozen
class ProviderChanges:
    """Changes of one provider's customers."""

    added: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class Store:
    """A custbridge store in a DuckDB file (read-only; :func:`custbridge.sync.run` writes it)."""

    def __init__(self, path: str | Path, *, dataset: str = "custbridge") -> None:
        import duckdb

        self.path = Path(path)
        if not self.path.exists():
            raise ConfigurationError(
                f"no store at {self.path}", operation="store", hint="run `custbridge sync` first, or pass its path"
            )
        self.dataset = dataset
        try:
            # Attached under a catalog name of our own: the file's stem may equal the dataset.
            self._db = duckdb.connect()
            quoted = str(self.path).replace("'", "''")
            self._db.execute(f"ATTACH '{quoted}' AS {STORE_CATALOG} (READ_ONLY)")
            self._db.execute(f"USE {STORE_CATALOG}")
        except duckdb.Error as exc:
            raise ConfigurationError(f"cannot open the store: {exc}", operation="store", hint=str(self.path)) from None

    def close(self) -> None:
        """Close the database file."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self._db.execute(sql, list(params))
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _table(self, provider: str) -> str:
        return f'"{self.dataset}"."{table_name(provider)}"'

    def providers(self) -> list[str]:
        """Providers with a history table, in name order."""
        rows = self._db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
            "ORDER BY table_name",
            [STORE_CATALOG, self.dataset],
        ).fetchall()
        return [name[len(_PREFIX) :] for (name,) in rows if name.startswith(_PREFIX) and "__" not in name]

    def runs(self) -> list[dict[str, Any]]:
        """One row per provider per sync run, oldest first (counts, ``complete``, ``statuses``)."""
        try:
            rows = self._rows(f'SELECT * FROM "{self.dataset}"."{RUNS_TABLE}" ORDER BY started_at, provider')
        except Exception:  # no run recorded yet
            return []
        for row in rows:
            if isinstance(row.get("statuses"), str):
                row["statuses"] = json.loads(row["statuses"])
            for key in ("_dlt_load_id", "_dlt_id"):
                row.pop(key, None)
        return rows

    def customers(self, provider: str | None = None) -> Iterator[Customer]:
        """Current customers (not removed at the vendor), rebuilt as :class:`Customer`."""
        for name in [provider] if provider else self.providers():
            cursor = self._db.execute(f"SELECT * FROM {self._table(name)} WHERE {VALID_TO} IS NULL ORDER BY key")
            names = [d[0] for d in cursor.description or ()]
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    yield customer_from_row(dict(zip(names, row, strict=True)))

    def as_of(self, key: str, when: datetime) -> Customer | None:
        """The customer ``key`` as the store knew it at ``when`` (``None`` if unknown or removed)."""
        provider = key.split(":", 1)[0]
        if provider not in self.providers():
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        rows = self._rows(
            f"SELECT * FROM {self._table(provider)} WHERE key = ? AND {VALID_FROM} <= ? "
            f"AND ({VALID_TO} IS NULL OR {VALID_TO} > ?)",
            [key, when, when],
        )
        return customer_from_row(rows[0]) if rows else None

    def versions(self, key: str) -> list[dict[str, Any]]:
        """Every stored version of ``key``, oldest first (with ``valid_from``/``valid_to``)."""
        provider = key.split(":", 1)[0]
        if provider not in self.providers():
            return []
        return self._rows(f"SELECT * FROM {self._table(provider)} WHERE key = ? ORDER BY {VALID_FROM}", [key])

    def last_run(self) -> datetime | None:
        """When the latest sync run started."""
        runs = self.runs()
        return max((r["started_at"] for r in runs), default=None)

    def changes(self, since: datetime | str = "last") -> dict[str, ProviderChanges]:
        """What changed since ``since`` per provider: a date (naive means UTC) or ``"last"``
        (what the latest sync run changed)."""
        if since == "last":
            last = self.last_run()
            if last is None:
                return {}
            since = last
        if not isinstance(since, datetime):
            raise ConfigurationError(f"invalid since {since!r}", operation="changes", hint="a date or 'last'")
        moment = since if since.tzinfo else since.replace(tzinfo=UTC)
        out: dict[str, ProviderChanges] = {}
        for provider in self.providers():
            table = self._table(provider)
            rows = self._rows(
                f"SELECT * FROM {table} WHERE key IN (SELECT key FROM {table} WHERE {VALID_FROM} >= ? "
                f"OR {VALID_TO} >= ?) ORDER BY key, {VALID_FROM}",
                [moment, moment],
            )
            by_key: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                by_key.setdefault(row["key"], []).append(row)
            added: list[Change] = []
            changed: list[Change] = []
            removed: list[Change] = []
            for key, versions in by_key.items():
                before = next(
                    (
                        v
                        for v in reversed(versions)
                        if v[VALID_FROM] < moment and (v[VALID_TO] is None or v[VALID_TO] >= moment)
                    ),
                    None,
                )
                now = next((v for v in versions if v[VALID_TO] is None), None)
                if before is None and now is not None:
                    added.append(Change(key, "added", now["display_name"] or ""))
                elif before is not None and now is None:
                    removed.append(Change(key, "removed", versions[-1]["display_name"] or ""))
                elif before is not None and now is not None and before[VERSION_COLUMN] != now[VERSION_COLUMN]:
                    fields = tuple(
                        name for name in now if name not in _NOT_COMPARED and before.get(name) != now.get(name)
                    )
                    changed.append(
                        Change(
                            key,
                            "changed",
                            now["display_name"] or "",
                            fields=fields,
                            before={f: _jsonable(before.get(f)) for f in fields},
                            after={f: _jsonable(now.get(f)) for f in fields},
                        )
                    )
            out[provider] = ProviderChanges(tuple(added), tuple(changed), tuple(removed))
        return out


def open_store(path: str | Path = DEFAULT_STORE, *, dataset: str = "custbridge") -> Store:
    """Open a DuckDB store for reading."""
    return Store(path, dataset=dataset)


def changes_dict(changes: Mapping[str, ProviderChanges]) -> dict[str, Any]:
    """Changes as JSON-ready data."""

    def one(change: Change) -> dict[str, Any]:
        out: dict[str, Any] = {"key": change.key, "display_name": change.display_name}
        if change.kind == "changed":
            out["fields"] = {f: {"before": change.before[f], "after": change.after[f]} for f in change.fields}
        return out

    return {
        name: {
            "added": [one(c) for c in pc.added],
            "changed": [one(c) for c in pc.changed],
            "removed": [one(c) for c in pc.removed],
        }
        for name, pc in changes.items()
    }


def report_from_store(
    path: str | Path = DEFAULT_STORE, *, dataset: str = "custbridge", match: str = "exact"
) -> Report:
    """The cross-vendor report built from the store's current customers, with no vendor call,
    plus the trend of the sync runs (customers per provider and status per run). ``match`` is
    the identity method, as in :func:`custbridge.reporting.match` (``"probabilistic"`` links
    the stored customers with splink, so identities need no vendor call either)."""
    from ..reporting._providers import capabilities_of
    from ..reporting._report import ReportBuilder

    with open_store(path, dataset=dataset) as store:
        names = store.providers()
        capabilities = {}
        for name in names:
            try:
                capabilities[name] = capabilities_of(name)
            except CustbridgeError:  # a provider no longer installed: counted without its declarations
                continue
        builder = ReportBuilder(capabilities, match=match)
        for customer in store.customers():
            builder.add(customer)
        runs = store.runs()
        last = max((r["started_at"] for r in runs), default=None)
        when = f", last sync {last:%Y-%m-%d %H:%M} UTC" if last is not None else ""
        report = builder.build(source=f"customer store {store.path}{when}", capabilities=capabilities)
    trend = tuple(
        {
            "started_at": _jsonable(r["started_at"]),
            **{k: r.get(k) for k in ("provider", "customers", "statuses", "added", "changed", "removed", "complete")},
        }
        for r in runs
    )
    return attrs.evolve(report, trend=trend)
