"""Print pip constraints pinning each runtime dependency to its declared lower bound.

``python .ci/lowest.py [EXTRA ...] > constraints.txt`` reads ``[project] dependencies`` (and the
named extras) from pyproject.toml; ``pkg>=1.2`` becomes ``pkg==1.2``. A dependency without a
lower bound is an error for ``[project] dependencies`` (every runtime dependency must declare one
that CI has tested); one in a named extra is left unpinned with a warning.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def lower_bounds(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = [(r, True) for r in project.get("dependencies", [])]
    for extra in extras:
        requirements += [(r, False) for r in project["optional-dependencies"][extra]]
    pins: dict[str, str] = {}
    for requirement, required in requirements:
        match = _REQ.match(requirement.split(";")[0])
        if match is None:
            raise SystemExit(f"cannot read requirement {requirement!r}")
        name, _, spec = match.groups()
        if name.lower() == project["name"]:
            continue  # a self-referencing extra such as custbridge[reporting]
        bound = re.search(r">=\s*([0-9][^,\s]*)", spec)
        if bound is None:
            if required:
                raise SystemExit(f"runtime dependency {requirement!r} declares no lower bound")
            print(f"warning: {requirement!r} declares no lower bound; left unpinned", file=sys.stderr)
            continue
        pins[name.lower()] = bound.group(1)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


if __name__ == "__main__":
    print("\n".join(lower_bounds(Path(__file__).resolve().parent.parent / "pyproject.toml", sys.argv[1:])))
