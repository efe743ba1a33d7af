"""Pexip Engage pages by offset: a deletion mid-list must not skip a live customer."""

from __future__ import annotations

import pytest

from custbridge import sandbox


@pytest.mark.parametrize("deleted", [1, 3])
def test_deletion_on_a_page_already_read_skips_no_live_customer(deleted: int) -> None:
    app = sandbox.create_app("pexip_engage", size=40, seed=3)
    with sandbox.connect("pexip_engage", app=app, backoff=0) as client:
        seen: list[str] = []
        for customer in client.list(page_size=10):
            seen.append(customer.id)
            if len(seen) == 10:  # page 1 read: delete some of it, shifting later pages back
                for gone in seen[:deleted]:
                    del app.customers[gone]
        live = set(app.customers)
    assert live <= set(seen), f"skipped {sorted(live - set(seen))}"
    assert len(seen) == len(set(seen))
