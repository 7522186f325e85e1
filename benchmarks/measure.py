"""Measuring helpers: a step in its own process with its peak memory, percentiles."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def in_child(module: str, args: list[str], log: Path) -> dict[str, Any]:
    """Run `python -m module args` and return the JSON line it printed last.

    stderr goes to `log`, so a chatty child cannot block on a full pipe.
    """
    command = [sys.executable, "-m", module, *args]
    with log.open("a", encoding="utf-8") as errors:
        done = subprocess.run(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-15:]
        raise RuntimeError(
            f"{' '.join(command[2:])} exited {done.returncode}:\n" + "\n".join(tail)
        )
    output: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return output


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started its program.

    Read from VmHWM, not getrusage: a child's ru_maxrss (RUSAGE_SELF, wait4 or
    RUSAGE_CHILDREN alike) starts from the pages it shared with its parent at
    fork, so a 70 MiB import under a 160 MiB parent would report 160 MiB.
    """
    return _status_mib("VmHWM")


def current_rss_mib() -> float:
    """This process's resident memory now."""
    return _status_mib("VmRSS")


def _status_mib(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status; memory figures need Linux")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` at or below."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
