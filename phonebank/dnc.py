"""The organization-wide do-not-call list, managed from the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import col

from phonebank.db import session, utc
from phonebank.dialer import add_do_not_call
from phonebank.errors import NotFound, PhonebankError
from phonebank.models import Contact, DoNotCall
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
