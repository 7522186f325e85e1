"""Webhook latency with 50 volunteers calling at once, against GET /health.

A child process (`bench_server`) serves the real app, `create_app` under
uvicorn through `serving.ServerThread`, on 127.0.0.1, over a SQLite file holding
about 20,000 imported contacts in one campaign and 50 volunteers, on a
`SimClock` inside the dial window at speed 1. This process plays Plivo for the
50 calls at once (`caller`): answer -> checkin -> (next -> dial -> bridged ->
dialed -> result) for a bounded number of contacts -> hangup, every request
signed. Client and server run in separate processes so they do not share one
interpreter lock.

Every request is timed from send to last byte; the baseline is GET /health at
the same concurrency and pace, on the same server, in the same run. By default
the calls send with no pause between steps, every volunteer keying at once:
the worst case. `--pause 1` waits 0-2 s before each request, nearer a real
evening (where a call lasts minutes, not milliseconds).
A step the server answers with an error ends that call, as on Plivo; such
calls are counted and reported, never silently retried.

    python -m benchmarks.webhook_bench --loops 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks import caller
from benchmarks.loopback import CLIENTS
from benchmarks.measure import ROOT, percentile

STEPS = ("answer", "checkin", "next", "dial", "bridged", "dialed", "result", "hangup")
HEALTH_REQUESTS = 40  # per concurrent client
_FAILED = re.compile(r"webhook (\w+) failed for call")
_ERROR = re.compile(r"^[\w.]+(?:Error|Exception): .*")

Task = Callable[..., Awaitable[int]]


@dataclass(frozen=True)
class Load:
    """How hard to push: people at once, contacts each, pauses, time bound."""

    contacts: int = 20_000
    volunteers: int = 50
    loops: int = 20  # contacts per volunteer's call
    pause: float = 0.0  # mean seconds before each step
    time_limit: float = 300.0  # no contact is started after this many seconds
    client: str = "raw"


def run(load: Load = Load()) -> dict[str, Any]:
    """Start the server, measure /health then the call flows, return the figures."""
    with tempfile.TemporaryDirectory(prefix="phonebank-bench-") as tmp:
        folder = Path(tmp)
        record, seconds, tally = _against_server(folder, load)
        log = (folder / "server.log").read_text(encoding="utf-8")

    _check(tally, load, record, log)
    return {
        "load": asdict(load),
        **_figures(record, seconds, tally),
        "broken_calls": _broken(record, log),
        "results": tally["results"],
    }


def _against_server(
    folder: Path, load: Load
) -> tuple[caller.Record, dict[str, float], dict[str, Any]]:
    """The samples, the seconds each phase took, and the database after it."""
    args = [str(folder), str(load.contacts), str(load.volunteers)]
    command = [sys.executable, "-m", "benchmarks.bench_server", *args]
    with (folder / "server.log").open("w", encoding="utf-8") as log:
        child = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            url = _read_line(child, folder)["url"]
            if urlsplit(url).hostname != "127.0.0.1":
                raise RuntimeError(f"the server is on {url}, not on loopback")
            record, seconds = asyncio.run(_drive(url, load))
            assert child.stdin is not None
            child.stdin.close()
            return record, seconds, _read_line(child, folder)
        finally:
            _stop(child)


def _read_line(child: subprocess.Popen[str], folder: Path) -> dict[str, Any]:
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        log = (folder / "server.log").read_text(encoding="utf-8")
        raise RuntimeError(f"the benchmark server stopped. It logged:\n{log[-3000:]}")
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def _stop(child: subprocess.Popen[str]) -> None:
    if child.stdin is not None and not child.stdin.closed:
        child.stdin.close()
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


async def _drive(url: str, load: Load) -> tuple[caller.Record, dict[str, float]]:
    """/health at the concurrency of the calls, then the calls themselves."""
    record = caller.Record()
    people = range(1, load.volunteers + 1)

    async def one(n: int, pause: float, task: Task, *args: Any) -> int:
        client = CLIENTS[load.client](url)  # a connection per caller
        try:
            plivo = caller.Plivo(client, record, caller.TOKEN, pause, seed=n)
            return await task(plivo, url, *args)
        finally:
            await client.close()

    async def health(count: int, step: str) -> float:
        started = time.perf_counter()
        pause = load.pause if step == "health" else 0  # paced as the calls are
        await asyncio.gather(
            *(one(n, pause, caller.health, count, step) for n in people)
        )
        return time.perf_counter() - started

    await health(2, "warm-up")
    seconds = {"health": await health(HEALTH_REQUESTS, "health")}

    deadline = time.monotonic() + load.time_limit
    started = time.perf_counter()
    calls = (one(n, load.pause, caller.shift, n, load.loops, deadline) for n in people)
    await asyncio.gather(*calls)
    seconds["calls"] = time.perf_counter() - started
    return record, seconds


def _check(tally: dict[str, Any], load: Load, record: caller.Record, log: str) -> None:
    """Stop when the database disagrees with what the calls did."""
    expected = {
        "shifts_ended": load.volunteers - _broken_at(record, "hangup"),
        "results": len(record.samples["result"]) - _broken_at(record, "result"),
        "contacts_claimed_twice": 0,
    }
    found = {key: tally[key] for key in expected}
    if found != expected:
        raise SystemExit(
            f"Error: after the calls the database holds {found}, not {expected}. "
            f"Fix the webhooks before reading any latency. The server logged:\n"
            f"{log[-3000:]}"
        )


def _broken_at(record: caller.Record, step: str) -> int:
    return sum(1 for b in record.broken if b.step == step)


def _broken(record: caller.Record, log: str) -> dict[str, Any]:
    """The calls that broke, by step, with the errors the server logged."""
    errors = Counter(
        match.group(0)[:120] for match in map(_ERROR.match, log.splitlines()) if match
    )
    return {
        "count": len(record.broken),
        "by_step": dict(Counter(b.step for b in record.broken)),
        "server_failed_steps": dict(Counter(_FAILED.findall(log))),
        "server_errors": dict(errors),
        "examples": [str(b) for b in record.broken[:3]],
    }


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 0.50) * 1000, 2),
        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2),
    }


def _figures(
    record: caller.Record, seconds: dict[str, float], tally: dict[str, Any]
) -> dict[str, Any]:
    samples = record.samples
    webhooks = [value for step in STEPS for value in samples[step]]
    overall, health = _summary(webhooks), _summary(samples["health"])
    return {
        "contacts": tally["contacts"],
        "steps": {step: _summary(samples[step]) for step in STEPS if samples[step]},
        "webhooks": overall,
        "health": health,
        "webhooks_per_s": round(len(webhooks) / seconds["calls"], 1),
        "health_per_s": round(len(samples["health"]) / seconds["health"], 1),
        "p50_ratio": round(overall["p50_ms"] / health["p50_ms"], 2),
        "p99_ratio": round(overall["p99_ms"] / health["p99_ms"], 2),
        "server_max_rss_mib": tally["max_rss_mib"],
    }


def lines(result: dict[str, Any]) -> list[str]:
    """The figures as a short table."""
    load, broken = result["load"], result["broken_calls"]
    pause = f"{load['pause']:g} s mean pause" if load["pause"] else "no pause"
    out = [
        f"webhooks, {load['volunteers']} volunteers at once ({pause}), "
        f"{result['contacts']:,} contacts, {result['results']:,} results keyed",
        f"  {'step':<10}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}",
    ]
    rows = {**result["steps"], "all": result["webhooks"], "/health": result["health"]}
    for name, row in rows.items():
        out.append(
            f"  {name:<10}{row['count']:>8}{row['p50_ms']:>10.1f}"
            f"{row['p99_ms']:>10.1f}{row['max_ms']:>10.1f}"
        )
    out.append(
        f"  webhooks / health: p50 x{result['p50_ratio']:.1f}, "
        f"p99 x{result['p99_ratio']:.1f}; {result['webhooks_per_s']:.0f} webhooks/s "
        f"vs {result['health_per_s']:.0f} health/s"
    )
    if broken["count"]:
        out.append(
            f"  BROKEN CALLS: {broken['count']} ({broken['by_step']}); "
            f"server errors: {broken['server_errors']}"
        )
    return out


def main() -> None:
    default = Load()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=default.contacts)
    parser.add_argument("--volunteers", type=int, default=default.volunteers)
    parser.add_argument(
        "--loops", type=int, default=default.loops, help="contacts per call"
    )
    parser.add_argument(
        "--pause", type=float, default=default.pause, help="mean s before a step"
    )
    parser.add_argument("--time-limit", type=float, default=default.time_limit)
    parser.add_argument("--client", choices=sorted(CLIENTS), default=default.client)
    args = parser.parse_args()
    load = Load(
        args.contacts, args.volunteers, args.loops, args.pause, args.time_limit,
        args.client,
    )  # fmt: skip
    for line in lines(run(load)):
        print(line)


if __name__ == "__main__":
    main()
