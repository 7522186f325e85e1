"""Fault injection for the REST API: 5xx after create, 429, slow or dropped replies."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    """Make the next `times` matching REST requests misbehave.

    `status` replaces the reply's status (the call is still created when
    `create_anyway`, as when Plivo fails after accepting). `delay_seconds` holds
    the reply for that many real seconds, to cause client read timeouts.
    `refuse` drops the connection without any reply.
    """

    method: str = "POST"
    path_suffix: str = "Call/"
    status: int | None = None
    times: int = 1
    create_anyway: bool = False
    delay_seconds: float = 0.0
    refuse: bool = False

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method.upper() and path.endswith(self.path_suffix)

    @property
    def does_the_work(self) -> bool:
        """Whether the request is still carried out behind the fault."""
        return self.status is None and not self.refuse or self.create_anyway


class FaultBook:
    """The faults waiting to fire, consumed one request at a time."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up by one."""
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None
