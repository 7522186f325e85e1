"""The campaigns file: every problem reported at once, with key path and fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from phonebank import checks
from phonebank import config as config_module
from phonebank.cli import app
from phonebank.errors import ConfigError
from tests.conftest import ROOT, settings_dict, write_config

runner = CliRunner()


def problems_for(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = write_config(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        config_module.load(path)
    return caught.value.problems


def test_example_config_is_valid_and_checks_clean() -> None:
    cfg = config_module.load(ROOT / "campaigns.example.yaml")
    assert [c.slug for c in cfg.campaigns] == ["tenant-vote"]
    campaign = cfg.campaigns[0]
    assert campaign.caller_id == "+12025550100"
    assert campaign.ring_timeout == 25
    assert str(campaign.calling_hours.start) == "09:00:00"
    assert checks.problems(cfg, None) == []
    assert cfg.database_url == f"sqlite:///{ROOT / 'phonebank.db'}"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = settings_dict(
        campaign={
            "caller_id": "555-1234",
            "windows": {"mon": ["21:00-17:00"], "funday": ["10:00-11:00"]},
            "calling_hours": "07:00-22:00",
            "ring_timeout": 5,
            "colour": "blue",
        }
    )
    found = problems_for(tmp_path, data)
    text = "\n".join(found)
    assert len(found) == 6, text
    assert (
        "campaigns[tenant-vote].caller_id: '555-1234' is not a valid phone number"
        in text
    )
    assert "campaigns[tenant-vote].colour: unknown key" in text
    assert "campaigns[tenant-vote].ring_timeout" in text and "15" in text
    assert "wider than the legal 08:00-21:00" in text
    assert (
        "21:00-17:00 ends before it starts" in text or "'funday' is not a day" in text
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"public_url": "phonebank.example.org"},
            "public_url: 'phonebank.example.org'",
        ),
        ({"checkin_number": "12"}, "checkin_number: '12' is not a valid phone number"),
        ({"campaigns": []}, "campaigns: is empty; add at least one"),
        (
            {"volunteers": [{"name": "Ana", "phone": "+12025550111", "pin": "12"}]},
            "a PIN is 4 to 8 digits",
        ),
        ({"campaign": {"time_zone": "Eastern"}}, "'Eastern' is not a time zone"),
        ({"campaign": {"windows": {"mon": ["17:30"]}}}, "is not a span"),
        ({"campaign": {"windows": {"mon": ["17:00-25:00"]}}}, "is not a time"),
        ({"campaign": {"slug": "Tenant Vote"}}, "use lowercase letters"),
        (
            {
                "campaign": {
                    "results": [{"key": "1", "label": "A"}, {"key": "1", "label": "B"}]
                }
            },
            "key 1 is given to both A and B",
        ),
        (
            {"campaign": {"results": [{"key": "2", "label": "Maybe", "final": False}]}},
            "add retry_after",
        ),
        ({"campaign": {"retry": {"busy": "soon"}}}, "'soon' is not a duration"),
    ],
)
def test_config_errors_name_the_key_and_the_fix(
    tmp_path: Path, override: dict[str, Any], expected: str
) -> None:
    found = problems_for(tmp_path, settings_dict(**override))
    assert any(expected in p for p in found), found


def test_unquoted_yaml_times_are_read(tmp_path: Path) -> None:
    path = write_config(tmp_path, settings_dict())
    text = path.read_text().replace("'09:00-21:00'", "09:00-21:00")
    path.write_text(
        text.replace(
            "calling_hours: 09:00-21:00",
            "calling_hours:\n    start: 09:00\n    end: 20:30",
        )
    )
    cfg = config_module.load(path)
    assert str(cfg.campaigns[0].calling_hours.end) == "20:30:00"


def test_template_problems_are_found(tmp_path: Path) -> None:
    cfg = config_module.load(write_config(tmp_path, settings_dict()))
    script = tmp_path / "scripts" / "tenant-vote.j2"
    script.write_text(
        "{% block whisper %}Call {{ first_name }} about {{ precinct }}.{% endblock %}"
        "{% block sheet %}{{ first_name | nosuchfilter }}{% endblock %}"
    )
    found = checks.problems(cfg, None)
    assert len(found) == 1 and "nosuchfilter" in found[0]

    script.write_text(
        "{% block whisper %}Call {{ first_name }} about {{ precinct }}.{% endblock %}"
        "{% block sheet %}<p>{{ first_name }}</p>{% endblock %}"
    )
    found = checks.problems(cfg, None)
    assert len(found) == 1
    assert "uses the field 'precinct' that no contact has" in found[0]

    script.write_text("{% block whisper %}{{ first_name }{% endblock %}")
    assert "syntax error" in checks.problems(cfg, None)[0]


def test_window_that_can_never_open(tmp_path: Path) -> None:
    data = settings_dict(
        campaign={"windows": {"sun": ["05:00-06:30"]}, "time_zone": "America/New_York"}
    )
    cfg = config_module.load(write_config(tmp_path, data))
    found = checks.problems(cfg, None)
    assert found == [
        "campaigns[tenant-vote].windows: sun 05:00-06:30 can never open: it falls "
        "outside calling hours (09:00-21:00) in every time zone contacts may be in; "
        "move it into the evening or daytime"
    ]


def test_check_command_exit_codes(tmp_path: Path) -> None:
    good = write_config(tmp_path, settings_dict())
    result = runner.invoke(app, ["-c", str(good), "check"])
    assert result.exit_code == 0, result.output
    assert "OK (1 campaign: tenant-vote)" in result.output

    data = yaml.safe_load(good.read_text())
    data["campaigns"][0]["caller_id"] = "nope"
    data["organisation"] = "typo"
    good.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["-c", str(good), "check"])
    assert result.exit_code == 2
    assert "2 problems in" in result.output
    assert "organisation: unknown key" in result.output


def test_missing_config_file_says_how_to_start(tmp_path: Path) -> None:
    result = runner.invoke(app, ["-c", str(tmp_path / "nope.yaml"), "check"])
    assert result.exit_code == 2
    assert "phonebank init" in result.output


def test_init_writes_a_starter_that_checks_clean(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "scripts" / "tenant-vote.j2").exists()
    result = runner.invoke(app, ["-c", str(tmp_path / "campaigns.yaml"), "check"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["init", str(tmp_path)])
    assert again.exit_code == 1 and "--force" in again.output


def test_config_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, settings_dict())
    monkeypatch.setenv("PHONEBANK_CONFIG", str(path))
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output


def test_serve_refuses_without_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PLIVO_AUTH_ID", raising=False)
    monkeypatch.delenv("PLIVO_AUTH_TOKEN", raising=False)
    path = write_config(tmp_path, settings_dict())
    result = runner.invoke(app, ["-c", str(path), "serve"])
    assert result.exit_code == 2
    assert "PLIVO_AUTH_ID" in result.output and "--sandbox" in result.output


def test_the_phone_is_never_a_script_field(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path, settings_dict(campaign={"fields": ["city", "phone"]})
    )
    assert any("phone cannot be a script field" in p for p in found), found


def test_missing_files_are_listed_with_schema_problems(tmp_path: Path) -> None:
    data = settings_dict(
        roster="nobody.csv", campaign={"caller_id": "555-1234", "script": "nope.j2"}
    )
    found = problems_for(tmp_path, data)
    assert len(found) == 3, found
    assert any("caller_id" in p for p in found)
    assert any("nope.j2 does not exist" in p for p in found)
    assert any("roster:" in p and "nobody.csv does not exist" in p for p in found)
