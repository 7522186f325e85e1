"""Call records: state, how a call ended, and the fields Plivo reports about it."""

from __future__ import annotations

import math
import threading
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime

BILL_RATE = "0.00850"  # per minute; one flat rate, the sandbox bills nothing real
BILL_INCREMENT = 60


@dataclass(frozen=True)
class Ending:
    """How a call ended, in Plivo's words (plivo-facts §3.3)."""

    status: str
    cause: str
    code: int
    name: str
    source: str


def normal_hangup(source: str) -> Ending:
    """A party or the XML hung up an answered call."""
    return Ending("completed", "NORMAL_CLEARING", 4000, "Normal Hangup", source)


END_OF_XML = Ending(
    "completed", "NORMAL_CLEARING", 4010, "End Of XML Instructions", "Plivo"
)
BUSY = Ending("busy", "USER_BUSY", 3010, "Busy Line", "Carrier")
REJECTED = Ending("completed", "CALL_REJECTED", 3020, "Rejected", "Answer XML")
BUSY_BY_XML = Ending("completed", "USER_BUSY", 3010, "Busy Line", "Answer XML")
RING_TIMEOUT = Ending("no-answer", "NO_ANSWER", 6010, "Ring Timeout", "Plivo")
INVALID_NUMBER = Ending(
    "failed", "UNALLOCATED_NUMBER", 2000, "Invalid Destination", "Carrier"
)
CANCELLED_BY_API = Ending(
    "cancel", "ORIGINATOR_CANCEL", 1000, "Canceled", "API Request"
)
HUNG_UP_BY_API = normal_hangup("API Request")
TIME_LIMIT = Ending("completed", "ALLOTTED_TIMEOUT", 6000, "Scheduled Hangup", "Plivo")
NO_APPLICATION = Ending(
    "failed", "UNALLOCATED_NUMBER", 2000, "Invalid Destination", "Plivo"
)
SANDBOX_STOPPED = Ending("completed", "NORMAL_CLEARING", 4000, "Normal Hangup", "Plivo")

# Plivo's names for its webhook error codes; 7xxx unreachable, 8xxx bad XML.
ERROR_NAMES = {
    7011: "Error Reaching Answer URL",
    7012: "Error Reaching Action URL",
    7013: "Error Reaching Transfer URL",
    7014: "Error Reaching Redirect URL",
    8011: "Invalid Answer XML",
    8012: "Invalid Action XML",
    8013: "Invalid Transfer XML",
    8014: "Invalid Redirect XML",
}


def webhook_error(code: int, answered: bool) -> Ending:
    """A call ended because a URL that must return XML failed (source Error)."""
    status = "completed" if answered else "failed"
    return Ending(status, "NORMAL_CLEARING", code, ERROR_NAMES[code], "Error")


def plivo_number(number: str) -> str:
    """A number as Plivo writes it in callbacks: country code and digits, no '+'."""
    if number.startswith("sip:"):
        return number
    return "".join(ch for ch in number if ch.isdigit())


def e164(number: str) -> str:
    """A number with its '+', however the caller wrote it."""
    if number.startswith("sip:"):
        return number
    return "+" + plivo_number(number)


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def plivo_time(at: datetime | None) -> str:
    """Callback time format (account time zone; the sandbox's account is UTC)."""
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else ""


def cdr_time(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%d %H:%M:%S+00:00") if at else None


@dataclass
class Urls:
    """Where a call's callbacks go, each with its HTTP method."""

    answer: str = ""
    answer_method: str = "POST"
    hangup: str = ""
    hangup_method: str = "POST"
    ring: str = ""
    ring_method: str = "POST"
    fallback: str = ""
    fallback_method: str = "POST"


@dataclass
class Call:
    """One leg: an inbound call, an API call, or the B leg of a Dial."""

    direction: str
    from_: str
    to: str
    auth_id: str
    initiated: datetime
    urls: Urls = field(default_factory=Urls)
    uuid: str = field(default_factory=new_uuid)
    caller_name: str = ""
    parent_uuid: str | None = None
    ring_timeout: float = 120.0
    time_limit: float = 14400.0
    state: str = "queued"  # queued | ringing | in-progress | ended
    answered: datetime | None = None
    ended: datetime | None = None
    ending: Ending | None = None
    api_hangup: bool = False
    wake: threading.Event = field(default_factory=threading.Event)

    @property
    def request_uuid(self) -> str:
        # 2024 captures: RequestUUID == CallUUID for one destination (plivo-facts 1.2).
        return self.uuid

    @property
    def live(self) -> bool:
        return self.state in ("ringing", "in-progress")

    def call_status(self) -> str:
        """Plivo's CallStatus for a callback sent now."""
        if self.ending is not None:
            return self.ending.status
        return "in-progress" if self.state == "in-progress" else "ringing"

    def standard_params(self, status: str | None = None) -> dict[str, str]:
        """The parameters every answer, action, redirect and hangup request carries."""
        params = {
            "CallUUID": self.uuid,
            "From": plivo_number(self.from_),
            "To": plivo_number(self.to),
            "CallStatus": status or self.call_status(),
            "Direction": self.direction,
            "CallerName": self.caller_name or plivo_number(self.from_),
            "SessionStart": self.initiated.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "ParentAuthID": self.auth_id,
            "BillRate": BILL_RATE,
            "STIRAttestation": "Not Applicable",
            "STIRVerification": "Not Applicable",
        }
        if self.direction == "outbound" and self.parent_uuid is None:
            params["RequestUUID"] = self.request_uuid
            params["ALegUUID"] = self.uuid
            params["ALegRequestUUID"] = self.request_uuid
        return params

    def durations(self) -> tuple[int, int]:
        """Seconds answered, and the same rounded up to the billing increment."""
        if self.answered is None or self.ended is None:
            return 0, 0
        seconds = max(0, round((self.ended - self.answered).total_seconds()))
        billed = math.ceil(seconds / BILL_INCREMENT) * BILL_INCREMENT
        return seconds, billed

    def hangup_params(self) -> dict[str, str]:
        """The hangup_url request (plivo-facts §3.3)."""
        assert self.ending is not None
        params = self.standard_params(self.ending.status)
        if self.answered is None:
            params.pop("ALegUUID", None)
            params.pop("ALegRequestUUID", None)
        seconds, billed = self.durations()
        cost = billed / 60 * float(BILL_RATE)
        params.update(
            Event="Hangup",
            StartTime=plivo_time(self.initiated),
            AnswerTime=plivo_time(self.answered),
            EndTime=plivo_time(self.ended),
            Duration=str(seconds),
            BillDuration=str(billed),
            TotalCost=f"{cost:.5f}",
            HangupCause=self.ending.cause,
            HangupCauseCode=str(self.ending.code),
            HangupCauseName=self.ending.name,
            HangupSource=self.ending.source,
        )
        return params

    def cdr(self, account_path: str) -> dict[str, object]:
        """The call detail record served by GET Call/{uuid}/ (plivo-facts §1.5)."""
        seconds, billed = self.durations()
        ending = self.ending
        return {
            "answer_time": cdr_time(self.answered),
            "bill_duration": seconds,
            "billed_duration": billed,
            "call_direction": self.direction,
            "call_duration": seconds,
            "call_uuid": self.uuid,
            "end_time": cdr_time(self.ended),
            "from_number": plivo_number(self.from_),
            "to_number": plivo_number(self.to),
            "initiation_time": cdr_time(self.initiated),
            "parent_call_uuid": self.parent_uuid,
            "resource_uri": f"{account_path}Call/{self.uuid}/",
            "total_amount": f"{billed / 60 * float(BILL_RATE):.5f}",
            "total_rate": BILL_RATE,
            "hangup_cause_name": ending.name if ending else None,
            "hangup_cause_code": ending.code if ending else None,
            "hangup_source": ending.source if ending else None,
            "call_state": self._cdr_state(),
        }

    def _cdr_state(self) -> str:
        if self.ending is None:
            return {"in-progress": "ANSWER", "ringing": "RINGING"}.get(
                self.state, "QUEUED"
            )
        return {"completed": "ANSWER", "no-answer": "NO_ANSWER"}.get(
            self.ending.status, self.ending.status.upper()
        )

    def live_fields(self) -> dict[str, object]:
        """The live-call view served by GET Call/{uuid}/?status=live."""
        return {
            "call_status": self.call_status(),
            "call_uuid": self.uuid,
            "caller_name": self.caller_name,
            "direction": self.direction,
            "from": plivo_number(self.from_),
            "to": plivo_number(self.to),
            "request_uuid": self.request_uuid,
            "session_start": self.initiated.strftime("%Y-%m-%d %H:%M:%S.%f"),
        }
