"""What the PostgreSQL store does beyond the storage contract (tests/storage/test_store_contract.py):
its own migrations, clear errors, and recovering from a lost connection. Every test talks
to a real server (tests/postgres.py)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import asyncpg
import pytest

from advisor.settings import Settings
from dialogs.engine import DialogEngine
from storage.factory import DatabaseTarget, parse_database_url
from storage.keys import SessionKey
from storage.migrations import Migration, bundled_migrations
from storage.postgres import MIGRATIONS_TABLE, PostgresStore, migrate_postgres
from storage.protocol import StoreError, StoreSchemaError, StoreUnavailableError
from storage.urls import redact_url

ENGINE = DialogEngine()
ALICE = SessionKey.for_guild(111, 999)


async def tables(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    finally:
        await connection.close()
    return {row[0] for row in rows}


async def test_a_new_database_is_migrated_and_the_versions_recorded(postgres_url: str) -> None:
    async with await PostgresStore.open(postgres_url):
        pass
    async with await PostgresStore.open(postgres_url):  # a second start applies nothing again
        pass
    connection = await asyncpg.connect(postgres_url)
    try:
        recorded = await connection.fetch(f"SELECT version, name FROM {MIGRATIONS_TABLE} ORDER BY version")
    finally:
        await connection.close()
    assert [(row[0], row[1]) for row in recorded] == [
        (m.version, m.name) for m in bundled_migrations("pg_schema")
    ]
    assert {
        "sessions",
        "results",
        "interviews",
        "interview_steps",
        "guild_settings",
        "task_leases",
    } <= await tables(postgres_url)


async def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(postgres_url) for _ in range(4)))
    for store in stores:
        await store.close()
    connection = await asyncpg.connect(postgres_url)
    try:
        count = await connection.fetchval(f"SELECT count(*) FROM {MIGRATIONS_TABLE}")
    finally:
        await connection.close()
    assert count == len(bundled_migrations("pg_schema"))


async def test_a_database_from_a_newer_release_is_refused_untouched(postgres_url: str) -> None:
    connection = await asyncpg.connect(postgres_url)
    try:
        await connection.execute(f"CREATE TABLE {MIGRATIONS_TABLE} (version integer PRIMARY KEY, name text)")
        await connection.execute(f"INSERT INTO {MIGRATIONS_TABLE} VALUES (99, '0099_future.sql')")
    finally:
        await connection.close()
    with pytest.raises(StoreSchemaError, match="upgrade offering-advisor"):
        await PostgresStore.open(postgres_url)
    assert await tables(postgres_url) == {MIGRATIONS_TABLE}


async def test_a_failing_migration_leaves_nothing_behind(postgres_url: str) -> None:
    good = Migration(1, "0001_good.sql", "CREATE TABLE kept (id integer);")
    bad = Migration(2, "0002_bad.sql", "CREATE TABLE also (id integer); INSERT INTO missing VALUES (1);")
    connection = await asyncpg.connect(postgres_url)
    try:
        with pytest.raises(asyncpg.UndefinedTableError):
            await migrate_postgres(connection, [good, bad])
    finally:
        await connection.close()
    assert await tables(postgres_url) == set()


async def test_an_unreachable_server_is_one_clear_line_without_the_password() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreUnavailableError) as raised:
        await PostgresStore.open(f"postgresql://advisor:s3cret-pw@127.0.0.1:{port}/postgres")
    message = str(raised.value)
    assert f"cannot reach PostgreSQL at 127.0.0.1:{port}/postgres" in message
    assert "s3cret-pw" not in message and "\n" not in message


async def test_a_missing_database_is_named(postgres_server_url: str) -> None:
    url = postgres_server_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(StoreUnavailableError, match="no such database"):
        await PostgresStore.open(url)


async def test_an_unreadable_stored_session_is_reported_not_crashed(postgres_url: str) -> None:
    async with await PostgresStore.open(postgres_url) as store:
        await store.save(ALICE, ENGINE.new_session(), expected_version=0)
        connection = await asyncpg.connect(postgres_url)
        try:
            await connection.execute("UPDATE sessions SET data = '{\"schema_version\": 99}'")
        finally:
            await connection.close()
        with pytest.raises(StoreSchemaError, match="cannot be read"):
            await store.load(ALICE)


async def test_a_lost_connection_fails_one_call_and_the_next_reconnects(postgres_url: str) -> None:
    async with await PostgresStore.open(postgres_url) as store:
        await store.save(ALICE, ENGINE.new_session(), expected_version=0)
        admin = await asyncpg.connect(postgres_url)
        try:
            # The server ends every other connection, as a restart or failover would.
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database()"
            )
        finally:
            await admin.close()
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(await store.load(ALICE))
            except StoreError as error:
                assert "\n" not in str(error)
                outcomes.append(None)
        assert outcomes[-1] is not None and outcomes[-1].version == 1


# --- choosing a backend by URL ------------------------------------------------------------


def test_database_urls_name_a_backend(tmp_path: Path) -> None:
    assert parse_database_url("sqlite:///data/advisor.db") == DatabaseTarget(
        "sqlite", path=Path("data/advisor.db")
    )
    assert parse_database_url(f"sqlite:///{tmp_path}/a.db").path == tmp_path / "a.db"
    assert parse_database_url("./advisor.db") == DatabaseTarget("sqlite", path=Path("advisor.db"))
    url = "postgresql://bot:pw@db.internal:5432/advisor"
    assert parse_database_url(url) == DatabaseTarget("postgresql", url=url)
    assert parse_database_url("postgres://db/advisor").backend == "postgresql"
    assert str(parse_database_url(url)) == "postgresql://bot:***@db.internal:5432/advisor"


@pytest.mark.parametrize("url", ["mysql://bot:pw@db/advisor", "sqlite://advisor.db", "  "])
def test_an_unusable_database_url_says_what_to_write(url: str) -> None:
    with pytest.raises(StoreUnavailableError) as raised:
        parse_database_url(url)
    assert "sqlite:///" in str(raised.value)
    assert "pw" not in str(raised.value).replace("postgresql", "")


def test_database_url_wins_over_database_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "file.db"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings().database() == DatabaseTarget("sqlite", path=tmp_path / "file.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:pw@db/advisor")
    settings = Settings()
    assert settings.database().backend == "postgresql"
    assert "pw" not in repr(settings)


def test_redacted_keeps_everything_but_the_password() -> None:
    assert redact_url("postgresql://bot:p%40ss@db:5432/advisor?sslmode=require") == (
        "postgresql://bot:***@db:5432/advisor?sslmode=require"
    )
    assert redact_url("postgresql://db/advisor") == "postgresql://db/advisor"
