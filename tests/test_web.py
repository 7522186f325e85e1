"""Webhooks in-process: signature checks, the XML of each step, the sheet page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from phonebank import callflow, db, volunteers, web
from phonebank.clock import SimClock
from phonebank.config import Config, VolunteerEntry
from phonebank.models import Contact, Shift
from phonebank.sandbox.webhooks import signature_headers

TOKEN = "test-auth-token"
NONCE = "12345678901234567890"
EVENING = datetime(2026, 12, 8, 23, 0, tzinfo=UTC)  # 18:00 in New York


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return signature_headers(token, "POST", url, params)


class Client:
    """Posts signed webhooks to the app through httpx's ASGI transport."""

    def __init__(self, cfg: Config, clock: SimClock) -> None:
        self.engine = db.make_engine(cfg.database_url)
        self.cfg = cfg
        self.app = web.create_app(cfg, self.engine, clock, TOKEN)
        self.http = TestClient(self.app, base_url="http://127.0.0.1:8000")

    def post(self, path: str, params: dict[str, str], **kwargs: Any) -> httpx.Response:
        public = f"{self.cfg.settings.public_url}{path}"
        headers = kwargs.pop("headers") if "headers" in kwargs else sign(public, params)
        return self.http.post(path, data=params, headers=headers, **kwargs)


@pytest.fixture
def client(make_config: Any, tmp_path: Path) -> Client:
    cfg = make_config(database_url=f"sqlite:///{tmp_path / 'web.db'}")
    made = Client(cfg, SimClock(EVENING, 1.0))
    volunteers.add(
        made.engine,
        cfg,
        VolunteerEntry(name="Ana Example", phone="+12025550111", pin="4821"),
    )
    return made


CALL = {
    "CallUUID": "c-1",
    "From": "12025550111",
    "To": "12025550100",
    "CallStatus": "ringing",
    "Direction": "inbound",
    "Event": "StartApp",
}


def verbs(xml: str) -> list[str]:
    return [child.tag for child in ET.fromstring(xml)]


def test_valid_signature_is_answered_with_the_pin_prompt(client: Client) -> None:
    response = client.post("/plivo/answer", CALL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    digits = root.find("GetDigits")
    assert digits is not None
    assert (
        digits.get("action") == "https://phonebank.example.org/plivo/checkin?attempt=1"
    )
    assert "enter your PIN" in (digits.findtext("Speak") or "")
    assert verbs(response.text) == ["GetDigits", "Speak", "Redirect"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Plivo-Signature-V3-Nonce": NONCE},
        {
            "X-Plivo-Signature-V3": "bm90IGEgc2lnbmF0dXJl",
            "X-Plivo-Signature-V3-Nonce": NONCE,
        },
    ],
    ids=["missing", "no-signature", "wrong"],
)
def test_bad_signatures_get_403_and_change_nothing(
    client: Client, headers: dict[str, str]
) -> None:
    params = {**CALL, "Digits": "4821"}
    response = client.post("/plivo/checkin?attempt=1", params, headers=headers)
    assert response.status_code == 403
    with db.session(client.engine) as session:
        assert session.query(Shift).count() == 0


def test_signature_made_with_another_token_is_refused(client: Client) -> None:
    url = f"{client.cfg.settings.public_url}/plivo/answer"
    response = client.post(
        "/plivo/answer", CALL, headers=sign(url, CALL, "other-token")
    )
    assert response.status_code == 403


def test_tampered_parameter_is_refused(client: Client) -> None:
    url = f"{client.cfg.settings.public_url}/plivo/checkin?attempt=1"
    headers = sign(url, {**CALL, "Digits": "0000"})
    response = client.post(
        "/plivo/checkin?attempt=1", {**CALL, "Digits": "4821"}, headers=headers
    )
    assert response.status_code == 403


def test_behind_a_proxy_with_a_path_prefix(make_config: Any, tmp_path: Path) -> None:
    cfg = make_config(
        database_url=f"sqlite:///{tmp_path / 'p.db'}",
        public_url="https://example.org/phonebank",
    )
    proxied = Client(cfg, SimClock(EVENING, 1.0))
    signed = sign("https://example.org/phonebank/plivo/answer", CALL)
    # The proxy forwards to http://127.0.0.1:8000, prefix stripped or kept.
    for path in ("/plivo/answer", "/phonebank/plivo/answer"):
        response = proxied.http.post(path, data=CALL, headers=signed)
        assert response.status_code == 200, path
    host_signed = sign("http://127.0.0.1:8000/plivo/answer", CALL)
    assert (
        proxied.http.post("/plivo/answer", data=CALL, headers=host_signed).status_code
        == 403
    )


def test_right_pin_starts_a_shift_once(client: Client) -> None:
    params = {**CALL, "Digits": "4821"}
    first = client.post("/plivo/checkin?attempt=1", params)
    again = client.post("/plivo/checkin?attempt=1", params)
    assert first.text == again.text
    assert "Welcome, Ana Example" in first.text
    assert "The calling window closes Tuesday at 9 PM." in first.text
    assert verbs(first.text) == ["Speak", "Redirect"]
    with db.session(client.engine) as session:
        assert session.query(Shift).count() == 1


@pytest.mark.parametrize(
    ("digits", "attempt", "spoken", "last"),
    [
        ("", 1, "We did not hear a PIN.", "Redirect"),
        ("12", 1, "That PIN was too short.", "Redirect"),
        ("9999", 1, "That PIN is not right.", "Redirect"),
        ("9999", 3, "That PIN is not right. Please check your PIN", "Hangup"),
    ],
)
def test_pin_retries(
    client: Client, digits: str, attempt: int, spoken: str, last: str
) -> None:
    response = client.post(
        f"/plivo/checkin?attempt={attempt}", {**CALL, "Digits": digits}
    )
    assert spoken in response.text
    assert verbs(response.text)[-1] == last


def test_fourth_pin_prompt_is_a_goodbye(client: Client) -> None:
    response = client.post("/plivo/answer?attempt=4", CALL)
    assert verbs(response.text) == ["Speak", "Hangup"]
    assert "Goodbye" in response.text


def test_answer_outside_window_says_when_it_opens(
    make_config: Any, tmp_path: Path
) -> None:
    cfg = make_config(
        database_url=f"sqlite:///{tmp_path / 'w.db'}",
        campaign={"windows": {"mon-fri": ["17:00-21:00"]}},
    )
    saturday = datetime(2026, 12, 12, 15, 0, tzinfo=UTC)
    closed = Client(cfg, SimClock(saturday, 1.0))
    response = closed.post("/plivo/answer", CALL)
    assert "The next one opens Monday at 5 PM." in response.text
    assert verbs(response.text) == ["Speak", "Hangup"]


def test_several_open_campaigns_get_a_menu(make_config: Any, tmp_path: Path) -> None:
    from tests.conftest import BASE_CAMPAIGN

    second = {**BASE_CAMPAIGN, "slug": "rent-survey", "name": "Rent Survey"}
    cfg = make_config(
        database_url=f"sqlite:///{tmp_path / 'm.db'}", campaigns=[BASE_CAMPAIGN, second]
    )
    bank = Client(cfg, SimClock(EVENING, 1.0))
    volunteers.add(
        bank.engine, cfg, VolunteerEntry(name="Ana", phone="+12025550111", pin="4821")
    )
    menu = bank.post("/plivo/checkin?attempt=1", {**CALL, "Digits": "4821"})
    assert (
        "Press 1 for Tenant Rights Ballot Measure. Press 2 for Rent Survey."
        in menu.text
    )
    chosen = bank.post("/plivo/campaign?shift=1", {**CALL, "Digits": "2"})
    assert "You are calling for Rent Survey" in chosen.text
    with db.session(bank.engine) as session:
        assert session.get(Shift, 1).campaign == "rent-survey"  # type: ignore[union-attr]


def _shift_with_contact(client: Client, first_name: str) -> None:
    client.post("/plivo/checkin?attempt=1", {**CALL, "Digits": "4821"})
    with client.engine.begin() as conn:
        conn.execute(
            insert(Contact.__table__),
            [
                {  # type: ignore[attr-defined]
                    "campaign": "tenant-vote",
                    "phone": "+12025550143",
                    "first_name": first_name,
                    "last_name": "O'Brien",
                    "extra": {"city": "Springfield"},
                    "time_zones": ["America/New_York"],
                }
            ],
        )


def test_contact_steps_xml(client: Client) -> None:
    _shift_with_contact(client, "José & Ana <B>")
    whisper = client.post("/plivo/next?shift=1&after=0", CALL)
    root = ET.fromstring(whisper.text)
    assert root.findtext("Speak") == (
        "Next: José & Ana <B> O'Brien in Springfield. Ask about the tenant rights vote."
    )
    assert "&amp; Ana &lt;B&gt;" in whisper.text
    assert "+12025550143" not in whisper.text
    assert (
        root.findtext("Redirect")
        == "https://phonebank.example.org/plivo/dial?attempt=1"
    )

    dial = ET.fromstring(client.post("/plivo/dial?attempt=1", CALL).text).find("Dial")
    assert dial is not None
    assert dial.get("callerId") == "+12025550100"
    assert dial.get("timeout") == "25"
    assert dial.get("hangupOnStar") == "true"
    assert dial.findtext("Number") == "+12025550143"

    answered = {
        **CALL,
        "DialStatus": "completed",
        "DialBLegUUID": "b-1",
        "DialHangupCause": "NORMAL_CLEARING",
    }
    menu = client.post("/plivo/dialed?attempt=1", answered)
    assert "Press 1 for Supporter." in menu.text
    assert ET.fromstring(menu.text).find("GetDigits").get("validDigits") == "12489"  # type: ignore[union-attr]

    wrong = client.post("/plivo/result?attempt=1", {**CALL, "Digits": "7"})
    assert "That key is not on the list." in wrong.text
    saved = client.post("/plivo/result?attempt=1", {**CALL, "Digits": "1"})
    assert "Saved: Supporter." in saved.text
    assert "next?shift=1&amp;after=1" in saved.text


def test_call_sheet_shows_only_the_live_contact(client: Client) -> None:
    _shift_with_contact(client, "José & Ana <B>")
    token = volunteers.listing(client.engine, client.cfg)[0].sheet_url.rsplit("/", 1)[1]
    idle = client.http.get(f"/sheet/{token}")
    assert "No call in progress" in idle.text

    client.post("/plivo/next?shift=1&after=0", CALL)
    client.post("/plivo/dial?attempt=1", CALL)
    live = client.http.get(f"/sheet/{token}")
    assert "José &amp; Ana &lt;B&gt;" in live.text
    assert "0143" not in live.text and "+1202" not in live.text
    assert client.http.get("/sheet/not-a-token").status_code == 404


@pytest.mark.parametrize(
    ("status", "bleg", "expected"),
    [
        ("completed", "b-1", "answered"),
        ("completed", "", "no_answer"),
        ("busy", "", "busy"),
        ("no-answer", "", "no_answer"),
        ("failed", "", "failed"),
        ("timeout", "", "no_answer"),
        ("cancel", "", "no_answer"),
    ],
)
def test_dial_status_translation(status: str, bleg: str, expected: str) -> None:
    assert callflow.dial_outcome(status, bleg) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/plivo/answer?attempt=abc",
        "/plivo/checkin?attempt=abc",
        "/plivo/campaign?shift=abc",
        "/plivo/next?shift=abc&after=xyz",
        "/plivo/dial?attempt=abc",
        "/plivo/dialed?attempt=abc",
        "/plivo/result?attempt=999999",
        "/plivo/noresult?attempt=-1",
        "/plivo/callme?volunteer=abc",
    ],
)
def test_garbage_parameters_get_xml_and_no_error(
    client: Client, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post(path, CALL)
    assert response.status_code == 200
    assert ET.fromstring(response.text).tag == "Response"
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


def test_checkin_without_a_call_uuid_starts_no_shift(client: Client) -> None:
    params = {k: v for k, v in CALL.items() if k != "CallUUID"}
    response = client.post("/plivo/checkin?attempt=1", {**params, "Digits": "4821"})
    assert "cannot be checked in" in response.text
    with db.session(client.engine) as session:
        assert session.query(Shift).count() == 0


def test_a_new_check_in_ends_the_volunteers_older_shift(client: Client) -> None:
    client.post("/plivo/checkin?attempt=1", {**CALL, "Digits": "4821"})
    again = {**CALL, "CallUUID": "c-2", "From": "12025550133", "Digits": "4821"}
    client.post("/plivo/checkin?attempt=1", again)
    with db.session(client.engine) as session:
        shifts = session.query(Shift).order_by(Shift.id).all()
    assert [s.call_uuid for s in shifts] == ["c-1", "c-2"]
    assert shifts[0].ended_at is not None and shifts[1].ended_at is None


def test_a_settled_attempt_is_never_dialed(client: Client) -> None:
    _shift_with_contact(client, "Ana")
    client.post("/plivo/next?shift=1&after=0", CALL)
    # A newer check-in by the same volunteer ends shift 1 before its dial step.
    client.post(
        "/plivo/checkin?attempt=1",
        {**CALL, "CallUUID": "c-2", "From": "12025550133", "Digits": "4821"},
    )
    late = client.post("/plivo/dial?attempt=1", CALL)
    assert verbs(late.text) == ["Speak", "Hangup"]
    assert "<Dial" not in late.text


def test_control_characters_in_a_name_are_spoken_as_spaces(client: Client) -> None:
    _shift_with_contact(client, "By\x00te\x1b")
    whisper = client.post("/plivo/next?shift=1&after=0", CALL)
    assert whisper.status_code == 200
    assert ET.fromstring(whisper.text).findtext("Speak", "").startswith("Next: By te ")


def test_call_me_without_a_call_uuid_starts_no_shift(client: Client) -> None:
    params = {k: v for k, v in CALL.items() if k != "CallUUID"}
    response = client.post("/plivo/callme?volunteer=1", {**params, "Digits": "1"})
    assert "cannot be checked in" in response.text
    with db.session(client.engine) as session:
        assert session.query(Shift).count() == 0
