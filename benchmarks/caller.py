"""A simulated Plivo for one volunteer's call: signed webhooks, XML followed.

Each request is signed with Plivo's V3 scheme over the URL and form, and the
next URL is always the one the previous answer gave (GetDigits action,
Redirect, Dial action and callbackUrl), so a wrong document breaks the call
here the way it would break it on Plivo.
"""

from __future__ import annotations

import asyncio
import random
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

from benchmarks.loopback import Client
from phonebank.sandbox.webhooks import signature_headers

CHECKIN = "12025550100"
TOKEN = "bench-auth-token"  # the Plivo auth token both sides share
RESULT_KEYS = "124"  # Supporter, Undecided, Not home


class FlowBroke(Exception):
    """A webhook answered with something a call could not continue from."""

    def __init__(self, step: str, what: str) -> None:
        super().__init__(f"{step}: {what}")
        self.step = step


@dataclass
class Record:
    """Latencies by step and the calls that broke, shared by every caller."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    broken: list[FlowBroke] = field(default_factory=list)


def pin(volunteer: int) -> str:
    return f"{4000 + volunteer}"


def phone(volunteer: int) -> str:
    return f"1202555{100 + volunteer:04d}"  # Plivo sends digits without the +


class Plivo:
    """One caller's requests, signed with `token`, each timed by step."""

    def __init__(
        self, client: Client, record: Record, token: str, pause: float, seed: int
    ) -> None:
        self.client = client
        self.record = record
        self.token = token
        self.pause = pause
        self.rng = random.Random(seed)

    async def post(self, step: str, url: str, params: dict[str, str]) -> ET.Element:
        await self._wait()
        headers = signature_headers(self.token, "POST", url, params)
        return ET.fromstring(await self._timed(step, url, params, headers))

    async def get(self, step: str, url: str) -> None:
        await self._wait()
        await self._timed(step, url, None, {})

    async def _wait(self) -> None:
        if self.pause:  # a person listening and keying, on average `pause` s
            await asyncio.sleep(self.rng.uniform(0, 2 * self.pause))

    async def _timed(
        self, step: str, url: str, form: dict[str, str] | None, headers: dict[str, str]
    ) -> str:
        started = time.perf_counter()
        status, body = await self.client.send(url, form, headers)
        self.record.samples[step].append(time.perf_counter() - started)

        if status != 200:
            raise FlowBroke(step, f"HTTP {status}: {body[:160]}")
        return body


def found(doc: ET.Element, step: str, tag: str, attribute: str | None = None) -> str:
    """The URL the document sends the call to next, or FlowBroke with its words."""
    element = doc.find(tag)
    value = None if element is None else (
        element.get(attribute) if attribute else element.text
    )  # fmt: skip
    if not value:
        raise FlowBroke(step, f"no {tag} to follow, it said: {_words(doc)}")
    return value


def _words(doc: ET.Element) -> str:
    return " ".join(doc.itertext())[:160] or ET.tostring(doc, "unicode")[:160]


async def shift(
    plivo: Plivo, url: str, volunteer: int, loops: int, deadline: float
) -> int:
    """One volunteer's call: check in, `loops` contacts, hang up; results keyed.

    A broken step ends the call as Plivo would (it hangs up on a goodbye), and
    is recorded; the hangup is still sent so the shift closes.
    """
    call = {
        "CallUUID": f"bench-call-{volunteer}",
        "From": phone(volunteer),
        "To": CHECKIN,
        "Direction": "inbound",
        "CallStatus": "in-progress",
    }
    results = 0
    try:
        next_url = await _check_in(plivo, url, call, volunteer)
        for loop in range(loops):
            if time.monotonic() > deadline:
                break
            bleg = f"{call['CallUUID']}-b{loop}"
            next_url = await _contact(plivo, call, next_url, bleg)
            results += 1
    except FlowBroke as exc:
        plivo.record.broken.append(exc)

    hangup = {**call, "CallStatus": "completed", "Event": "Hangup"}
    try:
        doc = await plivo.post("hangup", f"{url}/plivo/hangup", hangup)
        if len(doc):  # the acknowledgement is an empty <Response/>
            raise FlowBroke("hangup", f"it said: {_words(doc)}")
    except FlowBroke as exc:
        plivo.record.broken.append(exc)
    return results


async def _check_in(plivo: Plivo, url: str, call: dict[str, str], n: int) -> str:
    answered = {**call, "CallStatus": "ringing", "Event": "StartApp"}
    doc = await plivo.post("answer", f"{url}/plivo/answer", answered)
    checkin = found(doc, "answer", "GetDigits", "action")
    doc = await plivo.post("checkin", checkin, {**call, "Digits": pin(n)})
    return found(doc, "checkin", "Redirect")


async def _contact(plivo: Plivo, call: dict[str, str], next_url: str, bleg: str) -> str:
    """One contact: whisper, dial, answered, a result key; the next URL."""
    doc = await plivo.post("next", next_url, call)
    dial_url = found(doc, "next", "Redirect")
    doc = await plivo.post("dial", dial_url, call)
    dialed_url = found(doc, "dial", "Dial", "action")
    bridged_url = found(doc, "dial", "Dial", "callbackUrl")

    answer = {**call, "Event": "DialAnswer", "DialAction": "answer"}
    await plivo.post("bridged", bridged_url, {**answer, "DialBLegUUID": bleg})
    ended = {"DialStatus": "completed", "DialBLegUUID": bleg}
    ended["DialHangupCause"] = "NORMAL_CLEARING"
    doc = await plivo.post("dialed", dialed_url, {**call, **ended})
    result_url = found(doc, "dialed", "GetDigits", "action")
    key = {"Digits": plivo.rng.choice(RESULT_KEYS)}
    doc = await plivo.post("result", result_url, {**call, **key})
    return found(doc, "result", "Redirect")


async def health(plivo: Plivo, url: str, count: int, step: str) -> int:
    """GET /health `count` times, one after another."""
    for _ in range(count):
        await plivo.get(step, f"{url}/health")
    return count
