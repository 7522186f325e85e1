"""The import report's lists spill to disk past a thousand entries."""

from __future__ import annotations

from phonebank.spool import IN_MEMORY, Spool


def test_spool_keeps_order_and_count_across_memory_and_disk() -> None:
    spool = Spool()
    for n in range(IN_MEMORY * 2 + 500):
        spool.append({"line": n + 2, "reason": f"bad {n}"})

    assert len(spool) == 2500
    assert [r["line"] for r in spool] == list(range(2, 2502))
    assert spool[0] == {"line": 2, "reason": "bad 0"}
    assert spool[2100] == {"line": 2102, "reason": "bad 2100"}
    assert len(spool._head) == IN_MEMORY
    spool.append({"line": 9999, "reason": "late"})
    assert list(spool)[-1] == {"line": 9999, "reason": "late"}


def test_small_spool_compares_like_a_list() -> None:
    spool = Spool()
    spool.append({"line": 3, "message": "x"})
    assert spool == [{"line": 3, "message": "x"}]
    assert spool != [{"line": 4, "message": "x"}]
