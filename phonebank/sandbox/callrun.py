"""Running one call from its first request to its hangup_url."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable

from phonebank.sandbox.calls import (
    BUSY,
    INVALID_NUMBER,
    RING_TIMEOUT,
    SANDBOX_STOPPED,
    Call,
    Ending,
)
from phonebank.sandbox.interpreter import run_document, run_documents
from phonebank.sandbox.session import BLegDropped, CallEnded, Jump, Session

logger = logging.getLogger(__name__)

INTERNAL_ERROR = Ending("completed", "NORMAL_CLEARING", 5000, "Internal Error", "Plivo")


def answer_jump(call: Call) -> Jump:
    """The first request of an answered (or, inbound, ringing) call."""
    params = call.standard_params() | {"Event": "StartApp"}
    return Jump(call.urls.answer, call.urls.answer_method, params, (7011, 8011))


def ring_then_answer(session: Session, pdd: float, ring: float, outcome: str) -> Jump:
    """An API call's post-dial delay and ringing, then its answer or why none came."""
    call = session.call
    session.wait(pdd)
    if outcome in ("busy", "failed"):
        raise CallEnded(BUSY if outcome == "busy" else INVALID_NUMBER)

    params = call.standard_params("ringing") | {"Event": "Ring"}
    for key in ("ALegUUID", "ALegRequestUUID"):
        params.pop(key)
    session.callback(call.urls.ring, call.urls.ring_method, params)
    session.check_interrupts()
    if outcome == "no-answer" or ring > call.ring_timeout:
        session.wait(call.ring_timeout)
        raise CallEnded(RING_TIMEOUT)

    session.wait(ring)
    session.answer()
    return answer_jump(call)


def run_call(session: Session, first: Jump | Callable[[], Jump]) -> None:
    """Run a call to its end, then send its hangup_url."""
    try:
        jump = first if isinstance(first, Jump) else first()
        root = fetch_answer(session, jump)
        run_documents(session, run_document(session, root, jump.url))
    except CallEnded as ended:
        ending = ended.ending
    except BLegDropped:
        ending = INTERNAL_ERROR
    except Exception:
        logger.exception("Sandbox call %s crashed", session.call.uuid)
        ending = INTERNAL_ERROR

    net, call = session.net, session.call
    if net.stopping.is_set():
        ending = SANDBOX_STOPPED
    for leg in list(session.bridged):
        net.finish(leg, ending)
    net.finish(call, ending)
    if call.urls.hangup and not net.stopping.is_set():
        hangup = call.hangup_params()
        session.callback(call.urls.hangup, call.urls.hangup_method, hangup)


def fetch_answer(session: Session, jump: Jump) -> ET.Element:
    """The answer XML, from the fallback URL when the answer URL is unreachable."""
    try:
        return session.fetch_xml(jump)
    except CallEnded as ended:
        urls = session.call.urls
        if ended.ending.code != 7011 or not urls.fallback:
            raise
        fallback = Jump(urls.fallback, urls.fallback_method, jump.params, jump.codes)
        return session.fetch_xml(fallback)
