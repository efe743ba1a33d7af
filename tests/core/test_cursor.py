"""Resumable listing: Page.next_cursor is JSON-safe text bound to a provider and its filters."""

from __future__ import annotations

import json

import pytest

from custbridge import ConfigurationError, sandbox


def _first_page_cursor(provider: str, **filters: object) -> str:
    with sandbox.connect(provider, size=30) as client:
        page = next(iter(client.pages(page_size=10, **filters)))  # type: ignore[arg-type]
        assert page.next_cursor is not None
        return page.next_cursor


def test_a_cursor_is_json_text_and_the_last_page_has_none() -> None:
    with sandbox.connect("pexip_engage", size=25) as client:
        pages = list(client.pages(page_size=10))
    assert [p.number for p in pages] == [0, 1, 2]
    assert all(isinstance(p.next_cursor, str) for p in pages[:-1]) and pages[-1].next_cursor is None
    assert json.loads(json.dumps([p.next_cursor for p in pages])) == [p.next_cursor for p in pages]


def test_a_cursor_of_another_provider_or_other_filters_is_refused() -> None:
    cursor = _first_page_cursor("rotor")
    with sandbox.connect("pexip_engage", size=30) as client, pytest.raises(ConfigurationError, match="belongs to provider"):
        client.list(page_size=10, start_cursor=cursor)
    with sandbox.connect("rotor", size=30) as client:
        with pytest.raises(ConfigurationError, match="other filters"):
            client.list(page_size=10, start_cursor=cursor, search="a")
        assert len(list(client.list(page_size=10, start_cursor=cursor))) == 20


def test_a_provider_whose_cursors_cannot_be_saved_still_lists_everything(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with sandbox.connect("pexip_engage", size=25) as client:

        def refuse(cursor: object) -> object:
            raise TypeError("cursor of type Thing cannot be saved")

        monkeypatch.setattr(client.provider, "cursor_to_json", refuse)
        pages = list(client.pages(page_size=10))
    assert sum(len(p.items) for p in pages) == 25
    assert [p.next_cursor for p in pages] == [None, None, None]
    assert "cannot be saved" in caplog.text
