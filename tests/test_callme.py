"""Call-me check-in through the real SDK: the server calls the volunteer, who
presses 1; REST failures are retried without ever calling anyone twice."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from phonebank import server
from phonebank.sandbox import Fault
from phonebank.telephony import Telephony
from tests.harness import Bank, config_at
from tests.test_e2e import EVENING, HUMAN

pytestmark = pytest.mark.e2e
BEN = "+12025550112"


@pytest.fixture
def bank(tmp_path: Path, make_config: Any) -> Iterator[Bank]:
    running = Bank.start(config_at(tmp_path, make_config), EVENING)
    running.add_contacts(HUMAN)
    running.profile(HUMAN, outcome="human", disposition="supporter")
    running.volunteer("Ben Sample", BEN, "7315", call_me=True, hangup_mid_call=False)
    yield running
    running.stop()


def telephony(bank: Bank, timeout: float = 5.0) -> Telephony:
    return Telephony(
        server.SANDBOX_AUTH_ID,
        server.SANDBOX_AUTH_TOKEN,
        base_url=bank.lab.base_url,
        timeout=timeout,
        wait_max=0.2,
    )


def calls_to(bank: Bank, number: str) -> list[dict[str, Any]]:
    return [e for e in bank.lab.log.calls("start") if e.get("to") == number]


def test_call_me_volunteer_presses_1_and_works(bank: Bank) -> None:
    campaign = bank.config.campaigns[0]
    placed = server.call_volunteers(bank.config, bank.engine, telephony(bank), campaign)
    bank.wait()

    assert len(placed) == 1
    shift = bank.shifts()[0]
    assert shift.call_uuid == placed[0]
    assert [a.result_label for a in bank.attempts()] == ["Supporter"]
    assert len(calls_to(bank, BEN)) == 1


def test_volunteer_on_a_shift_is_not_called_again(bank: Bank) -> None:
    campaign = bank.config.campaigns[0]
    bank.call_in(bank.parties[BEN])
    bank.until(lambda: bank.shifts())
    assert (
        server.call_volunteers(bank.config, bank.engine, telephony(bank), campaign)
        == []
    )
    bank.wait()


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=500, create_anyway=True),
        Fault(status=503, create_anyway=True),
        Fault(status=429),
        Fault(refuse=True),
        Fault(status=500, create_anyway=False),
    ],
    ids=["500-after-create", "503-after-create", "429", "refused", "500-nothing"],
)
def test_rest_failures_never_call_twice(
    bank: Bank, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    campaign = bank.config.campaigns[0]
    bank.lab.inject(fault)
    with caplog.at_level(logging.WARNING, logger="phonebank.telephony"):
        placed = server.call_volunteers(
            bank.config, bank.engine, telephony(bank), campaign
        )
    bank.wait()
    assert len(placed) == 1
    assert len(calls_to(bank, BEN)) == 1
    assert bank.shifts()[0].call_uuid == placed[0]
    assert any("attempt 1 of 4" in r.getMessage() for r in caplog.records)


def test_read_timeout_after_create_finds_the_call(
    tmp_path: Path, make_config: Any
) -> None:
    # Real time here: the check must run while the first call is still ringing,
    # as it would against Plivo, not after a compressed shift has ended.
    bank = Bank.start(config_at(tmp_path, make_config), EVENING, speed=1.0)
    try:
        bank.volunteer("Ben Sample", BEN, "7315", call_me=True)
        bank.lab.inject(Fault(delay_seconds=1.5))
        slow = telephony(bank, timeout=0.5)
        campaign = bank.config.campaigns[0]
        placed = server.call_volunteers(bank.config, bank.engine, slow, campaign)
        assert len(calls_to(bank, BEN)) == 1
        assert placed == [calls_to(bank, BEN)[0]["uuid"]]
    finally:
        bank.stop()


def test_live_calls_are_read_page_by_page(tmp_path: Path, make_config: Any) -> None:
    bank = Bank.start(config_at(tmp_path, make_config), EVENING, speed=1.0, cps=1000)
    try:
        phones = [f"+1202555{150 + n:04d}" for n in range(45)]
        for n, phone in enumerate(phones):
            bank.volunteer(f"V{n}", phone, f"{1000 + n}", call_me=True, silent=True)
        campaign = bank.config.campaigns[0]
        fast = Telephony(
            server.SANDBOX_AUTH_ID,
            server.SANDBOX_AUTH_TOKEN,
            base_url=bank.lab.base_url,
            cps=1000.0,
        )
        placed = server.call_volunteers(bank.config, bank.engine, fast, campaign)
        assert len(placed) == 45
        bank.until(lambda: not bank.lab.live_calls("queued"), timeout=30)
        assert sorted(fast.live_calls()) == sorted(placed)
    finally:
        bank.stop()
