"""`phonebank sandbox`: serve the sandbox by itself for manual testing."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from phonebank.clock import Clock, SimClock, SystemClock
from phonebank.phones import mask
from phonebank.sandbox.engine import Application, Sandbox
from phonebank.sandbox.log import Event
from phonebank.sandbox.parties import VolunteerParty

logger = logging.getLogger(__name__)


def describe(event: Event) -> str:
    """One line for a person watching the log; numbers masked."""
    kind, at = event["kind"], event["at"][11:19]
    if kind == "rest":
        return f"{at} rest     {event['method']} {event['path']} -> {event['status']}"
    if kind == "callback":
        return (
            f"{at} callback {event['method']} {event['path']} "
            f"{event.get('event') or ''} -> {event['status'] or event['error']}"
        )
    if kind == "xml":
        return f"{at} xml      {event['uuid'][:8]} <{event['verb']}>"
    if kind == "dial":
        return (
            f"{at} dial     {mask(event['to'])} {event['outcome']} "
            f"ring {event['ring_seconds']:.0f}s talk {event['talk_seconds']:.0f}s "
            f"-> {event['dial_status']}"
        )
    if kind == "call":
        end = f" {event.get('hangup_cause')}" if event["phase"] == "end" else ""
        return (
            f"{at} call     {event['uuid'][:8]} {event['phase']} "
            f"{event['direction']} {mask(event['from'])} -> {mask(event['to'])}{end}"
        )
    return f"{at} {kind}"


def run_standalone(
    host: str,
    port: int,
    auth_id: str,
    auth_token: str,
    answer_url: str,
    hangup_url: str,
    checkin_number: str,
    volunteers: list[VolunteerParty],
    speed: float = 1.0,
    seed: int = 0,
    log_path: str | Path | None = None,
    echo: bool | None = None,
    team_spread: float | None = None,
) -> None:
    """Serve until Ctrl-C. Volunteers answer call-me calls; with `team_spread`
    they also phone the check-in number, joining over that many clock seconds.
    Events are printed as they happen when `echo`, which defaults to "a log file
    was asked for" (the `--log` mode)."""
    echo = bool(log_path) if echo is None else echo
    clock: Clock = SystemClock() if speed == 1.0 else SimClock(datetime.now(UTC), speed)
    sandbox = Sandbox(
        auth_id,
        auth_token,
        clock=clock,
        seed=seed,
        log_path=log_path,
        echo=(lambda e: print(describe(e), flush=True)) if echo else None,
    )
    sandbox.applications[checkin_number] = Application(answer_url, hangup_url)
    for party in volunteers:
        sandbox.add_volunteer(party)

    base_url = sandbox.start(host, port)
    print(
        f"Sandbox serving on {base_url} (check-in number {mask(checkin_number)})",
        flush=True,
    )
    if team_spread is not None:
        sandbox.start_team(volunteers, checkin_number, team_spread)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
