"""Normalisation of identity keys: e-mail addresses and phone numbers.

Phones are normalised to E.164 with ``phonenumbers`` (part of the ``cli`` extra) using the
customer's address country as the region hint for numbers written in national format. The
country goes through the same normaliser as the adapters' (:func:`custbridge.convert.normalize_country`),
so "UK", "Deutschland" or "Viet Nam" hint GB, DE and VN.
Without ``phonenumbers`` only numbers already in international form (``+...`` or ``00...``)
are normalised, by keeping their digits.
"""

from __future__ import annotations

import re
from typing import Any

from .._countries import country_code, is_country_code
from ..model import Address, Customer

__all__ = ["PHONENUMBERS_AVAILABLE", "normalise_email", "normalise_phone", "region_hint"]

_pn: Any
try:
    import phonenumbers as _pn

    PHONENUMBERS_AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only without the extra
    _pn = None
    PHONENUMBERS_AVAILABLE = False

_NON_DIGITS = re.compile(r"\D+")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def normalise_email(value: str | None) -> str | None:
    """Return the e-mail case-folded and trimmed, or ``None`` when it is not an address.

    A ``mailto:`` prefix is dropped. Case-folding the local part is what people expect when
    they compare addresses, even though RFC 5321 allows case-sensitive local parts.
    """
    if not value:
        return None
    text = value.strip()
    if text[:7].casefold() == "mailto:":
        text = text[7:].strip()
    text = text.casefold()
    return text if _EMAIL.match(text) else None


def _region(value: str | None) -> str | None:
    """The ISO alpha-2 code of a country code or name (``"UK"`` -> ``"GB"``), else ``None``."""
    code = country_code(value)
    return code if is_country_code(code) else None


def region_hint(customer: Customer) -> str | None:
    """The ISO 3166-1 alpha-2 country to read a national phone number in, if known."""
    addresses: tuple[Address | None, ...] = (
        customer.address, customer.billing_address, customer.shipping_address,
    )
    for address in addresses:
        if address is not None:
            region = _region(address.country)
            if region:
                return region
    return None


def normalise_phone(value: str | None, region: str | None = None) -> str | None:
    """Return the phone in E.164 (``+3225550100``), or ``None`` when it cannot be read.

    Args:
        value: the number as the vendor gave it (any punctuation, national or international).
        region: ISO country code used for numbers written without a country code.
    """
    if not value:
        return None
    text = value.strip()
    if not text:
        return None
    if _E164.match(text):  # already canonical: the common case, and parsing costs ~0.1 ms
        return text
    if _pn is not None:
        return _normalise_with_phonenumbers(text, _region(region))
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+") and 8 <= len(digits) <= 15:
        return "+" + digits
    if text.startswith("00") and 10 <= len(digits) <= 17:
        return "+" + digits[2:]
    return None


def _normalise_with_phonenumbers(text: str, region: str | None) -> str | None:
    assert _pn is not None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number: Any = _pn.parse(text, region)
    except _pn.NumberParseException:
        return None
    if not _pn.is_possible_number(number):
        return None
    result: str = _pn.format_number(number, _pn.PhoneNumberFormat.E164)
    return result
