"""Re-recording really records (issue 11.6).

Runs the README's per-vendor command (``pytest tests/adapters/rotor -m vcr --record-mode=rewrite``)
for one cassette test in a child pytest, against the Rotor sandbox served on loopback and reached
through ``ROTOR_BASE_URL``, with ``ROTOR_CASSETTE_DIR`` pointing at a temporary folder (the
committed cassettes are never touched). Then checks that the new cassette holds the sandbox's
answer, holds no secret, and replays with the server gone.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import vcr as vcrpy
import yaml  # type: ignore[import-untyped]

import custbridge
from custbridge.sandbox import LoopbackServer, create_app
from custbridge.testing.vcr import cassette_config

from ._support import FAST
from .conftest import CASSETTES, ROOT

TEST = "test_get_customer_typescript_flavour"
SECRET = "rotor_rerec0rd_Th1sKeyMustNeverBeInACassette"


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.yaml"))}


def test_record_mode_rewrite_on_the_command_line_records_a_new_cassette(tmp_path: Path) -> None:
    committed = _digest(CASSETTES)
    app = create_app("rotor", size=5, api_key=SECRET)
    server = LoopbackServer(app).start()
    try:
        settings = server.settings()
        assert settings["api_key"] == SECRET
        with custbridge.connect("rotor", **settings, **FAST) as live:
            expected = next(iter(live.list()))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ROTOR_"))}
        env.update(
            ROTOR_API_KEY=SECRET,
            ROTOR_BASE_URL=settings["base_url"],
            ROTOR_CUSTOMER_ID=expected.id,
            ROTOR_CASSETTE_DIR=str(tmp_path),
        )
        child = subprocess.run(
            [sys.executable, "-m", "pytest", f"tests/adapters/rotor/test_cassettes.py::{TEST}",
             "-m", "vcr", "--record-mode=rewrite", "-p", "no:cacheprovider", "-q"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
        )
    finally:
        server.stop()
    assert child.returncode == 0, child.stdout[-3000:] + child.stderr[-3000:]
    assert "1 passed" in child.stdout, child.stdout[-3000:]  # recorded, not skipped

    cassette = tmp_path / f"{TEST}.yaml"
    assert cassette.exists(), sorted(p.name for p in tmp_path.iterdir())
    assert _digest(CASSETTES) == committed  # the committed cassettes are untouched

    # The cassette holds the sandbox's exchange, scrubbed.
    text = cassette.read_text(encoding="utf-8")
    assert SECRET not in text
    assert "rerec0rd" not in text
    data = yaml.safe_load(text)
    [interaction] = data["interactions"]
    assert interaction["request"]["uri"] == f"{settings['base_url']}/customers/{expected.id}"
    assert interaction["request"]["headers"]["x-api-key"] == ["REDACTED"]
    assert interaction["response"]["status"]["code"] == 200
    assert expected.id in interaction["response"]["body"]["string"]

    # It replays with the server gone, whatever key the replaying client holds.
    replay = vcrpy.VCR(record_mode="none", **{
        k: v for k, v in cassette_config().items() if k in ("match_on", "decode_compressed_response")
    })
    with replay.use_cassette(str(cassette)) as tape, custbridge.connect(
        "rotor", api_key="replay-key-not-sent-anywhere", base_url=settings["base_url"], **FAST
    ) as client:
        customer = client.get(expected.id)
    assert tape.all_played
    assert customer == expected


def test_the_config_leaves_the_record_mode_to_the_command_line() -> None:
    # pytest-recording lets vcr_config's record_mode beat --record-mode: it must not be there.
    assert "record_mode" not in cassette_config()
    assert "record_mode" not in cassette_config(secret_headers=["x-api-key"], secret_values=["k"])
