"""The <Dial> verb: ring contacts, bridge the first to answer, report how it went.

Open question in plivo-facts: whether Dial's action still fires when the A leg
hangs up mid-bridge. The sandbox does not call it: the call is over, so only the
A leg's hangup_url is sent (and DialHangup to callbackUrl, if set).
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta

from phonebank.phones import mask
from phonebank.sandbox.behaviour import VolunteerMind
from phonebank.sandbox.calls import (
    BUSY,
    CANCELLED_BY_API,
    INVALID_NUMBER,
    RING_TIMEOUT,
    Call,
    Ending,
    e164,
    normal_hangup,
    plivo_number,
)
from phonebank.sandbox.parties import ContactDraw
from phonebank.sandbox.session import BLegDropped, CallEnded, Session
from phonebank.sandbox.xmlattrs import flag, number, text_of

logger = logging.getLogger(__name__)

DEFAULT_DIAL_TIMEOUT = 30.0  # Plivo documents no default; one page says 30 s
A_LEG_GONE = Ending("cancel", "ORIGINATOR_CANCEL", 1000, "Canceled", "Caller")
LOST_RACE = Ending("cancel", "LOSE_RACE", 9000, "Lose Race", "Plivo")
DIAL_CAUSES = {
    "completed": "NORMAL_CLEARING",
    "busy": "USER_BUSY",
    "failed": "UNALLOCATED_NUMBER",
    "no-answer": "NO_ANSWER",
    "cancel": "ORIGINATOR_CANCEL",
}


@dataclass
class Leg:
    """One number a Dial rings, with what its phone will do."""

    call: Call
    draw: ContactDraw
    position: int
    answers_at: float | None  # seconds after the Dial starts
    gives_up_at: float
    status: str  # the DialStatus this leg alone would report


@dataclass
class Bridge:
    """How the bridged conversation ends: after `seconds`, by `who`."""

    seconds: float
    who: str  # contact | volunteer-star | volunteer-hangup | time-limit


def run_dial(session: Session, element: ET.Element) -> dict[str, str]:
    """Ring, bridge, and return the action parameters (Plivo §3.5)."""
    timeout = number(element, "timeout", DEFAULT_DIAL_TIMEOUT)
    caller_id = element.get("callerId") or session.call.from_
    legs = [
        _ring_leg(session, child, position, caller_id, timeout)
        for position, child in enumerate(element, start=1)
    ]
    started = session.net.clock.now()
    session.log_xml("Dial", numbers=[leg.call.to for leg in legs], timeout=timeout)

    winner = _ring(session, legs)
    if winner is None:
        status = _overall_status(legs)
        if isinstance(session.party, VolunteerMind):
            session.party.heard(legs[0].draw, status)
        _log_dial(session, legs[0], started, status, 0.0, caller_id)
        return _action_params(session, status, rang=_rang(legs), b_leg="")

    talk, dial_status = _bridge(session, element, winner, started, caller_id)
    return _action_params(session, dial_status, rang=True, b_leg=winner.call.uuid)


def _ring_leg(
    session: Session, child: ET.Element, position: int, caller_id: str, timeout: float
) -> Leg:
    """Create the B leg for one <Number> or <User> and decide its fate."""
    to = text_of(child)
    _, draw = session.net.draw_contact(e164(to) if child.tag == "Number" else to)
    call = Call(
        direction="outbound",
        from_=caller_id,
        to=e164(to) if child.tag == "Number" else to,
        auth_id=session.call.auth_id,
        initiated=session.net.clock.now(),
        parent_uuid=session.call.uuid,
        ring_timeout=timeout,
        state="ringing",
        wake=session.call.wake,
    )
    session.net.register(call)
    session.bridged.append(call)

    rings_at = draw.post_dial_delay
    if draw.outcome in ("busy", "failed"):
        return Leg(call, draw, position, None, rings_at, draw.outcome)
    if draw.outcome in ("human", "machine") and draw.ring_seconds <= timeout:
        return Leg(call, draw, position, rings_at + draw.ring_seconds, 0.0, "completed")
    return Leg(call, draw, position, None, rings_at + timeout, "no-answer")


def _ring(session: Session, legs: list[Leg]) -> Leg | None:
    """Wait for the first leg to answer; end the others. None if nobody answers."""
    answering = [leg for leg in legs if leg.answers_at is not None]
    winner = min(answering, key=lambda leg: leg.answers_at or 0.0, default=None)
    until = winner.answers_at if winner else max(leg.gives_up_at for leg in legs)
    try:
        session.wait(until or 0.0)
    except CallEnded:
        _end_all(session, legs, A_LEG_GONE)
        raise
    except BLegDropped:
        _end_all(session, legs, CANCELLED_BY_API)
        for leg in legs:
            leg.status = "cancel"
        return None

    for leg in legs:
        if leg is not winner:
            _end_leg(
                session, leg, _unanswered_ending(leg) if winner is None else LOST_RACE
            )
    return winner


def _bridge(
    session: Session,
    element: ET.Element,
    leg: Leg,
    started: datetime,
    caller_id: str,
) -> tuple[float, str]:
    """Connect A and B until someone hangs up; returns talk seconds and DialStatus."""
    leg.call.state = "in-progress"
    leg.call.answered = session.net.clock.now()
    _dial_callback(session, element, leg, "DialAnswer", "answer")
    bridge = _plan_bridge(session, element, leg.draw)
    begun = session.elapsed

    try:
        session.wait(bridge.seconds)
    except CallEnded as ended:
        talk = session.elapsed - begun
        _finish_bridge(
            session,
            element,
            leg,
            normal_hangup("Caller"),
            talk,
            caller_id,
            started,
            "completed",
        )
        raise ended from None
    except BLegDropped:
        talk = session.elapsed - begun
        _finish_bridge(
            session,
            element,
            leg,
            normal_hangup("API Request"),
            talk,
            caller_id,
            started,
            "completed",
        )
        return talk, "completed"

    ending = normal_hangup("Callee" if bridge.who == "contact" else "Caller")
    _finish_bridge(
        session, element, leg, ending, bridge.seconds, caller_id, started, "completed"
    )
    if bridge.who == "volunteer-hangup":
        raise CallEnded(normal_hangup(_a_side(session)))
    return bridge.seconds, "completed"


def _plan_bridge(session: Session, element: ET.Element, draw: ContactDraw) -> Bridge:
    """Decide, before it starts, how long the conversation lasts and who ends it."""
    party = session.party
    on_star = flag(element, "hangupOnStar", False)
    limit = number(element, "timeLimit", 14400)
    if draw.outcome == "machine":
        bridge = Bridge(draw.machine_seconds, "contact")
        if on_star and isinstance(party, VolunteerMind):
            bridge = Bridge(party.machine_listen(), "volunteer-star")
    else:
        bridge = Bridge(draw.talk_seconds, "contact")
        if isinstance(party, VolunteerMind):
            bail = party.bail_during(session.elapsed, draw.talk_seconds)
            if bail is not None:
                bridge = Bridge(bail, "volunteer-hangup")
            elif on_star and party.ends_with_star():
                bridge = Bridge(draw.talk_seconds, "volunteer-star")

    if bridge.seconds > limit:
        bridge = Bridge(limit, "time-limit")
    return bridge


def _finish_bridge(
    session: Session,
    element: ET.Element,
    leg: Leg,
    ending: Ending,
    talk: float,
    caller_id: str,
    started: datetime,
    status: str,
) -> None:
    """End the B leg, tell callbackUrl, remember the outcome, log the dial."""
    _end_leg(session, leg, ending)
    _dial_callback(session, element, leg, "DialHangup", "hangup")
    if isinstance(session.party, VolunteerMind):
        session.party.heard(leg.draw, leg.draw.outcome)
    _log_dial(session, leg, started, status, talk, caller_id)


def _end_leg(session: Session, leg: Leg, ending: Ending) -> None:
    if leg.call.ending is None:
        session.net.finish(leg.call, ending)
    if leg.call in session.bridged:
        session.bridged.remove(leg.call)


def _end_all(session: Session, legs: list[Leg], ending: Ending) -> None:
    for leg in legs:
        _end_leg(session, leg, ending)


def _unanswered_ending(leg: Leg) -> Ending:
    return {"busy": BUSY, "failed": INVALID_NUMBER}.get(leg.status, RING_TIMEOUT)


def _overall_status(legs: list[Leg]) -> str:
    """One DialStatus for a Dial nobody answered."""
    statuses = {leg.status for leg in legs}
    for status in ("cancel", "no-answer", "busy"):
        if status in statuses:
            return status
    return "failed"


def _rang(legs: list[Leg]) -> bool:
    return any(leg.status in ("no-answer", "completed") for leg in legs)


def _a_side(session: Session) -> str:
    return "Caller" if session.call.direction == "inbound" else "Callee"


def _action_params(
    session: Session, status: str, rang: bool, b_leg: str
) -> dict[str, str]:
    params = session.call.standard_params()
    params.update(
        DialStatus=status,
        DialRingStatus="true" if rang else "false",
        DialHangupCause=DIAL_CAUSES[status],
        DialALegUUID=session.call.uuid,
        DialBLegUUID=b_leg,
    )
    return params


def _dial_callback(
    session: Session, element: ET.Element, leg: Leg, event: str, action: str
) -> None:
    """Notify the Dial's callbackUrl, if any, of a B-leg event."""
    url = element.get("callbackUrl", "").strip()
    if not url:
        return
    url = session.resolve(session.base, url)
    b = leg.call
    params = session.call.standard_params() | {
        "Event": event,
        "DialAction": action,
        "DialBLegStatus": action,
        "DialALegUUID": session.call.uuid,
        "DialBLegUUID": b.uuid,
        "DialBLegFrom": plivo_number(b.from_),
        "DialBLegTo": plivo_number(b.to),
        "DialBLegPosition": str(leg.position),
        "DialBLegBillRate": b.standard_params()["BillRate"],
    }
    if event == "DialHangup" and b.ending is not None:
        seconds, billed = b.durations()
        params.update(
            DialBLegDuration=str(seconds),
            DialBLegBillDuration=str(billed),
            DialBLegHangupCause=b.ending.cause,
            DialBLegHangupCauseCode=str(b.ending.code),
            DialBLegHangupCauseName=b.ending.name,
            DialBLegHangupSource=b.ending.source,
        )
    session.callback(url, element.get("callbackMethod", "POST"), params)


def _log_dial(
    session: Session,
    leg: Leg,
    started: datetime,
    status: str,
    talk: float,
    caller_id: str,
) -> None:
    """One dial event per Dial, stamped when the contact's phone started ringing."""
    rings = leg.status not in ("busy", "failed")
    ring_seconds = leg.draw.ring_seconds if leg.answers_at is not None else 0.0
    if leg.answers_at is None and rings:
        ring_seconds = leg.gives_up_at - leg.draw.post_dial_delay
    at = started + timedelta(seconds=leg.draw.post_dial_delay)
    outcome = leg.draw.outcome if leg.answers_at is not None else leg.status
    session.net.log.add(
        "dial",
        at=at.isoformat(),
        a_leg=session.call.uuid,
        b_leg=leg.call.uuid,
        to=leg.call.to,
        caller_id=e164(caller_id),
        outcome=outcome,
        disposition=leg.draw.disposition if outcome == "human" else None,
        ring_seconds=round(ring_seconds if rings else 0.0, 3),
        talk_seconds=round(talk, 3),
        dial_status=status,
    )
    logger.info("Dial to %s: %s (%s)", mask(leg.call.to), status, outcome)
