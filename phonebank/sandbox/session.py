"""One live call as its thread sees it: simulated time, deadlines and callbacks."""

from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin

from phonebank.clock import Clock
from phonebank.sandbox.behaviour import LineParty
from phonebank.sandbox.calls import (
    CANCELLED_BY_API,
    HUNG_UP_BY_API,
    SANDBOX_STOPPED,
    TIME_LIMIT,
    Call,
    Ending,
    webhook_error,
)
from phonebank.sandbox.log import EventLog
from phonebank.sandbox.parties import ContactDraw, ContactProfile
from phonebank.sandbox.webhooks import Reply, Webhooks

logger = logging.getLogger(__name__)

MAX_XML_BYTES = 100 * 1024


class CallEnded(Exception):
    """The call is over; unwinds the interpreter to the call's thread."""

    def __init__(self, ending: Ending) -> None:
        super().__init__(ending.name)
        self.ending = ending


class BLegDropped(Exception):
    """The B leg of a Dial was hung up through the API while A stays on."""


class Network(Protocol):
    """What a call needs from the sandbox around it."""

    clock: Clock
    log: EventLog
    hooks: Webhooks
    stopping: threading.Event

    def draw_contact(self, number: str) -> tuple[ContactProfile, ContactDraw]:
        """Decide the next dial of `number`, repeatably."""
        ...

    def register(self, call: Call) -> None:
        """Make a leg visible to the REST API (live lists, hangup)."""
        ...

    def finish(self, call: Call, ending: Ending) -> None:
        """Mark a leg ended and log it."""
        ...


@dataclass(frozen=True)
class Jump:
    """A URL whose XML replaces the current document."""

    url: str
    method: str
    params: dict[str, str]
    codes: tuple[int, int]  # (unreachable, invalid XML), e.g. (7012, 8012)


@dataclass
class Session:
    """The A leg of a call while its XML runs; `elapsed` is simulated seconds."""

    call: Call
    party: LineParty
    net: Network
    elapsed: float = 0.0
    deadlines: list[tuple[float, Ending]] = field(default_factory=list)
    bridged: list[Call] = field(default_factory=list)
    base: str = ""  # URL of the running document, for relative URLs in it

    def answer(self) -> None:
        """Pick up: the call is now in progress and its time limit starts."""
        if self.call.state == "in-progress":
            return
        self.call.state = "in-progress"
        self.call.answered = self.net.clock.now()
        self.deadlines.append((self.elapsed + self.call.time_limit, TIME_LIMIT))
        hangs_up = self.party.hangs_up_after()
        if hangs_up is not None:
            source = "Caller" if self.call.direction == "inbound" else "Callee"
            ending = Ending(
                "completed", "NORMAL_CLEARING", 4000, "Normal Hangup", source
            )
            self.deadlines.append((self.elapsed + hangs_up, ending))

    def wait(self, seconds: float) -> None:
        """Let `seconds` of call time pass; end the call at any deadline on the way."""
        target = self.elapsed + max(0.0, seconds)
        due = min(self.deadlines, default=None, key=lambda item: item[0])
        if due is not None and due[0] <= target:
            self._sleep(due[0] - self.elapsed)
            raise CallEnded(due[1])
        self._sleep(target - self.elapsed)

    def _sleep(self, seconds: float) -> None:
        """Sleep in clock time; an API hangup or sandbox stop interrupts it."""
        started = time.monotonic()
        woken = self.call.wake.wait(max(0.0, seconds) / self.net.clock.speed)
        if not woken:
            self.elapsed += max(0.0, seconds)
            return

        self.elapsed += (time.monotonic() - started) * self.net.clock.speed
        self.check_interrupts()

    def check_interrupts(self) -> None:
        """Raise for whatever woke the call: stop, API hangup of A, or of B."""
        if self.net.stopping.is_set():
            raise CallEnded(SANDBOX_STOPPED)
        if self.call.api_hangup:
            answered = self.call.state == "in-progress"
            raise CallEnded(HUNG_UP_BY_API if answered else CANCELLED_BY_API)
        if any(leg.api_hangup for leg in self.bridged):
            self.call.wake.clear()
            raise BLegDropped()
        self.call.wake.clear()

    def callback(self, url: str, method: str, params: dict[str, str]) -> Reply:
        """Send a request for this call; notifications ignore what comes back."""
        if not url:
            return Reply(None, error="no url")
        return self.net.hooks.send(url, method, params, self.call.uuid)

    def fetch_xml(self, jump: Jump) -> ET.Element:
        """Fetch a URL that must return Plivo XML; failure ends the call (7xxx/8xxx)."""
        reply = self.callback(jump.url, jump.method, jump.params)
        self.check_interrupts()
        answered = self.call.state == "in-progress"
        if not reply.ok:
            logger.warning(
                "Call %s: %s gave %s",
                self.call.uuid,
                jump.url,
                reply.error or reply.status,
            )
            raise CallEnded(webhook_error(jump.codes[0], answered))

        root = parse_document(reply)
        if root is None:
            logger.warning("Call %s: %s returned invalid XML", self.call.uuid, jump.url)
            raise CallEnded(webhook_error(jump.codes[1], answered))
        return root

    def resolve(self, base: str, url: str) -> str:
        return urljoin(base, url.strip())

    def log_xml(self, verb: str, **fields: object) -> None:
        self.net.log.add("xml", uuid=self.call.uuid, verb=verb, **fields)


KNOWN_VERBS = {
    "Speak",
    "Play",
    "Wait",
    "GetDigits",
    "Dial",
    "Redirect",
    "Hangup",
    "PreAnswer",
    "Record",
    "DTMF",
    "Conference",
    "GetInput",
    "Message",
    "Stream",
    "MultiPartyCall",
}
ALLOWED_CHILDREN = {
    "GetDigits": {"Speak", "Play", "Wait"},
    "GetInput": {"Speak", "Play", "Wait"},
    "PreAnswer": {"Speak", "Play", "Wait"},
    "Dial": {"Number", "User"},
}


def parse_document(reply: Reply) -> ET.Element | None:
    """The <Response> root if the reply is well-formed Plivo XML, else None.

    Plivo requires an XML content type and at most 100 KB (plivo-facts §3.1).
    """
    if "xml" not in reply.content_type.lower():
        return None
    if len(reply.body.encode("utf-8")) > MAX_XML_BYTES:
        return None
    try:
        root = ET.fromstring(reply.body)
    except ET.ParseError:
        return None

    if root.tag != "Response":
        return None
    for element in root:
        if element.tag not in KNOWN_VERBS:
            return None
        allowed = ALLOWED_CHILDREN.get(element.tag, set())
        if any(child.tag not in allowed for child in element):
            return None
        if element.tag == "Dial" and not any((c.text or "").strip() for c in element):
            return None
    return root
