"""Running phonebank: the webhook server, the scheduler and, for tests and the
demo, the sandbox, each on a loopback port of its own."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn
from plivo import exceptions as plivo_errors
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from phonebank import db, scheduler, volunteers, web
from phonebank.callflow import Urls
from phonebank.clock import Clock, SystemClock
from phonebank.config import Campaign, Config
from phonebank.errors import MissingCredentials, PhonebankError
from phonebank.models import Shift, Volunteer
from phonebank.serving import ServerThread
from phonebank.telephony import Telephony

if TYPE_CHECKING:
    from phonebank.sandbox import Sandbox

log = logging.getLogger(__name__)
SANDBOX_AUTH_ID = "MASANDBOX00000000000"
SANDBOX_AUTH_TOKEN = "sandbox-auth-token"


@dataclass
class Credentials:
    auth_id: str
    auth_token: str


def credentials_from_env(sandbox_flag: str = "--sandbox") -> Credentials:
    """Plivo credentials from PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN, or an error."""
    auth_id = os.environ.get("PLIVO_AUTH_ID", "").strip()
    auth_token = os.environ.get("PLIVO_AUTH_TOKEN", "").strip()
    if not auth_id or not auth_token:
        raise MissingCredentials(sandbox_flag)
    return Credentials(auth_id, auth_token)


def with_public_url(config: Config, url: str) -> Config:
    """The same config served at another URL (the sandbox's loopback address)."""
    settings = config.settings.model_copy(update={"public_url": url.rstrip("/")})
    return Config(settings, config.path)


def call_volunteers(
    config: Config, engine: Engine, telephony: Telephony, campaign: Campaign
) -> list[str]:
    """Call every call-me volunteer not already on a shift; returns call UUIDs."""
    urls = Urls(config.settings.public_url)
    with db.session(engine) as session:
        busy = select(col(Shift.volunteer_id)).where(col(Shift.ended_at).is_(None))
        people = (
            session.execute(
                select(Volunteer).where(
                    col(Volunteer.call_me),
                    col(Volunteer.active),
                    col(Volunteer.id).not_in(busy),
                )
            )
            .scalars()
            .all()
        )
    placed = []
    for person in people:
        placed.append(
            telephony.call(
                to=person.phone,
                caller_id=config.settings.checkin_number,
                answer_url=urls.step("callme", volunteer=person.id),
                hangup_url=urls.step("hangup"),
                ring=campaign.ring_timeout,
            )
        )
    log.info("called %d call-me volunteers for %s", len(placed), campaign.slug)
    return placed


def sandbox_for(
    config: Config, clock: Clock, seed: int = 0, cps: float = 2.0
) -> Sandbox:
    """A sandbox whose check-in number rings this config's webhooks (not started)."""
    from phonebank.sandbox import Application, Sandbox

    lab = Sandbox(SANDBOX_AUTH_ID, SANDBOX_AUTH_TOKEN, clock=clock, seed=seed, cps=cps)
    lab.applications[config.settings.checkin_number] = Application(
        answer_url=f"{config.settings.public_url}/plivo/answer",
        hangup_url=f"{config.settings.public_url}/plivo/hangup",
    )
    return lab


def web_in_thread(
    config: Config, engine: Engine, clock: Clock
) -> tuple[Config, ServerThread]:
    """The webhook app on a loopback thread (not started), for the sandbox to
    call; the config returned has that thread's URL as its public URL."""
    thread = ServerThread()
    config = with_public_url(config, thread.url)
    thread.set_app(web.create_app(config, engine, clock, SANDBOX_AUTH_TOKEN))
    return config, thread


def _embedded_sandbox(config: Config, clock: Clock, port: int) -> str:
    lab = sandbox_for(config, clock)
    base = lab.start(host="127.0.0.1", port=port)
    log.info(
        "sandbox Plivo at %s: place a volunteer call with "
        "curl -d from=PHONE -d to=%s -d pin=PIN %s/sandbox/calls",
        base,
        config.settings.checkin_number,
        base,
    )
    return base


def _telephony(creds: Credentials, base: str | None) -> Telephony:
    try:
        return Telephony(creds.auth_id, creds.auth_token, base_url=base)
    except plivo_errors.AuthenticationError:
        raise PhonebankError(
            "Error: PLIVO_AUTH_ID does not look like a Plivo Auth ID (MA or SA "
            "and 18 more characters). Copy it again from the Plivo console."
        ) from None


@dataclass
class SandboxChoice:
    """Where `serve` finds Plivo: the real API, an embedded or a running sandbox."""

    embedded_port: int | None = None
    url: str | None = None


def serve(
    config: Config, host: str, port: int, sandbox: SandboxChoice | None = None
) -> None:
    """Run the webhook server and the scheduler until interrupted."""
    clock = SystemClock()
    engine = db.make_engine(config.database_url)
    volunteers.sync_roster(engine, config)
    base = None
    if sandbox and sandbox.embedded_port is not None:
        config = with_public_url(config, f"http://{host}:{port}")
        base = _embedded_sandbox(config, clock, sandbox.embedded_port)
    elif sandbox and sandbox.url:
        base = sandbox.url.rstrip("/")
    creds = (
        Credentials(SANDBOX_AUTH_ID, SANDBOX_AUTH_TOKEN)
        if base
        else credentials_from_env()
    )
    telephony = _telephony(creds, base)
    jobs = scheduler.build(
        config,
        engine,
        clock,
        on_open=lambda c: call_volunteers(config, engine, telephony, c),
        live_calls=telephony.live_calls,
    )
    jobs.start()
    log.info(
        "serving %s on http://%s:%d (public URL %s)",
        config.settings.organization,
        host,
        port,
        config.settings.public_url,
    )
    try:
        uvicorn.run(
            web.create_app(config, engine, clock, creds.auth_token),
            host=host,
            port=port,
            log_level="info",
            # The access log would print each volunteer's secret sheet link;
            # web.py logs each webhook itself; sheet links are never logged.
            access_log=False,
        )
    finally:
        jobs.shutdown(wait=False)
