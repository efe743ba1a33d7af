"""custbridge.sync: counts, history, cut-short listings, per-provider isolation, other destinations."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import custbridge
import custbridge.sync as sync
from custbridge import sandbox
from custbridge.sandbox import SandboxApp

FAST = {"backoff": 0.001, "backoff_max": 0.01}


def _client(app: SandboxApp, requests: list[httpx.Request] | None = None, **settings: Any) -> custbridge.Client:
    hooks = {"request": [requests.append]} if requests is not None else {}
    http = httpx.Client(transport=app.transport(), event_hooks=hooks)
    client = custbridge.connect(app.provider, http_client=http, **{**app.client_settings(app.base_url), **FAST, **settings})
    client._owned.append(http.close)
    return client


def _rows(store: dict[str, Any], provider: str, where: str = "TRUE") -> int:
    import duckdb

    with duckdb.connect(str(store["destination"]), read_only=True) as db:
        (count,) = db.execute(f"SELECT COUNT(*) FROM custbridge.customers_{provider} WHERE {where}").fetchone()  # type: ignore[misc]
    return int(count)


def test_two_syncs_with_mutations_give_exact_counts_and_history(store: dict[str, Any]) -> None:
    # Augno as its SDK is used (contact info included), so the changed e-mail is seen.
    extra: dict[str, dict[str, Any]] = {"augno": {"includes": "sdk"}, "pexip_engage": {}}
    apps = {name: sandbox.create_app(name, size=25, seed=3, **extra[name]) for name in extra}
    first = sync.run({n: _client(a) for n, a in apps.items()}, **store)
    assert first.complete
    for name in apps:
        assert first.providers[name] == sync.ProviderSync(added=25)
    between = datetime.now(UTC)
    changes = {n: a.mutate(add=2, change=3, remove=1, seed=9) for n, a in apps.items()}
    second = sync.run({n: _client(a) for n, a in apps.items()}, **store)
    assert second.started_at > first.started_at or second.started_at == first.started_at
    for name in apps:
        assert second.providers[name] == sync.ProviderSync(added=2, changed=3, removed=1, unchanged=21)
        # history: 25 first versions + 2 new customers + 3 new versions of changed ones
        assert _rows(store, name) == 30
        assert _rows(store, name, "valid_to IS NULL") == 26
        assert _rows(store, name, "valid_to IS NOT NULL") == 4
    with sync.open_store(store["destination"]) as db:
        assert db.providers() == ["augno", "pexip_engage"]
        assert len(list(db.customers())) == 52
        feed = db.changes(since="last")
        for name, change in changes.items():
            got = feed[name]
            assert {c.key for c in got.added} == {f"{name}:{i}" for i in change.added}
            assert {c.key for c in got.removed} == {f"{name}:{i}" for i in change.removed}
            assert {c.key for c in got.changed} == {f"{name}:{i}" for i in change.changed}
            assert all("email" in c.fields for c in got.changed)
            key = got.changed[0].key
            then, now = db.as_of(key, between), db.as_of(key, datetime.now(UTC))
            assert then is not None and now is not None
            assert then.email == got.changed[0].before["email"] and now.email == got.changed[0].after["email"]
            assert len(db.versions(key)) == 2
            gone = got.removed[0].key
            assert db.as_of(gone, between) is not None
            assert db.as_of(gone, datetime.now(UTC)) is None
        runs = db.runs()
        assert [r["provider"] for r in runs] == ["augno", "pexip_engage"] * 2
        assert [r["customers"] for r in runs] == [25, 25, 26, 26]
        assert sum(runs[-1]["statuses"].values()) == 26
        assert sync.changes_dict(feed)["augno"]["changed"][0]["fields"]["email"]["after"]
    from dlt.common.runtime import anon_tracker

    assert os.environ["RUNTIME__DLTHUB_TELEMETRY"] == "false"
    assert anon_tracker._ANON_TRACKER_ENDPOINT is None, "dlt's anonymous tracker must stay off (no network here)"


def test_telemetry_is_switched_off_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNTIME__DLTHUB_TELEMETRY")
    sync.telemetry_off()
    assert os.environ["RUNTIME__DLTHUB_TELEMETRY"] == "false"
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "true")
    sync.telemetry_off()
    assert os.environ["RUNTIME__DLTHUB_TELEMETRY"] == "true"


def test_a_cut_short_listing_removes_nothing_and_the_next_run_resumes(store: dict[str, Any]) -> None:
    app = sandbox.create_app("rotor", size=50, seed=5, archived=0)
    assert sync.run({"rotor": _client(app)}, **store).providers["rotor"].added == 50
    after_first = datetime.now(UTC)
    change = app.mutate(add=1, change=2, remove=3, seed=2)
    # Today's quota allows three more requests: the listing of six pages stops after three.
    app.quota_used, app.daily_quota = 0, 3
    cut = sync.run({"rotor": _client(app, max_retries=0)}, **store).providers["rotor"]
    assert not cut.complete and "quota" in (cut.error or "")
    assert cut.removed == 0
    assert cut.added + cut.changed + cut.unchanged == 30
    assert _rows(store, "rotor", "valid_to IS NULL") == 50 + cut.added, "nothing may be retired"
    # Tomorrow: the run continues at page 4 and judges removals over the whole listing.
    app.new_day()
    app.daily_quota = 1000
    requests: list[httpx.Request] = []
    done = sync.run({"rotor": _client(app, requests)}, **store).providers["rotor"]
    assert requests[0].url.params["page"] == "4"
    assert len(requests) == 2  # 48 customers listed now: pages 4 and 5 remain
    assert done.complete and done.resumed
    assert done.removed == 3
    assert cut.added + done.added == 1
    assert cut.changed + done.changed == 2
    assert _rows(store, "rotor", "valid_to IS NULL") == 48
    with sync.open_store(store["destination"]) as db:
        feed = db.changes(since=after_first)["rotor"]
        assert {c.key for c in feed.removed} == {f"rotor:{i}" for i in change.removed}
        assert [r["complete"] for r in db.runs()] == [True, False, True]
    # A third run starts from the first page again.
    requests.clear()
    again = sync.run({"rotor": _client(app, requests)}, **store).providers["rotor"]
    assert requests[0].url.params.get("page", "1") == "1"
    assert again == sync.ProviderSync(unchanged=48)


def test_providers_synced_separately_never_retire_each_other(store: dict[str, Any]) -> None:
    rotor = sandbox.create_app("rotor", size=20, seed=1)
    augno = sandbox.create_app("augno", size=20, seed=1)
    sync.run({"rotor": _client(rotor)}, **store)
    sync.run({"augno": _client(augno)}, **store)
    result = sync.run({"rotor": _client(rotor)}, **store)
    assert result.providers["rotor"] == sync.ProviderSync(unchanged=20)
    assert set(result.providers) == {"rotor"}
    assert _rows(store, "augno", "valid_to IS NULL") == 20
    assert _rows(store, "rotor", "valid_to IS NULL") == 20
    again = sync.run({"augno": _client(augno)}, **store)
    assert again.providers["augno"] == sync.ProviderSync(unchanged=20)
    assert _rows(store, "rotor", "valid_to IS NOT NULL") == 0
    assert _rows(store, "augno", "valid_to IS NOT NULL") == 0


def test_the_same_source_loads_parquet_files_with_equal_row_counts(store: dict[str, Any], tmp_path: Path) -> None:
    import dlt
    import pyarrow.parquet as pq

    apps = {name: sandbox.create_app(name, size=15, seed=2) for name in ("rotor", "pexip_engage")}
    sync.run({n: _client(a) for n, a in apps.items()}, include_raw=True, **store)
    files = tmp_path / "files"
    pipeline = dlt.pipeline(
        "custbridge_files",
        destination=dlt.destinations.filesystem(bucket_url=files.as_uri()),
        dataset_name="custbridge",
        pipelines_dir=str(tmp_path / "dlt-files"),
    )
    source = sync.source({n: _client(a) for n, a in apps.items()}, include_raw=True, page_size=10)
    pipeline.run(source, loader_file_format="parquet", write_disposition="append")
    for name in apps:
        parts = sorted((files / "custbridge" / f"customers_{name}").glob("*.parquet"))
        assert parts, f"no parquet files for {name}"
        table = pq.read_table(parts[0]) if len(parts) == 1 else None
        count = sum(pq.read_metadata(p).num_rows for p in parts)
        assert count == _rows(store, name) == 15
        if table is not None:
            assert {"key", "email", "addresses", "raw", "content_hash"} <= set(table.column_names)


def test_a_saved_cursor_for_another_page_size_restarts_the_listing(store: dict[str, Any]) -> None:
    app = sandbox.create_app("rotor", size=30, seed=4, archived=0, daily_quota=2)
    cut = sync.run({"rotor": _client(app, max_retries=0)}, **store).providers["rotor"]
    assert not cut.complete and cut.added == 20
    app.new_day()
    app.daily_quota = 1000
    requests: list[httpx.Request] = []
    done = sync.run({"rotor": _client(app, requests)}, **{**store, "page_size": 25}).providers["rotor"]
    assert requests[0].url.params.get("page", "1") == "1"
    assert done == sync.ProviderSync(added=10, unchanged=20)
    with pytest.raises(custbridge.ConfigurationError, match="no store"):
        sync.open_store(Path(str(store["destination"])).with_name("missing.duckdb"))


def test_a_record_that_cannot_be_mapped_is_neither_a_stall_nor_a_removal(store: dict[str, Any]) -> None:
    app = sandbox.create_app("pexip_engage", size=15, seed=6)
    assert sync.run({"pexip_engage": _client(app)}, **store).providers["pexip_engage"].added == 15
    broken = sorted(app.customers)[4]
    app.customers[broken]["createdAt"] = "not a date"
    result = sync.run({"pexip_engage": _client(app)}, **store).providers["pexip_engage"]
    assert result == sync.ProviderSync(unchanged=14, unmapped=1)
    assert _rows(store, "pexip_engage", "valid_to IS NULL") == 15


def test_stored_addresses_keep_their_language_behaviour(store: dict[str, Any]) -> None:
    """A customer read back from the store answers in_language() as the vendor's record does."""
    app = sandbox.create_app("pexip_engage", size=12, seed=4)
    with _client(app, language="fr") as client:
        listed = {c.key: c for c in client.list()}
    assert sync.run({"pexip_engage": _client(app, language="fr")}, **store).complete
    with sync.open_store(store["destination"]) as db:
        stored = {c.key: c for c in db.customers()}
    assert stored.keys() == listed.keys()
    compared = 0
    for key, customer in listed.items():
        if customer.address is None:
            continue
        for code in ("en", "nl", "de", "xx"):
            assert stored[key].address is not None
            assert stored[key].address.in_language(code) == customer.address.in_language(code)  # type: ignore[union-attr]
        compared += 1
    assert compared


def test_store_rows_keep_an_address_primary_text() -> None:
    from custbridge import Address, AddressText, Customer
    from custbridge.reporting import customer_from_row
    from custbridge.sync._rows import customer_row

    vendor = Address(line1="Wetstraat 16", city="Brussel", language="nl", translations={"en": AddressText(city="Brussels")})
    shown = vendor.in_language("en")
    row = customer_row(Customer(provider="p", id="1", address=shown))
    assert row["addresses"]["address"]["primary"]["city"] == "Brussel"
    back = customer_from_row(row).address
    assert back is not None and back.primary == shown.primary
    assert back.in_language("xx") == vendor  # no such translation: the vendor's own text
