"""Commands that run the phone bank and read its results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phonebank.cli.common import (
    JsonFlag,
    _engine,
    _json,
    _load,
    _now,
    _run,
    app,
    err,
    out,
)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port to listen on.")
    ] = 8000,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Run the built-in Plivo sandbox too, instead of Plivo (no "
            "credentials needed; the public URL becomes http://HOST:PORT).",
        ),
    ] = False,
    sandbox_port: Annotated[
        int,
        typer.Option(min=1, max=65535, help="Port of the built-in sandbox."),
    ] = 8100,
    sandbox_url: Annotated[
        str | None,
        typer.Option(
            help="Use a `phonebank sandbox` already running at this URL "
            "instead of Plivo."
        ),
    ] = None,
) -> None:
    """Run the webhook server and the window scheduler (one long-lived process)."""
    from phonebank import server

    cfg = _load()
    choice = server.SandboxChoice(
        embedded_port=sandbox_port if sandbox else None, url=sandbox_url
    )
    _run(server.serve, cfg, host, port, choice)


@app.command()
def demo(
    volunteers: Annotated[
        int, typer.Option("--volunteers", min=1, max=50, help="Simulated volunteers.")
    ] = 5,
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
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port for the sandbox's Plivo API.")
    ] = 8100,
    speed: Annotated[
        float, typer.Option(min=0.1, max=10000, help="Time compression.")
    ] = 1.0,
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
    _run(
        run_standalone,
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
        creds = _run(server.credentials_from_env, "--sandbox-url URL")
    telephony = Telephony(creds.auth_id, creds.auth_token, base_url=sandbox_url)
    placed = _run(server.call_volunteers, cfg, _engine(cfg), telephony, chosen)
    out.print(f"placed {len(placed)} calls")
