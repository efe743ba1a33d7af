"""Country names and codes to ISO 3166-1 alpha-2, from a maintained source.

The data is `pycountry <https://pypi.org/project/pycountry/>`_ (Debian's iso-codes): every
assigned alpha-2, alpha-3 and numeric code, the ISO short, official and common names, and the
iso-codes translations of those names in the languages of our markets (so "Deutschland",
"België", "Belgique", "Schweiz" and "日本" are recognised). A short table adds the aliases
people write that no standard lists ("UK", "Great Britain", "Holland", "Russia").

Matching ignores case, accents, punctuation and extra spaces. A name two languages give to
different countries is dropped (it stays as given rather than guessing). Unknown text is
returned as given: the canonical model never invents a country.

pycountry is a core dependency, not an extra: adapters normalise countries while mapping
(read side) and before writing (vendors that take alpha-2 only), and reports and matching use
the same function, so one record reads the same whatever extras are installed.
"""

from __future__ import annotations

import gettext
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

import pycountry

__all__ = ["ALIASES", "MARKET_LANGUAGES", "country_code", "is_country_code"]

MARKET_LANGUAGES: tuple[str, ...] = (
    "da", "de", "el", "es", "fi", "fr", "it", "ja", "nb", "nl", "nn", "pl", "pt", "sv",
)
"""Languages whose country names are recognised besides English: the languages our vendors'
records come in (da, de, el, en, es, fr, ja, nl, no, pl) and our other European markets.
``no`` is Norwegian Bokmål/Nynorsk (``nb``/``nn``) in iso-codes."""

# Assumption: these are the forms people actually type in a country field that ISO 3166 and
# iso-codes do not list. Each is unambiguous as a *country*; constituent countries of the UK
# map to GB because ISO 3166-1 has no code for them.
ALIASES: Mapping[str, str] = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "russia": "RU",
    "turkey": "TR",
    "czech republic": "CZ",
    "north korea": "KP",
    "ivory coast": "CI",
    "cape verde": "CV",
    "swaziland": "SZ",
    "macedonia": "MK",
    "burma": "MM",
    "east timor": "TL",
    "vatican": "VA",
    "vatican city": "VA",
    "kosovo": "XK",
    "xk": "XK",  # Kosovo: user-assigned, used by the EU and most carriers; not in ISO 3166-1
}


def _key(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: ``"  Belgié."`` -> ``"belgie"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = [c for c in decomposed if not unicodedata.combining(c)]
    out = "".join(c if c.isalnum() else " " for c in kept)
    return " ".join(out.split())


class _Index:
    """The lookup table, built once on first use (about 40 ms), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._table: dict[str, str] | None = None
        self._codes: frozenset[str] = frozenset()

    def codes(self) -> frozenset[str]:
        self.table()
        return self._codes

    def table(self) -> dict[str, str]:
        table = self._table
        if table is None:
            with self._lock:
                if self._table is None:
                    self._table, self._codes = _build()
                table = self._table
        return table


def _names(country: object) -> Iterable[str]:
    for attr in ("name", "official_name", "common_name"):
        value = getattr(country, attr, None)
        if isinstance(value, str) and value:
            yield value


def _build() -> tuple[dict[str, str], frozenset[str]]:
    countries = list(pycountry.countries)
    exact: dict[str, str] = {}
    for country in countries:
        code: str = country.alpha_2
        exact[_key(country.alpha_2)] = code
        exact[_key(country.alpha_3)] = code
        exact[_key(country.numeric)] = code
        for name in _names(country):
            exact[_key(name)] = code
    # Local-language names: a name two countries share across languages is ambiguous and dropped.
    local: dict[str, str | None] = {}
    for language in MARKET_LANGUAGES:
        try:
            catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:  # a pycountry release without this language: skip it
            continue
        for country in countries:
            for name in _names(country):
                translated = catalog.gettext(name)
                key = _key(translated)
                if not key or key in exact:
                    continue
                seen = local.get(key, country.alpha_2)
                local[key] = country.alpha_2 if seen == country.alpha_2 else None
    table = {k: v for k, v in local.items() if v is not None}
    table.update(exact)  # ISO codes and English names win over a translation
    for alias, code in ALIASES.items():
        table[_key(alias)] = code
    codes = frozenset(c.alpha_2 for c in countries) | {"XK"}
    return table, codes


_INDEX = _Index()


@lru_cache(maxsize=4096)
def _lookup(text: str) -> str | None:
    return _INDEX.table().get(_key(text))


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (upper case) for a country code or name, else the text as given.

    ``"be"``, ``"BEL"``, ``"056"``, ``"Belgium"``, ``"België"``, ``"Belgique"`` all give
    ``"BE"``; ``"UK"`` gives ``"GB"``; blank gives ``None``; text that names no country
    (``"Atlantis"``, ``"country"``) comes back trimmed but otherwise unchanged.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) == 2 and text.isupper() and text in _INDEX.codes():
        return text  # the common case: already a code
    code = _lookup(text)
    return code if code is not None else text


def is_country_code(value: str | None) -> bool:
    """Whether ``value`` is an assigned ISO 3166-1 alpha-2 code (upper case) or ``XK``."""
    return value is not None and value in _INDEX.codes()
