"""The demo: the main job, end to end on the example VAN export."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from phonebank.cli import app

pytestmark = pytest.mark.e2e


def test_demo_json_report_adds_up() -> None:
    result = CliRunner().invoke(
        app, ["demo", "--volunteers", "4", "--speed", "400", "--seed", "11", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])

    assert report["calls_outside_hours"] == 0
    assert report["contacts"] == 320
    assert report["dials"] == report["sandbox_dials"] > 30
    assert 0 < report["answered"] < report["dials"]
    assert 0 < report["conversations"] <= report["answered"]
    assert sum(report["results"].values()) == report["answered"]
    assert sum(report["outcomes"].values()) == report["dials"]
    volunteers = report["volunteers"]
    assert len(volunteers) == 4
    assert sum(v["conversations"] for v in volunteers) == report["conversations"]
    assert any(v["conversations"] > 0 for v in volunteers)
    for volunteer in volunteers:
        expected = volunteer["conversations"] / volunteer["hours"]
        assert volunteer["conversations_per_hour"] == pytest.approx(expected, rel=0.02)
    assert report["conversations_per_volunteer_hour"] > 0
    assert report["contacts_remaining"] < report["contacts"]
