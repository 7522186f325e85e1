"""The ASGI app: Plivo webhooks behind a signature check, call sheets, health.

`serve` builds it with `create_app` and hands it to uvicorn; tests drive the
same factory. Webhooks do no network calls and hold no long transactions, so
Plivo's 15-second budget for an XML answer is never in question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from plivo.utils.signature_v3 import validate_v3_signature
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from phonebank import callflow
from phonebank.clock import Clock
from phonebank.config import Config
from phonebank.flow import Flow, Params
from phonebank.sheets import live_sheet

log = logging.getLogger(__name__)
XML = "application/xml"
STEPS = (
    "answer",
    "checkin",
    "campaign",
    "callme",
    "next",
    "dial",
    "bridged",
    "dialed",
    "result",
    "noresult",
    "hangup",
)
_pages = Environment(
    loader=PackageLoader("phonebank", "templates"),
    autoescape=select_autoescape(default=True),
)


def signed_url(public_url: str, request: Request) -> str:
    """The URL Plivo signed: the public URL, never the Host we were reached on.

    Behind a reverse proxy the request may arrive as http://127.0.0.1:8000,
    with or without the public URL's path prefix; Plivo signed the public one.
    """
    prefix = urlsplit(public_url).path.rstrip("/")
    path = request.url.path
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    query = request.url.query
    return f"{public_url}{path}" + (f"?{query}" if query else "")


def signature_ok(
    url: str, form: dict[str, str], headers: dict[str, str], token: str
) -> bool:
    """True when Plivo's V3 signature over the URL, form and nonce matches."""
    nonce = headers.get("x-plivo-signature-v3-nonce")
    signature = headers.get("x-plivo-signature-v3")
    if not nonce or not signature:
        return False
    try:
        return bool(validate_v3_signature("POST", url, nonce, token, signature, form))
    except Exception:  # the SDK raises on malformed input instead of saying no
        return False


def create_app(
    config: Config, engine: Engine, clock: Clock, auth_token: str
) -> FastAPI:
    """The webhook server for one config, database, clock and Plivo auth token."""
    app = FastAPI(title="phonebank", docs_url=None, redoc_url=None, openapi_url=None)
    flow = Flow(config, engine, clock)
    app.state.flow = flow
    public_url = config.settings.public_url

    prefix = urlsplit(public_url).path.rstrip("/")
    paths = ["/plivo/{step}"] + ([f"{prefix}/plivo/{{step}}"] if prefix else [])

    async def webhook(step: str, request: Request) -> Response:
        if step not in STEPS:
            return PlainTextResponse("not found", status_code=404)
        form = {k: str(v) for k, v in (await request.form()).items()}
        url = signed_url(public_url, request)
        if not signature_ok(url, form, dict(request.headers), auth_token):
            log.warning("rejected an unsigned or wrongly signed request to %s", step)
            return PlainTextResponse("invalid signature", status_code=403)
        handler: Callable[[Params, Params], str] = getattr(flow, step)
        query = dict(request.query_params)
        started = time.perf_counter()
        try:
            body = await run_in_threadpool(handler, query, form)
        except Exception:
            log.exception("webhook %s failed for call %s", step, form.get("CallUUID"))
            body = callflow.goodbye("Sorry, something went wrong. Please call back.")
        log.debug(
            "webhook %s answered in %.1f ms",
            step,
            (time.perf_counter() - started) * 1000,
        )
        return Response(body, media_type=XML)

    for path in paths:  # a proxy may forward with or without the URL's prefix
        app.add_api_route(path, webhook, methods=["POST"])

    @app.get("/sheet/{token}", response_class=HTMLResponse)
    async def sheet(token: str) -> HTMLResponse:
        found = await run_in_threadpool(live_sheet, config, engine, token)
        if found is None:
            return HTMLResponse("Unknown link.", status_code=404)
        name, body = found
        page = _pages.get_template("sheet.html").render(
            organization=config.settings.organization, volunteer=name, sheet=body
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/health")
    async def health() -> JSONResponse:
        return JSONResponse({"ok": True, "time": clock.now().isoformat()})

    return app
