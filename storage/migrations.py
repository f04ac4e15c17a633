"""Numbered SQL migrations, applied in one transaction at start-up.

Files are ``schema/NNNN_name.sql``; the database records the highest number
applied in ``PRAGMA user_version``. A database from a newer release is refused rather
than touched.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

import aiosqlite

from storage.protocol import StoreSchemaError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the script into statements (executescript would commit midway)."""
        statements, pending = [], ""
        for line in self.sql.splitlines(keepends=True):
            pending += line
            if sqlite3.complete_statement(pending):
                if pending.strip():
                    statements.append(pending.strip())
                pending = ""
        if pending.strip() and not pending.strip().startswith("--"):
            raise StoreSchemaError(f"migration {self.name} ends with an incomplete statement")
        return statements


def bundled_migrations(folder: str = "schema") -> list[Migration]:
    """The migrations shipped in ``storage/<folder>``: ``schema`` for SQLite,
    ``pg_schema`` for PostgreSQL."""
    found = []
    for item in resources.files("storage").joinpath(folder).iterdir():
        match = _NAME.match(item.name)
        if match:
            found.append(Migration(int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreSchemaError(f"migrations are not numbered 1..N: {migration.name}")
    return found


async def _schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def refuse_newer(current: int, latest: int) -> None:
    if current > latest:
        raise StoreSchemaError(
            f"the database has schema version {current}, but this release of offering-advisor "
            f"knows versions up to {latest}; upgrade offering-advisor or use another database"
        )


async def check_not_newer(db: aiosqlite.Connection) -> None:
    """Refuse a database written by a newer release, without writing to it."""
    refuse_newer(await _schema_version(db), len(bundled_migrations()))


async def migrate(db: aiosqlite.Connection, migrations: list[Migration] | None = None) -> int:
    """Bring the schema up to date; return the version it is now at."""
    migrations = bundled_migrations() if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    await db.execute("BEGIN IMMEDIATE")
    try:
        current = await _schema_version(db)
        refuse_newer(current, latest)
        for migration in migrations:
            if migration.version > current:
                for statement in migration.statements():
                    await db.execute(statement)
        if latest > current:
            await db.execute(f"PRAGMA user_version = {latest:d}")
        await db.execute("COMMIT")
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    return max(current, latest)
