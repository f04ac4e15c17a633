"""What the SQLite store does beyond the storage contract (tests/storage/test_store_contract.py):
WAL, its migrations, clear errors for a bad file, and group commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from dialogs.engine import DialogEngine
from dialogs.session import Session
from storage.keys import SessionKey
from storage.migrations import Migration, bundled_migrations, migrate
from storage.protocol import StaleVersionError, StoreSchemaError, StoreUnavailableError
from storage.sqlite import SQLiteStore

ENGINE = DialogEngine()
ALICE = SessionKey.for_guild(111, 999)
BOB = SessionKey.for_guild(222, 999)


def advanced(answers: list[str]) -> Session:
    session = ENGINE.new_session()
    for answer in answers:
        session = ENGINE.answer(session, answer).session
    return session


async def test_database_uses_wal_and_the_latest_schema(store: SQLiteStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(bundled_migrations())
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "results"} <= tables


async def test_newer_schema_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreSchemaError, match="upgrade offering-advisor"):
        await SQLiteStore.open(db_path)
    with sqlite3.connect(db_path) as raw:
        # Refused before anything was written: not even the journal mode changed.
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 99


async def test_migrations_apply_in_one_transaction(db_path: Path) -> None:
    good = Migration(1, "0001_good.sql", "CREATE TABLE kept (id INTEGER);")
    bad = Migration(2, "0002_bad.sql", "CREATE TABLE also (id INTEGER);\nINSERT INTO missing VALUES (1);")
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(db, [good, bad])
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
        assert raw.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] == 0


def test_migration_scripts_split_into_statements() -> None:
    statements = bundled_migrations()[0].statements()
    assert statements[0].lstrip("- \n").startswith(("Active", "CREATE"))
    assert all(sqlite3.complete_statement(statement) for statement in statements)
    assert sum(statement.count("CREATE TABLE") for statement in statements) == 2


async def test_unwritable_path_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailableError, match="a-file is a file, not a folder"):
        await SQLiteStore.open(blocker / "advisor.db")


async def test_garbage_file_gives_a_clear_error(db_path: Path) -> None:
    db_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailableError, match="not a readable offering-advisor database"):
        await SQLiteStore.open(db_path)


async def test_unreadable_stored_session_is_reported_not_crashed(store: SQLiteStore, db_path: Path) -> None:
    await store.save(ALICE, advanced([]), expected_version=0)
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE sessions SET data = ?", ('{"schema_version": 99}',))
    with pytest.raises(StoreSchemaError, match="cannot be read"):
        await store.load(ALICE)


async def test_migration_0004_backfills_the_last_versions_it_can_know(db_path: Path) -> None:
    """A database from before 0004: the live interview's version is known exactly; an
    ended one gets the steps it reached, a bound that never exceeds its last version."""
    async with aiosqlite.connect(db_path, isolation_level=None) as db:
        await migrate(db, bundled_migrations()[:3])
    now = "2026-01-01T00:00:00.000000+00:00"
    with sqlite3.connect(db_path) as raw:
        raw.execute(
            "INSERT INTO interviews (id, user_id, scope, dialog, started_at, ended_at, outcome) "
            "VALUES (1, ?, ?, ?, ?, ?, 'cancelled')",
            (BOB.user_id, BOB.scope, BOB.dialog, now, now),
        )
        raw.executemany(
            "INSERT INTO interview_steps (interview_id, step_id, reached_at) VALUES (1, ?, ?)",
            [("stage", now), ("offering_kind", now), ("effort", now)],
        )
        raw.execute(
            "INSERT INTO interviews (id, user_id, scope, dialog, started_at) VALUES (2, ?, ?, ?, ?)",
            (ALICE.user_id, ALICE.scope, ALICE.dialog, now),
        )
        raw.execute(
            "INSERT INTO sessions (user_id, scope, dialog, version, data, created_at, updated_at, "
            "interview_id) VALUES (?, ?, ?, 7, ?, ?, ?, 2)",
            (ALICE.user_id, ALICE.scope, ALICE.dialog, advanced(["1"]).model_dump_json(), now, now),
        )
    async with await SQLiteStore.open(db_path) as store:
        await store.discard(ALICE, expected_version=7)
        assert await store.save(ALICE, advanced([]), expected_version=0) == 8
        assert await store.save(BOB, advanced([]), expected_version=0) == 4


async def test_concurrent_saves_share_commits_and_a_stale_one_fails_alone(store: SQLiteStore) -> None:
    keys = [SessionKey.for_guild(500 + i, 9) for i in range(50)]
    first = advanced(["established"])
    for key in keys:
        await store.save(key, first, expected_version=0)
    transactions, writes = store.commit_stats
    later = advanced(["established", "established"])
    stale_key = keys[0]

    async def save(key: SessionKey) -> int:
        return await store.save(key, later, expected_version=1)

    results = await asyncio.gather(
        *(save(key) for key in keys), store.save(stale_key, later, expected_version=1), return_exceptions=True
    )
    # The same member's second save with the same base version is refused; everyone else is saved.
    assert [type(r) for r in results[:-1]] == [int] * len(keys)
    assert isinstance(results[-1], StaleVersionError)
    for key in keys:
        loaded = await store.load(key)
        assert loaded is not None and loaded.version == 2 and loaded.session == later
    more_transactions, more_writes = store.commit_stats
    assert more_writes - writes == len(keys)  # the refused one is not counted as written
    assert more_transactions - transactions < len(keys) // 5  # waiting saves shared commits
