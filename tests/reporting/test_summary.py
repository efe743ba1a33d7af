"""Counts and completeness per provider, respecting capabilities and not-loaded fields."""

from __future__ import annotations

from custbridge import Address, Capabilities, Customer, CustomerStatus
from custbridge.reporting import COMPLETENESS_FIELDS, SummaryBuilder, summarise

CAPS = {
    "a": Capabilities.build(read=("email", "phone", "address", "language", "tags", "status", "notes")),
    "b": Capabilities.build(read=("email", "status")),
}


def test_counts_per_provider_and_status() -> None:
    summary = summarise(
        [
            Customer(provider="a", id="1", status=CustomerStatus.ACTIVE),
            Customer(provider="a", id="2", status=CustomerStatus.ACTIVE),
            Customer(provider="a", id="3", status=CustomerStatus.ON_HOLD),
            Customer(provider="b", id="1", status=CustomerStatus.DELETED),
        ],
        capabilities=CAPS,
    )
    assert list(summary.providers) == ["a", "b"]
    assert summary.total == 4
    assert dict(summary.providers["a"].statuses) == {"active": 2, "on_hold": 1}
    assert list(summary.providers["a"].statuses) == ["active", "on_hold"]  # most common first
    assert dict(summary.providers["b"].statuses) == {"deleted": 1}


def test_completeness_counts_only_what_the_provider_can_hold() -> None:
    summary = summarise(
        [
            Customer(provider="a", id="1", email="x@y.org", tags=("vip",), address=Address(city="Gent", country="BE")),
            Customer(provider="a", id="2", phone="+3225550100", address=Address()),  # an empty address is missing
            Customer(provider="a", id="3", email="z@y.org", address=Address(city="Paris")),
            Customer(provider="b", id="1", email="q@y.org"),
            Customer(provider="b", id="2"),
        ],
        capabilities=CAPS,
    )
    a = summary.providers["a"].completeness
    assert (a["email"].present, a["email"].applicable, a["email"].share) == (2, 3, 2 / 3)
    assert a["email"].missing == 1
    assert (a["phone"].present, a["address"].present, a["country"].present, a["tags"].present) == (1, 2, 1, 1)
    assert a["website"].supported is False and a["website"].share is None and a["website"].missing == 0
    b = summary.providers["b"].completeness
    assert b["email"].share == 0.5
    # b has no phone field at all: not applicable rather than 0 % complete
    assert (b["phone"].supported, b["phone"].applicable, b["phone"].share) == (False, 0, None)
    assert b["country"].supported is False  # derived from address, which b does not have
    assert summary.fields == COMPLETENESS_FIELDS


def test_fields_a_record_did_not_load_are_left_out_of_the_denominator() -> None:
    summary = summarise(
        [
            Customer(provider="a", id="1", notes="hi"),
            Customer(provider="a", id="2", not_loaded=frozenset({"notes", "address"})),
            Customer(provider="a", id="3", not_loaded=frozenset({"notes"})),
            Customer(provider="a", id="4"),
        ],
        capabilities=CAPS,
    )
    notes = summary.providers["a"].completeness["notes"]
    assert (notes.present, notes.applicable, notes.not_loaded, notes.share) == (1, 2, 2, 0.5)
    country = summary.providers["a"].completeness["country"]
    assert (country.applicable, country.not_loaded) == (3, 1)  # follows address


def test_nothing_loaded_gives_no_share() -> None:
    summary = summarise([Customer(provider="a", id="1", not_loaded=frozenset({"notes"}))], capabilities=CAPS)
    assert summary.providers["a"].completeness["notes"].share is None


def test_unknown_status_is_not_a_value() -> None:
    summary = summarise([Customer(provider="a", id="1"), Customer(provider="a", id="2", status=CustomerStatus.ACTIVE)],
                        capabilities=CAPS)
    assert summary.providers["a"].completeness["status"].share == 0.5


def test_countries_and_languages_most_common_first() -> None:
    summary = summarise(
        [
            Customer(provider="a", id="1", language="nl", address=Address(country="BE")),
            Customer(provider="a", id="2", language="fr", address=Address(country="BE")),
            Customer(provider="a", id="3", language="nl", address=Address(country="NL")),
            Customer(provider="a", id="4"),
        ],
        capabilities=CAPS,
    )
    a = summary.providers["a"]
    assert list(a.countries.items()) == [("BE", 2), ("", 1), ("NL", 1)]
    assert list(a.languages.items()) == [("nl", 2), ("", 1), ("fr", 1)]


def test_capabilities_are_read_from_installed_providers_when_not_given() -> None:
    # the fake "beta" provider declares no language field and does not load notes
    summary = summarise([
        Customer(provider="beta", id="1", email="x@y.org", not_loaded=frozenset({"notes"})),
        Customer(provider="nobody-knows", id="1"),
    ])
    beta = summary.providers["beta"].completeness
    assert beta["language"].supported is False
    assert beta["email"].share == 1.0
    assert beta["notes"].share is None and beta["notes"].not_loaded == 1
    # an unknown provider: every field counts
    assert summary.providers["nobody-knows"].completeness["language"].supported is True
    assert summary.providers["nobody-knows"].completeness["language"].share == 0.0


def test_builder_takes_custom_fields() -> None:
    builder = SummaryBuilder(CAPS, fields=("email", "country"))
    builder.add(Customer(provider="a", id="1", email="x@y.org"))
    result = builder.result()
    assert list(result.providers["a"].completeness) == ["email", "country"]
    assert result.fields == ("email", "country")


def test_countries_written_as_names_or_aliases_are_counted_under_their_iso_code() -> None:
    summary = summarise(
        [
            Customer(provider="a", id="1", address=Address(country="UK")),
            Customer(provider="a", id="2", address=Address(country="GB")),
            Customer(provider="a", id="3", address=Address(country="United Kingdom")),
            Customer(provider="a", id="4", address=Address(country="Deutschland")),
            Customer(provider="a", id="5", address=Address(country="Atlantis")),
        ],
        capabilities=CAPS,
    )
    assert dict(summary.providers["a"].countries) == {"GB": 3, "DE": 1, "Atlantis": 1}
