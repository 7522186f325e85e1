"""Walks Plivo XML verb by verb for one call (plivo-facts §4)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable

from phonebank.sandbox.calls import (
    BUSY_BY_XML,
    END_OF_XML,
    REJECTED,
    Ending,
    normal_hangup,
)
from phonebank.sandbox.dial import run_dial
from phonebank.sandbox.session import CallEnded, Jump, Session
from phonebank.sandbox.xmlattrs import (
    action_of,
    flag,
    number,
    text_of,
)

logger = logging.getLogger(__name__)

SPEECH_WORDS_PER_SECOND = 2.5
PLAY_SECONDS = 3.0
INVALID_SOUND_SECONDS = 3.0
KEY_SECONDS = 0.25  # time to press one key
ENDLESS_LOOPS = 10  # loop="0" means "until the call ends"; a caller gives up first

Handler = Callable[[Session, ET.Element, str], Jump | None]


def run_documents(session: Session, jump: Jump) -> None:
    """Fetch and run documents until the call ends (always by CallEnded)."""
    while True:
        root = session.fetch_xml(jump)
        jump = run_document(session, root, jump.url)


def run_document(session: Session, root: ET.Element, base: str) -> Jump:
    """Run one document; return the next URL to fetch, or end the call at its end."""
    session.base = base
    for element in root:
        if session.party.leaves_now(session.elapsed, element.tag):
            raise CallEnded(normal_hangup(_own_side(session)))
        jump = VERBS[element.tag](session, element, base)
        if jump is not None:
            return jump
    raise CallEnded(END_OF_XML)


def _own_side(session: Session) -> str:
    """How Plivo names the A-leg party when it hangs up."""
    return "Caller" if session.call.direction == "inbound" else "Callee"


def media_seconds(element: ET.Element) -> float:
    """How long a Speak, Play or Wait takes to play out."""
    loops = int(number(element, "loop", 1)) or ENDLESS_LOOPS
    if element.tag == "Speak":
        words = len(text_of(element).split())
        return max(1.0, words / SPEECH_WORDS_PER_SECOND) * loops
    if element.tag == "Play":
        return PLAY_SECONDS * loops
    if element.tag == "Wait":
        return number(element, "length", 1)
    return 0.0


def do_media(session: Session, element: ET.Element, base: str) -> Jump | None:
    """Speak, Play, Wait: answer the call if needed, then let the media play."""
    if element.tag != "Wait":
        session.answer()
    seconds = media_seconds(element)
    session.log_xml(element.tag, seconds=round(seconds, 2), text=text_of(element))
    session.wait(seconds)
    return None


def do_pre_answer(session: Session, element: ET.Element, base: str) -> Jump | None:
    """Early media: children play before the call is answered."""
    session.log_xml("PreAnswer")
    for child in element:
        session.wait(media_seconds(child))
    return None


def do_redirect(session: Session, element: ET.Element, base: str) -> Jump | None:
    """Fetch another document; whatever follows the Redirect never runs."""
    url = session.resolve(base, text_of(element))
    session.log_xml("Redirect", url=url)
    params = session.call.standard_params() | {"Event": "Redirect"}
    return Jump(url, element.get("method", "POST"), params, (7014, 8014))


def do_hangup(session: Session, element: ET.Element, base: str) -> Jump | None:
    """End the call now, or schedule it and carry on with the next element."""
    reason = element.get("reason", "")
    schedule = number(element, "schedule", 0)
    session.log_xml("Hangup", reason=reason, schedule=schedule)
    if schedule > 0:
        ending = Ending(
            "completed", "NORMAL_CLEARING", 4000, "Normal Hangup", "Answer XML"
        )
        session.deadlines.append((session.elapsed + schedule, ending))
        return None

    answered = session.call.state == "in-progress"
    if reason == "busy":
        raise CallEnded(BUSY_BY_XML)
    if reason == "rejected" or not answered:
        raise CallEnded(REJECTED)
    raise CallEnded(normal_hangup("Answer XML"))


def do_skip(session: Session, element: ET.Element, base: str) -> Jump | None:
    """Valid Plivo verbs the sandbox does not simulate: logged and skipped."""
    logger.warning("The sandbox does not simulate <%s>; skipped", element.tag)
    session.log_xml(element.tag, skipped=True)
    return None


def do_dtmf(session: Session, element: ET.Element, base: str) -> Jump | None:
    """Send digits down the line: takes a moment, nobody on our side reacts."""
    session.answer()
    session.log_xml("DTMF", digits=text_of(element))
    session.wait(KEY_SECONDS * len(text_of(element)))
    return None


def after_action(
    session: Session, element: ET.Element, base: str, params: dict[str, str]
) -> Jump | None:
    """Plivo's action rule: redirect=true runs its XML, false only notifies."""
    action = action_of(session, element, base)
    if not action:
        return None
    method = element.get("method", "POST")
    if flag(element, "redirect", True):
        return Jump(action, method, params, (7012, 8012))

    session.callback(action, method, params)
    session.check_interrupts()
    return None


def do_get_digits(session: Session, element: ET.Element, base: str) -> Jump | None:
    """Prompt, collect keys with Plivo's rules; no input falls through silently."""
    session.answer()
    digits = collect_digits(session, element)
    if digits is None:
        session.log_xml("GetDigits", digits=None)
        return None

    session.log_xml("GetDigits", digits=digits)
    params = session.call.standard_params() | {"Digits": digits}
    return after_action(session, element, base, params)


def collect_digits(session: Session, element: ET.Element) -> str | None:
    """Run up to `retries` attempts; the digits entered, or None for no input."""
    prompt = " ".join(text_of(c) for c in element if c.tag == "Speak")
    prompt_seconds = sum(media_seconds(child) for child in element)
    timeout = number(element, "timeout", 5)

    for attempt in range(max(1, int(number(element, "retries", 1)))):
        keys = session.party.keys_for(prompt, attempt)
        if keys is None or keys.delay > prompt_seconds + timeout:
            session.wait(prompt_seconds + timeout)
            continue

        session.wait(keys.delay + KEY_SECONDS * len(keys.digits))
        digits, complete = read_keys(element, keys.digits)
        if digits is None:
            sound = element.get("invalidDigitsSound")
            session.wait(INVALID_SOUND_SECONDS if sound else 0.0)
            continue
        if not complete:
            session.wait(number(element, "digitTimeout", 2))
        if digits:
            return digits
    return None


def read_keys(element: ET.Element, pressed: str) -> tuple[str | None, bool]:
    """Apply finishOnKey, numDigits and validDigits to the keys pressed.

    Returns (digits, complete): digits is None when an invalid key was pressed;
    complete is False when the caller stopped keying and digitTimeout must pass.
    """
    finish = element.get("finishOnKey", "#")
    finish = "" if finish.lower() == "none" else finish
    limit = int(number(element, "numDigits", 99))
    valid = element.get("validDigits", "1234567890*#")

    digits = ""
    for key in pressed:
        if finish and key == finish:
            return digits, True
        if key not in valid:
            return None, True
        digits += key
        if len(digits) >= limit:
            return digits, True
    return digits, False


def do_dial(session: Session, element: ET.Element, base: str) -> Jump | None:
    session.answer()
    params = run_dial(session, element)
    return after_action(session, element, base, params)


VERBS: dict[str, Handler] = {
    "Speak": do_media,
    "Play": do_media,
    "Wait": do_media,
    "PreAnswer": do_pre_answer,
    "GetDigits": do_get_digits,
    "Dial": do_dial,
    "Redirect": do_redirect,
    "Hangup": do_hangup,
    "DTMF": do_dtmf,
    "Record": do_skip,
    "Conference": do_skip,
    "GetInput": do_skip,
    "Message": do_skip,
    "Stream": do_skip,
    "MultiPartyCall": do_skip,
}
