"""The dialer core on SQLite and PostgreSQL: claims, retries, do-not-call."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from phonebank import dialer, shifts
from phonebank.config import Campaign
from phonebank.db import session
from phonebank.models import Attempt, Contact, DoNotCall, Shift
from tests.conftest import BASE_CAMPAIGN

NOW = datetime(2026, 12, 8, 23, 0, tzinfo=UTC)  # 18:00 New York, 15:00 Los Angeles
HOLD = timedelta(minutes=10)
CAMPAIGN = Campaign.model_validate(BASE_CAMPAIGN)


def add_contacts(
    engine: Engine,
    count: int,
    zones: list[str] | None = None,
    campaign: str = "tenant-vote",
    start: int = 0,
) -> None:
    rows = [
        {
            "campaign": campaign,
            "phone": f"+1202555{start + n:04d}",
            "extra": {},
            "time_zones": zones or ["America/New_York"],
            "first_name": f"C{n}",
        }
        for n in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Contact.__table__), rows)  # type: ignore[attr-defined]


def new_shift(engine: Engine, n: int) -> Shift:
    with session(engine) as db:
        shift = Shift(
            call_uuid=f"call-{n}",
            volunteer_id=n,
            campaign="tenant-vote",
            started_at=NOW,
        )
        db.add(shift)
    return shift


@pytest.fixture(autouse=True)
def _fresh_zone_cache() -> None:
    dialer.zone_cache.clear()


def test_concurrent_claims_never_share_a_contact(any_engine: Engine) -> None:
    add_contacts(any_engine, 120)
    shifts = [new_shift(any_engine, n) for n in range(8)]
    claimed: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(shift: Shift) -> None:
        try:
            while True:
                got = dialer.claim_next(any_engine, CAMPAIGN, shift, NOW, HOLD)
                if got is None:
                    return
                with lock:
                    claimed.append(got[0].id)  # type: ignore[arg-type]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in shifts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(claimed) == 120
    assert len(set(claimed)) == 120
    with session(any_engine) as db:
        holders = db.execute(select(Contact.claimed_by)).all()
        attempts = db.execute(select(Attempt.contact_id)).all()
    assert all(h[0] is not None for h in holders)
    assert len({a[0] for a in attempts}) == 120


def test_claims_skip_contacts_outside_calling_hours(any_engine: Engine) -> None:
    add_contacts(any_engine, 1, ["America/New_York"], start=1)
    add_contacts(any_engine, 1, ["Pacific/Guam"], start=2)  # 09:00 Wednesday there
    add_contacts(any_engine, 1, ["America/New_York", "Pacific/Guam"], start=3)
    shift = new_shift(any_engine, 1)
    got = [dialer.claim_next(any_engine, CAMPAIGN, shift, NOW, HOLD) for _ in range(3)]
    phones = [g[0].phone for g in got if g]
    assert phones == ["+12025550001", "+12025550002", "+12025550003"]

    late = NOW + timedelta(hours=2, minutes=30)  # 20:30 NY, 11:30 Guam
    dialer.release_stale_claims(any_engine, late + HOLD * 2)
    assert (
        len(
            [
                dialer.claim_next(any_engine, CAMPAIGN, shift, late, HOLD)
                for _ in range(3)
            ]
        )
        == 3
    )

    night = NOW + timedelta(hours=3, minutes=30)  # 21:30 in New York
    dialer.release_stale_claims(any_engine, night + HOLD * 2)
    claimed = dialer.claim_next(any_engine, CAMPAIGN, shift, night, HOLD)
    assert claimed is not None and claimed[0].phone == "+12025550002"
    assert dialer.claim_next(any_engine, CAMPAIGN, shift, night, HOLD) is None


def test_expired_claims_return_to_the_queue(any_engine: Engine) -> None:
    add_contacts(any_engine, 1)
    vanished, other = new_shift(any_engine, 1), new_shift(any_engine, 2)
    assert dialer.claim_next(any_engine, CAMPAIGN, vanished, NOW, HOLD) is not None
    assert dialer.claim_next(any_engine, CAMPAIGN, other, NOW, HOLD) is None
    later = NOW + HOLD + timedelta(seconds=1)
    assert dialer.release_stale_claims(any_engine, later) == 1
    got = dialer.claim_next(any_engine, CAMPAIGN, other, later, HOLD)
    assert got is not None and got[1].shift_id == other.id


def _dial_once(
    engine: Engine, shift: Shift, now: datetime, outcome: str, key: str | None = None
) -> Contact:
    got = dialer.claim_next(engine, CAMPAIGN, shift, now, HOLD)
    assert got is not None
    contact, attempt = got
    assert attempt.id is not None
    dialer.start_dial(engine, attempt.id, now, 25)
    dialer.record_dial(
        engine, CAMPAIGN, attempt.id, outcome, "", "b" if key else "", now
    )
    if outcome == "answered":
        dialer.record_result(engine, CAMPAIGN, attempt.id, key, now)
    with session(engine) as db:
        stored = db.get(Contact, contact.id)
    assert stored is not None
    return stored


def test_retries_stop_at_max_attempts(any_engine: Engine) -> None:
    add_contacts(any_engine, 1)
    shift = new_shift(any_engine, 1)
    moment = NOW
    for n in range(1, 4):
        contact = _dial_once(any_engine, shift, moment, "busy")
        assert contact.attempts == n
        moment += timedelta(minutes=31)
    assert contact.status == "done" and contact.next_attempt_at is None
    assert (
        dialer.claim_next(any_engine, CAMPAIGN, shift, moment + timedelta(days=1), HOLD)
        is None
    )


def test_do_not_call_result_takes_the_number_out_everywhere(any_engine: Engine) -> None:
    add_contacts(any_engine, 1)
    add_contacts(any_engine, 1, campaign="other-campaign")
    shift = new_shift(any_engine, 1)
    contact = _dial_once(any_engine, shift, NOW, "answered", key="9")
    assert contact.status == "dnc"
    with session(any_engine) as db:
        statuses = sorted(c[0] for c in db.execute(select(Contact.status)).all())
        listed = db.get(DoNotCall, contact.phone)
    assert statuses == ["dnc", "dnc"]
    assert listed is not None and listed.source == "tenant-vote"


@pytest.mark.parametrize(
    ("outcome", "key", "attempts", "expected"),
    [
        ("busy", None, 1, ("open", timedelta(minutes=30))),
        ("no_answer", None, 1, ("open", timedelta(hours=4))),
        ("failed", None, 1, ("done", None)),
        ("busy", None, 3, ("done", None)),
        ("answered", "1", 1, ("done", None)),
        ("answered", "2", 1, ("open", timedelta(days=2))),
        ("answered", "2", 3, ("done", None)),
        ("answered", "9", 1, ("dnc", None)),
        ("answered", None, 1, ("open", timedelta(hours=4))),
    ],
)
def test_plan_after(
    outcome: str, key: str | None, attempts: int, expected: Any
) -> None:
    plan = dialer.plan_after(CAMPAIGN, outcome, key, attempts, NOW)
    status, delay = expected
    assert plan.status == status
    assert plan.next_attempt_at == (NOW + delay if delay else None)


def test_shift_whose_call_vanished_is_closed(any_engine: Engine) -> None:
    add_contacts(any_engine, 2)
    gone, live = new_shift(any_engine, 1), new_shift(any_engine, 2)
    held = dialer.claim_next(any_engine, CAMPAIGN, gone, NOW, HOLD)
    dialer.claim_next(any_engine, CAMPAIGN, live, NOW, HOLD)
    assert held is not None
    later = NOW + timedelta(minutes=3)

    closed = shifts.close_vanished_shifts(
        any_engine, {"tenant-vote": CAMPAIGN}, {live.call_uuid}, later
    )

    assert closed == 1
    with session(any_engine) as db:
        assert db.get(Shift, gone.id).ended_at is not None  # type: ignore[union-attr]
        assert db.get(Shift, live.id).ended_at is None  # type: ignore[union-attr]
        contact = db.get(Contact, held[0].id)
        attempt = db.get(Attempt, held[1].id)
    assert contact is not None and contact.claimed_by is None
    assert attempt is not None and attempt.outcome == "not_dialed"
