"""The SQLite store: one database file in WAL mode, reached through aiosqlite.

One connection serves the process; an asyncio lock keeps each operation's statements
together on it, and multi-statement changes run in ``BEGIN IMMEDIATE`` transactions,
so a crash between two writes leaves either both or neither. Other processes on the
same file are kept apart by SQLite's own locking (WAL plus a busy timeout) and by the
version check on every session write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from dialogs.session import Session, SessionSchemaError, load_session
from dialogs.verdict import Classification
from storage.keys import SessionKey
from storage.migrations import check_not_newer, migrate
from storage.protocol import (
    ResultRecord,
    StaleVersionError,
    StoredSession,
    StoreError,
    StoreSchemaError,
    StoreUnavailableError,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


class SQLiteStore:
    def __init__(self, db: aiosqlite.Connection, path: Path, *, clock: Clock = utc_now) -> None:
        self._db = db
        self.path = path
        self._clock = clock
        self._lock = asyncio.Lock()

    # --- lifecycle ----------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, *, clock: Clock = utc_now) -> SQLiteStore:
        path = Path(path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise StoreUnavailableError(
                f"cannot create the folder for the database {path}: "
                f"{_first_file_in(path.parent)} is a file, not a folder"
            ) from None
        except OSError as error:
            raise StoreUnavailableError(
                f"cannot create the folder for the database {path}: {error.strerror}"
            ) from None
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise StoreUnavailableError(f"cannot open the database {path}: {error}") from None
        try:
            await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            # Refuse a newer database before changing anything in it (even its journal mode).
            await check_not_newer(db)
            async with db.execute("PRAGMA journal_mode = WAL") as cursor:
                row = await cursor.fetchone()
            if row is None or str(row[0]).lower() != "wal":
                raise StoreUnavailableError(f"the database {path} cannot use WAL journaling")
            # NORMAL is durable against a crashed process in WAL mode; only a power cut
            # can lose the last commits, never corrupt the file.
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await migrate(db)
        except sqlite3.DatabaseError as error:
            await db.close()
            raise StoreUnavailableError(_explain(path, error)) from None
        except BaseException:
            await db.close()
            raise
        return cls(db, path, clock=clock)

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- helpers --------------------------------------------------------------------------

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                yield self._db
            except sqlite3.DatabaseError as error:
                raise StoreError(_explain(self.path, error)) from None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._locked() as db:
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._locked() as db, db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # --- sessions -------------------------------------------------------------------------

    async def load(self, key: SessionKey) -> StoredSession | None:
        rows = await self._fetchall(
            "SELECT version, data, created_at, updated_at FROM sessions "
            "WHERE user_id = ? AND scope = ? AND dialog = ?",
            (key.user_id, key.scope, key.dialog),
        )
        if not rows:
            return None
        version, data, created_at, updated_at = rows[0]
        try:
            session = load_session(json.loads(data))
        except (ValueError, SessionSchemaError) as error:
            raise StoreSchemaError(f"the stored interview cannot be read: {error}") from None
        return StoredSession(key, session, int(version), _parse(created_at), _parse(updated_at))

    async def save(self, key: SessionKey, session: Session, *, expected_version: int) -> int:
        data = session.model_dump_json()
        now = _stamp(self._clock())
        async with self._locked() as db:
            if expected_version == 0:
                try:
                    await db.execute(
                        "INSERT INTO sessions (user_id, scope, dialog, version, data, created_at, "
                        "updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
                        (key.user_id, key.scope, key.dialog, data, now, now),
                    )
                except sqlite3.IntegrityError:
                    raise StaleVersionError(key, 0, await self._version(db, key)) from None
                return 1
            cursor = await db.execute(
                "UPDATE sessions SET version = version + 1, data = ?, updated_at = ? "
                "WHERE user_id = ? AND scope = ? AND dialog = ? AND version = ?",
                (data, now, key.user_id, key.scope, key.dialog, expected_version),
            )
            if cursor.rowcount != 1:
                raise StaleVersionError(key, expected_version, await self._version(db, key))
            return expected_version + 1

    async def _version(self, db: aiosqlite.Connection, key: SessionKey) -> int | None:
        async with db.execute(
            "SELECT version FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ?",
            (key.user_id, key.scope, key.dialog),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def complete(
        self, key: SessionKey, result: Classification, *, expected_version: int
    ) -> ResultRecord:
        """Record the result and close the session, both or neither."""
        now = self._clock()
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ? AND version = ?",
                (key.user_id, key.scope, key.dialog, expected_version),
            )
            if cursor.rowcount != 1:
                raise StaleVersionError(key, expected_version, await self._version(db, key))
            cursor = await db.execute(
                "INSERT INTO results (user_id, scope, dialog, verdict, hybrid_shape, data, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key.user_id,
                    key.scope,
                    key.dialog,
                    result.verdict.value,
                    result.hybrid_shape.value if result.hybrid_shape else None,
                    result.model_dump_json(),
                    _stamp(now),
                ),
            )
            result_id = cursor.lastrowid
        assert result_id is not None
        return ResultRecord(result_id, key, result, now)

    async def discard(self, key: SessionKey, *, expected_version: int | None = None) -> bool:
        async with self._locked() as db:
            if expected_version is None:
                cursor = await db.execute(
                    "DELETE FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ?",
                    (key.user_id, key.scope, key.dialog),
                )
                return cursor.rowcount == 1
            cursor = await db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ? AND version = ?",
                (key.user_id, key.scope, key.dialog, expected_version),
            )
            if cursor.rowcount != 1:
                raise StaleVersionError(key, expected_version, await self._version(db, key))
            return True

    async def mark_shared(self, result_id: int) -> None:
        """Record that the member chose to post this result publicly."""
        async with self._locked() as db:
            await db.execute("UPDATE results SET shared = 1 WHERE id = ?", (result_id,))

    async def expire_idle(self, older_than: timedelta) -> int:
        cutoff = _stamp(self._clock() - older_than)
        async with self._locked() as db:
            cursor = await db.execute("DELETE FROM sessions WHERE updated_at < ?", (cutoff,))
            expired = cursor.rowcount
        if expired:
            log.info("expired %d interview(s) idle for longer than %s", expired, older_than)
        return expired

    # --- results ------------------------------------------------------------------------

    def _record(self, row: sqlite3.Row | tuple[Any, ...]) -> ResultRecord:
        result_id, user_id, scope, dialog, data, shared, created_at = row
        return ResultRecord(
            int(result_id),
            SessionKey(user_id, scope, dialog),
            Classification.model_validate_json(data),
            _parse(created_at),
            bool(shared),
        )

    _RESULT_COLUMNS = "id, user_id, scope, dialog, data, shared, created_at"

    async def history(self, user_id: str, *, limit: int = 50) -> list[ResultRecord]:
        rows = await self._fetchall(
            f"SELECT {self._RESULT_COLUMNS} FROM results WHERE user_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [self._record(row) for row in rows]

    async def results_for_scope(self, scope: str, *, since: datetime | None = None) -> list[ResultRecord]:
        rows = await self._fetchall(
            f"SELECT {self._RESULT_COLUMNS} FROM results WHERE scope = ? AND created_at >= ? "
            "ORDER BY created_at, id",
            (scope, _stamp(since) if since else ""),
        )
        return [self._record(row) for row in rows]

    # --- a member's data ----------------------------------------------------------------

    async def export_user(self, user_id: str) -> dict[str, Any]:
        sessions = await self._fetchall(
            "SELECT scope, dialog, version, data, created_at, updated_at FROM sessions "
            "WHERE user_id = ? ORDER BY created_at",
            (user_id,),
        )
        results = await self.history(user_id, limit=-1)
        return {
            "user_id": user_id,
            "exported_at": _stamp(self._clock()),
            "sessions_in_progress": [
                {
                    "scope": scope,
                    "dialog": dialog,
                    "version": version,
                    "started_at": created_at,
                    "updated_at": updated_at,
                    "session": json.loads(data),
                }
                for scope, dialog, version, data, created_at, updated_at in sessions
            ],
            "results": [
                {
                    "id": record.id,
                    "scope": record.key.scope,
                    "dialog": record.key.dialog,
                    "created_at": _stamp(record.created_at),
                    "shared": record.shared,
                    "result": record.result.model_dump(mode="json"),
                }
                for record in reversed(results)
            ],
        }

    async def forget_user(self, user_id: str) -> int:
        """Delete everything stored about one member; return how many records went."""
        async with self._transaction() as db:
            sessions = await db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            results = await db.execute("DELETE FROM results WHERE user_id = ?", (user_id,))
            removed = sessions.rowcount + results.rowcount
        log.info("forgot a member's data: %d record(s) deleted", removed)
        return removed


async def open_sqlite_store(path: Path | str, *, clock: Clock = utc_now) -> SQLiteStore:
    return await SQLiteStore.open(path, clock=clock)


def _first_file_in(folder: Path) -> Path:
    """The part of a folder path that exists as a file and so blocks creating it."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            return parent
    return folder


def _explain(path: Path, error: sqlite3.Error) -> str:
    text = str(error)
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is read-only; check its permissions"
    if "locked" in text or "busy" in text:
        return f"the database {path} is busy in another process; try again in a moment"
    if "full" in text:
        return f"the disk holding the database {path} is full"
    if "not a database" in text or "malformed" in text:
        return f"the file {path} is not a readable offering-advisor database ({text})"
    if "unable to open" in text:
        return f"cannot open the database {path}; check that the folder exists and is writable"
    return f"database error on {path}: {text}"
