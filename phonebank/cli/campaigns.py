"""Commands that set up a campaign: init, check, import, script, why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from phonebank.cli.common import (
    JsonFlag,
    _engine,
    _fail,
    _json,
    _load,
    _now,
    _print_lines,
    _run,
    app,
    err,
    out,
)
from phonebank.errors import PhonebankError


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
        noun = "problem" if len(found) == 1 else "problems"
        err.print(f"{len(found)} {noun} in {cfg.path}:", markup=False)
        for line in found:
            err.print(f"  - {line}", markup=False, highlight=False)
        raise typer.Exit(2)
    names = ", ".join(c.slug for c in cfg.campaigns)
    noun = "campaign" if len(cfg.campaigns) == 1 else "campaigns"
    out.print(f"{cfg.path}: OK ({len(cfg.campaigns)} {noun}: {names})")


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
    hint = f" (all in {rejects})" if rejects else " (use --rejects FILE for all)"
    _print_lines(data["rejected"], "reason", "", hint)
    _print_lines(data["warnings"], "message", "warning, ", "")


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
        f"{'Callable' if verdict.callable else 'Not callable'} at "
        f"{_local(moment, chosen)}",
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
        out.print(f"  next callable at {_local(verdict.next_callable_at, chosen)}")


def _local(moment: datetime, campaign: Any) -> str:
    """A moment as an admin reads it: the campaign's own time zone, to the minute."""
    local = moment.astimezone(campaign.zone)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} ({campaign.time_zone})"


def _parse_moment(text: str | None) -> datetime:
    if not text:
        return _now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not ISO-8601, e.g. 2026-11-03T18:30-05:00", param_hint="--at"
        ) from None
    if not 1970 <= moment.year <= 2200:
        raise typer.BadParameter("give a year between 1970 and 2200", param_hint="--at")
    if moment.tzinfo is None:
        raise typer.BadParameter(
            "give a UTC offset, e.g. 2026-11-03T18:30-05:00 or Z", param_hint="--at"
        )
    return moment.astimezone(UTC)
