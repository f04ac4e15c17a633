"""Sections 1 and 2: the durable-write limit of aiosqlite, and the store held to it.

Section 1 is the baseline: raw aiosqlite upserts of a session-sized row, each one
committed before its writer goes on, on the same pragmas as the store (WAL,
synchronous=NORMAL). It is measured with one commit per write and with group commit
(every write waiting while a transaction commits joins the next one), at 1 and at
1,000 concurrent writers.

Section 2 is ``SQLiteStore.save`` (a version-checked write of a real session, with its
progress triggers) at 1, 100 and 1,000 concurrent members, and its ratio to the
group-commit baseline at the same concurrency.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite

from benchmarks.measure import median
from dialogs.engine import DialogEngine
from dialogs.session import Session
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore

UPSERT = (
    "INSERT INTO bench (id, version, data) VALUES (?, 1, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = version + 1, data = excluded.data"
)


def sample_session() -> Session:
    """A session part-way through the interview, as the bot stores it."""
    engine = DialogEngine()
    turn = engine.start()
    for _ in range(8):
        assert turn.prompt is not None
        turn = engine.answer(turn.session, [turn.prompt.options[0].id])
    return turn.session


class _RawGroupCommit:
    """The least code that gives aiosqlite group commit: queued upserts share a transaction."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._pending: list[tuple[tuple[str, str], asyncio.Future[None]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def upsert(self, params: tuple[str, str]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((params, done))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            await self._db.execute("BEGIN IMMEDIATE")
            for params, _ in batch:
                await self._db.execute(UPSERT, params)
            await self._db.execute("COMMIT")
            for _, done in batch:
                done.set_result(None)


async def _open_raw(path: Path) -> aiosqlite.Connection:
    db = await aiosqlite.connect(path, isolation_level=None)
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute("PRAGMA synchronous = NORMAL")
    await db.execute("CREATE TABLE bench (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL)")
    return db


async def _drive(writers: int, writes_each: int, write: Callable[[int], Awaitable[None]]) -> float:
    """Writes per second with ``writers`` concurrent writers, each awaiting its own writes in turn."""

    async def writer(index: int) -> None:
        for _ in range(writes_each):
            await write(index)

    started = time.perf_counter()
    await asyncio.gather(*(writer(i) for i in range(writers)))
    return writers * writes_each / (time.perf_counter() - started)


async def raw_writes_per_second(
    folder: Path, writers: int, writes_each: int, data: str, *, group: bool
) -> float:
    path = folder / f"raw-{writers}-{group}.db"
    db = await _open_raw(path)
    try:
        if group:
            committer = _RawGroupCommit(db)

            async def write(index: int) -> None:
                await committer.upsert((f"member-{index}", data))
        else:

            async def write(index: int) -> None:
                await db.execute(UPSERT, (f"member-{index}", data))  # autocommit: one commit each

        return await _drive(writers, writes_each, write)
    finally:
        await db.close()


async def store_writes_per_second(folder: Path, members: int, writes_each: int, session: Session) -> float:
    path = folder / f"store-{members}.db"
    store = await SQLiteStore.open(path)
    try:
        keys = [SessionKey.for_guild(1000 + i, 42) for i in range(members)]
        versions = dict.fromkeys(keys, 0)
        await asyncio.gather(*(_create(store, key, session, versions) for key in keys))

        async def write(index: int) -> None:
            key = keys[index]
            versions[key] = await store.save(key, session, expected_version=versions[key])

        return await _drive(members, writes_each, write)
    finally:
        await store.close()


async def _create(
    store: SQLiteStore, key: SessionKey, session: Session, versions: dict[SessionKey, int]
) -> None:
    versions[key] = await store.save(key, session, expected_version=0)


def _writes_each(concurrency: int, total: int) -> int:
    return max(2, total // concurrency)


async def run(*, repeats: int = 5, total_writes: int = 4000) -> dict[str, Any]:
    session = sample_session()
    data = session.model_dump_json()
    raw: dict[str, list[float]] = {}
    store: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="oa-bench-") as tmp:
        folder = Path(tmp)
        for repeat in range(repeats):
            run_folder = folder / str(repeat)
            run_folder.mkdir()
            # Interleaved, so a noisy neighbour hurts every contender alike.
            for writers in (1, 1000):
                for group in (False, True):
                    figure = await raw_writes_per_second(
                        run_folder, writers, _writes_each(writers, total_writes), data, group=group
                    )
                    raw.setdefault(f"{writers}:{'group' if group else 'each'}", []).append(figure)
            for members in (1, 100, 1000):
                figure = await store_writes_per_second(
                    run_folder, members, _writes_each(members, total_writes), session
                )
                store.setdefault(members, []).append(figure)
    raw_median = {name: median(values) for name, values in raw.items()}
    store_median = {members: median(values) for members, values in store.items()}
    return {
        "row_bytes": len(data.encode()),
        "raw_writes_per_s": raw_median,
        "store_writes_per_s": {str(m): v for m, v in store_median.items()},
        "store_ratio_to_group_commit": {
            "1": store_median[1] / raw_median["1:group"],
            "1000": store_median[1000] / raw_median["1000:group"],
        },
        "goal_ratio_at_1000": 0.8,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run(repeats=3)), indent=2))
