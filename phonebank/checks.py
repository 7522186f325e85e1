"""`phonebank check`: every problem with a config, found at once.

The schema is checked when the file loads (config.py); this adds what needs
more than the file: templates that exist, parse and render, fields that some
contact has, windows that can ever reach a contact, the volunteer roster.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from phonebank import hours, scripts
from phonebank.config import Campaign, Config
from phonebank.db import session
from phonebank.errors import PhonebankError
from phonebank.models import Contact
from phonebank.values import DAYS

US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
SAMPLE_STEP = timedelta(minutes=15)


def problems(config: Config, engine: Engine | None) -> list[str]:
    """Every problem beyond the schema, as `where: what; fix` lines."""
    found: list[str] = []
    for campaign in config.campaigns:
        where = f"campaigns[{campaign.slug}]"
        found += [
            f"{where}.script: {p}" for p in template_problems(config, campaign, engine)
        ]
        found += [f"{where}.windows: {p}" for p in window_problems(campaign)]
    if config.settings.roster:
        found += roster_problems(config)
    return found


def known_fields(campaign: Campaign, engine: Engine | None) -> set[str]:
    """Fields a contact of this campaign has: standard, declared, imported."""
    fields = set(scripts.CONTACT_FIELDS) | set(campaign.fields)
    if engine is None:
        return fields
    with session(engine) as db:
        sample = db.execute(
            select(col(Contact.extra))
            .where(col(Contact.campaign) == campaign.slug)
            .limit(50)
        ).all()
    for (extra,) in sample:
        fields |= set((extra or {}).keys())
    return fields


def template_problems(
    config: Config, campaign: Campaign, engine: Engine | None
) -> list[str]:
    path = scripts.template_path(config, campaign)
    if not path.exists():
        return [f"{path} does not exist; create it or fix the file name"]
    try:
        used = scripts.required_fields(config, campaign)
        scripts.render(config, campaign, scripts.sample_fields(used))
    except PhonebankError as exc:
        return [str(exc).removeprefix("Error: ")]

    found = []
    missing = sorted(used - known_fields(campaign, engine))
    for name in missing:
        found.append(
            f"{campaign.script} uses the field '{name}' that no contact has; "
            f"import a file with a '{name}' column, list it under "
            f"campaigns[{campaign.slug}].fields, or remove it from the template"
        )
    return found


def window_problems(campaign: Campaign, today: date | None = None) -> list[str]:
    """Windows that can never reach any contact inside calling hours."""
    zones = {campaign.time_zone}
    if campaign.contacts.country == "US":
        zones |= set(US_ZONES)
    start = today or date(2027, 1, 4)  # a Monday away from DST changes
    found = []
    for day, spans in campaign.weekly_windows().items():
        for span in spans:
            local_day = start + timedelta(days=day)
            begin = datetime.combine(local_day, span.start, tzinfo=campaign.zone)
            end = datetime.combine(local_day, span.end, tzinfo=campaign.zone)
            if not _reaches_someone(campaign, zones, begin, end):
                found.append(
                    f"{DAYS[day]} {span.start:%H:%M}-{span.end:%H:%M} can never "
                    "open: it falls outside calling hours "
                    f"({campaign.calling_hours.start:%H:%M}-"
                    f"{campaign.calling_hours.end:%H:%M}) in every time zone "
                    "contacts may be in; move it into the evening or daytime"
                )
    return found


def _reaches_someone(
    campaign: Campaign, zones: set[str], begin: datetime, end: datetime
) -> bool:
    moment = begin
    while moment < end:
        if any(hours.within_calling_hours([z], campaign, moment) for z in zones):
            return True
        moment += SAMPLE_STEP
    return False


def roster_problems(config: Config) -> list[str]:
    from phonebank.volunteers import roster_entries

    path = config.base / str(config.settings.roster)
    if not path.exists():
        return [f"roster: {path} does not exist; create it or remove the key"]
    try:
        entries, problems = roster_entries(path)
    except PhonebankError as exc:
        return [f"roster: {str(exc).removeprefix('Error: ')}"]
    if problems:
        return [f"roster: {path}, {problem}" for problem in problems]
    return [] if entries else [f"roster: {path} lists no volunteers"]


def database_exists(config: Config) -> bool:
    url = config.database_url
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    return True
