"""End to end: the webhook app and the sandbox on loopback, the real SDK, one
simulated clock. Each test asserts on the database and the sandbox's log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from phonebank import db
from phonebank.models import PinFailure
from phonebank.sandbox.webhooks import signature_headers
from tests.harness import Bank, config_at

pytestmark = pytest.mark.e2e
# Tuesday 2026-12-08 18:00 in New York: inside the window and calling hours.
EVENING = datetime(2026, 12, 8, 23, 0, tzinfo=UTC)
HUMAN = "+12025550141"
BUSY = "+12025550142"
NO_ANSWER = "+12025550143"


@pytest.fixture
def bank(tmp_path: Path, make_config: Any) -> Iterator[Bank]:
    running = Bank.start(config_at(tmp_path, make_config), EVENING)
    yield running
    running.stop()


def test_full_shift_records_every_outcome(bank: Bank) -> None:
    bank.add_contacts(HUMAN, BUSY, NO_ANSWER)
    bank.profile(HUMAN, outcome="human", disposition="supporter")
    bank.profile(BUSY, outcome="busy")
    bank.profile(NO_ANSWER, outcome="no-answer")
    ana = bank.volunteer("Ana Example", "+12025550111", "4821", hangup_mid_call=False)

    bank.call_in(ana)
    bank.wait()

    attempts = bank.attempts()
    by_outcome = {a.outcome: a for a in attempts}
    assert sorted(by_outcome) == ["answered", "busy", "no_answer"]
    assert by_outcome["answered"].result_label == "Supporter"
    contacts = {c.phone: c for c in bank.contacts()}
    assert contacts[HUMAN].status == "done"
    assert contacts[BUSY].status == "open" and contacts[BUSY].attempts == 1
    busy_retry = db.utc(contacts[BUSY].next_attempt_at)
    busy_end = db.utc(by_outcome["busy"].ended_at)
    assert busy_retry is not None and busy_end is not None
    assert busy_retry - busy_end == timedelta(minutes=30)
    no_answer_retry = db.utc(contacts[NO_ANSWER].next_attempt_at)
    assert no_answer_retry - db.utc(by_outcome["no_answer"].ended_at) == timedelta(
        hours=4
    )  # type: ignore[operator]

    shift = bank.shifts()[0]
    assert shift.ended_at is not None
    dials = bank.lab.log.dials()
    assert {d["to"] for d in dials} == {HUMAN, BUSY, NO_ANSWER}
    assert {d["caller_id"] for d in dials} == {"+12025550100"}


def test_wrong_pins_lock_out_the_calling_number(
    tmp_path: Path, make_config: Any
) -> None:
    cfg = config_at(
        tmp_path,
        make_config,
        security={"lockout_after": 2, "lockout_minutes": 15, "pin_tries": 3},
    )
    bank = Bank.start(cfg, EVENING)
    try:
        bank.add_contacts(HUMAN)
        mallory = bank.volunteer("Mal Example", "+12025550119", "5555", wrong_pins=9)
        bank.call_in(mallory)
        bank.wait()
        with db.session(bank.engine) as session:
            row = session.get(PinFailure, "+12025550119")
        assert row is not None and row.locked_until is not None

        honest = bank.volunteer("Ana Example", "+12025550111", "4821")
        honest.phone = "+12025550119"  # the right PIN, from the locked phone
        bank.call_in(honest)
        bank.wait()
        assert bank.shifts() == []
        assert bank.attempts() == []
    finally:
        bank.stop()


def test_busy_contact_is_redialed_after_its_retry_time(bank: Bank) -> None:
    bank.add_contacts(BUSY)
    bank.profile(BUSY, outcome="busy")
    ana = bank.volunteer("Ana Example", "+12025550111", "4821", hangup_mid_call=False)

    bank.call_in(ana)
    bank.wait()
    assert [a.outcome for a in bank.attempts()] == ["busy"]

    bank.call_in(ana)  # too early: the retry is not due
    bank.wait()
    assert len(bank.attempts()) == 1

    bank.clock.advance(31 * 60)
    bank.call_in(ana)
    bank.wait()
    assert [a.outcome for a in bank.attempts()] == ["busy", "busy"]
    assert bank.contacts()[0].attempts == 2


def test_do_not_call_result_leaves_every_campaign(
    tmp_path: Path, make_config: Any
) -> None:
    second = {"campaign": {}}
    cfg = config_at(tmp_path, make_config, **second)
    bank = Bank.start(cfg, EVENING)
    try:
        bank.add_contacts(HUMAN)
        bank.add_contacts(HUMAN, campaign="other-campaign")
        bank.profile(HUMAN, outcome="human", disposition="do not call")
        ana = bank.volunteer(
            "Ana Example", "+12025550111", "4821", hangup_mid_call=False
        )
        bank.call_in(ana)
        bank.wait()
        assert bank.do_not_call() == [HUMAN]
        assert [c.status for c in bank.contacts()] == ["dnc", "dnc"]
        assert bank.attempts()[0].result_label == "Do not call"
    finally:
        bank.stop()


def test_volunteer_hanging_up_mid_call_records_no_result(bank: Bank) -> None:
    bank.add_contacts(HUMAN)
    bank.profile(HUMAN, outcome="human", disposition="supporter")
    ana = bank.volunteer(
        "Ana Example", "+12025550111", "4821", hangup_mid_call=True, shift_seconds=1.0
    )

    bank.call_in(ana)
    bank.wait()

    attempt = bank.attempts()[0]
    assert attempt.outcome == "answered"
    assert attempt.result_label == "No result"
    assert attempt.state == "done"
    contact = bank.contacts()[0]
    assert contact.claimed_by is None
    assert contact.status == "open" and contact.next_attempt_at is not None
    assert bank.shifts()[0].ended_at is not None


def _replay(bank: Bank, event: dict[str, Any]) -> httpx.Response:
    url, params = event["url"], {k: str(v) for k, v in event["params"].items()}
    headers = signature_headers(bank.lab.auth_token, "POST", url, params)
    return httpx.post(url, data=params, headers=headers)


def test_repeated_callbacks_change_nothing(bank: Bank) -> None:
    bank.add_contacts(HUMAN, BUSY)
    bank.profile(HUMAN, outcome="human", disposition="supporter")
    bank.profile(BUSY, outcome="busy")
    ana = bank.volunteer("Ana Example", "+12025550111", "4821", hangup_mid_call=False)
    bank.call_in(ana)
    bank.wait()
    before = [(a.id, a.outcome, a.result_label, a.state) for a in bank.attempts()]
    contacts_before = [
        (c.id, c.status, c.attempts, c.next_attempt_at) for c in bank.contacts()
    ]

    replayed = 0
    for step in (
        "/plivo/next",
        "/plivo/dial",
        "/plivo/dialed",
        "/plivo/result",
        "/plivo/checkin",
        "/plivo/hangup",
    ):
        for event in bank.callbacks(step):
            first, second = _replay(bank, event), _replay(bank, event)
            assert first.status_code == 200
            assert first.text == second.text
            replayed += 1

    assert replayed >= 8
    assert [
        (a.id, a.outcome, a.result_label, a.state) for a in bank.attempts()
    ] == before
    assert [
        (c.id, c.status, c.attempts, c.next_attempt_at) for c in bank.contacts()
    ] == contacts_before


def test_silent_caller_is_asked_three_times_then_goodbye(bank: Bank) -> None:
    quiet = bank.volunteer("Quiet Example", "+12025550118", "2468", silent=True)
    bank.call_in(quiet)
    bank.wait()
    answers = bank.callbacks("/plivo/answer")
    queries = [e["url"].partition("?")[2] for e in answers]
    # Three PIN prompts, then the fourth fetch says goodbye.
    assert queries == ["", "attempt=2", "attempt=3", "attempt=4"]
    assert bank.callbacks("/plivo/checkin") == []
    ended = bank.lab.log.calls("end")[-1]
    assert ended["hangup_source"] != "Plivo"  # our Hangup, not the end of XML
    assert bank.shifts() == []


def test_no_key_after_a_conversation_records_no_result(bank: Bank) -> None:
    bank.add_contacts(HUMAN)
    bank.profile(HUMAN, outcome="human", disposition="supporter")
    # PIN, then nothing at the result menu (three prompts), then the party's
    # own habits again.
    ana = bank.volunteer(
        "Ana Example",
        "+12025550111",
        "4821",
        hangup_mid_call=False,
        digits=["4821", "", "", ""],
    )
    bank.call_in(ana)
    bank.wait()
    attempt = bank.attempts()[0]
    assert attempt.outcome == "answered"
    assert attempt.result_label == "No result"
    assert len(bank.callbacks("/plivo/noresult")) == 1


def test_accented_caller_names_are_signed_like_plivo(bank: Bank) -> None:
    bank.add_contacts(HUMAN)
    bank.profile(HUMAN, outcome="human", disposition="supporter")
    jose = bank.volunteer("José Núñez", "+12025550111", "4821", hangup_mid_call=False)
    bank.call_in(jose)
    bank.wait()
    answers = bank.callbacks("/plivo/answer")
    assert answers[0]["params"]["CallerName"] == "José Núñez"
    assert answers[0]["status"] == 200
    assert [a.result_label for a in bank.attempts()] == ["Supporter"]
