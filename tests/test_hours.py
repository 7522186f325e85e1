"""Calling hours and dial windows: pure functions of `now`, DST days named."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from phonebank import hours
from phonebank.config import Campaign
from tests.conftest import BASE_CAMPAIGN

NY, CHI, PHX = "America/New_York", "America/Chicago", "America/Phoenix"
INDY, KNOX = "America/Indiana/Indianapolis", "America/Indiana/Knox"


def campaign(**overrides: object) -> Campaign:
    return Campaign.model_validate({**BASE_CAMPAIGN, **overrides})


def at(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@pytest.fixture(params=["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def server_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The server's own zone must never matter."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.mark.parametrize(
    ("zones", "moment", "expected"),
    [
        ([NY], at("2026-12-08 08:59", NY), False),
        ([NY], at("2026-12-08 09:00", NY), True),
        ([NY], at("2026-12-08 20:59", NY), True),
        ([NY], at("2026-12-08 21:00", NY), False),
        # Arizona keeps MST all year: three hours behind New York in July,
        # two in January.
        ([PHX], at("2026-07-14 11:55", NY), False),
        ([PHX], at("2026-07-14 12:00", NY), True),
        ([PHX], at("2026-01-14 11:05", NY), True),
        ([PHX], at("2026-01-14 10:55", NY), False),
        # A number that may be in New York or Chicago: both must be inside.
        ([NY, CHI], at("2026-12-08 09:30", NY), False),
        ([NY, CHI], at("2026-12-08 10:00", NY), True),
        ([NY, CHI], at("2026-12-08 20:59", CHI), False),
        # Indiana: most of it Eastern, the north-west corner Central.
        ([INDY, KNOX], at("2026-03-03 09:30", INDY), False),
        ([INDY, KNOX], at("2026-03-03 10:00", INDY), True),
        ([], at("2026-12-08 12:00", NY), False),
    ],
)
def test_calling_hours_hold_in_every_zone(
    server_zone: str, zones: list[str], moment: datetime, expected: bool
) -> None:
    assert hours.within_calling_hours(zones, campaign(), moment) is expected


@pytest.mark.parametrize(
    ("name", "moment", "expected"),
    [
        # Spring forward, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        ("spring day, before hours", at("2026-03-08 08:59", NY), False),
        ("spring day, inside", at("2026-03-08 09:00", NY), True),
        (
            "spring day, 13:00 UTC is 09:00 EDT",
            datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
            True,
        ),
        (
            "the day before, 13:00 UTC is 08:00 EST",
            datetime(2026, 3, 7, 13, 0, tzinfo=UTC),
            False,
        ),
        # Fall back, 2026-11-01: 02:00 EDT falls to 01:00 EST.
        (
            "eve of fall day, 01:00 UTC is 21:00 EDT",
            datetime(2026, 11, 1, 1, 0, tzinfo=UTC),
            False,
        ),
        (
            "fall day, 14:00 UTC is 09:00 EST",
            datetime(2026, 11, 1, 14, 0, tzinfo=UTC),
            True,
        ),
        (
            "fall day, 13:30 UTC is 08:30 EST",
            datetime(2026, 11, 1, 13, 30, tzinfo=UTC),
            False,
        ),
    ],
)
def test_dst_days(
    server_zone: str, name: str, moment: datetime, expected: bool
) -> None:
    assert hours.within_calling_hours([NY], campaign(), moment) is expected, name


def test_arizona_does_not_follow_dst() -> None:
    # The same UTC instant is 09:00 in Phoenix in both January and July.
    for month in (1, 7):
        moment = datetime(2026, month, 14, 16, 0, tzinfo=UTC)
        assert moment.astimezone(ZoneInfo(PHX)).hour == 9
        assert hours.within_calling_hours([PHX], campaign(), moment)


WINDOWS = {"mon-fri": ["17:00-21:00"], "sat": ["10:00-13:00", "14:00-18:00"]}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at("2026-12-07 16:59", NY), False),  # Monday
        (at("2026-12-07 17:00", NY), True),
        (at("2026-12-07 21:00", NY), False),
        (at("2026-12-12 13:30", NY), False),  # Saturday lunch gap
        (at("2026-12-12 14:00", NY), True),
        (at("2026-12-13 15:00", NY), False),  # Sunday
        (datetime(2026, 12, 7, 22, 30, tzinfo=UTC), True),  # 17:30 in New York
    ],
)
def test_window_open(server_zone: str, moment: datetime, expected: bool) -> None:
    assert hours.window_open(campaign(windows=WINDOWS), moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at("2026-12-07 12:00", NY), at("2026-12-07 17:00", NY)),
        (at("2026-12-11 21:30", NY), at("2026-12-12 10:00", NY)),  # Friday night
        (at("2026-12-12 13:30", NY), at("2026-12-12 14:00", NY)),
        (at("2026-12-12 19:00", NY), at("2026-12-14 17:00", NY)),  # over Sunday
        (at("2026-03-06 22:00", NY), at("2026-03-07 10:00", NY)),  # into DST weekend
    ],
)
def test_next_window_open(moment: datetime, expected: datetime) -> None:
    assert hours.next_window_open(campaign(windows=WINDOWS), moment) == expected


def test_next_window_open_when_open_is_now() -> None:
    moment = at("2026-12-07 18:00", NY)
    assert hours.next_window_open(campaign(windows=WINDOWS), moment) == moment


def test_next_callable_waits_for_the_latest_zone() -> None:
    # 17:00 in New York on a Monday, window open; a number that may be in
    # Guam or New York waits until it is 09:00 in Guam too.
    moment = at("2026-12-07 17:00", NY)
    late = hours.next_callable_at(
        [NY, "Pacific/Guam"], campaign(windows=WINDOWS), moment, None
    )
    # Guam is UTC+10: 09:00 Guam is 18:00 New York (EST, UTC-5) the day before.
    assert late == at("2026-12-07 18:00", NY)


def test_next_callable_respects_retry_time() -> None:
    moment = at("2026-12-07 17:00", NY)
    retry = at("2026-12-07 20:59", NY)
    assert (
        hours.next_callable_at([NY], campaign(windows=WINDOWS), moment, retry) == retry
    )
    too_late = at("2026-12-07 21:30", NY)
    assert hours.next_callable_at(
        [NY], campaign(windows=WINDOWS), moment, too_late
    ) == at("2026-12-08 17:00", NY)


def test_explain_lists_every_reason() -> None:
    state = hours.ContactState(
        zones=[NY, CHI],
        tz_source="zip+phone",
        status="dnc",
        attempts=3,
        next_attempt_at=at("2026-12-08 18:00", NY),
        on_do_not_call=True,
    )
    verdict = hours.explain(
        state, campaign(windows=WINDOWS), at("2026-12-07 09:30", NY)
    )
    text = " | ".join(verdict.reasons)
    assert verdict.callable is False
    assert "no dial window is open" in text
    assert "America/Chicago is outside calling hours" in text
    assert "do-not-call" in text
    assert "all 3 attempts are used" in text
    assert "retry is not due" in text
    assert verdict.next_callable_at is None
    assert [z["zone"] for z in verdict.time_zones] == [NY, CHI]


def test_explain_callable_contact() -> None:
    state = hours.ContactState(
        zones=[NY],
        tz_source="zip",
        status="open",
        attempts=0,
        next_attempt_at=None,
        on_do_not_call=False,
    )
    moment = at("2026-12-07 18:00", NY)
    verdict = hours.explain(state, campaign(windows=WINDOWS), moment)
    assert verdict.callable and verdict.reasons == []
    assert verdict.next_callable_at == moment
    assert verdict.to_json()["next_callable_at"] == moment.isoformat()


def test_window_edges_cover_a_week() -> None:
    c = campaign(windows=WINDOWS)
    closes = hours.window_closes_at(c, at("2026-12-07 18:00", NY))
    assert closes == at("2026-12-07 21:00", NY)
    assert hours.window_closes_at(c, at("2026-12-07 22:00", NY)) is None
    assert hours.describe_moment(at("2026-12-07 17:00", NY), c) == "Monday at 5 PM"
    assert hours.describe_moment(at("2026-12-07 17:30", NY) + timedelta(0), c) == (
        "Monday at 5:30 PM"
    )
