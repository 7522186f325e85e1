"""Clocks: the only place that reads the time.

Every decision in phonebank takes `now` as an argument. The server, the
scheduler and the sandbox read it from a clock, so the demo and the tests can
run a whole evening of calls in seconds by sharing one simulated clock.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the server and the sandbox need from a clock."""

    speed: float

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for `seconds` of clock time."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Wait for `seconds` of clock time without blocking the loop."""
        ...


class SystemClock:
    """Wall-clock time, for production."""

    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class SimClock:
    """Simulated time that starts at `start` and runs `speed` times faster.

    It is monotonic and shared between threads: the server and the sandbox
    read the same instant, which is what lets the demo check calling hours
    against the sandbox's own log.
    """

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("SimClock needs a timezone-aware start")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = start.astimezone(UTC)
        self._t0 = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._t0) * self.speed + self._offset
        return self._start + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        """Jump forward, for tests that move the clock instead of sleeping."""
        with self._lock:
            self._offset += seconds

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.speed)

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)
