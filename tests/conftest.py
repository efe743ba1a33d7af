"""Session-wide canary secrets.

A canary API key, token and client secret are put in the environment for the whole test
session, for every secret setting every installed provider declares. Every log record emitted
during the session is scanned for them (and the scan fails the session if one leaks);
``tests/core/test_secrets.py`` also scans exceptions, reprs, cassettes and report output.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

CANARY_PREFIX = "cbCANARY"


def _secret_envs() -> dict[str, str]:
    import custbridge
    from custbridge.registry import provider_class

    envs: dict[str, str] = {}
    for name in custbridge.providers():
        try:
            cls = provider_class(name)
        except custbridge.CustbridgeError:
            continue
        for setting in cls.settings_spec:
            if setting.secret and setting.env:
                envs[setting.env] = f"{CANARY_PREFIX}_{setting.env.lower()}_7d1f0c"
    return envs


CANARIES = _secret_envs()


class _LeakScanner(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken log call is not a leak
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1]) + " " + str(record.exc_info[1])
        if CANARY_PREFIX in text:
            self.leaks.append(f"{record.name}: {text[:200]}")


SCANNER = _LeakScanner()


@pytest.fixture(scope="session", autouse=True)
def canary_secrets(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    saved = {k: os.environ.get(k) for k in CANARIES}
    if request.config.getoption("--record-mode", None) in (None, "none"):
        os.environ.update(CANARIES)
    else:
        # Re-recording (--record-mode=rewrite ...): the real credentials the caller put in the
        # environment must reach the vendor; canaries only fill the variables left unset.
        os.environ.update({k: v for k, v in CANARIES.items() if not os.environ.get(k)})
    logger = logging.getLogger("custbridge")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(SCANNER)
    yield CANARIES
    logger.removeHandler(SCANNER)
    logger.setLevel(old_level)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    assert not SCANNER.leaks, f"canary secrets leaked into logs: {SCANNER.leaks[:5]}"
