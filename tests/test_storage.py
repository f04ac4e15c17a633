from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
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


def finished_result() -> tuple[Session, object]:
    turn = ENGINE.start()
    while turn.result is None:
        turn = (
            ENGINE.answer(turn.session, "1")
            if turn.prompt and turn.prompt.kind != "text"
            else ENGINE.skip(turn.session)
        )
    return turn.session, turn.result


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_database_uses_wal_and_the_latest_schema(store: SQLiteStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(bundled_migrations())
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "results"} <= tables


async def test_reopening_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    async with await SQLiteStore.open(db_path) as first:
        await first.save(ALICE, advanced(["1"]), expected_version=0)
    async with await SQLiteStore.open(db_path) as second:
        stored = await second.load(ALICE)
    assert stored is not None
    assert stored.session.answers["stage"].options == ("starting",)


async def test_session_round_trip_and_versions(store: SQLiteStore) -> None:
    assert await store.load(ALICE) is None
    first = advanced(["2"])
    assert await store.save(ALICE, first, expected_version=0) == 1
    second = advanced(["2", "3"])
    assert await store.save(ALICE, second, expected_version=1) == 2
    stored = await store.load(ALICE)
    assert stored is not None
    assert stored.version == 2
    assert stored.session == second


async def test_stale_write_is_refused_and_changes_nothing(store: SQLiteStore) -> None:
    await store.save(ALICE, advanced(["2"]), expected_version=0)
    await store.save(ALICE, advanced(["2", "3"]), expected_version=1)
    with pytest.raises(StaleVersionError) as raised:
        await store.save(ALICE, advanced(["3"]), expected_version=1)
    assert raised.value.actual == 2
    stored = await store.load(ALICE)
    assert stored is not None and stored.session == advanced(["2", "3"])


async def test_creating_twice_is_refused(store: SQLiteStore) -> None:
    await store.save(ALICE, advanced([]), expected_version=0)
    with pytest.raises(StaleVersionError):
        await store.save(ALICE, advanced(["1"]), expected_version=0)


async def test_two_connections_racing_one_session_let_exactly_one_win(db_path: Path) -> None:
    async with await SQLiteStore.open(db_path) as one, await SQLiteStore.open(db_path) as two:
        await one.save(ALICE, advanced([]), expected_version=0)
        outcomes = await asyncio.gather(
            *(
                store.save(ALICE, advanced([str(n)]), expected_version=1)
                for n, store in ((1, one), (2, two), (3, one))
            ),
            return_exceptions=True,
        )
    assert sum(isinstance(outcome, int) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, StaleVersionError) for outcome in outcomes) == 2


async def test_complete_records_the_result_and_closes_the_session_together(store: SQLiteStore) -> None:
    session, result = finished_result()
    version = await store.save(ALICE, session, expected_version=0)
    with pytest.raises(StaleVersionError):
        await store.complete(ALICE, result, expected_version=version + 1)  # type: ignore[arg-type]
    assert await store.history(ALICE.user_id) == []
    assert await store.load(ALICE) is not None

    record = await store.complete(ALICE, result, expected_version=version)  # type: ignore[arg-type]
    assert await store.load(ALICE) is None
    history = await store.history(ALICE.user_id)
    assert [item.id for item in history] == [record.id]
    assert history[0].result == result


async def test_results_per_scope_and_since(db_path: Path) -> None:
    clock = Clock()
    async with await SQLiteStore.open(db_path, clock=clock) as store:
        session, result = finished_result()
        other_guild = SessionKey.for_guild(333, 555)
        for key in (ALICE, BOB, other_guild):
            await store.save(key, session, expected_version=0)
            await store.complete(key, result, expected_version=1)  # type: ignore[arg-type]
            clock.now += timedelta(days=1)
        in_guild = await store.results_for_scope("guild:999")
        assert {record.key.user_id for record in in_guild} == {"111", "222"}
        recent = await store.results_for_scope("guild:999", since=datetime(2026, 1, 1, 12, tzinfo=UTC))
        assert [record.key.user_id for record in recent] == ["222"]


async def test_export_and_forget_touch_only_that_member(store: SQLiteStore, db_path: Path) -> None:
    session, result = finished_result()
    for key in (ALICE, BOB):
        await store.save(key, session, expected_version=0)
        await store.complete(key, result, expected_version=1)  # type: ignore[arg-type]
        await store.save(key, advanced(["1"]), expected_version=0)
    dm = SessionKey.for_dm(ALICE.user_id)
    await store.save(dm, advanced(["3"]), expected_version=0)

    exported = await store.export_user(ALICE.user_id)
    assert exported["user_id"] == ALICE.user_id
    assert len(exported["results"]) == 1
    assert {item["scope"] for item in exported["sessions_in_progress"]} == {"guild:999", "dm"}

    assert await store.forget_user(ALICE.user_id) == 3
    with sqlite3.connect(db_path) as raw:
        for table in ("sessions", "results", "interviews"):
            count = raw.execute(
                f"SELECT count(*) FROM {table} WHERE user_id = ?", (ALICE.user_id,)
            ).fetchone()[0]
            assert count == 0, table
    assert (await store.export_user(ALICE.user_id))["results"] == []
    assert len((await store.export_user(BOB.user_id))["results"]) == 1


async def test_idle_sessions_expire_are_kept_for_the_grace_period_then_purged(db_path: Path) -> None:
    clock = Clock()
    async with await SQLiteStore.open(db_path, clock=clock) as store:
        await store.save(ALICE, advanced(["1"]), expected_version=0)
        clock.now += timedelta(days=3)
        await store.save(BOB, advanced(["1"]), expected_version=0)
        clock.now += timedelta(days=5)
        assert await store.expire_idle(timedelta(days=7)) == 1
        expired = await store.load(ALICE)
        assert expired is not None and expired.expired_at == clock.now
        bob = await store.load(BOB)
        assert bob is not None and bob.expired_at is None

        # The member is told once.
        assert await store.take_expiry_notice(ALICE) == clock.now
        assert await store.take_expiry_notice(ALICE) is None
        assert await store.take_expiry_notice(BOB) is None

        clock.now += timedelta(days=29)
        assert await store.purge_expired(timedelta(days=30)) == 0
        clock.now += timedelta(days=2)
        assert await store.purge_expired(timedelta(days=30)) == 1
        assert await store.load(ALICE) is None


async def test_a_place_can_keep_interviews_longer_or_shorter(db_path: Path) -> None:
    clock = Clock()
    async with await SQLiteStore.open(db_path, clock=clock) as store:
        patient = SessionKey.for_guild(1, 500)
        await store.save(ALICE, advanced(["1"]), expected_version=0)
        await store.save(patient, advanced(["1"]), expected_version=0)
        clock.now += timedelta(days=10)
        assert await store.expire_idle(timedelta(days=7), per_scope={"guild:500": timedelta(days=30)}) == 1
        alice, kept = await store.load(ALICE), await store.load(patient)
        assert alice is not None and alice.expired_at is not None
        assert kept is not None and kept.expired_at is None


async def test_progress_is_counted_without_keeping_answers(store: SQLiteStore, db_path: Path) -> None:
    session = ENGINE.new_session()
    version = await store.save(ALICE, session, expected_version=0)
    for answer in ["1", "1", "1"]:
        session = ENGINE.answer(session, answer).session
        version = await store.save(ALICE, session, expected_version=version)
    await store.discard(ALICE, expected_version=version, reason="cancelled")
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT outcome, last_step FROM interviews").fetchall() == [
            ("cancelled", "extra_help")
        ]
        steps = [row[0] for row in raw.execute("SELECT step_id FROM interview_steps ORDER BY reached_at")]
    assert steps == ["stage", "offering_kind", "effort", "extra_help"]


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


async def test_a_new_interview_starts_above_every_version_of_the_keys_earlier_ones(
    store: SQLiteStore,
) -> None:
    """Versions never repeat across a key's interviews, so an old message's button
    (whose custom_id names a version) can never match a newer interview."""
    seen: list[int] = []

    async def advance(version: int, answers: list[str]) -> int:
        for n in range(1, len(answers) + 1):
            version = await store.save(ALICE, advanced(answers[:n]), expected_version=version)
            seen.append(version)
        return version

    first = await store.save(ALICE, advanced([]), expected_version=0)
    assert first == 1  # a key's first interview still starts at 1
    seen.append(first)
    version = await advance(first, ["1", "1"])
    await store.discard(ALICE, expected_version=version, reason="cancelled")

    version = await store.save(ALICE, advanced([]), expected_version=0)
    assert version > max(seen)
    seen.append(version)
    version = await advance(version, ["2"])
    await store.discard(ALICE, expected_version=version, reason="restarted")

    version = await store.save(ALICE, advanced([]), expected_version=0)
    assert version > max(seen)
    seen.append(version)
    session, result = finished_result()
    version = await store.save(ALICE, session, expected_version=version)
    seen.append(version)
    await store.complete(ALICE, result, expected_version=version)  # type: ignore[arg-type]

    again = await store.save(ALICE, advanced([]), expected_version=0)
    assert again > max(seen)
    stored = await store.load(ALICE)
    assert stored is not None and stored.version == again
    assert len(seen) == len(set(seen))
    # Other keys, even the same member elsewhere, keep their own count.
    assert await store.save(BOB, advanced([]), expected_version=0) == 1
    assert await store.save(SessionKey.for_dm(ALICE.user_id), advanced([]), expected_version=0) == 1


async def test_an_expired_and_purged_interview_still_counts_for_the_next_version(db_path: Path) -> None:
    clock = Clock()
    async with await SQLiteStore.open(db_path, clock=clock) as store:
        version = await store.save(ALICE, advanced([]), expected_version=0)
        version = await store.save(ALICE, advanced(["1"]), expected_version=version)
        clock.now += timedelta(days=8)
        assert await store.expire_idle(timedelta(days=7)) == 1
        clock.now += timedelta(days=31)
        assert await store.purge_expired(timedelta(days=30)) == 1
        assert await store.save(ALICE, advanced([]), expected_version=0) == version + 1


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
