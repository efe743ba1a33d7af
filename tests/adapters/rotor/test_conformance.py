"""The provider conformance suite against the Rotor sandbox, once per payment-flag variant."""

from __future__ import annotations

from typing import Any, ClassVar

from custbridge.testing import ProviderConformance


class TestRotorConformance(ProviderConformance):
    """Default sandbox: ``has_payment_method``; archived customers are extra and hidden."""

    provider = "rotor"


class TestRotorConformanceAutoPayVariant(ProviderConformance):
    """The HTTP-page variant (``is_auto_pay``), listing with ``archived=True``."""

    provider = "rotor"
    size = 36
    sandbox_options: ClassVar[dict[str, Any]] = {"payment_flag": "is_auto_pay", "archived": 0}
    list_filters: ClassVar[dict[str, Any]] = {"archived": True}
