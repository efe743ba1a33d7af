"""The canonical model's invariants."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from custbridge import (
    NOT_SET,
    Address,
    AddressText,
    Customer,
    CustomerInput,
    CustomerStatus,
    Money,
    NotFoundError,
)
from custbridge.errors import MappingError


def test_display_name_is_never_empty() -> None:
    assert Customer(provider="p", id="1", company_name="Acme").display_name == "Acme"
    assert Customer(provider="p", id="1", first_name="Ada", last_name="Lovelace").display_name == "Ada Lovelace"
    assert Customer(provider="p", id="1", last_name="Lovelace").display_name == "Lovelace"
    assert Customer(provider="p", id="1", email="a@b.c").display_name == "a@b.c"
    assert Customer(provider="p", id="42", email="  ").display_name == "42"
    assert Customer(provider="p", id="1", display_name="Given").display_name == "Given"


def test_text_is_trimmed_and_empty_becomes_none() -> None:
    c = Customer(provider="p", id="1", email="  a@b.c ", phone="", notes="   ")
    assert c.email == "a@b.c" and c.phone is None and c.notes is None


def test_key_raw_eq_and_repr() -> None:
    a = Customer(provider="rotorish", id="9", raw={"id": "9", "secret_field": "zzz"})
    b = Customer(provider="rotorish", id="9", raw={"different": True})
    assert a.key == "rotorish:9"
    assert a == b
    assert "secret_field" not in repr(a)
    with pytest.raises(TypeError):
        a.raw["x"] = 1  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.id = "10"  # type: ignore[misc]


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Customer(provider="p", id="1", created_at=datetime(2026, 1, 1))
    Customer(provider="p", id="1", created_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_address_in_language_falls_back_per_field() -> None:
    addr = Address(
        line1="Wetstraat 16",
        city="Brussel",
        region="Brussels Hoofdstedelijk Gewest",
        postal_code="1000",
        country="BE",
        language="nl",
        translations={
            "nl": AddressText(line1="Wetstraat 16", city="Brussel"),
            "fr": AddressText(line1="Rue de la Loi 16", city="Bruxelles"),
        },
    )
    fr = addr.in_language("fr")
    assert (fr.line1, fr.city) == ("Rue de la Loi 16", "Bruxelles")
    assert fr.region == "Brussels Hoofdstedelijk Gewest"  # not translated: original kept
    assert fr.language is None  # French street and city, Dutch region: no single language to claim
    assert fr.postal_code == "1000"
    assert addr.in_language("ja") is addr
    assert not addr.is_empty and Address().is_empty


def _brussels() -> Address:
    """The vendor's primary text is Dutch; French has street and city, English only the city."""
    return Address(
        line1="Wetstraat 16",
        city="Brussel",
        postal_code="1000",
        country="BE",
        formatted="Wetstraat 16, 1000 Brussel, België",
        language="nl",
        translations={
            "nl": AddressText(line1="Wetstraat 16", city="Brussel"),
            "fr": AddressText(line1="Rue de la Loi 16", city="Bruxelles"),
            "en": AddressText(city="Brussels"),
        },
    )


def test_in_language_does_not_depend_on_the_language_already_shown() -> None:
    # Issue 11.4: an address first shown in French (a client created with language="fr")
    # gives the same English view as the one shown in its primary language.
    primary = _brussels()
    shown_in_french = primary.in_language("fr")
    assert shown_in_french.primary == AddressText(line1="Wetstraat 16", city="Brussel", language="nl")
    for code in ("en", "fr", "nl", "ja", "de"):
        a, b = primary.in_language(code), shown_in_french.in_language(code)
        assert (a.line1, a.line2, a.city, a.region, a.language) == (b.line1, b.line2, b.city, b.region, b.language)
    english = shown_in_french.in_language("en")
    # English city, and the primary (Dutch) street, never the French one that was shown.
    assert (english.line1, english.city, english.language) == ("Wetstraat 16", "Brussels", None)
    back = shown_in_french.in_language("ja")  # no Japanese: the vendor's primary text
    assert (back.line1, back.city, back.language, back.primary) == ("Wetstraat 16", "Brussel", "nl", None)
    assert back == primary


def test_in_language_codes_are_case_insensitive_and_regional_codes_fall_back() -> None:
    address = _brussels()
    for code in ("FR", "fr-BE", "fr_be", " Fr "):
        view = address.in_language(code)
        assert (view.line1, view.city, view.language) == ("Rue de la Loi 16", "Bruxelles", "fr"), code
    regional = attrs.evolve(address, translations={**address.translations, "FR-ca": AddressText(city="Bruxelles (QC)")})
    assert regional.in_language("fr-CA").city == "Bruxelles (QC)"  # the exact regional text wins
    assert regional.in_language("fr-CA").line1 == "Rue de la Loi 16"  # then the base language, per field
    assert regional.in_language("fr-CA").language == "fr"  # fr-ca and fr text: French
    only_regional = Address(city="Brussel", language="nl", translations={"fr-ca": AddressText(city="Bruxelles (QC)")})
    assert only_regional.in_language("FR-CA").language == "fr-ca"
    assert only_regional.in_language("fr").language == "nl"  # a base code does not pick a regional text
    assert regional.in_language("fr-CH").city == "Bruxelles"  # no fr-ch: the base language
    assert address.in_language("").language == "nl"


def test_in_language_leaves_formatted_and_the_rest_as_the_vendor_sent_them() -> None:
    view = _brussels().in_language("fr")
    assert view.formatted == "Wetstraat 16, 1000 Brussel, België"  # one language only: unchanged
    assert (view.postal_code, view.country) == ("1000", "BE")
    assert view.language == "fr"  # every *text* field is French; formatted is not a text field here


def test_in_language_never_claims_a_language_the_text_is_not_in() -> None:
    mixed = Address(line1="Korenmarkt 1", city="Gent", language=None,
                    translations={"ja": AddressText(city="ゲント")})
    assert mixed.in_language("ja").language is None
    assert mixed.in_language("ja").city == "ゲント"
    only_city = Address(city="Gent", language="nl", translations={"ja": AddressText(city="ゲント")})
    assert only_city.in_language("ja").language == "ja"  # the only text field is Japanese


def test_customer_input_distinguishes_unset_from_clear() -> None:
    data = CustomerInput(first_name="Ada", phone=None)
    assert data.set_fields() == {"first_name": "Ada", "phone": None}
    assert data.is_set("phone") and not data.is_set("email")
    assert data.email is NOT_SET and repr(NOT_SET) == "NOT_SET" and not NOT_SET


def test_money_is_decimal() -> None:
    m = Money(amount=Decimal("1234.56"), currency="USD", display="$1,234.56")
    assert m.amount == Decimal("1234.56")


def test_status_values() -> None:
    assert {s.value for s in CustomerStatus} == {"active", "inactive", "on_hold", "deleted", "unknown"}


def test_errors_read_as_one_line_and_pickle() -> None:
    err = NotFoundError(
        "Not found", provider="rotor", operation="get", status_code=404, request_id="r1", hint="check the id"
    )
    assert str(err) == "rotor get: 404 Not found [request id r1] (hint: check the id)"
    clone = pickle.loads(pickle.dumps(err))
    assert str(clone) == str(err) and clone.status_code == 404
    m = MappingError("bad", provider="x", record_id="7", index=2, paths=[("$.a", "expected str")])
    assert str(m) == "x: record #2 id='7': bad [$.a: expected str]"


def test_fast_constructor_keeps_attrs_semantics() -> None:
    """The generated __init__ applies the same converters and checks as attrs' own."""
    c = Customer(provider="p", id="1", email="  a@b.c ", tags=["x", "y"], extras={"k": 1}, raw=None)
    assert c.email == "a@b.c" and c.tags == ("x", "y") and c.extras == {"k": 1} and c.raw == {}
    evolved = attrs.evolve(c, phone=" +32 ", company_name="")
    assert evolved.phone == "+32" and evolved.company_name is None and evolved.display_name == "a@b.c"
    with pytest.raises(TypeError):
        Customer(provider="p")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Customer(provider="p", id="1", colour="red")  # type: ignore[call-arg]
    a = Address(line1=" 1 Main St ", country="", translations={"fr": AddressText(line1="1 rue")})
    assert a.line1 == "1 Main St" and a.country is None and a.in_language("fr").line1 == "1 rue"


def test_in_language_compares_the_primary_language_case_insensitively() -> None:
    address = Address(line1="Wetstraat 16", city="Brussel", language="NL",
                      translations={"nl": AddressText(city="Brussel")})
    view = address.in_language("nl")
    assert (view.line1, view.city, view.language) == ("Wetstraat 16", "Brussel", "nl")
    assert address.in_language("fr").language == "NL"  # no French: the primary text, as labelled
