"""Exports: JSON lines (nested), CSV and Parquet (flat), each read back into equal customers."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from custbridge import Address, AddressText, ConfigurationError, Customer, CustomerStatus, Money
from custbridge.reporting import (
    CSV_COLUMNS,
    customer_from_row,
    customer_to_dict,
    export,
    open_writer,
    read_csv,
    read_jsonl,
)

CET = timezone(timedelta(hours=1))


def rich_customer(i: int = 1) -> Customer:
    return Customer(
        provider="alpha",
        id=f"id/{i}",
        number=f"N-{i}",
        external_id="ext,with\"quotes",
        first_name="Zoë",
        last_name="D'Hondt",
        company_name="Bakkerij \"De Zon\"\nBV",
        email="zoe@example.be",
        phone="+32 471 23 45 67",
        website="https://zon.example",
        status=CustomerStatus.ON_HOLD,
        vendor_status="paused",
        address=Address(
            line1="Wetstraat 16", line2=None, city="Brussel", region="Brussels", postal_code="1000", country="BE",
            formatted="Wetstraat 16, 1000 Brussel", latitude=50.8466, longitude=4.3528, name="HQ", language="nl",
            translations={"fr": AddressText(line1="Rue de la Loi 16", city="Bruxelles"),
                          "nl": AddressText(line1="Wetstraat 16", city="Brussel")},
        ),
        billing_address=Address(city="Gent", country="BE"),
        language="nl",
        time_zone="Europe/Brussels",
        tags=("vip", "b2b;wholesale"),
        notes="line one\nline two",
        credit_limit=Money(amount=Decimal("1234.50"), currency="EUR", display="€ 1.234,50"),
        created_at=datetime(2024, 2, 29, 12, 30, 15, 123456, tzinfo=CET),
        updated_at=datetime(2025, 1, 1, tzinfo=UTC),
        extras={"segment": "retail", "score": 7, "flags": ["a", "b"]},
        not_loaded=frozenset({"deleted_at"}),
        raw={"vendor": "payload"},
    )


def plain_customer(i: int) -> Customer:
    return Customer(provider="beta", id=str(i), email=f"p{i}@example.com", status=CustomerStatus.ACTIVE)


CUSTOMERS = [rich_customer(1), plain_customer(2), Customer(provider="beta", id="3")]


def test_jsonl_is_nested_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert export(CUSTOMERS, path) == 3
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["key"] == "alpha:id/1"
    assert first["address"]["translations"]["fr"]["city"] == "Bruxelles"
    assert first["credit_limit"] == {"amount": "1234.50", "currency": "EUR", "display": "€ 1.234,50"}
    assert first["created_at"] == "2024-02-29T12:30:15.123456+01:00"
    assert "raw" not in first
    back = list(read_jsonl(path))
    assert back == CUSTOMERS
    assert back[0].address is not None and back[0].address.translations == CUSTOMERS[0].address.translations  # type: ignore[union-attr]
    assert back[0].not_loaded == frozenset({"deleted_at"})


def test_jsonl_can_carry_the_raw_payload() -> None:
    buffer = io.StringIO()
    export(CUSTOMERS[:1], buffer, "jsonl", include_raw=True)
    data = json.loads(buffer.getvalue())
    assert data["raw"] == {"vendor": "payload"}
    assert next(read_jsonl(io.StringIO(buffer.getvalue()))).raw == {"vendor": "payload"}


def test_csv_is_flat_with_fixed_columns_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert export(CUSTOMERS, path) == 3
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["address_city"] == "Brussel"
    assert rows[0]["address_latitude"] == "50.8466"
    assert rows[0]["credit_limit_amount"] == "1234.50"
    assert json.loads(rows[0]["tags"]) == ["vip", "b2b;wholesale"]
    assert rows[1]["address_city"] == "" and rows[1]["status"] == "active"
    assert list(read_csv(path)) == CUSTOMERS
    back = next(iter(read_csv(path)))
    assert back.address is not None and back.address.in_language("fr").line1 == "Rue de la Loi 16"
    assert back.extras == {"segment": "retail", "score": 7, "flags": ["a", "b"]}


def test_parquet_round_trips(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow (the parquet extra) is not installed")
    path = tmp_path / "out.parquet"
    with open_writer(path, batch_size=2) as writer:
        for customer in CUSTOMERS:
            writer.write(customer)
    assert writer.count == 3
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_rows == 3
    assert parquet.metadata.num_row_groups == 2  # written in batches, not all at the end
    assert parquet.schema_arrow.field("created_at").type.tz == "UTC"
    assert parquet.schema_arrow.names == list(CSV_COLUMNS)
    rows = pq.read_table(path).to_pylist()
    assert [customer_from_row(r) for r in rows] == CUSTOMERS


def test_format_comes_from_the_suffix_or_must_be_given(tmp_path: Path) -> None:
    export(CUSTOMERS, tmp_path / "x.ndjson")
    assert len(list(read_jsonl(tmp_path / "x.ndjson"))) == 3
    with pytest.raises(ConfigurationError, match="cannot tell the export format"):
        export(CUSTOMERS, tmp_path / "x.txt")
    with pytest.raises(ConfigurationError, match="unknown export format"):
        export(CUSTOMERS, tmp_path / "x.csv", "xlsx")


def test_a_callers_file_is_flushed_not_closed() -> None:
    buffer = io.StringIO()
    export(CUSTOMERS, buffer, "csv")
    assert not buffer.closed
    assert buffer.getvalue().count("\n") >= 4


def test_customer_to_dict_is_json_ready() -> None:
    data = customer_to_dict(rich_customer())
    json.dumps(data)  # no Decimal, datetime or set left
    assert data["status"] == "on_hold" and data["tags"] == ["vip", "b2b;wholesale"]


def _many(n: int) -> Iterator[Customer]:
    for i in range(n):
        yield plain_customer(i)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_streams_so_memory_does_not_grow_with_the_count(tmp_path: Path, fmt: str) -> None:
    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            export(_many(n), tmp_path / f"m{n}.{fmt}")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(500), peak(5000)
    assert large < small * 2 + 200_000, (small, large)


def test_jsonl_keeps_the_primary_text_of_an_address_shown_in_another_language() -> None:
    from custbridge.reporting import customer_from_dict

    primary = Address(line1="Wetstraat 16", city="Brussel", country="BE", language="nl",
                      translations={"fr": AddressText(line1="Rue de la Loi 16", city="Bruxelles"),
                                    "en": AddressText(city="Brussels")})
    shown = primary.in_language("fr")
    data = json.loads(json.dumps(customer_to_dict(Customer(provider="p", id="1", address=shown))))
    assert data["address"]["primary"] == {"line1": "Wetstraat 16", "line2": None, "city": "Brussel",
                                          "region": None, "language": "nl"}
    back = customer_from_dict(data).address
    assert back is not None and back.primary == shown.primary
    english = back.in_language("en")
    assert (english.line1, english.city) == ("Wetstraat 16", "Brussels")  # primary street, not the French one
    assert "primary" not in customer_to_dict(Customer(provider="p", id="2", address=primary))["address"]


def test_csv_keeps_the_primary_text_of_an_address_shown_in_another_language(tmp_path: Path) -> None:
    primary = Address(line1="Wetstraat 16", city="Brussel", country="BE", language="nl",
                      translations={"fr": AddressText(line1="Rue de la Loi 16", city="Bruxelles"),
                                    "en": AddressText(city="Brussels")})
    customers = [Customer(provider="p", id="1", address=primary.in_language("fr")),
                 Customer(provider="p", id="2", address=primary)]
    path = tmp_path / "out.csv"
    export(customers, path, "csv")
    back = list(read_csv(path))
    assert back == customers
    shown = back[0].address
    assert shown is not None and shown.primary == customers[0].address.primary  # type: ignore[union-attr]
    english = shown.in_language("en")
    assert (english.line1, english.city) == ("Wetstraat 16", "Brussels")
    assert back[1].address is not None and back[1].address.primary is None
