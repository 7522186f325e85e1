"""The organization-wide do-not-call list, managed from the CLI."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any, cast

from sqlalchemy import insert, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import col

from phonebank.columns import PHONE_HEADERS, phone_headers
from phonebank.contacts import CONTACTS, DO_NOT_CALL, batches, listed_numbers, serialize
from phonebank.db import session, utc
from phonebank.dialer import add_do_not_call
from phonebank.errors import ImportFileError, NotFound, PhonebankError, PhoneRejected
from phonebank.models import Contact, DoNotCall
from phonebank.phones import normalize
from phonebank.spool import RowReport
from phonebank.tables import Row, Table, header_key, open_table
from phonebank.values import parse_phone


@dataclass(frozen=True)
class Entry:
    phone: str
    reason: str
    source: str
    created_at: datetime | None


def _number(phone: str) -> str:
    try:
        return parse_phone(phone)
    except ValueError as exc:
        raise PhonebankError(
            f"Error: {exc}. Give the number with its area code."
        ) from None


def add(engine: Engine, phone: str, reason: str, now: datetime) -> bool:
    """Add a number; it leaves every campaign at once. False if already there."""
    with session(engine) as db:
        return add_do_not_call(db, _number(phone), reason, "cli", now)


def remove(engine: Engine, phone: str) -> int:
    """Take a number off the list; its contacts become callable again."""
    number = _number(phone)
    with session(engine) as db:
        row = db.get(DoNotCall, number)
        if row is None:
            raise NotFound(
                f"{phone} is not on the do-not-call list", "Check `dnc list`"
            )
        db.delete(row)
        result = db.execute(
            update(Contact)
            .where(col(Contact.phone) == number, col(Contact.status) == "dnc")
            .values(status="open")
        )
        return int(cast(CursorResult[Any], result).rowcount or 0)


def listing(engine: Engine) -> list[Entry]:
    with session(engine) as db:
        rows = (
            db.execute(select(DoNotCall).order_by(col(DoNotCall.created_at)))
            .scalars()
            .all()
        )
        return [Entry(r.phone, r.reason, r.source, utc(r.created_at)) for r in rows]


logger = logging.getLogger(__name__)


@dataclass
class DncReport(RowReport):
    """What a do-not-call import did. Every valid number of a row is listed,
    so `added + already_listed` counts numbers, not rows."""

    added: int = 0
    already_listed: int = 0
    contacts_marked: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "added": self.added,
            "already_listed": self.already_listed,
            "contacts_marked": self.contacts_marked,
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
        for batch in batches(rows, batch_size):
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
            report.reject(row.line, problem)
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
            report.warn(row.line, phone.warning)
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
        serialize(conn, "do-not-call")
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
