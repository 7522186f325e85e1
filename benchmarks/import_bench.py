"""Import speed and memory: `import_contacts` on a million-row VAN-shaped file.

One run writes the file (and its first tenth as a second file) into a temp
folder, then measures each step in a process of its own so that its peak
memory is its alone:

- idle: the same imports, config and engine, and no rows (the memory floor);
- csv: a plain `csv.reader` pass over the big file (the speed baseline);
- import of the small file, then of the big one, each into a fresh SQLite file,
  the way `phonebank import` calls it (script fields required, rejects file,
  a progress callback, which here reads the resident memory at every batch);
- import of a 100,000-row file whose every number is a spreadsheet float
  (2025550143.0), so that every row imports with a warning.

Speed is reported against the csv pass; memory as the peak of the 1M-row
process against the peak of the 100k-row one, and as resident memory after
the first and the last tenth of one file. The peak alone can hide growth: the
first ZIP lookup loads a table with a transient peak near 125 MiB that a
small import never climbs past. Nothing is timed against a fixed limit; the
import's counts are checked against the counts the file was written with.

    python -m benchmarks.import_bench --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import vanfile
from benchmarks.measure import current_rss_mib, in_child, peak_rss_mib

ROWS = 1_000_000
# Every row of this file warns (its numbers are spreadsheet floats), to show
# what the import holds per warning; a tenth of it is measured too.
WARNED_ROWS = 100_000
MODULE = "benchmarks.import_bench"

if TYPE_CHECKING:
    from phonebank.config import Campaign, Config


def run(rows: int = ROWS, warned_rows: int = WARNED_ROWS) -> dict[str, Any]:
    """Write the files, measure every step, and return the figures."""
    first = max(rows // 10, 1)
    with tempfile.TemporaryDirectory(prefix="phonebank-bench-") as tmp:
        folder = Path(tmp)
        big, small = folder / f"van-{rows}.csv", folder / f"van-{first}.csv"
        whole, start = vanfile.write_files(rows, big, small, first)
        warned_file = folder / f"warned-{warned_rows}.csv"
        all_warn, _ = vanfile.write_files(warned_rows, warned_file, excel_share=1.0)
        size = big.stat().st_size

        idle = _step("idle", big, folder)
        baseline = _step("csv", big, folder)
        at_first = _imported(small, start, folder)
        at_rows = _imported(big, whole, folder)
        warned = _imported(warned_file, all_warn, folder)

    along, warned_along = at_rows["rss_mib_by_tenth"], warned["rss_mib_by_tenth"]
    return {
        "rows": rows,
        "first_rows": first,
        "file_mib": round(size / 2**20, 1),
        "idle": idle,
        "csv": baseline,
        "import_first": at_first,
        "import": at_rows,
        "import_vs_csv": at_rows["rows_per_s"] / baseline["rows_per_s"],
        "peak_ratio": at_rows["max_rss_mib"] / at_first["max_rss_mib"],
        "along_ratio": along[-1] / along[0],
        "warned": warned,
        "warned_rows": warned_rows,
        "warned_along_ratio": warned_along[-1] / warned_along[0],
        "bytes_per_warned_row": round(
            (warned_along[-1] - warned_along[0]) * 2**20 / (0.9 * warned_rows)
        ),
    }


def _imported(file: Path, expected: vanfile.Expected, folder: Path) -> dict[str, Any]:
    figures = _step("import", file, folder)
    _check(figures["report"], expected, file)
    return figures


def _step(step: str, file: Path, folder: Path) -> dict[str, Any]:
    args = ["--step", step, "--file", str(file), "--folder", str(folder)]
    return in_child(MODULE, args, folder / "steps.log")


def _check(report: dict[str, int], expected: vanfile.Expected, file: Path) -> None:
    """Stop when the import's counts differ from what the file was written with."""
    wanted = {
        "rows": expected.rows,
        "imported": expected.imported,
        "duplicates": expected.duplicates,
        "suppressed": 0,
        "rejected": expected.rejected,
    }
    counted = {key: report[key] for key in wanted}
    if counted != wanted or report["warnings"] < expected.warned:
        raise SystemExit(
            f"Error: the import of {file.name} reported {report}, but the file holds "
            f"{wanted} and {expected.warned} rows that warn. Fix the import (or the "
            "generator) before reading any speed."
        )


def lines(result: dict[str, Any]) -> list[str]:
    """The figures as a short table."""
    rows, first = result["rows"], result["first_rows"]
    csv_pass, imported, warned = result["csv"], result["import"], result["warned"]
    peak = {
        "idle": result["idle"]["max_rss_mib"],
        f"{first:,} rows": result["import_first"]["max_rss_mib"],
        f"{rows:,} rows": imported["max_rss_mib"],
    }
    along = imported["rss_mib_by_tenth"]
    warned_along = warned["rss_mib_by_tenth"]
    return [
        f"contact import, {rows:,} rows ({result['file_mib']} MiB file)",
        f"  csv.reader baseline       {csv_pass['rows_per_s']:>12,.0f} rows/s",
        f"  import_contacts           {imported['rows_per_s']:>12,.0f} rows/s"
        f"  ({imported['seconds']:.0f} s)",
        f"  import / baseline         {result['import_vs_csv']:>12.4f}",
        "  report: {imported:,} imported, {duplicates:,} duplicates, "
        "{rejected:,} rejected, {warnings:,} warnings".format(**imported["report"]),
        *(f"  peak RSS, {name:<16}{mib:>12.1f} MiB" for name, mib in peak.items()),
        f"  peak RSS {rows:,} / {first:,} rows: {result['peak_ratio']:.3f}",
        f"  RSS along the {rows:,}-row import, by tenth: "
        f"{along[0]:.0f} -> {along[-1]:.0f} MiB (x{result['along_ratio']:.3f})",
        f"  every row warned, {result['warned_rows']:,} rows: RSS "
        f"{warned_along[0]:.0f} -> {warned_along[-1]:.0f} MiB "
        f"(x{result['warned_along_ratio']:.2f}, "
        f"{result['bytes_per_warned_row']} bytes per warned row)",
    ]


# In the child process -----------------------------------------------------


def _child(step: str, file: Path, folder: Path) -> dict[str, Any]:
    """One measured step; its figures are printed as one JSON line."""
    if step == "csv":
        return _csv_pass(file)

    from phonebank import contacts, db, scripts

    config, campaign = _config(folder, file.stem)
    engine = db.make_engine(config.database_url)
    needed = scripts.required_fields(config, campaign)
    if step == "idle":
        return {"seconds": 0.0, "rows": 0}

    resident = _Resident()
    started = time.perf_counter()
    report = contacts.import_contacts(
        engine,
        config,
        campaign,
        file,
        required_fields=needed,
        rejects_path=folder / f"{file.stem}-rejects.csv",
        progress=resident.note,
        now=datetime.now(UTC),
    )
    seconds = time.perf_counter() - started
    counts = {
        "rows": report.rows,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "suppressed": report.suppressed,
        "rejected": len(report.rejected),
        "warnings": len(report.warnings),
    }
    return {
        "seconds": seconds,
        "rows_per_s": report.rows / seconds,
        "report": counts,
        "rss_mib_by_tenth": resident.by_tenth(),
    }


class _Resident:
    """Resident memory as the import goes, read at each batch's progress call
    (as the CLI's progress bar is called), for memory along one file."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []

    def note(self, position: int, size: int) -> None:
        self.samples.append((position / max(size, 1), current_rss_mib()))

    def by_tenth(self) -> list[float]:
        """RSS once 10%, 20%, ... 100% of the file's bytes were read."""
        tenths = []
        for tenth in range(1, 11):
            reached = [mib for share, mib in self.samples if share >= tenth / 10]
            tenths.append(round(reached[0] if reached else math.nan, 1))
        return tenths


def _csv_pass(file: Path) -> dict[str, Any]:
    started = time.perf_counter()
    with file.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        next(reader)
        rows = sum(1 for _ in reader)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "rows_per_s": rows / seconds}


def _config(folder: Path, name: str) -> tuple[Config, Campaign]:
    """The tests' example campaign (script included), on a SQLite file of its own."""
    from phonebank import config
    from tests.conftest import settings_dict, write_config

    url = f"sqlite:///{folder / name}.db"
    loaded = config.load(write_config(folder, settings_dict(database_url=url)))
    return loaded, loaded.campaigns[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="rows in the big file")
    parser.add_argument(
        "--warned-rows", type=int, default=WARNED_ROWS, help="rows that all warn"
    )
    parser.add_argument("--step", choices=("idle", "csv", "import"), help="internal")
    parser.add_argument("--file", type=Path, help="internal")
    parser.add_argument("--folder", type=Path, help="internal")
    args = parser.parse_args()
    if args.step:
        figures = _child(args.step, args.file, args.folder)
        print(json.dumps({**figures, "max_rss_mib": round(peak_rss_mib(), 1)}))
        return
    for line in lines(run(args.rows, args.warned_rows)):
        print(line)


if __name__ == "__main__":
    main()
