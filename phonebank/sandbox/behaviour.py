"""How a simulated party on a call decides what to press and when to leave.

A volunteer acts the way a person would: it listens to the prompt inside a
GetDigits and answers what it asks (a PIN, a menu item), keys the result of the
conversation it just had, and leaves when its shift is over.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Protocol

from phonebank.sandbox.parties import ContactDraw, VolunteerParty, lognormal

_PIN = re.compile(r"\bpin\b", re.IGNORECASE)
_POUND = re.compile(r"pound|hash|#", re.IGNORECASE)
_ITEM = re.compile(
    r"(?:press\s+|^|[,;.:]\s*|\bor\s+)([0-9*#])\s+(?:for|to)\s+(.+?)"
    r"(?=[.,;!?]|\s+or\s+|\s+press\b|$)",
    re.IGNORECASE,
)
_ITEM_AFTER = re.compile(
    r"for\s+([^,.;!?]+?),?\s+press\s+([0-9*#])",
    re.IGNORECASE,
)
_BARE_PRESS = re.compile(r"press\s+([0-9*#])", re.IGNORECASE)
_NOT_ANSWERED = {
    "machine": r"machine|voice ?mail|message|not home",
    "busy": r"busy|not home|no answer",
    "no-answer": r"no answer|not home",
    "failed": r"disconnect|invalid|bad number|wrong number|failed",
}
_STOP_WORDS = {"not", "the", "for", "and", "to", "a", "an", "of", "or", "is"}


@dataclass(frozen=True)
class Keys:
    """Keys a party presses and how long after the prompt starts it presses them."""

    digits: str
    delay: float


class LineParty(Protocol):
    """The party on the A leg of a call, as the XML interpreter sees it."""

    def keys_for(self, prompt: str, attempt: int) -> Keys | None:
        """What the party presses in answer to a GetDigits prompt, if anything."""
        ...

    def leaves_now(self, elapsed: float, verb: str) -> bool:
        """Whether the party hangs up before the next instruction (`verb`) starts."""
        ...

    def hangs_up_after(self) -> float | None:
        """Seconds after answer when the party hangs up on its own, if ever."""
        ...


def menu_items(prompt: str) -> list[tuple[str, str]]:
    """The (key, label) items a prompt offers, in the order they are spoken."""
    items = [(key, label.strip()) for key, label in _ITEM.findall(prompt)]
    if not items:
        items = [(key, label.strip()) for label, key in _ITEM_AFTER.findall(prompt)]
    if not items:
        items = [(key, "") for key in _BARE_PRESS.findall(prompt)]
    return items


def label_matches(label: str, words: str) -> bool:
    """Whether a menu label names the same thing as some words, case-insensitively."""
    label, words = label.lower(), words.lower()
    if not label or not words:
        return False
    if words in label or label in words:
        return True
    significant = {w for w in re.findall(r"[a-z]+", words) if w not in _STOP_WORDS}
    return bool(significant & set(re.findall(r"[a-z]+", label)))


def pick_item(items: list[tuple[str, str]], want: str | None) -> str:
    """The key of the item matching `want` (words or a regex), else the first."""
    if want is not None:
        for key, label in items:
            if want.startswith("re:") and re.search(want[3:], label, re.IGNORECASE):
                return key
            if not want.startswith("re:") and label_matches(label, want):
                return key
    return items[0][0]


def wrong_pin(pin: str, nth: int) -> str:
    """A PIN that is certainly wrong: every digit shifted by nth + 1."""
    return "".join(str((int(ch) + nth + 1) % 10) if ch.isdigit() else ch for ch in pin)


class VolunteerMind:
    """One volunteer's behaviour during one call."""

    def __init__(self, party: VolunteerParty, rng: random.Random) -> None:
        self.party = party
        self.rng = rng
        self.wrong_pins_left = party.wrong_pins
        self.script = list(party.digits) if party.digits is not None else None
        self.owed: str | None = None  # the result of a conversation, to key
        self.hint: str | None = None  # what to pick if asked about an unanswered dial
        self.shift_seconds = party.shift_seconds or rng.uniform(*party.shift_range)
        self.bail_at = self._draw_bail()

    def _draw_bail(self) -> float | None:
        """When, if ever, this volunteer walks out of a conversation.

        True means "in the first conversation" (for tests); a float is the chance
        per shift, at a moment spread over the shift.
        """
        if self.party.hangup_mid_call is True:
            return 0.0
        chance = float(self.party.hangup_mid_call)
        if self.rng.random() < chance:
            return self.rng.uniform(0.0, self.shift_seconds)
        return None

    def keys_for(self, prompt: str, attempt: int) -> Keys | None:
        """Answer the prompt as a person would: a script, a PIN, or a menu item."""
        if self.script:
            digits = self.script.pop(0)
            return Keys(digits, self._pin_delay()) if digits else None
        if self.party.silent:
            return None

        if _PIN.search(prompt):
            return Keys(self._pin_to_key(prompt), self._pin_delay())

        items = menu_items(prompt)
        if not items:
            return None
        if self.owed is not None or self.hint is not None:
            key = pick_item(items, self.owed or self.hint)
            self.owed = self.hint = None
            return Keys(key, self._key_delay())
        return Keys(pick_item(items, None), self._pin_delay())

    def _pin_to_key(self, prompt: str) -> str:
        """The PIN, or a wrong one while the party still has wrong ones to make."""
        pin = self.party.pin
        if self.wrong_pins_left > 0:
            pin = wrong_pin(pin, self.party.wrong_pins - self.wrong_pins_left)
            self.wrong_pins_left -= 1
        return pin + "#" if _POUND.search(prompt) else pin

    def _pin_delay(self) -> float:
        return self.party.pin_delay * self.rng.uniform(0.7, 1.3)

    def _key_delay(self) -> float:
        party = self.party
        delay = lognormal(self.rng, party.key_delay_median, party.key_delay_sigma)
        return min(delay, party.key_delay_max)

    def heard(self, draw: ContactDraw | None, outcome: str) -> None:
        """Remember the dial just finished, to key its result when asked."""
        self.owed = self.hint = None
        if outcome == "human" and draw is not None:
            self.owed = draw.disposition
        elif outcome == "machine":
            self.owed = "re:" + _NOT_ANSWERED[outcome]
        elif outcome in _NOT_ANSWERED:
            self.hint = "re:" + _NOT_ANSWERED[outcome]

    def leaves_now(self, elapsed: float, verb: str) -> bool:
        """After the shift, leave once the last result is keyed or the app moves on."""
        if elapsed < self.shift_seconds:
            return False
        if self.bail_at is not None and self.party.hangup_mid_call is True:
            return False  # it means to walk out of a conversation, so it stays for one
        return self.owed is None or verb == "Dial"

    def hangs_up_after(self) -> float | None:
        return None

    def bail_during(self, start: float, talk: float) -> float | None:
        """Seconds into a conversation when the volunteer hangs up, if it does."""
        if self.bail_at is None or self.bail_at > start + talk:
            return None
        point = max(self.bail_at - start, min(5.0, talk / 2))
        self.bail_at = None
        return point if point < talk else None

    def ends_with_star(self) -> bool:
        """Whether the volunteer, not the contact, ends a finished conversation."""
        return self.rng.random() < self.party.p_star_ends_talk

    def machine_listen(self) -> float:
        """How long the volunteer listens to a greeting before pressing *."""
        return self.rng.uniform(*self.party.machine_listen)


class ContactOnLine:
    """A contact that answered an API call: it listens, never keys, then leaves."""

    def __init__(self, draw: ContactDraw) -> None:
        self.draw = draw

    def keys_for(self, prompt: str, attempt: int) -> Keys | None:
        return None

    def leaves_now(self, elapsed: float, verb: str) -> bool:
        return False

    def hangs_up_after(self) -> float | None:
        if self.draw.outcome == "machine":
            return self.draw.machine_seconds
        return self.draw.talk_seconds
