"""Canonical customers of several vendors drawn from the shared population, with the truth.

The vendor simulators serve the population through each vendor's own API. Identity matching
is measured on the canonical side, so :class:`Population` skips the wire: it turns each
vendor's people into :class:`~custbridge.Customer` records directly (the shape a collection
would return) and knows which records are the same person (:meth:`Population.truth`), so a
matching method can be scored with precision and recall::

    population = Population(seed=0, size=10_000, namespaces=("crm", "desk", "shop"), noise=0.6)
    result = match(population.customers(), method="probabilistic")
    print(population.score(result))
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations

import attrs

from ..model import Address, Customer, CustomerStatus
from ._people import Person, _namespace_offset, people

__all__ = ["Population", "Score", "customer_of"]


def _customer_id(namespace: str, seed: int, index: int) -> str:
    digest = hashlib.blake2b(f"{namespace}:{seed}:{index}".encode(), digest_size=6).hexdigest()
    return f"c_{digest}"


def customer_of(person: Person, *, provider: str, id: str) -> Customer:
    """The canonical customer a vendor would hold for ``person``."""
    a = person.address
    address = Address(
        line1=a.line1,
        line2=a.line2,
        city=a.city,
        region=a.region,
        postal_code=a.postal_code,
        country=a.country,
        language=a.language,
    )
    first, last = (None, None) if person.known_as_company else (person.first_name, person.last_name)
    display = person.company if person.known_as_company and person.company else f"{first} {last}"
    return Customer(
        provider=provider,
        id=id,
        display_name=display,
        first_name=first,
        last_name=last,
        company_name=person.company,
        email=person.email,
        phone=person.phone,
        website=person.website,
        status=CustomerStatus.ACTIVE if person.active else CustomerStatus.INACTIVE,
        address=address,
        language=person.language,
        time_zone=person.time_zone,
        tags=person.tags,
        notes=person.notes,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


@attrs.frozen
class Score:
    """Pairwise precision and recall of a matching against the truth."""

    true_pairs: int
    """Cross-provider record pairs that are the same person."""
    found_pairs: int
    """Cross-provider record pairs the matching put in one identity."""
    correct_pairs: int
    """Found pairs that are the same person."""

    @property
    def precision(self) -> float:
        """Share of found pairs that are right (1.0 when nothing was found)."""
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were found."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@attrs.frozen
class Population:
    """``size`` customers at each of ``namespaces``, a ``shared`` part of them the same people.

    Each namespace plays one vendor (its name is the customer's ``provider``); the records
    of a shared person differ between vendors as :func:`~custbridge.sandbox.people` describes
    for ``noise``. Customer ids are opaque (a hash of vendor, seed and position): nothing in
    a record gives its person away.
    """

    seed: int = 0
    """Population seed."""
    size: int = 1000
    """Customers per namespace."""
    namespaces: tuple[str, ...] = ("crm", "desk", "shop")
    """The vendors, one customer list each."""
    shared: float = 0.3
    """Share of each vendor's customers that every vendor has."""
    noise: float = 0.6
    """Share of the shared people whose record at a vendor differs in one or two ways."""

    def people(self, namespace: str) -> Iterator[Person]:
        """The people of one namespace, in order."""
        return people(self.seed, self.size, namespace=namespace, shared=self.shared, noise=self.noise)

    def customers(self) -> Iterator[Customer]:
        """Every namespace's customers, lazily, namespace after namespace."""
        for namespace in self.namespaces:
            for index, person in enumerate(self.people(namespace)):
                yield customer_of(person, provider=namespace, id=_customer_id(namespace, self.seed, index))

    def truth(self) -> dict[str, int]:
        """The ground truth: customer key (``provider:id``) -> the person's uid.

        Two records with the same uid are the same person. Computed from positions alone
        (no people are generated).
        """
        n_shared = int(self.size * self.shared)
        out: dict[str, int] = {}
        for namespace in self.namespaces:
            offset = _namespace_offset(namespace)
            for index in range(self.size):
                uid = index if index < n_shared else offset + index
                out[f"{namespace}:{_customer_id(namespace, self.seed, index)}"] = uid
        return out

    def score(self, groups: Iterable[Sequence[str]]) -> Score:
        """Score identities (each a sequence of customer keys) against :meth:`truth`.

        Pairs are counted between records of different providers, the pairs a cross-vendor
        report links.
        """
        truth = self.truth()
        by_uid: dict[int, list[str]] = defaultdict(list)
        for key, uid in truth.items():
            by_uid[uid].append(key)
        true_pairs = sum(_cross_pairs(keys) for keys in by_uid.values())
        found = correct = 0
        for group in groups:
            for a, b in combinations(group, 2):
                if a.split(":", 1)[0] == b.split(":", 1)[0]:
                    continue
                found += 1
                correct += truth.get(a) == truth.get(b) is not None
        return Score(true_pairs=true_pairs, found_pairs=found, correct_pairs=correct)


def _cross_pairs(keys: Sequence[str]) -> int:
    return sum(1 for a, b in combinations(keys, 2) if a.split(":", 1)[0] != b.split(":", 1)[0])
