"""The server side of the webhook benchmark, run in a process of its own.

    python -m benchmarks.bench_server FOLDER CONTACTS VOLUNTEERS

prints `{"url": ...}` once serving, serves until its stdin closes, then prints
what the database holds and its own peak memory, each as one JSON line.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from benchmarks import vanfile
from benchmarks.caller import TOKEN, phone, pin
from benchmarks.measure import peak_rss_mib
from phonebank import config, db, server, web
from phonebank import volunteers as roster
from phonebank.clock import SimClock
from phonebank.config import Config, VolunteerEntry
from phonebank.contacts import import_contacts
from phonebank.serving import ServerThread
from tests.conftest import settings_dict, write_config

EVENING = datetime(2026, 12, 8, 23, 0, tzinfo=UTC)  # 18:00 in New York
TALLY = {
    "contacts": "SELECT count(*) FROM contact",
    "attempts": "SELECT count(*) FROM attempt",
    "results": "SELECT count(*) FROM attempt WHERE result_key != ''",
    # A contact released undialed by a broken call may rightly be claimed again.
    "contacts_claimed_twice": "SELECT count(*) - count(DISTINCT contact_id) "
    "FROM attempt WHERE outcome != 'not_dialed'",
    "shifts_ended": "SELECT count(*) FROM shift WHERE ended_at IS NOT NULL",
}


def serve(folder: Path, contacts: int, volunteers: int) -> None:
    """Serve the app on 127.0.0.1 until stdin closes, then report."""
    loaded, engine = seed(folder, contacts, volunteers)
    web_server = ServerThread()  # 127.0.0.1, a free port
    loaded = server.with_public_url(loaded, web_server.url)
    # Speed 1: the clock runs as the wall clock does, from inside the window.
    app = web.create_app(loaded, engine, SimClock(EVENING, 1.0), TOKEN)
    web_server.set_app(app)
    web_server.start()
    print(json.dumps({"url": web_server.url}), flush=True)

    sys.stdin.read()
    web_server.stop()
    print(json.dumps({**tally(engine), "max_rss_mib": round(peak_rss_mib(), 1)}))


def seed(folder: Path, contacts: int, volunteers: int) -> tuple[Config, Engine]:
    """The tests' campaign, its contacts imported from a VAN-shaped file."""
    url = f"sqlite:///{folder / 'webhooks.db'}"
    loaded = config.load(write_config(folder, settings_dict(database_url=url)))
    engine = db.make_engine(url)
    file = folder / "contacts.csv"
    vanfile.write_files(contacts, file)
    import_contacts(engine, loaded, loaded.campaigns[0], file, now=EVENING)
    for n in range(1, volunteers + 1):
        entry = VolunteerEntry(name=f"Volunteer {n}", phone=f"+{phone(n)}", pin=pin(n))
        roster.add(engine, loaded, entry)
    return loaded, engine


def tally(engine: Engine) -> dict[str, int]:
    """Counts to check the calls against: shifts, attempts, results."""
    with engine.connect() as conn:
        return {key: conn.execute(text(sql)).scalar_one() for key, sql in TALLY.items()}


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
