"""The shared provider conformance suite, run against the Pexip Engage sandbox."""

from __future__ import annotations

from custbridge.testing import ProviderConformance


class TestPexipEngageConformance(ProviderConformance):
    provider = "pexip_engage"


class TestPexipEngageConformanceInFrench(ProviderConformance):
    """Same suite with a preferred language (Accept-Language and translated addresses)."""

    provider = "pexip_engage"
    connect_settings = {"language": "fr"}
