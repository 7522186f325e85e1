"""The command line: thin commands over the core, documented in the README."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from phonebank.cli import app
from tests.conftest import ROOT, settings_dict, write_config

runner = CliRunner()
CONTACTS = """Voter File VANID,LastName,FirstName,City,State,Zip5,Cell Phone,Home Phone
101,Example,Ana,Springfield,VA,22150,(202) 555-0141,
102,Sample,Ben,Phoenix,AZ,85004,,602.555.0142
103,Test,Cy,Denver,CO,80202,555-0143,
104,Example,Ana,Springfield,VA,22150,202-555-0141,
"""


def command_names(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    names = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        names.append(f"{prefix}{name}".strip())
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        names += command_names(group.typer_instance, f"{prefix}{group.name} ")
    return names


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    names = command_names(app)
    assert len(names) >= 20
    missing = [
        n
        for n in names
        if n.split()[-1] not in readme or f"phonebank {n.split()[0]}" not in readme
    ]
    assert missing == []


def invoke(config: Path, *args: str) -> Any:
    return runner.invoke(app, ["-c", str(config), *args])


def setup_bank(tmp_path: Path) -> Path:
    config = write_config(tmp_path, settings_dict(database_url="sqlite:///bank.db"))
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    return config


def test_import_json_report_adds_up(tmp_path: Path) -> None:
    config = setup_bank(tmp_path)
    result = invoke(
        config,
        "import",
        "tenant-vote",
        str(tmp_path / "contacts.csv"),
        "--json",
        "--rejects",
        str(tmp_path / "rejects.csv"),
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["rows"] == 4
    assert report["imported"] == 2
    assert report["duplicates"] == 1
    assert report["suppressed"] == 0
    assert [r["line"] for r in report["rejected"]] == [4]
    rows = list(csv.DictReader((tmp_path / "rejects.csv").open()))
    assert rows[0]["line"] == "4" and "area code" in rows[0]["reason"]

    again = invoke(
        config, "import", "tenant-vote", str(tmp_path / "contacts.csv"), "--json"
    )
    assert json.loads(again.output.strip().splitlines()[-1])["imported"] == 0


def test_import_errors_are_one_sentence_with_exit_2(tmp_path: Path) -> None:
    config = setup_bank(tmp_path)
    bad = tmp_path / "nophone.csv"
    bad.write_text("Name,Email\nAna,ana@example.org\n")
    result = invoke(config, "import", "tenant-vote", str(bad))
    assert result.exit_code == 2
    assert "phone" in result.output.lower() and "nophone.csv" in result.output

    unknown = invoke(config, "import", "no-such", str(bad))
    assert unknown.exit_code == 2 and "Use one of: tenant-vote" in unknown.output


def test_why_json(tmp_path: Path) -> None:
    config = setup_bank(tmp_path)
    invoke(config, "import", "tenant-vote", str(tmp_path / "contacts.csv"))
    result = invoke(
        config,
        "why",
        "tenant-vote",
        "(602) 555-0142",
        "--at",
        "2026-12-08T10:30-05:00",
        "--json",
    )
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["callable"] is False
    assert any(
        "America/Phoenix is outside calling hours" in r for r in verdict["reasons"]
    )
    assert verdict["next_callable_at"] == "2026-12-08T16:00:00+00:00"
    assert {z["zone"] for z in verdict["time_zones"]} == {"America/Phoenix"}


def test_volunteers_and_dnc_commands(tmp_path: Path) -> None:
    config = setup_bank(tmp_path)
    invoke(config, "import", "tenant-vote", str(tmp_path / "contacts.csv"))
    added = invoke(
        config, "volunteers", "add", "Ana Example", "+1 202 555 0111", "--pin", "4821"
    )
    assert added.exit_code == 0, added.output
    assert "https://phonebank.example.org/sheet/" in added.output
    clash = invoke(
        config, "volunteers", "add", "Ben", "+1 202 555 0112", "--pin", "4821"
    )
    assert clash.exit_code == 2 and "already used" in clash.output
    listed = json.loads(invoke(config, "volunteers", "list", "--json").output)
    assert [v["name"] for v in listed] == ["Ana Example"]
    assert invoke(config, "volunteers", "remove", "+12025550111").exit_code == 0
    assert json.loads(invoke(config, "volunteers", "list", "--json").output) == []

    assert "added" in invoke(config, "dnc", "add", "(202) 555-0141").output
    dnc = json.loads(invoke(config, "dnc", "list", "--json").output)
    assert [d["phone"] for d in dnc] == ["+12025550141"]
    why = json.loads(
        invoke(config, "why", "tenant-vote", "202-555-0141", "--json").output
    )
    assert "the number is on the do-not-call list" in why["reasons"]
    removed = invoke(config, "dnc", "remove", "+12025550141")
    assert "1 contacts are callable again" in removed.output


def test_script_export_report_status(tmp_path: Path) -> None:
    config = setup_bank(tmp_path)
    invoke(config, "import", "tenant-vote", str(tmp_path / "contacts.csv"))
    script = invoke(config, "script", "tenant-vote", "--contact", "101")
    assert "Next: Ana Example in Springfield." in script.output
    assert "+1202" not in script.output

    out = tmp_path / "export.csv"
    exported = invoke(config, "export", "tenant-vote", "-o", str(out))
    assert exported.exit_code == 0 and "wrote 2 contacts" in exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows[0]["phone"] == "'+12025550141"

    report = json.loads(invoke(config, "report", "tenant-vote", "--json").output)
    assert report["contacts"] == 2 and report["dials"] == 0
    status = json.loads(invoke(config, "status", "--json").output)
    assert status["contacts_left"] == {"tenant-vote": 2}


def test_file_and_database_mistakes_are_one_sentence(tmp_path: Path) -> None:
    config = setup_bank(tmp_path)
    folder = invoke(config, "export", "tenant-vote", "-o", str(tmp_path))
    assert folder.exit_code == 1 and "is a folder" in folder.output
    assert not list(tmp_path.glob("*.part"))

    missing_dir = invoke(
        config, "export", "tenant-vote", "-o", str(tmp_path / "no/x.csv")
    )
    assert missing_dir.exit_code == 1
    assert "no such file or directory" in missing_dir.output
    assert "Traceback" not in missing_dir.output

    rejects = invoke(
        config,
        "import",
        "tenant-vote",
        str(tmp_path / "contacts.csv"),
        "--rejects",
        str(tmp_path / "no" / "rejects.csv"),
    )
    assert rejects.exit_code == 1 and "Check the path" in rejects.output

    bad_db = write_config(
        tmp_path / "db",
        settings_dict(database_url="postgresql+psycopg://user:secret@127.0.0.1:1/none"),
    )
    result = invoke(bad_db, "status")
    assert result.exit_code == 2
    assert "cannot open the database" in result.output
    assert "secret" not in result.output


def test_config_text_mistakes(tmp_path: Path) -> None:
    path = tmp_path / "campaigns.yaml"
    path.write_text("organization: x\norganization: y\n")
    result = invoke(path, "check")
    assert result.exit_code == 2
    assert (
        "the key 'organization' appears twice (lines 1 and 2); keep one"
        in result.output
    )

    path.write_text("")
    assert "the file is empty" in invoke(path, "check").output
    path.write_bytes(b"\x89PNG\x00\xff")
    assert "not UTF-8 text" in invoke(path, "check").output
    assert "is a directory" in invoke(tmp_path, "check").output


def test_check_reports_every_bad_roster_row(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "name,phone,pin\nZed,12,ab\n"
        "Amy Example,+1 202 555 0119,1234\n,+1 202 555 0118,99\n"
    )
    config = write_config(tmp_path, settings_dict(roster="roster.csv"))
    result = invoke(config, "check")
    assert result.exit_code == 2
    assert (
        "roster.csv, line 2: phone: '12' is not a valid phone number" in result.output
    )
    assert "pin: 'ab' is not allowed" in result.output
    assert "roster.csv, line 4: name: is empty" in result.output
