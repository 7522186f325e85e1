"""The sandbox's event log: what happened, in order, for tests and the CLI."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from phonebank.clock import Clock

logger = logging.getLogger(__name__)

Event = dict[str, Any]


class EventLog:
    """A thread-safe, append-only list of events, optionally mirrored to a file."""

    def __init__(
        self,
        clock: Clock,
        path: str | Path | None = None,
        echo: Callable[[Event], None] | None = None,
    ) -> None:
        self._clock = clock
        self._path = Path(path) if path else None
        self._echo = echo
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, kind: str, **fields: Any) -> Event:
        """Record one event with its clock time and sequence number."""
        with self._lock:
            event: Event = {
                "seq": len(self._events) + 1,
                "at": self._clock.now().isoformat(),
                "kind": kind,
                **fields,
            }
            self._events.append(event)
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(event, default=str) + "\n")

        if self._echo is not None:
            self._echo(event)
        return event

    @property
    def events(self) -> list[Event]:
        """A snapshot of every event so far."""
        with self._lock:
            return [dict(event) for event in self._events]

    def of_kind(self, kind: str) -> list[Event]:
        """A snapshot of the events of one kind."""
        return [event for event in self.events if event["kind"] == kind]

    def dials(self) -> list[Event]:
        """The dial events: one per contact the sandbox rang through a Dial."""
        return self.of_kind("dial")

    def calls(self, phase: str | None = None) -> list[Event]:
        """The call start and end events, optionally only one phase."""
        calls = self.of_kind("call")
        return [e for e in calls if phase is None or e["phase"] == phase]

    def callbacks(self, event: str | None = None) -> list[Event]:
        """The callbacks sent, optionally only those with one Plivo `Event`."""
        callbacks = self.of_kind("callback")
        return [e for e in callbacks if event is None or e.get("event") == event]
