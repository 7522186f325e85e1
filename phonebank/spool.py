"""Reports on files of rows: the counts, and the rejected and warned lines,
kept on disk past a thousand so a bad million-row file does not fill memory."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

IN_MEMORY = 1000


class Spool:
    """Appends records; the first thousand stay in memory, the rest on disk."""

    def __init__(self) -> None:
        self._head: list[dict[str, Any]] = []
        self._file: Any = None
        self._count = 0

    def append(self, record: dict[str, Any]) -> None:
        self._count += 1
        if len(self._head) < IN_MEMORY:
            self._head.append(record)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._file.write(json.dumps(record) + "\n")

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        yield from self._head
        if self._file is None:
            return
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield json.loads(line)
        self._file.seek(0, 2)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if 0 <= index < len(self._head):
            return self._head[index]
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list | Spool) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


@dataclass
class RowReport:
    """What an import did with its rows: counts, plus every rejected line with
    its reason and every warning with its line."""

    rows: int = 0
    rejected: Spool = field(default_factory=Spool)
    warnings: Spool = field(default_factory=Spool)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append({"line": line, "reason": reason})

    def warn(self, line: int, message: str) -> None:
        self.warnings.append({"line": line, "message": message})

    def counts(self) -> dict[str, int]:
        """The report's own counts, in the order they are printed."""
        return {"rows": self.rows}

    def to_json(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "rejected": list(self.rejected),
            "warnings": list(self.warnings),
        }
