"""Uvicorn in a daemon thread, on a port the OS picks when asked for port 0."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import uvicorn

logger = logging.getLogger(__name__)


class ServerThread:
    """Serves an ASGI app in the background until stopped."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.host = host
        self._thread = threading.Thread(
            target=self.server.run, daemon=True, name="sandbox-http"
        )

    def start(self, timeout: float = 10.0) -> str:
        """Start serving and return the base URL once the socket is bound."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The sandbox's HTTP server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=5.0)

    def drop_connection(self, client: tuple[str, int] | None) -> bool:
        """Abort the TCP connection of one client, so it gets no reply at all."""
        if client is None:
            return False
        for connection in list(self.server.server_state.connections):
            if tuple(getattr(connection, "client", None) or ()) == tuple(client):
                transport: asyncio.Transport = connection.transport
                transport.abort()
                return True
        return False
