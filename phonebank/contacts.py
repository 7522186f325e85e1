"""Importing contact files: header mapping, rows to contacts, the import report.

A file is read as its exporter wrote it (`tables.py`), its columns mapped by
the names VAN/EveryAction, Action Network, Mobilize, NationBuilder and plain
spreadsheets use, and streamed into the database in batches, so a million
rows import in flat memory. One contact per number per campaign: a number
seen before, in the file or in an earlier import, is counted, not inserted.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text

from phonebank.columns import (
    Layout,
    blank_required,
    build_layout,
    check_required,
    read_contact,
)
from phonebank.config import Campaign, Config
from phonebank.errors import PhoneRejected
from phonebank.models import Contact, DoNotCall
from phonebank.spool import RowReport
from phonebank.tables import RejectsFile, Row, open_table

logger = logging.getLogger(__name__)

CONTACTS = Contact.__table__  # type: ignore[attr-defined]
DO_NOT_CALL = DoNotCall.__table__  # type: ignore[attr-defined]


@dataclass
class ImportReport(RowReport):
    """What an import did with every row; rows == imported + duplicates +
    suppressed + len(rejected)."""

    imported: int = 0
    duplicates: int = 0
    suppressed: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "suppressed": self.suppressed,
        }


@dataclass
class _Candidate:
    """A row that has a usable number, waiting for its batch's checks."""

    line: int
    values: dict[str, Any]
    warnings: list[str]


def import_contacts(
    engine: Engine,
    config: Config,
    campaign: str | Campaign,
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    rejects_path: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    required_fields: Iterable[str] = frozenset(),
    batch_size: int = 1000,
    now: datetime,
    delimiter: str | None = None,
) -> ImportReport:
    """Import a contact file into a campaign and report on every row.

    `required_fields` are the fields the campaign's script uses; a file with
    no column for one is refused before anything is written. `dry_run` checks
    everything, duplicates against the database included, and writes no
    contact (the rejects file is still written, to fix before importing).
    `now` is unused: a contact row has no import time to stamp yet.
    """
    settings = campaign if isinstance(campaign, Campaign) else config.campaign(campaign)
    country = settings.contacts.country
    report = ImportReport()
    logger.info("importing %s into campaign %s", path, settings.slug)

    with open_table(path, delimiter=delimiter) as table:
        layout = build_layout(table.headers, mapping or {}, str(path))
        required = set(required_fields)
        check_required(layout, required, table.headers, str(path))
        with (
            RejectsFile(rejects_path, table.headers) as rejects,
            _Seen(dry_run) as seen,
        ):
            for batch in batches(table, batch_size):
                ready = _read_batch(batch, layout, country, required, report, rejects)
                _store(engine, settings.slug, ready, report, seen, dry_run)
                if progress:
                    progress(table.position, table.size)
        if progress:
            progress(table.size, table.size)
    if report.rows == 0:
        report.warn(1, "the file has a header but no contacts; is it the right file?")

    logger.info(
        "%s %d of %d rows into %s: %d duplicates, %d do-not-call, %d rejected",
        "checked (dry run)" if dry_run else "imported", report.imported,
        report.rows, settings.slug, report.duplicates, report.suppressed,
        len(report.rejected),
    )  # fmt: skip
    return report


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _read_batch(
    batch: list[Row],
    layout: Layout,
    country: str,
    required: set[str],
    report: ImportReport,
    rejects: RejectsFile,
) -> list[_Candidate]:
    """Rows with a usable number; the others rejected on the spot."""
    ready: list[_Candidate] = []
    for row in batch:
        report.rows += 1
        try:
            if row.problem:
                raise PhoneRejected(row.problem)
            values, warnings = read_contact(row, layout, country)
        except PhoneRejected as exc:
            report.reject(row.line, exc.reason)
            rejects.write(row, exc.reason)
            continue
        warnings += blank_required(values, required)
        ready.append(_Candidate(row.line, values, warnings))
    return ready


def _store(
    engine: Engine,
    campaign: str,
    ready: list[_Candidate],
    report: ImportReport,
    seen: _Seen,
    dry_run: bool,
) -> None:
    """Insert the batch's new numbers; count the known and do-not-call ones."""
    numbers = {c.values["phone"] for c in ready}
    with engine.begin() as conn:
        serialize(conn, f"import:{campaign}")
        blocked = listed_numbers(conn, numbers)
        taken = _existing(conn, campaign, numbers) | seen.among(numbers)
        fresh: list[dict[str, Any]] = []
        for candidate in ready:
            phone = candidate.values["phone"]
            if phone in blocked:
                report.suppressed += 1
            elif phone in taken:
                report.duplicates += 1
            else:
                taken.add(phone)
                fresh.append({**candidate.values, "campaign": campaign})
                report.imported += 1
                for message in candidate.warnings:
                    report.warn(candidate.line, message)
        if fresh and not dry_run:
            conn.execute(insert(CONTACTS), fresh)
    seen.add(c["phone"] for c in fresh)
    logger.debug("batch: %d new contacts of %d rows", len(fresh), len(ready))


def serialize(conn: Connection, name: str) -> None:
    """One batch at a time per name, so two imports never insert one number twice.

    SQLite's BEGIN IMMEDIATE already serializes writers; PostgreSQL needs a
    transaction-scoped advisory lock for the check-then-insert to hold.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name}
        )


def _existing(conn: Connection, campaign: str, numbers: set[str]) -> set[str]:
    if not numbers:
        return set()
    query = select(CONTACTS.c.phone).where(
        CONTACTS.c.campaign == campaign, CONTACTS.c.phone.in_(numbers)
    )
    return set(conn.scalars(query))


def listed_numbers(conn: Connection, numbers: set[str]) -> set[str]:
    """Which of these numbers are on the do-not-call list."""
    if not numbers:
        return set()
    query = select(DO_NOT_CALL.c.phone).where(DO_NOT_CALL.c.phone.in_(numbers))
    return set(conn.scalars(query))


class _Seen:
    """Numbers a dry run would have inserted, kept in a throwaway on-disk
    SQLite database (never a Python set) so memory stays flat.

    A real import needs none of this: its inserts are in the database itself.
    """

    def __init__(self, active: bool) -> None:
        self._db = sqlite3.connect("") if active else None  # "" = temporary file
        if self._db:
            self._db.execute("CREATE TABLE seen (phone TEXT PRIMARY KEY)")

    def among(self, numbers: set[str]) -> set[str]:
        if not self._db or not numbers:
            return set()
        marks = ",".join("?" * len(numbers))
        query = f"SELECT phone FROM seen WHERE phone IN ({marks})"
        return {phone for (phone,) in self._db.execute(query, sorted(numbers))}

    def add(self, numbers: Iterable[str]) -> None:
        if self._db:
            rows = [(n,) for n in numbers]
            self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", rows)

    def __enter__(self) -> _Seen:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._db:
            self._db.close()
