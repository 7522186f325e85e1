"""Shifts ending: a volunteer's call is over, by hangup or by vanishing.

What the shift held is settled: a contact claimed but never dialed goes back
to the queue, a dial that was ringing counts as unanswered, a conversation
whose result was never keyed is recorded as "no result".
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from phonebank.config import Campaign
from phonebank.db import reading, session
from phonebank.dialer import NO_RESULT, settle
from phonebank.models import Attempt, Contact, Shift

log = logging.getLogger(__name__)


def close_shift(
    engine: Engine, campaigns: dict[str, Campaign], call_uuid: str, now: datetime
) -> Shift | None:
    """End a shift: release what was not dialed, settle what was left open."""
    with session(engine) as db:
        shift = (
            db.execute(select(Shift).where(col(Shift.call_uuid) == call_uuid))
            .scalars()
            .first()
        )
        if shift is None or shift.ended_at is not None:
            return shift
        shift.ended_at = now
        open_attempts = (
            db.execute(
                select(Attempt).where(
                    col(Attempt.shift_id) == shift.id, col(Attempt.state) != "done"
                )
            )
            .scalars()
            .all()
        )
        for attempt in open_attempts:
            _abandon(db, campaigns.get(attempt.campaign), attempt, now)
        return shift


def _abandon(
    db: Session, campaign: Campaign | None, attempt: Attempt, now: datetime
) -> None:
    attempt.ended_at = now
    if attempt.state == "claimed":
        attempt.outcome = "not_dialed"
        attempt.state = "done"
        db.execute(
            update(Contact)
            .where(col(Contact.id) == attempt.contact_id)
            .values(claimed_by=None, claim_expires_at=None)
        )
        return
    if attempt.state == "dialing":
        attempt.outcome = "answered" if attempt.bleg_uuid else "no_answer"
    if attempt.outcome == "answered":
        attempt.result_label = NO_RESULT
        attempt.result_at = now
    attempt.state = "done"
    if campaign is not None:
        settle(db, campaign, attempt, None, now)


def close_vanished_shifts(
    engine: Engine,
    campaigns: dict[str, Campaign],
    live_calls: set[str],
    now: datetime,
    grace: timedelta = timedelta(minutes=2),
) -> int:
    """Close open shifts whose call Plivo no longer has (a lost hangup callback).

    Their claimed contacts go back to the queue and their open attempts are
    settled as if the volunteer had hung up.
    """
    with reading(engine) as db:
        open_shifts = db.execute(
            select(col(Shift.call_uuid)).where(
                col(Shift.ended_at).is_(None), col(Shift.started_at) < now - grace
            )
        ).all()
    gone = [row[0] for row in open_shifts if row[0] not in live_calls]
    for call_uuid in gone:
        close_shift(engine, campaigns, call_uuid, now)
    if gone:
        log.warning(
            "closed %d shifts whose calls had ended without a hangup", len(gone)
        )
    return len(gone)


def by_call(engine: Engine, call_uuid: str) -> Shift | None:
    """The shift started by a volunteer's call, if any."""
    if not call_uuid:
        return None
    with reading(engine) as db:
        return (
            db.execute(select(Shift).where(col(Shift.call_uuid) == call_uuid))
            .scalars()
            .first()
        )


def by_id(engine: Engine, shift_id: int) -> Shift | None:
    with reading(engine) as db:
        return db.get(Shift, shift_id)


def close_earlier_shifts(
    engine: Engine,
    campaigns: dict[str, Campaign],
    volunteer_id: int,
    call_uuid: str,
    now: datetime,
) -> None:
    """A volunteer is on one call at a time: a new check-in ends older shifts
    whose hangup never reached us, returning what they held."""
    with reading(engine) as db:
        stale = db.execute(
            select(col(Shift.call_uuid)).where(
                col(Shift.volunteer_id) == volunteer_id,
                col(Shift.ended_at).is_(None),
                col(Shift.call_uuid) != call_uuid,
            )
        ).all()
    for (uuid,) in stale:
        close_shift(engine, campaigns, uuid, now)
