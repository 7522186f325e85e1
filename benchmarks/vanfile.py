"""Invented contact files shaped like a VAN export, written row by row.

Every person is made up. Numbers are in the 555 exchange of real US area
codes, which phonenumbers accepts as valid and which holds no subscriber lines
(a few reach services, such as 555-1212; only 555-0100 to 555-0199 is formally
kept for fiction, and that block is too small for a million contacts). Nothing
here dials any of them. A row's ZIP comes from the area code's own ZIPs,
except for the one in ten who moved. Numbers are written in the mixed formats
a real export holds, one in a hundred with an extension and one in five
hundred as a spreadsheet float; a few rows are bad on purpose and about one in
a hundred repeats a household's number. The counts an import must report are
tallied as the rows are written.
"""

from __future__ import annotations

import csv
import random
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TextIO

import phonenumbers
import zipcodes
from phonenumbers import timezone as number_timezone

HEADERS = [
    "Voter File VANID", "LastName", "FirstName", "MiddleName", "Address", "City",
    "State", "Zip5", "Zip4", "Cell Phone", "Home Phone", "Preferred Phone",
    "PrecinctName", "Issue",
]  # fmt: skip
FIRST = (
    "Amara Ben Carmen Dmitri Elena Farid Grace Hector Imani Jonah Keiko Luis "
    "Marisol Nadia Omar Priya Quinn Rosa Samir Tamsin Ulla Victor Wendell José "
    "Ximena Yusuf Zoë Adele Bruno Céleste Desmond Esperanza Felix Gloria Ivan "
    "Josefina Kofi Lena Mateo Noor Odile Pavel Renée Soren Teodora Uriel Vera"
).split()
LAST = (
    "Abernathy Baptiste Castellanos Delacroix Eberhardt Fairweather Galindo "
    "Halvorsen Ibarra Jablonski Kowalczyk Lindqvist Marchetti Nakamura Núñez "
    "Okonkwo Pellegrino Quintero Rasmussen Szabo Thibodeaux Underhill O'Hara "
    "Valdivia Whitcombe Xiong Yarborough Zamora Brightwater Cordova Dunmore "
    "Espinosa Fitzgerald Guerrero Holloway Ivers Jaramillo Kettering"
).split()
STREETS = "Maple Oak Cedar Elm Willow Juniper Quince Larch Sumac Birch Aspen".split()
ISSUES = ["rent", "transit", "schools", "wages", "clinics"]
PLACES_PER_AREA = 6
# Numbers are handed out by a stride through every (area code, line) pair, so
# each is unique without remembering the ones already written.
_STRIDE = 1_000_003
BAD_SHARE = 0.002
DUPLICATE_SHARE = 0.01
EXCEL_SHARE = 0.002
EXTENSION_SHARE = 0.01
SEED = 2026

Place = tuple[str, str, str]  # city, state, ZIP


@dataclass
class Expected:
    """What `import_contacts` must report for a file, counted while writing it;
    `warned` counts the rows that must warn, not every warning there may be."""

    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    warned: int = 0


@cache
def areas() -> dict[str, list[Place]]:
    """Geographic US area codes that phonenumbers accepts, with ZIPs they serve."""
    served: dict[str, list[Place]] = {}
    for place in zipcodes.list_all():
        if not place.get("active"):
            continue
        for code in place.get("area_codes") or ():
            served.setdefault(code, []).append(
                (place["city"], place["state"], place["zip_code"])
            )

    found: dict[str, list[Place]] = {}
    rng = random.Random(1)
    for code in sorted(served):
        number = phonenumbers.parse(f"+1{code}5550142")
        if not phonenumbers.is_valid_number(number):
            continue
        if phonenumbers.region_code_for_number(number) != "US":
            continue
        if len(number_timezone.time_zones_for_number(number)) > 2:
            continue  # non-geographic, such as 500 and 533: every zone at once
        places = sorted(served[code])
        found[code] = rng.sample(places, min(PLACES_PER_AREA, len(places)))
    return found


def number(index: int) -> tuple[str, str]:
    """The index-th distinct invented number, as (area code, four-digit line)."""
    codes = list(areas())
    space = len(codes) * 10_000
    if index >= space:
        raise ValueError(f"only {space} distinct numbers; ask for fewer rows")
    slot = (index * _STRIDE + 12_345) % space
    return codes[slot // 10_000], f"{slot % 10_000:04d}"


def phone_text(area: str, line: str, rng: random.Random) -> tuple[str, bool]:
    """The number as some export or typist would have written it, and whether
    it carries an extension (which the import keeps apart, with a warning)."""
    if rng.random() < EXTENSION_SHARE:
        return f"{area}-555-{line} x{rng.randrange(10, 400)}", True
    style = rng.randrange(5)
    if style == 0:
        return f"({area}) 555-{line}", False
    if style == 1:
        return f"{area}.555.{line}", False
    if style == 2:
        return f"+1 {area} 555 {line}", False
    if style == 3:
        return f"{area}555{line}", False
    return f"{area}-555-{line}", False


# Bad on purpose; every one of them must be rejected with its reason.
BAD_PHONES = ("", "555-0123", "call office", "303-555", "2.02555E+09")


class _Writer:
    """Rows into one file, with the counts an import of it must report."""

    def __init__(self, file: TextIO) -> None:
        self.file = file
        self.csv = csv.writer(file, lineterminator="\r\n")
        self.expected = Expected()
        self.csv.writerow(HEADERS)

    def write(self, cells: list[str], kind: str) -> None:
        if kind == "unquoted":
            # A value with a comma and no quotes: the row has a cell too many.
            self.file.write(",".join(cells) + "\r\n")
        else:
            self.csv.writerow(cells)
        self.expected.rows += 1
        if kind in ("bad", "unquoted"):
            self.expected.rejected += 1
        elif kind == "duplicate":
            self.expected.duplicates += 1
        else:
            self.expected.imported += 1
            self.expected.warned += kind in ("excel", "extension")


def write_files(
    rows: int,
    big: Path,
    small: Path | None = None,
    first: int = 0,
    excel_share: float = EXCEL_SHARE,
) -> tuple[Expected, Expected]:
    """Write `rows` rows to `big` and, to `small` if given, the first `first`.

    `excel_share` of the numbers are written as a spreadsheet's 2025550143.0,
    which imports with a warning; 1.0 makes every row that imports warn.
    """
    with ExitStack() as files:
        whole = _Writer(files.enter_context(_open(big)))
        start = _Writer(files.enter_context(_open(small))) if small else None
        for index, (cells, kind) in enumerate(_rows(rows, excel_share)):
            whole.write(cells, kind)
            if start and index < first:
                start.write(cells, kind)
    return whole.expected, start.expected if start else Expected()


def _open(path: Path) -> TextIO:
    return path.open("w", encoding="utf-8", newline="")


def _rows(count: int, excel_share: float) -> Iterator[tuple[list[str], str]]:
    """Rows and their kinds: plain, excel, extension, duplicate, bad or unquoted."""
    rng = random.Random(SEED)
    codes = list(areas())
    recent: deque[tuple[str, str]] = deque(maxlen=4096)
    fresh = 0
    for index in range(count):
        roll = rng.random()
        place = rng.choice(areas()[rng.choice(codes)])
        if roll < BAD_SHARE:
            yield _bad(index, place, rng)
            continue
        if roll < BAD_SHARE + DUPLICATE_SHARE and recent:
            area, line = rng.choice(recent)
            kind = "duplicate"
        else:
            area, line = number(fresh)
            fresh += 1
            recent.append((area, line))
            kind = "excel" if roll >= 1 - excel_share else "plain"
            if rng.random() > 0.1:  # most live where their area code is
                place = rng.choice(areas()[area])
        if kind == "excel":
            text = f"{area}555{line}.0"
        else:
            text, extension = phone_text(area, line, rng)
            kind = "extension" if extension and kind == "plain" else kind
        yield _person(index, place, text, rng), kind


def _person(index: int, place: Place, phone: str, rng: random.Random) -> list[str]:
    city, state, zip_code = place
    cell, home = (phone, "") if rng.random() < 0.6 else ("", phone)
    preferred = phone if rng.random() < 0.3 else ""
    return [
        str(100_000_000 + index), rng.choice(LAST), rng.choice(FIRST),
        rng.choice("ABCDEFGHJKLMNPRSTW") if rng.random() < 0.4 else "",
        f"{rng.randrange(10, 9900)} {rng.choice(STREETS)} St", city, state,
        zip_code, f"{rng.randrange(1, 9999):04d}" if rng.random() < 0.5 else "",
        cell, home, preferred, f"{city[:3].upper()} {rng.randrange(1, 40):02d}",
        rng.choice(ISSUES),
    ]  # fmt: skip


def _bad(index: int, place: Place, rng: random.Random) -> tuple[list[str], str]:
    choice = rng.randrange(len(BAD_PHONES) + 1)
    if choice == len(BAD_PHONES):
        cells = _person(index, place, "2025550143", rng)
        cells[4] += ", Apt 4"
        return cells, "unquoted"
    return _person(index, place, BAD_PHONES[choice], rng), "bad"
