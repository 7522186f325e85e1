"""The Plivo XML for each step of a volunteer's call, as pure functions.

Built with `plivo.plivoxml`, which escapes every text and attribute, so a
contact named `José & Ana O'Brien <B>` reaches Plivo as data. Nothing here
reads the clock or the database: the web layer gathers the facts and asks
which document comes next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from plivo import plivoxml

from phonebank.config import Campaign

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
VOICE = "WOMAN"
LANGUAGE = "en-US"
PIN_TIMEOUT = 10
RESULT_TIMEOUT = 15
DIAL_TIME_LIMIT = 3600

# Plivo's DialStatus, translated to our outcome words at this edge.
DIAL_OUTCOMES = {
    "completed": "answered",
    "busy": "busy",
    "no-answer": "no_answer",
    "timeout": "no_answer",
    "cancel": "no_answer",
    "failed": "failed",
}
SPOKEN_OUTCOME = {
    "busy": "The line was busy.",
    "no_answer": "No answer.",
    "failed": "That number did not connect.",
}


@dataclass(frozen=True)
class Urls:
    """Webhook URLs, always built from the configured public URL."""

    public_url: str

    def step(self, name: str, **params: object) -> str:
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.public_url}/plivo/{name}" + (f"?{query}" if query else "")


def _speak(text: str) -> plivoxml.SpeakElement:
    return plivoxml.SpeakElement(speakable(text), voice=VOICE, language=LANGUAGE)


def speakable(text: str) -> str:
    """Text XML can carry: control characters (a stray NUL or escape pasted
    into a spreadsheet) become spaces rather than breaking the document."""
    return _CONTROL.sub(" ", text)


def _doc(*elements: plivoxml.PlivoXMLElement) -> str:
    response = plivoxml.ResponseElement()
    for element in elements:
        response.add(element)
    return str(response.to_string(False))


def dial_outcome(dial_status: str, bleg_uuid: str) -> str:
    """Our outcome for Plivo's DialStatus; 'completed' with nobody on B is not."""
    outcome = DIAL_OUTCOMES.get(dial_status, "failed")
    if outcome == "answered" and not bleg_uuid:
        return "no_answer"
    return outcome


def _one_key(
    action: str, valid: str, prompt: str, timeout: int = 10
) -> plivoxml.GetDigitsElement:
    """A one-key menu, asked up to three times; silence falls through."""
    digits = plivoxml.GetDigitsElement(
        action=action,
        method="POST",
        timeout=timeout,
        num_digits=1,
        retries=3,
        redirect=True,
        valid_digits=valid,
    )
    digits.add(_speak(prompt))
    return digits


def goodbye(text: str) -> str:
    return _doc(_speak(text), plivoxml.HangupElement())


def empty() -> str:
    """An acknowledgement for notification URLs."""
    return _doc()


def ask_pin(urls: Urls, organization: str, attempt: int, tries: int) -> str:
    """Prompt for the PIN; silence falls through to the next try."""
    if attempt > tries:
        return goodbye("We did not get a PIN. Please call again later. Goodbye.")
    greeting = f"Welcome to the {organization} phone bank. " if attempt == 1 else ""
    prompt = _speak(f"{greeting}Please enter your PIN, then press pound.")
    digits = plivoxml.GetDigitsElement(
        action=urls.step("checkin", attempt=attempt),
        method="POST",
        timeout=PIN_TIMEOUT,
        digit_timeout=4,
        finish_on_key="#",
        num_digits=8,
        retries=1,
        redirect=True,
        valid_digits="0123456789#",
    )
    digits.add(prompt)
    return _doc(
        digits,
        _speak("We did not hear a PIN."),
        plivoxml.RedirectElement(
            urls.step("answer", attempt=attempt + 1), method="POST"
        ),
    )


def retry_pin(urls: Urls, attempt: int, tries: int, why: str) -> str:
    """Say why the PIN failed and ask again, or say goodbye after the last try."""
    if attempt >= tries:
        return goodbye(f"{why} Please check your PIN and call again. Goodbye.")
    return _doc(
        _speak(why),
        plivoxml.RedirectElement(
            urls.step("answer", attempt=attempt + 1), method="POST"
        ),
    )


def choose_campaign(
    urls: Urls, shift_id: int, name: str, campaigns: list[Campaign]
) -> str:
    """A keypad menu when more than one campaign is calling now."""
    items = " ".join(
        f"Press {n} for {c.name}." for n, c in enumerate(campaigns, start=1)
    )
    digits = _one_key(
        urls.step("campaign", shift=shift_id),
        "".join(str(n) for n in range(1, len(campaigns) + 1)),
        f"Welcome, {name}. {items}",
    )
    return _doc(
        digits, _speak("No choice was made. Goodbye."), plivoxml.HangupElement()
    )


def welcome(
    urls: Urls, shift_id: int, name: str, campaign: Campaign, closes: str | None
) -> str:
    """Greet the volunteer, say when the window closes, and start calling."""
    until = f" The calling window closes {closes}." if closes else ""
    return _doc(
        _speak(f"Welcome, {name}. You are calling for {campaign.name}.{until}"),
        plivoxml.RedirectElement(
            urls.step("next", shift=shift_id, after=0), method="POST"
        ),
    )


def whisper(urls: Urls, attempt_id: int, text: str) -> str:
    """The whisper, then on to the dial (a separate step, so a hang-up during
    the whisper leaves the contact undialed and back in the queue)."""
    return _doc(
        _speak(text),
        plivoxml.RedirectElement(urls.step("dial", attempt=attempt_id), method="POST"),
    )


def dial(urls: Urls, attempt_id: int, campaign: Campaign, number: str) -> str:
    """Bridge the volunteer to the contact; `*` ends the call and moves on."""
    element = plivoxml.DialElement(
        action=urls.step("dialed", attempt=attempt_id),
        method="POST",
        caller_id=campaign.caller_id,
        timeout=campaign.ring_timeout,
        time_limit=DIAL_TIME_LIMIT,
        hangup_on_star=True,
        redirect=True,
        callback_url=urls.step("bridged", attempt=attempt_id),
        callback_method="POST",
    )
    element.add(plivoxml.NumberElement(number))
    return _doc(element)


def ask_result(
    urls: Urls, attempt_id: int, campaign: Campaign, again: bool = False
) -> str:
    """The result menu; no key after the retries records 'no result'."""
    items = " ".join(f"Press {r.key} for {r.label}." for r in campaign.results)
    lead = "That key is not on the list. " if again else ""
    digits = _one_key(
        urls.step("result", attempt=attempt_id),
        "".join(r.key for r in campaign.results),
        f"{lead}{items}",
        timeout=RESULT_TIMEOUT,
    )
    return _doc(
        digits,
        _speak("No result was entered."),
        plivoxml.RedirectElement(
            urls.step("noresult", attempt=attempt_id), method="POST"
        ),
    )


def after_dial(urls: Urls, shift_id: int, attempt_id: int, outcome: str) -> str:
    """Tell the volunteer an unanswered outcome and go straight to the next one."""
    return _say_then_next(
        urls, shift_id, attempt_id, SPOKEN_OUTCOME.get(outcome, "The call ended.")
    )


def after_result(urls: Urls, shift_id: int, attempt_id: int, label: str) -> str:
    return _say_then_next(urls, shift_id, attempt_id, f"Saved: {label}.")


def _say_then_next(urls: Urls, shift_id: int, attempt_id: int, text: str) -> str:
    return _doc(
        _speak(text),
        plivoxml.RedirectElement(
            urls.step("next", shift=shift_id, after=attempt_id), method="POST"
        ),
    )


def hold(urls: Urls, shift_id: int, after: int, seconds: int) -> str:
    """Nobody is callable this minute but someone will be soon: wait, try again."""
    return _doc(
        _speak("Nobody is ready to be called this minute. Please hold."),
        plivoxml.WaitElement(length=seconds),
        plivoxml.RedirectElement(
            urls.step("next", shift=shift_id, after=after), method="POST"
        ),
    )


def none_left(campaign: Campaign) -> str:
    return goodbye(
        f"There is nobody left to call for {campaign.name} right now. "
        "Thank you for calling. Goodbye."
    )


def window_closed(next_open: str | None) -> str:
    when = f" The next one opens {next_open}." if next_open else ""
    return goodbye(f"No calling window is open now.{when} Thank you. Goodbye.")


def call_me(urls: Urls, volunteer_id: int, organization: str, name: str) -> str:
    """The server called a volunteer; they press 1 to start their shift."""
    digits = _one_key(
        urls.step("callme", volunteer=volunteer_id),
        "1",
        f"Hello {name}, this is the {organization} phone bank. "
        "Press 1 to start calling.",
    )
    return _doc(digits, _speak("Maybe next time. Goodbye."), plivoxml.HangupElement())
