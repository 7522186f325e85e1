"""Uvicorn on a daemon thread: the demo, the tests and the sandbox run their
ASGI apps this way, each on a loopback port of its own."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn

from phonebank.errors import PhonebankError


class PortBusy(PhonebankError):
    exit_code = 2

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(
            f"Error: cannot listen on {host}:{port} ({reason}). Stop whatever "
            "holds the port (another phonebank sandbox or serve?), or pick "
            "another port."
        )


class ServerThread:
    """Serves an ASGI app in the background until stopped.

    The socket is bound at once, so the URL is known before the app is built:
    the webhook app needs its own public URL to check signatures.
    """

    def __init__(self, app: Any = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this. Without it, uvicorn's separate writes
        # of headers and body meet the client's delayed ACK: 40 ms per request.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock.bind((host, port))
        except (OSError, OverflowError) as exc:
            self.sock.close()
            raise PortBusy(host, port, str(exc)) from None
        self.host, self.port = self.sock.getsockname()[:2]
        self.server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        if app is not None:
            self.set_app(app)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def set_app(self, app: Any) -> None:
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self, timeout: float = 10.0) -> str:
        """Start serving and return the base URL once requests are accepted."""
        assert self.server is not None and self._thread is not None, "set_app first"
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the HTTP server on {self.url} did not start")
            time.sleep(0.01)
        return self.url

    def stop(self) -> None:
        if self.server is not None and self._thread is not None:
            self.server.should_exit = True
            self._thread.join(timeout=5.0)
        self.sock.close()

    def drop_connection(self, client: tuple[str, int] | None) -> bool:
        """Abort the TCP connection of one client, so it gets no reply at all."""
        if client is None or self.server is None:
            return False
        for connection in list(self.server.server_state.connections):
            if tuple(getattr(connection, "client", None) or ()) == tuple(client):
                transport: asyncio.Transport = connection.transport
                transport.abort()
                return True
        return False
