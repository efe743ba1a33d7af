"""The custbridge conformance suite against the Augno sandbox, in every flavour it speaks."""

from __future__ import annotations

from typing import Any, ClassVar

from custbridge.testing import ProviderConformance


class TestAugnoConformance(ProviderConformance):
    """Current generation: next_page_url links, edi_status, address type."""

    provider = "augno"


class TestAugnoAprilPreviewConformance(ProviderConformance):
    """April 2026 preview generation: next_cursor tokens, is_edi_enabled, is_drop_ship."""

    provider = "augno"
    sandbox_options: ClassVar[dict[str, Any]] = {"generation": "preview.1"}


class TestOpenMRPConformance(ProviderConformance):
    """The post-rename alias: host, headers and variables renamed, same adapter."""

    provider = "openmrp"
    connect_settings: ClassVar[dict[str, Any]] = {"include_style": "comma"}
