"""Handing a campaign's contacts back as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from phonebank.config import Config
from phonebank.db import reader, utc
from phonebank.errors import PhonebankError
from phonebank.models import Contact
from phonebank.tables import safe_cell

CHUNK = 5_000
HEADER = (
    "external_id",
    "first_name",
    "last_name",
    "phone",
    "state",
    "attempts",
    "last_outcome",
    "result_label",
    "result_at",
    "status",
)


def export_contacts(
    engine: Engine, config: Config, slug: str, out_path: Path | str
) -> int:
    """Write one CSV row per contact of the campaign; return the rows written."""
    config.campaign(slug)
    target = Path(out_path)
    if target.is_dir():
        raise PhonebankError(
            f"Error: {target} is a folder. Give a file name, like "
            f"{target / (slug + '.csv')}."
        )
    partial = target.with_name(target.name + ".part")

    # Written aside and moved into place when complete, so a failed export
    # never leaves half a list where the organizer expects the whole one.
    try:
        written = _write(engine, slug, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    os.replace(partial, target)
    return written


def _write(engine: Engine, slug: str, path: Path) -> int:
    """The CSV itself: UTF-8, a header, then the contacts chunk by chunk.

    The byte-order mark makes Excel read accented names right; every cell is
    quoted, so no spreadsheet guesses a cell's type.
    """
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, quoting=csv.QUOTE_ALL)
        writer.writerow(HEADER)
        for rows in _chunks(engine, slug, CHUNK):
            writer.writerows(_cells(row) for row in rows)
            written += len(rows)
    return written


def _chunks(
    engine: Engine, slug: str, size: int = CHUNK
) -> Iterator[Sequence[Row[Any]]]:
    """The campaign's contacts in id order, a chunk per short transaction."""
    # One transaction per chunk, not one long streaming read: on SQLite every
    # transaction begins IMMEDIATE (see db.py), so a long read would hold the
    # write lock and stall the dialer for the whole export.
    columns = [col(getattr(Contact, name)) for name in HEADER]
    after = 0
    while True:
        query = (
            select(col(Contact.id), *columns)
            .where(col(Contact.campaign) == slug, col(Contact.id) > after)
            .order_by(col(Contact.id))
            .limit(size)
        )
        with reader(engine).connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _cells(row: Row[Any]) -> list[str]:
    """One CSV row: times as ISO-8601 UTC, every cell neutralized."""
    # Every cell, the phone too: E.164's leading `+` makes Excel read the number
    # as a formula (and drop the `+`), and a contact's name like =HYPERLINK(...)
    # must not become a live link in the organizer's spreadsheet.
    values: list[Any] = list(row[1:])
    index = HEADER.index("result_at")
    at = utc(values[index])
    values[index] = at.isoformat() if at else ""
    return [safe_cell(value) for value in values]
