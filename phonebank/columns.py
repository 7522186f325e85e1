"""From a row of a contact file to a contact: which column feeds which field.

Headers are matched after reducing them to lowercase letters and digits, so
`Cell Phone`, `cell_phone` and `CELLPHONE` are one name. The aliases cover the
exports of VAN/EveryAction, Action Network, Mobilize, NationBuilder and plain
spreadsheets; `--map HEADER=FIELD` settles anything else. Every column that
feeds no field is kept as an extra field for the script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers

from phonebank.errors import ImportFileError, PhoneRejected
from phonebank.models import Contact
from phonebank.phones import Phone, contact_zones, normalize, state_code
from phonebank.tables import Row, field_name, header_key

FILE_FIELDS = ("external_id", "first_name", "last_name", "name", "zip", "state")
# Reduced header spellings (see tables.header_key), most specific first.
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "voterfilevanid", "vanid", "myvvanid", "mycampaignid", "nationbuilderid",
        "externalid", "actionnetworkid", "uuid", "personid", "contactid", "id",
    ),
    "first_name": ("firstname", "first", "fname", "givenname"),
    "last_name": ("lastname", "last", "lname", "surname", "familyname"),
    "name": ("name", "fullname", "contactname"),
    "zip": (
        "zip5", "zip", "zipcode", "postalcode", "postcode", "primaryzip",
        "vzip5", "mzip5", "mailingzip", "homezip",
    ),
    "state": (
        "state", "st", "stateabbreviation", "can2stateabbreviated",
        "primarystate", "vstate", "mstate", "stateprovince",
    ),
}  # fmt: skip
# Phone columns by priority: a cell reaches the person, a landline a household.
PHONE_TIERS: tuple[tuple[str, ...], ...] = (
    ("cellphone", "cell", "mobile", "mobilephone", "mobilenumber", "cellnumber",
     "cellphonenumber", "mobilephonenumber", "wirelessphone"),
    ("preferredphone", "prefphone", "bestphone", "primaryphone"),
    ("homephone", "landline", "landlinephone", "homephonenumber", "homenumber"),
    ("phone", "phonenumber", "can2phone", "telephone", "tel", "phone1", "phone2",
     "phone3", "otherphone", "number"),
    ("workphone", "workphonenumber", "businessphone", "officephone"),
)  # fmt: skip
PHONE_HEADERS = (
    "Cell Phone, Mobile, mobile_number, Preferred Phone, Home Phone, Landline, "
    "Phone, phone_number, can2_phone, Work Phone"
)
MAP_TARGETS = (
    "external_id, first_name, last_name, name, zip, state, phone, extra:NAME or ignore"
)
# Fields every contact has whatever the file holds (phone, extension, ...).
_TABLE = Contact.__table__  # type: ignore[attr-defined]
_ALWAYS = set(_TABLE.c.keys()) - set(FILE_FIELDS)


@dataclass(frozen=True)
class Layout:
    """Which column feeds which contact field; the rest become extra fields."""

    fields: dict[str, str]
    phones: list[str]
    extras: dict[str, str]
    name: str | None = None


def build_layout(headers: list[str], mapping: dict[str, str], path: str) -> Layout:
    """Map headers to fields: --map first, then the alias table, then extras."""
    fields: dict[str, str] = {}
    mapped_phones: list[str] = []
    extras: dict[str, str] = {}
    ignored: set[str] = set()
    for given, target in mapping.items():
        header = _find_header(headers, given, path)
        _apply_map(header, target.strip(), fields, mapped_phones, extras, ignored)

    free = [h for h in headers if h not in set(fields.values()) | ignored]
    free = [h for h in free if h not in mapped_phones and h not in extras]
    for target, aliases in ALIASES.items():
        if target not in fields:
            found = _first_match(free, aliases)
            if found:
                fields[target] = found
                free.remove(found)
    phones = mapped_phones + phone_headers(free)
    if not phones:
        raise ImportFileError(
            path,
            f"no phone column among the headers ({', '.join(headers)})",
            f"Name the column one of: {PHONE_HEADERS}; or pass --map HEADER=phone.",
        )

    name: str | None = fields.pop("name", None)
    if name and ("first_name" in fields or "last_name" in fields):
        free.append(name)
        name = None
    for header in (h for h in headers if h in free and h not in phones):
        extras[header] = _unique_key(field_name(header), extras)
    return Layout(fields, phones, extras, name)


def _find_header(headers: list[str], given: str, path: str) -> str:
    for header in headers:
        if header_key(header) == header_key(given):
            return header
    raise ImportFileError(
        path,
        f"--map names a column '{given}' that is not in the file",
        f"Use one of its headers: {', '.join(headers)}.",
    )


def _apply_map(
    header: str,
    target: str,
    fields: dict[str, str],
    phones: list[str],
    extras: dict[str, str],
    ignored: set[str],
) -> None:
    if target == "phone":
        phones.append(header)
    elif target == "ignore":
        ignored.add(header)
    elif target.startswith("extra:") and field_name(target[6:]) != "column":
        extras[header] = field_name(target[6:])
    elif target in FILE_FIELDS:
        fields[target] = header
    else:
        raise ImportFileError(
            "--map",
            f"'{header}={target}' names no contact field",
            f"Map a column to one of: {MAP_TARGETS}.",
        )


def _first_match(headers: list[str], aliases: tuple[str, ...]) -> str | None:
    keys = {header_key(h): h for h in reversed(headers)}
    return next((keys[a] for a in aliases if a in keys), None)


def phone_headers(headers: list[str]) -> list[str]:
    """Phone columns in priority order, file order within a tier."""
    return [h for tier in PHONE_TIERS for h in headers if header_key(h) in tier]


def _unique_key(key: str, taken: dict[str, str]) -> str:
    used = set(taken.values())
    candidate, count = key, 1
    while candidate in used:
        count += 1
        candidate = f"{key}_{count}"
    return candidate


def check_required(
    layout: Layout, required: set[str], headers: list[str], path: str
) -> None:
    """Refuse a file that lacks a column the script needs, before any import."""
    for wanted in sorted(required):
        key = required_key(wanted)
        if _provided(layout, key):
            continue
        target = key if key in FILE_FIELDS else f"extra:{key}"
        raise ImportFileError(
            path,
            f"the campaign's script uses {key} but no column holds it "
            f"(the headers are: {', '.join(headers)})",
            f"Add a column for it, or pass --map HEADER={target}.",
        )


def required_key(wanted: str) -> str:
    return wanted.removeprefix("extra.").removeprefix("extra:")


def _provided(layout: Layout, key: str) -> bool:
    if key in layout.fields or key in layout.extras.values():
        return True
    if layout.name and key in ("first_name", "last_name"):
        return True
    return key in _ALWAYS


def split_name(full: str) -> tuple[str, str]:
    """`Jane Q. Doe` or `Doe, Jane Q.` into first and last; the first word is
    the first name, which is what the whisper greets."""
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.strip().partition(" ")
    return first, last.strip()


def blank_required(values: dict[str, Any], required: set[str]) -> list[str]:
    """Warnings for required fields left blank: the whisper would have a gap."""
    blank = []
    for wanted in sorted(required):
        key = required_key(wanted)
        if key in FILE_FIELDS:
            value = values.get(key, "")
        elif key in values["extra"]:
            value = values["extra"][key]
        else:
            continue  # phone and other fields every contact has
        if not str(value).strip():
            blank.append(f"{key} is blank, so the script will have a gap there")
    return blank


def read_contact(
    row: Row, layout: Layout, country: str
) -> tuple[dict[str, Any], list[str]]:
    """One row as the columns of a contact, and warnings about it."""
    phone, warnings = pick_phone(row.values, layout.phones, country)
    values = {name: row.values[header] for name, header in layout.fields.items()}
    if layout.name:
        values["first_name"], values["last_name"] = split_name(row.values[layout.name])

    zip_code, state = values.get("zip", ""), values.get("state", "")
    zones, source = contact_zones(phone.e164, zip_code, state, country)
    warnings += _reach_warnings(phone.e164, zones, country)
    extra = {key: row.values[header] for header, key in layout.extras.items()}
    return {
        **values,
        "phone": phone.e164,
        "extension": phone.extension,
        "state": state_code(state),
        "extra": extra,
        "time_zones": zones,
        "tz_source": source,
        "source_line": row.line,
        "status": "open",
        "attempts": 0,
    }, warnings


MANY_ZONES = 4


def _reach_warnings(e164: str, zones: list[str], country: str) -> list[str]:
    """Numbers that import fine but will rarely be called, said so at import."""
    warnings = []
    home = f"+{phonenumbers.country_code_for_region(country)}"
    if not e164.startswith(home):
        warnings.append(
            f"the number is outside {country}; it is called on its own local time"
        )
    if len(zones) > MANY_ZONES:
        warnings.append(
            f"the number may be in {len(zones)} time zones (a toll-free or "
            "non-geographic number), so it is called only when calling hours "
            "hold in all of them"
        )
    return warnings


def pick_phone(
    values: dict[str, str], headers: list[str], country: str
) -> tuple[Phone, list[str]]:
    """The first phone column, by priority, that holds a dialable number."""
    first_reason = None
    for header in headers:
        if not values.get(header, "").strip():
            continue
        try:
            phone = normalize(values[header], country)
        except PhoneRejected as exc:
            first_reason = first_reason or f"{header}: {exc.reason}"
            continue
        warnings = [f"{header}: {phone.warning}"] if phone.warning else []
        if phone.extension:
            warnings.append(
                f"{header}: extension {phone.extension} is kept apart and not "
                "dialed; the call reaches the main line"
            )
        if first_reason:
            warnings.append(f"used {header} instead, because {first_reason}")
        return phone, warnings
    raise PhoneRejected(first_reason or f"no phone number in {', '.join(headers)}")
