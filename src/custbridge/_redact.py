"""Secret redaction: one mechanism for every channel custbridge writes to.

A :class:`Redactor` knows where the secrets of one connection come from (the provider's
``secret_values()``, asked anew each time so that credentials obtained later, such as OAuth
access tokens, are covered from the moment they exist) plus the credentials it saw on requests
(:meth:`Redactor.learn_request`, called for every request a provider's auth flow sends, see
:func:`learning_auth`). It replaces every secret, in every encoding a vendor or a
library may show it in, with ``****``:

- as given; URL-encoded (``quote`` with and without ``/`` safe, ``quote_plus``, lower-case hex,
  double-encoded); JSON-escaped (ASCII and UTF-8, with ``\\/``); ``repr``-escaped;
  HTML-escaped; each of those once more ``repr``- or JSON-escaped (vendor data formatted into
  a message); base64 (standard and URL-safe, at every byte alignment, so the password inside
  ``Basic base64(user:pass)`` is found);
- a secret cut off at the end of a text (a truncated body snippet or page token).

Channels: :meth:`Redactor.error` cleans an exception and its whole chain (``__cause__``,
``__context__``, exception-group members, notes), so ``str``, ``repr`` and formatted
tracebacks are clean: custbridge errors field by field (message, hint, vendor code, request
id, body snippet, ``details`` keys and values at any depth, mapping paths, reasons and record
ids); foreign exceptions through their ``args`` and attributes, or, when their ``__str__``
ignores those, by switching them to a subclass of their own class that prints the redacted
text (``isinstance`` still holds); a built-in exception that allows neither (an exception
group's message) is replaced in the chain by a :class:`RedactedException` naming its type.
Log records go through :class:`RedactingFilter`, installed on the ``custbridge`` loggers (and
``custbridge.*``) and the ``httpx``/``httpcore`` loggers; it knows every live connection's
secrets.

Walks are iterative (a vendor can nest JSON 900 levels deep inside any parser's limit) and
linear in the size of the data: each string passes one regex gate (the first characters of
every form) and only a string that holds one is searched further.
Secrets shorter than :data:`MIN_SECRET_LENGTH` characters are not searched for (they would
mask ordinary words).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import html
import json
import logging
import re
import threading
import weakref
from collections import deque
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

import httpx

__all__ = [
    "MASK",
    "MIN_SECRET_LENGTH",
    "RedactingFilter",
    "Redactor",
    "encoded_forms",
    "install_log_filters",
    "learning_auth",
    "redact_text",
]

MASK = "****"
"""What a secret is replaced with."""
MIN_SECRET_LENGTH = 4
"""Shorter secrets are not searched for."""
_MIN_FRAGMENT = 4
"""Shortest cut-off tail of a secret that is still masked at the end of a text."""
_MIN_TAIL = 8
"""Shortest cut-off tail of a secret masked at the end of a text without an ellipsis."""
_LEARNED_LIMIT = 32
"""Credentials remembered from request headers per connection (oldest forgotten first)."""
_E = TypeVar("_E", bound=BaseException)
_PERCENT = re.compile(r"%[0-9A-F]{2}")
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie"})


# --------------------------------------------------------------------------- encodings


def _lower_hex(text: str) -> str:
    return _PERCENT.sub(lambda m: m.group().lower(), text)


def _base64_fragments(raw: bytes) -> list[str]:
    """The base64 text of ``raw`` at each of the three byte alignments, trimmed to the
    characters that depend on ``raw`` alone (so it is found inside a longer base64 text)."""
    out = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        start = -(-offset * 8 // 6)  # first character holding no padding bits
        end = (offset + len(raw)) * 8 // 6  # last character holding only bits of raw
        fragment = encoded[start:end]
        if len(fragment) >= MIN_SECRET_LENGTH:
            out.append(fragment)
            out.append(fragment.replace("+", "-").replace("/", "_"))
    return out


@functools.lru_cache(maxsize=256)
def encoded_forms(secret: str) -> tuple[str, ...]:
    """Every form of ``secret`` searched for, longest first."""
    forms = {secret}
    for form in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.add(form)
        forms.add(_lower_hex(form))
        forms.add(quote(form, safe=""))  # double-encoded (a URL inside a query parameter)
    for ascii_only in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        forms.add(escaped)
        forms.add(escaped.replace("/", "\\/"))
    forms.add(repr(secret)[1:-1])
    forms.add(html.escape(secret, quote=True))
    forms.add(html.escape(secret, quote=False))
    # Escapes compose when an adapter formats vendor data with repr (``f"{details}"``): the
    # JSON-escaped secret inside a repr'd dict, a repr inside a JSON string.
    for form in list(forms):
        forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
        forms.add(repr(form)[1:-1])
        # repr picks its quote from the whole text around the secret: both escapings
        slashed = form.replace("\\", "\\\\")
        forms.add(slashed.replace("'", "\\'"))
        forms.add(slashed.replace('"', '\\"'))
    forms.update(_base64_fragments(secret.encode("utf-8", "surrogatepass")))
    return tuple(sorted((f for f in forms if len(f) >= MIN_SECRET_LENGTH), key=len, reverse=True))


class _Table:
    """The compiled forms of one set of secrets."""

    __slots__ = ("forms", "gate", "prefixes")

    def __init__(self, secrets: frozenset[str]) -> None:
        forms: set[str] = set()
        prefixes: set[str] = set()
        for secret in secrets:
            these = encoded_forms(secret)
            forms.update(these)
            # Tails cut off by truncation: only the readable forms (base64 fragments are
            # already partial).
            prefixes.update(f for f in these if len(f) > _MIN_FRAGMENT and not _is_b64_only(f, secret))
        self.forms = tuple(sorted(forms, key=len, reverse=True))
        self.prefixes = tuple(sorted(prefixes, key=len, reverse=True))
        # A gate: every form and every masked tail starts with one of these heads, so a text
        # that holds none of them (almost every text) is passed after one regex scan.
        heads = {f[:_MIN_FRAGMENT] for f in self.forms}
        self.gate = re.compile("|".join(re.escape(h) for h in sorted(heads))) if heads else None

    def found(self, text: str) -> bool:
        if len(text) < _MIN_FRAGMENT or self.gate is None or self.gate.search(text) is None:
            return False
        return any(form in text for form in self.forms) or self._tail(text) is not None

    def scrub(self, text: str) -> str:
        if len(text) < _MIN_FRAGMENT or self.gate is None or self.gate.search(text) is None:
            return text
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        cut = self._tail(text)
        if cut is not None:
            text = text[:cut[0]] + MASK + text[cut[1]:]
        return text

    def _tail(self, text: str) -> tuple[int, int] | None:
        """Where a secret cut off at the end of ``text`` starts and ends: at least
        :data:`_MIN_TAIL` characters of it, or :data:`_MIN_FRAGMENT` right before an ellipsis."""
        end = len(text)
        shortest = _MIN_TAIL
        for _ in range(2):
            for suffix in ("…", "...", "'", '"', ")"):
                if text.endswith(suffix, 0, end):
                    end -= len(suffix)
                    if suffix in ("…", "..."):
                        shortest = _MIN_FRAGMENT
                    break
        for form in self.prefixes:
            head = form[:shortest]
            i = text.find(head, max(0, end - len(form) + 1), end)
            while i != -1:
                if form.startswith(text[i:end]) and text[i:end] != form:
                    return i, end
                i = text.find(head, i + 1, end)
        return None

    # -- nested data ----------------------------------------------------------------------

    def deep(self, value: Any) -> Any:
        """A copy of ``value`` with every string (keys too) scrubbed; iterative, cycle-safe."""
        if isinstance(value, str):
            return self.scrub(value)
        root: list[Any] = [None]
        stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
        memo: dict[int, Any] = {}
        tuples: list[tuple[Any, Any, list[Any]]] = []
        while stack:
            item, parent, slot = stack.pop()
            if isinstance(item, str):
                parent[slot] = self.scrub(item)
            elif isinstance(item, bytes):
                parent[slot] = self.scrub_bytes(item)
            elif item is None or isinstance(item, (bool, int, float)):
                parent[slot] = item
            elif id(item) in memo:
                parent[slot] = memo[id(item)]
            elif isinstance(item, Mapping):
                new: dict[Any, Any] = {}
                memo[id(item)] = parent[slot] = new
                for key, sub in item.items():
                    if isinstance(key, str):
                        clean = self.scrub(key)
                        if clean != key:
                            n = 2
                            base = clean
                            while clean in new or clean in item:
                                clean = f"{base} ({n})"
                                n += 1
                            key = clean
                    new[key] = None
                    stack.append((sub, new, key))
            elif isinstance(item, (list, tuple)):
                items: list[Any] = [None] * len(item)
                if isinstance(item, tuple):
                    tuples.append((parent, slot, items))
                else:
                    memo[id(item)] = items
                parent[slot] = items
                stack.extend((sub, items, i) for i, sub in enumerate(item))
            elif isinstance(item, (set, frozenset)):
                parent[slot] = type(item)(self.scrub(s) if isinstance(s, str) else s for s in item)
            else:
                try:
                    text = repr(item)
                except Exception:  # a broken repr shows nothing either
                    text = ""
                parent[slot] = self.scrub(text) if self.found(text) else item
        for parent, slot, items in reversed(tuples):  # children were filled after parents
            parent[slot] = tuple(items)
        return root[0]

    def scrub_bytes(self, data: bytes) -> bytes:
        text = data.decode("utf-8", "surrogateescape")
        clean = self.scrub(text)
        return data if clean == text else clean.encode("utf-8", "surrogateescape")


def _is_b64_only(form: str, secret: str) -> bool:
    return form != secret and form in _base64_fragments(secret.encode("utf-8", "surrogatepass"))


@functools.lru_cache(maxsize=64)
def _table(secrets: frozenset[str]) -> _Table:
    return _Table(secrets)


# --------------------------------------------------------------------------- exceptions


class RedactedException(Exception):
    """Stands in for a foreign exception whose text held a secret that could not be removed
    in place; its message is the original type and the redacted text."""


_BUILTIN_TEXT_ATTRIBUTES = ("filename", "filename2", "strerror", "reason", "object", "msg", "text", "name", "path")
"""Attributes of built-in exceptions (OSError, UnicodeError, SyntaxError, ImportError) that
their ``str`` shows besides ``args``."""
_SWAPPED: dict[type[BaseException], type[BaseException]] = {}
_SWAP_LOCK = threading.Lock()


def _redacted_str(self: BaseException) -> str:
    return str(self.__dict__.get("_custbridge_str", ""))


def _redacted_repr(self: BaseException) -> str:
    return str(self.__dict__.get("_custbridge_repr", ""))


def _redacted_reduce(self: BaseException) -> tuple[Any, ...]:
    # The subclass cannot be found by name: pickle as a stand-in with the redacted text.
    return (RedactedException, (f"{type(self).__qualname__}: {_redacted_str(self)}",))


def _swapped_class(cls: type[BaseException]) -> type[BaseException]:
    with _SWAP_LOCK:
        sub = _SWAPPED.get(cls)
        if sub is None:
            namespace = {
                "__module__": cls.__module__,
                "__qualname__": cls.__qualname__,
                "__str__": _redacted_str,
                "__repr__": _redacted_repr,
                "__reduce__": _redacted_reduce,
            }
            sub = _SWAPPED[cls] = type(cls.__name__, (cls,), namespace)
        return sub


def _exception_text(exc: BaseException) -> str:
    parts = []
    for render in (str, repr):
        try:
            parts.append(render(exc))
        except Exception:
            parts.append("")
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        parts.extend(n for n in notes if isinstance(n, str))
    return "\n".join(parts)


# --------------------------------------------------------------------------- the redactor


class Redactor:
    """Replaces the secrets of one connection with ``****`` in text, data, errors and logs.

    Args:
        source: returns the current secrets; called anew for every redaction.
    """

    def __init__(self, source: Callable[[], Iterable[str]]) -> None:
        self._source = source
        self._learned: deque[str] = deque(maxlen=_LEARNED_LIMIT)
        self._lock = threading.Lock()

    # -- secrets ----------------------------------------------------------------------------

    def secrets(self) -> frozenset[str]:
        """The secrets known now (the provider's and the ones learned from requests)."""
        try:
            given = list(self._source())
        except Exception:  # a provider bug must not make errors unredactable
            given = []
        with self._lock:
            given.extend(self._learned)
        return frozenset(s for s in given if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH)

    def table(self) -> _Table:
        return _table(self.secrets())

    def learn(self, value: str) -> None:
        """Treat ``value`` as a secret from now on (e.g. a token put on a request)."""
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            with self._lock:
                if value not in self._learned:
                    self._learned.append(value)

    def learn_request(self, request: httpx.Request) -> None:
        """Learn the credentials of a sent request: its auth headers, the token after a
        ``Bearer`` scheme, and the password inside ``Basic`` credentials."""
        for name, value in request.headers.items():
            if name.lower() not in _CREDENTIAL_HEADERS or not value:
                continue
            if name.lower() == "cookie":  # name=value; name=value: session ids, not "dark"
                for pair in value.split(";"):
                    cookie = pair.partition("=")[2].strip()
                    if len(cookie) >= _MIN_TAIL:
                        self.learn(cookie)
                continue
            scheme, _, credential = value.partition(" ")
            if not credential:
                self.learn(value)
                continue
            self.learn(credential.strip())
            if scheme.lower() == "basic":
                try:
                    decoded = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    continue
                self.learn(decoded)
                self.learn(decoded.partition(":")[2])

    # -- channels ---------------------------------------------------------------------------

    def __call__(self, text: str) -> str:
        """``text`` with every secret masked."""
        table = self.table()
        return table.scrub(text) if table.forms else text

    def deep(self, value: Any) -> Any:
        """A copy of nested data (dicts, lists, tuples) with secrets masked in keys and values."""
        table = self.table()
        return table.deep(value) if table.forms else value

    def leaks(self, text: str) -> bool:
        """Whether ``text`` holds a secret in any form."""
        table = self.table()
        return bool(table.forms) and table.found(text)

    def error(self, err: _E) -> _E:
        """Clean ``err`` and every exception chained to it, in place; return ``err``."""
        table = self.table()
        if table.forms:
            redact_exception(err, table)
        return err


class _LearningAuth(httpx.Auth):
    """A provider's :class:`httpx.Auth`, unchanged, except that every request its flow sends
    is learned from first: a credential it puts on a request (a fresh OAuth token) is a secret
    before any answer can echo it."""

    def __init__(self, inner: httpx.Auth, redactor: Redactor) -> None:
        self._inner = inner
        self._redactor = redactor

    def __repr__(self) -> str:
        return repr(self._inner)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self._inner.sync_auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                self._redactor.learn_request(outgoing)
                response = yield outgoing
                outgoing = flow.send(response)
        except StopIteration:
            return
        finally:
            flow.close()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self._inner.async_auth_flow(request)
        try:
            outgoing = await flow.__anext__()
            while True:
                self._redactor.learn_request(outgoing)
                response = yield outgoing
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        finally:
            await flow.aclose()


def learning_auth(auth: httpx.Auth | None, redactor: Redactor) -> httpx.Auth | None:
    """``auth`` wrapped so that the credentials its flow puts on requests are learned."""
    return None if auth is None else _LearningAuth(auth, redactor)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with ``secrets`` masked in every form (for one-off uses without a connection)."""
    table = _table(frozenset(s for s in secrets if len(s) >= MIN_SECRET_LENGTH))
    return table.scrub(text) if table.forms else text


def redact_exception(err: BaseException, table: _Table) -> None:
    """Clean ``err``, its causes, contexts and group members (iteratively, each once)."""
    from .errors import CustbridgeError, MappingError

    seen: set[int] = set()
    stack: list[tuple[BaseException, BaseException | None]] = [(err, None)]
    while stack:
        exc, parent = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, CustbridgeError):
            state = exc.__dict__
            for name, value in list(state.items()):
                if name.startswith("__") or name in ("provider", "operation"):  # ours
                    continue
                if isinstance(value, str):
                    state[name] = table.scrub(value)
                elif isinstance(exc, MappingError) and name == "paths":
                    state[name] = tuple((table.scrub(str(p)), table.scrub(str(r))) for p, r in value)
                elif isinstance(value, (Mapping, list, tuple)):
                    state[name] = table.deep(value)
            exc.args = (exc.message,)
            _scrub_notes(exc, table)
        elif table.found(_exception_text(exc)):
            replacement = _clean_foreign(exc, table)
            if replacement is not exc and parent is not None:
                if parent.__cause__ is exc:  # usually both links of the parent point to it
                    parent.__cause__ = replacement
                if parent.__context__ is exc:
                    parent.__context__ = replacement
                exc = replacement  # the chain shown goes on from the stand-in
        for name in ("__cause__", "__context__"):
            linked = getattr(exc, name)
            if linked is not None:
                stack.append((linked, exc))
        members = getattr(exc, "exceptions", None)  # an exception group (3.11+)
        if isinstance(members, tuple):
            stack.extend((m, None) for m in members if isinstance(m, BaseException))


def _scrub_notes(exc: BaseException, table: _Table) -> None:
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        notes[:] = [table.scrub(n) if isinstance(n, str) else n for n in notes]


def _clean_foreign(exc: BaseException, table: _Table) -> BaseException:
    """Remove the secret from a foreign exception in place if its text allows; else return a
    stand-in (only usable where the caller can relink it)."""
    original_str = _safe(str, exc)
    original_repr = _safe(repr, exc)
    with contextlib.suppress(Exception):  # some exceptions refuse new args
        exc.args = table.deep(exc.args)
    state = getattr(exc, "__dict__", None)
    if isinstance(state, dict):
        for name, value in list(state.items()):
            if isinstance(value, str):
                state[name] = table.scrub(value)
            elif isinstance(value, (Mapping, list, tuple)) and not name.startswith("_"):
                state[name] = table.deep(value)
    for name in _BUILTIN_TEXT_ATTRIBUTES:  # built-in exceptions print these, outside args
        value = getattr(exc, name, None)
        if isinstance(value, (str, bytes)):
            with contextlib.suppress(AttributeError, TypeError):
                setattr(exc, name, table.scrub(value) if isinstance(value, str) else table.scrub_bytes(value))
    _scrub_notes(exc, table)
    if not table.found(_exception_text(exc)):
        return exc
    try:  # its __str__ does not come from args: print the redacted text instead
        exc.__dict__["_custbridge_str"] = table.scrub(original_str)
        exc.__dict__["_custbridge_repr"] = table.scrub(original_repr)
        exc.__class__ = _swapped_class(type(exc))
        return exc
    except (TypeError, AttributeError):
        pass
    stand_in = RedactedException(f"{type(exc).__qualname__}: {table.scrub(original_str)}")
    stand_in.__cause__ = exc.__cause__
    stand_in.__context__ = exc.__context__
    stand_in.__suppress_context__ = exc.__suppress_context__
    return stand_in.with_traceback(exc.__traceback__)


def _safe(render: Callable[[Any], str], value: Any) -> str:
    try:
        return render(value)
    except Exception:
        return ""


# --------------------------------------------------------------------------- logging

_LIVE: weakref.WeakSet[Redactor] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()
_FILTERED: set[str] = set()
_KNOWN_LOGGERS = (
    "custbridge",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.connection_pool",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_PREFIXES = ("custbridge.", "httpx.", "httpcore.")
_LOGGER_COUNT = [-1]


def register(redactor: Redactor) -> None:
    """Let the log filter know a connection's secrets (for as long as it is alive)."""
    with _LIVE_LOCK:
        _LIVE.add(redactor)
    install_log_filters()


class RedactingFilter(logging.Filter):
    """Masks the secrets of every live connection in a log record (message, arguments,
    exception and stack text). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _LIVE_LOCK:
            redactors = list(_LIVE)
        if not redactors:
            return True
        secrets: set[str] = set()
        for redactor in redactors:
            secrets.update(redactor.secrets())
        table = _table(frozenset(secrets))
        if not table.forms:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken log call: leave it to logging's own error report
            return True
        if table.found(message):
            record.msg = table.scrub(message)
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            redact_exception(record.exc_info[1], table)
        if record.exc_text:
            record.exc_text = table.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = table.scrub(record.stack_info)
        return True


_FILTER = RedactingFilter()


def install_log_filters() -> None:
    """Put the redacting filter on the custbridge, httpx and httpcore loggers (and their
    children that exist now; a filter on a logger does not apply to its children)."""
    manager = logging.Logger.manager
    count = len(manager.loggerDict)
    if count == _LOGGER_COUNT[0]:
        return
    with _LIVE_LOCK:
        names = set(_KNOWN_LOGGERS)
        names.update(n for n in list(manager.loggerDict) if n.startswith(_PREFIXES))
        for name in names - _FILTERED:
            logging.getLogger(name).addFilter(_FILTER)
            _FILTERED.add(name)
        _LOGGER_COUNT[0] = len(manager.loggerDict)
