"""Dial: contacts answering, not answering, machines, and volunteers keying results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from phonebank.clock import SimClock
from phonebank.sandbox import Application, ContactProfile, Sandbox, VolunteerParty
from phonebank.sandbox.testing import Receiver

TOKEN = "sandbox-token"
CHECKIN = "+12025550100"
VOLUNTEER = "+12025550111"
CONTACT = "+12025550143"
MENU = (
    "Press 1 for supporter, press 2 for undecided, press 3 for opposed, "
    "press 4 for wrong number, press 5 for left a message, press 9 for do not call."
)


class PhoneBank:
    """A tiny phone-bank call flow: PIN, then contact after contact, then results."""

    def __init__(self, contacts: list[str], dial_attrs: str = "") -> None:
        self.contacts = list(contacts)
        self.dial_attrs = dial_attrs

    def routes(self) -> dict[str, object]:
        return {
            "/answer": '<Response><GetDigits action="/pin"><Speak>Enter your PIN'
            "</Speak></GetDigits></Response>",
            "/pin": "<Response><Redirect>/next</Redirect></Response>",
            "/next": self.next,
            "/dialed": self.dialed,
            "/result": "<Response><Redirect>/next</Redirect></Response>",
        }

    def next(self, params: dict[str, str]) -> str:
        if not self.contacts:
            return "<Response><Speak>All done, thank you</Speak></Response>"
        number = self.contacts.pop(0)
        return (
            "<Response><Speak>Next contact</Speak>"
            f'<Dial action="/dialed" callerId="{CHECKIN}" timeout="25" '
            f'hangupOnStar="true" {self.dial_attrs}><Number>{number}</Number></Dial>'
            "</Response>"
        )

    def dialed(self, params: dict[str, str]) -> str:
        if params["DialStatus"] != "completed":
            return "<Response><Redirect>/next</Redirect></Response>"
        return (
            '<Response><GetDigits action="/result" timeout="15" retries="2">'
            f"<Speak>{MENU}</Speak></GetDigits>"
            "<Redirect>/next</Redirect></Response>"
        )


def make_sandbox(rx: Receiver, seed: int = 5) -> Sandbox:
    clock = SimClock(datetime(2026, 3, 3, 23, 0, tzinfo=UTC), speed=1000)
    sb = Sandbox(auth_token=TOKEN, clock=clock, seed=seed)
    sb.applications[CHECKIN] = Application(rx.url("/answer"), rx.url("/hangup"))
    return sb


@pytest.fixture
def sandbox(receiver: Receiver) -> Iterator[Sandbox]:
    sb = make_sandbox(receiver)
    yield sb
    sb.stop()


def run_shift(sb: Sandbox, rx: Receiver, bank: PhoneBank, **party: object) -> None:
    rx.routes.update(bank.routes())  # type: ignore[arg-type]
    sb.place_call(VolunteerParty(phone=VOLUNTEER, **party), to=CHECKIN)  # type: ignore[arg-type]
    assert sb.wait_idle(15)


@pytest.mark.parametrize(
    ("outcome", "status", "rang", "cause", "answered"),
    [
        ("human", "completed", "true", "NORMAL_CLEARING", True),
        ("machine", "completed", "true", "NORMAL_CLEARING", True),
        ("busy", "busy", "false", "USER_BUSY", False),
        ("failed", "failed", "false", "UNALLOCATED_NUMBER", False),
        ("no-answer", "no-answer", "true", "NO_ANSWER", False),
    ],
)
def test_dial_action_reports_what_the_contact_did(
    sandbox, receiver, outcome, status, rang, cause, answered
):
    sandbox.contacts[CONTACT] = ContactProfile(outcome=outcome)

    run_shift(sandbox, receiver, PhoneBank([CONTACT]))

    action = receiver.requests("/dialed")[0].params
    assert (action["DialStatus"], action["DialRingStatus"]) == (status, rang)
    assert action["DialHangupCause"] == cause
    assert action["DialALegUUID"] == action["CallUUID"]
    assert bool(action["DialBLegUUID"]) is answered
    dial = sandbox.log.dials()[0]
    assert (dial["to"], dial["caller_id"], dial["dial_status"]) == (
        CONTACT,
        CHECKIN,
        status,
    )


def test_contact_ringing_past_the_dial_timeout_is_no_answer(sandbox, receiver):
    sandbox.contacts[CONTACT] = ContactProfile(
        outcome="human", ring_median=60.0, ring_sigma=0.01
    )

    run_shift(sandbox, receiver, PhoneBank([CONTACT]))

    assert receiver.requests("/dialed")[0].params["DialStatus"] == "no-answer"
    assert sandbox.log.dials()[0]["ring_seconds"] == 25.0


@pytest.mark.parametrize(
    ("disposition", "key"),
    [("undecided", "2"), ("do not call", "9"), ("wrong number", "4")],
)
def test_volunteer_keys_the_result_the_contact_gave(
    sandbox, receiver, disposition, key
):
    sandbox.contacts[CONTACT] = ContactProfile(outcome="human", disposition=disposition)

    run_shift(sandbox, receiver, PhoneBank([CONTACT]), key_delay_median=4.0)

    assert [s.params["Digits"] for s in receiver.requests("/result")] == [key]


def test_volunteer_leaves_a_machine_with_star_and_keys_message(sandbox, receiver):
    sandbox.contacts[CONTACT] = ContactProfile(outcome="machine")

    run_shift(sandbox, receiver, PhoneBank([CONTACT]), key_delay_median=4.0)

    dial = sandbox.log.dials()[0]
    assert dial["outcome"] == "machine" and 3.0 <= dial["talk_seconds"] <= 6.0
    assert receiver.requests("/result")[0].params["Digits"] == "5"


def test_callback_url_gets_dial_answer_and_dial_hangup(sandbox, receiver):
    sandbox.contacts[CONTACT] = ContactProfile(outcome="human")

    run_shift(sandbox, receiver, PhoneBank([CONTACT], 'callbackUrl="/dialcb"'))

    events = [s.params for s in receiver.requests("/dialcb")]
    assert [e["Event"] for e in events] == ["DialAnswer", "DialHangup"]
    assert events[1]["DialBLegTo"] == "12025550143"
    assert events[1]["DialBLegHangupCause"] == "NORMAL_CLEARING"
    assert events[0]["DialBLegUUID"] == sandbox.log.dials()[0]["b_leg"]


def test_volunteer_hanging_up_mid_call_skips_the_dial_action(sandbox, receiver):
    sandbox.contacts[CONTACT] = ContactProfile(outcome="human", talk_median=600.0)

    run_shift(
        sandbox,
        receiver,
        PhoneBank([CONTACT]),
        hangup_mid_call=True,
        shift_seconds=60.0,
    )

    assert receiver.requests("/dialed") == []
    hangup = receiver.requests("/hangup")[0].params
    assert (hangup["HangupCauseCode"], hangup["HangupSource"]) == ("4000", "Caller")
    assert sandbox.log.dials()[0]["talk_seconds"] < 600


def test_api_hangup_of_the_b_leg_continues_the_a_leg(sandbox, receiver):
    sandbox.contacts[CONTACT] = ContactProfile(
        outcome="human", talk_median=100000.0, talk_sigma=0.01, p_short_talk=0.0
    )
    receiver.routes.update(PhoneBank([CONTACT]).routes())  # type: ignore[arg-type]
    sandbox.place_call(VolunteerParty(phone=VOLUNTEER, p_star_ends_talk=0.0), CHECKIN)

    b_leg = _wait_for_b_leg(sandbox)
    assert sandbox.hangup(b_leg)

    assert sandbox.wait_idle(15)
    action = receiver.requests("/dialed")[0].params
    assert (action["DialStatus"], action["DialBLegUUID"]) == ("completed", b_leg)
    assert receiver.requests("/result")


def test_volunteer_leaves_after_the_shift_once_the_result_is_keyed(sandbox, receiver):
    contacts = [f"+120255501{n}" for n in range(50, 60)]
    for number in contacts:
        sandbox.contacts[number] = ContactProfile(outcome="human", talk_median=120.0)

    run_shift(
        sandbox,
        receiver,
        PhoneBank(contacts),
        shift_seconds=300.0,
        key_delay_median=4.0,
        hangup_mid_call=False,
    )

    dials = sandbox.log.dials()
    assert 1 <= len(dials) < len(contacts)
    assert len(receiver.requests("/result")) == len(dials)
    hangup = receiver.requests("/hangup")[0].params
    assert hangup["HangupSource"] == "Caller"


def test_a_seeded_run_repeats_exactly(receiver):
    contacts = [f"+120255501{n}" for n in range(60, 75)]

    def one_run(seed: int) -> list[tuple[object, ...]]:
        receiver.seen.clear()
        sb = make_sandbox(receiver, seed=seed)
        try:
            run_shift(sb, receiver, PhoneBank(contacts), hangup_mid_call=False)
        finally:
            sb.stop()
        dials = [
            (
                d["to"],
                d["outcome"],
                d["disposition"],
                d["ring_seconds"],
                d["talk_seconds"],
                d["dial_status"],
            )
            for d in sb.log.dials()
        ]
        results = [s.params["Digits"] for s in receiver.requests("/result")]
        return [*dials, tuple(results)]

    first, again, other = one_run(11), one_run(11), one_run(12)

    assert first == again
    assert first != other
    assert len(first) == len(contacts) + 1


def _wait_for_b_leg(sb: Sandbox) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for call in sb.live_calls():
            if call.parent_uuid and call.state == "in-progress":
                return call.uuid
        time.sleep(0.01)
    raise AssertionError("no B leg answered")
