"""Section 7: the PostgreSQL store's saves, beside the SQLite store's and its own baseline.

A throwaway PostgreSQL server is started for the run (``scripts/throwaway_postgres.py``,
durable: ``fsync`` and ``full_page_writes`` on, so it is a real database on a real disk)
and stopped at the end, also on error. Its benchmark database is then set to
``synchronous_commit = off``, the nearest PostgreSQL has to the SQLite store's
``synchronous=NORMAL`` in WAL: a commit is acknowledged before its WAL is flushed, so
neither waits for the disk; a crashed bot process loses nothing acknowledged, and an OS
crash or a power cut can lose the last commits, never corrupt the database. One
difference: SQLite has handed a commit to the OS before acknowledging it, while
PostgreSQL may still hold it in its own WAL buffers, which its WAL writer writes out
every ``wal_writer_delay`` (200 ms); so a crash of the PostgreSQL server itself can also
lose the saves of at most the last 3 x ``wal_writer_delay`` (the PostgreSQL manual,
"Asynchronous Commit"). Without a server (no binaries, no user to run it as) the section
is skipped with the reason.

Every figure is the median of ``repeats`` runs, each contender measured fresh (emptied
tables, a CHECKPOINT first) and in turn, so a noisy neighbour hurts them alike:

* at 1, 10, 100 and 1,000 concurrent members, the same workload as section 2
  (``durable_writes.store_writes_per_second``): each member's session is created, then
  every member makes ``total_writes / members`` version-checked saves of a real
  session, one after the other, all members at once. Measured for ``SQLiteStore.save``,
  ``PostgresStore.save`` (one ``UPDATE ... RETURNING`` with its progress trigger, JSON
  encoding of the session included), and the baseline;
* the baseline is raw asyncpg, the least code that does the same correctly: a pool of
  the store's size as ``asyncpg.create_pool`` makes it (which resets each connection
  handed back, a second round trip per save that the store's pool skips), each save
  one autocommitted ``UPDATE sessions SET version = version + 1, data = $4 WHERE <key>
  AND version = $5`` on a plain table with the same columns and primary key (no
  triggers, no other index), of the session's JSON encoded once beforehand, checking
  that it changed one row;
* p50 and p99 of one save (await to answer) at 10 and 1,000 members, for both stores,
  timed during those same runs: every member saves again as soon as the last answered,
  so these are latencies at full load, where the queue is as long as the members;
* two processes: 1,000 members' saves made by one OS process, then by two (500 members
  each, started together), each process with its own store: PostgresStore on the same
  database, or SQLiteStore on the same file (WAL, 5 s busy timeout, so SQLite's one
  writer at a time). Saves per second from the first process's start to the last one's
  finish; a save refused as busy is counted as failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from benchmarks.durable_writes import sample_session
from benchmarks.measure import median, percentile
from dialogs.session import Session
from storage.clock import utc_now
from storage.keys import SessionKey
from storage.postgres import POOL_MAX_SIZE, PostgresStore
from storage.protocol import SessionStore, StoreError
from storage.sqlite import SQLiteStore
from tests.postgres import load_throwaway_postgres

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "bench"
LEVELS = (1, 10, 100, 1000)
LATENCY_LEVELS = (10, 1000)
PROCESS_COUNTS = (1, 2)
GOAL_RATIO_AT_1000 = 0.8
# The contenders, as the JSON names them.
SQLITE = "sqlite_store"
POSTGRES = "postgres_store"
RAW = "postgres_raw_asyncpg"
CONNECT_TIMEOUT_SECONDS = 10
WORKER_TIMEOUT_SECONDS = 300
# The store's tables a save writes, emptied before each measurement.
STORE_TABLES = "sessions, interview_steps, interviews"
RAW_TABLE = "raw_baseline.sessions"
RAW_SCHEMA_SQL = f"""
DROP SCHEMA IF EXISTS raw_baseline CASCADE;
CREATE SCHEMA raw_baseline;
CREATE TABLE {RAW_TABLE} (
    user_id        text        NOT NULL,
    scope          text        NOT NULL,
    dialog         text        NOT NULL,
    version        integer     NOT NULL,
    data           json        NOT NULL,
    step           text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    interview_id   bigint,
    expired_at     timestamptz,
    expiry_noticed boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, scope, dialog)
);
"""
RAW_INSERT = (
    f"INSERT INTO {RAW_TABLE} (user_id, scope, dialog, version, data, step, created_at, updated_at) "
    "VALUES ($1, $2, $3, 1, $4, $5, $6, $6)"
)
RAW_UPDATE = (
    f"UPDATE {RAW_TABLE} SET version = version + 1, data = $4 "
    "WHERE user_id = $1 AND scope = $2 AND dialog = $3 AND version = $5"
)
SERVER_SETTINGS = (
    "server_version",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_sync_method",
    "shared_buffers",
    "max_connections",
    "wal_writer_delay",
)
DURABILITY = (
    "fsync on, synchronous_commit off (as SQLite WAL with synchronous=NORMAL): a crashed bot process "
    "loses no acknowledged save, an OS crash or power cut can lose the last ones, never corrupt; "
    "unlike SQLite, a crash of the PostgreSQL server itself can also lose the last 3 x wal_writer_delay"
)


@dataclass
class Timed:
    """Saves per second over a run, and how long each save took (seconds)."""

    per_second: float
    latencies: list[float] = field(default_factory=list)
    failed: int = 0


def _keys(members: int, first: int = 0) -> list[SessionKey]:
    return [SessionKey.for_guild(1000 + first + i, 42) for i in range(members)]


def _writes_each(members: int, total: int) -> int:
    return max(2, total // members)


async def _drive(members: int, writes_each: int, write: Callable[[int], Awaitable[None]]) -> Timed:
    """Section 2's load (``durable_writes._drive``), with each write timed: every member
    awaits its own writes one after the other, all members at once."""
    latencies: list[float] = []
    clock = time.perf_counter

    async def member(index: int) -> None:
        for _ in range(writes_each):
            began = clock()
            await write(index)
            latencies.append(clock() - began)

    started = clock()
    await asyncio.gather(*(member(i) for i in range(members)))
    return Timed(members * writes_each / (clock() - started), latencies)


async def _create_sessions(store: SessionStore, keys: list[SessionKey], session: Session) -> list[int]:
    return list(await asyncio.gather(*(store.save(key, session, expected_version=0) for key in keys)))


async def store_saves(store: SessionStore, members: int, writes_each: int, session: Session) -> Timed:
    """``store.save`` with ``members`` concurrent members, each session created first."""
    keys = _keys(members)
    versions = await _create_sessions(store, keys, session)

    async def write(index: int) -> None:
        versions[index] = await store.save(keys[index], session, expected_version=versions[index])

    return await _drive(members, writes_each, write)


async def raw_saves(url: str, members: int, writes_each: int, data: str, step: str | None) -> Timed:
    """The baseline: raw asyncpg version-checked updates, a pool of the store's size."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=POOL_MAX_SIZE)
    try:
        keys = [(key.user_id, key.scope, key.dialog) for key in _keys(members)]
        now = utc_now()
        await asyncio.gather(*(pool.execute(RAW_INSERT, *key, data, step, now) for key in keys))
        versions = [1] * members

        async def write(index: int) -> None:
            status = await pool.execute(RAW_UPDATE, *keys[index], data, versions[index])
            if status != "UPDATE 1":
                raise RuntimeError(f"raw update of {keys[index]} at {versions[index]} changed nothing")
            versions[index] += 1

        return await _drive(members, writes_each, write)
    finally:
        await pool.close()


# --- the throwaway server -----------------------------------------------------------------


class Unavailable(RuntimeError):
    """No PostgreSQL server for the section; the message is one line."""


def _database_url(server_url: str, database: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{database}"))


@asynccontextmanager
async def throwaway_server() -> AsyncIterator[str]:
    """A durable throwaway server with a benchmark database at synchronous_commit off;
    yields that database's URL, and stops the server (and removes its folder) on exit."""
    throwaway = load_throwaway_postgres()
    # Not a folder under a private parent: as root the server runs as user postgres.
    base = Path(tempfile.mkdtemp(prefix="oa-bench-pg-"))
    try:
        server = throwaway.start(base, durable=True)
    except (throwaway.PostgresUnavailable, OSError) as error:
        shutil.rmtree(base, ignore_errors=True)
        raise Unavailable(" ".join(str(error).split())) from None
    try:
        admin = await asyncpg.connect(server.url, timeout=CONNECT_TIMEOUT_SECONDS)
        try:
            await admin.execute(f"CREATE DATABASE {BENCH_DATABASE}")
            # New connections to the database (every pool below, the worker processes')
            # start with it; the server keeps fsync and full_page_writes on.
            await admin.execute(f"ALTER DATABASE {BENCH_DATABASE} SET synchronous_commit = off")
        finally:
            await admin.close()
        yield _database_url(str(server.url), BENCH_DATABASE)
    finally:
        throwaway.stop(server.data_dir)
        # Not reached if stop fails: the folder is left for its server.log.
        shutil.rmtree(base, ignore_errors=True)


async def server_settings(url: str) -> dict[str, str]:
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        return {name: str(await connection.fetchval(f"SHOW {name}")) for name in SERVER_SETTINGS}
    finally:
        await connection.close()


async def _fresh(url: str) -> None:
    """Empty tables and a checkpoint: every measurement starts from the same state."""
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(f"TRUNCATE {STORE_TABLES} RESTART IDENTITY")
        await connection.execute(RAW_SCHEMA_SQL)
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


# --- several processes --------------------------------------------------------------------


async def _worker(kind: str, target: str, first: int, members: int, writes_each: int) -> dict[str, Any]:
    """One of the processes: create its members' sessions, say ready, wait for go, save."""
    store: SessionStore
    store = await (PostgresStore.open(target) if kind == "postgres" else SQLiteStore.open(target))
    try:
        session = sample_session()
        keys = _keys(members, first)
        versions = await _create_sessions(store, keys, session)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        failed = 0

        async def member(index: int) -> None:
            nonlocal failed
            for _ in range(writes_each):
                try:
                    versions[index] = await store.save(keys[index], session, expected_version=versions[index])
                except StoreError:  # busy past the timeout: nothing was written
                    failed += 1

        started = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process
        await asyncio.gather(*(member(i) for i in range(members)))
        ended = time.monotonic()
    finally:
        await store.close()
    return {"started": started, "ended": ended, "saves": members * writes_each - failed, "failed": failed}


async def processes_saves(kind: str, target: str, members: int, writes_each: int, processes: int) -> Timed:
    """Saves per second of ``processes`` OS processes sharing ``members`` between them,
    from the first start to the last finish."""
    share = members // processes
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.postgres_writes",
            "--worker",
            kind,
            target,
            "--first",
            str(n * share),
            "--members",
            str(share),
            "--writes-each",
            str(writes_each),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for n in range(processes)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), WORKER_TIMEOUT_SECONDS)
            if line.strip() != b"ready":
                _, err = await worker.communicate()
                raise RuntimeError(f"{kind} worker did not start: {_last_line(err)}")
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(b"go\n")
        for worker in workers:
            assert worker.stdin is not None
            await worker.stdin.drain()
        reports = []
        for worker in workers:
            out, err = await asyncio.wait_for(worker.communicate(), WORKER_TIMEOUT_SECONDS)
            if worker.returncode:
                raise RuntimeError(f"{kind} worker failed: {_last_line(err)}")
            reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    span = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    return Timed(sum(r["saves"] for r in reports) / span, failed=sum(r["failed"] for r in reports))


def _last_line(err: bytes) -> str:
    lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


# --- the section --------------------------------------------------------------------------


async def _measure(
    url: str,
    folder: Path,
    *,
    repeats: int,
    levels: tuple[int, ...],
    total_writes: int,
    process_writes: int,
) -> dict[str, Any]:
    session = sample_session()
    data = session.model_dump_json()
    rates: dict[tuple[str, int], list[float]] = {}
    p50: dict[tuple[str, int], list[float]] = {}
    p99: dict[tuple[str, int], list[float]] = {}
    samples: dict[tuple[str, int], int] = {}
    failed: dict[str, int] = {}
    top = max(levels)
    in_processes = _writes_each(top, process_writes)
    await (await PostgresStore.open(url)).close()  # the schema, migrated once

    def note(kind: str, members: int, timed: Timed) -> None:
        rates.setdefault((kind, members), []).append(timed.per_second)
        if members in LATENCY_LEVELS and timed.latencies:
            p50.setdefault((kind, members), []).append(percentile(timed.latencies, 0.50) * 1000)
            p99.setdefault((kind, members), []).append(percentile(timed.latencies, 0.99) * 1000)
            samples[(kind, members)] = samples.get((kind, members), 0) + len(timed.latencies)
        failed[kind] = failed.get(kind, 0) + timed.failed

    for repeat in range(repeats):
        run_folder = folder / str(repeat)
        run_folder.mkdir()
        # Interleaved, so a noisy neighbour hurts every contender alike.
        for members in levels:
            each = _writes_each(members, total_writes)
            await _fresh(url)
            store = await PostgresStore.open(url)
            try:
                note(POSTGRES, members, await store_saves(store, members, each, session))
            finally:
                await store.close()
            await _fresh(url)
            note(RAW, members, await raw_saves(url, members, each, data, session.current))
            lite = await SQLiteStore.open(run_folder / f"store-{members}.db")
            try:
                note(SQLITE, members, await store_saves(lite, members, each, session))
            finally:
                await lite.close()
        # The same members and saves in one process and then split between two; each
        # process its own store (its own pool, or its own connection to the one file).
        for processes in PROCESS_COUNTS:
            await _fresh(url)
            timed = await processes_saves("postgres", url, top, in_processes, processes)
            note(f"{POSTGRES}_in_{processes}", top, timed)
            shared = run_folder / f"shared-{processes}.db"
            await (await SQLiteStore.open(shared)).close()  # migrated before the processes start
            timed = await processes_saves("sqlite", str(shared), top, in_processes, processes)
            note(f"{SQLITE}_in_{processes}", top, timed)

    rate = {key: median(values) for key, values in rates.items()}
    one, two = PROCESS_COUNTS
    across: dict[str, Any] = {"members": top, "saves_each": in_processes}
    for kind in (POSTGRES, SQLITE):
        across[kind] = {f"{n}_process_saves_per_s": rate[(f"{kind}_in_{n}", top)] for n in PROCESS_COUNTS}
        across[kind][f"ratio_{two}_to_{one}"] = (
            rate[(f"{kind}_in_{two}", top)] / rate[(f"{kind}_in_{one}", top)]
        )
        across[kind]["failed_saves"] = sum(failed.get(f"{kind}_in_{n}", 0) for n in PROCESS_COUNTS)
    return {
        "levels": {
            str(m): {f"{kind}_saves_per_s": rate[(kind, m)] for kind in (SQLITE, POSTGRES, RAW)}
            | {
                f"{POSTGRES}_ratio_to_raw": rate[(POSTGRES, m)] / rate[(RAW, m)],
                f"{POSTGRES}_ratio_to_{SQLITE}": rate[(POSTGRES, m)] / rate[(SQLITE, m)],
            }
            for m in levels
        },
        "latency_under_full_load": {
            str(m): {
                f"{kind}_{name}_ms": median(figures[(kind, m)])
                for kind in (SQLITE, POSTGRES, RAW)
                for name, figures in (("p50", p50), ("p99", p99))
            }
            | {"saves_timed_each": samples[(POSTGRES, m)]}
            for m in LATENCY_LEVELS
            if m in levels
        },
        "processes": across,
    }


async def run(
    *,
    repeats: int = 3,
    levels: tuple[int, ...] = LEVELS,
    total_writes: int = 4000,
    process_writes: int | None = None,
) -> dict[str, Any]:
    """The section's figures, or ``{"skipped": reason}`` when no server can be started."""
    try:
        async with throwaway_server() as url, _folder() as folder:
            settings = await server_settings(url)
            figures = await _measure(
                url,
                folder,
                repeats=repeats,
                levels=levels,
                total_writes=total_writes,
                process_writes=process_writes or total_writes,
            )
    except Unavailable as error:
        return {"skipped": str(error)}
    return {
        "server": settings | {"durability": DURABILITY},
        "pool_max_size": POOL_MAX_SIZE,
        "total_writes": total_writes,
        "row_bytes": len(sample_session().model_dump_json().encode()),
        **figures,
        "goal_postgres_store_ratio_to_raw_at_1000": GOAL_RATIO_AT_1000,
    }


@asynccontextmanager
async def _folder() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="oa-bench-") as tmp:
        yield Path(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "TARGET"), help="run as one of the processes")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--writes-each", type=int, default=4)
    args = parser.parse_args()
    if args.worker:
        kind, target = args.worker
        report = asyncio.run(_worker(kind, target, args.first, args.members, args.writes_each))
        print(json.dumps(report), flush=True)
    else:
        print(json.dumps(asyncio.run(run(repeats=1, levels=(1, 10, 1000), total_writes=1000)), indent=2))


if __name__ == "__main__":
    main()
