"""Phone numbers: reading them as people type and spreadsheets mangle them.

Numbers are always read as text. A spreadsheet that guessed a phone column
was numeric writes 2025550143.0 or 2.02555E+09; the first is harmless, the
second has lost digits that nothing can bring back, so it is rejected with
the fix (format the column as Text and export again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
import us
import zipcodes
from phonenumbers import PhoneNumberFormat, ValidationResult
from phonenumbers import timezone as number_timezone

from phonebank.errors import PhoneRejected

__all__ = [
    "Phone",
    "PhoneRejected",
    "contact_zones",
    "mask",
    "normalize",
    "number_zones",
]

_EXTENSION = re.compile(
    r"\s*(?:;\s*ext\s*=|(?:extension|ext|x)[.:]?|#)\s*(\d{1,7})\s*$", re.IGNORECASE
)
# Ten or more digits then a fraction: what a spreadsheet writes for a number
# cell. Shorter ones (555.0143) are dotted numbers, left to phonenumbers.
_FLOAT = re.compile(r"^\+?(\d{8,})\.(\d+)$")
_SCIENTIFIC = re.compile(r"^\+?(\d)(?:[.,](\d+))?E\+?(\d{1,2})$", re.IGNORECASE)
_LETTERS = re.compile(r"[A-Za-z]")
_RETYPE = "format the phone column as Text in the spreadsheet and export it again"
_NEXT_TIME = "next time, format the phone column as Text before exporting"
_UNKNOWN_ZONE = "Etc/Unknown"


@dataclass(frozen=True)
class Phone:
    """A dialable number in E.164, its extension apart, and any doubt about it."""

    e164: str
    extension: str = ""
    warning: str | None = None


def normalize(raw: str, country: str) -> Phone:
    """Read one typed or exported number into E.164, or say why it cannot be."""
    text = raw.strip().lstrip("'").strip()
    if not text:
        raise PhoneRejected("no phone number")

    text, extension = _split_extension(text)
    text, warning = _undo_spreadsheet(text)
    if _LETTERS.search(text):
        raise PhoneRejected("the number has letters in it; write it in digits")

    number = _parse(text, country)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return Phone(e164, extension or number.extension or "", warning)


def _split_extension(text: str) -> tuple[str, str]:
    """Take `x12`, `ext. 12`, `;ext=12` or `#12` off the end; it is never dialed."""
    match = _EXTENSION.search(text)
    if not match or match.start() == 0:
        return text, ""
    return text[: match.start()].strip(), match.group(1)


def _undo_spreadsheet(text: str) -> tuple[str, str | None]:
    """Turn a spreadsheet's number back into digits if no digit was lost."""
    compact = text.replace(" ", "")
    floating = _FLOAT.match(compact)
    if floating:
        if floating.group(2).strip("0"):
            raise PhoneRejected(f"the number is a decimal fraction; {_RETYPE}")
        return floating.group(1), (
            f"a spreadsheet stored this number as {compact}; it was read "
            f"correctly, but {_NEXT_TIME}"
        )

    scientific = _SCIENTIFIC.match(compact)
    if not scientific:
        return text, None
    lead, fraction = scientific.group(1), scientific.group(2) or ""
    exponent = int(scientific.group(3))
    if len(fraction.rstrip("0")) > exponent:
        raise PhoneRejected(f"the number is a decimal fraction; {_RETYPE}")
    if len(fraction) < exponent:
        raise PhoneRejected(
            f"a spreadsheet shortened the number to {compact} and its last digits "
            f"are lost; {_RETYPE}"
        )
    try:
        digits = str(int(Decimal(lead + "." + fraction + "E" + str(exponent))))
    except InvalidOperation:
        raise PhoneRejected(f"the number cannot be read; {_RETYPE}") from None
    return digits, (
        f"a spreadsheet stored this number as {compact}; all its digits were "
        f"recovered, but {_NEXT_TIME}"
    )


def _parse(text: str, country: str) -> phonenumbers.PhoneNumber:
    """Parse with phonenumbers and translate its verdicts into fixes."""
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException as exc:
        raise PhoneRejected(_parse_reason(exc)) from None

    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        raise PhoneRejected("the number has no area code; add the area code")
    if possible == ValidationResult.TOO_SHORT:
        raise PhoneRejected("the number is too short; check its digits")
    if possible == ValidationResult.TOO_LONG:
        raise PhoneRejected(
            "the number is too long; check its digits, and write an extension "
            "after an x, like 202-555-0143 x12"
        )
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        raise PhoneRejected(
            "the number's country code is unknown; write it as + and the country "
            "code, like +44 20 7946 0958"
        )
    if not phonenumbers.is_valid_number(number):
        raise PhoneRejected(
            "the number is not in service anywhere (no such area code or "
            "exchange); check its digits"
        )
    return number


def _parse_reason(exc: phonenumbers.NumberParseException) -> str:
    kind = phonenumbers.NumberParseException
    reasons = {
        kind.INVALID_COUNTRY_CODE: (
            "the number's country code is unknown; write it as + and the country "
            "code, like +44 20 7946 0958"
        ),
        kind.NOT_A_NUMBER: "this is not a phone number; write the number in digits",
        kind.TOO_SHORT_AFTER_IDD: "the number is too short; check its digits",
        kind.TOO_SHORT_NSN: "the number is too short; check its digits",
        kind.TOO_LONG: "the number is too long; check its digits",
    }
    return reasons.get(exc.error_type, "this is not a phone number; check its digits")


def number_zones(e164: str) -> list[str]:
    """The time zones the number's own prefix may be in."""
    return list(_number_zones(e164))


@lru_cache(maxsize=65536)
def _number_zones(e164: str) -> tuple[str, ...]:
    number = _from_e164(e164)
    if number is None:
        return ()
    zones = number_timezone.time_zones_for_number(number)
    return tuple(z for z in zones if z != _UNKNOWN_ZONE)


def _from_e164(e164: str) -> phonenumbers.PhoneNumber | None:
    """An E.164 string as a PhoneNumber without a full parse, which would
    otherwise double the time an import spends on numbers."""
    digits = e164.removeprefix("+")
    for size in (1, 2, 3):  # country codes are prefix-free
        code, rest = digits[:size], digits[size:]
        if code.isdigit() and int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            if rest.isdigit() and not rest.startswith("0"):
                return phonenumbers.PhoneNumber(int(code), int(rest))
            break
    try:
        return phonenumbers.parse(e164)  # Italy's leading zero, or not E.164
    except phonenumbers.NumberParseException:
        return None


def contact_zones(
    e164: str, zip: str, state: str, country: str
) -> tuple[list[str], str]:
    """Every zone the contact may be in, and where that came from.

    A cell number travels with its owner, so the place (ZIP, else state) and
    the number's own zones are all kept: calling hours must hold in each.
    """
    sources: list[str] = []
    place: tuple[str, ...] = ()
    if country == "US":
        place = _zip_zones(zip)
        if place:
            sources.append("zip")
        else:
            place = _state_zones(state)
            if place:
                sources.append("state")

    own = _number_zones(e164)
    if own:
        sources.append("phone")
    return sorted(set(place) | set(own)), "+".join(sources) or "none"


@lru_cache(maxsize=65536)
def _zip_zones(zip: str) -> tuple[str, ...]:
    code = zip.strip().split("-")[0].strip()
    if code.isdigit() and 3 <= len(code) < 5:
        # A spreadsheet drops the leading zeros of New England ZIPs (02134).
        code = code.zfill(5)
    if len(code) != 5 or not code.isdigit():
        return ()
    try:
        places = zipcodes.matching(code)
    except (ValueError, TypeError):
        return ()
    return tuple(sorted({p["timezone"] for p in places if p.get("timezone")}))


@lru_cache(maxsize=256)
def _state_zones(state: str) -> tuple[str, ...]:
    found = us.states.lookup(state.strip()) if state.strip() else None
    if found is None:
        return ()
    return tuple(sorted(found.time_zones or ()))


def state_code(state: str) -> str:
    """The two-letter code for a state name or code; the text itself if unknown."""
    return _state_code(state.strip())


@lru_cache(maxsize=256)
def _state_code(state: str) -> str:
    found = us.states.lookup(state) if state else None
    return found.abbr if found is not None else state


def mask(e164: str) -> str:
    """The number for logs: country code and last four digits, like +1******0143."""
    if not e164:
        return "(no number)"
    if len(e164) <= 6:
        return "*" * len(e164)
    return e164[:2] + "*" * (len(e164) - 6) + e164[-4:]
