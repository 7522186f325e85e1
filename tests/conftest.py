"""Shared fixtures: configs in temp folders, SQLite and PostgreSQL engines."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from phonebank import config as config_module
from phonebank import db
from phonebank.sandbox.testing import Receiver

ROOT = Path(__file__).resolve().parent.parent

BASE_CAMPAIGN: dict[str, Any] = {
    "slug": "tenant-vote",
    "name": "Tenant Rights Ballot Measure",
    "caller_id": "+1 202 555 0100",
    "time_zone": "America/New_York",
    "script": "tenant-vote.j2",
    "windows": {"daily": ["09:00-21:00"]},
    "calling_hours": "09:00-21:00",
    "ring_timeout": 25,
    "max_attempts": 3,
    "results": [
        {"key": "1", "label": "Supporter"},
        {"key": "2", "label": "Undecided", "final": False, "retry_after": "2d"},
        {
            "key": "4",
            "label": "Not home",
            "final": False,
            "retry_after": "4h",
            "conversation": False,
        },
        {"key": "8", "label": "Wrong number", "conversation": False},
        {"key": "9", "label": "Do not call", "do_not_call": True},
    ],
    "retry": {"busy": "30m", "no_answer": "4h", "failed": "never"},
    "fields": ["city"],
}


def settings_dict(**overrides: Any) -> dict[str, Any]:
    campaign = {**BASE_CAMPAIGN, **overrides.pop("campaign", {})}
    base = {
        "organization": "Riverside Tenants Union",
        "database_url": "sqlite:///phonebank.db",
        "public_url": "https://phonebank.example.org",
        "checkin_number": "+1 202 555 0100",
        "campaigns": [campaign],
    }
    base.update(overrides)
    return base


def write_config(folder: Path, data: dict[str, Any]) -> Path:
    """Write a campaigns file and the example script beside it."""
    scripts = folder / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "scripts" / "tenant-vote.j2", scripts / "tenant-vote.j2")
    path = folder / "campaigns.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A signature-checking webhook receiver on loopback, for sandbox tests."""
    rx = Receiver("sandbox-token")
    rx.start()
    yield rx
    rx.stop()


@pytest.fixture
def make_config(tmp_path: Path) -> Any:
    """A factory: make_config(**overrides) -> loaded Config in tmp_path."""

    def make(**overrides: Any) -> config_module.Config:
        return config_module.load(write_config(tmp_path, settings_dict(**overrides)))

    return make


def _postgres_url() -> str | None:
    """A fresh database on the local PostgreSQL, started here if installed."""
    given = os.environ.get("PHONEBANK_TEST_DATABASE_URL")
    if given:
        return given
    if (
        shutil.which("pg_ctlcluster") is None
        and not Path("/usr/bin/pg_ctlcluster").exists()
    ):
        return None
    run = subprocess.run
    version = _cluster_version()
    if version is None:
        return None
    run(["pg_ctlcluster", version, "main", "start"], capture_output=True, check=False)
    run(
        ["su", "postgres", "-c", "psql -qc 'CREATE ROLE root SUPERUSER LOGIN'"],
        capture_output=True,
        check=False,
        cwd="/",
    )
    name = f"phonebank_test_{uuid.uuid4().hex[:8]}"
    made = run(["createdb", name], capture_output=True, check=False)
    if made.returncode != 0:
        return None
    return f"postgresql+psycopg:///{name}"


def _cluster_version() -> str | None:
    listed = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=False
    )
    for line in listed.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "main":
            return parts[0]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        url = _postgres_url()
    except (OSError, subprocess.SubprocessError):
        url = None
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI but could not be started")
        pytest.skip("no PostgreSQL here: set PHONEBANK_TEST_DATABASE_URL or install it")
    yield url
    if "phonebank_test_" in url:
        subprocess.run(
            ["dropdb", "--if-exists", url.rsplit("/", 1)[1]],
            capture_output=True,
            check=False,
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    engine = db.make_engine(url)
    from sqlmodel import SQLModel

    yield engine
    SQLModel.metadata.drop_all(engine)
    engine.dispose()
