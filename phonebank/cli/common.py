"""What every command shares: the app, the consoles, config and errors."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from phonebank import config as config_module
from phonebank.errors import FileProblem, PhonebankError

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
    ctx: typer.Context,
    config: ConfigOption = None,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Log debug lines.")
    ] = False,
) -> None:
    state.config_path = config
    # `serve` and `sandbox` log their work; one-shot commands only problems.
    long_running = ctx.invoked_subcommand in ("serve", "sandbox")
    quiet = logging.INFO if long_running else logging.WARNING
    logging.basicConfig(
        level=logging.DEBUG if verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # APScheduler narrates every job it adds; our own window lines say enough.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _fail(exc: PhonebankError) -> typer.Exit:
    err.print(str(exc), markup=False, highlight=False)
    return typer.Exit(exc.exit_code)


def _load() -> Any:
    return _run(config_module.load, state.config_path)


def _engine(cfg: Any) -> Any:
    from phonebank import db

    return _run(db.make_engine, cfg.database_url)


def _now() -> datetime:
    return datetime.now(UTC)


def _json(data: Any) -> None:
    print(json.dumps(data, indent=None, default=str))


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a core function; its errors become one sentence and an exit code."""
    try:
        return fn(*args, **kwargs)
    except PhonebankError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise _fail(FileProblem(exc)) from None


def _print_lines(
    items: list[dict[str, Any]], key: str, prefix: str, hint: str, most: int = 20
) -> None:
    """The first rejected rows or warnings of a report, with their line numbers."""
    for item in items[:most]:
        out.print(
            f"  {prefix}line {item['line']}: {item[key]}", markup=False, highlight=False
        )
    if len(items) > most:
        out.print(f"  ... and {len(items) - most} more{hint}", markup=False)
