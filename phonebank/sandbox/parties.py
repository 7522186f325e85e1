"""Simulated parties as data: contacts and volunteers, with dialing-model defaults.

Every figure comes from /work/shared/dialing-model.md and can be overridden per
party, so a scenario is a handful of dataclasses.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

OUTCOMES = ("human", "machine", "busy", "failed", "no-answer")


def default_dispositions() -> dict[str, float]:
    """How live conversations end; 0.5% ask not to be called again (CallHub 2020)."""
    return {
        "supporter": 0.35,
        "undecided": 0.3,
        "opposed": 0.25,
        "wrong number": 0.095,
        "do not call": 0.005,
    }


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A lognormal draw described by its median, as the dialing model states it."""
    return rng.lognormvariate(math.log(median), sigma)


def seeded_rng(seed: int, *parts: object) -> random.Random:
    """An RNG that depends only on its parts: not on threads nor PYTHONHASHSEED."""
    return random.Random(":".join(str(part) for part in (seed, *parts)))


@dataclass(frozen=True)
class ContactDraw:
    """What one dial of a contact will do, decided before the phone rings."""

    outcome: str
    post_dial_delay: float
    ring_seconds: float
    talk_seconds: float
    disposition: str
    machine_seconds: float


@dataclass
class ContactProfile:
    """How a contact's phone behaves when dialed; defaults are a voter-file list."""

    p_answer: float = 0.20
    p_machine: float = 0.28
    p_busy: float = 0.04
    p_failed: float = 0.12
    post_dial_delay: tuple[float, float] = (2.0, 5.0)
    p_long_post_dial_delay: float = 0.05
    long_post_dial_delay_max: float = 10.0
    ring_median: float = 8.0
    ring_sigma: float = 0.55
    machine_ring: tuple[float, float] = (15.0, 28.0)
    talk_median: float = 60.0
    talk_sigma: float = 0.9
    p_short_talk: float = 0.10
    short_talk: tuple[float, float] = (5.0, 20.0)
    machine_seconds: tuple[float, float] = (25.0, 35.0)
    dispositions: dict[str, float] = field(default_factory=default_dispositions)
    outcome: str | None = None
    disposition: str | None = None

    def __post_init__(self) -> None:
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {self.outcome!r}")

    def draw(self, rng: random.Random) -> ContactDraw:
        """Decide one dial; every value is drawn in a fixed order, for repeatability."""
        roll = rng.random()
        pdd = rng.uniform(*self.post_dial_delay)
        if rng.random() < self.p_long_post_dial_delay:
            pdd = rng.uniform(self.post_dial_delay[1], self.long_post_dial_delay_max)

        human_ring = lognormal(rng, self.ring_median, self.ring_sigma)
        machine_ring = rng.uniform(*self.machine_ring)
        talk = lognormal(rng, self.talk_median, self.talk_sigma)
        if rng.random() < self.p_short_talk:
            talk = rng.uniform(*self.short_talk)

        labels = list(self.dispositions)
        weights = list(self.dispositions.values())
        disposition = rng.choices(labels, weights)[0] if labels else ""
        machine_seconds = rng.uniform(*self.machine_seconds)

        outcome = self.outcome or self._outcome_for(roll)
        ring = machine_ring if outcome == "machine" else human_ring
        return ContactDraw(
            outcome=outcome,
            post_dial_delay=round(pdd, 3),
            ring_seconds=round(ring, 3),
            talk_seconds=round(talk, 3),
            disposition=self.disposition or disposition,
            machine_seconds=round(machine_seconds, 3),
        )

    def _outcome_for(self, roll: float) -> str:
        """Map a uniform roll onto the outcome shares; the rest is no answer."""
        for outcome, share in (
            ("human", self.p_answer),
            ("machine", self.p_machine),
            ("busy", self.p_busy),
            ("failed", self.p_failed),
        ):
            if roll < share:
                return outcome
            roll -= share
        return "no-answer"


@dataclass
class VolunteerParty:
    """A volunteer on a phone: PIN, habits, and how long they stay.

    `digits` scripts the key presses for tests: one string per GetDigits attempt,
    "" meaning no input; when it runs out, the volunteer's own policy takes over.
    `hangup_mid_call` is a bool or the chance per shift of quitting mid-conversation.
    """

    phone: str
    pin: str = "1234"
    name: str = "Volunteer"
    wrong_pins: int = 0
    key_delay_median: float = 8.0
    key_delay_sigma: float = 0.5
    key_delay_max: float = 60.0
    pin_delay: float = 3.0
    join_delay: float = 0.0
    shift_seconds: float | None = None
    shift_range: tuple[float, float] = (2 * 3600.0, 3 * 3600.0)
    hangup_mid_call: bool | float = 0.05
    silent: bool = False
    answers_callme: bool = True
    callme_ring: tuple[float, float] = (3.0, 8.0)
    digits: list[str] | None = None
    machine_listen: tuple[float, float] = (3.0, 6.0)
    p_star_ends_talk: float = 0.2
