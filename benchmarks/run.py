"""Run both benchmarks, print their tables, write benchmarks/out/results.json.

python -m benchmarks.run                 # what `make bench` runs: 1M rows
python -m benchmarks.run --rows 100000   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import import_bench, webhook_bench

OUT = Path(__file__).resolve().parent / "out" / "results.json"


def main() -> None:
    default = webhook_bench.Load()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=import_bench.ROWS)
    parser.add_argument("--warned-rows", type=int, default=import_bench.WARNED_ROWS)
    parser.add_argument("--contacts", type=int, default=default.contacts)
    parser.add_argument("--volunteers", type=int, default=default.volunteers)
    parser.add_argument("--loops", type=int, default=default.loops)
    parser.add_argument("--pause", type=float, default=default.pause)
    parser.add_argument("--skip", choices=("import", "webhooks"))
    args = parser.parse_args()

    results: dict[str, Any] = {"machine": _machine()}
    if args.skip != "import":
        results["import"] = import_bench.run(args.rows, args.warned_rows)
        _show(import_bench.lines(results["import"]))
    if args.skip != "webhooks":
        load = webhook_bench.Load(
            args.contacts, args.volunteers, args.loops, args.pause
        )
        results["webhooks"] = webhook_bench.run(load)
        _show(webhook_bench.lines(results["webhooks"]))

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


def _show(lines: list[str]) -> None:
    print("\n".join(lines), end="\n\n", flush=True)


def _machine() -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    main()
