"""Two imports of one file at the same moment never store a number twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from phonebank import contacts
from phonebank.models import Contact

ROWS = "\n".join(
    ["First,Last,Cell Phone"]
    + [f"Ana{n},Example,202-555-{n:04d}" for n in range(100, 200)]
)


def test_simultaneous_imports_store_each_number_once(
    any_engine: Engine, make_config: Any, tmp_path: Path
) -> None:
    cfg = make_config(campaign={"fields": []})
    path = tmp_path / "list.csv"
    path.write_text(ROWS + "\n", encoding="utf-8")
    reports: list[contacts.ImportReport] = []

    def run() -> None:
        reports.append(
            contacts.import_contacts(
                any_engine,
                cfg,
                "tenant-vote",
                path,
                batch_size=10,
                now=datetime(2026, 12, 8, tzinfo=UTC),
            )
        )

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(reports) == 3
    assert sum(r.imported for r in reports) == 100
    assert sum(r.duplicates for r in reports) == 200
    with any_engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(Contact)).scalar_one() == 100
        )
