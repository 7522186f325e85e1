"""APScheduler jobs: dial windows opening and closing, and stale claims.

Windows run as cron jobs in each campaign's own time zone, so they follow its
daylight-saving changes. At an opening the call-me volunteers are called; at
a closing nothing is cut off: `/plivo/next` sees the window shut and tells
each volunteer goodbye after their current call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from phonebank import dialer, shifts
from phonebank.clock import Clock
from phonebank.config import Campaign, Config
from phonebank.values import DAYS

log = logging.getLogger(__name__)
STALE_CHECK_SECONDS = 60


def window_triggers(campaign: Campaign) -> list[tuple[str, CronTrigger]]:
    """One cron trigger per window edge: ('open'|'close', trigger)."""
    triggers = []
    for day, spans in campaign.weekly_windows().items():
        for span in spans:
            for edge, moment in (("open", span.start), ("close", span.end)):
                triggers.append(
                    (
                        edge,
                        CronTrigger(
                            day_of_week=DAYS[day],
                            hour=moment.hour,
                            minute=moment.minute,
                            timezone=campaign.time_zone,
                        ),
                    )
                )
    return triggers


def build(
    config: Config,
    engine: Engine,
    clock: Clock,
    on_open: Callable[[Campaign], object],
    live_calls: Callable[[], list[str]] | None = None,
) -> BackgroundScheduler:
    """A scheduler with the window jobs and the stale-claim sweep, not started.

    `live_calls` lists the account's live call UUIDs; with it, the sweep also
    closes shifts whose hangup callback never came.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    for campaign in config.campaigns:
        for edge, trigger in window_triggers(campaign):
            job = _opened if edge == "open" else _closed
            scheduler.add_job(
                job,
                trigger,
                args=[campaign, on_open],
                misfire_grace_time=300,
                name=f"{campaign.slug} window {edge}",
            )
    campaigns = {c.slug: c for c in config.campaigns}

    def sweep() -> None:
        now = clock.now()
        dialer.release_stale_claims(engine, now)
        if live_calls is None:
            return
        try:
            live = set(live_calls())
        except Exception as exc:  # Plivo unreachable: the next sweep tries again
            log.warning("could not list live calls from Plivo (%s); will retry", exc)
            return
        shifts.close_vanished_shifts(engine, campaigns, live, now)

    scheduler.add_job(
        sweep, IntervalTrigger(seconds=STALE_CHECK_SECONDS), name="sweep stale work"
    )
    return scheduler


def _opened(campaign: Campaign, on_open: Callable[[Campaign], object]) -> None:
    log.info("window open: %s", campaign.slug)
    try:
        on_open(campaign)
    except Exception:
        log.exception("calling volunteers for %s failed", campaign.slug)


def _closed(campaign: Campaign, on_open: Callable[[Campaign], object]) -> None:
    log.info("window closed: %s; volunteers finish their current call", campaign.slug)
