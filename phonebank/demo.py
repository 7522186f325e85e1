"""`phonebank demo`: a whole phone bank on the sandbox, in under a minute.

It imports the example VAN-shaped contacts, starts the webhook server and the
sandbox on loopback ports sharing one simulated clock, lets simulated
volunteers check in by keypad and work a shift, and reports. Calls outside
calling hours are counted from the sandbox's own log, not from the dialer's
decisions, so the figure checks the dialer rather than repeating it.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones
from rich.console import Console
from sqlalchemy import select
from sqlmodel import col

from phonebank import config as config_module
from phonebank import contacts, db, reports, scripts, server, volunteers
from phonebank.clock import SimClock
from phonebank.config import Config, VolunteerEntry
from phonebank.models import Contact
from phonebank.sandbox import Sandbox, VolunteerParty

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CAMPAIGN = "tenant-vote"
REAL_SECONDS_CAP = 55.0
FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo")


def demo_start(today: date) -> datetime:
    """Next Saturday 11:50 in New York: the Pacific coast is still before 9:00,
    so the first minutes show calling hours holding those contacts back."""
    days = (5 - today.weekday()) % 7 or 7
    saturday = today + timedelta(days=days)
    start = datetime.combine(saturday, clock_time(11, 50), ZoneInfo("America/New_York"))
    return start.astimezone(UTC)


def _write_config(folder: Path) -> Config:
    shutil.copytree(ROOT / "scripts", folder / "scripts")
    text = (EXAMPLES / "demo.yaml").read_text(encoding="utf-8")
    (folder / "campaigns.yaml").write_text(text, encoding="utf-8")
    return config_module.load(folder / "campaigns.yaml")


def _team(count: int, seed: int) -> list[tuple[VolunteerEntry, VolunteerParty]]:
    rng = random.Random(seed)
    team = []
    for n in range(count):
        name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Volunteer{n + 1}"
        phone = f"+1202555{150 + n:04d}"
        pin = f"{rng.randrange(10**5, 10**6)}"
        entry = VolunteerEntry(name=name, phone=phone, pin=pin)
        party = VolunteerParty(
            phone=phone, pin=pin, name=name, shift_range=(5400.0, 7200.0)
        )
        team.append((entry, party))
    return team


def run(
    volunteers: int = 5,
    speed: float = 120.0,
    seed: int = 7,
    console: Console | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Run the demo and return its report (see README for the keys)."""
    with tempfile.TemporaryDirectory(prefix="phonebank-demo-") as tmp:
        return _run(
            Path(tmp), volunteers, speed, seed, console or Console(stderr=True), quiet
        )


def _run(
    folder: Path, count: int, speed: float, seed: int, console: Console, quiet: bool
) -> dict[str, Any]:
    cfg = _write_config(folder)
    campaign = cfg.campaign(CAMPAIGN)
    engine = db.make_engine(cfg.database_url)
    clock = SimClock(demo_start(datetime.now(UTC).date()), speed)
    imported = contacts.import_contacts(
        engine,
        cfg,
        campaign,
        EXAMPLES / "contacts.csv",
        required_fields=scripts.required_fields(cfg, campaign),
        now=clock.now(),
    )
    if not quiet:
        data = imported.to_json()
        console.print(
            f"imported {data['imported']} of {data['rows']} example contacts "
            f"({len(data['rejected'])} rejected, {data['duplicates']} duplicates)",
            highlight=False,
        )

    team = _team(count, seed)
    for entry, _ in team:
        volunteers.add(engine, cfg, entry, replace=True)
    cfg, web_server = server.web_in_thread(cfg, engine, clock)
    lab = server.sandbox_for(cfg, clock, seed=seed)
    web_server.start()
    lab.start()
    started = clock.now()
    try:
        lab.start_team(
            [p for _, p in team], cfg.settings.checkin_number, spread_seconds=600
        )
        _watch(lab, engine, cfg, clock, console, quiet)
    finally:
        lab.stop()
        web_server.stop()

    report = reports.campaign_report(engine, cfg, CAMPAIGN, clock.now())
    report["calls_outside_hours"] = calls_outside_hours(lab.log.dials(), engine, cfg)
    report["simulated_minutes"] = round((clock.now() - started).total_seconds() / 60, 1)
    report["speed"] = speed
    report["seed"] = seed
    report["sandbox_dials"] = len(lab.log.dials())
    return report


def _watch(
    lab: Sandbox,
    engine: Any,
    cfg: Config,
    clock: SimClock,
    console: Console,
    quiet: bool,
) -> None:
    """Wait for the shift to end, with a live line (one every 10 s in a log)."""
    deadline = time.monotonic() + REAL_SECONDS_CAP
    live = console.is_terminal
    last_line = 0.0
    time.sleep(0.5)
    while time.monotonic() < deadline:
        if lab.wait_idle(timeout=0.5):
            break
        if quiet or (not live and time.monotonic() - last_line < 10):
            continue
        last_line = time.monotonic()
        dials = lab.log.dials()
        local = clock.now().astimezone(cfg.campaign(CAMPAIGN).zone)
        answered = sum(1 for d in dials if d.get("outcome") in ("human", "machine"))
        console.print(
            f"{local:%a %H:%M} dials {len(dials):4d}  answered {answered:4d}",
            highlight=False,
            end="\r" if live else "\n",
        )
    if live and not quiet:
        console.print()


def calls_outside_hours(dials: list[dict[str, Any]], engine: Any, cfg: Config) -> int:
    """Dials that rang a phone outside calling hours in any zone it may be in.

    Independent of the dialer: the instant comes from the sandbox's log, the
    zones from the number itself plus the contact's address as imported.
    """
    campaign = cfg.campaign(CAMPAIGN)
    hours = campaign.calling_hours
    with db.session(engine) as session:
        stored = dict(
            session.execute(select(col(Contact.phone), col(Contact.time_zones))).all()
        )
    outside = 0
    for dial in dials:
        number = str(dial.get("to", ""))
        moment = datetime.fromisoformat(str(dial["at"]))
        zones = set(stored.get(number) or [])
        parsed = phonenumbers.parse(number, None)
        zones |= {z for z in number_zones.time_zones_for_number(parsed) if "/" in z}
        for name in zones or {"UTC"}:
            local = moment.astimezone(ZoneInfo(name)).time()
            if not hours.start <= local < hours.end:
                outside += 1
                break
    return outside


def print_report(report: dict[str, Any], console: Console) -> None:
    console.print(reports.render_report(report))
    console.print(
        f"simulated {report['simulated_minutes']} minutes at {report['speed']}x; "
        f"calls outside calling hours: {report['calls_outside_hours']}",
        highlight=False,
    )
