"""Engine and sessions: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel, create_engine

from phonebank import models  # noqa: F401  (registers the tables)
from phonebank.errors import DatabaseUnavailable

BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> Engine:
    """An engine for `url`, with the tables created if they are missing."""
    try:
        return _make_engine(url)
    except (SQLAlchemyError, ImportError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise DatabaseUnavailable(_without_password(url), reason) from None


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(unreadable URL)"


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": BUSY_TIMEOUT_MS / 1000,
            },
            poolclass=NullPool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    SQLModel.metadata.create_all(engine)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let Python's sqlite3 stop issuing its own BEGIN, so ours is the one used.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at the start of every writing transaction: two
    # writers then wait on the busy timeout instead of failing on a lock
    # upgrade. Readers (reports) begin deferred and never block the dialer.
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with _writer_turn(engine), Session(engine, expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


_writer_locks: dict[int, threading.Lock] = {}


@contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    """On SQLite, one writing transaction at a time within this process.

    SQLite lets one writer in and makes the others poll with growing sleeps,
    which under fifty volunteers gives a few webhooks multi-second waits; a
    lock hands the turn straight to the next thread. Other processes (an
    import beside `serve`) still wait on the busy timeout.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    lock = _writer_locks.setdefault(id(engine.pool), threading.Lock())
    with lock:
        yield


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only session: on SQLite it begins deferred and never waits for,
    or holds, the write lock, so lookups in webhooks stay fast under load."""
    with Session(reader(engine), expire_on_commit=False) as db:
        yield db


def reader(engine: Engine) -> Engine:
    """The engine for read-only work that must not take SQLite's write lock."""
    return engine.execution_options(sqlite_begin="DEFERRED")


def utc(value: datetime | None) -> datetime | None:
    """Read a stored time as aware UTC (SQLite drops the zone)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
