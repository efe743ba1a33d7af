"""Timing, memory and machine helpers shared by the benchmarks."""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from importlib import metadata

__all__ = ["interleaved", "machine", "median_ms", "rss_mb"]

_PACKAGES = ("custbridge", "httpx", "attrs", "cattrs", "orjson", "pydantic", "pydantic-core", "msgspec")


def interleaved(contenders: Mapping[str, Callable[[], object]], *, rounds: int, warmup: int = 3) -> dict[str, list[float]]:
    """Time every contender ``rounds`` times, one run of each per round, in seconds.

    Rounds interleave the contenders (in a rotating order) so that a busy neighbour on a
    shared machine slows them all alike instead of whichever happened to run then. The
    garbage of the previous run is collected before each run; the collector stays enabled
    during a run (allocating code pays for its collections, as it would in production).
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    gc.collect()
    gc.freeze()  # the setup heap (payloads, clients) is not re-scanned by every collection
    times: dict[str, list[float]] = {name: [] for name in names}
    try:
        for index in range(rounds):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                gc.collect()
                fn = contenders[name]
                started = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - started)
    finally:
        gc.unfreeze()
    return times


def median_ms(samples: list[float]) -> float:
    """Median of ``samples`` (seconds) in milliseconds."""
    return statistics.median(samples) * 1000.0


def rss_mb() -> tuple[float, float]:
    """``(current, peak)`` resident set size of this process in MiB (Linux ``/proc``)."""
    current = peak = 0.0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return current, peak


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    """What the numbers were measured on: CPU, cores, OS, Python and library versions."""
    versions = []
    for name in _PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    try:
        load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "libraries": ", ".join(versions),
        "load average (1/5/15 min) at start": load,
    }
