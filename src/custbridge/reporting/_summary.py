"""Counts and completeness per provider: what each vendor holds and how complete it is.

Completeness respects what a provider can hold: a field the provider declares unsupported
is "not applicable" (never counted as missing), and a field a record did not load
(``Customer.not_loaded``) is left out of that field's denominator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..convert import normalize_country
from ..errors import CustbridgeError
from ..model import Customer, CustomerStatus
from ..provider import Capabilities, FieldAccess

__all__ = [
    "COMPLETENESS_FIELDS",
    "FieldCompleteness",
    "ProviderSummary",
    "Summary",
    "SummaryBuilder",
    "summarise",
]

_DERIVED: dict[str, tuple[str, Callable[[Customer], bool]]] = {
    "country": ("address", lambda c: c.address is not None and bool(c.address.country)),
}
"""Derived completeness fields: name -> (canonical field it comes from, presence test)."""

COMPLETENESS_FIELDS: tuple[str, ...] = (
    "email",
    "phone",
    "address",
    "country",
    "first_name",
    "last_name",
    "company_name",
    "website",
    "language",
    "time_zone",
    "number",
    "external_id",
    "status",
    "tags",
    "notes",
    "billing_address",
    "shipping_address",
    "credit_limit",
    "created_at",
    "updated_at",
)
"""Fields whose completeness reports show, most useful first (``country`` = address country)."""


def _present(customer: Customer, field: str) -> bool:
    derived = _DERIVED.get(field)
    if derived is not None:
        return derived[1](customer)
    value: Any = getattr(customer, field)
    if value is None:
        return False
    if field == "status":
        return value is not CustomerStatus.UNKNOWN
    if isinstance(value, tuple):
        return bool(value)
    is_empty = getattr(value, "is_empty", None)
    return not (isinstance(is_empty, bool) and is_empty)


def _source(field: str) -> str:
    derived = _DERIVED.get(field)
    return derived[0] if derived is not None else field


@attrs.frozen
class FieldCompleteness:
    """How complete one field is at one provider."""

    present: int
    """Records with a value."""
    applicable: int
    """Records where the field could hold a value (loaded, and supported by the provider)."""
    not_loaded: int
    """Records that did not load this field (left out of ``applicable``)."""
    supported: bool
    """False when the provider declares the field unsupported (then ``share`` is ``None``)."""

    @property
    def share(self) -> float | None:
        """``present / applicable`` (0..1), or ``None`` when nothing is applicable."""
        if not self.supported or self.applicable == 0:
            return None
        return self.present / self.applicable

    @property
    def missing(self) -> int:
        """Records without a value where one was possible."""
        return self.applicable - self.present if self.supported else 0


@attrs.frozen
class ProviderSummary:
    """Counts and completeness of one provider's customers."""

    provider: str
    """Registered provider name."""
    total: int
    """Customers seen."""
    statuses: Mapping[str, int]
    """Customers per canonical status value."""
    completeness: Mapping[str, FieldCompleteness]
    """Per field in :data:`COMPLETENESS_FIELDS`."""
    countries: Mapping[str, int]
    """Customers per address country (``""`` = no country), most common first."""
    languages: Mapping[str, int]
    """Customers per language (``""`` = no language), most common first."""


@attrs.frozen
class Summary:
    """Per-provider summaries, by provider name."""

    providers: Mapping[str, ProviderSummary]
    """One entry per provider seen, sorted by name."""
    fields: tuple[str, ...] = COMPLETENESS_FIELDS
    """The fields in each ``completeness``."""

    @property
    def total(self) -> int:
        """Customers across every provider."""
        return sum(p.total for p in self.providers.values())


class _Acc:
    __slots__ = ("countries", "languages", "not_loaded", "present", "statuses", "total")

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.total = 0
        self.statuses: Counter[str] = Counter()
        self.present = dict.fromkeys(fields, 0)
        self.not_loaded = dict.fromkeys(fields, 0)
        self.countries: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()


def _ordered(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


class SummaryBuilder:
    """Incremental summary: :meth:`add` customers one by one, then :meth:`result`.

    Args:
        capabilities: per provider name; providers not in it are looked up among the
            installed providers, and when unknown every field counts as supported.
        fields: completeness fields to compute.
    """

    def __init__(
        self,
        capabilities: Mapping[str, Capabilities] | None = None,
        *,
        fields: Iterable[str] = COMPLETENESS_FIELDS,
    ) -> None:
        self.fields = tuple(fields)
        self._caps: dict[str, Capabilities | None] = dict(capabilities or {})
        self._acc: dict[str, _Acc] = {}

    def _capabilities(self, provider: str) -> Capabilities | None:
        if provider not in self._caps:
            from ._providers import capabilities_of

            try:
                self._caps[provider] = capabilities_of(provider)
            except CustbridgeError:
                self._caps[provider] = None
        return self._caps[provider]

    def add(self, customer: Customer) -> None:
        """Count one customer."""
        acc = self._acc.get(customer.provider)
        if acc is None:
            acc = self._acc[customer.provider] = _Acc(self.fields)
        acc.total += 1
        acc.statuses[customer.status.value] += 1
        not_loaded = customer.not_loaded
        for field in self.fields:
            if not_loaded and _source(field) in not_loaded:
                acc.not_loaded[field] += 1
            elif _present(customer, field):
                acc.present[field] += 1
        country = customer.address.country if customer.address is not None else None
        # The adapters' normaliser again (cached): a plug-in's "UK" is counted with "GB".
        acc.countries[normalize_country(country) or ""] += 1
        acc.languages[customer.language or ""] += 1

    def result(self) -> Summary:
        """The summary of everything added so far."""
        out: dict[str, ProviderSummary] = {}
        for provider in sorted(self._acc):
            acc = self._acc[provider]
            caps = self._capabilities(provider)
            completeness = {}
            for field in self.fields:
                supported = caps is None or caps.field(_source(field)) is not FieldAccess.UNSUPPORTED
                completeness[field] = FieldCompleteness(
                    present=acc.present[field] if supported else 0,
                    applicable=(acc.total - acc.not_loaded[field]) if supported else 0,
                    not_loaded=acc.not_loaded[field],
                    supported=supported,
                )
            out[provider] = ProviderSummary(
                provider=provider,
                total=acc.total,
                statuses=_ordered(acc.statuses),
                completeness=completeness,
                countries=_ordered(acc.countries),
                languages=_ordered(acc.languages),
            )
        return Summary(providers=out, fields=self.fields)


def summarise(
    customers: Iterable[Customer],
    *,
    capabilities: Mapping[str, Capabilities] | None = None,
    fields: Iterable[str] = COMPLETENESS_FIELDS,
) -> Summary:
    """Count customers per provider and status, and measure completeness per field.

    ``customers`` may be any iterable and is read once. ``capabilities`` (per provider name)
    says which fields a provider can hold; when omitted they are read from the installed
    providers' declarations.
    """
    builder = SummaryBuilder(capabilities, fields=fields)
    for customer in customers:
        builder.add(customer)
    return builder.result()
