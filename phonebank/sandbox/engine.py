"""The Sandbox: a local Plivo with simulated volunteers and contacts."""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phonebank.clock import Clock, SystemClock
from phonebank.phones import mask
from phonebank.sandbox.behaviour import ContactOnLine, LineParty, VolunteerMind
from phonebank.sandbox.callrun import answer_jump, ring_then_answer, run_call
from phonebank.sandbox.calls import (
    CANCELLED_BY_API,
    Call,
    Ending,
    Urls,
    e164,
)
from phonebank.sandbox.faults import Fault, FaultBook
from phonebank.sandbox.log import Event, EventLog
from phonebank.sandbox.parties import (
    ContactDraw,
    ContactProfile,
    VolunteerParty,
    seeded_rng,
)
from phonebank.sandbox.session import Session
from phonebank.sandbox.webhooks import FetchOptions, Webhooks
from phonebank.serving import ServerThread

logger = logging.getLogger(__name__)


@dataclass
class Application:
    """A Plivo application: where a number's inbound calls get their XML."""

    answer_url: str
    hangup_url: str = ""
    answer_method: str = "POST"
    hangup_method: str = "POST"
    fallback_url: str = ""
    fallback_method: str = "POST"


class Sandbox:
    """A Plivo-compatible service on loopback, with a network of simulated parties."""

    def __init__(
        self,
        auth_id: str = "MASANDBOX00000000000",
        auth_token: str = "sandbox-token",
        clock: Clock | None = None,
        seed: int = 0,
        cps: float = 2.0,
        default_contact: ContactProfile | None = None,
        log_path: str | Path | None = None,
        echo: Callable[[Event], None] | None = None,
        fetch_options: FetchOptions | None = None,
    ) -> None:
        self.auth_id = auth_id
        self.auth_token = auth_token
        self.clock: Clock = clock or SystemClock()
        self.seed = seed
        self.cps = cps
        self.default_contact = default_contact or ContactProfile()
        self.applications: dict[str, Application] = {}
        self.contacts: dict[str, ContactProfile] = {}
        self.volunteers: dict[str, VolunteerParty] = {}
        self.calls: dict[str, Call] = {}
        self.stopping = threading.Event()
        self.log = EventLog(self.clock, log_path, echo)
        self.hooks = Webhooks(auth_token, self.log, fetch_options, self.stopping)
        self.faults = FaultBook()

        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._queue: deque[Call] = deque()
        self._dispatcher: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._counts: Counter[str] = Counter()
        self._server: ServerThread | None = None
        self.base_url = ""

        from phonebank.sandbox.rest import build_app

        self.asgi_app = build_app(self)

    # -- lifecycle ---------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the REST API with uvicorn in a daemon thread; return its base URL."""
        self._server = ServerThread(self.asgi_app, host, port)
        self.base_url = self._server.start()
        logger.info("Sandbox listening on %s", self.base_url)
        return self.base_url

    def stop(self) -> None:
        """End every call without callbacks and stop serving."""
        self.stopping.set()
        with self._lock:
            calls = list(self.calls.values())
            self._idle.notify_all()
        for call in calls:
            call.wake.set()
        if self._server is not None:
            self._server.stop()
        for thread in list(self._threads):
            thread.join(timeout=5.0)
        self.hooks.close()
        logger.info("Sandbox stopped")

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no call is live, queued or about to be placed (real seconds)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def inject(self, fault: Fault) -> None:
        """Make upcoming REST requests fail as `fault` says."""
        self.faults.add(fault)

    def add_volunteer(self, party: VolunteerParty) -> None:
        """Let outbound API calls to this party's phone reach it (call-me)."""
        self.volunteers[e164(party.phone)] = party

    # -- parties -----------------------------------------------------------------

    def draw_contact(self, number: str) -> tuple[ContactProfile, ContactDraw]:
        """Decide the nth dial of `number` from (seed, number, n), repeatably."""
        number = e164(number)
        with self._lock:
            self._counts["contact:" + number] += 1
            nth = self._counts["contact:" + number]
        profile = _lookup(self.contacts, number) or self.default_contact
        return profile, profile.draw(seeded_rng(self.seed, "contact", number, nth))

    def _mind(self, party: VolunteerParty) -> VolunteerMind:
        phone = e164(party.phone)
        with self._lock:
            self._counts["volunteer:" + phone] += 1
            nth = self._counts["volunteer:" + phone]
        return VolunteerMind(party, seeded_rng(self.seed, "volunteer", phone, nth))

    # -- call registry -----------------------------------------------------------

    def register(self, call: Call) -> None:
        """Make a leg visible to the REST API and log its start."""
        with self._lock:
            self.calls[call.uuid] = call
        self.log.add(
            "call",
            phase="start",
            uuid=call.uuid,
            direction=call.direction,
            parent_uuid=call.parent_uuid,
            **{"from": call.from_, "to": call.to},
        )

    def finish(self, call: Call, ending: Ending) -> None:
        """Mark a leg ended (once) and log how."""
        with self._lock:
            if call.ending is not None:
                return
            call.ending, call.state, call.ended = ending, "ended", self.clock.now()
        seconds, _ = call.durations()
        self.log.add(
            "call",
            phase="end",
            uuid=call.uuid,
            direction=call.direction,
            parent_uuid=call.parent_uuid,
            hangup_cause=ending.cause,
            hangup_code=ending.code,
            hangup_source=ending.source,
            call_status=ending.status,
            duration=seconds,
            **{"from": call.from_, "to": call.to},
        )
        logger.info(
            "Call %s to %s ended: %s (%d)",
            call.uuid,
            mask(call.to),
            ending.name,
            ending.code,
        )

    def live_calls(self, state: str = "live") -> list[Call]:
        with self._lock:
            calls = list(self.calls.values())
        if state == "queued":
            return [call for call in calls if call.state == "queued"]
        return [call for call in calls if call.live]

    # -- inbound calls -----------------------------------------------------------

    def place_call(self, party: VolunteerParty, to: str) -> str:
        """A simulated volunteer dials `to` now; returns the CallUUID."""
        app = _lookup(self.applications, to)
        if app is None:
            raise ValueError(
                f"No application for {to}: set sandbox.applications[{to!r}]"
            )

        call = Call(
            direction="inbound",
            from_=e164(party.phone),
            to=e164(to),
            auth_id=self.auth_id,
            initiated=self.clock.now(),
            urls=Urls(
                app.answer_url,
                app.answer_method,
                app.hangup_url,
                app.hangup_method,
                fallback=app.fallback_url,
                fallback_method=app.fallback_method,
            ),
            caller_name=party.name,
            state="ringing",
        )
        self._begin(call)
        session = Session(call, self._mind(party), self)
        self._spawn(functools.partial(run_call, session, answer_jump(call)), call)
        return call.uuid

    def start_team(
        self, parties: list[VolunteerParty], to: str, spread_seconds: float = 600.0
    ) -> None:
        """Each party calls `to` after its join_delay, or a seeded spread over time."""
        for party in parties:
            delay = party.join_delay or seeded_rng(
                self.seed, "join", e164(party.phone)
            ).uniform(0.0, spread_seconds)
            with self._lock:
                self._pending += 1
            self._spawn(functools.partial(self._join_later, party, to, delay), None)

    def _join_later(self, party: VolunteerParty, to: str, delay: float) -> None:
        try:
            if not self.stopping.wait(delay / self.clock.speed):
                self.place_call(party, to)
        finally:
            self._settle()

    # -- outbound (API) calls ----------------------------------------------------

    def create_call(self, params: dict[str, Any]) -> list[Call]:
        """Queue one call per destination, as POST Call/ does."""
        urls = Urls(
            answer=str(params["answer_url"]),
            answer_method=str(params.get("answer_method") or "POST"),
            hangup=str(params.get("hangup_url") or ""),
            hangup_method=str(params.get("hangup_method") or "POST"),
            ring=str(params.get("ring_url") or ""),
            ring_method=str(params.get("ring_method") or "POST"),
            fallback=str(params.get("fallback_url") or ""),
            fallback_method=str(params.get("fallback_method") or "POST"),
        )
        calls = []
        for to in str(params["to"]).split("<"):
            call = Call(
                direction="outbound",
                from_=e164(str(params["from"])),
                to=e164(to),
                auth_id=self.auth_id,
                initiated=self.clock.now(),
                urls=urls,
                caller_name=str(params.get("caller_name") or ""),
                ring_timeout=float(params.get("ring_timeout") or 120),
                time_limit=float(params.get("time_limit") or 14400),
            )
            self._begin(call)
            calls.append(call)
        with self._lock:
            self._queue.extend(calls)
            self._idle.notify_all()
        self._ensure_dispatcher()
        return calls

    def _ensure_dispatcher(self) -> None:
        with self._lock:
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(
                    target=self._dispatch, name="sandbox-cps", daemon=True
                )
                self._dispatcher.start()

    def _dispatch(self) -> None:
        """Dequeue API calls at `cps` per clock second: Plivo queues, never 429s."""
        while not self.stopping.is_set():
            with self._idle:
                self._idle.wait_for(lambda: self._queue or self.stopping.is_set())
                if self.stopping.is_set():
                    return
                call = self._queue.popleft()
                if call.ending is not None:
                    continue
                call.state = "ringing"
            self.log.add("dequeue", uuid=call.uuid)
            self._spawn(functools.partial(self._run_outbound, call), call)
            self.stopping.wait(1.0 / self.cps / self.clock.speed)

    def _run_outbound(self, call: Call) -> None:
        party = _lookup(self.volunteers, call.to)
        if party is not None:
            mind = self._mind(party)
            pdd = mind.rng.uniform(2.0, 5.0)
            ring = mind.rng.uniform(*party.callme_ring)
            outcome = "human" if party.answers_callme else "no-answer"
            line: LineParty = mind
        else:
            _, draw = self.draw_contact(call.to)
            pdd, ring, outcome = draw.post_dial_delay, draw.ring_seconds, draw.outcome
            line = ContactOnLine(draw)

        session = Session(call, line, self)
        ringing = functools.partial(ring_then_answer, session, pdd, ring, outcome)
        run_call(session, ringing)

    def hangup(self, uuid: str) -> bool:
        """DELETE Call/{uuid}/: cancel a queued or ringing call, end an answered one."""
        with self._lock:
            call = self.calls.get(uuid)
            if call is None or call.ending is not None:
                return False
            call.api_hangup = True
            queued = call.state == "queued"
        if queued:
            self.finish(call, CANCELLED_BY_API)
            self._spawn(lambda: self._after_queued_cancel(call), None)
        call.wake.set()
        return True

    def _after_queued_cancel(self, call: Call) -> None:
        if call.urls.hangup:
            self.hooks.send(
                call.urls.hangup,
                call.urls.hangup_method,
                call.hangup_params(),
                call.uuid,
            )
        self._settle()

    # -- bookkeeping -------------------------------------------------------------

    def _begin(self, call: Call) -> None:
        with self._lock:
            self._pending += 1
        self.register(call)

    def _settle(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def _spawn(self, target: Callable[[], None], call: Call | None) -> None:
        """Run `target` in a daemon thread; a call's thread settles it when done."""
        thread = threading.Thread(target=self._settling(target, call), daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _settling(
        self, target: Callable[[], None], call: Call | None
    ) -> Callable[[], None]:
        def body() -> None:
            try:
                target()
            finally:
                if call is not None:
                    self._settle()

        return body


def _lookup(mapping: dict[str, Any], number: str) -> Any:
    """Find a number in a dict keyed by numbers written with or without '+'."""
    wanted = e164(number)
    for key, value in mapping.items():
        if e164(key) == wanted:
            return value
    return None
