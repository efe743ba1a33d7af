"""The custbridge conformance suite against the Augno sandbox, in every flavour it speaks."""

from __future__ import annotations

from typing import Any, ClassVar

from custbridge.testing import ProviderConformance
from custbridge_augno.sandbox import AugnoSandbox


class _AugnoConformance(ProviderConformance):
    def test_max_items_stops_early(self) -> None:
        """One customer page, plus (current generation, no geolocation) one address-scan page."""
        app = self.make_app()
        assert isinstance(app, AugnoSandbox)
        with self.connect(app) as client:
            got = list(client.list(page_size=self.page_size, max_items=3, **self.list_filters))
        assert len(got) == 3 and all(c.billing_address is not None for c in got)
        assert app.requests_served - app.address_requests == 1
        assert app.address_requests == (0 if self.sandbox_options.get("generation") == "preview.1" else 1)


class TestAugnoConformance(_AugnoConformance):
    """Current generation: next_page_url links, edi_status, address type, street data completed."""

    provider = "augno"


class TestAugnoAprilPreviewConformance(_AugnoConformance):
    """April 2026 preview generation: next_cursor tokens, is_edi_enabled, is_drop_ship."""

    provider = "augno"
    sandbox_options: ClassVar[dict[str, Any]] = {"generation": "preview.1"}


class TestAugnoSdkIncludesConformance(_AugnoConformance):
    """A current server that takes the Go SDK's include values (the sandbox asks for them all)."""

    provider = "augno"
    sandbox_options: ClassVar[dict[str, Any]] = {"includes": "sdk"}


class TestOpenMRPConformance(_AugnoConformance):
    """The post-rename alias: host, headers and variables renamed, same adapter."""

    provider = "openmrp"
    connect_settings: ClassVar[dict[str, Any]] = {"include_style": "comma"}
