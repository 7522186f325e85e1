"""HTTP clients for the webhook benchmark: one connection per simulated caller.

`Raw` is a bare HTTP/1.1 keep-alive connection on asyncio streams, the default:
it costs tens of microseconds a request, so the latency measured is the
server's. httpx's AsyncClient costs about a millisecond of CPU a request in
this process, and at 50 connections it became the bottleneck it was meant to
measure. GET /health, 50 at once, on a server that answers raw requests at
4,500/s with p50 10 ms: httpx with a client per caller got 760/s at p50 38 ms;
one shared httpx pool 290/s at p50 97 ms and p99 970 ms. `Httpx` is kept to
check that: `--client httpx`.
"""

from __future__ import annotations

import asyncio
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import httpx

TIMEOUT = 60.0  # seconds for one request; the benchmark stops rather than hang


class Client(Protocol):
    def __init__(self, base: str) -> None: ...

    async def send(
        self, url: str, form: dict[str, str] | None, headers: dict[str, str]
    ) -> tuple[int, str]:
        """POST `form` (GET when None) and return the status and the body."""
        ...

    async def close(self) -> None: ...


class Raw:
    """One keep-alive HTTP/1.1 connection to a loopback server."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        if parts.hostname != "127.0.0.1" or parts.port is None:
            raise ValueError(f"{base} is not a port on 127.0.0.1")
        self.host, self.port = parts.hostname, parts.port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(
        self, url: str, form: dict[str, str] | None, headers: dict[str, str]
    ) -> tuple[int, str]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port
            )
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = urlencode(form).encode() if form is not None else b""
        lines = [
            f"{'GET' if form is None else 'POST'} {target} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        if form is not None:
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        return await asyncio.wait_for(self._response(self.reader), TIMEOUT)

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, str]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *fields = head.rstrip("\r\n").split("\r\n")
        found = {}
        for field in fields:
            name, _, value = field.partition(":")
            found[name.strip().lower()] = value.strip()
        if "content-length" not in found:
            raise RuntimeError(f"a response without Content-Length: {status_line}")
        body = await reader.readexactly(int(found["content-length"]))
        if found.get("connection", "").lower() == "close":
            await self.close()
        return int(status_line.split()[1]), body.decode()

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
        self.reader = self.writer = None


class Httpx:
    """An httpx AsyncClient of one connection, for comparison with `Raw`."""

    def __init__(self, base: str) -> None:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.client = httpx.AsyncClient(limits=one, timeout=TIMEOUT, trust_env=False)

    async def send(
        self, url: str, form: dict[str, str] | None, headers: dict[str, str]
    ) -> tuple[int, str]:
        if form is None:
            response = await self.client.get(url, headers=headers)
        else:
            response = await self.client.post(url, data=form, headers=headers)
        return response.status_code, response.text

    async def close(self) -> None:
        await self.client.aclose()


CLIENTS: dict[str, type[Client]] = {"raw": Raw, "httpx": Httpx}
