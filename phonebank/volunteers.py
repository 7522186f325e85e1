"""Volunteers: the roster, PINs (stored hashed), call-sheet links, lockouts."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from phonebank.config import Config, VolunteerEntry
from phonebank.db import reading, session, utc
from phonebank.errors import NotFound, PhonebankError
from phonebank.models import PinFailure, Secret, Volunteer
from phonebank.phones import mask
from phonebank.values import parse_phone

log = logging.getLogger(__name__)


class PinTaken(PhonebankError):
    exit_code = 2

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Error: that PIN is already used by another volunteer (adding {name}). "
            "Choose a different PIN; a PIN alone identifies a volunteer."
        )


class VolunteerExists(PhonebankError):
    exit_code = 2


def _pin_key(engine: Engine) -> bytes:
    """The server's key for PIN hashes, made the first time it is needed."""
    with reading(engine) as db:
        row = db.get(Secret, "pin_key")
    if row is None:
        with session(engine) as db:
            row = db.get(Secret, "pin_key") or Secret(
                name="pin_key", value=secrets.token_hex(32)
            )
            db.add(row)
    return bytes.fromhex(row.value)


def hash_pin(engine: Engine, pin: str) -> str:
    """A keyed hash: a volunteer is found by PIN alone, yet no PIN is stored.

    A salted slow hash would force checking every volunteer on each check-in;
    a server-held key keeps the lookup one indexed read, and the lockout
    limits guessing over the phone.
    """
    digest = hmac.new(_pin_key(engine), pin.encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256${digest}"


@dataclass(frozen=True)
class VolunteerView:
    id: int
    name: str
    phone: str
    call_me: bool
    sheet_url: str


def _view(volunteer: Volunteer, public_url: str) -> VolunteerView:
    assert volunteer.id is not None
    return VolunteerView(
        id=volunteer.id,
        name=volunteer.name,
        phone=volunteer.phone,
        call_me=volunteer.call_me,
        sheet_url=f"{public_url}/sheet/{volunteer.token}",
    )


def add(
    engine: Engine, config: Config, entry: VolunteerEntry, replace: bool = False
) -> VolunteerView:
    """Add a volunteer (or update one with the same phone when `replace`)."""
    pin_hash = hash_pin(engine, entry.pin)
    with session(engine) as db:
        holder = (
            db.execute(select(Volunteer).where(col(Volunteer.pin_hash) == pin_hash))
            .scalars()
            .first()
        )
        if holder is not None and holder.phone != entry.phone:
            raise PinTaken(entry.name)
        existing = (
            db.execute(select(Volunteer).where(col(Volunteer.phone) == entry.phone))
            .scalars()
            .first()
        )
        if existing is not None and not replace:
            raise VolunteerExists(
                f"Error: a volunteer with phone {entry.phone} exists "
                f"({existing.name}). Remove them first, or use a different phone."
            )
        volunteer = existing or Volunteer(
            name=entry.name,
            phone=entry.phone,
            pin_hash=pin_hash,
            token=secrets.token_urlsafe(18),
        )
        volunteer.name, volunteer.pin_hash = entry.name, pin_hash
        volunteer.call_me, volunteer.active = entry.call_me, True
        db.add(volunteer)
        db.flush()
        return _view(volunteer, config.settings.public_url)


def sync_roster(engine: Engine, config: Config) -> int:
    """Load the volunteers named in the config (inline and roster CSV)."""
    entries = list(config.settings.volunteers)
    if config.settings.roster:
        entries += list(read_roster(config.base / config.settings.roster))
    for entry in entries:
        add(engine, config, entry, replace=True)
    return len(entries)


def read_roster(path: Path) -> list[VolunteerEntry]:
    """Volunteers from a CSV with name, phone, pin and optional call_me columns;
    every bad row is reported at once."""
    entries, problems = roster_entries(path)
    if problems:
        raise PhonebankError(
            f"Error: {len(problems)} bad rows in {path}: {'; '.join(problems)}. "
            "Fix them and retry."
        )
    return entries


def roster_entries(path: Path) -> tuple[list[VolunteerEntry], list[str]]:
    """The valid volunteers of a roster file, and a problem per bad row."""
    from phonebank.config_reading import describe
    from phonebank.tables import open_table

    entries, problems = [], []
    with open_table(path) as table:
        for line, row in table.rows():
            lowered = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
            given = {
                "name": lowered.get("name", ""),
                "phone": lowered.get("phone", ""),
                "pin": lowered.get("pin", ""),
                "call_me": _yes_no(lowered.get("call_me", "")),
            }
            try:
                entries.append(VolunteerEntry.model_validate(given))
            except ValidationError as exc:
                problems.append(f"line {line}: {', '.join(describe(exc, given))}")
    return entries, problems


def _yes_no(text: str) -> bool | str:
    """A roster's call_me cell; anything unclear is left for validation to refuse."""
    answers = {
        "": False,
        "0": False,
        "no": False,
        "false": False,
        "1": True,
        "yes": True,
        "true": True,
    }
    return answers.get(text.strip().lower(), text)


def listing(engine: Engine, config: Config) -> list[VolunteerView]:
    with reading(engine) as db:
        rows = (
            db.execute(
                select(Volunteer)
                .where(col(Volunteer.active))
                .order_by(col(Volunteer.name))
            )
            .scalars()
            .all()
        )
        return [_view(v, config.settings.public_url) for v in rows]


def remove(engine: Engine, phone: str) -> str:
    """Deactivate a volunteer by phone; their PIN stops working at once."""
    try:
        number = parse_phone(phone)
    except ValueError as exc:
        raise PhonebankError(f"Error: {exc}.") from None
    with session(engine) as db:
        volunteer = (
            db.execute(
                select(Volunteer).where(
                    col(Volunteer.phone) == number, col(Volunteer.active)
                )
            )
            .scalars()
            .first()
        )
        if volunteer is None:
            raise NotFound(
                f"no volunteer with phone {phone}", "Check `volunteers list`"
            )
        volunteer.active = False
        volunteer.pin_hash = f"removed${volunteer.id}"
        return volunteer.name


def by_pin(engine: Engine, pin: str) -> Volunteer | None:
    pin_hash = hash_pin(engine, pin)
    with reading(engine) as db:
        return (
            db.execute(
                select(Volunteer).where(
                    col(Volunteer.pin_hash) == pin_hash, col(Volunteer.active)
                )
            )
            .scalars()
            .first()
        )


def by_token(engine: Engine, token: str) -> Volunteer | None:
    with reading(engine) as db:
        return (
            db.execute(
                select(Volunteer).where(
                    col(Volunteer.token) == token, col(Volunteer.active)
                )
            )
            .scalars()
            .first()
        )


def locked_until(engine: Engine, caller: str, now: datetime) -> datetime | None:
    """When a calling number's lockout ends, if it is locked now."""
    with reading(engine) as db:
        row = db.get(PinFailure, caller)
        until = utc(row.locked_until) if row else None
        return until if until and until > now else None


def note_wrong_pin(
    engine: Engine, caller: str, key: str, now: datetime, after: int, minutes: int
) -> bool:
    """Count a wrong PIN for a calling number; True if it is now locked out.

    `key` names the try (call and attempt), so a repeated webhook counts once.
    """
    with session(engine) as db:
        row = db.get(PinFailure, caller) or PinFailure(caller=caller)
        if row.last_key == key:
            until = utc(row.locked_until)
            return until is not None and until > now
        row.last_key = key
        row.failures += 1
        row.last_at = now
        locked = row.failures >= after
        if locked:
            row.locked_until = now + timedelta(minutes=minutes)
            row.failures = 0
            log.warning(
                "calling number %s locked out after wrong PINs",
                mask(caller),
            )
        db.add(row)
        return locked


def clear_wrong_pins(engine: Engine, caller: str) -> None:
    with session(engine) as db:
        row = db.get(PinFailure, caller)
        if row is not None:
            row.failures = 0
