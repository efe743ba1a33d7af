"""Vendor text made inert for a terminal: no escape sequences, no rich markup.

A customer named ``\\x1b]52;c;...\\x07`` (OSC: write the clipboard), ``\\x1b[2J`` (CSI: clear
the screen) or ``[/]`` (rich markup) must print as those characters, not act. :func:`inert`
replaces every control character a terminal acts on with a visible ``\\uXXXX`` escape:
C0 controls except newline and tab, DEL, the C1 controls (U+0080-U+009F, among them the
one-character CSI U+009B), and the Unicode bidirectional overrides and isolates, which can
make text display in another order than it reads. The escape is the JSON form, so JSON
output stays valid JSON (those characters only ever occur inside JSON strings).
:func:`rich_text` wraps text for rich so that brackets are never parsed as markup.
"""

from __future__ import annotations

from typing import IO, Any

__all__ = ["inert", "inert_stream", "rich_text"]


def _table() -> dict[int, str]:
    codes = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
    return {c: f"\\u{c:04x}" for c in codes if c not in (0x09, 0x0A)}


_ESCAPES = _table()
_ESCAPES_NO_NEWLINE = {**_ESCAPES, 0x0A: "\\u000a"}


def inert(text: str, *, newlines: bool = True) -> str:
    """``text`` with terminal control characters shown as ``\\uXXXX`` (newline and tab kept
    unless ``newlines=False``, which escapes newlines too, e.g. for one table cell)."""
    return text.translate(_ESCAPES if newlines else _ESCAPES_NO_NEWLINE)


def rich_text(text: str) -> Any:
    """A :class:`rich.text.Text` of ``text`` made inert: shown as is, never parsed as markup."""
    from rich.text import Text

    return Text(inert(text))


class _InertStream:
    """A text stream whose writes are made inert (CRLF shown as a plain line end)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(inert(text.replace("\r\n", "\n")))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def inert_stream(stream: IO[str]) -> IO[str]:
    """``stream`` itself when it is not a terminal (data stays byte-exact in a pipe or file);
    on a terminal, a wrapper that writes every text inert."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return _InertStream(stream) if terminal else stream  # type: ignore[return-value]
