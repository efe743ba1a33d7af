"""Customer as a value: hashable, JSON-ready ``to_dict()``, ``from_dict()`` back equal, and a
JSON Schema generated from the model that every provider's customers validate against."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

import custbridge
from custbridge import Address, AddressText, Customer, CustomerStatus, Money, sandbox
from custbridge.cli import main

jsonschema = pytest.importorskip("jsonschema")


def _full_customer(**overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "provider": "acme",
        "id": "c-1",
        "number": "N1",
        "external_id": "ext-1",
        "first_name": "Ann",
        "last_name": "Lee",
        "company_name": "Lee & Co",
        "email": "ann@example.com",
        "phone": "+32 470 00 00 00",
        "website": "https://lee.example",
        "status": CustomerStatus.ON_HOLD,
        "vendor_status": "HOLD",
        "address": Address(line1="Rue 1", city="Bruxelles", country="BE", latitude=50.85, longitude=4.35,
                           language="fr", translations={"nl": AddressText(line1="Straat 1", city="Brussel")}),
        "billing_address": Address(formatted="PO Box 9, Ghent"),
        "language": "fr",
        "time_zone": "Europe/Brussels",
        "tags": ("vip", "b2b"),
        "notes": "Net 30",
        "credit_limit": Money(amount=Decimal("1234.50"), currency="EUR", display="€1,234.50"),
        "created_at": datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        "updated_at": datetime(2025, 6, 7, 8, 9, 10, tzinfo=UTC),
        "extras": {"segment": "smb", "flags": ("a", "b"), "nested": {"x": [1, 2]}},
        "not_loaded": frozenset({"shipping_address"}),
        "raw": {"id": "c-1", "anything": [1, {"deep": True}]},
    }
    values.update(overrides)
    return Customer(**values)


def _validator() -> Any:
    schema = custbridge.customer_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


# --------------------------------------------------------------------------- hashing


def test_customers_are_hashable_and_equal_ones_hash_equal() -> None:
    a = _full_customer()
    b = _full_customer(raw={"something": "else"})  # raw is outside == and hash
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    c = _full_customer(email="other@example.com")
    assert c != a and len({a, b, c}) == 2
    d = _full_customer(extras={"segment": "enterprise"})  # extras is in ==, only out of the hash
    assert d != a and len({a, d}) == 2
    assert {a: 1}[b] == 1
    # extras compare as JSON data: the tuples an adapter builds equal the lists JSON gives back
    e = _full_customer(extras={"segment": "smb", "flags": ["a", "b"], "nested": {"x": (1, 2)}})
    assert e == a and hash(e) == hash(a)


def test_sandbox_customers_deduplicate_in_a_set() -> None:
    with sandbox.connect("augno", size=30) as client:
        first = list(client.list())
        again = list(client.list())
    assert len(set(first) | set(again)) == 30


# --------------------------------------------------------------------------- to_dict / from_dict


def test_to_dict_is_json_ready_and_reads_back_equal() -> None:
    customer = _full_customer()
    data = customer.to_dict()
    text = json.dumps(data)  # no default= needed
    back = Customer.from_dict(json.loads(text))
    assert back == customer and hash(back) == hash(customer)
    assert data["key"] == "acme:c-1"
    assert data["status"] == "on_hold"
    assert data["credit_limit"] == {"amount": "1234.50", "currency": "EUR", "display": "€1,234.50"}
    assert data["created_at"] == "2024-01-02T03:04:05.123456+00:00"
    assert data["address"]["translations"] == {"nl": {"line1": "Straat 1", "line2": None, "city": "Brussel",
                                                      "region": None}}
    assert data["extras"]["flags"] == ["a", "b"]
    assert "raw" not in data
    with_raw = customer.to_dict(include_raw=True)
    assert with_raw["raw"] == {"id": "c-1", "anything": [1, {"deep": True}]}
    assert dict(Customer.from_dict(json.loads(json.dumps(with_raw))).raw) == with_raw["raw"]


def test_to_dict_of_vendor_only_types_is_still_json() -> None:
    customer = _full_customer(extras={"limit": Decimal("1.10"), "seen": datetime(2024, 1, 1, tzinfo=UTC),
                                      "codes": frozenset({"b", "a"}), "status": CustomerStatus.ACTIVE})
    data = json.loads(json.dumps(customer.to_dict()))
    assert data["extras"] == {"limit": "1.10", "seen": "2024-01-01T00:00:00+00:00", "codes": ["a", "b"],
                              "status": "active"}


def test_reporting_uses_the_core_converter() -> None:
    from custbridge import reporting

    customer = _full_customer()
    assert reporting.customer_to_dict(customer) == customer.to_dict()
    assert reporting.customer_from_dict(customer.to_dict()) == customer


# --------------------------------------------------------------------------- schema


def test_schema_is_generated_from_the_model() -> None:
    schema = custbridge.customer_json_schema()
    names = [f.name for f in attrs.fields(Customer)]
    assert list(schema["properties"]) == ["key", *names]
    assert set(schema["required"]) == {"key", *names} - {"raw"}
    address = schema["$defs"]["Address"]
    assert list(address["properties"]) == [f.name for f in attrs.fields(Address)]
    assert list(schema["$defs"]["Money"]["properties"]) == [f.name for f in attrs.fields(Money)]
    assert schema["properties"]["status"]["enum"] == [s.value for s in CustomerStatus]
    # the field docstrings are the descriptions
    assert schema["properties"]["email"]["description"] == "E-mail address as the vendor gave it, trimmed."
    assert address["properties"]["country"]["description"].startswith("ISO 3166-1 alpha-2")


def test_schema_rejects_what_to_dict_never_writes() -> None:
    validator = _validator()
    good = _full_customer().to_dict()
    assert not list(validator.iter_errors(good))
    for path, value in ((("status",), "paused"), (("created_at",), "yesterday"), (("credit_limit", "amount"), 12.5),
                        (("tags",), "vip"), (("address", "latitude"), "50.1")):
        bad = json.loads(json.dumps(good))
        target = bad
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        assert list(validator.iter_errors(bad)), path
    assert list(validator.iter_errors({**good, "colour": "red"}))


@pytest.mark.parametrize("provider", sorted(custbridge.providers()))
def test_every_provider_validates_and_round_trips(provider: str) -> None:
    validator = _validator()
    with sandbox.connect(provider, size=60) as client:
        customers = list(client.list())
    assert customers
    for customer in customers:
        for data in (customer.to_dict(), customer.to_dict(include_raw=True)):
            data = json.loads(json.dumps(data))
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
            assert not errors, f"{customer.key}: {errors[0].message} at {list(errors[0].path)}"
            back = Customer.from_dict(data)
            assert back == customer and hash(back) == hash(customer)


def test_schema_command_prints_the_schema(tmp_path: Any) -> None:
    out = io.StringIO()
    assert main(["schema"], stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue()) == custbridge.customer_json_schema()
    target = tmp_path / "customer.schema.json"
    assert main(["schema", "--output", str(target)], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["title"] == "Customer"
    err = io.StringIO()
    assert main(["schema", "--output", str(tmp_path / "missing" / "x.json")], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().count("\n") == 1 and "cannot write" in err.getvalue()
