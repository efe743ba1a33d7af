"""Resumable listing: the opaque, JSON-safe text form of a next-page cursor.

An adapter's cursor is whatever its ``parse_page`` returns (a page number, an offset, a
token, a small object). :class:`~custbridge.Page` hands callers a *string* instead, so a
listing cut short by a quota or an outage can be saved (a file, dlt state, a database row)
and continued later in another process with ``list(start_cursor=...)``.

The string is ``"cb1."`` followed by base64url JSON with the provider's name, the adapter's
cursor as JSON (:meth:`Provider.cursor_to_json`), the index of the next page and a short
fingerprint of the filters, so a cursor is never replayed against another provider or
other filters (which would skip or repeat records silently).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Hashable
from typing import Any

import attrs

from .errors import ConfigurationError
from .provider import ListQuery, Provider

_PREFIX = "cb1."
_HINT = "pass Page.next_cursor from a listing of the same provider with the same filters and page_size"


def query_fingerprint(query: ListQuery) -> str:
    """A short digest of the filters and page size a cursor belongs to."""
    fields = attrs.asdict(query, recurse=False)
    fields["vendor_filters"] = sorted((str(k), repr(v)) for k, v in query.vendor_filters.items())
    return hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()[:16]


def encode_cursor(provider: Provider, cursor: Hashable, number: int, fingerprint: str) -> str:
    """Return the text form of ``cursor``, the cursor of page ``number``."""
    state = {"p": provider.name, "c": provider.cursor_to_json(cursor), "n": number, "q": fingerprint}
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return _PREFIX + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(provider: Provider, text: Any, fingerprint: str) -> tuple[Hashable, int]:
    """Return (adapter cursor, page index) from ``text``; refuse anything not made for this listing."""

    def refuse(reason: str) -> ConfigurationError:
        message = f"invalid start_cursor: {reason}"
        return ConfigurationError(message, provider=provider.name, operation="list", hint=_HINT)

    if not isinstance(text, str) or not text.startswith(_PREFIX):
        raise refuse("not a custbridge cursor")
    body = text[len(_PREFIX) :]
    try:
        state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise refuse("it is damaged") from None
    if not isinstance(state, dict) or not {"p", "c", "n", "q"} <= set(state):
        raise refuse("it is damaged")
    if state["p"] != provider.name:
        raise refuse(f"it belongs to provider {str(state['p'])[:40]!r}")
    if state["q"] != fingerprint:
        raise refuse("it was made with other filters or another page_size")
    number = state["n"]
    if not isinstance(number, int) or isinstance(number, bool) or number < 0 or state["c"] is None:
        raise refuse("it is damaged")
    try:
        cursor = provider.cursor_from_json(state["c"])
    except (TypeError, ValueError, KeyError) as exc:
        raise refuse(f"the adapter cannot read it ({type(exc).__name__})") from None
    return cursor, number


def plain_to_json(cursor: Hashable) -> Any:
    """The default :meth:`Provider.cursor_to_json`: strings, numbers and tuples of them."""
    if cursor is None or isinstance(cursor, (str, int, float)):
        return cursor
    if isinstance(cursor, tuple):
        return {"tuple": [plain_to_json(item) for item in cursor]}
    raise TypeError(
        f"cursor of type {type(cursor).__name__} cannot be saved; override Provider.cursor_to_json/cursor_from_json"
    )


def plain_from_json(value: Any) -> Hashable:
    """The default :meth:`Provider.cursor_from_json`, the inverse of :func:`plain_to_json`."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict) and set(value) == {"tuple"} and isinstance(value["tuple"], list):
        return tuple(plain_from_json(item) for item in value["tuple"])
    raise ValueError("not a saved cursor")
