"""A scriptable webhook receiver, for tests that drive the sandbox without the app.

It checks every request's V3 signature with the SDK's own validator, records
it, and answers with the XML a test scripted for that path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from plivo.utils import validate_v3_signature

from phonebank.serving import ServerThread

Reply = str | Callable[[dict[str, str]], str]


@dataclass(frozen=True)
class Seen:
    """One request the receiver got."""

    method: str
    path: str
    url: str
    params: dict[str, str]
    signed: bool


@dataclass
class Receiver:
    """Serves scripted XML on loopback and records what Plivo (the sandbox) sent."""

    auth_token: str
    routes: dict[str, Reply] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ServerThread | None = None

    def start(self) -> str:
        """Serve on a free loopback port; returns the base URL."""
        self._server = ServerThread(self._app(), "127.0.0.1", 0)
        self.base_url = self._server.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def url(self, path: str) -> str:
        return self.base_url + path

    def requests(self, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if path is None or s.path == path]

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST"])
        async def any_path(request: Request) -> Response:
            return self._answer(request, (await request.body()).decode("utf-8"))

        return app

    def _answer(self, request: Request, body: str) -> Response:
        """Record the request, then reply with the scripted XML (or an empty 200)."""
        url = str(request.url)
        if request.method == "GET":
            params = dict(request.query_params)
            form = None
        else:
            params = dict(parse_qsl(body, keep_blank_values=True))
            form = params
        signed = validate_v3_signature(
            request.method,
            url,
            request.headers.get("X-Plivo-Signature-V3-Nonce", ""),
            self.auth_token,
            request.headers.get("X-Plivo-Signature-V3", ""),
            form,
        )
        with self._lock:
            self.seen.append(
                Seen(request.method, request.url.path, url, params, signed)
            )

        reply = self.routes.get(request.url.path)
        if reply is None:
            return Response(status_code=200)
        text = reply(params) if callable(reply) else reply
        return Response(text, media_type="application/xml")
