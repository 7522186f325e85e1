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
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from phonebank.columns import (
    PHONE_HEADERS,
    Layout,
    blank_required,
    build_layout,
    check_required,
    phone_headers,
    read_contact,
)
from phonebank.config import Campaign, Config
from phonebank.errors import ImportFileError, PhoneRejected
from phonebank.models import Contact, DoNotCall
from phonebank.phones import normalize
from phonebank.tables import RejectsFile, Row, Table, header_key, open_table

logger = logging.getLogger(__name__)

CONTACTS = Contact.__table__  # type: ignore[attr-defined]
DO_NOT_CALL = DoNotCall.__table__  # type: ignore[attr-defined]


@dataclass
class ImportReport:
    """What an import did with every row; rows == imported + duplicates +
    suppressed + len(rejected)."""

    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    suppressed: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append({"line": line, "reason": reason})

    def warn(self, line: int, message: str) -> None:
        self.warnings.append({"line": line, "message": message})

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "suppressed": self.suppressed,
            "rejected": list(self.rejected),
            "warnings": list(self.warnings),
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
            for batch in _batches(table, batch_size):
                ready = _read_batch(batch, layout, country, required, report, rejects)
                _store(engine, settings.slug, ready, report, seen, dry_run)
                if progress:
                    progress(table.position, table.size)
        if progress:
            progress(table.size, table.size)

    logger.info(
        "%s %d of %d rows into %s: %d duplicates, %d do-not-call, %d rejected",
        "checked (dry run)" if dry_run else "imported", report.imported,
        report.rows, settings.slug, report.duplicates, report.suppressed,
        len(report.rejected),
    )  # fmt: skip
    return report


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
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
    # Known race: on PostgreSQL two simultaneous imports of one number both pass
    # this check and the unique constraint fails the later batch (SQLite's BEGIN
    # IMMEDIATE serializes them); ON CONFLICT DO NOTHING per dialect would fix it.
    with engine.begin() as conn:
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


@dataclass
class DncReport:
    """What a do-not-call import did. Every valid number of a row is listed,
    so `added + already_listed` counts numbers, not rows."""

    rows: int = 0
    added: int = 0
    already_listed: int = 0
    contacts_marked: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "added": self.added,
            "already_listed": self.already_listed,
            "contacts_marked": self.contacts_marked,
            "rejected": list(self.rejected),
            "warnings": list(self.warnings),
        }


def import_dnc(
    engine: Engine,
    path: str | Path,
    *,
    source: str,
    now: datetime,
    country: str = "US",
    batch_size: int = 1000,
    delimiter: str | None = None,
) -> DncReport:
    """Add a file's numbers to the do-not-call list; their open contacts in
    every campaign stop being called.

    Every number in every phone column of a row is listed: a person who asked
    not to be called asked it of all their numbers. A file with one column of
    any name is read as a list of numbers, its first line too if it is one.
    """
    report = DncReport()
    with open_table(path, delimiter=delimiter) as table:
        phones = phone_headers(table.headers)
        if not phones and len(table.headers) == 1:
            phones = list(table.headers)
        if not phones:
            raise ImportFileError(
                str(path),
                f"no phone column among the headers ({', '.join(table.headers)})",
                f"Name the column one of: {PHONE_HEADERS}.",
            )
        reasons = [h for h in table.headers if header_key(h) in ("reason", "notes")]
        rows = chain(_headerless(table, phones, country), table)
        for batch in _batches(rows, batch_size):
            listed = _dnc_numbers(batch, phones, reasons[:1], country, report)
            _store_dnc(engine, listed, source, now, report)

    logger.info(
        "do-not-call import from %s: %d numbers added, %d already listed, "
        "%d contacts marked, %d rows rejected",
        path, report.added, report.already_listed, report.contacts_marked,
        len(report.rejected),
    )  # fmt: skip
    return report


def _headerless(table: Table, phones: list[str], country: str) -> Iterator[Row]:
    """The header line itself, when a one-column list has no header."""
    if len(table.headers) == 1:
        try:
            normalize(table.headers[0], country)
        except PhoneRejected:
            return
        yield Row(table.header_line, {phones[0]: table.headers[0]})


def _dnc_numbers(
    batch: list[Row],
    phones: list[str],
    reasons: list[str],
    country: str,
    report: DncReport,
) -> dict[str, str]:
    """The batch's numbers with the reason given for each."""
    listed: dict[str, str] = {}
    for row in batch:
        report.rows += 1
        numbers, problem = _row_numbers(row, phones, country, report)
        if not numbers:
            report.rejected.append({"line": row.line, "reason": problem})
        reason = row.values.get(reasons[0], "") if reasons else ""
        for number in numbers:
            if number in listed:
                report.already_listed += 1
            listed[number] = reason or listed.get(number, "")
    return listed


def _row_numbers(
    row: Row, phones: list[str], country: str, report: DncReport
) -> tuple[list[str], str]:
    if row.problem:
        return [], row.problem
    numbers, problem = [], f"no phone number in {', '.join(phones)}"
    for header in phones:
        if not row.values.get(header, "").strip():
            continue
        try:
            phone = normalize(row.values[header], country)
        except PhoneRejected as exc:
            problem = f"{header}: {exc.reason}"
            continue
        numbers.append(phone.e164)
        if phone.warning:
            report.warnings.append({"line": row.line, "message": phone.warning})
    return numbers, problem


def _store_dnc(
    engine: Engine,
    listed: dict[str, str],
    source: str,
    now: datetime,
    report: DncReport,
) -> None:
    numbers = set(listed)
    with engine.begin() as conn:
        known = listed_numbers(conn, numbers)
        fresh = [
            {"phone": n, "reason": r, "source": source, "created_at": now}
            for n, r in listed.items()
            if n not in known
        ]
        if fresh:
            conn.execute(insert(DO_NOT_CALL), fresh)
        if numbers:
            marked = conn.execute(
                update(CONTACTS)
                .where(CONTACTS.c.phone.in_(numbers), CONTACTS.c.status == "open")
                .values(status="dnc", next_attempt_at=None)
            )
            report.contacts_marked += marked.rowcount or 0
    report.added += len(fresh)
    report.already_listed += len(known)
