"""The campaigns file: its schema as pydantic models, and loading it.

Loading reports every problem at once, each with the file, the key path, what
is wrong and how to fix it, because an admin fixing a YAML file one error per
run gives up. Checks that need more than the file itself (templates, fields)
live in `checks.py`.
"""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from phonebank.config_reading import describe, missing_files, read_yaml
from phonebank.errors import ConfigError, UnknownCampaign
from phonebank.values import (
    check_zone,
    expand_days,
    parse_clock,
    parse_duration,
    parse_phone,
)

DEFAULT_CONFIG = "campaigns.yaml"
LEGAL_EARLIEST = time(8, 0)
LEGAL_LATEST = time(21, 0)


class Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently change nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(Strict):
    """A stretch of a day, start inclusive, end exclusive."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = value.split("-")
            if len(parts) != 2:
                raise ValueError(f"'{value}' is not a span; write it as 17:00-20:30")
            return {"start": parts[0], "end": parts[1]}
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> time:
        return parse_clock(value)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError(
                f"{self.start:%H:%M}-{self.end:%H:%M} does not end after it starts, "
                "so it can never open; a span must end later the same day (split "
                "one that crosses midnight in two)"
            )
        return self


class CallingHours(Span):
    """Hours in the contact's own local time when a call is allowed."""

    start: time = time(9, 0)
    end: time = time(21, 0)

    @model_validator(mode="after")
    def _legal(self) -> CallingHours:
        if self.start < LEGAL_EARLIEST or self.end > LEGAL_LATEST:
            raise ValueError(
                f"{self.start:%H:%M}-{self.end:%H:%M} is wider than the legal "
                "08:00-21:00 in the contact's local time; narrow it"
            )
        return self


RESERVED_FIELDS = {"phone", "extension", "campaign", "organization", "volunteer"}


def _day_key(value: str) -> str:
    expand_days(value)
    return value


# Checked as a dict key, so a bad day and a bad span are both reported.
DayKey = Annotated[str, AfterValidator(_day_key)]


class Result(Strict):
    """One outcome a volunteer can key after an answered call."""

    key: str = Field(pattern=r"^[0-9]$")
    label: str = Field(min_length=1, max_length=60)
    final: bool = True
    retry_after: timedelta | None = None
    do_not_call: bool = False
    conversation: bool = True

    @field_validator("key", mode="before")
    @classmethod
    def _key_text(cls, value: Any) -> str:
        return str(value)

    @field_validator("retry_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta | None:
        return parse_duration(value)

    @model_validator(mode="after")
    def _retry_needs_not_final(self) -> Result:
        if self.do_not_call and not self.final:
            raise ValueError(
                f"result '{self.label}' is do_not_call but not final; "
                "a do-not-call result must be final"
            )
        if not self.final and self.retry_after is None:
            raise ValueError(
                f"result '{self.label}' is not final but has no retry_after; "
                "add retry_after: 2d (or make it final: true)"
            )
        return self


class RetryRules(Strict):
    """When to try again after a dial that nobody answered."""

    busy: timedelta | None = timedelta(minutes=30)
    no_answer: timedelta | None = timedelta(hours=4)
    failed: timedelta | None = None
    no_result: timedelta | None = timedelta(hours=4)

    @field_validator("*", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta | None:
        return parse_duration(value)


class ContactDefaults(Strict):
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")


def _default_results() -> list[Result]:
    return [
        Result(key="1", label="Supporter"),
        Result(key="2", label="Undecided", final=False, retry_after=timedelta(days=2)),
        Result(key="3", label="Opposed"),
        Result(
            key="4",
            label="Not home",
            final=False,
            retry_after=timedelta(hours=4),
            conversation=False,
        ),
        Result(key="8", label="Wrong number", conversation=False),
        Result(key="9", label="Do not call", do_not_call=True),
    ]


class Campaign(Strict):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    name: str = Field(min_length=1)
    caller_id: str
    time_zone: str
    script: str
    contacts: ContactDefaults = ContactDefaults()
    windows: dict[DayKey, list[Span]]
    calling_hours: CallingHours = CallingHours()
    ring_timeout: int = Field(default=25, ge=15, le=120)
    max_attempts: int = Field(default=3, ge=1, le=20)
    results: list[Result] = Field(default_factory=_default_results)
    retry: RetryRules = RetryRules()
    fields: list[str] = Field(default_factory=list)

    @field_validator("caller_id", mode="before")
    @classmethod
    def _caller_id(cls, value: Any) -> str:
        return parse_phone(value)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)

    @field_validator("windows")
    @classmethod
    def _some_window(cls, value: dict[str, list[Span]]) -> dict[str, list[Span]]:
        if not value or not any(value.values()):
            raise ValueError("no dial window is defined, so calling can never start")
        return value

    @field_validator("fields")
    @classmethod
    def _not_reserved(cls, value: list[str]) -> list[str]:
        reserved = sorted(set(value) & RESERVED_FIELDS)
        if reserved:
            raise ValueError(
                f"{', '.join(reserved)} cannot be a script field: the number is "
                "never shown to volunteers, and campaign, organization and "
                "volunteer are given to every script already"
            )
        return value

    @field_validator("results")
    @classmethod
    def _results_unique(cls, value: list[Result]) -> list[Result]:
        keys = [r.key for r in value]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            labels = " and ".join(r.label for r in value if r.key == key)
            raise ValueError(f"key {key} is given to both {labels}; give each its own")
        return value

    def weekly_windows(self) -> dict[int, list[Span]]:
        """Windows by weekday number (Monday 0), merged from the day keys."""
        week: dict[int, list[Span]] = {d: [] for d in range(7)}
        for key, spans in self.windows.items():
            for day in expand_days(key):
                week[day].extend(spans)
        return {d: sorted(s, key=lambda x: x.start) for d, s in week.items()}

    def result_for(self, key: str) -> Result | None:
        return next((r for r in self.results if r.key == key), None)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class VolunteerEntry(Strict):
    name: str = Field(min_length=1)
    phone: str
    pin: str = Field(pattern=r"^[0-9]{4,8}$")
    call_me: bool = False

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> str:
        return parse_phone(value)

    @field_validator("pin", mode="before")
    @classmethod
    def _pin(cls, value: Any) -> str:
        return str(value)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str:
        return " ".join(str(value).split())


class Security(Strict):
    pin_tries: int = Field(default=3, ge=1, le=5)
    lockout_after: int = Field(default=5, ge=2, le=50)
    lockout_minutes: int = Field(default=15, ge=1)
    claim_minutes: int = Field(default=10, ge=1)


class Settings(Strict):
    organization: str = Field(min_length=1)
    database_url: str = "sqlite:///phonebank.db"
    public_url: str = Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    checkin_number: str
    scripts_dir: str = "scripts"
    volunteers: list[VolunteerEntry] = Field(default_factory=list)
    roster: str | None = None
    security: Security = Security()
    campaigns: list[Campaign] = Field(min_length=1)

    @field_validator("checkin_number", mode="before")
    @classmethod
    def _checkin(cls, value: Any) -> str:
        return parse_phone(value)

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _unique_slugs(self) -> Settings:
        slugs = [c.slug for c in self.campaigns]
        dupes = sorted({s for s in slugs if slugs.count(s) > 1})
        if dupes:
            raise ValueError(f"campaign slugs {', '.join(dupes)} are used twice")
        return self


class Config:
    """Settings plus where they came from, so relative paths resolve."""

    def __init__(self, settings: Settings, path: Path) -> None:
        self.settings = settings
        self.path = path
        self.base = path.parent

    def campaign(self, slug: str) -> Campaign:
        for campaign in self.settings.campaigns:
            if campaign.slug == slug:
                return campaign
        raise UnknownCampaign(slug, [c.slug for c in self.settings.campaigns])

    @property
    def campaigns(self) -> list[Campaign]:
        return list(self.settings.campaigns)

    @property
    def scripts_dir(self) -> Path:
        return self.base / self.settings.scripts_dir

    @property
    def database_url(self) -> str:
        """The database URL, a relative SQLite path read beside the config."""
        url = os.environ.get("PHONEBANK_DATABASE_URL") or self.settings.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            rest = url[len(prefix) :]
            if rest and rest != ":memory:":
                return prefix + str((self.base / rest).resolve())
        return url


def config_path(given: str | Path | None) -> Path:
    """`-c`, else PHONEBANK_CONFIG, else ./campaigns.yaml."""
    return Path(given or os.environ.get("PHONEBANK_CONFIG") or DEFAULT_CONFIG)


def load(path: str | Path | None = None) -> Config:
    """Read and validate the campaigns file; raise ConfigError with every problem."""
    file = config_path(path)
    if not file.exists():
        raise ConfigError(
            str(file),
            [
                "the file does not exist; run `phonebank init` to write a starter, "
                "or pass -c FILE"
            ],
        )

    raw = read_yaml(file)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems = describe(exc, raw) + missing_files(raw, file.parent)
        raise ConfigError(str(file), problems) from None
    return Config(settings, file)
