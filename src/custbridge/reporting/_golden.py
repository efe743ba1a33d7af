"""Golden records: one suggested merged customer per cross-vendor identity.

For each field the golden record takes one value from the identity's records and says which
record it came from and why:

``all records agree``        every record that has the field has this value;
``only one record has it``   one record has the field;
``most records agree``       a strict majority of the records holding the field agree;
``most recently updated``    no majority: the value of the record changed last;
``most complete record``     no majority and no change times: the record with the most
                             fields filled in.

Values are compared case-folded and trimmed (e-mail and phone already normalised); the
value shown is the chosen record's own. Every other value is listed as a conflict with the
records holding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from ._match import Identity, Record

__all__ = ["GOLDEN_FIELDS", "FieldChoice", "GoldenRecord", "golden_record"]

GOLDEN_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "line1",
    "postal_code",
    "city",
    "country",
)
"""The fields of a golden record, in the order reports show them."""


@attrs.frozen
class FieldChoice:
    """The value a golden record takes for one field, and why."""

    field: str
    """One of :data:`GOLDEN_FIELDS`."""
    value: str | None
    """The chosen value (``None`` when no record has the field)."""
    source: str | None
    """Customer key (``provider:id``) of the record the value came from."""
    reason: str
    """Why this value: ``all records agree``, ``only one record has it``, ``most records
    agree``, ``most recently updated``, ``most complete record`` or ``no record has it``."""
    conflicts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The other values, each with the customer keys holding it."""


@attrs.frozen
class GoldenRecord:
    """A suggested merged customer for one identity."""

    keys: tuple[str, ...]
    """Customer keys of the identity's records."""
    fields: tuple[FieldChoice, ...]
    """One choice per field of :data:`GOLDEN_FIELDS`."""

    def value(self, field: str) -> str | None:
        """The chosen value of ``field``."""
        return next(choice.value for choice in self.fields if choice.field == field)

    def choice(self, field: str) -> FieldChoice:
        """The full choice for ``field``."""
        return next(choice for choice in self.fields if choice.field == field)

    @property
    def conflicts(self) -> tuple[FieldChoice, ...]:
        """The fields whose records disagree."""
        return tuple(choice for choice in self.fields if choice.conflicts)


def _fold(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(value.split()).casefold() or None


def _completeness(record: Record) -> int:
    return sum(1 for field in GOLDEN_FIELDS if getattr(record, field))


def _choose(field: str, records: Sequence[Record]) -> FieldChoice:
    holders: dict[str, list[Record]] = {}
    for record in records:
        folded = _fold(getattr(record, field))
        if folded is not None:
            holders.setdefault(folded, []).append(record)
    if not holders:
        return FieldChoice(field, None, None, "no record has it")

    # newest first; records without a change time last; then by key for a stable choice
    def recency(record: Record) -> tuple[bool, float, str]:
        changed = _timestamp(record.updated_at)
        return (changed is None, -(changed or 0.0), record.key)

    ranked = sorted(holders.items(), key=lambda item: (-len(item[1]), min(recency(r) for r in item[1])))
    best_value, best_records = ranked[0]
    count = len(best_records)
    holding = sum(len(rs) for rs in holders.values())
    if len(holders) == 1:
        reason = "only one record has it" if holding == 1 else "all records agree"
        source = min(best_records, key=recency)
    elif count * 2 > holding:
        reason = f"most records agree ({count} of {holding})"
        source = min(best_records, key=recency)
    elif any(_timestamp(r.updated_at) is not None for rs in holders.values() for r in rs):
        source = min((r for rs in holders.values() for r in rs), key=recency)
        best_value = _fold(getattr(source, field)) or best_value
        reason = "most recently updated"
    else:
        source = max(
            (r for rs in holders.values() for r in rs), key=lambda r: (_completeness(r), [-ord(c) for c in r.key])
        )
        best_value = _fold(getattr(source, field)) or best_value
        reason = "most complete record"
    conflicts = tuple((value, tuple(r.key for r in rs)) for value, rs in sorted(holders.items()) if value != best_value)
    return FieldChoice(field, getattr(source, field), source.key, reason, conflicts)


def _timestamp(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def golden_record(identity: Identity) -> GoldenRecord:
    """Suggest the merged customer of ``identity``: per field a value, its record and why."""
    records = identity.records
    return GoldenRecord(
        keys=tuple(r.key for r in records),
        fields=tuple(_choose(field, records) for field in GOLDEN_FIELDS),
    )
