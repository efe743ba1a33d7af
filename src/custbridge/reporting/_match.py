"""Cross-vendor identity matching and in-provider duplicate detection.

Every customer is reduced to a compact :class:`Record` (no raw payload, a dozen short strings)
and indexed under its identity keys:

``email``        the e-mail, case-folded and trimmed;
``phone``        the phone in E.164 (region hint: the address country);
``external_id``  the same caller-side id stored at two vendors;
``xref``         one vendor stores another vendor's id, number or key as its external id.

Records that share a key are linked; linked records form an identity (union-find). An
identity with records from two or more providers is a cross-vendor :class:`Identity`;
records of one provider that share a key are a probable :class:`Duplicate`. Memory is one
record plus a few index entries per customer, so 3 x 10,000 customers take a few MB.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..convert import normalize_country
from ..errors import ConfigurationError
from ..model import Customer
from ._normalize import normalise_email, normalise_phone, region_hint

if TYPE_CHECKING:
    from ._probabilistic import ProbabilisticSettings, ScoredPair

__all__ = [
    "LINK_KINDS",
    "MATCH_KEYS",
    "METHODS",
    "Agreement",
    "Conflict",
    "Duplicate",
    "Identity",
    "Link",
    "MatchResult",
    "Matcher",
    "Record",
    "SharedKey",
    "compact",
    "match",
]

MATCH_KEYS: tuple[str, ...] = ("email", "phone", "external_id", "xref")
"""Identity keys, in the order reports show them."""

LINK_KINDS: tuple[str, ...] = (*MATCH_KEYS, "probabilistic")
"""Every kind of link: the exact identity keys, then a probabilistic match."""

METHODS: tuple[str, ...] = ("exact", "probabilistic")
"""Matching methods of :func:`match`."""

CONFLICT_FIELDS: tuple[str, ...] = ("email", "phone", "person_name", "company_name", "country")
"""Fields compared inside an identity; two different values are a conflict."""


def _fold(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(value.split()).casefold()
    return text or None


@attrs.frozen(slots=True)
class Record:
    """A compact view of one customer: what matching and reports need, nothing more."""

    provider: str
    """Registered provider name."""
    id: str
    """The vendor's id."""
    display_name: str
    """The customer's display name."""
    email: str | None = None
    """Normalised e-mail (case-folded, trimmed), or ``None``."""
    phone: str | None = None
    """Phone in E.164, or ``None`` when absent or unreadable."""
    phone_given: str | None = None
    """The phone as the vendor gave it, when it could not be read as a number."""
    number: str | None = None
    """Human-facing customer number."""
    external_id: str | None = None
    """The caller's id stored at the vendor."""
    person_name: str | None = None
    """``first last``, case-folded, when the vendor has a person name."""
    company_name: str | None = None
    """Company name, case-folded."""
    country: str | None = None
    """Address country (ISO alpha-2 when recognisable)."""
    status: str = "unknown"
    """Canonical status value."""
    first_name: str | None = None
    """First name as the vendor gave it (probabilistic matching and golden records)."""
    last_name: str | None = None
    """Last name as the vendor gave it."""
    line1: str | None = None
    """First street line of the first address."""
    postal_code: str | None = None
    """Postal code of the first address."""
    city: str | None = None
    """City of the first address."""
    updated_at: str | None = None
    """Last change at the vendor (ISO 8601), or the creation time when the vendor has none."""
    key: str = attrs.field(init=False)
    """``"<provider>:<id>"`` (computed once: every index shares this one string)."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.provider}:{self.id}")

    def value(self, field: str) -> str | None:
        """The normalised value of a conflict field."""
        value: str | None = getattr(self, field)
        return value


def compact(customer: Customer) -> Record:
    """Reduce a customer to its :class:`Record` (normalising e-mail and phone)."""
    person = " ".join(p for p in (customer.first_name, customer.last_name) if p)
    phone = normalise_phone(customer.phone, region_hint(customer))
    country = None
    for address in (customer.address, customer.billing_address, customer.shipping_address):
        if address is not None and address.country:
            # The same normaliser as the adapters: a hand-built Customer's "UK" compares equal to "GB".
            country = normalize_country(address.country)
            break
    first = next((a for a in (customer.address, customer.billing_address, customer.shipping_address) if a), None)
    changed = customer.updated_at or customer.created_at
    return Record(
        provider=customer.provider,
        id=customer.id,
        display_name=customer.display_name,
        email=normalise_email(customer.email),
        phone=phone,
        phone_given=customer.phone if phone is None else None,
        number=customer.number,
        external_id=customer.external_id,
        person_name=_fold(person),
        company_name=_fold(customer.company_name),
        country=country,
        status=customer.status.value,
        first_name=customer.first_name,
        last_name=customer.last_name,
        line1=first.line1 if first else None,
        postal_code=first.postal_code if first else None,
        city=first.city if first else None,
        updated_at=changed.isoformat() if changed else None,
    )


@attrs.frozen
class Agreement:
    """How one comparison of a probabilistic match came out for a pair of records."""

    comparison: str
    """The compared field (``first_name``, ``last_name``, ``email``, ``phone``, ``line1``,
    ``place``, ``company``)."""
    level: str
    """The level the pair fell in, e.g. ``"Exact match on username"``, ``"All other comparisons"``."""
    weight: float
    """Its match weight (log2 Bayes factor): above 0 the field speaks for a match."""

    @property
    def agreed(self) -> bool:
        """True when this comparison is evidence for the match."""
        return self.weight > 0


@attrs.frozen
class Link:
    """Records that share one identity key, or a pair the probabilistic model matched."""

    kind: str
    """One of :data:`LINK_KINDS`."""
    value: str
    """The shared normalised value (for ``xref``: the referenced id; for ``probabilistic``:
    the fields that agreed, e.g. ``"first_name, line1, place"``)."""
    keys: tuple[str, ...]
    """Customer keys (``provider:id``) that share it."""
    probability: float | None = None
    """Match probability (``probabilistic`` links only)."""
    weight: float | None = None
    """Match weight, log2 of the odds with the prior (``probabilistic`` links only)."""
    comparisons: tuple[Agreement, ...] = ()
    """Every comparison's outcome (``probabilistic`` links only)."""

    @property
    def agreed(self) -> tuple[str, ...]:
        """The comparisons that spoke for a probabilistic match."""
        return tuple(a.comparison for a in self.comparisons if a.agreed)


@attrs.frozen
class Conflict:
    """Different values of one field inside one identity."""

    field: str
    """One of ``email``, ``phone``, ``person_name``, ``company_name``, ``country``."""
    values: tuple[tuple[str, tuple[str, ...]], ...]
    """Each distinct value with the customer keys that hold it."""


@attrs.frozen
class Identity:
    """One real-world customer found at two or more providers."""

    records: tuple[Record, ...]
    """Every record of this identity, ordered by provider and id."""
    matched_on: tuple[str, ...]
    """Link kinds that join records of different providers, in :data:`LINK_KINDS` order."""
    links: tuple[Link, ...]
    """Every shared key, with the records sharing it."""
    conflicts: tuple[Conflict, ...]
    """Fields whose values differ between the records."""

    @property
    def providers(self) -> tuple[str, ...]:
        """The providers this customer is present at, sorted."""
        return tuple(sorted({r.provider for r in self.records}))

    @property
    def keys(self) -> tuple[str, ...]:
        """Customer keys of the records."""
        return tuple(r.key for r in self.records)

    @property
    def display_name(self) -> str:
        """A name for the identity (the first record's display name)."""
        return self.records[0].display_name


@attrs.frozen
class Duplicate:
    """Records of one provider that probably describe the same customer."""

    provider: str
    """The provider holding the duplicates."""
    records: tuple[Record, ...]
    """The records, ordered by id."""
    matched_on: tuple[str, ...]
    """Identity keys they share."""
    links: tuple[Link, ...]
    """The shared keys with their values."""


@attrs.frozen
class SharedKey:
    """A key value that was not used for matching because it does not identify one customer."""

    kind: str
    """One of :data:`MATCH_KEYS`."""
    value: str
    """The shared value."""
    count: int
    """How many records hold it."""
    reason: str
    """``"too common"`` (more records than ``max_group``) or ``"different customers"``
    (records of one provider hold it with different e-mails or phones: a shared mailbox,
    a switchboard, a family phone)."""


@attrs.frozen
class MatchResult:
    """The outcome of :func:`match`."""

    identities: tuple[Identity, ...]
    """Customers present at two or more providers, most providers first."""
    duplicates: tuple[Duplicate, ...]
    """Probable duplicates inside one provider."""
    records: Mapping[str, Record]
    """Every compact record by customer key."""
    ambiguous: tuple[SharedKey, ...]
    """Keys that were not used for matching because they do not identify one customer."""
    _identity_of: Mapping[str, int] = attrs.field(repr=False)
    method: str = "exact"
    """The method of :func:`match` that produced this result."""

    @property
    def providers(self) -> tuple[str, ...]:
        """Providers seen, sorted."""
        return tuple(sorted({r.provider for r in self.records.values()}))

    def identity_of(self, key: str) -> Identity | None:
        """The cross-vendor identity a customer key belongs to, if any."""
        index = self._identity_of.get(key)
        return None if index is None else self.identities[index]

    def present_in(self, provider: str, *, not_in: str) -> Iterator[Record]:
        """Records of ``provider`` with no matching record at provider ``not_in``."""
        for record in self.records.values():
            if record.provider != provider:
                continue
            identity = self.identity_of(record.key)
            if identity is None or not_in not in identity.providers:
                yield record

    def matched_counts(self) -> dict[str, int]:
        """Per provider: how many of its records belong to a cross-vendor identity."""
        counts: dict[str, int] = dict.fromkeys(self.providers, 0)
        for key in self._identity_of:
            counts[self.records[key].provider] += 1
        return counts

    def key_counts(self) -> dict[str, int]:
        """Per identity key: how many identities it links (``probabilistic`` only when used)."""
        kinds = LINK_KINDS if self.method == "probabilistic" else MATCH_KEYS
        counts = dict.fromkeys(kinds, 0)
        for identity in self.identities:
            for kind in identity.matched_on:
                counts[kind] += 1
        return counts

    def unreadable_phones(self) -> dict[str, int]:
        """Per provider: phones present but not readable as a number."""
        counts: dict[str, int] = dict.fromkeys(self.providers, 0)
        for record in self.records.values():
            if record.phone_given and record.phone is None:
                counts[record.provider] += 1
        return counts


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        parent = self.parent
        root = item
        while parent.get(root, root) != root:
            root = parent[root]
        while item != root:  # path compression
            nxt = parent.get(item, item)
            parent[item] = root
            item = nxt
        return root

    def union(self, a: int, b: int) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class Matcher:
    """Incremental matcher: :meth:`add` customers one by one, then :meth:`result`.

    Only compact records and key indexes are kept, so memory does not depend on how much
    each vendor sends per customer.

    Args:
        max_group: a key shared by more records than this is ambiguous (a switchboard
            number, a shared mailbox) and is not used for matching.
    """

    def __init__(self, *, max_group: int = 20) -> None:
        self.max_group = max_group
        self._records: list[Record] = []
        self._seen: dict[str, int] = {}
        # key -> record index, or a list of indexes once a second record shares the key
        self._index: dict[tuple[str, str], int | list[int]] = {}

    def __len__(self) -> int:
        return len(self._records)

    def _put(self, key: tuple[str, str], index: int) -> None:
        held = self._index.get(key)
        if held is None:
            self._index[key] = index
        elif isinstance(held, int):
            self._index[key] = [held, index]
        else:
            held.append(index)

    def add(self, customer: Customer | Record) -> Record:
        """Index one customer (a repeated key replaces nothing: the first record wins)."""
        record = customer if isinstance(customer, Record) else compact(customer)
        seen = self._seen.get(record.key)
        if seen is not None:
            return self._records[seen]
        index = len(self._records)
        self._records.append(record)
        self._seen[record.key] = index
        if record.email:
            self._put(("email", record.email), index)
        if record.phone:
            self._put(("phone", record.phone), index)
        if record.external_id:
            self._put(("external_id", record.external_id), index)
        return record

    def _groups(self) -> Iterator[tuple[str, str, list[int]]]:
        for (kind, value), members in self._index.items():
            if isinstance(members, list):
                yield kind, value, members
        # xref: A's external id is B's id, number or key at another provider. External ids
        # are few, so look each record's id, number and key up in them (one pass).
        records = self._records
        sources: dict[str, list[int]] = {}
        for (kind, value), members in self._index.items():
            if kind == "external_id":
                sources[value] = members if isinstance(members, list) else [members]
        if not sources:
            return
        xref: dict[str, set[int]] = defaultdict(set)
        for target, record in enumerate(records):
            for ref in {record.id, record.number, record.key}:
                if not ref or ref not in sources:
                    continue
                for source in sources[ref]:
                    if records[source].provider != record.provider:
                        xref[ref].update((source, target))
        for value, linked in xref.items():
            yield "xref", value, sorted(linked)

    def _held_by_different_customers(self, kind: str, members: Sequence[int]) -> bool:
        """True when two records of one provider share the key but differ in another one.

        Two records of one vendor with the same e-mail and different phones are most likely
        two people behind a shared mailbox, not one customer: such a key would chain
        unrelated identities together, so it is not used.
        """
        others = [k for k in ("email", "phone") if k != kind]
        seen: dict[tuple[str, str], str] = {}
        for index in members:
            record = self._records[index]
            for other in others:
                value: str | None = getattr(record, other)
                if value is None:
                    continue
                previous = seen.setdefault((record.provider, other), value)
                if previous != value:
                    return True
        return False

    @property
    def records(self) -> Sequence[Record]:
        """The indexed records, in the order they were added."""
        return self._records

    def result(self, scored: Sequence[ScoredPair] = ()) -> MatchResult:
        """Group the indexed records into identities and duplicates.

        ``scored`` are the probabilistic method's pairs (indexes into :attr:`records`): each
        joins the two identities it connects unless exact keys already joined them, and
        becomes a ``probabilistic`` link of the identity.
        """
        records = self._records
        cross = _UnionFind()
        same: dict[str, _UnionFind] = defaultdict(_UnionFind)
        cross_links: dict[int, list[Link]] = defaultdict(list)
        dup_links: dict[int, list[Link]] = defaultdict(list)
        ambiguous: list[SharedKey] = []
        links: list[tuple[str, str, list[int]]] = []
        for kind, value, members in self._groups():
            if len(members) > self.max_group:
                ambiguous.append(SharedKey(kind, value, len(members), "too common"))
                continue
            if self._held_by_different_customers(kind, members):
                ambiguous.append(SharedKey(kind, value, len(members), "different customers"))
                continue
            links.append((kind, value, members))
            for other in members[1:]:
                cross.union(members[0], other)
            by_provider: dict[str, list[int]] = defaultdict(list)
            for member in members:
                by_provider[records[member].provider].append(member)
            for provider, own in by_provider.items():
                for other in own[1:]:
                    same[provider].union(own[0], other)
        probabilistic: list[tuple[int, Link]] = []
        for pair in sorted(scored, key=lambda p: (-p.probability, p.left, p.right)):
            if cross.find(pair.left) == cross.find(pair.right):
                continue  # already one identity: the exact keys (or stronger pairs) explain it
            cross.union(pair.left, pair.right)
            probabilistic.append((pair.left, _scored_link(pair, records)))
        for left, link in probabilistic:
            cross_links[cross.find(left)].append(link)
        for kind, value, members in links:
            providers = {records[m].provider for m in members}
            keys = tuple(records[m].key for m in members)
            if len(providers) > 1:
                cross_links[cross.find(members[0])].append(Link(kind, value, keys))
            by_provider = defaultdict(list)
            for member in members:
                by_provider[records[member].provider].append(member)
            for provider, own in by_provider.items():
                if len(own) > 1:
                    root = same[provider].find(own[0])
                    dup_links[root].append(Link(kind, value, tuple(records[m].key for m in own)))

        identities = self._identities(cross, cross_links)
        identity_of = {r.key: i for i, ident in enumerate(identities) for r in ident.records}
        duplicates = self._duplicates(same, dup_links)
        ambiguous.sort(key=lambda a: (-a.count, a.kind, a.value))
        return MatchResult(
            identities=tuple(identities),
            duplicates=tuple(duplicates),
            records={r.key: r for r in records},
            ambiguous=tuple(ambiguous),
            identity_of=identity_of,
            method="probabilistic" if scored else "exact",
        )

    def _identities(self, cross: _UnionFind, cross_links: Mapping[int, list[Link]]) -> list[Identity]:
        records = self._records
        members: dict[int, list[int]] = defaultdict(list)
        for index in cross.parent:
            members[cross.find(index)].append(index)
        out: list[Identity] = []
        for root, indexes in members.items():
            group = sorted((records[i] for i in indexes), key=lambda r: (r.provider, r.id))
            if len({r.provider for r in group}) < 2:
                continue
            group_links = sorted(cross_links.get(root, ()), key=_link_order)
            matched = tuple(k for k in LINK_KINDS if any(link.kind == k for link in group_links))
            out.append(Identity(tuple(group), matched, tuple(group_links), _conflicts(group)))
        out.sort(key=lambda ident: (-len(ident.providers), ident.records[0].provider, ident.records[0].id))
        return out

    def _duplicates(self, same: Mapping[str, _UnionFind], dup_links: Mapping[int, list[Link]]) -> list[Duplicate]:
        records = self._records
        out: list[Duplicate] = []
        for provider, finder in sorted(same.items()):
            members: dict[int, list[int]] = defaultdict(list)
            for index in finder.parent:
                members[finder.find(index)].append(index)
            for root, indexes in members.items():
                if len(indexes) < 2:
                    continue
                group = tuple(sorted((records[i] for i in indexes), key=lambda r: r.id))
                group_links = sorted(dup_links.get(root, ()), key=_link_order)
                matched = tuple(k for k in MATCH_KEYS if any(link.kind == k for link in group_links))
                out.append(Duplicate(provider, group, matched, tuple(group_links)))
        out.sort(key=lambda d: (d.provider, d.records[0].id))
        return out


def _link_order(link: Link) -> tuple[int, str, tuple[str, ...]]:
    return LINK_KINDS.index(link.kind), link.value, link.keys


def _scored_link(pair: ScoredPair, records: Sequence[Record]) -> Link:
    agreed = [a.comparison for a in pair.comparisons if a.agreed]
    return Link(
        kind="probabilistic",
        value=", ".join(agreed) or "-",
        keys=(records[pair.left].key, records[pair.right].key),
        probability=pair.probability,
        weight=pair.weight,
        comparisons=pair.comparisons,
    )


def _conflicts(group: Sequence[Record]) -> tuple[Conflict, ...]:
    out: list[Conflict] = []
    for field in CONFLICT_FIELDS:
        holders: dict[str, list[str]] = {}
        for record in group:
            value = record.value(field)
            if value is not None:
                holders.setdefault(value, []).append(record.key)
        if len(holders) > 1:
            out.append(Conflict(field, tuple((v, tuple(k)) for v, k in sorted(holders.items()))))
    return tuple(out)


def match(
    customers: Iterable[Customer | Record],
    *,
    method: str = "exact",
    max_group: int = 20,
    settings: ProbabilisticSettings | None = None,
    spark: Any = None,
) -> MatchResult:
    """Find the same customer across providers, and probable duplicates inside one.

    ``customers`` may be any iterable (a list, a generator over several clients); it is read
    once and only compact records are kept.

    Args:
        method: ``"exact"`` (the default) links records that share a normalised e-mail,
            E.164 phone or id. ``"probabilistic"`` keeps every exact link and adds the pairs
            a Fellegi-Sunter model (splink, trained on these records) scores at or above
            ``settings.threshold``: typos, nicknames, another e-mail or phone. Needs the
            ``identity`` extra.
        max_group: a key shared by more records than this is not used (see :class:`Matcher`).
        settings: thresholds of the probabilistic method (:class:`ProbabilisticSettings`).
        spark: a ``SparkSession``: run the probabilistic method on Spark instead of an
            in-process DuckDB (needs the ``spark`` extra); the links are the same.

    Raises:
        ConfigurationError: an unknown method, or the probabilistic method without splink.
    """
    if method not in METHODS:
        raise ConfigurationError(
            f"unknown matching method {method!r}", operation="match", hint=f"use one of {', '.join(METHODS)}"
        )
    matcher = Matcher(max_group=max_group)
    for customer in customers:
        matcher.add(customer)
    if method == "exact":
        return matcher.result()
    from ._probabilistic import probabilistic_pairs

    scored = probabilistic_pairs(matcher.records, settings, spark=spark)
    return attrs.evolve(matcher.result(scored), method="probabilistic")
