"""The `phonebank` command: parse, call one core function, print.

Every command takes the global `-c/--config FILE` (default ./campaigns.yaml
or $PHONEBANK_CONFIG). Errors print one sentence naming the culprit and the
fix; exit 1 for a failure, 2 for a usage or config problem.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from phonebank import config as config_module
from phonebank.errors import PhonebankError

app = typer.Typer(
    help="A self-hosted phone bank: volunteers call in, phonebank bridges them "
    "to one contact after another over Plivo.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
volunteers_app = typer.Typer(help="Manage volunteers: PINs and call-sheet links.")
dnc_app = typer.Typer(help="Manage the organization-wide do-not-call list.")
app.add_typer(volunteers_app, name="volunteers")
app.add_typer(dnc_app, name="dnc")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "-c",
        "--config",
        help="Campaigns file (default ./campaigns.yaml or $PHONEBANK_CONFIG).",
        show_default=False,
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


class State:
    config_path: Path | None = None


state = State()


@app.callback()
def main(
    config: ConfigOption = None,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Log debug lines.")
    ] = False,
) -> None:
    state.config_path = config
    quiet = logging.INFO if _long_running() else logging.WARNING
    logging.basicConfig(
        level=logging.DEBUG if verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _long_running() -> bool:
    """`serve` and `sandbox` log their work; one-shot commands only problems."""
    return any(arg in ("serve", "sandbox") for arg in sys.argv[1:])


def _fail(exc: PhonebankError) -> typer.Exit:
    err.print(str(exc), markup=False, highlight=False)
    return typer.Exit(exc.exit_code)


def _load() -> Any:
    try:
        return config_module.load(state.config_path)
    except PhonebankError as exc:
        raise _fail(exc) from None


def _engine(cfg: Any) -> Any:
    from phonebank import db

    return db.make_engine(cfg.database_url)


def _now() -> datetime:
    return datetime.now(UTC)


def _json(data: Any) -> None:
    print(json.dumps(data, indent=None, default=str))


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except PhonebankError as exc:
        raise _fail(exc) from None


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the starter.")
    ] = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Write a working starter: campaigns.yaml, a script template, sample contacts."""
    from phonebank.starter import write_starter

    written = _run(write_starter, directory, force)
    for path in written:
        out.print(f"wrote {path}")
    out.print("Next: phonebank check, then phonebank import CAMPAIGN contacts.csv")


@app.command()
def check() -> None:
    """Check the campaigns file, templates and windows; list every problem."""
    from phonebank import checks

    cfg = _load()
    engine = _engine(cfg) if checks.database_exists(cfg) else None
    found = checks.problems(cfg, engine)
    if found:
        err.print(f"{len(found)} problem(s) in {cfg.path}:", markup=False)
        for line in found:
            err.print(f"  - {line}", markup=False, highlight=False)
        raise typer.Exit(2)
    names = ", ".join(c.slug for c in cfg.campaigns)
    out.print(f"{cfg.path}: OK ({len(cfg.campaigns)} campaigns: {names})")


@app.command("import")
def import_(
    campaign: Annotated[str, typer.Argument(help="Campaign slug.")],
    file: Annotated[Path, typer.Argument(help="Contact file (CSV, TSV, semicolons).")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="HEADER=FIELD; "
            "FIELD is external_id, first_name, last_name, phone, zip, state "
            "or extra:NAME. Repeatable.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only; write nothing.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Write rejected rows with a reason column to this CSV."
        ),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(
            "--delimiter",
            help="Force the column separator: ',', ';' or 'tab' (normally sniffed).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import contacts from an export (VAN, Action Network, Mobilize, NationBuilder)."""
    from phonebank import contacts, scripts

    cfg = _load()
    chosen = _run(cfg.campaign, campaign)
    mapping = _parse_map(map_ or [])
    if not file.exists():
        raise _fail(PhonebankError(f"Error: {file} does not exist. Check the path."))
    engine = _engine(cfg)
    needed = _run(scripts.required_fields, cfg, chosen)
    with _progress(not as_json) as progress:
        report = _run(
            contacts.import_contacts,
            engine,
            cfg,
            chosen,
            file,
            mapping=mapping,
            dry_run=dry_run,
            rejects_path=rejects,
            progress=progress,
            required_fields=needed,
            now=_now(),
            delimiter=_delimiter(delimiter),
        )
    if as_json:
        _json(report.to_json())
        return
    _print_import(report, dry_run, rejects)


def _delimiter(text: str | None) -> str | None:
    if text is None:
        return None
    value = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}.get(text, text)
    if value not in (",", ";", "\t"):
        raise typer.BadParameter("use ',', ';' or 'tab'", param_hint="--delimiter")
    return value


def _parse_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        header, sep, field = item.partition("=")
        if not sep or not header.strip() or not field.strip():
            raise typer.BadParameter(
                f"'{item}' is not HEADER=FIELD", param_hint="--map"
            )
        mapping[header.strip()] = field.strip()
    return mapping


class _progress:
    """A rich progress bar over bytes read, shown only on a terminal."""

    def __init__(self, wanted: bool) -> None:
        self.bar: Progress | None = None
        if wanted and err.is_terminal:
            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
        self.task: Any = None

    def __enter__(self) -> Any:
        if self.bar is None:
            return None
        self.bar.start()
        self.task = self.bar.add_task("importing", total=None)

        def update(done: int, total: int) -> None:
            assert self.bar is not None
            self.bar.update(self.task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_import(report: Any, dry_run: bool, rejects: Path | None) -> None:
    data = report.to_json()
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{data['rows']} rows: {verb} {data['imported']}, merged {data['duplicates']} "
        f"duplicates, suppressed {data['suppressed']} do-not-call, "
        f"rejected {len(data['rejected'])}",
        highlight=False,
    )
    for item in data["rejected"][:20]:
        out.print(
            f"  line {item['line']}: {item['reason']}", markup=False, highlight=False
        )
    if len(data["rejected"]) > 20:
        more = len(data["rejected"]) - 20
        hint = f" (all in {rejects})" if rejects else " (use --rejects FILE for all)"
        out.print(f"  ... and {more} more{hint}", markup=False)
    for item in data["warnings"][:10]:
        out.print(
            f"  warning, line {item['line']}: {item['message']}",
            markup=False,
            highlight=False,
        )


@app.command()
def script(
    campaign: Annotated[str, typer.Argument(help="Campaign slug.")],
    contact: Annotated[
        str | None,
        typer.Option(
            "--contact",
            help="Contact id, external id or phone; sample values if omitted.",
        ),
    ] = None,
) -> None:
    """Print the whisper and the call sheet as a volunteer would get them."""
    from phonebank import checks, explain

    cfg = _load()
    chosen = _run(cfg.campaign, campaign)
    engine = _engine(cfg) if checks.database_exists(cfg) else None
    rendered = _run(explain.preview, cfg, engine, chosen, contact)
    out.rule("whisper (spoken before the call)")
    out.print(rendered.whisper, markup=False, highlight=False, soft_wrap=True)
    out.rule("call sheet (HTML on the volunteer's page)")
    out.print(rendered.sheet, markup=False, highlight=False, soft_wrap=True)


@app.command()
def why(
    campaign: Annotated[str, typer.Argument(help="Campaign slug.")],
    phone: Annotated[str, typer.Argument(help="The contact's phone (or id).")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="ISO-8601 moment, e.g. 2026-11-03T18:30-05:00 (default: now)."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Explain whether a contact would be called at a moment, and every reason not."""
    from phonebank import explain

    cfg = _load()
    chosen = _run(cfg.campaign, campaign)
    moment = _parse_moment(at)
    verdict = _run(explain.why, _engine(cfg), chosen, phone, moment)
    if as_json:
        _json(verdict.to_json())
        return
    out.print(
        f"{'Callable' if verdict.callable else 'Not callable'} at {moment.isoformat()}",
        highlight=False,
    )
    for reason in verdict.reasons:
        out.print(f"  - {reason}", markup=False, highlight=False)
    for zone in verdict.time_zones:
        out.print(
            f"  zone {zone['zone']}: {zone['local_time']} "
            f"({'inside' if zone['inside'] else 'outside'} calling hours)",
            markup=False,
            highlight=False,
        )
    if verdict.next_callable_at:
        out.print(f"  next callable at {verdict.next_callable_at.isoformat()}")


def _parse_moment(text: str | None) -> datetime:
    if not text:
        return _now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not ISO-8601, e.g. 2026-11-03T18:30-05:00", param_hint="--at"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(
            "give a UTC offset, e.g. 2026-11-03T18:30-05:00 or Z", param_hint="--at"
        )
    return moment.astimezone(UTC)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Use the built-in Plivo "
            "sandbox instead of Plivo (no credentials needed).",
        ),
    ] = False,
) -> None:
    """Run the webhook server and the window scheduler (one long-lived process)."""
    from phonebank import server

    cfg = _load()
    _run(server.serve, cfg, host, port, sandbox)


@app.command()
def demo(
    volunteers: Annotated[
        int, typer.Option("--volunteers", min=1, max=50, help="Simulated volunteers.")
    ] = 8,
    speed: Annotated[
        float,
        typer.Option(
            "--speed",
            min=1.0,
            help="Time compression (simulated seconds per real second).",
        ),
    ] = 120.0,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; same seed, same run.")
    ] = 7,
    as_json: JsonFlag = False,
) -> None:
    """Run a whole phone bank on the sandbox with example contacts; print the report."""
    from phonebank import demo as demo_module

    report = _run(
        demo_module.run,
        volunteers=volunteers,
        speed=speed,
        seed=seed,
        console=err,
        quiet=as_json,
    )
    if as_json:
        _json(report)
    else:
        demo_module.print_report(report, out)


@app.command("sandbox")
def sandbox_cmd(
    port: Annotated[int, typer.Option(help="Port for the sandbox's Plivo API.")] = 8100,
    speed: Annotated[float, typer.Option(help="Time compression.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            help="Append every event as a JSON line to this file, and print them.",
        ),
    ] = None,
) -> None:
    """Run the Plivo sandbox alone, pointed at `serve`'s public URL (manual tests)."""
    from phonebank import server
    from phonebank.sandbox import run_standalone

    cfg = _load()
    public = cfg.settings.public_url
    run_standalone(
        host="127.0.0.1",
        port=port,
        auth_id=server.SANDBOX_AUTH_ID,
        auth_token=server.SANDBOX_AUTH_TOKEN,
        answer_url=f"{public}/plivo/answer",
        hangup_url=f"{public}/plivo/hangup",
        checkin_number=cfg.settings.checkin_number,
        volunteers=[],
        speed=speed,
        seed=seed,
        log_path=log,
    )


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Show open windows, volunteers on a shift, calls live and contacts left."""
    from phonebank import reports

    cfg = _load()
    data = _run(reports.status, _engine(cfg), cfg, _now())
    if as_json:
        _json(data)
    else:
        out.print(reports.render_status(data))


@app.command()
def report(
    campaign: Annotated[str, typer.Argument(help="Campaign slug.")],
    as_json: JsonFlag = False,
) -> None:
    """Dials, answer rate, results, attempts per contact, volunteers' pace."""
    from phonebank import reports

    cfg = _load()
    data = _run(reports.campaign_report, _engine(cfg), cfg, campaign, _now())
    if as_json:
        _json(data)
    else:
        out.print(reports.render_report(data))


@app.command()
def export(
    campaign: Annotated[str, typer.Argument(help="Campaign slug.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
) -> None:
    """Export one row per contact with its outcome and result, spreadsheet-safe."""
    from phonebank import exports

    cfg = _load()
    count = _run(exports.export_contacts, _engine(cfg), cfg, campaign, output)
    out.print(f"wrote {count} contacts to {output}")


@app.command("call-volunteers")
def call_volunteers_cmd(
    campaign: Annotated[str, typer.Argument(help="Campaign slug.")],
    sandbox_url: Annotated[
        str | None,
        typer.Option(
            "--sandbox-url", help="Base URL of a running `phonebank sandbox`."
        ),
    ] = None,
) -> None:
    """Call every call-me volunteer now (as a window opening does)."""
    from phonebank import server
    from phonebank.telephony import Telephony

    cfg = _load()
    chosen = _run(cfg.campaign, campaign)
    if sandbox_url:
        creds = server.Credentials(server.SANDBOX_AUTH_ID, server.SANDBOX_AUTH_TOKEN)
    else:
        creds = _run(server.credentials_from_env)
    telephony = Telephony(creds.auth_id, creds.auth_token, base_url=sandbox_url)
    placed = _run(server.call_volunteers, cfg, _engine(cfg), telephony, chosen)
    out.print(f"placed {len(placed)} calls")


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
    try:
        entry = VolunteerEntry(name=name, phone=phone, pin=pin, call_me=call_me)
    except ValidationError as exc:
        message = "; ".join(
            e["msg"].removeprefix("Value error, ") for e in exc.errors()
        )
        raise _fail(PhonebankError(f"Error: {message}.")) from None
    view = _run(volunteers.add, _engine(cfg), cfg, entry)
    out.print(f"added {view.name}; call sheet: {view.sheet_url}", highlight=False)


@volunteers_app.command("list")
def volunteers_list(as_json: JsonFlag = False) -> None:
    """List volunteers with their call-sheet links."""
    from phonebank import volunteers

    cfg = _load()
    rows = _run(volunteers.listing, _engine(cfg), cfg)
    if as_json:
        _json([vars(r) for r in rows])
        return
    table = Table("name", "phone", "call me", "call sheet")
    for row in rows:
        table.add_row(row.name, row.phone, "yes" if row.call_me else "", row.sheet_url)
    out.print(table)


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
    out.print(f"imported {len(entries)} volunteers; see `phonebank volunteers list`")


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
    from phonebank import contacts

    cfg = _load()
    report = _run(
        contacts.import_dnc, _engine(cfg), file, source=str(file.name), now=_now()
    )
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
    for item in data["rejected"][:20]:
        out.print(
            f"  line {item['line']}: {item['reason']}", markup=False, highlight=False
        )


def run() -> None:
    """Console entry point: `-c FILE` may also follow the command name."""
    args, moved, index = sys.argv[1:], [], 0
    rest = []
    while index < len(args):
        arg = args[index]
        if arg in ("-c", "--config") and index + 1 < len(args):
            moved += [arg, args[index + 1]]
            index += 2
            continue
        if arg.startswith("--config="):
            moved.append(arg)
        else:
            rest.append(arg)
        index += 1
    app(args=moved + rest, prog_name="phonebank")
