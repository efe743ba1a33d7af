"""One rule for every built-in provider: a status the vendor cannot have lists nothing, without a request."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import custbridge
from custbridge import Customer, CustomerStatus
from custbridge.sandbox import connect, create_app

# Per provider: statuses its customers can never have, and one it has.
IMPOSSIBLE = {
    "rotor": ([CustomerStatus.ON_HOLD, CustomerStatus.DELETED], CustomerStatus.ACTIVE),
    "augno": ([CustomerStatus.DELETED], CustomerStatus.ACTIVE),
    "pexip_engage": ([CustomerStatus.ON_HOLD, CustomerStatus.INACTIVE], CustomerStatus.ACTIVE),
}


@pytest.mark.parametrize("name", sorted(IMPOSSIBLE))
def test_a_status_the_vendor_cannot_have_lists_nothing_without_a_request(name: str) -> None:
    impossible, possible = IMPOSSIBLE[name]
    with connect(name, size=20) as client:
        app = client.sandbox_app
        before = app.requests_served
        assert list(client.list(status=impossible)) == []
        assert [page.items for page in client.pages(status=impossible[0])] == [[]]
        assert app.requests_served == before
        # Mixed with a status the vendor has, the impossible one is simply never matched.
        mixed = list(client.list(status=[possible, *impossible]))
        assert mixed and {c.status for c in mixed} == {possible}
        assert app.requests_served > before


@pytest.mark.parametrize("name", sorted(IMPOSSIBLE))
def test_the_async_client_follows_the_same_rule(name: str) -> None:
    app = create_app(name, size=5)

    async def run() -> list[Customer]:
        http = httpx.AsyncClient(transport=app.async_transport())
        async with custbridge.connect_async(name, http_client=http, **app.client_settings(app.base_url)) as client:
            found = [c async for c in client.list(status=IMPOSSIBLE[name][0])]
        await http.aclose()
        return found

    assert asyncio.run(run()) == []
    assert app.requests_served == 0
