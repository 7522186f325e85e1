"""Window jobs fire at the campaign's local times, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from phonebank.config import Campaign
from phonebank.scheduler import window_triggers
from tests.conftest import BASE_CAMPAIGN

NY = ZoneInfo("America/New_York")


def test_window_jobs_follow_local_time_across_dst() -> None:
    campaign = Campaign.model_validate(
        {**BASE_CAMPAIGN, "windows": {"sun": ["17:00-21:00"]}}
    )
    triggers = dict(window_triggers(campaign))
    opening, closing = triggers["open"], triggers["close"]

    before_spring = datetime(2026, 3, 1, 12, 0, tzinfo=NY)
    first = opening.get_next_fire_time(None, before_spring)
    assert first is not None
    assert first.astimezone(NY).isoformat() == "2026-03-01T17:00:00-05:00"
    after = opening.get_next_fire_time(first, first.replace(hour=18))
    assert after is not None
    assert after.astimezone(NY).isoformat() == "2026-03-08T17:00:00-04:00"
    elapsed = after.astimezone(UTC) - first.astimezone(UTC)
    assert elapsed.total_seconds() == 7 * 24 * 3600 - 3600

    close = closing.get_next_fire_time(None, before_spring)
    assert close is not None and close.astimezone(NY).hour == 21


def test_one_pair_of_jobs_per_window() -> None:
    campaign = Campaign.model_validate(
        {
            **BASE_CAMPAIGN,
            "windows": {"mon-fri": ["17:00-21:00"], "sat": ["10:00-13:00"]},
        }
    )
    edges = [edge for edge, _ in window_triggers(campaign)]
    assert edges.count("open") == 6 and edges.count("close") == 6
