"""A deterministic population of realistic customers, shared by every vendor simulator.

Each vendor sandbox draws its customers from one seeded "universe" of people. A share of
the people appears in every vendor (so cross-vendor identity matching has real work to do);
the rest are unique to one vendor. Everything is derived from ``(seed, index)`` alone, so a
population of any size is reproducible and can be generated lazily.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import attrs

__all__ = ["NOISE_KINDS", "Person", "PersonAddress", "people", "person"]


@attrs.frozen
class PersonAddress:
    """A street address with its text in every language the place is known by."""

    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str
    country: str
    """ISO 3166-1 alpha-2."""
    country_name: str
    language: str
    """Language of ``line1``/``city``/``region`` above."""
    latitude: float
    longitude: float
    translations: Mapping[str, tuple[str, str, str | None]]
    """Per language: ``(line1, city, region)`` (includes ``language`` itself)."""

    @property
    def formatted(self) -> str:
        parts = [self.line1, self.line2, f"{self.postal_code} {self.city}", self.country_name]
        return ", ".join(p for p in parts if p)


@attrs.frozen
class Person:
    """One customer of the shared universe."""

    uid: int
    """Index in the universe; equal across vendors for the same person."""
    first_name: str
    last_name: str
    company: str | None
    email: str
    phone: str
    """E.164."""
    website: str | None
    address: PersonAddress
    language: str
    time_zone: str
    created_at: datetime
    updated_at: datetime
    active: bool
    tags: tuple[str, ...]
    notes: str | None
    known_as_company: bool = False
    """This vendor knows the customer by the company name only (no person name): one of the
    differences :func:`people` adds between vendors when ``noise`` is above zero."""


# (country, country name, phone prefix, phone pattern, time zone, places)
# place: (languages..., {lang: (city, region)}, postal, lat, lon)
_STREETS: dict[str, list[str]] = {
    "en": [
        "Main Street",
        "Oak Avenue",
        "Maple Drive",
        "Cedar Lane",
        "Park Road",
        "High Street",
        "Church Street",
        "Mill Lane",
        "Station Road",
        "Elm Street",
    ],
    "nl": ["Kerkstraat", "Stationsstraat", "Molenweg", "Dorpsstraat", "Schoolstraat", "Nieuwstraat"],
    "fr": [
        "Rue de la Paix",
        "Avenue Victor Hugo",
        "Rue du Moulin",
        "Boulevard Voltaire",
        "Rue de l'Église",
        "Place de la Gare",
    ],
    "de": ["Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Lindenweg", "Bergstraße"],
    "ja": ["銀座", "本町", "中央通り", "栄町"],
}
# Street names that exist in two languages (bilingual places).
_BILINGUAL_STREETS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("nl", "fr"): [
        ("Wetstraat", "Rue de la Loi"),
        ("Koningsstraat", "Rue Royale"),
        ("Kolenmarkt", "Rue du Marché au Charbon"),
        ("Nieuwstraat", "Rue Neuve"),
    ],
    ("de", "fr"): [("Bahnhofstrasse", "Rue de la Gare"), ("Seestrasse", "Rue du Lac")],
    ("fr", "en"): [("Rue Sainte-Catherine", "Saint Catherine Street"), ("Rue Sherbrooke", "Sherbrooke Street")],
    ("ja", "en"): [("銀座", "Ginza"), ("本町", "Honmachi"), ("栄町", "Sakaemachi")],
}

_PLACES: list[tuple[str, str, str, str, tuple[str, ...], dict[str, tuple[str, str | None]], str, float, float, int]] = [
    # country, country name, phone prefix, time zone, languages, names per language, postal, lat, lon, weight
    (
        "US",
        "United States",
        "+1",
        "America/New_York",
        ("en",),
        {"en": ("New York", "NY")},
        "10001",
        40.7128,
        -74.0060,
        6,
    ),
    ("US", "United States", "+1", "America/Chicago", ("en",), {"en": ("Chicago", "IL")}, "60601", 41.8781, -87.6298, 4),
    ("US", "United States", "+1", "America/Chicago", ("en",), {"en": ("Austin", "TX")}, "78701", 30.2672, -97.7431, 3),
    (
        "US",
        "United States",
        "+1",
        "America/Los_Angeles",
        ("en",),
        {"en": ("Seattle", "WA")},
        "98101",
        47.6062,
        -122.3321,
        3,
    ),
    (
        "CA",
        "Canada",
        "+1",
        "America/Toronto",
        ("fr", "en"),
        {"fr": ("Montréal", "Québec"), "en": ("Montreal", "Quebec")},
        "H2X 1Y4",
        45.5019,
        -73.5674,
        2,
    ),
    (
        "GB",
        "United Kingdom",
        "+44",
        "Europe/London",
        ("en",),
        {"en": ("London", None)},
        "SW1A 1AA",
        51.5072,
        -0.1276,
        3,
    ),
    (
        "BE",
        "Belgium",
        "+32",
        "Europe/Brussels",
        ("nl", "fr"),
        {
            "nl": ("Brussel", "Brussels Hoofdstedelijk Gewest"),
            "fr": ("Bruxelles", "Région de Bruxelles-Capitale"),
            "en": ("Brussels", "Brussels-Capital Region"),
            "de": ("Brüssel", "Region Brüssel-Hauptstadt"),
        },
        "1000",
        50.8503,
        4.3517,
        4,
    ),
    (
        "BE",
        "Belgium",
        "+32",
        "Europe/Brussels",
        ("nl", "fr"),
        {"nl": ("Antwerpen", "Antwerpen"), "fr": ("Anvers", "Anvers"), "en": ("Antwerp", "Antwerp")},
        "2000",
        51.2194,
        4.4025,
        2,
    ),
    (
        "NL",
        "Netherlands",
        "+31",
        "Europe/Amsterdam",
        ("nl",),
        {"nl": ("Amsterdam", "Noord-Holland"), "en": ("Amsterdam", "North Holland")},
        "1012 JS",
        52.3676,
        4.9041,
        3,
    ),
    (
        "FR",
        "France",
        "+33",
        "Europe/Paris",
        ("fr",),
        {"fr": ("Paris", "Île-de-France"), "en": ("Paris", "Île-de-France")},
        "75001",
        48.8566,
        2.3522,
        3,
    ),
    (
        "DE",
        "Germany",
        "+49",
        "Europe/Berlin",
        ("de",),
        {"de": ("München", "Bayern"), "en": ("Munich", "Bavaria")},
        "80331",
        48.1351,
        11.5820,
        2,
    ),
    (
        "DE",
        "Germany",
        "+49",
        "Europe/Berlin",
        ("de",),
        {"de": ("Berlin", "Berlin"), "en": ("Berlin", "Berlin")},
        "10115",
        52.5200,
        13.4050,
        2,
    ),
    (
        "CH",
        "Switzerland",
        "+41",
        "Europe/Zurich",
        ("de", "fr"),
        {"de": ("Genf", "Genf"), "fr": ("Genève", "Genève"), "en": ("Geneva", "Geneva")},
        "1201",
        46.2044,
        6.1432,
        1,
    ),
    (
        "JP",
        "Japan",
        "+81",
        "Asia/Tokyo",
        ("ja", "en"),
        {"ja": ("東京", "東京都"), "en": ("Tokyo", "Tokyo")},
        "104-0061",
        35.6762,
        139.6503,
        2,
    ),
]

_FIRST = {
    "en": [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "Sarah",
        "Daniel",
        "Emily",
        "Chris",
        "Olivia",
    ],
    "nl": ["Jan", "Emma", "Pieter", "Sofie", "Lucas", "Anke", "Bram", "Lotte", "Wout", "Fien"],
    "fr": ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Théo", "Élodie", "Noé"],
    "de": ["Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Jürgen", "Mia"],
    "ja": ["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura"],
}
_LAST = {
    "en": [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Miller",
        "Davis",
        "Wilson",
        "Taylor",
        "Clark",
        "O'Brien",
        "Lee",
    ],
    "nl": ["Peeters", "Janssens", "De Vries", "Van den Berg", "Maes", "Jacobs", "Bakker", "Visser"],
    "fr": ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux"],
    "de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"],
    "ja": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto"],
}
_COMPANY_WORDS = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Oceanic",
    "Gringotts",
    "Wonka",
]
_COMPANY_KINDS = {
    "US": "Inc.",
    "CA": "Inc.",
    "GB": "Ltd",
    "BE": "BV",
    "NL": "B.V.",
    "FR": "SARL",
    "DE": "GmbH",
    "CH": "AG",
    "JP": "K.K.",
}
_TAGS = ["vip", "residential", "commercial", "wholesale", "newsletter", "priority", "referral"]
_DOMAINS = ["example.com", "example.org", "mail.example.net"]

_WEIGHTED_PLACES = [p for p in _PLACES for _ in range(p[-1])]
_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


def _ascii(text: str) -> str:
    table = str.maketrans("àáâäçèéêëîïôöùûüÿñßÉÈ", "aaaaceeeeiioouuuynsEE")
    return "".join(c for c in text.translate(table).lower() if c.isalnum())


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _phone(rng: random.Random, country: str, prefix: str) -> str:
    if prefix == "+1":
        area = rng.choice(["212", "312", "415", "512", "617", "206", "514", "416"])
        return f"+1{area}{rng.randint(200, 989)}{rng.randint(1000, 9999)}"
    if country == "BE":
        return f"+324{rng.choice('789')}{rng.randint(0, 9)}{rng.randint(100000, 999999)}"
    if country == "NL":
        return f"+316{rng.choice('12345')}{rng.randint(1000000, 9999999)}"
    if country == "FR":
        return f"+336{rng.choice('124567')}{rng.randint(1000000, 9999999)}"
    if country == "DE":
        return f"+4915{rng.choice('12579')}{rng.randint(10000000, 99999999)}"
    if country == "CH":
        return f"+417{rng.choice('6789')}{rng.randint(1000000, 9999999)}"
    if country == "GB":
        return f"+447{rng.choice('4578')}{rng.randint(10000000, 99999999)}"
    if country == "JP":
        return f"+81{rng.choice(['90', '80', '70'])}{rng.randint(10000000, 99999999)}"
    return f"{prefix}{rng.randint(100000000, 999999999)}"  # pragma: no cover


def _address(rng: random.Random) -> PersonAddress:
    country, cname, _prefix, _tz, langs, names, postal, lat, lon, _w = rng.choice(_WEIGHTED_PLACES)
    primary = langs[0]
    number = rng.randint(1, 250)
    streets: dict[str, str] = {}
    pair_key = (langs[0], langs[1]) if len(langs) > 1 else None
    if pair_key in _BILINGUAL_STREETS:
        a, b = rng.choice(_BILINGUAL_STREETS[pair_key])
        streets[langs[0]], streets[langs[1]] = a, b
    else:
        streets[primary] = rng.choice(_STREETS[primary])
    translations: dict[str, tuple[str, str, str | None]] = {}
    for lang, (city, region) in names.items():
        street = streets.get(lang, streets[primary])
        line1 = f"{number} {street}" if lang == "en" and country in ("US", "CA", "GB") else f"{street} {number}"
        if lang == "ja":
            line1 = f"{street}{number}-{rng.randint(1, 20)}"
        translations[lang] = (line1, city, region)
    line1, city, region = translations[primary]
    line2 = rng.choice([None, None, None, f"Suite {rng.randint(100, 900)}", f"Apt {rng.randint(1, 40)}"])
    return PersonAddress(
        line1=line1,
        line2=line2,
        city=city,
        region=region,
        postal_code=postal,
        country=country,
        country_name=cname,
        language=primary,
        latitude=round(lat + rng.uniform(-0.05, 0.05), 6),
        longitude=round(lon + rng.uniform(-0.05, 0.05), 6),
        translations=translations,
    )


def person(seed: int, uid: int) -> Person:
    """Return person ``uid`` of universe ``seed`` (pure function of both)."""
    digest = hashlib.blake2b(f"{seed}:{uid}".encode(), digest_size=8).digest()
    rng = random.Random(int.from_bytes(digest, "big"))
    address = _address(rng)
    place = next(p for p in _PLACES if p[0] == address.country)
    lang = address.language if address.language in _FIRST else "en"
    first = rng.choice(_FIRST[lang])
    last = rng.choice(_LAST[lang])
    company = None
    if rng.random() < 0.45:
        company = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(['Foods', 'Logistics', 'Labs', 'Supply', 'Works', 'Media'])} {_COMPANY_KINDS[address.country]}"
    email = f"{_ascii(first)}.{_ascii(last)}.{_base36(uid)}@{rng.choice(_DOMAINS)}"
    created = _EPOCH + timedelta(seconds=rng.randint(0, 3 * 365 * 86400), microseconds=rng.randint(0, 999) * 1000)
    updated = created + timedelta(seconds=rng.randint(0, 200 * 86400))
    return Person(
        uid=uid,
        first_name=first,
        last_name=last,
        company=company,
        email=email,
        phone=_phone(rng, address.country, place[2]),
        website=f"https://{_ascii(company.split()[0])}{uid % 97}.example.com" if company else None,
        address=address,
        language=lang if lang != "ja" or rng.random() < 0.7 else "en",
        time_zone=next(
            p[3] for p in _PLACES if p[0] == address.country and p[5].get(address.language, (None,))[0] == address.city
        ),
        created_at=created,
        updated_at=updated,
        active=rng.random() < 0.85,
        tags=tuple(sorted(rng.sample(_TAGS, rng.randint(0, 3)))),
        notes=rng.choice(
            [None, None, "Prefers morning visits.", "Gate code 4521.", "Net 30 agreed.", "Call before delivery."]
        ),
    )


def _prefix(country: str) -> str:
    return next(p[2] for p in _PLACES if p[0] == country)


def _namespace_offset(namespace: str) -> int:
    digest = hashlib.blake2b(namespace.encode(), digest_size=4).digest()
    return (int.from_bytes(digest, "big") % 1000 + 1) * 10_000_000


NOISE_KINDS: tuple[str, ...] = ("typo", "nickname", "email", "phone", "moved", "company")
"""The differences :func:`people` adds to a shared person's record at one vendor when
``noise`` is above zero, in the order they are drawn from:

``typo``      one letter of the first or last name substituted, dropped, doubled or two
              neighbours transposed (never the first letter);
``nickname``  the first name as a nickname (Robert -> Bob, Elizabeth -> Liz), or a typo
              when the name has no common nickname;
``email``     another e-mail: a work address at the company's domain, or the same user
              name at another mail provider;
``phone``     a new phone number in the same country;
``moved``     a new street address (another street and number, sometimes another city);
``company``   the vendor knows the customer by the company name only (no person name),
              or a typo when the person has no company.
"""

# Common English nicknames (the sandbox's own small table; matching uses a curated dataset).
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "James": ("Jim", "Jimmy", "Jamie"),
    "Robert": ("Bob", "Rob", "Bobby"),
    "Patricia": ("Pat", "Patty", "Trish"),
    "John": ("Johnny", "Jack"),
    "Jennifer": ("Jen", "Jenny"),
    "Michael": ("Mike", "Mick"),
    "Linda": ("Lindy",),
    "David": ("Dave", "Davey"),
    "Elizabeth": ("Liz", "Beth", "Betty"),
    "Sarah": ("Sally",),
    "Daniel": ("Dan", "Danny"),
    "Emily": ("Em", "Emmy"),
    "Chris": ("Christopher",),
    "Olivia": ("Liv", "Livvy"),
    "Mary": ("Molly", "Polly"),
}


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text + text[-1]
    at = rng.randint(1, len(text) - 2)
    kind = rng.randrange(4)
    if kind == 0:  # transposition of two neighbours
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    if kind == 1:  # dropped letter
        return text[:at] + text[at + 1 :]
    if kind == 2:  # doubled letter
        return text[: at + 1] + text[at:]
    letters = "aeioulnrst"
    return text[:at] + rng.choice([c for c in letters if c != text[at].lower()]) + text[at + 1 :]


def _noisy(base: Person, rng: random.Random) -> Person:
    """One vendor's slightly different record of ``base``: one or two :data:`NOISE_KINDS`.

    E-mail and phone never both change in one record: a record that shares neither with
    the others, and has a different address or name too, is a different customer to any
    reader, so the truth would be unfair to every method.
    """
    kinds = [rng.choice(NOISE_KINDS)]
    if rng.random() < 0.3:
        second = rng.choice(NOISE_KINDS)
        if second not in kinds and {second, kinds[0]} != {"email", "phone"}:
            kinds.append(second)
    out = base
    for kind in kinds:
        if kind == "nickname" and out.first_name in _NICKNAMES:
            out = attrs.evolve(out, first_name=rng.choice(_NICKNAMES[out.first_name]))
        elif kind == "email":
            first, last = _ascii(out.first_name), _ascii(out.last_name)
            user, domain = out.email.split("@", 1)
            if out.company and rng.random() < 0.5:  # work address
                # companies number their namesakes: one mailbox per person
                email = f"{first[0]}{last}{_base36(out.uid)}@{_ascii(out.company.split()[0])}.example.com"
            else:  # the same user name at another mail provider
                email = f"{user}@{rng.choice([d for d in ('home.example', 'mail.example.org') if d != domain])}"
            out = attrs.evolve(out, email=email)
        elif kind == "phone":
            out = attrs.evolve(out, phone=_phone(rng, out.address.country, _prefix(out.address.country)))
        elif kind == "moved":
            moved = _address(rng)
            if rng.random() < 0.5 or moved.country != out.address.country:
                # moved within the same city: another street and number, same place
                here = out.address
                number, street = rng.randint(1, 250), rng.choice(_STREETS[here.language])
                if here.language == "ja":
                    line1 = f"{street}{number}-{rng.randint(1, 20)}"
                elif here.language == "en" and here.country in ("US", "CA", "GB"):
                    line1 = f"{number} {street}"
                else:
                    line1 = f"{street} {number}"
                moved = attrs.evolve(
                    here, line1=line1, line2=moved.line2, translations={here.language: (line1, here.city, here.region)}
                )
            out = attrs.evolve(out, address=moved)
        elif kind == "company" and out.company:
            out = attrs.evolve(out, known_as_company=True)
        elif rng.random() < 0.5:  # typo (also the fallback of nickname/company)
            out = attrs.evolve(out, first_name=_typo(rng, out.first_name))
        else:
            out = attrs.evolve(out, last_name=_typo(rng, out.last_name))
    return out


def people(seed: int, size: int, *, namespace: str, shared: float = 0.3, noise: float = 0.0) -> Iterator[Person]:
    """Yield ``size`` people for one vendor sandbox, lazily.

    The first ``shared`` fraction comes from the common universe (the same people in every
    namespace with the same seed, with the same :attr:`Person.uid`: that is the ground truth
    of cross-vendor identity); the rest are unique to ``namespace``.

    Vendors' data always drifts a little: 4 % of the shared people have a work e-mail here
    and 4 % a new phone number. ``noise`` (default 0: the population every vendor simulator
    and test has always served) is the share of the other shared people whose record here
    also differs in one or two of the ways :data:`NOISE_KINDS` lists: names typed with
    errors, nicknames, another e-mail, a new phone, a new address, a company name instead of
    the person's. The noise is drawn per vendor, so two vendors' records of one person may
    differ in two different ways.
    """
    n_shared = int(size * shared)
    offset = _namespace_offset(namespace)
    for i in range(size):
        if i >= n_shared:
            yield person(seed, offset + i)
            continue
        # The same person as elsewhere, but vendors' data drifts: a few have another e-mail
        # or phone here (a work address, a new number), so matching meets real conflicts.
        base = person(seed, i)
        drift = random.Random(f"{seed}:{i}:{namespace}").random()
        if drift < 0.04:
            yield attrs.evolve(base, email=base.email.replace("@", ".work@", 1))
        elif drift < 0.08:
            rng = random.Random(f"{seed}:{i}:{namespace}:phone")
            yield attrs.evolve(base, phone=_phone(rng, base.address.country, _prefix(base.address.country)))
        elif noise > 0:
            rng = random.Random(f"{seed}:{i}:{namespace}:noise")
            yield _noisy(base, rng) if rng.random() < noise else base
        else:
            yield base
