"""Every README snippet marked ``<!-- readme-test: run -->`` runs, unmodified, as a script.

The simulators of the built-in providers are served on loopback and each provider's settings
are put in its environment variables, so the snippets connect exactly as they would to the
real vendors. Every ``python`` block must carry a marker (``run`` or ``skip (reason)``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import custbridge
from custbridge.registry import provider_class
from custbridge.sandbox import LoopbackServer, create_app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_BLOCK = re.compile(
    r"^[ \t]*<!-- readme-test: (?P<mode>run|skip[^>]*) -->\n[ \t]*```(?P<lang>\w+)\n(?P<body>.*?)^[ \t]*```",
    re.S | re.M,
)
SERVED = ("rotor", "augno", "pexip_engage")


def _blocks() -> list[tuple[str, str, str, int]]:
    text = README.read_text(encoding="utf-8")
    return [
        (m.group("mode"), m.group("lang"), m.group("body"), text.count("\n", 0, m.start()) + 2)
        for m in _BLOCK.finditer(text)
    ]


RUNNABLE = [(lang, body, line) for mode, lang, body, line in _blocks() if mode == "run"]


def test_every_python_block_is_marked() -> None:
    text = README.read_text(encoding="utf-8")
    fences = len(re.findall(r"^[ \t]*```python$", text, re.M))
    marked = sum(1 for _, lang, _, _ in _blocks() if lang == "python")
    assert fences == marked, "mark each README python block with <!-- readme-test: run --> or skip (reason)"
    assert len(RUNNABLE) >= 6


@pytest.fixture(scope="module")
def vendor_env() -> Iterator[dict[str, str]]:
    """The providers' environment variables pointing at loopback simulators."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROTOR_", "AUGNO_", "OPENMRP_", "PEXIP_"))}
    servers = []
    try:
        for name in SERVED:
            server = LoopbackServer(create_app(name, size=30, seed=3)).start()
            servers.append(server)
            spec = {s.name: s for s in provider_class(name).settings_spec}
            for key, value in server.settings().items():
                if spec[key].env and value is not None:
                    env[spec[key].env] = value if isinstance(value, str) else ",".join(value)
        yield env
    finally:
        for server in servers:
            server.stop()


@pytest.mark.parametrize(("lang", "body", "line"), RUNNABLE, ids=[f"README.md:{r[2]}" for r in RUNNABLE])
def test_readme_snippet_runs(lang: str, body: str, line: int, vendor_env: dict[str, str], tmp_path: Path) -> None:
    env = {**vendor_env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{vendor_env.get('PATH', '')}"}
    if lang == "python":
        script = tmp_path / "snippet.py"
        script.write_text(body, encoding="utf-8")
        command = [sys.executable, str(script)]
    else:
        assert lang == "sh", lang
        command = ["bash", "-euo", "pipefail", "-c", body]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"README.md:{line}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    if "custbridge schema" in body:
        written = json.loads((tmp_path / "customer.schema.json").read_text(encoding="utf-8"))
        assert written == custbridge.customer_json_schema()
    elif lang == "python":
        assert result.stdout.strip(), "every snippet shows something"
