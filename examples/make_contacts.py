"""Write examples/contacts.csv: invented contacts shaped like a VAN export.

Every person is made up. Numbers use real area codes with the 555-0100 to
555-0199 block that is reserved for fiction, written in the mixed formats a
real export holds. A few rows are bad on purpose (no number, seven digits,
letters) and a few repeat a household's number, so `phonebank import` has
something to reject and merge. Run it again and the file comes out the same:

    python examples/make_contacts.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

SEED = 2026
CONTACTS = 320
OUT = Path(__file__).with_name("contacts.csv")
HEADERS = [
    "Voter File VANID", "LastName", "FirstName", "MiddleName", "Address", "City",
    "State", "Zip5", "Zip4", "Cell Phone", "Home Phone", "Preferred Phone",
    "PrecinctName", "Issue",
]  # fmt: skip

# Area code, city, state and ZIPs of that city: the ZIP and the area code
# agree on the time zone, except for the movers below.
PLACES = [
    ("202", "Washington", "DC", ["20001", "20009", "20011"]),
    ("212", "New York", "NY", ["10001", "10027", "10035"]),
    ("617", "Boston", "MA", ["02108", "02119", "02130"]),
    ("404", "Atlanta", "GA", ["30303", "30310", "30318"]),
    ("305", "Miami", "FL", ["33125", "33130", "33142"]),
    ("215", "Philadelphia", "PA", ["19103", "19121", "19143"]),
    ("313", "Detroit", "MI", ["48201", "48206", "48214"]),
    ("317", "Indianapolis", "IN", ["46201", "46205", "46218"]),
    ("812", "Evansville", "IN", ["47708", "47710", "47714"]),
    ("312", "Chicago", "IL", ["60601", "60614", "60623"]),
    ("214", "Dallas", "TX", ["75201", "75215", "75228"]),
    ("713", "Houston", "TX", ["77002", "77004", "77021"]),
    ("915", "El Paso", "TX", ["79901", "79903", "79905"]),
    ("615", "Nashville", "TN", ["37203", "37206", "37208"]),
    ("612", "Minneapolis", "MN", ["55401", "55407", "55411"]),
    ("504", "New Orleans", "LA", ["70112", "70117", "70119"]),
    ("303", "Denver", "CO", ["80202", "80205", "80211"]),
    ("801", "Salt Lake City", "UT", ["84101", "84104", "84111"]),
    ("505", "Albuquerque", "NM", ["87102", "87106", "87108"]),
    ("602", "Phoenix", "AZ", ["85004", "85006", "85008"]),
    ("480", "Mesa", "AZ", ["85201", "85203", "85210"]),
    ("520", "Tucson", "AZ", ["85701", "85705", "85719"]),
    ("206", "Seattle", "WA", ["98101", "98108", "98118"]),
    ("415", "San Francisco", "CA", ["94102", "94110", "94124"]),
    ("213", "Los Angeles", "CA", ["90012", "90033", "90037"]),
    ("503", "Portland", "OR", ["97201", "97211", "97217"]),
    ("702", "Las Vegas", "NV", ["89101", "89104", "89110"]),
]
FIRST = (
    "Amara Ben Carmen Dmitri Elena Farid Grace Hector Imani Jonah Keiko Luis "
    "Marisol Nadia Omar Priya Quinn Rosa Samir Tamsin Ulla Victor Wendell "
    "Ximena Yusuf Zora Adele Bruno Celeste Desmond Esperanza Felix Gloria Ivan "
    "Josefina Kofi Lena Mateo Noor Odile Pavel Renata Soren Teodora Uriel Vera"
).split()
LAST = (
    "Abernathy Baptiste Castellanos Delacroix Eberhardt Fairweather Galindo "
    "Halvorsen Ibarra Jablonski Kowalczyk Lindqvist Marchetti Nakamura "
    "Okonkwo Pellegrino Quintero Rasmussen Szabo Thibodeaux Underhill "
    "Valdivia Whitcombe Xiong Yarborough Zamora Brightwater Cordova Dunmore "
    "Espinosa Fitzgerald Guerrero Holloway Ivers Jaramillo Kettering"
).split()
STREETS = "Maple Oak Cedar Elm Willow Juniper Quince Larch Sumac Birch Aspen".split()
ISSUES = ["rent", "transit", "schools", "wages", "clinics"]


def phone_text(area: str, line: str, rng: random.Random) -> str:
    """The number as some export or typist would have written it."""
    style = rng.randrange(6)
    if style == 0:
        return f"({area}) 555-{line}"
    if style == 1:
        return f"{area}.555.{line}"
    if style == 2:
        return f"+1 {area} 555 {line}"
    if style == 3:
        return f"{area}555{line}"
    if style == 4:
        return f"{area}-555-{line}"
    return f"{area}-555-{line} x{rng.randrange(10, 400)}"


def person(index: int, rng: random.Random, pools: dict[str, list[str]]) -> list[str]:
    """One contact row; about one in ten lives away from their area code."""
    area, city, state, zips = rng.choice(PLACES)
    line = pools[area].pop()
    home_place = rng.choice(PLACES) if rng.random() < 0.1 else (area, city, state, zips)
    _, city, state, zips = home_place

    number = phone_text(area, line, rng)
    kind = rng.random()
    cell, home = (number, "") if kind < 0.6 else ("", number)
    preferred = number if rng.random() < 0.3 else ""
    return [
        str(300100 + index), rng.choice(LAST), rng.choice(FIRST),
        rng.choice("ABCDEFGHJKLMNPRSTW") if rng.random() < 0.4 else "",
        f"{rng.randrange(10, 9900)} {rng.choice(STREETS)} St", city, state,
        rng.choice(zips), f"{rng.randrange(1, 9999):04d}" if rng.random() < 0.5 else "",
        cell, home, preferred, f"{city[:3].upper()} {rng.randrange(1, 40):02d}",
        rng.choice(ISSUES),
    ]  # fmt: skip


def bad_rows(start: int) -> list[list[str]]:
    """Rows an import must reject, each for a reason the report names."""
    base = ["Moss", "Harriet", "", "12 Elm St", "Denver", "CO", "80202", ""]
    cells = [
        ("", ""),  # no number at all
        ("555-0123", ""),  # seven digits, no area code
        ("call office", ""),  # letters
        ("", "303-555"),  # too short
        ("2.02555E+09", ""),  # a spreadsheet lost its digits
    ]
    return [
        [str(start + i), *base, cell, home, "", "DEN 04", "transit"]
        for i, (cell, home) in enumerate(cells)
    ]


def main() -> None:
    rng = random.Random(SEED)
    pools = {area: [f"{n:04d}" for n in range(100, 200)] for area, *_ in PLACES}
    for pool in pools.values():
        rng.shuffle(pool)

    rows = [person(i, rng, pools) for i in range(CONTACTS)]
    # Households: another person at a number already listed.
    for source in rng.sample(rows, 8):
        twin = list(source)
        twin[0], twin[2] = str(int(source[0]) + 5000), rng.choice(FIRST)
        rows.append(twin)
    rows += bad_rows(309000)
    rng.shuffle(rows)

    with OUT.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
