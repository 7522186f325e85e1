"""How the sandbox walks Plivo XML and signs what it sends (plivo-facts §3-§5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from phonebank.clock import SimClock
from phonebank.sandbox import Application, Sandbox, VolunteerParty
from phonebank.sandbox.testing import Receiver

TOKEN = "sandbox-token"
CHECKIN = "+12025550100"
VOLUNTEER = "+12025550111"
PIN_PROMPT = "<Speak>Please enter your PIN, then press the pound key.</Speak>"


@pytest.fixture
def sandbox(receiver: Receiver) -> Iterator[Sandbox]:
    clock = SimClock(datetime(2026, 3, 3, 23, 0, tzinfo=UTC), speed=1000)
    sb = Sandbox(auth_token=TOKEN, clock=clock, seed=3)
    sb.applications[CHECKIN] = Application(
        receiver.url("/answer"), receiver.url("/hangup")
    )
    yield sb
    sb.stop()


def call(sb: Sandbox, rx: Receiver, **party: object) -> dict[str, str]:
    """Place one volunteer call, wait for it to end, return its hangup request."""
    sb.place_call(VolunteerParty(phone=VOLUNTEER, **party), to=CHECKIN)  # type: ignore[arg-type]
    assert sb.wait_idle(10)
    return rx.requests("/hangup")[-1].params


def spoken(sb: Sandbox) -> list[str]:
    return [e["text"] for e in sb.log.of_kind("xml") if e["verb"] == "Speak"]


def test_every_callback_carries_a_valid_v3_signature(sandbox, receiver):
    receiver.routes["/answer"] = (
        f'<Response><GetDigits action="/pin?step=1&amp;x=a+b" method="GET">'
        f"{PIN_PROMPT}</GetDigits></Response>"
    )
    receiver.routes["/pin"] = "<Response><Speak>Welcome, café</Speak></Response>"

    call(sandbox, receiver)

    seen = receiver.requests()
    assert [s.path for s in seen] == ["/answer", "/pin", "/hangup"]
    assert seen[1].method == "GET" and seen[1].params["Digits"] == "1234"
    assert all(s.signed for s in seen)


def test_answer_of_an_inbound_call_is_ringing_startapp(sandbox, receiver):
    receiver.routes["/answer"] = "<Response><Speak>Hi</Speak></Response>"

    call(sandbox, receiver, name="Ada")

    answer = receiver.requests("/answer")[0].params
    assert (answer["Event"], answer["CallStatus"]) == ("StartApp", "ringing")
    assert (answer["Direction"], answer["From"], answer["To"]) == (
        "inbound",
        "12025550111",
        "12025550100",
    )
    assert "ALegUUID" not in answer and "RequestUUID" not in answer


def test_end_of_xml_hangs_up_with_4010(sandbox, receiver):
    receiver.routes["/answer"] = "<Response><Speak>Hello and goodbye</Speak></Response>"

    hangup = call(sandbox, receiver)

    assert (hangup["Event"], hangup["CallStatus"]) == ("Hangup", "completed")
    assert (hangup["HangupCauseCode"], hangup["HangupSource"]) == ("4010", "Plivo")
    assert hangup["HangupCauseName"] == "End Of XML Instructions"


def test_getdigits_without_input_falls_through_and_never_calls_action(
    sandbox, receiver
):
    receiver.routes["/answer"] = (
        f'<Response><GetDigits action="/pin" retries="3">{PIN_PROMPT}</GetDigits>'
        "<Speak>We did not get your PIN</Speak></Response>"
    )

    hangup = call(sandbox, receiver, silent=True)

    assert receiver.requests("/pin") == []
    assert spoken(sandbox) == ["We did not get your PIN"]
    assert hangup["HangupCauseCode"] == "4010"
    # three attempts of prompt (about 4 s) plus the 5 s timeout each
    assert int(hangup["Duration"]) >= 3 * 9


def test_redirect_false_notifies_action_and_continues(sandbox, receiver):
    receiver.routes["/answer"] = (
        f'<Response><GetDigits action="/pin" redirect="false">{PIN_PROMPT}'
        "</GetDigits><Speak>Next in line</Speak></Response>"
    )
    receiver.routes["/pin"] = "<Response><Speak>Ignored</Speak></Response>"

    call(sandbox, receiver)

    assert receiver.requests("/pin")[0].params["Digits"] == "1234"
    assert spoken(sandbox) == ["Next in line"]


def test_redirect_true_runs_the_action_xml_instead_of_the_rest(sandbox, receiver):
    receiver.routes["/answer"] = (
        f'<Response><GetDigits action="/pin">{PIN_PROMPT}</GetDigits>'
        "<Speak>Never said</Speak></Response>"
    )
    receiver.routes["/pin"] = "<Response><Speak>From the action</Speak></Response>"

    call(sandbox, receiver)

    assert spoken(sandbox) == ["From the action"]


def test_redirect_ends_the_document(sandbox, receiver):
    receiver.routes["/answer"] = (
        '<Response><Redirect method="POST">/next</Redirect>'
        "<Speak>Never said</Speak></Response>"
    )
    receiver.routes["/next"] = "<Response><Speak>Redirected</Speak></Response>"

    call(sandbox, receiver)

    redirect = receiver.requests("/next")[0].params
    assert redirect["Event"] == "Redirect"
    assert spoken(sandbox) == ["Redirected"]


@pytest.mark.parametrize(
    ("keys", "digits"),
    [(["1234#"], "1234"), (["12"], "12"), (["9", "2"], "2"), (["", "1"], "1")],
    ids=["finish-key-excluded", "digit-timeout", "invalid-then-valid", "none-then-1"],
)
def test_getdigits_keys(sandbox, receiver, keys, digits):
    receiver.routes["/answer"] = (
        '<Response><GetDigits action="/got" retries="2" validDigits="1234#">'
        "<Speak>Enter some digits</Speak></GetDigits></Response>"
    )

    call(sandbox, receiver, digits=keys)

    assert [s.params["Digits"] for s in receiver.requests("/got")] == [digits]


def test_numdigits_stops_collecting(sandbox, receiver):
    receiver.routes["/answer"] = (
        '<Response><GetDigits action="/got" numDigits="1">'
        "<Speak>Press 1 to start</Speak></GetDigits></Response>"
    )

    call(sandbox, receiver, digits=["345"])

    assert receiver.requests("/got")[0].params["Digits"] == "3"


def test_volunteer_keys_wrong_pins_first(sandbox, receiver):
    receiver.routes["/answer"] = (
        f'<Response><GetDigits action="/pin">{PIN_PROMPT}</GetDigits></Response>'
    )
    receiver.routes["/pin"] = lambda p: (
        "<Response><Redirect>/answer</Redirect></Response>"
        if p["Digits"] != "1234"
        else "<Response><Hangup/></Response>"
    )

    hangup = call(sandbox, receiver, pin="1234", wrong_pins=2)

    assert [s.params["Digits"] for s in receiver.requests("/pin")] == [
        "2345",
        "3456",
        "1234",
    ]
    assert (hangup["HangupCauseCode"], hangup["HangupSource"]) == ("4000", "Answer XML")


@pytest.mark.parametrize(
    "body",
    [
        "<Response><Say>Twilio verb</Say></Response>",
        "<Response><Speak>unclosed</Response>",
        "OK",
        "<Response><Dial><Number></Number></Dial></Response>",
    ],
)
def test_bad_answer_xml_ends_the_call_with_8011(sandbox, receiver, body):
    receiver.routes["/answer"] = body

    hangup = call(sandbox, receiver)

    assert (hangup["HangupCauseCode"], hangup["HangupSource"]) == ("8011", "Error")


def test_unreachable_answer_url_ends_the_call_with_7011(sandbox, receiver):
    sandbox.applications[CHECKIN] = Application(
        "http://127.0.0.1:9/answer#ct=200&rc=0", receiver.url("/hangup")
    )

    hangup = call(sandbox, receiver)

    assert hangup["HangupCauseCode"] == "7011"
    assert hangup["HangupCauseName"] == "Error Reaching Answer URL"


def test_bad_action_xml_ends_the_call_with_8012(sandbox, receiver):
    receiver.routes["/answer"] = (
        f'<Response><GetDigits action="/pin">{PIN_PROMPT}</GetDigits></Response>'
    )
    receiver.routes["/pin"] = "<Gather/>"

    hangup = call(sandbox, receiver)

    assert hangup["HangupCauseCode"] == "8012"


def test_hangup_as_first_element_rejects_the_call(sandbox, receiver):
    receiver.routes["/answer"] = "<Response><Hangup/></Response>"

    hangup = call(sandbox, receiver)

    assert (hangup["HangupCause"], hangup["HangupCauseCode"]) == (
        "CALL_REJECTED",
        "3020",
    )
    assert (hangup["AnswerTime"], hangup["Duration"]) == ("", "0")
