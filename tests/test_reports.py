"""Reports, status and exports, checked against figures worked out by hand."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import Session

from phonebank import exports
from phonebank.config import Config, Settings
from phonebank.db import make_engine
from phonebank.errors import UnknownCampaign
from phonebank.models import Attempt, Contact, Shift, Volunteer
from phonebank.reports import (
    campaign_report,
    export_contacts,
    render_report,
    render_status,
    status,
)

COUNCIL = "council-2026"
SCHOOL = "school-board"
# Tuesday 6 October 2026, 18:00 in New York (EDT, UTC-4).
NOW = datetime(2026, 10, 6, 22, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    settings = Settings.model_validate(
        {
            "organization": "Riverside Tenants Union",
            "public_url": "https://phonebank.example.org",
            "checkin_number": "+12025550100",
            "campaigns": [
                {
                    "slug": COUNCIL,
                    "name": "City council",
                    "caller_id": "+12025550101",
                    "time_zone": "America/New_York",
                    "script": "council.md.j2",
                    "windows": {"weekdays": ["17:00-21:00"]},
                },
                {
                    "slug": SCHOOL,
                    "name": "School board",
                    "caller_id": "+12025550102",
                    "time_zone": "America/Chicago",
                    "script": "school.md.j2",
                    "windows": {"sat": ["10:00-14:00"]},
                    "max_attempts": 2,
                },
            ],
        }
    )
    return Config(settings, tmp_path / "campaigns.yaml")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine("sqlite:///" + str(tmp_path / "t.db"))


def add(engine: Engine, *rows: Any) -> list[Any]:
    """Insert rows and return them with their ids."""
    with Session(engine, expire_on_commit=False) as db:
        db.add_all(rows)
        db.commit()
        for row in rows:
            db.refresh(row)
    return list(rows)


def volunteer(name: str, n: int) -> Volunteer:
    return Volunteer(
        name=name, phone=f"+120255501{n:02d}", pin_hash="x", token=f"token-{n}"
    )


def contact(campaign: str, n: int, **fields: Any) -> Contact:
    return Contact(campaign=campaign, phone=f"+120255501{n:02d}", **fields)


def attempts(
    shift: Shift, count: int, outcome: str, key: str = "", label: str = "", **kw: Any
) -> list[Attempt]:
    assert shift.id is not None
    return [
        Attempt(
            campaign=shift.campaign,
            contact_id=1,
            shift_id=shift.id,
            volunteer_id=shift.volunteer_id,
            outcome=outcome,
            result_key=key,
            result_label=label,
            state=kw.get("state", "done"),
        )
        for _ in range(count)
    ]


@pytest.fixture
def evening(engine: Engine) -> dict[str, Any]:
    """Ada: a 2-hour shift, 5 conversations. Bram: on shift 30 minutes, 1."""
    ada, bram, cleo = add(
        engine,
        volunteer("Ada Quill", 1),
        volunteer("Bram Oakes", 2),
        volunteer("Cleo", 3),
    )
    ada_shift, bram_shift, bram_school, cleo_shift = add(
        engine,
        Shift(
            call_uuid="a",
            volunteer_id=ada.id,
            campaign=COUNCIL,
            started_at=NOW - timedelta(hours=3),
            ended_at=NOW - timedelta(hours=1),
        ),
        Shift(
            call_uuid="b",
            volunteer_id=bram.id,
            campaign=COUNCIL,
            started_at=NOW - timedelta(minutes=30),
        ),
        Shift(
            call_uuid="c",
            volunteer_id=bram.id,
            campaign=SCHOOL,
            started_at=NOW - timedelta(days=4),
            ended_at=NOW - timedelta(days=4) + timedelta(hours=3),
        ),
        Shift(
            call_uuid="d",
            volunteer_id=cleo.id,
            campaign=SCHOOL,
            started_at=NOW - timedelta(minutes=5),
        ),
    )
    add(
        engine,
        *attempts(ada_shift, 3, "answered", "1", "Supporter"),
        *attempts(ada_shift, 1, "answered", "2", "Undecided"),
        *attempts(ada_shift, 1, "answered", "3", "Opposed"),
        *attempts(ada_shift, 1, "answered", "4", "Not home"),
        *attempts(ada_shift, 1, "answered", "", "No result"),
        *attempts(ada_shift, 2, "busy"),
        *attempts(ada_shift, 3, "no_answer"),
        *attempts(ada_shift, 1, "failed"),
        *attempts(ada_shift, 1, "not_dialed"),
        *attempts(bram_shift, 1, "answered", "9", "Do not call"),
        *attempts(bram_shift, 2, "no_answer"),
        *attempts(bram_shift, 1, "", state="dialing"),
        *attempts(bram_shift, 1, "answered", state="awaiting_result"),
        *attempts(bram_shift, 1, "", state="claimed"),
        *attempts(bram_school, 4, "answered", "1", "Supporter"),
    )
    add(
        engine,
        *(contact(COUNCIL, n) for n in range(4)),
        contact(COUNCIL, 4, attempts=1, last_outcome="busy"),
        contact(COUNCIL, 5, attempts=1, last_outcome="no_answer"),
        contact(COUNCIL, 6, attempts=2, status="done", result_label="Supporter"),
        contact(COUNCIL, 7, attempts=3, last_outcome="no_answer"),
        contact(COUNCIL, 8, attempts=1, status="dnc", result_label="Do not call"),
        contact(SCHOOL, 1, attempts=1),
        contact(SCHOOL, 2, attempts=2),
        contact(SCHOOL, 3, attempts=0, status="dnc"),
    )
    return {"ada": ada, "bram": bram}


def test_report_counts_dials_answers_results_and_outcomes(
    engine: Engine, config: Config, evening: dict[str, Any]
) -> None:
    report = campaign_report(engine, config, COUNCIL, NOW)

    assert report["campaign"] == COUNCIL
    assert report["dials"] == 17
    assert report["answered"] == 9
    assert report["answer_rate"] == 0.529
    assert report["conversations"] == 6
    assert report["results"] == {
        "Supporter": 3,
        "Undecided": 1,
        "Opposed": 1,
        "Not home": 1,
        "Wrong number": 0,
        "Do not call": 1,
        "No result": 1,
    }
    assert report["outcomes"] == {"answered": 9, "busy": 2, "no_answer": 5, "failed": 1}


def test_report_counts_contacts_by_attempts_and_status(
    engine: Engine, config: Config, evening: dict[str, Any]
) -> None:
    report = campaign_report(engine, config, COUNCIL, NOW)

    assert report["attempts_per_contact"] == {"0": 4, "1": 3, "2": 1, "3": 1}
    assert report["contacts"] == 9
    assert report["contacts_remaining"] == 6
    assert report["contacts_done"] == 1
    assert report["contacts_dnc"] == 1


def test_report_gives_conversations_per_volunteer_hour(
    engine: Engine, config: Config, evening: dict[str, Any]
) -> None:
    report = campaign_report(engine, config, COUNCIL, NOW)

    assert report["volunteers"] == [
        {
            "name": "Ada Quill",
            "shifts": 1,
            "dials": 13,
            "conversations": 5,
            "hours": 2.0,
            "conversations_per_hour": 2.5,
        },
        {
            "name": "Bram Oakes",
            "shifts": 1,
            "dials": 4,
            "conversations": 1,
            "hours": 0.5,
            "conversations_per_hour": 2.0,
        },
    ]
    assert report["conversations_per_volunteer_hour"] == 2.4


def test_report_counts_an_open_shift_up_to_now(
    engine: Engine, config: Config, evening: dict[str, Any]
) -> None:
    later = NOW + timedelta(minutes=90)

    report = campaign_report(engine, config, COUNCIL, later)

    bram = next(v for v in report["volunteers"] if v["name"] == "Bram Oakes")
    assert bram["hours"] == 2.0
    assert bram["conversations_per_hour"] == 0.5
    assert report["conversations_per_volunteer_hour"] == 1.5


def test_report_on_an_empty_campaign_is_all_zeros(
    engine: Engine, config: Config
) -> None:
    report = campaign_report(engine, config, SCHOOL, NOW)

    assert report["dials"] == 0
    assert report["answer_rate"] == 0
    assert report["conversations_per_volunteer_hour"] == 0
    assert report["results"] == {
        "Supporter": 0,
        "Undecided": 0,
        "Opposed": 0,
        "Not home": 0,
        "Wrong number": 0,
        "Do not call": 0,
    }
    assert report["attempts_per_contact"] == {"0": 0, "1": 0, "2": 0}
    assert report["volunteers"] == []


def test_report_counts_results_by_configured_key(
    engine: Engine, config: Config
) -> None:
    (ada,) = add(engine, volunteer("Ada Quill", 1))
    (shift,) = add(engine, Shift(call_uuid="a", volunteer_id=ada.id, campaign=COUNCIL))
    add(
        engine,
        *attempts(shift, 2, "answered", "1", "Strong supporter"),
        *attempts(shift, 1, "answered", "7", "Moved away"),
    )

    report = campaign_report(engine, config, COUNCIL, NOW)

    assert report["results"]["Supporter"] == 2
    assert report["results"]["Moved away"] == 1
    assert "Strong supporter" not in report["results"]
    assert report["conversations"] == 2


def test_report_histogram_reaches_past_max_attempts(
    engine: Engine, config: Config
) -> None:
    add(engine, contact(SCHOOL, 1, attempts=4), contact(SCHOOL, 2, attempts=1))

    report = campaign_report(engine, config, SCHOOL, NOW)

    assert report["attempts_per_contact"] == {"0": 0, "1": 1, "2": 0, "3": 0, "4": 1}
    assert report["contacts_remaining"] == 1


def test_report_of_an_unknown_campaign_names_the_known_ones(
    engine: Engine, config: Config
) -> None:
    with pytest.raises(UnknownCampaign, match="council-2026, school-board"):
        campaign_report(engine, config, "mayor", NOW)


def render(renderable: Any) -> str:
    console = Console(record=True, width=140, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_render_report_shows_the_figures(
    engine: Engine, config: Config, evening: dict[str, Any]
) -> None:
    text = render(render_report(campaign_report(engine, config, COUNCIL, NOW)))

    assert "52.9%" in text
    assert "Ada Quill" in text
    assert "2.5" in text
    assert "No result" in text


def test_render_report_prints_names_as_written_not_as_markup(
    engine: Engine, config: Config
) -> None:
    (odd,) = add(engine, volunteer("[bold]Dee[/bold]", 4))
    add(engine, Shift(call_uuid="x", volunteer_id=odd.id, campaign=COUNCIL))

    text = render(render_report(campaign_report(engine, config, COUNCIL, NOW)))

    assert "[bold]Dee[/bold]" in text


def test_status_shows_windows_shifts_live_calls_and_contacts_left(
    engine: Engine, config: Config, evening: dict[str, Any]
) -> None:
    state = status(engine, config, NOW)

    assert state["windows"] == [
        {"campaign": COUNCIL, "open": True, "next_open": None, "next_open_local": None},
        # Saturday 10:00 in Chicago (CDT, UTC-5).
        {
            "campaign": SCHOOL,
            "open": False,
            "next_open": "2026-10-10T15:00:00+00:00",
            "next_open_local": "Sat 10 Oct 10:00 CDT",
        },
    ]
    assert state["shifts"] == [
        {
            "volunteer": "Bram Oakes",
            "campaign": COUNCIL,
            "since": "2026-10-06T21:30:00+00:00",
        },
        {"volunteer": "Cleo", "campaign": SCHOOL, "since": "2026-10-06T21:55:00+00:00"},
    ]
    assert state["calls_live"] == 2
    assert state["contacts_left"] == {COUNCIL: 6, SCHOOL: 1}


def test_render_status_shows_windows_and_shifts(
    engine: Engine, config: Config, evening: dict[str, Any]
) -> None:
    text = render(render_status(status(engine, config, NOW)))

    assert "Sat 10 Oct 10:00 CDT" in text
    assert "Bram Oakes" in text
    assert "Calls live: 2" in text


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_export_writes_one_neutralized_row_per_contact(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    add(
        engine,
        contact(
            COUNCIL,
            43,
            external_id="VAN-1",
            first_name='=HYPERLINK("http://evil.example","Ada")',
            last_name="@SUM(A1:A9)",
            state="DC",
            attempts=2,
            last_outcome="answered",
            result_label="Supporter",
            result_at=datetime(2026, 10, 6, 22, 15, tzinfo=UTC),
        ),
        contact(COUNCIL, 44, first_name="José", last_name="Núñez"),
        contact(SCHOOL, 45, first_name="Not exported"),
    )
    out = tmp_path / "council.csv"

    written = export_contacts(engine, config, COUNCIL, out)

    assert written == 2
    assert read_csv(out) == [
        list(exports.HEADER),
        [
            "VAN-1",
            '\'=HYPERLINK("http://evil.example","Ada")',
            "'@SUM(A1:A9)",
            "'+12025550143",
            "DC",
            "2",
            "answered",
            "Supporter",
            "2026-10-06T22:15:00+00:00",
            "open",
        ],
        ["", "José", "Núñez", "'+12025550144", "", "0", "", "", "", "open"],
    ]
    assert out.read_bytes().startswith('\ufeff"external_id","first_name"'.encode())


@pytest.mark.parametrize(
    ("first_name", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","Ada")',
            '\'=HYPERLINK("http://evil.example","Ada")',
        ),
        ("+12025550143", "'+12025550143"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Ada", "Ada"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_export_neutralizes_every_cell_a_spreadsheet_would_run(
    engine: Engine, config: Config, tmp_path: Path, first_name: str, cell: str
) -> None:
    add(engine, contact(COUNCIL, 43, first_name=first_name))
    out = tmp_path / "council.csv"

    export_contacts(engine, config, COUNCIL, out)

    assert read_csv(out)[1][1] == cell


def test_export_reads_in_chunks_and_keeps_every_contact(
    engine: Engine, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "CHUNK", 2)
    add(engine, *(contact(COUNCIL, n, external_id=f"c{n}") for n in range(5)))
    out = tmp_path / "council.csv"

    written = export_contacts(engine, config, COUNCIL, out)

    assert written == 5
    assert [row[0] for row in read_csv(out)[1:]] == ["c0", "c1", "c2", "c3", "c4"]
    assert list(tmp_path.glob("*.part")) == []


def test_export_lets_the_dialer_write_between_chunks(
    engine: Engine, tmp_path: Path
) -> None:
    add(engine, *(contact(COUNCIL, n) for n in range(3)))
    chunks = exports._chunks(engine, COUNCIL, size=2)
    first = next(chunks)

    # A dialer's write, waiting at most 0.1 s for the lock the export must not hold.
    dialer = sqlite3.connect(tmp_path / "t.db", timeout=0.1, isolation_level=None)
    dialer.execute("BEGIN IMMEDIATE")
    dialer.execute("UPDATE contact SET attempts = 1 WHERE phone = '+12025550102'")
    dialer.execute("COMMIT")
    dialer.close()

    assert len(first) == 2
    assert [row.attempts for row in next(chunks)] == [1]


def test_export_of_an_unknown_campaign_writes_nothing(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    out = tmp_path / "mayor.csv"

    with pytest.raises(UnknownCampaign):
        export_contacts(engine, config, "mayor", out)

    assert not out.exists()


def test_a_failed_export_keeps_the_previous_file(
    engine: Engine, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(engine, contact(COUNCIL, 43))
    out = tmp_path / "council.csv"
    out.write_text("yesterday's export\n", encoding="utf-8")

    def broken(row: Any) -> list[str]:
        raise OSError("disk full")

    monkeypatch.setattr(exports, "_cells", broken)

    with pytest.raises(OSError, match="disk full"):
        export_contacts(engine, config, COUNCIL, out)

    assert out.read_text(encoding="utf-8") == "yesterday's export\n"
    assert list(tmp_path.glob("*.part")) == []
