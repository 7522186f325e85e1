"""The Plivo REST client: where it points, how fast it dials, when it retries.

Only the call-me check-in places calls through REST today. Three Plivo facts
shape this module: the SDK resends a create that got a 5xx by itself (which
can call a volunteer twice), network errors arrive as raw `requests`
exceptions, and the account dials at most a few calls per second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import plivo
import requests
from plivo import exceptions as plivo_errors
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from phonebank.phones import mask

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_CPS = 2.0
ATTEMPTS = 4
PAGE = 20


def never_arrived(exc: BaseException) -> bool:
    """Errors that prove Plivo never took the request, so resending is safe."""
    if isinstance(exc, requests.ConnectionError | requests.ConnectTimeout):
        return not isinstance(exc, requests.ReadTimeout)
    return isinstance(exc, plivo_errors.PlivoRestError) and "429" in str(exc)


def may_have_arrived(exc: BaseException) -> bool:
    """Errors after which Plivo may have placed the call anyway."""
    if isinstance(exc, requests.ReadTimeout):
        return True
    if isinstance(exc, plivo_errors.PlivoServerError):
        return True
    text = str(exc)
    return isinstance(exc, plivo_errors.PlivoRestError) and any(
        f"status code {code}" in text for code in (500, 502, 503, 504)
    )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning(
        "Plivo request failed (%s), attempt %d of %d; retrying",
        type(error).__name__ if error else "?",
        state.attempt_number,
        ATTEMPTS,
    )


def retry_policy(wait_max: float = 8.0) -> Retrying:
    """Backoff retries for errors that prove the request never arrived."""
    return Retrying(
        retry=retry_if_exception(lambda e: never_arrived(e) or may_have_arrived(e)),
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_exponential(multiplier=0.25, max=wait_max),
        before_sleep=_log_retry,
        reraise=True,
    )


class Telephony:
    """Places and ends calls through the official SDK, politely."""

    def __init__(
        self,
        auth_id: str,
        auth_token: str,
        base_url: str | None = None,
        cps: float = DEFAULT_CPS,
        timeout: float = 5.0,
        wait_max: float = 8.0,
    ) -> None:
        self.client = plivo.RestClient(auth_id, auth_token, timeout=timeout)
        if base_url:
            from phonebank.sandbox.adapter import attach

            attach(self.client, base_url)
        self._lock = threading.Lock()
        self._interval = 1.0 / cps
        self._last = 0.0
        self._wait_max = wait_max

    def _pace(self) -> None:
        with self._lock:
            delay = self._last + self._interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._last = time.monotonic()

    def _voice(self, request: Callable[[], T]) -> T:
        # The SDK resends voice requests that got a 5xx on its own, up to three
        # times, which can place a call twice. Starting its counter at its
        # last step makes it raise instead, and the retry below decides.
        with self._lock:
            self.client.voice_retry_count = 2
            return request()

    def call(
        self, to: str, caller_id: str, answer_url: str, hangup_url: str, ring: int = 30
    ) -> str:
        """Place one call and return its UUID; never places it twice."""
        for attempt in retry_policy(self._wait_max):
            with attempt:
                live = (
                    self._live_call_to(to)
                    if attempt.retry_state.attempt_number > 1
                    else None
                )
                if live:
                    log.warning("call to %s was placed after all", mask(to))
                    return live
                self._pace()
                response: Any = self._voice(
                    lambda: self.client.calls.create(
                        from_=caller_id,
                        to_=to,
                        answer_url=answer_url,
                        hangup_url=hangup_url,
                        ring_timeout=ring,
                    )
                )
                log.info("placed a call to %s", mask(to))
                return str(response.request_uuid)
        raise AssertionError("unreachable: tenacity reraises")

    def _live_call_to(self, number: str) -> str | None:
        """A live or queued call already going to `number`, if there is one.

        Plivo queues API calls at the account's calls per second, so a call
        created by a request that then failed may still be waiting its turn.
        """
        digits = number.lstrip("+")
        for calls in (self.client.live_calls, self.client.queued_calls):
            for uuid in self._all_ids(calls.list_ids):
                details: Any = self._voice(partial(calls.get, uuid))
                to = getattr(details, "to", None) or getattr(details, "to_number", "")
                if str(to).lstrip("+") == digits:
                    return str(uuid)
        return None

    def hangup(self, call_uuid: str) -> bool:
        """End a call; False if Plivo no longer knows it."""
        try:
            for attempt in retry_policy(self._wait_max):
                with attempt:
                    self._voice(lambda: self.client.calls.delete(call_uuid))
        except plivo_errors.ResourceNotFoundError:
            return False
        return True

    def _all_ids(self, list_ids: Callable[..., Any]) -> list[str]:
        """Every UUID of a listing that Plivo pages twenty at a time."""
        uuids: list[str] = []
        while True:
            page: Any = self._voice(partial(list_ids, limit=PAGE, offset=len(uuids)))
            found = [str(u) for u in (getattr(page, "calls", None) or [])]
            uuids += found
            if len(found) < PAGE:
                return uuids

    def live_calls(self) -> list[str]:
        """The UUIDs of every live call on the account."""
        for attempt in retry_policy(self._wait_max):
            with attempt:
                return self._all_ids(self.client.live_calls.list_ids)
        return []
