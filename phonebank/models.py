"""The tables. Campaign settings live in YAML; these hold state keyed by slug."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel


def zone_key(zones: list[str] | None) -> str:
    """Zones as one sortable key, so the dialer can filter on a short list."""
    return ",".join(sorted(set(zones or [])))


def _zone_key_default(context: Any) -> str:
    return zone_key(context.get_current_parameters().get("time_zones"))


def _utc_column(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), **kwargs))


class Contact(SQLModel, table=True):
    """One person to call in one campaign; one row per number per campaign."""

    __table_args__ = (
        UniqueConstraint("campaign", "phone", name="uq_contact_campaign_phone"),
        # The order the dialer picks in, so a claim reads one index entry
        # instead of sorting every open contact of the campaign.
        Index(
            "ix_contact_pick", "campaign", "status", "attempts", "next_attempt_at", "id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign: str = Field(index=True)
    external_id: str = ""
    phone: str
    extension: str = ""
    first_name: str = ""
    last_name: str = ""
    state: str = ""
    zip: str = ""
    extra: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    time_zones: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    tz_source: str = ""
    # Derived from time_zones on insert, even by bulk inserts that omit it.
    tz_key: str = Field(
        default=None, sa_column=Column(String, default=_zone_key_default, index=True)
    )
    source_line: int = 0
    status: str = "open"  # open | done | dnc
    attempts: int = 0
    next_attempt_at: datetime | None = _utc_column()
    claimed_by: int | None = None  # Shift.id
    claim_expires_at: datetime | None = _utc_column()
    last_outcome: str = ""
    result_label: str = ""
    result_at: datetime | None = _utc_column()


class Volunteer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    phone: str = Field(unique=True)
    pin_hash: str
    token: str = Field(unique=True, index=True)
    call_me: bool = False
    active: bool = True


class Shift(SQLModel, table=True):
    """A volunteer's check-in call, from PIN to hang-up."""

    id: int | None = Field(default=None, primary_key=True)
    call_uuid: str = Field(unique=True, index=True)
    volunteer_id: int = Field(index=True)
    campaign: str = ""
    started_at: datetime | None = _utc_column()
    ended_at: datetime | None = _utc_column()


class Attempt(SQLModel, table=True):
    """One dial of one contact for one shift, and what came of it."""

    id: int | None = Field(default=None, primary_key=True)
    campaign: str = Field(index=True)
    contact_id: int = Field(index=True)
    shift_id: int = Field(index=True)
    volunteer_id: int = Field(index=True)
    bleg_uuid: str = ""
    claimed_at: datetime | None = _utc_column()
    dialed_at: datetime | None = _utc_column()
    ended_at: datetime | None = _utc_column()
    outcome: str = ""  # answered | busy | no_answer | failed | not_dialed
    hangup_cause: str = ""
    result_key: str = ""
    result_label: str = ""
    result_at: datetime | None = _utc_column()
    state: str = "claimed"  # claimed | dialing | awaiting_result | done


class DoNotCall(SQLModel, table=True):
    """The organization-wide list; applies to every campaign at once."""

    phone: str = Field(primary_key=True)
    reason: str = ""
    source: str = ""
    created_at: datetime | None = _utc_column()


class PinFailure(SQLModel, table=True):
    """Wrong PINs per calling number, for the lockout."""

    caller: str = Field(primary_key=True)
    failures: int = 0
    # The (call, try) counted last, so a repeated webhook counts once.
    last_key: str = ""
    locked_until: datetime | None = _utc_column()
    last_at: datetime | None = _utc_column()


class Secret(SQLModel, table=True):
    """Server secrets made on first use, such as the key PINs are hashed with."""

    name: str = Field(primary_key=True)
    value: str
