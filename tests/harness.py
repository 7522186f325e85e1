"""End-to-end harness: `serve`'s app and the sandbox on loopback, one clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from phonebank import db, server, volunteers
from phonebank.clock import SimClock
from phonebank.config import Config, VolunteerEntry
from phonebank.models import Attempt, Contact, DoNotCall, Shift
from phonebank.phones import contact_zones
from phonebank.sandbox import ContactProfile, Sandbox, VolunteerParty
from phonebank.serving import ServerThread

CHECKIN = "+12025550100"


@dataclass
class Bank:
    """A running phone bank on the sandbox, for tests to drive and inspect."""

    config: Config
    engine: Engine
    clock: SimClock
    lab: Sandbox
    web_server: ServerThread
    parties: dict[str, VolunteerParty] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        config: Config,
        at: datetime,
        speed: float = 400.0,
        seed: int = 3,
        cps: float = 2.0,
    ) -> Bank:
        engine = db.make_engine(config.database_url)
        clock = SimClock(at, speed)
        config, web_server = server.web_in_thread(config, engine, clock)
        lab = server.sandbox_for(config, clock, seed=seed, cps=cps)
        web_server.start()
        lab.start()
        return cls(config, engine, clock, lab, web_server)

    def stop(self) -> None:
        self.lab.stop()
        self.web_server.stop()
        self.engine.dispose()

    def add_contacts(self, *phones: str, **fields: Any) -> list[int]:
        rows = []
        for n, phone in enumerate(phones):
            zones, source = contact_zones(phone, "", "", "US")
            rows.append(
                {
                    "campaign": fields.get("campaign", "tenant-vote"),
                    "external_id": f"V{n + 1}",
                    "phone": phone,
                    "first_name": fields.get("first_name", f"Contact{n + 1}"),
                    "last_name": "Example",
                    "extra": {"city": "Springfield"},
                    "time_zones": zones,
                    "tz_source": source,
                }
            )
        with self.engine.begin() as conn:
            conn.execute(insert(Contact.__table__), rows)  # type: ignore[attr-defined]
        with db.session(self.engine) as session:
            found = session.execute(select(Contact.id).order_by(Contact.id)).all()
        return [row[0] for row in found]

    def volunteer(
        self, name: str, phone: str, pin: str, **habits: Any
    ) -> VolunteerParty:
        volunteers.add(
            self.engine,
            self.config,
            VolunteerEntry(
                name=name, phone=phone, pin=pin, call_me=habits.pop("call_me", False)
            ),
        )
        party = VolunteerParty(phone=phone, pin=pin, name=name, **habits)
        self.parties[phone] = party
        self.lab.add_volunteer(party)
        return party

    def profile(self, phone: str, **kwargs: Any) -> None:
        self.lab.contacts[phone] = ContactProfile(**kwargs)

    def call_in(self, party: VolunteerParty) -> str:
        return self.lab.place_call(party, to=CHECKIN)

    def until(self, check: Any, timeout: float = 10.0) -> None:
        """Poll `check()` until true (real seconds); the sandbox runs on threads."""
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "condition not reached in time"
            time.sleep(0.02)

    def wait(self, timeout: float = 30.0) -> None:
        assert self.lab.wait_idle(timeout=timeout), "calls still live after timeout"

    def attempts(self) -> list[Attempt]:
        with db.session(self.engine) as session:
            return list(session.execute(select(Attempt).order_by(Attempt.id)).scalars())

    def contacts(self) -> list[Contact]:
        with db.session(self.engine) as session:
            return list(session.execute(select(Contact).order_by(Contact.id)).scalars())

    def shifts(self) -> list[Shift]:
        with db.session(self.engine) as session:
            return list(session.execute(select(Shift).order_by(Shift.id)).scalars())

    def do_not_call(self) -> list[str]:
        with db.session(self.engine) as session:
            return [r.phone for r in session.execute(select(DoNotCall)).scalars()]  # type: ignore[call-overload]

    def callbacks(self, path: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.lab.log.events
            if e.get("kind") == "callback"
            and path in str(e.get("url", e.get("path", "")))
        ]


def config_at(folder: Path, make_config: Any, **overrides: Any) -> Config:
    cfg = make_config(database_url=f"sqlite:///{folder / 'bank.db'}", **overrides)
    return cfg  # type: ignore[no-any-return]
