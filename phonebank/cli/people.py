"""Commands for people: volunteers and the do-not-call list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from phonebank.cli.common import (
    JsonFlag,
    _engine,
    _fail,
    _json,
    _load,
    _now,
    _print_lines,
    _run,
    dnc_app,
    out,
    volunteers_app,
)
from phonebank.config_reading import describe
from phonebank.errors import PhonebankError

# Volunteers -------------------------------------------------------------


@volunteers_app.command("add")
def volunteers_add(
    name: Annotated[str, typer.Argument(help="Full name, as the volunteer hears it.")],
    phone: Annotated[
        str, typer.Argument(help="Their phone, for call-me and lockouts.")
    ],
    pin: Annotated[
        str,
        typer.Option(
            "--pin",
            prompt=True,
            hide_input=True,
            help="4-8 digits; unique per volunteer.",
        ),
    ],
    call_me: Annotated[
        bool, typer.Option("--call-me", help="Call them when a window opens.")
    ] = False,
) -> None:
    """Add a volunteer and print their private call-sheet link."""
    from phonebank import volunteers
    from phonebank.config import VolunteerEntry

    cfg = _load()
    given = {"name": name, "phone": phone, "pin": pin, "call_me": call_me}
    try:
        entry = VolunteerEntry.model_validate(given)
    except ValidationError as exc:
        message = "; ".join(describe(exc, given))
        raise _fail(PhonebankError(f"Error: {message}.")) from None
    engine = _engine(cfg)
    _run(volunteers.sync_roster, engine, cfg)
    view = _run(volunteers.add, engine, cfg, entry)
    out.print(f"added {view.name}; call sheet: {view.sheet_url}", highlight=False)


@volunteers_app.command("list")
def volunteers_list(as_json: JsonFlag = False) -> None:
    """List volunteers with their call-sheet links."""
    from phonebank import volunteers

    cfg = _load()
    engine = _engine(cfg)
    _run(volunteers.sync_roster, engine, cfg)
    rows = _run(volunteers.listing, engine, cfg)
    if as_json:
        _json([vars(r) for r in rows])
        return
    table = Table("name", "phone", "call me")
    for row in rows:
        table.add_row(row.name, row.phone, "yes" if row.call_me else "")
    out.print(table)
    # Each link is a secret to hand over whole, so never cut to the screen.
    out.print("Private call-sheet links:")
    for row in rows:
        out.print(f"  {row.name}: {row.sheet_url}", markup=False, highlight=False)


@volunteers_app.command("remove")
def volunteers_remove(
    phone: Annotated[str, typer.Argument(help="Their phone.")],
) -> None:
    """Remove a volunteer; their PIN and link stop working at once."""
    from phonebank import volunteers

    cfg = _load()
    name = _run(volunteers.remove, _engine(cfg), phone)
    out.print(f"removed {name}")


@volunteers_app.command("import")
def volunteers_import(
    file: Annotated[Path, typer.Argument(help="CSV with name, phone, pin, call_me.")],
) -> None:
    """Add or update volunteers from a roster CSV."""
    from phonebank import volunteers

    cfg = _load()
    engine = _engine(cfg)
    entries = _run(lambda: list(volunteers.read_roster(file)))
    for entry in entries:
        _run(volunteers.add, engine, cfg, entry, True)
    noun = "volunteer" if len(entries) == 1 else "volunteers"
    out.print(f"imported {len(entries)} {noun}; see `phonebank volunteers list`")


# Do not call --------------------------------------------------------------


@dnc_app.command("add")
def dnc_add(
    phone: Annotated[str, typer.Argument(help="The number to never call.")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
) -> None:
    """Add a number; it leaves every campaign at once."""
    from phonebank import dnc

    cfg = _load()
    added = _run(dnc.add, _engine(cfg), phone, reason, _now())
    out.print("added" if added else "already on the list")


@dnc_app.command("remove")
def dnc_remove(phone: Annotated[str, typer.Argument(help="The number.")]) -> None:
    """Take a number off the list."""
    from phonebank import dnc

    cfg = _load()
    count = _run(dnc.remove, _engine(cfg), phone)
    out.print(f"removed; {count} contacts are callable again")


@dnc_app.command("list")
def dnc_list(as_json: JsonFlag = False) -> None:
    """List the do-not-call numbers."""
    from phonebank import dnc

    cfg = _load()
    rows = _run(dnc.listing, _engine(cfg))
    if as_json:
        _json([vars(r) for r in rows])
        return
    table = Table("phone", "reason", "source", "added")
    for row in rows:
        added = row.created_at.isoformat() if row.created_at else ""
        table.add_row(row.phone, row.reason, row.source, added)
    out.print(table)


@dnc_app.command("import")
def dnc_import(
    file: Annotated[Path, typer.Argument(help="A file with a phone column.")],
    as_json: JsonFlag = False,
) -> None:
    """Add every number in a file to the do-not-call list."""
    from phonebank import dnc

    cfg = _load()
    report = _run(dnc.import_dnc, _engine(cfg), file, source=str(file.name), now=_now())
    data = report.to_json()
    if as_json:
        _json(data)
        return
    out.print(
        f"{data['rows']} rows: added {data['added']}, already listed "
        f"{data['already_listed']}, {data['contacts_marked']} contacts taken out of "
        f"campaigns, rejected {len(data['rejected'])}",
        highlight=False,
    )
    _print_lines(data["rejected"], "reason", "", "")
