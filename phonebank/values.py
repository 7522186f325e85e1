"""Values an admin types into the campaigns file: durations, clock times,
phone numbers, days and time zones, read with an error that says how to write
them."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: Any) -> timedelta | None:
    """Read `30m`, `4h`, `2d`, a number of seconds, or `never` (None)."""
    if value is None or (isinstance(value, str) and value.strip() == "never"):
        return None
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(
            f"'{value}' is not a duration; write it like 30m, 4h, 2d or never"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_clock(value: Any) -> time:
    """Read `HH:MM` (24-hour) into a time."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 17:30 as the sexagesimal number 1050.
        hours, minutes = divmod(value, 60)
        if hours < 24:
            return time(hours, minutes)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        raise ValueError(f"'{value}' is not a time; write it as HH:MM, like 17:30")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour == 24 and minute == 0:
        return time(23, 59, 59, 999999)
    if hour == 24:
        raise ValueError(f"'{value}' is not a time; the latest is 24:00")
    return time(hour, minute)


def parse_phone(value: Any, country: str = "US") -> str:
    """Read a phone number the admin typed into E.164, or explain why not."""
    text = str(value).strip()
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        raise ValueError(
            f"'{text}' is not a phone number; write it in digits with its area "
            "code, like +1 202 555 0143"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"'{text}' is not a valid phone number; write it with its country "
            "code, like +1 202 555 0143"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def expand_days(key: str) -> list[int]:
    """`mon`, `mon-fri`, `weekdays`, `weekend`, `daily` to weekday numbers."""
    key = key.strip().lower()
    named = {"weekdays": "mon-fri", "weekend": "sat-sun", "daily": "mon-sun"}
    key = named.get(key, key)
    parts = [p.strip()[:3] for p in key.split("-")]
    if len(parts) > 2 or any(p not in DAYS for p in parts):
        raise ValueError(
            f"'{key}' is not a day; use mon..sun, a range like mon-fri, "
            "weekdays, weekend or daily"
        )
    first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
    if last < first:
        return list(range(first, 7)) + list(range(0, last + 1))
    return list(range(first, last + 1))


def check_zone(value: str) -> str:
    """An IANA zone name, such as America/Phoenix, or an error naming one."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{value}' is not a time zone; use an IANA name like America/Chicago"
        ) from None
    return value
