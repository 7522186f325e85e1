"""Figures for a campaign and for the running server, and their terminal tables.

Every figure over contacts and attempts is counted by the database with GROUP
BY, so a report on a campaign of a million contacts reads a few hundred rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from phonebank import hours
from phonebank.config import Campaign, Config
from phonebank.db import reader, utc
from phonebank.exports import export_contacts
from phonebank.models import Attempt, Contact, Shift, Volunteer

__all__ = [
    "campaign_report",
    "export_contacts",
    "render_report",
    "render_status",
    "status",
]

OUTCOMES = ("answered", "busy", "no_answer", "failed")
NOT_DIALS = ("", "not_dialed")
LIVE_STATES = ("dialing", "awaiting_result")


def campaign_report(
    engine: Engine, config: Config, slug: str, now: datetime
) -> dict[str, Any]:
    """Every figure of `phonebank report` for one campaign, as JSON-ready data."""
    campaign = config.campaign(slug)

    with reader(engine).connect() as conn:
        outcomes, results = _attempts_by_volunteer(conn, campaign)
        contacts = _contacts_by_status(conn, slug)
        shifts = _shift_time_by_volunteer(conn, slug, now)
        names = _volunteer_names(conn, {v for v, _ in outcomes} | set(shifts))

    team = _team_figures(outcomes, results, campaign)
    volunteers = _volunteer_figures(names, outcomes, results, shifts)
    total_hours = sum(time.total_seconds() for _, time in shifts.values()) / 3600
    return {
        "campaign": slug,
        **team,
        **_contact_figures(contacts, campaign.max_attempts),
        "volunteers": volunteers,
        "conversations_per_volunteer_hour": _rate(team["conversations"], total_hours),
    }


def _attempts_by_volunteer(
    conn: Connection, campaign: Campaign
) -> tuple[Counter[tuple[int, str]], Counter[tuple[int, str, bool]]]:
    """Attempts by (volunteer, outcome), and results by (volunteer, label, talk).

    One pass over the campaign's attempts gives both: the grouping yields a row
    per volunteer, outcome and result, a few thousand rows at most.
    """
    grouping = (
        col(Attempt.volunteer_id),
        col(Attempt.outcome),
        col(Attempt.result_key),
        col(Attempt.result_label),
    )
    query = (
        select(*grouping, func.count())
        .where(col(Attempt.campaign) == campaign.slug)
        .group_by(*grouping)
    )
    outcomes: Counter[tuple[int, str]] = Counter()
    results: Counter[tuple[int, str, bool]] = Counter()
    for volunteer_id, outcome, key, label, n in conn.execute(query):
        outcomes[(volunteer_id, outcome)] += n
        if outcome == "answered" and label:
            results[_result_of(campaign, volunteer_id, key, label)] += n
    return outcomes, results


def _result_of(
    campaign: Campaign, volunteer_id: int, key: str, label: str
) -> tuple[int, str, bool]:
    """(volunteer, label, conversation) for a keyed result or "No result"."""
    result = campaign.result_for(key) if key else None
    if result is None:
        # A key no longer in the YAML keeps the label stored with the call.
        return (volunteer_id, label, False)
    # The configured label, so renaming a result keeps its earlier calls.
    return (volunteer_id, result.label, result.conversation)


def _contacts_by_status(conn: Connection, slug: str) -> Counter[tuple[str, int]]:
    """Contacts counted by (status, attempts)."""
    query = (
        select(col(Contact.status), col(Contact.attempts), func.count())
        .where(col(Contact.campaign) == slug)
        .group_by(col(Contact.status), col(Contact.attempts))
    )
    return Counter({(s, attempts): n for s, attempts, n in conn.execute(query)})


def _shift_time_by_volunteer(
    conn: Connection, slug: str, now: datetime
) -> dict[int, tuple[int, timedelta]]:
    """Shifts and time on shift per volunteer; an open shift counts up to now."""
    # Shifts are few (one per volunteer per evening), and subtracting times is
    # written differently in SQLite and PostgreSQL, so this sums in Python.
    query = select(
        col(Shift.volunteer_id), col(Shift.started_at), col(Shift.ended_at)
    ).where(col(Shift.campaign) == slug)
    totals: dict[int, tuple[int, timedelta]] = {}
    for volunteer_id, started, ended in conn.execute(query):
        start, end = utc(started) or now, utc(ended) or now
        count, time = totals.get(volunteer_id, (0, timedelta()))
        totals[volunteer_id] = (count + 1, time + max(end - start, timedelta()))
    return totals


def _volunteer_names(conn: Connection, ids: set[int]) -> dict[int, str]:
    """Names for the volunteer ids; a deleted volunteer shows as `#id`."""
    query = select(col(Volunteer.id), col(Volunteer.name)).where(
        col(Volunteer.id).in_(sorted(ids))
    )
    names = {v: name for v, name in conn.execute(query)}
    return {v: names.get(v, f"#{v}") for v in ids}


def _team_figures(
    outcomes: Counter[tuple[int, str]],
    results: Counter[tuple[int, str, bool]],
    campaign: Campaign,
) -> dict[str, Any]:
    """Dials, answers, results and conversations for the whole campaign."""
    by_outcome: Counter[str] = Counter()
    for (_, outcome), n in outcomes.items():
        by_outcome[outcome] += n
    dials = sum(n for outcome, n in by_outcome.items() if outcome not in NOT_DIALS)

    by_label: dict[str, int] = {result.label: 0 for result in campaign.results}
    for (_, label, _), n in results.items():
        by_label[label] = by_label.get(label, 0) + n

    return {
        "dials": dials,
        "answered": by_outcome["answered"],
        "answer_rate": round(by_outcome["answered"] / dials, 3) if dials else 0,
        "conversations": sum(n for (_, _, talk), n in results.items() if talk),
        "results": by_label,
        "outcomes": {outcome: by_outcome[outcome] for outcome in OUTCOMES},
    }


def _contact_figures(
    contacts: Counter[tuple[str, int]], max_attempts: int
) -> dict[str, Any]:
    """The attempts histogram and how many contacts are left, done or do-not-call."""
    by_attempts: Counter[int] = Counter()
    by_status: Counter[str] = Counter()
    for (contact_status, attempts), n in contacts.items():
        by_attempts[attempts] += n
        by_status[contact_status] += n
    highest = max([max_attempts, *by_attempts])
    remaining = sum(
        n
        for (contact_status, attempts), n in contacts.items()
        if contact_status == "open" and attempts < max_attempts
    )

    return {
        "attempts_per_contact": {str(a): by_attempts[a] for a in range(highest + 1)},
        "contacts": sum(by_status.values()),
        "contacts_remaining": remaining,
        "contacts_done": by_status["done"],
        "contacts_dnc": by_status["dnc"],
    }


def _volunteer_figures(
    names: dict[int, str],
    outcomes: Counter[tuple[int, str]],
    results: Counter[tuple[int, str, bool]],
    shifts: dict[int, tuple[int, timedelta]],
) -> list[dict[str, Any]]:
    """One row per volunteer who took a shift or dialed, in name order."""
    dials: Counter[int] = Counter()
    for (volunteer_id, outcome), n in outcomes.items():
        if outcome not in NOT_DIALS:
            dials[volunteer_id] += n
    talks: Counter[int] = Counter()
    for (volunteer_id, _, talk), n in results.items():
        if talk:
            talks[volunteer_id] += n

    rows = []
    for volunteer_id, name in names.items():
        count, time = shifts.get(volunteer_id, (0, timedelta()))
        hours_on = time.total_seconds() / 3600
        rows.append(
            {
                "name": name,
                "shifts": count,
                "dials": dials[volunteer_id],
                "conversations": talks[volunteer_id],
                "hours": round(hours_on, 2),
                "conversations_per_hour": _rate(talks[volunteer_id], hours_on),
            }
        )
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["name"]))


def _rate(count: int, hours_on: float) -> float:
    """Per hour, to two decimals; 0 rather than a division by zero."""
    return round(count / hours_on, 2) if hours_on > 0 else 0


def render_report(report: dict[str, Any]) -> Group:
    """The report as terminal tables: summary, results, contacts, volunteers."""
    return Group(
        _summary_table(report),
        _counts_table("Results", "result", report["results"]),
        _counts_table(
            "Attempts per contact", "attempts", report["attempts_per_contact"]
        ),
        _volunteers_table(report["volunteers"]),
    )


def _summary_table(report: dict[str, Any]) -> Table:
    table = Table(title=f"Campaign {report['campaign']}", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("Dials", report["dials"]),
        ("Answered", report["answered"]),
        ("Answer rate", f"{report['answer_rate']:.1%}"),
        ("Conversations", report["conversations"]),
        (
            "Conversations per volunteer hour",
            report["conversations_per_volunteer_hour"],
        ),
        *((f"  {o.replace('_', ' ')}", n) for o, n in report["outcomes"].items()),
        ("Contacts", report["contacts"]),
        ("  remaining", report["contacts_remaining"]),
        ("  done", report["contacts_done"]),
        ("  do not call", report["contacts_dnc"]),
    ]
    for figure, value in rows:
        table.add_row(figure, str(value))
    return table


def _counts_table(title: str, what: str, counts: dict[str, int]) -> Table:
    table = Table(title=title)
    table.add_column(what)
    table.add_column("count", justify="right")
    for name, count in counts.items():
        table.add_row(Text(name), str(count))
    return table


def _volunteers_table(volunteers: list[dict[str, Any]]) -> Table:
    table = Table(title="Volunteers")
    columns = (
        "name",
        "shifts",
        "dials",
        "conversations",
        "hours",
        "conversations_per_hour",
    )
    for column in columns:
        table.add_column(
            column.replace("_", " "), justify="left" if column == "name" else "right"
        )
    for row in volunteers:
        table.add_row(Text(row["name"]), *(str(row[column]) for column in columns[1:]))
    return table


def status(engine: Engine, config: Config, now: datetime) -> dict[str, Any]:
    """What is happening right now: windows, open shifts, live calls, contacts left."""
    with reader(engine).connect() as conn:
        shifts = _open_shifts(conn)
        live = conn.execute(
            select(func.count())
            .select_from(Attempt)
            .where(col(Attempt.state).in_(LIVE_STATES))
        ).scalar_one()
        left = _contacts_left(conn, config)

    return {
        "windows": [_window(campaign, now) for campaign in config.campaigns],
        "shifts": shifts,
        "calls_live": live,
        "contacts_left": left,
    }


def _window(campaign: Campaign, now: datetime) -> dict[str, Any]:
    """Whether the campaign's window is open; if not, when it next opens."""
    if hours.window_open(campaign, now):
        return {
            "campaign": campaign.slug,
            "open": True,
            "next_open": None,
            "next_open_local": None,
        }
    opens = hours.next_window_open(campaign, now)
    local = opens.astimezone(campaign.zone) if opens else None
    return {
        "campaign": campaign.slug,
        "open": False,
        "next_open": opens.isoformat() if opens else None,
        "next_open_local": f"{local:%a %d %b %H:%M} {local.tzname()}"
        if local
        else None,
    }


def _open_shifts(conn: Connection) -> list[dict[str, Any]]:
    """Shifts not yet ended, oldest first, with the volunteer's name."""
    query = (
        select(col(Volunteer.name), col(Shift.campaign), col(Shift.started_at))
        .join(Volunteer, col(Volunteer.id) == col(Shift.volunteer_id))
        .where(col(Shift.ended_at).is_(None))
        .order_by(col(Shift.started_at), col(Shift.id))
    )
    shifts = []
    for name, campaign, started in conn.execute(query):
        since = utc(started)
        shifts.append(
            {
                "volunteer": name,
                "campaign": campaign,
                "since": since.isoformat() if since else None,
            }
        )
    return shifts


def _contacts_left(conn: Connection, config: Config) -> dict[str, int]:
    """Open contacts with attempts left, per configured campaign."""
    query = (
        select(col(Contact.campaign), col(Contact.attempts), func.count())
        .where(col(Contact.status) == "open")
        .group_by(col(Contact.campaign), col(Contact.attempts))
    )
    limits = {c.slug: c.max_attempts for c in config.campaigns}
    left = dict.fromkeys(limits, 0)
    for slug, attempts, n in conn.execute(query):
        if slug in limits and attempts < limits[slug]:
            left[slug] += n
    return left


def render_status(state: dict[str, Any]) -> Group:
    """The status as terminal tables: windows, open shifts, and the totals."""
    windows = Table(title="Dial windows")
    for column in ("campaign", "open", "next opens", "contacts left"):
        windows.add_column(column)
    for window in state["windows"]:
        slug = window["campaign"]
        windows.add_row(
            Text(slug),
            "open" if window["open"] else "closed",
            window.get("next_open_local") or "",
            str(state["contacts_left"].get(slug, 0)),
        )

    shifts = Table(title=f"Open shifts ({len(state['shifts'])})")
    for column in ("volunteer", "campaign", "since"):
        shifts.add_column(column)
    for shift in state["shifts"]:
        shifts.add_row(
            Text(shift["volunteer"]),
            Text(shift["campaign"] or "-"),
            shift["since"] or "",
        )

    return Group(windows, shifts, Text(f"Calls live: {state['calls_live']}"))
