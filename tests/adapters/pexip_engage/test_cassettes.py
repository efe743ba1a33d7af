"""End-to-end replays of cassettes built from the documented examples, and a secret scan.

Replay-only (``--record-mode=none``). To re-record against a real enterprise, see the adapter
README: ``PEXIP_ENGAGE_RECORD=1`` makes these tests take settings from ``PEXIP_ENGAGE_*``.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

import custbridge
from custbridge import CustomerStatus, NotFoundError

from .conftest import CASSETTES, load

RECORDING = os.environ.get("PEXIP_ENGAGE_RECORD") == "1"
DEV_API = "https://api.development.pexipengage.com"
DEV_AUTH = "https://auth.development.pexipengage.com"
CUSTOMER_ID = os.environ.get("PEXIP_ENGAGE_CUSTOMER_ID", "1234") if RECORDING else "1234"


def _settings(**replay: Any) -> dict[str, Any]:
    """Replay settings, or (when re-recording) whatever PEXIP_ENGAGE_* says."""
    if RECORDING:
        return {"language": "en"}
    return {"enterprise": "acme", "base_url": DEV_API, "auth_url": DEV_AUTH, "language": "en", **replay}


@pytest.mark.vcr
def test_documented_customer_replays() -> None:
    with custbridge.connect("pexip_engage", **_settings(access_token="REDACTED")) as client:
        customer = client.get(CUSTOMER_ID)
    if RECORDING:
        return
    assert customer.key == "pexip_engage:123"  # the page's example answers id 1234 with id "123"
    assert customer.display_name == "Acme Corp"
    assert customer.email == "john.doe@pexip.com"
    assert customer.status is CustomerStatus.DELETED
    assert customer.deleted_at == datetime(2022, 8, 17, 19, 5, 21, 362000, tzinfo=UTC)
    assert customer.address is not None and customer.address.country == "BE"
    assert customer.address.language == "en"
    assert (customer.address.latitude, customer.address.longitude) == (51.0479466, 3.6912248)


@pytest.mark.vcr
def test_documented_not_found_replays() -> None:
    with custbridge.connect("pexip_engage", **_settings(access_token="REDACTED")) as client, \
            pytest.raises(NotFoundError) as info:
        client.get("0000")
    err = info.value
    assert err.status_code == 404
    if not RECORDING:
        assert (err.message, err.vendor_code) == ("string", "string")  # the page's placeholder values
        assert err.request_id  # our correlation id


@pytest.mark.vcr
def test_client_credentials_then_get_replays() -> None:
    with custbridge.connect(
        "pexip_engage", **_settings(client_id="custbridge-cassette", client_secret="REDACTED")
    ) as client:
        customer = client.get(CUSTOMER_ID)
    if not RECORDING:
        assert customer.id == "123"
        assert customer.number == "123456" and customer.external_id == "ABCD1234"


# --------------------------------------------------------------------------- hygiene

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def _cassettes() -> list[dict[str, Any]]:
    paths = sorted(CASSETTES.glob("*.yaml"))
    assert len(paths) >= 3
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths]


def test_cassettes_hold_no_secrets() -> None:
    for path in sorted(CASSETTES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert not _JWT.search(text), path.name
        assert "pexip-sandbox-secret" not in text, path.name
        for match in re.finditer(r"client_secret=([^&\s]*)", text):
            assert match.group(1) == "REDACTED", path.name
        for match in re.finditer(r'"(access_token|refresh_token|id_token)"\s*:\s*"([^"]*)"', text):
            assert match.group(2) == "REDACTED", path.name
        assert not re.search(r"Bearer\s+(?!REDACTED)\S", text), path.name
    for cassette in _cassettes():
        assert cassette["version"] == 1
        for interaction in cassette["interactions"]:
            for name, values in interaction["request"]["headers"].items():
                if name.lower() in ("authorization", "cookie", "proxy-authorization"):
                    assert values == ["REDACTED"]
            for name, values in interaction["response"]["headers"].items():
                if name.lower() == "set-cookie":
                    assert values == ["REDACTED"]


def test_cassettes_carry_the_documented_examples_verbatim() -> None:
    import json

    bodies = [
        json.loads(i["response"]["body"]["string"])
        for cassette in _cassettes()
        for i in cassette["interactions"]
        if "/customers/" in i["request"]["uri"]
    ]
    assert load("get_customer_200.json") in bodies
    assert load("get_customer_404.json") in bodies
