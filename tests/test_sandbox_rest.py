"""The sandbox's REST API, driven by the real plivo SDK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import plivo
import pytest
import requests
from plivo import exceptions

from phonebank.clock import SimClock
from phonebank.sandbox import ContactProfile, Fault, Sandbox
from phonebank.sandbox.adapter import attach
from phonebank.sandbox.testing import Receiver

AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
TOKEN = "sandbox-token"
CALLER_ID = "+12025550100"
CONTACT = "+12025550143"
LONG_CALL = '<Response><Speak>Hello</Speak><Wait length="600"/></Response>'


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver(TOKEN, routes={"/answer": LONG_CALL})
    rx.start()
    yield rx
    rx.stop()


def make_sandbox(cps: float = 2.0, speed: float = 500.0) -> Sandbox:
    clock = SimClock(datetime(2026, 3, 3, 23, 0, tzinfo=UTC), speed=speed)
    return Sandbox(
        AUTH_ID,
        TOKEN,
        clock=clock,
        seed=7,
        cps=cps,
        default_contact=ContactProfile(outcome="human"),
    )


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    sb = make_sandbox()
    yield sb
    sb.stop()


def client_for(sb: Sandbox, token: str = TOKEN, timeout: float = 5) -> plivo.RestClient:
    base_url = sb.base_url or sb.start()
    client = plivo.RestClient(AUTH_ID, token, timeout=timeout)
    attach(client, base_url)
    return client


def create(client: plivo.RestClient, rx: Receiver, to: str = CONTACT) -> str:
    response = client.calls.create(
        from_=CALLER_ID,
        to_=to,
        answer_url=rx.url("/answer"),
        hangup_url=rx.url("/hangup"),
        ring_url=rx.url("/ring"),
    )
    return str(response.request_uuid)


def test_create_returns_request_uuid_that_is_the_call_uuid(sandbox, receiver):
    client = client_for(sandbox)

    uuid = create(client, receiver)

    assert client.calls.get(uuid).call_uuid == uuid
    rest = sandbox.log.of_kind("rest")
    assert (rest[0]["method"], rest[0]["status"]) == ("POST", 201)


def test_hangup_after_answer_is_204_then_404(sandbox, receiver):
    client = client_for(sandbox)
    uuid = create(client, receiver)
    _wait_for(lambda: any(s.path == "/answer" for s in receiver.requests()))

    assert uuid in client.live_calls.list_ids().calls
    assert client.live_calls.get(uuid).call_status == "in-progress"
    assert client.calls.delete(uuid) is None
    assert sandbox.wait_idle(5)

    with pytest.raises(exceptions.ResourceNotFoundError):
        client.calls.delete(uuid)
    hangup = receiver.requests("/hangup")[0].params
    assert (hangup["CallStatus"], hangup["HangupCauseCode"]) == ("completed", "4000")
    assert hangup["HangupSource"] == "API Request"
    cdr = client.calls.get(uuid)
    assert (cdr.hangup_cause_code, cdr.hangup_source) == (4000, "API Request")
    with pytest.raises(exceptions.ResourceNotFoundError):
        client.live_calls.get(uuid)


def test_hangup_of_a_queued_call_cancels_it(receiver):
    sb = make_sandbox(cps=0.001)
    try:
        client = client_for(sb)
        create(client, receiver)
        queued = create(client, receiver, to="+12025550144")

        client.calls.delete(queued)

        _wait_for(lambda: receiver.requests("/hangup"))
        hangup = receiver.requests("/hangup")[0].params
        assert hangup["CallUUID"] == queued
        assert (hangup["CallStatus"], hangup["HangupCause"]) == (
            "cancel",
            "ORIGINATOR_CANCEL",
        )
        assert (hangup["HangupCauseCode"], hangup["HangupSource"]) == (
            "1000",
            "API Request",
        )
        assert "ALegUUID" not in hangup
    finally:
        sb.stop()


@pytest.mark.parametrize(
    ("token", "auth_id"), [("wrong-token", AUTH_ID), (TOKEN, "MAYYYYYYYYYYYYYYYYYY")]
)
def test_bad_credentials_are_401(sandbox, receiver, token, auth_id):
    client = client_for(sandbox)
    intruder = plivo.RestClient(auth_id, token)
    attach(intruder, sandbox.base_url)

    with pytest.raises(exceptions.AuthenticationError):
        create(intruder, receiver)
    assert client.live_calls.list_ids().calls == []


@pytest.mark.parametrize("missing", ["from", "to", "answer_url"])
def test_form_body_missing_a_parameter_is_400(sandbox, missing):
    client_for(sandbox)
    form = {
        "from": "12025550100",
        "to": "12025550143",
        "answer_url": "http://127.0.0.1:9/answer",
    }
    del form[missing]

    reply = httpx.post(
        f"{sandbox.base_url}/v1/Account/{AUTH_ID}/Call/",
        data=form,
        auth=(AUTH_ID, TOKEN),
    )

    assert reply.status_code == 400
    assert missing in reply.json()["error"] and reply.json()["api_id"]


def test_api_calls_leave_the_queue_at_the_cps_in_clock_time(receiver):
    sb = make_sandbox(cps=2.0, speed=20.0)
    try:
        client = client_for(sb)
        for n in range(5):
            create(client, receiver, to=f"+120255501{50 + n}")

        _wait_for(lambda: len(sb.log.of_kind("dequeue")) == 5)
        times = [datetime.fromisoformat(e["at"]) for e in sb.log.of_kind("dequeue")]
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        assert all(gap >= 0.5 for gap in gaps), gaps
        assert all(gap < 0.8 for gap in gaps), gaps
    finally:
        sb.stop()


def test_busy_contact_gets_no_answer_url_only_a_hangup(sandbox, receiver):
    sandbox.contacts[CONTACT] = ContactProfile(outcome="busy")
    client = client_for(sandbox)

    uuid = create(client, receiver)

    assert sandbox.wait_idle(10)
    assert receiver.requests("/answer") == [] and receiver.requests("/ring") == []
    hangup = receiver.requests("/hangup")[0].params
    assert (hangup["CallUUID"], hangup["CallStatus"]) == (uuid, "busy")
    assert (hangup["HangupCause"], hangup["HangupCauseCode"]) == ("USER_BUSY", "3010")
    assert (hangup["Duration"], hangup["AnswerTime"]) == ("0", "")


def test_answered_api_call_posts_ring_then_answer_with_a_leg_fields(sandbox, receiver):
    client = client_for(sandbox)

    uuid = create(client, receiver)

    _wait_for(lambda: receiver.requests("/answer"))
    ring = receiver.requests("/ring")[0].params
    answer = receiver.requests("/answer")[0].params
    assert (ring["Event"], ring["CallStatus"]) == ("Ring", "ringing")
    assert (answer["Event"], answer["CallStatus"]) == ("StartApp", "in-progress")
    assert answer["Direction"] == "outbound"
    assert answer["RequestUUID"] == answer["ALegUUID"] == uuid
    assert (answer["From"], answer["To"]) == ("12025550100", "12025550143")


def test_500_after_create_makes_the_sdk_retry_into_a_duplicate_call(sandbox, receiver):
    sandbox.inject(
        Fault(method="POST", path_suffix="Call/", status=500, create_anyway=True)
    )
    client = client_for(sandbox)

    create(client, receiver)

    statuses = [e["status"] for e in sandbox.log.of_kind("rest")]
    assert statuses == [500, 201]
    assert len(sandbox.log.calls("start")) == 2
    assert len(sandbox.log.of_kind("fault")) == 1


def test_429_creates_nothing_and_is_a_bare_plivo_error(sandbox, receiver):
    sandbox.inject(Fault(status=429))
    client = client_for(sandbox)

    with pytest.raises(exceptions.PlivoRestError, match="429"):
        create(client, receiver)
    assert sandbox.log.calls("start") == []


def test_slow_reply_times_out_the_client_but_the_call_exists(sandbox, receiver):
    sandbox.inject(Fault(delay_seconds=1.0))
    client = client_for(sandbox, timeout=0.2)

    with pytest.raises(requests.exceptions.ReadTimeout):
        create(client, receiver)
    assert len(sandbox.log.calls("start")) == 1


def test_refused_request_is_a_connection_error(sandbox, receiver):
    sandbox.inject(Fault(refuse=True))
    client = client_for(sandbox)

    with pytest.raises(requests.exceptions.ConnectionError):
        create(client, receiver)
    assert sandbox.log.calls("start") == []


def _wait_for(condition, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
