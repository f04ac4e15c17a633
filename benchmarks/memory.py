"""Section 5: the bot's memory does not grow with the number of stored interviews.

A database is filled with ``stored`` interviews in progress (written straight into
the tables, in one transaction, from a session the engine produced). A fresh process
then opens it with the real store and service, as the bot does, and 1,000 members
resume their interview and answer five questions each, 50 at a time. Its resident
memory (RSS) after that is the figure; 1,000 and 100,000 stored interviews should
cost within 10% of each other, since nothing keeps stored sessions in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.service import Action, AdvisorService
from benchmarks.measure import median, rss_bytes
from dialogs.engine import DialogEngine
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore

GUILD = 42
ANSWERS_EACH = 5
AT_ONCE = 50


def _key(index: int) -> SessionKey:
    return SessionKey.for_guild(10_000 + index, GUILD)


async def _create_schema(path: Path) -> None:
    store = await SQLiteStore.open(path)
    await store.close()


def fill(path: Path, stored: int) -> None:
    """Write ``stored`` fresh interviews, each waiting at its first question."""
    asyncio.run(_create_schema(path))
    session = DialogEngine().start().session
    data, step = session.model_dump_json(), session.current
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO interviews (id, user_id, scope, dialog, started_at) VALUES (?, ?, ?, ?, ?)",
            [(i + 1, _key(i).user_id, _key(i).scope, _key(i).dialog, now) for i in range(stored)],
        )
        db.executemany(
            "INSERT INTO sessions (user_id, scope, dialog, version, data, step, created_at, updated_at, "
            "interview_id) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
            [
                (_key(i).user_id, _key(i).scope, _key(i).dialog, data, step, now, now, i + 1)
                for i in range(stored)
            ],
        )


async def _serve(path: Path, active: int) -> int:
    store = await SQLiteStore.open(path)
    service = AdvisorService(store)

    async def member(index: int) -> None:
        key = _key(index)
        outcome = await service.begin(key)
        for _ in range(ANSWERS_EACH):
            prompt = outcome.turn.prompt
            assert prompt is not None
            outcome = await service.act(
                key, Action.ANSWER, [prompt.options[0].id], expected_version=outcome.version
            )

    try:
        for start in range(0, active, AT_ONCE):
            await asyncio.gather(*(member(i) for i in range(start, min(start + AT_ONCE, active))))
    finally:
        await store.close()
    gc.collect()
    return rss_bytes()


def measure(stored: int, active: int) -> int:
    """RSS in bytes of a fresh process serving ``active`` members over ``stored`` stored interviews."""
    with tempfile.TemporaryDirectory(prefix="oa-memory-") as tmp:
        path = Path(tmp) / "advisor.db"
        fill(path, stored)
        finished = subprocess.run(
            [sys.executable, "-m", "benchmarks.memory", "--serve", str(path), "--active", str(active)],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(json.loads(finished.stdout)["rss_bytes"])


def run(*, repeats: int = 3, small: int = 1_000, large: int = 100_000, active: int = 1_000) -> dict[str, Any]:
    rss: dict[int, list[int]] = {small: [], large: []}
    for _ in range(repeats):
        for stored in (small, large):
            rss[stored].append(measure(stored, active))
    small_rss, large_rss = median(rss[small]), median(rss[large])
    return {
        "active": active,
        "rss_mib": {str(small): small_rss / 2**20, str(large): large_rss / 2**20},
        "ratio_large_to_small": large_rss / small_rss,
        "goal": "within 10% (ratio 0.9 to 1.1)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", type=Path, help="serve members over this database and print RSS")
    parser.add_argument("--active", type=int, default=1_000)
    args = parser.parse_args()
    if args.serve:
        print(json.dumps({"rss_bytes": asyncio.run(_serve(args.serve, args.active))}))
    else:
        print(json.dumps(run(repeats=1), indent=2))


if __name__ == "__main__":
    main()
