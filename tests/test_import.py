"""Importing contact and do-not-call files as people export them."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from phonebank.config import Config, Settings
from phonebank.contacts import ImportReport, import_contacts
from phonebank.dnc import import_dnc
from phonebank.errors import ImportFileError
from phonebank.models import Contact, DoNotCall
from phonebank.tables import open_table, safe_cell

DATA = Path(__file__).parent / "data"
CAMPAIGN = "spring-canvass"
NOW = datetime(2026, 4, 14, 16, 0, tzinfo=UTC)
CONTACTS = Contact.__table__  # type: ignore[attr-defined]
DO_NOT_CALL = DoNotCall.__table__  # type: ignore[attr-defined]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    settings = Settings.model_validate(
        {
            "organization": "Riverside Tenants Union",
            "public_url": "https://phonebank.example.org",
            "checkin_number": "+12025550100",
            "campaigns": [
                {
                    "slug": CAMPAIGN,
                    "name": "Spring canvass",
                    "caller_id": "+12025550101",
                    "time_zone": "America/New_York",
                    "script": "spring.md.j2",
                    "windows": {"weekdays": ["17:00-21:00"]},
                }
            ],
        }
    )
    return Config(settings, tmp_path / "campaigns.yaml")


@pytest.fixture
def engine(any_engine: Engine) -> Engine:
    """Every import test on a SQLite file and, where it runs, PostgreSQL."""
    return any_engine


def run(engine: Engine, config: Config, name: str | Path, **kw: Any) -> ImportReport:
    path = name if isinstance(name, Path) else DATA / name
    report = import_contacts(engine, config, CAMPAIGN, path, now=NOW, **kw)
    assert report.rows == (
        report.imported + report.duplicates + report.suppressed + len(report.rejected)
    )
    return report


def contacts(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(CONTACTS).order_by(CONTACTS.c.id)).mappings()
        return {row["phone"]: dict(row) for row in rows}


def lines(items: list[dict[str, Any]]) -> list[int]:
    return [item["line"] for item in items]


@pytest.mark.parametrize(
    ("name", "imported", "duplicates", "rejected", "warned"),
    [
        ("van_export.csv", 5, 1, [5, 9], [4, 7]),
        ("action_network.csv", 3, 0, [4, 5], []),
        ("mobilize.csv", 3, 1, [], []),
        ("nationbuilder.csv", 3, 0, [], []),
        ("excel_semicolon.csv", 2, 0, [4], []),
        ("tab_delimited.tsv", 3, 0, [], []),
        ("excel_numbers.csv", 3, 0, [4], [2, 3]),
        ("multiline_notes.csv", 3, 0, [5, 11], []),
        ("header_junk.csv", 2, 0, [4], []),
    ],
)
def test_every_export_imports_with_exact_counts_and_lines(
    engine: Engine,
    config: Config,
    name: str,
    imported: int,
    duplicates: int,
    rejected: list[int],
    warned: list[int],
) -> None:
    report = run(engine, config, name)

    assert (report.imported, report.duplicates) == (imported, duplicates)
    assert lines(report.rejected) == rejected
    assert lines(report.warnings) == warned
    assert len(contacts(engine)) == imported


def test_van_export_maps_its_headers_and_prefers_the_cell(
    engine: Engine, config: Config
) -> None:
    report = run(engine, config, "van_export.csv")
    stored = contacts(engine)

    marisol = stored["+12025550143"]
    assert marisol["external_id"] == "100231"  # the BOM is not in the header
    assert (marisol["first_name"], marisol["last_name"]) == ("Marisol", "Alvarez")
    assert (marisol["zip"], marisol["state"], marisol["source_line"]) == (
        "20009",
        "DC",
        2,
    )
    assert marisol["extra"] == {
        "middlename": "T",
        "address": "1410 Quince St NW",
        "city": "Washington",
        "zip4": "1203",
        "precinctname": "Precinct 22",
    }
    assert (marisol["status"], marisol["attempts"]) == ("open", 0)
    assert stored["+13175550150"]["extension"] == "204"
    irene = stored["+16025550145"]
    assert (irene["time_zones"], irene["tz_source"]) == (
        ["America/Phoenix"],
        "zip+phone",
    )
    assert irene["tz_key"] == "America/Phoenix"
    assert "Cell Phone" in report.warnings[0]["message"]
    assert "Home Phone" in report.warnings[0]["message"]
    assert report.rejected[0]["reason"] == (
        "no phone number in Cell Phone, Preferred Phone, Home Phone"
    )
    assert "letters" in report.rejected[1]["reason"]


def test_mobile_number_wins_over_phone_number(engine: Engine, config: Config) -> None:
    run(engine, config, "nationbuilder.csv")
    stored = contacts(engine)

    assert "+14045550131" in stored
    assert "+14045550132" not in stored
    assert stored["+14045550130"]["extra"]["tag_list"] == "volunteer, phonebank"
    assert stored["+16155550133"]["state"] == "TN"  # "Tennessee" in the file
    assert stored["+16155550133"]["external_id"] == "4403"


def test_windows_1252_semicolon_file_keeps_accents(
    engine: Engine, config: Config
) -> None:
    run(engine, config, "excel_semicolon.csv")
    names = {(c["first_name"], c["last_name"]) for c in contacts(engine).values()}

    assert names == {("José", "Muñoz"), ("Renée", "Côté")}


def test_encoding_is_decided_by_the_whole_file(tmp_path: Path) -> None:
    # The only accented byte sits past any sample a sniffer would read.
    path = tmp_path / "late_accent.csv"
    filler = "".join(f"Pat,Lee,202555{i % 100:04d},x\n" for i in range(4000))
    text = "first,last,phone,note\n" + filler + "Zoë,Ngô,2025550199,late\n"
    path.write_bytes(text.encode("cp1252"))

    with open_table(path) as table:
        last = list(table)[-1]

    assert table.encoding == "cp1252"
    assert (last.values["first"], last.values["last"]) == ("Zoë", "Ngô")
    assert last.line == 4002


def test_a_full_name_column_is_split_only_without_first_and_last(
    engine: Engine, config: Config
) -> None:
    run(engine, config, "tab_delimited.tsv")
    stored = contacts(engine)

    assert (
        stored["+18015550150"]["first_name"],
        stored["+18015550150"]["last_name"],
    ) == (
        "Jane",
        "Q. Doe",
    )
    assert stored["+18015550151"]["first_name"] == "Richard"
    assert stored["+18015550151"]["last_name"] == "Roe"
    assert stored["+18015550152"]["first_name"] == "Mona"
    assert stored["+18015550150"]["extra"] == {"notes": "asked about parking, buses"}


def test_multi_line_notes_keep_the_line_where_the_row_starts(
    engine: Engine, config: Config
) -> None:
    run(engine, config, "multiline_notes.csv")
    stored = contacts(engine)

    assert stored["+12025550160"]["extra"]["notes"] == (
        "Prefers Spanish.\nCall after 6pm."
    )
    assert stored["+12025550162"]["source_line"] == 6
    assert stored["+12025550163"]["source_line"] == 12


def test_header_junk_is_tolerated_and_long_rows_rejected(
    engine: Engine, config: Config
) -> None:
    report = run(engine, config, "header_junk.csv")
    gia = contacts(engine)["+16155550170"]

    assert (gia["first_name"], gia["last_name"], gia["zip"]) == ("Gia", "Hart", "37203")
    assert gia["extra"]["precinct_name"] == "Ward 5"
    assert gia["source_line"] == 3  # the header is on line 2, after a blank line
    assert "7 cells but the header has 6" in report.rejected[0]["reason"]


def test_spreadsheet_numbers_warn_and_lossy_ones_are_rejected(
    engine: Engine, config: Config
) -> None:
    report = run(engine, config, "excel_numbers.csv")

    assert set(contacts(engine)) == {"+12025550143", "+12025550144", "+13125550145"}
    assert "format the phone column as Text" in report.rejected[0]["reason"]
    assert "2.02555E+09" in report.rejected[0]["reason"]


def test_a_file_without_a_phone_column_lists_the_accepted_headers(
    engine: Engine, config: Config
) -> None:
    with pytest.raises(ImportFileError) as caught:
        run(engine, config, "no_phone.csv")

    message = str(caught.value)
    assert "no phone column" in message
    assert "First Name, Last Name, Email, Zip" in message
    assert "Cell Phone" in message and "--map HEADER=phone" in message


def test_an_untrustworthy_delimiter_is_an_error_not_zero_imported(
    engine: Engine, config: Config
) -> None:
    with pytest.raises(ImportFileError) as caught:
        run(engine, config, "bad_delimiter.csv")

    assert "Save it as CSV with commas" in str(caught.value)
    assert "--delimiter" in str(caught.value)
    assert contacts(engine) == {}


def test_importing_the_same_file_twice_adds_nothing(
    engine: Engine, config: Config
) -> None:
    run(engine, config, "van_export.csv")
    again = run(engine, config, "van_export.csv")

    assert (again.imported, again.duplicates, len(again.rejected)) == (0, 6, 2)
    assert len(contacts(engine)) == 5


@pytest.mark.parametrize("dry_run", [False, True])
def test_duplicates_across_batches_are_caught(
    engine: Engine, config: Config, dry_run: bool
) -> None:
    report = run(engine, config, "mobilize.csv", batch_size=1, dry_run=dry_run)

    assert (report.imported, report.duplicates) == (3, 1)


def test_do_not_call_numbers_are_suppressed(engine: Engine, config: Config) -> None:
    import_dnc(engine, DATA / "dnc.csv", source="file", now=NOW)

    report = run(engine, config, "van_export.csv")

    assert (report.imported, report.suppressed, report.duplicates) == (3, 3, 0)
    assert "+12025550143" not in contacts(engine)


def test_dnc_import_lists_numbers_and_marks_open_contacts(
    engine: Engine, config: Config
) -> None:
    run(engine, config, "van_export.csv")

    report = import_dnc(engine, DATA / "dnc.csv", source="file", now=NOW)

    assert report.to_json() == {
        "rows": 4,
        "added": 2,
        "already_listed": 1,
        "contacts_marked": 2,
        "rejected": [
            {
                "line": 4,
                "reason": "Phone: the number has letters in it; write it in digits",
            }
        ],
        "warnings": [],
    }
    assert contacts(engine)["+12025550143"]["status"] == "dnc"
    with engine.connect() as conn:
        query = select(DO_NOT_CALL.c.phone, DO_NOT_CALL.c.reason)
        listed = {phone: reason for phone, reason in conn.execute(query)}
    assert listed == {"+12025550143": "listed twice", "+16025550145": "wrong number"}


def test_dnc_import_reads_a_one_column_list_without_a_header(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "numbers.txt"
    path.write_text("202-555-0190\n202-555-0191\n\n202-555-0192\n")

    report = import_dnc(engine, path, source="file", now=NOW)

    assert (report.rows, report.added) == (3, 3)


def test_rejects_file_has_original_columns_line_and_reason(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    source = tmp_path / "contacts.csv"
    source.write_text(
        "Name,Phone,Note\n"
        "Ann Poe,202-555-0140,ok\n"
        '"=HYPERLINK(""http://example.org"")",555-0141,-2 votes\n'
        "@Bob,+1 999 555 0142,\n"
    )
    rejects = tmp_path / "rejects.csv"

    run(engine, config, source, rejects_path=rejects)

    with rejects.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["Name", "Phone", "Note", "line", "reason"]
    assert rows[1][:4] == [
        '\'=HYPERLINK("http://example.org")',
        "555-0141",
        "'-2 votes",
        "3",
    ]
    assert "no area code" in rows[1][4]
    assert rows[2][:4] == ["'@Bob", "'+1 999 555 0142", "", "4"]
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+12025550143", "'+12025550143"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ann", "Ann"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_safe_cell_neutralizes_formulas(value: object, safe: str) -> None:
    assert safe_cell(value) == safe


def test_json_report_has_exactly_the_documented_shape(
    engine: Engine, config: Config
) -> None:
    report = run(engine, config, "excel_numbers.csv")

    shape = report.to_json()
    assert list(shape) == [
        "rows", "imported", "duplicates", "suppressed", "rejected", "warnings"
    ]  # fmt: skip
    assert shape["rows"] == 4
    assert set(shape["rejected"][0]) == {"line", "reason"}
    assert set(shape["warnings"][0]) == {"line", "message"}


def test_a_required_field_without_a_column_stops_before_importing(
    engine: Engine, config: Config
) -> None:
    with pytest.raises(ImportFileError) as caught:
        run(engine, config, "action_network.csv", required_fields={"precinct"})

    assert "uses precinct" in str(caught.value)
    assert "can2_phone" in str(caught.value)  # the headers are listed
    assert "--map HEADER=extra:precinct" in str(caught.value)
    assert contacts(engine) == {}


def test_a_blank_required_field_imports_with_a_warning(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("First,Phone,Issue\nAnn,2025550140,rent\n,2025550141,rent\n")

    report = run(engine, config, path, required_fields={"first_name", "issue"})

    assert report.imported == 2
    assert report.warnings == [
        {
            "line": 3,
            "message": "first_name is blank, so the script will have a gap there",
        }
    ]


def test_map_overrides_the_alias_table(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    path = tmp_path / "mapped.csv"
    path.write_text("Who,Contact Number,Phone,Ward\nAnn Poe,2025550140,2025550149,5\n")

    run(
        engine,
        config,
        path,
        mapping={"contact number": "phone", "Who": "name", "Ward": "extra:ward_no"},
    )
    ann = contacts(engine)["+12025550140"]

    assert (ann["first_name"], ann["last_name"]) == ("Ann", "Poe")
    assert ann["extra"] == {"ward_no": "5"}


def test_map_naming_an_unknown_header_lists_the_headers(
    engine: Engine, config: Config
) -> None:
    with pytest.raises(ImportFileError) as caught:
        run(engine, config, "mobilize.csv", mapping={"Mobile": "phone"})

    assert "'Mobile'" in str(caught.value)
    assert "Event ID, Event name" in str(caught.value)


def test_progress_is_reported_up_to_the_file_size(
    engine: Engine, config: Config
) -> None:
    calls: list[tuple[int, int]] = []
    size = (DATA / "van_export.csv").stat().st_size

    run(
        engine,
        config,
        "van_export.csv",
        batch_size=2,
        progress=lambda *a: calls.append(a),
    )

    assert len(calls) == 5  # four batches of two, then the end
    assert calls[-1] == (size, size)
    assert all(total == size for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_dry_run_reports_everything_and_writes_nothing(
    engine: Engine, config: Config
) -> None:
    run(engine, config, "mobilize.csv")

    dry = run(engine, config, "van_export.csv", dry_run=True)
    real = run(engine, config, "van_export.csv")

    assert dry.to_json() == real.to_json()
    again = run(engine, config, "mobilize.csv", dry_run=True)
    assert (again.imported, again.duplicates) == (0, 4)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CONTACTS)) == 8


def test_the_example_contacts_import_across_time_zones(
    engine: Engine, config: Config
) -> None:
    example = Path(__file__).parents[1] / "examples" / "contacts.csv"

    report = run(engine, config, example)
    zones = {z for c in contacts(engine).values() for z in c["time_zones"]}

    assert (report.rows, report.imported, report.duplicates) == (333, 320, 8)
    assert len(report.rejected) == 5
    assert {"America/New_York", "America/Chicago", "America/Denver"} <= zones
    assert {"America/Phoenix", "America/Los_Angeles"} <= zones


def test_control_characters_are_cleaned_from_cells(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"First,Last,Cell Phone\nBy\x00te,Es\x1bcape,(202) 555-0172\n")
    with open_table(path) as table:
        rows = list(table.rows())
    assert rows == [
        (2, {"First": "By te", "Last": "Es cape", "Cell Phone": "(202) 555-0172"})
    ]


def test_an_unclosed_quote_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(
        "VANID,Last,First,Cell Phone\n"
        '200065,"Unclosed,Quote,(202) 555-0171\n'
        "200066,Fine,Ana,(202) 555-0172\n"
    )
    with pytest.raises(ImportFileError) as caught:
        with open_table(path, delimiter=",") as table:
            list(table)
    assert "line 2" in str(caught.value) and "unclosed quote" in str(caught.value)


def test_numbers_that_will_rarely_be_called_are_warned_about(
    engine: Engine, config: Config, tmp_path: Path
) -> None:
    path = tmp_path / "reach.csv"
    path.write_text(
        "First,Last,Cell Phone\n"
        "Ana,Example,+44 20 7946 0123\n"
        "Bo,Sample,(800) 555-0162\n"
        "Cy,Test,(202) 555-0143\n"
    )
    report = import_contacts(engine, config, CAMPAIGN, path, now=NOW)
    assert report.imported == 3
    messages = {w["line"]: w["message"] for w in report.warnings}
    assert "outside US" in messages[2]
    assert "time zones (a toll-free" in messages[3]
    assert 4 not in messages
