"""Phone numbers as people type them and spreadsheets mangle them."""

from __future__ import annotations

import pytest

from phonebank.phones import (
    Phone,
    PhoneRejected,
    contact_zones,
    mask,
    normalize,
    number_zones,
)

INDIANA = [
    "America/Chicago",
    "America/Indiana/Indianapolis",
    "America/Indiana/Knox",
    "America/Indiana/Marengo",
    "America/Indiana/Petersburg",
    "America/Indiana/Tell_City",
    "America/Indiana/Vevay",
    "America/Indiana/Vincennes",
    "America/Indiana/Winamac",
    "America/Indianapolis",
    "America/Knox_IN",
    "America/New_York",
]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(202) 555-0143", "+12025550143"),
        ("202.555.0143", "+12025550143"),
        ("202-555-0143", "+12025550143"),
        ("+1 202 555 0143", "+12025550143"),
        ("1-202-555-0143", "+12025550143"),
        ("2025550143", "+12025550143"),
        ("  (602) 555-0145  ", "+16025550145"),
        ("'2025550143", "+12025550143"),  # Excel's text marker
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_formats_normalize_to_e164(raw: str, e164: str) -> None:
    assert normalize(raw, "US") == Phone(e164)


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("202-555-0143 x12", "12"),
        ("202-555-0143 X 12", "12"),
        ("202-555-0143 ext. 12", "12"),
        ("202-555-0143 ext 12", "12"),
        ("202-555-0143 extension 12", "12"),
        ("2025550143;ext=12", "12"),
        ("202 555 0143 #12", "12"),
        ("(202) 555-0143x4021", "4021"),
    ],
)
def test_extensions_are_kept_apart_from_the_dial_string(
    raw: str, extension: str
) -> None:
    phone = normalize(raw, "US")

    assert phone.e164 == "+12025550143"
    assert phone.extension == extension


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("2025550143.0", "+12025550143"),
        ("12025550143.0", "+12025550143"),
        ("2.025550143E+09", "+12025550143"),
        ("2.025550143e+09", "+12025550143"),
        ("2,025550143E+09", "+12025550143"),  # a European Excel's decimal comma
        ("1.2025550143E+10", "+12025550143"),
    ],
)
def test_spreadsheet_numbers_without_lost_digits_are_read_with_a_warning(
    raw: str, e164: str
) -> None:
    phone = normalize(raw, "US")

    assert phone.e164 == e164
    assert phone.warning is not None
    assert "format the phone column as Text" in phone.warning


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "no phone number"),
        ("   ", "no phone number"),
        ("2.02555E+09", "its last digits are lost; format the phone column as Text"),
        ("2.0256E+09", "its last digits are lost"),
        ("2025550143.5", "decimal fraction; format the phone column as Text"),
        ("555-0143", "no area code"),
        ("5550143", "no area code"),
        ("202-555-CALL", "letters"),
        ("n/a", "letters"),
        ("12", "too short"),
        ("202555014312345678", "too long"),
        ("123-555-0143", "not in service"),  # no area code starts with 1
        ("+999 202 555 0143", "country code is unknown"),
    ],
)
def test_unusable_numbers_are_rejected_with_the_fix(raw: str, reason: str) -> None:
    with pytest.raises(PhoneRejected) as caught:
        normalize(raw, "US")

    assert reason in caught.value.reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("e164", "zones"),
    [
        ("+12025550143", ["America/New_York"]),
        ("+16025550145", ["America/Phoenix"]),
        ("+13175550144", ["America/New_York"]),
        ("+19155550114", ["America/Denver"]),  # El Paso, Texas
        ("+18005550199", None),  # toll-free: many zones, never Etc/Unknown
    ],
)
def test_number_zones_come_from_the_prefix(e164: str, zones: list[str] | None) -> None:
    found = number_zones(e164)

    if zones is not None:
        assert found == zones
    assert "Etc/Unknown" not in found
    assert found


@pytest.mark.parametrize(
    ("e164", "zip_code", "state", "zones", "source"),
    [
        # Arizona keeps no daylight saving time: ZIP and area code agree.
        ("+16025550145", "85004", "AZ", ["America/Phoenix"], "zip+phone"),
        # Evansville, Indiana is on Central time; the 317 number on Eastern.
        ("+13175550144", "47710", "IN", ["America/Chicago", "America/New_York"],
         "zip+phone"),
        # Without a ZIP every zone of a split state is kept.
        ("+13175550144", "", "IN", INDIANA, "state+phone"),
        ("+13175550144", "", "Indiana", INDIANA, "state+phone"),
        ("+19155550114", "", "TX", ["America/Chicago", "America/Denver"],
         "state+phone"),
        # A 602 cell whose owner moved to Chicago: both zones must be open.
        ("+16025550145", "60614", "IL", ["America/Chicago", "America/Phoenix"],
         "zip+phone"),
        # ZIP+4, and a New England ZIP whose leading zero a spreadsheet dropped.
        ("+12025550143", "20009-1203", "", ["America/New_York"], "zip+phone"),
        ("+16175550150", "2134", "", ["America/New_York"], "zip+phone"),
        # An unknown ZIP falls back to the state.
        ("+16025550145", "99999", "AZ", ["America/Phoenix"], "state+phone"),
        ("+12025550143", "", "", ["America/New_York"], "phone"),
    ],
)  # fmt: skip
def test_contact_zones_keep_every_zone_the_contact_may_be_in(
    e164: str, zip_code: str, state: str, zones: list[str], source: str
) -> None:
    assert contact_zones(e164, zip_code, state, "US") == (zones, source)


def test_contact_zones_outside_the_us_use_the_number_only() -> None:
    zones, source = contact_zones("+442079460958", "20009", "DC", "GB")

    assert zones == ["Europe/London"]
    assert source == "phone"


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+12025550143", "+1******0143"),
        ("+442079460958", "+4*******0958"),
        ("+1234", "*****"),
    ],
)
def test_mask_shows_only_the_last_four_digits(e164: str, masked: str) -> None:
    assert mask(e164) == masked
