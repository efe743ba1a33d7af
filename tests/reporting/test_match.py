"""Identity keys, cross-vendor matching, conflicts and in-provider duplicates on synthetic customers."""

from __future__ import annotations

from typing import Any

import pytest

from custbridge import Address, Customer
from custbridge.reporting import Matcher, compact, match, normalise_email, normalise_phone
from custbridge.reporting._normalize import region_hint


def cust(provider: str, id: str, **kw: Any) -> Customer:
    country = kw.pop("country", None)
    if country is not None:
        kw["address"] = Address(city="X", country=country)
    return Customer(provider=provider, id=id, **kw)


# ----------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("mailto:jane@example.com", "jane@example.com"),
        ("JANE@EXAMPLE.COM", "jane@example.com"),
        ("not an email", None),
        ("", None),
        (None, None),
        ("a@b@c", None),
    ],
)
def test_normalise_email(given: str | None, expected: str | None) -> None:
    assert normalise_email(given) == expected


@pytest.mark.parametrize(
    ("given", "region", "expected"),
    [
        ("+32 471 23 45 67", None, "+32471234567"),
        ("0471 23 45 67", "BE", "+32471234567"),
        ("0471/23.45.67", "be", "+32471234567"),
        ("(212) 555-0143", "US", "+12125550143"),
        ("212.555.0143", "US", "+12125550143"),
        ("+1 212 555 0143", "BE", "+12125550143"),  # international form wins over the hint
        ("0032 471 23 45 67", None, "+32471234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("090-1234-5678", "JP", "+819012345678"),
        ("0471 23 45 67", None, None),  # national format without a region: unreadable
        ("0471 23 45 67", "Belgium", "+32471234567"),  # the hint goes through the country normaliser
        ("0471 23 45 67", "België", "+32471234567"),
        ("07700 900123", "UK", "+447700900123"),
        ("0471 23 45 67", "Atlantis", None),  # not a country: no hint, unreadable
        ("call me", "BE", None),
        ("12", "BE", None),
        ("", "BE", None),
        (None, "BE", None),
    ],
)
def test_normalise_phone_to_e164(given: str | None, region: str | None, expected: str | None) -> None:
    assert normalise_phone(given, region) == expected


def test_region_hint_comes_from_the_first_address_with_a_country() -> None:
    c = Customer(provider="p", id="1", address=Address(city="Paris"),
                 billing_address=Address(country="fr"), shipping_address=Address(country="DE"))
    assert region_hint(c) == "FR"
    assert region_hint(Customer(provider="p", id="2")) is None


@pytest.mark.parametrize(
    ("country", "hint"),
    [("UK", "GB"), ("Deutschland", "DE"), ("Viet Nam", "VN"), ("Brazil", "BR"), ("USA", "US"), ("country", None)],
)
def test_region_hint_uses_the_adapters_country_normaliser(country: str, hint: str | None) -> None:
    c = Customer(provider="p", id="1", address=Address(country=country))
    assert region_hint(c) == hint


def test_a_national_number_reads_with_a_country_written_as_a_name() -> None:
    # Rotor stores country as free text: "UK" must still tell how to read a national number.
    rotor = Customer(provider="rotor", id="r1", phone="07700 900123", address=Address(country="UK"))
    pexip = Customer(provider="pexip_engage", id="p1", phone="+44 7700 900123", address=Address(country="GB"))
    result = match([rotor, pexip])
    assert [sorted(i.keys) for i in result.identities] == [["pexip_engage:p1", "rotor:r1"]]
    record = compact(rotor)
    assert record.phone == "+447700900123" and record.country == "GB"


def test_compact_record_keeps_only_what_matching_needs() -> None:
    c = cust("p", "7", first_name="Ann", last_name="Lee", company_name=" ACME  Ltd ", email="ANN@X.ORG",
             phone="0471 23 45 67", country="BE", number="N7", external_id="E7", raw={"big": "x" * 1000})
    r = compact(c)
    assert (r.key, r.email, r.phone, r.phone_given) == ("p:7", "ann@x.org", "+32471234567", None)
    assert compact(cust("p", "8", phone="0471 23 45 67")).phone_given == "0471 23 45 67"  # no region: unreadable
    assert (r.person_name, r.company_name, r.country, r.number, r.external_id) == (
        "ann lee", "acme ltd", "BE", "N7", "E7")
    assert r.status == "unknown"
    assert not hasattr(r, "raw") and not hasattr(r, "__dict__")  # slotted, no payload


# ----------------------------------------------------------------------------- identities


def test_same_customer_across_providers_on_email_and_phone() -> None:
    result = match([
        cust("a", "1", email="Jane@Example.com", phone="+32471234567", first_name="Jane", last_name="Doe"),
        cust("b", "x9", email=" jane@example.COM", phone="0471 23 45 67", country="BE"),
        cust("c", "zz", phone="0471234567", country="BE"),
        cust("a", "2", email="other@example.com"),
    ])
    assert len(result.identities) == 1
    ident = result.identities[0]
    assert ident.keys == ("a:1", "b:x9", "c:zz")
    assert ident.providers == ("a", "b", "c")
    assert ident.matched_on == ("email", "phone")
    assert {(link.kind, link.value) for link in ident.links} == {
        ("email", "jane@example.com"), ("phone", "+32471234567")}
    phone_link = next(link for link in ident.links if link.kind == "phone")
    assert phone_link.keys == ("a:1", "b:x9", "c:zz")
    assert ident.conflicts == ()
    assert result.identity_of("c:zz") is ident
    assert result.identity_of("a:2") is None
    assert result.matched_counts() == {"a": 1, "b": 1, "c": 1}
    assert result.key_counts() == {"email": 1, "phone": 1, "external_id": 0, "xref": 0}


def test_conflicting_values_are_listed_with_their_holders() -> None:
    result = match([
        cust("a", "1", email="jane@example.com", phone="+12125550143", country="US", company_name="Acme"),
        cust("b", "2", email="j.doe@work.example", phone="(212) 555-0143", country="US", company_name="ACME"),
        cust("c", "3", email="jane@example.com", country="CA"),
    ])
    (ident,) = result.identities
    assert ident.matched_on == ("email", "phone")
    conflicts = {c.field: c.values for c in ident.conflicts}
    assert conflicts["email"] == (("j.doe@work.example", ("b:2",)), ("jane@example.com", ("a:1", "c:3")))
    assert conflicts["country"] == (("CA", ("c:3",)), ("US", ("a:1", "b:2")))
    assert "company_name" not in conflicts  # same after case-folding
    assert "phone" not in conflicts  # c has none: absent is not a conflict


def test_cross_references_link_external_ids_to_another_vendors_id_number_or_key() -> None:
    result = match([
        cust("crm", "c-1", number="1001", email="a@x.org"),
        cust("desk", "d-1", external_id="1001"),  # stores crm's customer number
        cust("crm", "c-2", email="b@x.org"),
        cust("desk", "d-2", external_id="c-2"),  # stores crm's id
        cust("shop", "s-3", external_id="crm:c-2"),  # stores crm's key
        cust("crm", "c-4", external_id="E-9"),
        cust("shop", "s-4", external_id="E-9"),  # the caller's own id at both
    ])
    by_first = {ident.keys[0]: ident for ident in result.identities}
    assert by_first["crm:c-1"].keys == ("crm:c-1", "desk:d-1")
    assert by_first["crm:c-1"].matched_on == ("xref",)
    assert by_first["crm:c-2"].keys == ("crm:c-2", "desk:d-2", "shop:s-3")
    assert by_first["crm:c-4"].matched_on == ("external_id",)
    assert by_first["crm:c-4"].keys == ("crm:c-4", "shop:s-4")


def test_an_id_equal_to_an_external_id_at_the_same_provider_is_not_a_cross_reference() -> None:
    result = match([cust("a", "1"), cust("a", "2", external_id="1")])
    assert result.identities == () and result.duplicates == ()


def test_duplicates_inside_one_provider_and_their_identity() -> None:
    result = match([
        cust("a", "1", email="sam@example.com", phone="+4915112345678"),
        cust("a", "1-copy", email="SAM@example.com", phone="+49 151 12345678"),
        cust("b", "9", phone="015112345678", country="DE"),
        cust("b", "10", email="solo@example.com"),
    ])
    (dup,) = result.duplicates
    assert dup.provider == "a"
    assert [r.id for r in dup.records] == ["1", "1-copy"]
    assert dup.matched_on == ("email", "phone")
    (ident,) = result.identities
    assert ident.keys == ("a:1", "a:1-copy", "b:9")


def test_a_shared_mailbox_does_not_chain_different_customers_together() -> None:
    customers = [
        cust("a", "1", email="info@shop.example", phone="+32471000001"),
        cust("a", "2", email="info@shop.example", phone="+32471000002"),
        cust("b", "x", phone="+32471000001"),
        cust("b", "y", phone="+32471000002"),
    ]
    result = match(customers)
    assert sorted(i.keys for i in result.identities) == [("a:1", "b:x"), ("a:2", "b:y")]
    assert result.duplicates == ()
    (shared,) = result.ambiguous
    assert (shared.kind, shared.value, shared.count, shared.reason) == (
        "email", "info@shop.example", 2, "different customers")


def test_keys_shared_by_too_many_records_are_not_used() -> None:
    customers = [cust("a", str(i), phone="+3225550100") for i in range(5)] + [cust("b", "z", phone="+3225550100")]
    result = match(customers, max_group=4)
    assert result.identities == () and result.duplicates == ()
    assert [(a.kind, a.count, a.reason) for a in result.ambiguous] == [("phone", 6, "too common")]


def test_present_in_one_provider_but_not_another() -> None:
    result = match([
        cust("left", "1", email="a@x.org"),
        cust("left", "2", email="b@x.org"),
        cust("left", "3", email="c@x.org"),
        cust("right", "r1", email="A@x.org"),
        cust("other", "o2", email="b@x.org"),
    ])
    assert [r.id for r in result.present_in("left", not_in="right")] == ["2", "3"]
    assert [r.id for r in result.present_in("right", not_in="left")] == []


def test_unreadable_phones_are_counted_not_matched() -> None:
    result = match([cust("a", "1", phone="0471 23 45 67"), cust("b", "2", phone="0471 23 45 67")])
    assert result.identities == ()
    assert result.unreadable_phones() == {"a": 1, "b": 1}


def test_matcher_is_incremental_and_ignores_a_repeated_key() -> None:
    matcher = Matcher()
    first = matcher.add(cust("a", "1", email="x@y.org"))
    assert matcher.add(cust("a", "1", email="other@y.org")) is first
    matcher.add(compact(cust("b", "2", email="x@y.org")))
    assert len(matcher) == 2
    assert matcher.result().identities[0].keys == ("a:1", "b:2")


def test_matching_reads_any_iterable_once() -> None:
    produced = []

    def customers() -> Any:
        for i in range(50):
            produced.append(i)
            yield cust("a" if i % 2 else "b", str(i), email=f"p{i // 2}@x.org")

    result = match(customers())
    assert len(produced) == 50
    assert len(result.identities) == 25
    assert all(i.matched_on == ("email",) for i in result.identities)
