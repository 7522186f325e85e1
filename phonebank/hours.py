"""When to call: dial windows and calling hours, as pure functions of `now`.

A dial window is when the campaign runs, in the campaign's time zone. Calling
hours are when a contact may be called, in the contact's own local time; a
contact whose number could be in several zones is callable only when the hours
hold in every one of them. Every function takes `now` (aware, any zone) and
never reads the clock, so tests can stand on a DST change at will.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from phonebank.config import Campaign, Span

HORIZON_DAYS = 8


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _in_span(moment: time, span: Span) -> bool:
    return span.start <= moment < span.end


def window_open(campaign: Campaign, now: datetime) -> bool:
    """Is one of the campaign's dial windows open at `now`?"""
    local = now.astimezone(campaign.zone)
    spans = campaign.weekly_windows()[local.weekday()]
    return any(_in_span(local.time(), span) for span in spans)


def within_calling_hours(
    zones: Iterable[str], campaign: Campaign, now: datetime
) -> bool:
    """Is `now` inside calling hours in every one of the contact's zones?

    A contact with no known zone is never callable: we cannot prove the call
    would land at a lawful hour.
    """
    names = list(zones)
    if not names:
        return False
    return all(
        _in_span(now.astimezone(zone(name)).time(), campaign.calling_hours)
        for name in names
    )


def open_zone_sets(
    zone_sets: Iterable[str], campaign: Campaign, now: datetime
) -> list[str]:
    """Of the stored zone keys (zones joined by commas), those callable at `now`."""
    return [
        key
        for key in zone_sets
        if key and within_calling_hours(key.split(","), campaign, now)
    ]


def _local_instants(
    name: str, spans: Iterable[tuple[date, Span]]
) -> Iterator[tuple[datetime, datetime]]:
    tz = zone(name)
    for day, span in spans:
        # Converted to UTC at once: aware datetimes sharing one tzinfo compare
        # by wall clock, which is wrong across a fall-back hour.
        yield (
            datetime.combine(day, span.start, tzinfo=tz).astimezone(UTC),
            datetime.combine(day, span.end, tzinfo=tz).astimezone(UTC),
        )


def _window_spans(campaign: Campaign, start: date) -> Iterator[tuple[date, Span]]:
    week = campaign.weekly_windows()
    for offset in range(-1, HORIZON_DAYS):
        day = start + timedelta(days=offset)
        for span in week[day.weekday()]:
            yield day, span


def next_window_open(campaign: Campaign, now: datetime) -> datetime | None:
    """`now` if a window is open, else when the next one opens (None: never)."""
    if window_open(campaign, now):
        return now
    local_day = now.astimezone(campaign.zone).date()
    starts = [
        begin
        for begin, _ in _local_instants(
            campaign.time_zone, _window_spans(campaign, local_day)
        )
        if begin > now and window_open(campaign, begin)
    ]
    return min(starts, default=None)


def window_closes_at(campaign: Campaign, now: datetime) -> datetime | None:
    """When the window open at `now` closes, or None if none is open."""
    if not window_open(campaign, now):
        return None
    local_day = now.astimezone(campaign.zone).date()
    ends = [
        end
        for begin, end in _local_instants(
            campaign.time_zone, _window_spans(campaign, local_day)
        )
        if begin <= now < end
    ]
    return max(ends, default=None)


def _boundaries(zones: list[str], campaign: Campaign, now: datetime) -> list[datetime]:
    """Every instant in the horizon where the answer to 'callable?' can change."""
    points: set[datetime] = set()
    local_day = now.astimezone(campaign.zone).date()
    for begin, end in _local_instants(
        campaign.time_zone, _window_spans(campaign, local_day)
    ):
        points.update((begin, end))
    for name in zones:
        day = now.astimezone(zone(name)).date()
        hours = [
            (day + timedelta(days=d), campaign.calling_hours)
            for d in range(-1, HORIZON_DAYS)
        ]
        for begin, end in _local_instants(name, hours):
            points.update((begin, end))
    return sorted(p for p in points if p > now)


def callable_at(zones: list[str], campaign: Campaign, moment: datetime) -> bool:
    """Window open and calling hours hold in every zone at `moment`."""
    return window_open(campaign, moment) and within_calling_hours(
        zones, campaign, moment
    )


def next_callable_at(
    zones: list[str], campaign: Campaign, now: datetime, not_before: datetime | None
) -> datetime | None:
    """The first instant at or after `now` and `not_before` when calling is allowed.

    The answer only changes where a window or some zone's calling hours begin
    or end, so checking those instants is exact, DST days included.
    """
    start = max(now, not_before) if not_before else now
    if not zones:
        return None
    if callable_at(zones, campaign, start):
        return start
    for point in _boundaries(zones, campaign, start):
        if callable_at(zones, campaign, point):
            return point
    return None


@dataclass
class Verdict:
    """Whether one contact would be called at one moment, and every reason not."""

    callable: bool
    reasons: list[str] = field(default_factory=list)
    time_zones: list[dict[str, object]] = field(default_factory=list)
    next_callable_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "callable": self.callable,
            "reasons": self.reasons,
            "time_zones": self.time_zones,
            "next_callable_at": (
                self.next_callable_at.isoformat() if self.next_callable_at else None
            ),
        }


@dataclass(frozen=True)
class ContactState:
    """What `explain` needs to know about a contact, read at the edge."""

    zones: list[str]
    tz_source: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    on_do_not_call: bool
    claimed_until: datetime | None = None


def explain(state: ContactState, campaign: Campaign, now: datetime) -> Verdict:
    """Every reason a contact would or would not be called at `now`."""
    reasons: list[str] = []
    hours = campaign.calling_hours
    span = f"{hours.start:%H:%M}-{hours.end:%H:%M}"

    if not window_open(campaign, now):
        local = now.astimezone(campaign.zone)
        reasons.append(
            f"no dial window is open ({local:%a %H:%M} in {campaign.time_zone})"
        )
    zones: list[dict[str, object]] = []
    for name in state.zones:
        local = now.astimezone(zone(name))
        inside = _in_span(local.time(), hours)
        zones.append({"zone": name, "local_time": local.isoformat(), "inside": inside})
        if not inside:
            reasons.append(
                f"local time {local:%a %H:%M} in {name} is outside calling hours {span}"
            )
    if not state.zones:
        reasons.append("no time zone is known for this number, so it is never called")
    reasons.extend(_state_reasons(state, campaign, now))

    blocked = state.on_do_not_call or state.status != "open"
    blocked = blocked or state.attempts >= campaign.max_attempts
    upcoming = (
        None
        if blocked
        else next_callable_at(
            state.zones,
            campaign,
            now,
            _later(state.next_attempt_at, state.claimed_until),
        )
    )
    return Verdict(
        callable=not reasons,
        reasons=reasons,
        time_zones=[{**z, "source": state.tz_source} for z in zones],
        next_callable_at=upcoming,
    )


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    present = [t for t in (a, b) if t is not None]
    return max(present) if present else None


def _state_reasons(state: ContactState, campaign: Campaign, now: datetime) -> list[str]:
    reasons = []
    if state.on_do_not_call or state.status == "dnc":
        reasons.append("the number is on the do-not-call list")
    elif state.status == "done":
        reasons.append("the contact is done: a final result was recorded")
    if state.attempts >= campaign.max_attempts:
        reasons.append(
            f"all {campaign.max_attempts} attempts are used ({state.attempts} made)"
        )
    if state.next_attempt_at and state.next_attempt_at > now:
        reasons.append(
            f"the retry is not due until {state.next_attempt_at.isoformat()}"
        )
    if state.claimed_until and state.claimed_until > now:
        reasons.append("a volunteer is calling this contact now")
    return reasons


def describe_moment(moment: datetime, campaign: Campaign) -> str:
    """Words a volunteer hears for when a window opens, in the campaign's zone."""
    local = moment.astimezone(campaign.zone)
    hour = local.strftime("%I").lstrip("0")
    minutes = "" if local.minute == 0 else local.strftime(":%M")
    return f"{local:%A} at {hour}{minutes} {local:%p}"
