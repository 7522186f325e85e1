"""Simulated parties: the dialing model's shares, and how volunteers read prompts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

import pytest

from phonebank.clock import SimClock
from phonebank.sandbox import Application, ContactProfile, Sandbox, VolunteerParty
from phonebank.sandbox.behaviour import VolunteerMind, menu_items
from phonebank.sandbox.parties import seeded_rng
from phonebank.sandbox.testing import Receiver


def test_default_contacts_follow_the_dialing_model_shares():
    profile = ContactProfile()
    rng = random.Random(1)

    counts = Counter(profile.draw(rng).outcome for _ in range(20000))

    shares = {outcome: n / 20000 for outcome, n in counts.items()}
    expected = {
        "human": 0.20,
        "machine": 0.28,
        "busy": 0.04,
        "failed": 0.12,
        "no-answer": 0.36,
    }
    for outcome, share in expected.items():
        assert shares[outcome] == pytest.approx(share, abs=0.015), outcome


def test_a_contact_draw_depends_only_on_seed_number_and_attempt():
    profile = ContactProfile()

    first = profile.draw(seeded_rng(7, "contact", "+12025550143", 1))
    again = profile.draw(seeded_rng(7, "contact", "+12025550143", 1))
    second = profile.draw(seeded_rng(7, "contact", "+12025550143", 2))

    assert first == again and first != second


@pytest.mark.parametrize(
    ("prompt", "items"),
    [
        (
            "Press 1 for supporter, press 2 for undecided.",
            [("1", "supporter"), ("2", "undecided")],
        ),
        (
            "Press 1 to start calling or 2 to stop",
            [("1", "start calling"), ("2", "stop")],
        ),
        ("For Spanish, press 3.", [("3", "Spanish")]),
        ("Press 9 now", [("9", "")]),
        ("Welcome back", []),
    ],
)
def test_menu_items_are_read_from_the_prompt(prompt, items):
    assert menu_items(prompt) == items


def test_volunteer_presses_the_first_item_of_a_campaign_menu():
    mind = VolunteerMind(VolunteerParty(phone="+12025550111"), random.Random(1))

    keys = mind.keys_for("Press 4 for Main Street, press 5 for Elm Street", 0)

    assert keys is not None and keys.digits == "4"


def test_start_team_places_every_volunteer_call():
    clock = SimClock(datetime(2026, 3, 3, 23, 0, tzinfo=UTC), speed=1000)
    rx = Receiver(
        "sandbox-token", routes={"/answer": "<Response><Speak>Hi</Speak></Response>"}
    )
    rx.start()
    sb = Sandbox(auth_token="sandbox-token", clock=clock, seed=2)
    sb.applications["+12025550100"] = Application(rx.url("/answer"))
    team = [VolunteerParty(phone=f"+120255501{n}") for n in range(11, 14)]
    try:
        sb.start_team(team, "+12025550100", spread_seconds=120)

        assert sb.wait_idle(10)
        callers = {e["from"] for e in sb.log.calls("start")}
        assert callers == {party.phone for party in team}
    finally:
        sb.stop()
        rx.stop()
