"""storage/tables.py describes every table; these tests hold it to the schema each
backend's migrations really build, so a migration that adds or drops a table or a column,
or changes a key, fails here until the description says the same."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import asyncpg

from storage.migrations import Migration, bundled_migrations, migrate
from storage.postgres import MIGRATIONS_TABLE, migrate_postgres
from storage.sqlite import SQLiteStore
from storage.tables import TABLES, Kind

# The column types each kind of value is declared with, per backend.
SQLITE_TYPES: Mapping[Kind, set[str]] = {
    "text": {"TEXT"},
    "int": {"INTEGER"},
    "float": {"REAL"},
    "bool": {"INTEGER"},
    "time": {"TEXT"},
    "json": {"TEXT"},
    "snowflake": {"TEXT"},
}
POSTGRES_TYPES: Mapping[Kind, set[str]] = {
    "text": {"text"},
    "int": {"integer", "bigint"},
    "float": {"double precision"},
    "bool": {"boolean"},
    "time": {"timestamp with time zone"},
    "json": {"json"},
    "snowflake": {"bigint"},
}

# A migration that changes one column each way, to show the check notices.
SQLITE_CHANGE = "ALTER TABLE results ADD COLUMN note TEXT;\nALTER TABLE task_leases DROP COLUMN holder;\n"
POSTGRES_CHANGE = "ALTER TABLE results ADD COLUMN note text; ALTER TABLE task_leases DROP COLUMN holder;"


@dataclass(frozen=True)
class FoundTable:
    columns: dict[str, str]  # name -> declared type
    key: tuple[str, ...]


def differences(found: Mapping[str, FoundTable], types: Mapping[Kind, set[str]]) -> list[str]:
    """Where the migrated schema and storage/tables.py disagree, one line each."""
    problems = [f"table {name} is not described" for name in sorted(found.keys() - {t.name for t in TABLES})]
    for table in TABLES:
        if table.name not in found:
            problems.append(f"table {table.name} is described but not migrated")
            continue
        there = found[table.name]
        described = dict(table.columns)
        undescribed = sorted(there.columns.keys() - described)
        problems += [f"{table.name}.{name} is not described" for name in undescribed]
        for name, kind in table.columns:
            if name not in there.columns:
                problems.append(f"{table.name}.{name} is described but not migrated")
            elif there.columns[name] not in types[kind]:
                problems.append(f"{table.name}.{name} is {there.columns[name]}, not a {kind} column")
        if there.key != table.key:
            problems.append(f"{table.name} is keyed by {there.key}, described as {table.key}")
    return problems


def sqlite_schema(path: Path) -> dict[str, FoundTable]:
    with sqlite3.connect(path) as raw:
        names = [
            row[0]
            for row in raw.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        schema = {}
        for name in names:
            # (position, name, type, not null, default, position in the primary key or 0)
            info = raw.execute(f"PRAGMA table_info({name})").fetchall()
            key = tuple(column for _, column, *_, pk in sorted(info, key=lambda row: row[5]) if pk)
            schema[name] = FoundTable({row[1]: row[2] for row in info}, key)
    return schema


async def postgres_schema(connection: asyncpg.Connection) -> dict[str, FoundTable]:
    columns = await connection.fetch(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns AS c "
        "JOIN information_schema.tables AS t USING (table_schema, table_name) "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> $1",
        MIGRATIONS_TABLE,
    )
    keys = await connection.fetch(
        "SELECT k.table_name, k.column_name FROM information_schema.table_constraints AS c "
        "JOIN information_schema.key_column_usage AS k USING (constraint_schema, constraint_name) "
        "WHERE c.table_schema = current_schema() AND c.constraint_type = 'PRIMARY KEY' "
        "ORDER BY k.table_name, k.ordinal_position"
    )
    schema: dict[str, FoundTable] = {}
    for table, column, data_type in columns:
        schema.setdefault(table, FoundTable({}, ())).columns[column] = data_type
    for table, column in keys:
        if table in schema:
            schema[table] = FoundTable(schema[table].columns, (*schema[table].key, column))
    return schema


async def test_the_description_is_the_migrated_sqlite_schema(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    async with await SQLiteStore.open(path):
        pass
    assert differences(sqlite_schema(path), SQLITE_TYPES) == []


async def test_the_description_is_the_migrated_postgres_schema(postgres_url: str) -> None:
    connection = await asyncpg.connect(postgres_url)
    try:
        await migrate_postgres(connection)
        assert differences(await postgres_schema(connection), POSTGRES_TYPES) == []
    finally:
        await connection.close()


async def test_a_sqlite_migration_the_description_lacks_is_found(tmp_path: Path) -> None:
    path = tmp_path / "changed.db"
    migrations = bundled_migrations()
    change = Migration(len(migrations) + 1, f"{len(migrations) + 1:04d}_change.sql", SQLITE_CHANGE)
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db, [*migrations, change])
    assert differences(sqlite_schema(path), SQLITE_TYPES) == [
        "results.note is not described",
        "task_leases.holder is described but not migrated",
    ]


async def test_a_postgres_migration_the_description_lacks_is_found(postgres_url: str) -> None:
    migrations = bundled_migrations("pg_schema")
    change = Migration(len(migrations) + 1, f"{len(migrations) + 1:04d}_change.sql", POSTGRES_CHANGE)
    connection = await asyncpg.connect(postgres_url)
    try:
        await migrate_postgres(connection, [*migrations, change])
        assert differences(await postgres_schema(connection), POSTGRES_TYPES) == [
            "results.note is not described",
            "task_leases.holder is described but not migrated",
        ]
    finally:
        await connection.close()
