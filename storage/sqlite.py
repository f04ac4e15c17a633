"""The SQLite store: one database file in WAL mode, reached through aiosqlite.

One connection serves the process. Every write goes through group commit
(``storage.group_commit``): the writes waiting while one transaction commits share the
next ``BEGIN IMMEDIATE`` transaction, each inside its own savepoint, and each caller is
answered only after that COMMIT. A crash between two writes leaves either both or
neither. An asyncio lock keeps reads out of an open write transaction, so nobody reads
what is not yet committed. Other processes on the same file are kept apart by SQLite's
own locking (WAL plus a busy timeout) and by the version check on every session write.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from dialogs.progress import Progress
from dialogs.session import Session
from dialogs.verdict import Classification
from storage import sql
from storage.clock import Clock, utc_now
from storage.clock import parse_stamp as _parse
from storage.clock import stamp as _stamp
from storage.common import CommonStore
from storage.group_commit import GroupCommitter, WriteOutcome
from storage.keys import SessionKey
from storage.migrations import bundled_migrations, check_not_newer, migrate
from storage.protocol import DiscardReason, ResultRecord, StaleVersionError, StoreError, StoreUnavailableError
from storage.rows import key_values, progress_json, result_values
from storage.sql import for_sqlite
from storage.tables import Row, Table
from storage.transfer import BATCH_ROWS, TABLES, Batches, unlink_sessions

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

T = TypeVar("T")


class SQLiteStore(CommonStore):
    _report_queries = sql.ReportQueries(
        first_steps=(
            "SELECT json_extract(data, '$.roadmap[0].id'), json_extract(data, '$.roadmap[0].title'), "
            f"count(*) FROM results WHERE {sql.period('created_at')} GROUP BY 1 ORDER BY 3 DESC, 1"
        ),
        # The week is named by its Monday: six days back, then forward to a Monday, lands
        # on the day itself when it is one.
        weekly=(
            "SELECT date(created_at, '-6 days', 'weekday 1'), verdict, count(*) FROM results "
            f"WHERE {sql.period('created_at')} GROUP BY 1, 2 ORDER BY 1"
        ),
        kinds=(
            "SELECT json_extract(data, '$.subtype'), count(*) FROM results "
            f"WHERE {sql.period('created_at')} AND json_extract(data, '$.subtype') IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ),
        step_states=(
            "SELECT p.key, p.value, count(DISTINCT r.user_id) FROM results AS r, json_each(r.progress) AS p "
            f"WHERE {sql.period('r.created_at', 'r.scope')} GROUP BY 1, 2"
        ),
        roadmap_members=(
            "SELECT count(DISTINCT user_id), count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM "
            "json_each(results.progress) WHERE value = 'done') THEN user_id END) FROM results "
            f"WHERE {sql.period('created_at')}"
        ),
    )
    _export_progress = sql.export_progress(
        # In the order they were reached, as on PostgreSQL (group_concat keeps its input's).
        "SELECT group_concat(step_id, ',') FROM (SELECT step_id FROM interview_steps "
        "WHERE interview_id = i.id ORDER BY reached_at, step_id)"
    )

    def __init__(self, db: aiosqlite.Connection, path: Path, *, clock: Clock = utc_now) -> None:
        self._db = db
        self.path = path
        self._clock = clock
        self._lock = asyncio.Lock()
        self._writes = GroupCommitter(db, self._lock, self._store_error)
        self._closed = False

    # --- lifecycle ----------------------------------------------------------------------

    @classmethod
    async def open(
        cls, path: Path | str, *, clock: Clock = utc_now, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> SQLiteStore:
        """Open (creating and migrating as needed) the database at ``path``.

        ``busy_timeout_ms`` is how long a write waits for another process's write
        transaction on the same file before it fails as busy.
        """
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
            await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
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
            # Deleted rows are overwritten with zeros, so what /advisor forget deletes is
            # gone from the file, not left in free pages. Some SQLite builds enable this by
            # default and some do not; it is asked for here and checked.
            async with db.execute("PRAGMA secure_delete = ON") as cursor:
                row = await cursor.fetchone()
            if row is None or int(row[0]) != 1:
                raise StoreUnavailableError(f"the database {path} cannot overwrite deleted data")
            # Migrating takes the write lock; an up-to-date database needs no lock to open,
            # so it opens (and reads) while another process is writing to it.
            async with db.execute("PRAGMA user_version") as cursor:
                schema = await cursor.fetchone()
            if schema is None or int(schema[0]) < len(bundled_migrations()):
                await migrate(db)
        except sqlite3.DatabaseError as error:
            await db.close()
            raise StoreUnavailableError(_explain(path, error)) from None
        except BaseException:
            await db.close()
            raise
        return cls(db, path, clock=clock)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._writes.close()
        finally:
            await self._db.close()

    # --- helpers --------------------------------------------------------------------------

    def _store_error(self, error: sqlite3.Error) -> StoreError:
        return StoreError(_explain(self.path, error))

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise self._store_error(error) from None

    async def _write(
        self, operation: Callable[[aiosqlite.Connection], Awaitable[T]], *, single_statement: bool = False
    ) -> T:
        """Run a write in the next group commit; return once it is committed."""
        return await self._writes.write(operation, single_statement=single_statement)

    async def _query(self, statement: str, *args: Any) -> list[sqlite3.Row]:
        async with self._locked() as db:
            return list(await db.execute_fetchall(for_sqlite(statement), _bind(args)))

    async def _execute(self, statement: str, *args: Any) -> int:
        text, values = for_sqlite(statement), _bind(args)

        async def execute(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(text, values)
            return cursor.rowcount

        return await self._write(execute, single_statement=True)

    async def _execute_returning(self, statement: str, *args: Any) -> list[sqlite3.Row]:
        text, values = for_sqlite(statement), _bind(args)

        async def execute(db: aiosqlite.Connection) -> list[sqlite3.Row]:
            return list(await db.execute_fetchall(text, values))

        return await self._write(execute, single_statement=True)

    @property
    def commit_stats(self) -> tuple[int, int]:
        """(transactions committed, writes they kept): how well writes share commits."""
        return self._writes.transactions, self._writes.writes

    # --- sessions -------------------------------------------------------------------------

    async def save(self, key: SessionKey, session: Session, *, expected_version: int) -> int:
        """Write the session if ``expected_version`` is still the stored one (0: create);
        return the version it now has.

        A created session starts one above the last version of the key's earlier
        interviews (1 for the first ever). The database notes the step the member has
        reached, for drop-off counts, and the version, for that start (the triggers of
        migrations 0003 and 0004); a write to an expired session revives it (the member
        came back within the grace period).
        """
        data = session.model_dump_json()
        now = _stamp(self._clock())
        step = session.current

        async def create(db: aiosqlite.Connection) -> int:
            # Start above every version this key's earlier interviews reached (kept by
            # the triggers of migration 0004), so a button left on an old interview's
            # message can never match the new one. The write lock is held, so no other
            # create for the key can slip in between. forget_user deletes the interviews
            # rows, so a forgotten member starts at 1 again; that is accepted (they asked
            # for everything to go, and the old messages are theirs alone).
            async with db.execute(_NEXT_VERSION, key_values(key)) as cursor:
                row = await cursor.fetchone()
            version = int(row[0]) if row else 1
            interview = await db.execute(
                "INSERT INTO interviews (user_id, scope, dialog, started_at, last_version) "
                "VALUES (?, ?, ?, ?, ?)",
                (*key_values(key), now, version),
            )
            try:
                await db.execute(
                    "INSERT INTO sessions (user_id, scope, dialog, version, data, step, created_at, "
                    "updated_at, interview_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*key_values(key), version, data, step, now, now, interview.lastrowid),
                )
            except sqlite3.IntegrityError:
                raise StaleVersionError(key, 0, await self._version(db, key)) from None
            return version

        if expected_version == 0:
            return await self._write(create)
        update = _SessionUpdate(key, expected_version, data, step, now)

        async def save_alone(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(_UPDATE_SESSION, update.parameters)
            if cursor.rowcount != 1:
                raise StaleVersionError(key, expected_version, await self._version(db, key))
            return expected_version + 1

        return await self._writes.write_in_bulk(_save_sessions, update, alone=save_alone)

    async def _interview_id(self, db: aiosqlite.Connection, key: SessionKey) -> int | None:
        async with db.execute(_INTERVIEW_OF_SESSION, key_values(key)) as cursor:
            row = await cursor.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    async def _end_interview(self, db: aiosqlite.Connection, key: SessionKey, outcome: str, now: str) -> None:
        interview_id = await self._interview_id(db, key)
        if interview_id is not None:
            await db.execute(
                "UPDATE interviews SET outcome = ?, ended_at = ? WHERE id = ?", (outcome, now, interview_id)
            )

    async def _version(self, db: aiosqlite.Connection, key: SessionKey) -> int | None:
        async with db.execute(for_sqlite(sql.SESSION_VERSION), key_values(key)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def complete(
        self,
        key: SessionKey,
        result: Classification,
        *,
        expected_version: int,
        progress: Progress | None = None,
    ) -> ResultRecord:
        """Record the result (with the progress carried over to it) and close the session,
        both or neither."""
        now = self._clock()
        carried = dict(progress or {})

        async def close_with_result(db: aiosqlite.Connection) -> int:
            if await self._version(db, key) != expected_version:
                raise StaleVersionError(key, expected_version, await self._version(db, key))
            await self._end_interview(db, key, "completed", _stamp(now))
            await db.execute(_DELETE_SESSION, key_values(key))
            cursor = await db.execute(
                "INSERT INTO results (user_id, scope, dialog, verdict, hybrid_shape, data, created_at, "
                "progress) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*key_values(key), *result_values(result), _stamp(now), progress_json(carried)),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        result_id = await self._write(close_with_result)
        return ResultRecord(result_id, key, result, now, progress=carried)

    async def discard(
        self, key: SessionKey, *, expected_version: int | None = None, reason: DiscardReason = "cancelled"
    ) -> bool:
        """Close the session without a result: cancelled by the member, or restarted."""
        now = _stamp(self._clock())

        async def close_without_result(db: aiosqlite.Connection) -> bool:
            version = await self._version(db, key)
            if expected_version is not None and version != expected_version:
                raise StaleVersionError(key, expected_version, version)
            if version is None:
                return False
            await self._end_interview(db, key, reason, now)
            await db.execute(_DELETE_SESSION, key_values(key))
            return True

        return await self._write(close_without_result)

    async def expire_idle(
        self, older_than: timedelta, *, per_scope: Mapping[str, timedelta] | None = None
    ) -> int:
        """Mark interviews idle for longer than their place allows as expired.

        They are kept, so the member can resume within the grace period
        (``purge_expired``), and counted as abandoned in the summaries.
        """
        now = self._clock()
        limits = dict(per_scope or {})
        shortest = min([older_than, *limits.values()])

        async def mark_expired(db: aiosqlite.Connection) -> list[sqlite3.Row]:
            candidates = await db.execute_fetchall(
                "SELECT user_id, scope, dialog, updated_at, interview_id FROM sessions "
                "WHERE expired_at IS NULL AND updated_at < ?",
                (_stamp(now - shortest),),
            )
            due = [row for row in candidates if _parse(row[3]) < now - limits.get(row[1], older_than)]
            await db.executemany(
                "UPDATE sessions SET expired_at = ? WHERE user_id = ? AND scope = ? AND dialog = ?",
                [(_stamp(now), row[0], row[1], row[2]) for row in due],
            )
            await db.executemany(
                "UPDATE interviews SET outcome = 'expired', ended_at = ? WHERE id = ?",
                [(_stamp(now), row[4]) for row in due if row[4] is not None],
            )
            return due

        due = await self._write(mark_expired)
        if due:
            log.info("expired %d idle interview(s)", len(due))
        return len(due)

    async def take_expiry_notice(self, key: SessionKey) -> datetime | None:
        # Every command asks this first; reading before writing keeps it from waiting on
        # another process's write lock when there is nothing to take (nearly always).
        if not await self._query(f"SELECT 1 FROM sessions WHERE {sql.UNNOTICED_EXPIRY}", *key_values(key)):
            return None
        return await super().take_expiry_notice(key)

    # --- a member's data ----------------------------------------------------------------

    async def _delete_member(self, user_id: str) -> int:
        async def delete_everything(db: aiosqlite.Connection) -> int:
            sessions = await db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            results = await db.execute("DELETE FROM results WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM interviews WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM check_ins WHERE user_id = ?", (user_id,))
            return sessions.rowcount + results.rowcount

        removed = await self._write(delete_everything)
        # The write-ahead log still holds the pages as they were before the delete; copy
        # the zeroed pages into the file and empty the log. Another process reading at
        # this moment can keep the log from emptying: its next checkpoint finishes it.
        async with self._locked() as db:
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    # --- copying between stores (storage.transfer) ---------------------------------------

    async def dump(self, batch_rows: int = BATCH_ROWS) -> Batches:
        """Every copied table as canonical rows in key order, from one read transaction."""
        async with self._locked() as db:
            await db.execute("BEGIN")
            try:
                for table in TABLES:
                    async with db.execute(table.select()) as cursor:
                        while rows := list(await cursor.fetchmany(batch_rows)):
                            yield table, [_canonical(table, row) for row in rows]
            finally:
                await db.execute("ROLLBACK")

    async def replace_all(self, batches: Batches) -> None:
        """Replace every copied table's rows with ``batches``, in one transaction."""
        async with self._locked() as db:
            await db.execute("BEGIN IMMEDIATE")
            try:
                for table in reversed(TABLES):
                    await db.execute(f"DELETE FROM {table.name}")
                links = []
                async for table, rows in batches:
                    unlinked, linked = unlink_sessions(table, rows)
                    links += linked
                    columns = ", ".join(table.column_names)
                    marks = ", ".join("?" * len(table.columns))
                    await db.executemany(
                        f"INSERT INTO {table.name} ({columns}) VALUES ({marks})",
                        [_native(table, row) for row in unlinked],
                    )
                await db.executemany(for_sqlite(sql.LINK_SESSION), links)
                await db.execute("COMMIT")
            except BaseException:
                await db.execute("ROLLBACK")
                raise


def _canonical(table: Table, row: sqlite3.Row | tuple[Any, ...]) -> Row:
    """A stored row in the form both backends share (storage.transfer)."""
    values: list[Any] = []
    for (_, kind), value in zip(table.columns, row, strict=True):
        if value is None:
            values.append(None)
        elif kind == "time":
            values.append(_stamp(_parse(value)))
        elif kind == "bool":
            values.append(bool(value))
        elif kind in ("int", "snowflake"):
            values.append(int(value))
        elif kind == "float":
            values.append(float(value))
        else:
            values.append(str(value))
    return tuple(values)


def _native(table: Table, row: Row) -> tuple[Any, ...]:
    """A canonical row as this schema stores it (flags as 0/1, ids of Discord objects as text)."""
    values: list[Any] = []
    for (_, kind), value in zip(table.columns, row, strict=True):
        if value is None:
            values.append(None)
        elif kind == "bool":
            values.append(int(value))
        elif kind == "snowflake":
            values.append(str(value))
        else:
            values.append(value)
    return tuple(values)


def _bind(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Values as this schema stores them: moments as ``storage.clock.stamp`` text (sqlite3
    already binds flags as 0/1)."""
    return tuple(_stamp(value) if isinstance(value, datetime) else value for value in values)


@dataclass(frozen=True, slots=True)
class _SessionUpdate:
    key: SessionKey
    expected_version: int
    data: str
    step: str | None
    now: str

    @property
    def parameters(self) -> tuple[str | int | None, ...]:
        return (*key_values(self.key), self.expected_version, self.data, self.step, self.now)


_UPDATE_SESSION = for_sqlite(sql.UPDATE_SESSION)
_INTERVIEW_OF_SESSION = for_sqlite(f"SELECT interview_id FROM sessions WHERE {sql.KEY}")
_NEXT_VERSION = for_sqlite(f"SELECT coalesce(max(last_version), 0) + 1 FROM interviews WHERE {sql.KEY}")
# The version was checked in the same transaction.
_DELETE_SESSION = for_sqlite(f"DELETE FROM sessions WHERE {sql.KEY}")

# Keys per version look-up: three parameters each, well under SQLite's variable limit.
_KEYS_PER_QUERY = 300


async def _save_sessions(db: aiosqlite.Connection, updates: list[_SessionUpdate]) -> list[WriteOutcome]:
    """Apply many members' version-checked saves in one transaction, in a few statements.

    The versions are read first (the transaction holds the write lock, so they cannot
    change underneath), the saves still based on the stored version are written with
    one ``executemany``, and the others are refused as stale. A member with two saves
    waiting gets them applied in order, one pass each.
    """
    outcomes: list[WriteOutcome | None] = [None] * len(updates)
    pending = list(enumerate(updates))
    while pending:
        this_pass: list[tuple[int, _SessionUpdate]] = []
        later: list[tuple[int, _SessionUpdate]] = []
        seen: set[SessionKey] = set()
        for index, update in pending:
            (later if update.key in seen else this_pass).append((index, update))
            seen.add(update.key)
        stored = await _versions(db, [update.key for _, update in this_pass])
        current = []
        for index, update in this_pass:
            version = stored.get(update.key)
            if version == update.expected_version:
                current.append(update)
                outcomes[index] = (True, version + 1)
            else:
                outcomes[index] = (False, StaleVersionError(update.key, update.expected_version, version))
        pending = later
        if not current:
            continue
        cursor = await db.executemany(_UPDATE_SESSION, [update.parameters for update in current])
        if cursor.rowcount != len(current):
            # Cannot happen while this transaction holds the write lock; never guess.
            raise sqlite3.OperationalError(f"saved {cursor.rowcount} of {len(current)} sessions")
    return [outcome for outcome in outcomes if outcome is not None]


async def _versions(db: aiosqlite.Connection, keys: list[SessionKey]) -> dict[SessionKey, int]:
    found: dict[SessionKey, int] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        rows = await db.execute_fetchall(
            # A join on the keys, not "IN (VALUES ...)": SQLite scans the table for that.
            "SELECT s.user_id, s.scope, s.dialog, s.version "
            f"FROM (VALUES {', '.join(['(?, ?, ?)'] * len(chunk))}) AS k JOIN sessions AS s"
            " ON s.user_id = k.column1 AND s.scope = k.column2 AND s.dialog = k.column3",
            [part for key in chunk for part in (key.user_id, key.scope, key.dialog)],
        )
        for user_id, scope, dialog, version in rows:
            found[SessionKey(user_id, scope, dialog)] = int(version)
    return found


async def open_sqlite_store(path: Path | str, *, clock: Clock = utc_now) -> SQLiteStore:
    return await SQLiteStore.open(path, clock=clock)


def _first_file_in(folder: Path) -> Path:
    """The part of a folder path that exists as a file and so blocks creating it."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            return parent
    return folder


def _explain(path: Path, error: sqlite3.Error) -> str:
    """One line for a person: what is wrong with the database and what to do about it.

    SQLite's primary result code decides (the message text only when there is none);
    the message names the file, so it is for the log and the terminal, not for members.
    """
    text = str(error)
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None

    def means(result_code: int, *phrases: str) -> bool:
        return primary == result_code if primary is not None else any(p in text for p in phrases)

    if means(sqlite3.SQLITE_READONLY, "readonly", "read-only"):
        return (
            f"the database {path} is read-only, so nothing can be saved; check the permissions of "
            "the file and its folder, and that the disk is not mounted read-only"
        )
    if means(sqlite3.SQLITE_BUSY, "locked", "busy") or means(sqlite3.SQLITE_LOCKED, "locked"):
        return f"the database {path} is busy in another process; try again in a moment"
    if means(sqlite3.SQLITE_FULL, "full"):
        return (
            f"the disk holding the database {path} is full (or the database reached its size "
            "limit); free some space and try again"
        )
    if means(sqlite3.SQLITE_NOTADB, "not a database"):
        return f"the file {path} is not a readable offering-advisor database ({text})"
    if means(sqlite3.SQLITE_CORRUPT, "malformed"):
        return f"the database {path} is damaged ({text}); restore it from a backup"
    if means(sqlite3.SQLITE_IOERR, "disk I/O error"):
        return f"the database {path} could not be read or written ({text}); check the disk"
    if means(sqlite3.SQLITE_CANTOPEN, "unable to open"):
        return f"cannot open the database {path}; check that the folder exists and is writable"
    return f"database error on {path}: {text}"
