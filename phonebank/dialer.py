"""The dialer core: claiming contacts, recording attempts, results and retries.

It does not know how a call is placed (a Dial in the volunteer's call today, a
REST call into a conference later); it only hands out contacts and records
what happened to them. Decisions (what follows an outcome) are pure functions
below; the rest is short transactions, fast enough for a webhook.
"""

from __future__ import annotations

import logging
import time as _time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from phonebank.config import Campaign
from phonebank.db import reading, session, utc
from phonebank.hours import next_callable_at, open_zone_sets
from phonebank.models import Attempt, Contact, DoNotCall, Shift

log = logging.getLogger(__name__)

OUTCOMES = ("answered", "busy", "no_answer", "failed")
NO_RESULT = "No result"
ZONE_CACHE_SECONDS = 60.0
# A call is cut by the Dial's timeLimit; the claim outlives it a little so a
# contact in a long conversation is never handed to a second volunteer.
CALL_LIMIT = timedelta(minutes=60)


@dataclass(frozen=True)
class Plan:
    """What happens to a contact after an attempt."""

    status: str  # open | done | dnc
    next_attempt_at: datetime | None


def plan_after(
    campaign: Campaign,
    outcome: str,
    result_key: str | None,
    attempts: int,
    now: datetime,
) -> Plan:
    """Decide a contact's status and next try from the attempt's outcome."""
    result = campaign.result_for(result_key) if result_key else None
    if result is not None:
        if result.do_not_call:
            return Plan("dnc", None)
        if result.final or result.retry_after is None:
            return Plan("done", None)
        delay: timedelta | None = result.retry_after
    elif outcome == "answered":
        delay = campaign.retry.no_result
    else:
        delay = getattr(campaign.retry, outcome, None)

    if delay is None or attempts >= campaign.max_attempts:
        return Plan("done", None)
    return Plan("open", now + delay)


class _ZoneCache:
    """Distinct zone keys per campaign; they change only on import."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], tuple[float, list[str]]] = {}

    def keys(self, db: Session, slug: str) -> list[str]:
        where = (str(db.get_bind().engine.url), slug)
        cached = self._keys.get(where)
        if cached and _time.monotonic() - cached[0] < ZONE_CACHE_SECONDS:
            return cached[1]
        rows = db.execute(
            select(col(Contact.tz_key)).where(col(Contact.campaign) == slug).distinct()
        ).all()
        keys = [row[0] for row in rows if row[0]]
        self._keys[where] = (_time.monotonic(), keys)
        return keys

    def clear(self) -> None:
        self._keys.clear()


zone_cache = _ZoneCache()


def _callable_filter(campaign: Campaign, zones: list[str], now: datetime) -> list:
    # Listing a number marks its contacts "dnc" already; the list is checked
    # here too because an import can insert the number just after that.
    on_dnc = exists().where(col(DoNotCall.phone) == col(Contact.phone))
    return [
        col(Contact.campaign) == campaign.slug,
        col(Contact.status) == "open",
        col(Contact.attempts) < campaign.max_attempts,
        or_(
            col(Contact.next_attempt_at).is_(None), col(Contact.next_attempt_at) <= now
        ),
        or_(col(Contact.claimed_by).is_(None), col(Contact.claim_expires_at) < now),
        col(Contact.tz_key).in_(zones),
        ~on_dnc,
    ]


def claim_next(
    engine: Engine, campaign: Campaign, shift: Shift, now: datetime, hold: timedelta
) -> tuple[Contact, Attempt] | None:
    """Atomically take the next callable contact for a shift and open an attempt.

    One UPDATE picks and holds the row, so two volunteers never get the same
    contact: SQLite serializes writers (BEGIN IMMEDIATE), PostgreSQL skips
    rows another transaction has locked.
    """
    with session(engine) as db:
        zones = open_zone_sets(zone_cache.keys(db, campaign.slug), campaign, now)
        if not zones:
            return None
        pick = (
            select(col(Contact.id))
            .where(and_(*_callable_filter(campaign, zones, now)))
            .order_by(
                col(Contact.attempts), col(Contact.next_attempt_at), col(Contact.id)
            )
            .limit(1)
        )
        if engine.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        claimed = db.execute(
            update(Contact)
            .where(col(Contact.id) == pick.scalar_subquery())
            .values(claimed_by=shift.id, claim_expires_at=now + hold)
            .returning(col(Contact.id))
        ).first()
        if claimed is None:
            return None

        contact_id = cast(int, claimed[0])
        contact = db.get(Contact, contact_id)
        assert contact is not None and shift.id is not None
        attempt = Attempt(
            campaign=campaign.slug,
            contact_id=contact_id,
            shift_id=shift.id,
            volunteer_id=shift.volunteer_id,
            claimed_at=now,
        )
        db.add(attempt)
        db.flush()
        log.debug("shift %s claimed contact %s", shift.id, contact.id)
        return contact, attempt


def start_dial(engine: Engine, attempt_id: int, now: datetime, ring: int) -> bool:
    """Mark the attempt as dialing and count it; False if it was already."""
    with session(engine) as db:
        attempt = db.get(Attempt, attempt_id)
        if attempt is None or attempt.state != "claimed":
            return False
        attempt.state = "dialing"
        attempt.dialed_at = now
        db.execute(
            update(Contact)
            .where(col(Contact.id) == attempt.contact_id)
            .values(
                attempts=col(Contact.attempts) + 1,
                claim_expires_at=now + timedelta(seconds=ring) + CALL_LIMIT,
            )
        )
        return True


def mark_bridged(engine: Engine, attempt_id: int, bleg: str) -> None:
    """Note that the contact picked up, in case the volunteer hangs up mid-call."""
    with session(engine) as db:
        attempt = db.get(Attempt, attempt_id)
        if attempt is not None and attempt.state == "dialing":
            attempt.bleg_uuid = bleg or attempt.bleg_uuid or "answered"


def record_dial(
    engine: Engine,
    campaign: Campaign,
    attempt_id: int,
    outcome: str,
    cause: str,
    bleg: str,
    now: datetime,
) -> Attempt | None:
    """Record what a dial did; unanswered ones are settled here, no key asked."""
    with session(engine) as db:
        attempt = db.get(Attempt, attempt_id)
        if attempt is None or attempt.state != "dialing":
            return attempt
        attempt.outcome = outcome
        attempt.hangup_cause = cause
        attempt.bleg_uuid = bleg or attempt.bleg_uuid
        if outcome == "answered":
            attempt.state = "awaiting_result"
            return attempt
        attempt.state = "done"
        attempt.ended_at = now
        settle(db, campaign, attempt, None, now)
        return attempt


def record_result(
    engine: Engine, campaign: Campaign, attempt_id: int, key: str | None, now: datetime
) -> Attempt | None:
    """Record the key a volunteer pressed (None: no key came) and plan a retry."""
    with session(engine) as db:
        attempt = db.get(Attempt, attempt_id)
        if attempt is None or attempt.state != "awaiting_result":
            return attempt
        result = campaign.result_for(key) if key else None
        attempt.result_key = result.key if result else ""
        attempt.result_label = result.label if result else NO_RESULT
        attempt.result_at = now
        attempt.ended_at = attempt.ended_at or now
        attempt.state = "done"
        settle(db, campaign, attempt, result.key if result else None, now)
        return attempt


def settle(
    db: Session, campaign: Campaign, attempt: Attempt, key: str | None, now: datetime
) -> None:
    contact = db.get(Contact, attempt.contact_id)
    if contact is None:
        return
    plan = plan_after(campaign, attempt.outcome, key, contact.attempts, now)
    contact.last_outcome = attempt.outcome
    if attempt.result_label:
        contact.result_label = attempt.result_label
        contact.result_at = now
    contact.claimed_by = None
    contact.claim_expires_at = None
    contact.next_attempt_at = plan.next_attempt_at
    contact.status = "open" if plan.status == "open" else plan.status
    if plan.status == "dnc":
        add_do_not_call(db, contact.phone, "asked during a call", campaign.slug, now)
    log.info(
        "contact %s: %s%s -> %s",
        contact.id,
        attempt.outcome.replace("_", " "),
        f" ({attempt.result_label})" if attempt.result_label else "",
        plan.status if plan.status != "open" else f"retry at {plan.next_attempt_at}",
    )


def add_do_not_call(
    db: Session, phone: str, reason: str, source: str, now: datetime
) -> bool:
    """Put a number on the organization-wide list and out of every campaign."""
    added = db.get(DoNotCall, phone) is None
    if added:
        db.add(DoNotCall(phone=phone, reason=reason, source=source, created_at=now))
    db.execute(
        update(Contact)
        .where(col(Contact.phone) == phone, col(Contact.status) == "open")
        .values(status="dnc", next_attempt_at=None)
    )
    return added


def release_stale_claims(engine: Engine, now: datetime) -> int:
    """Return contacts held past their claim to the queue (a shift vanished)."""
    with session(engine) as db:
        stale = db.execute(
            update(Contact)
            .where(
                col(Contact.claimed_by).is_not(None),
                col(Contact.claim_expires_at) < now,
            )
            .values(claimed_by=None, claim_expires_at=None)
        )
        count = cast(CursorResult[Any], stale).rowcount or 0
    if count:
        log.warning("returned %d contacts held by vanished shifts to the queue", count)
    return count


def next_due(engine: Engine, campaign: Campaign, now: datetime) -> datetime | None:
    """When the next contact becomes callable, counting retries and zones."""
    with reading(engine) as db:
        rows = db.execute(
            select(col(Contact.tz_key), func.min(col(Contact.next_attempt_at)))
            .where(
                col(Contact.campaign) == campaign.slug,
                col(Contact.status) == "open",
                col(Contact.attempts) < campaign.max_attempts,
            )
            .group_by(col(Contact.tz_key))
        ).all()
    times = []
    for key, earliest in rows:
        if not key:
            continue
        due = utc(earliest)
        when = next_callable_at(key.split(","), campaign, now, due)
        if when is not None:
            times.append(when)
    return min(times, default=None)
