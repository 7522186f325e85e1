"""Requests to the application's URLs, signed and timed the way Plivo does them."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from plivo.utils.signature_v3 import (
    construct_get_url,
    construct_post_url,
    get_signature_v3,
)

from phonebank.sandbox.log import EventLog

logger = logging.getLogger(__name__)

RETRY_POLICIES = {"4xx", "5xx", "ct", "rt", "all"}


@dataclass(frozen=True)
class Reply:
    """What a URL answered; `status` is None when it could not be reached."""

    status: int | None
    body: str = ""
    content_type: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class FetchOptions:
    """Timeouts and retries, from Plivo's URL-fragment knobs (plivo-facts §3.1)."""

    connect: float = 2.0
    read: float = 40.0
    retries: int = 1
    policy: frozenset[str] = frozenset({"ct", "rt"})

    def from_fragment(self, fragment: str) -> FetchOptions:
        """Apply `ct`, `rt`, `rc` and `rp` from a URL fragment like `ct=2000&rc=2`."""
        knobs = {k: v[-1] for k, v in parse_qs(fragment).items()}
        policy = set(knobs.get("rp", ",".join(self.policy)).split(",")) & RETRY_POLICIES
        return FetchOptions(
            connect=min(max(int(knobs.get("ct", self.connect * 1000)), 100), 10000)
            / 1000,
            read=min(int(knobs.get("rt", self.read * 1000)), 40000) / 1000,
            retries=min(max(int(knobs.get("rc", self.retries)), 0), 5),
            policy=frozenset(policy),
        )


def signature_headers(
    auth_token: str, method: str, url: str, params: dict[str, str]
) -> dict[str, str]:
    """V3 signature headers over the exact URL requested, as the SDK validates them.

    For GET the parameters are already in `url`; for POST they are the form body.
    """
    nonce = "".join(secrets.choice("0123456789") for _ in range(20))
    if method == "GET":
        base = construct_get_url(url, {})
    else:
        base = construct_post_url(url, dict(params))
    # Decoded first: given bytes, the SDK reads them as Latin-1 and encodes
    # them again, so a value like "José" would be signed double-encoded while
    # validate_v3_signature (and so our server) hashes the text as UTF-8 once.
    signature = get_signature_v3(auth_token, base.decode("utf-8"), nonce)
    signature = signature.decode("utf-8")
    return {
        "X-Plivo-Signature-V3": signature,
        "X-Plivo-Signature-Ma-V3": signature,
        "X-Plivo-Signature-V3-Nonce": nonce,
        "User-Agent": "PlivoHTTP/1.0 (phonebank sandbox)",
    }


def _should_retry(reply: Reply, kind: str | None, policy: frozenset[str]) -> bool:
    """Whether Plivo's retry policy covers this failure."""
    if "all" in policy:
        return not reply.ok
    if kind is not None:
        return kind in policy
    status = reply.status or 0
    return ("4xx" in policy and 400 <= status < 500) or (
        "5xx" in policy and status >= 500
    )


class Webhooks:
    """Sends callbacks: form POST or GET, signed, logged, with Plivo's timeouts."""

    def __init__(
        self,
        auth_token: str,
        log: EventLog,
        options: FetchOptions | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.auth_token = auth_token
        self.log = log
        self.options = options or FetchOptions()
        self.stopping = stopping or threading.Event()
        self._client = httpx.Client(follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def send(
        self, url: str, method: str, params: dict[str, str], call_uuid: str
    ) -> Reply:
        """Request `url` with `params`, retrying as its fragment asks; log each try."""
        method = "GET" if method.upper() == "GET" else "POST"
        target, _, fragment = url.partition("#")
        options = self.options.from_fragment(fragment) if fragment else self.options

        reply = Reply(None, error="not sent")
        for attempt in range(1, options.retries + 2):
            if self.stopping.is_set():
                return Reply(None, error="sandbox stopped")
            started = time.monotonic()
            reply, failure = self._attempt(target, method, params, options)
            elapsed_ms = round((time.monotonic() - started) * 1000, 1)
            self._log(target, method, params, call_uuid, reply, attempt, elapsed_ms)
            if reply.ok or not _should_retry(reply, failure, options.policy):
                break
            logger.warning(
                "Callback to %s failed (%s), attempt %d",
                target,
                reply.error or reply.status,
                attempt,
            )
        return reply

    def _attempt(
        self, url: str, method: str, params: dict[str, str], options: FetchOptions
    ) -> tuple[Reply, str | None]:
        """One HTTP request; the second value names a connect or read timeout."""
        if method == "GET":
            url = url + ("&" if urlsplit(url).query else "?") + urlencode(params)
        headers = signature_headers(self.auth_token, method, url, params)
        timeout = httpx.Timeout(options.read, connect=options.connect)
        try:
            if method == "GET":
                response = self._client.get(url, headers=headers, timeout=timeout)
            else:
                response = self._client.post(
                    url, data=params, headers=headers, timeout=timeout
                )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return Reply(None, error=f"connect: {exc!r}"), "ct"
        except httpx.TimeoutException as exc:
            return Reply(None, error=f"read timeout: {exc!r}"), "rt"
        except httpx.HTTPError as exc:
            return Reply(None, error=repr(exc)), None

        content_type = response.headers.get("content-type", "")
        return Reply(response.status_code, response.text, content_type), None

    def _log(
        self,
        url: str,
        method: str,
        params: dict[str, str],
        call_uuid: str,
        reply: Reply,
        attempt: int,
        elapsed_ms: float,
    ) -> None:
        self.log.add(
            "callback",
            uuid=call_uuid,
            url=url,
            path=urlsplit(url).path,
            method=method,
            event=params.get("Event"),
            params=dict(params),
            status=reply.status,
            error=reply.error,
            attempt=attempt,
            duration_ms=elapsed_ms,
        )
