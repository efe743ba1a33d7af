"""The whole conformance suite, run against the Acme sandbox: this is all a provider needs."""

from __future__ import annotations

from custbridge.testing import ProviderConformance


class TestAcmeConformance(ProviderConformance):
    provider = "acme"
