"""The REST paths of Plivo's voice API that phonebank uses, plus sandbox helpers."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid as uuidlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from phonebank.sandbox.parties import VolunteerParty

if TYPE_CHECKING:
    from phonebank.sandbox.engine import Sandbox

logger = logging.getLogger(__name__)

REQUIRED_FOR_CALL = ("from", "to", "answer_url")
URL_PARAMS = ("answer_url", "hangup_url", "ring_url", "fallback_url")


def api_id() -> str:
    return str(uuidlib.uuid4())


def error(status: int, message: str) -> JSONResponse:
    """Plivo's error shape: every body has an api_id."""
    return JSONResponse({"api_id": api_id(), "error": message}, status_code=status)


async def read_params(request: Request) -> dict[str, Any]:
    """Parameters from a JSON body (the SDK), a form body (curl) or the query."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if not body:
        return params
    if "json" in request.headers.get("content-type", ""):
        try:
            loaded = json.loads(body)
        except ValueError:
            return params
        return params | (loaded if isinstance(loaded, dict) else {})
    return params | dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def authorized(sandbox: Sandbox, request: Request, path_auth_id: str) -> bool:
    """HTTP Basic with the Auth ID and token; the path's Auth ID must match."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic ") or path_auth_id != sandbox.auth_id:
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return user == sandbox.auth_id and password == sandbox.auth_token


def build_app(sandbox: Sandbox) -> FastAPI:
    """The sandbox's ASGI app; routes close over `sandbox`."""
    app = FastAPI(title="phonebank sandbox", docs_url=None, redoc_url=None)
    Next = Callable[[Request], Awaitable[Response]]

    @app.middleware("http")
    async def plivo_edge(request: Request, call_next: Next) -> Response:
        """Auth, fault injection and the REST log, for every Plivo path."""
        path = request.url.path
        if not path.startswith("/v1/Account/"):
            return await call_next(request)

        response = await _guarded(sandbox, request, call_next)
        sandbox.log.add(
            "rest", method=request.method, path=path, status=response.status_code
        )
        return response

    _add_call_routes(app, sandbox)
    _add_helper_routes(app, sandbox)
    return app


async def _guarded(
    sandbox: Sandbox,
    request: Request,
    call_next: Callable[[Request], Awaitable[Response]],
) -> Response:
    """Check credentials, then apply a matching fault around the real handler."""
    parts = request.url.path.split("/")
    if not authorized(sandbox, request, parts[3] if len(parts) > 3 else ""):
        return error(401, "Authentication failed: check your Auth ID and Auth Token")

    fault = sandbox.faults.take(request.method, request.url.path)
    if fault is None:
        return await call_next(request)

    sandbox.log.add(
        "fault",
        method=request.method,
        path=request.url.path,
        status=fault.status,
        delay_seconds=fault.delay_seconds,
        refuse=fault.refuse,
        create_anyway=fault.create_anyway,
    )
    response: Response = error(fault.status or 500, "injected fault")
    if fault.does_the_work:
        real = await call_next(request)
        response = real if fault.status is None and not fault.refuse else response
    if fault.delay_seconds:
        await asyncio.sleep(fault.delay_seconds)
    if fault.refuse:
        server = sandbox._server
        client = (request.client.host, request.client.port) if request.client else None
        if server is None or not server.drop_connection(client):
            raise ConnectionAbortedError("injected fault: connection refused")
    return response


def _add_call_routes(app: FastAPI, sandbox: Sandbox) -> None:
    prefix = "/v1/Account/{auth_id}"

    @app.post(prefix + "/Call/")
    async def make_call(auth_id: str, request: Request) -> Response:
        """POST Call/: queue the call (dequeued at the CPS) and answer 201."""
        params = await read_params(request)
        for name in REQUIRED_FOR_CALL:
            if not params.get(name):
                return error(400, f"Missing mandatory parameter: {name}")
        for name in URL_PARAMS:
            value = str(params.get(name) or "")
            if value and not value.startswith(("http://", "https://")):
                return error(400, f"Invalid {name}: must be an http(s) URL")

        calls = sandbox.create_call(params)
        uuids = [call.request_uuid for call in calls]
        body = {
            "api_id": api_id(),
            "message": "call fired",
            "request_uuid": uuids[0] if len(uuids) == 1 else uuids,
        }
        return JSONResponse(body, status_code=201)

    @app.get(prefix + "/Call/")
    async def list_calls(
        auth_id: str, status: str = "", limit: int = 20, offset: int = 0
    ) -> Response:
        """GET Call/?status=live|queued: a page of the UUIDs of ongoing calls."""
        if status not in ("live", "queued"):
            return error(400, "The sandbox lists only live or queued calls")
        if not 1 <= limit <= 20 or offset < 0:
            return error(400, "limit must be 1 to 20 and offset at least 0")
        calls = sorted(sandbox.live_calls(status), key=lambda call: call.uuid)
        uuids = [call.uuid for call in calls[offset : offset + limit]]
        return JSONResponse({"api_id": api_id(), "calls": uuids})

    @app.get(prefix + "/Call/{call_uuid}/")
    async def get_call(auth_id: str, call_uuid: str, status: str = "") -> Response:
        """GET Call/{uuid}/: the CDR, or the live view with ?status=live."""
        call = sandbox.calls.get(call_uuid)
        if call is None or (status == "live" and not call.live):
            return error(404, "not found")
        if status == "live":
            return JSONResponse({"api_id": api_id(), **call.live_fields()})
        account = f"/v1/Account/{sandbox.auth_id}/"
        return JSONResponse({"api_id": api_id(), **call.cdr(account)})

    @app.delete(prefix + "/Call/{call_uuid}/")
    async def hangup_call(auth_id: str, call_uuid: str) -> Response:
        """DELETE Call/{uuid}/: 204, or 404 when unknown or already over."""
        if not sandbox.hangup(call_uuid):
            return error(404, "not found")
        return Response(status_code=204)

    @app.delete(prefix + "/Request/{request_uuid}/")
    async def cancel_request(auth_id: str, request_uuid: str) -> Response:
        """DELETE Request/{uuid}/: the request UUID is the call UUID here."""
        return await hangup_call(auth_id, request_uuid)

    @app.post(prefix + "/Call/{call_uuid}/")
    async def transfer_call(auth_id: str, call_uuid: str) -> Response:
        # Transfer is not simulated: fail loudly rather than pretend it worked.
        return error(405, "The sandbox does not simulate call transfer")


def _add_helper_routes(app: FastAPI, sandbox: Sandbox) -> None:
    @app.post("/sandbox/calls")
    async def place_call(request: Request) -> Response:
        """Place a simulated inbound volunteer call: from, to, pin."""
        params = await read_params(request)
        if not params.get("from") or not params.get("to"):
            return JSONResponse({"error": "from and to are required"}, status_code=400)
        pin = str(params.get("pin", "1234"))
        party = VolunteerParty(
            phone=str(params["from"]),
            pin=pin,
            name=str(params.get("name") or "Volunteer"),
            silent=pin == "",  # an empty pin: a caller who presses nothing
        )
        try:
            uuid = await asyncio.to_thread(sandbox.place_call, party, str(params["to"]))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse({"call_uuid": uuid}, status_code=201)

    @app.get("/sandbox/log")
    async def event_log() -> Response:
        return JSONResponse(sandbox.log.events)
