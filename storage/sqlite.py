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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from dialogs.session import Session, SessionSchemaError, load_session_json
from dialogs.verdict import Classification
from storage.clock import Clock, utc_now
from storage.clock import parse_stamp as _parse
from storage.clock import stamp as _stamp
from storage.export import member_export
from storage.group_commit import GroupCommitter, Outcome
from storage.keys import SessionKey
from storage.migrations import bundled_migrations, check_not_newer, migrate
from storage.protocol import (
    DiscardReason,
    ResultRecord,
    StaleVersionError,
    StoredSession,
    StoreError,
    StoreSchemaError,
    StoreUnavailableError,
)
from storage.reports import ReportRows, ScopeReport, assemble_report
from storage.settings import GuildSettings, next_digest_after, read_settings
from storage.tables import Row, Table
from storage.transfer import BATCH_ROWS, TABLES, Batches

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

T = TypeVar("T")


class SQLiteStore:
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

    async def __aenter__(self) -> SQLiteStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

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

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._locked() as db:
            return list(await db.execute_fetchall(sql, params))

    async def _execute_write(self, sql: str, params: Sequence[Any]) -> int:
        """One statement as its own write; returns the rows it changed."""

        async def execute(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(sql, params)
            return cursor.rowcount

        return await self._write(execute, single_statement=True)

    async def _write_returning(self, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
        """One statement with a RETURNING clause as its own write; returns its rows."""

        async def execute(db: aiosqlite.Connection) -> list[sqlite3.Row]:
            return list(await db.execute_fetchall(sql, params))

        return await self._write(execute, single_statement=True)

    @property
    def commit_stats(self) -> tuple[int, int]:
        """(transactions committed, writes they kept): how well writes share commits."""
        return self._writes.transactions, self._writes.writes

    # --- sessions -------------------------------------------------------------------------

    async def load(self, key: SessionKey) -> StoredSession | None:
        rows = await self._fetchall(
            "SELECT version, data, created_at, updated_at, expired_at FROM sessions "
            "WHERE user_id = ? AND scope = ? AND dialog = ?",
            (key.user_id, key.scope, key.dialog),
        )
        if not rows:
            return None
        version, data, created_at, updated_at, expired_at = rows[0]
        try:
            session = load_session_json(data)
        except (ValueError, SessionSchemaError) as error:
            raise StoreSchemaError.unreadable("the stored interview", error) from None
        return StoredSession(
            key,
            session,
            int(version),
            _parse(created_at),
            _parse(updated_at),
            expired_at=_parse(expired_at) if expired_at else None,
        )

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
            async with db.execute(
                "SELECT coalesce(max(last_version), 0) + 1 FROM interviews "
                "WHERE user_id = ? AND scope = ? AND dialog = ?",
                (key.user_id, key.scope, key.dialog),
            ) as cursor:
                row = await cursor.fetchone()
            version = int(row[0]) if row else 1
            interview = await db.execute(
                "INSERT INTO interviews (user_id, scope, dialog, started_at, last_version) "
                "VALUES (?, ?, ?, ?, ?)",
                (key.user_id, key.scope, key.dialog, now, version),
            )
            try:
                await db.execute(
                    "INSERT INTO sessions (user_id, scope, dialog, version, data, step, created_at, "
                    "updated_at, interview_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key.user_id, key.scope, key.dialog, version, data, step, now, now, interview.lastrowid),
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
        async with db.execute(
            "SELECT interview_id FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ?",
            (key.user_id, key.scope, key.dialog),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    async def _end_interview(self, db: aiosqlite.Connection, key: SessionKey, outcome: str, now: str) -> None:
        interview_id = await self._interview_id(db, key)
        if interview_id is not None:
            await db.execute(
                "UPDATE interviews SET outcome = ?, ended_at = ? WHERE id = ?", (outcome, now, interview_id)
            )

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

        async def close_with_result(db: aiosqlite.Connection) -> int:
            if await self._version(db, key) != expected_version:
                raise StaleVersionError(key, expected_version, await self._version(db, key))
            await self._end_interview(db, key, "completed", _stamp(now))
            await db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ? AND version = ?",
                (key.user_id, key.scope, key.dialog, expected_version),
            )
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
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        result_id = await self._write(close_with_result)
        return ResultRecord(result_id, key, result, now)

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
            await db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ?",
                (key.user_id, key.scope, key.dialog),
            )
            return True

        return await self._write(close_without_result)

    async def mark_shared(self, result_id: int) -> None:
        """Record that the member chose to post this result publicly."""
        await self._execute_write("UPDATE results SET shared = 1 WHERE id = ?", (result_id,))

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

    async def purge_expired(self, grace: timedelta) -> int:
        """Delete expired interviews whose grace period is over."""
        cutoff = _stamp(self._clock() - grace)
        return await self._execute_write(
            "DELETE FROM sessions WHERE expired_at IS NOT NULL AND expired_at < ?", (cutoff,)
        )

    async def take_expiry_notice(self, key: SessionKey) -> datetime | None:
        """When the member's interview here expired, if they have not been told yet (once)."""
        # Every command asks this first; reading before writing keeps it from waiting on
        # another process's write lock when there is nothing to take (nearly always).
        pending = await self._fetchall(
            "SELECT 1 FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ? "
            "AND expired_at IS NOT NULL AND expiry_noticed = 0",
            (key.user_id, key.scope, key.dialog),
        )
        if not pending:
            return None

        rows = await self._write_returning(
            "UPDATE sessions SET expiry_noticed = 1 WHERE user_id = ? AND scope = ? AND dialog = ? "
            "AND expired_at IS NOT NULL AND expiry_noticed = 0 RETURNING expired_at",
            (key.user_id, key.scope, key.dialog),
        )
        return _parse(rows[0][0]) if rows else None

    # --- results ------------------------------------------------------------------------

    def _record(self, row: sqlite3.Row | tuple[Any, ...]) -> ResultRecord:
        result_id, user_id, scope, dialog, data, shared, created_at = row
        try:
            result = Classification.model_validate_json(data)
        except ValueError as error:
            raise StoreSchemaError.unreadable(f"a stored result ({result_id})", error) from None
        return ResultRecord(
            int(result_id), SessionKey(user_id, scope, dialog), result, _parse(created_at), bool(shared)
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
        progress = await self._fetchall(
            "SELECT i.scope, i.started_at, i.ended_at, i.outcome, i.last_step, "
            "(SELECT group_concat(step_id, ',') FROM interview_steps WHERE interview_id = i.id) "
            "FROM interviews AS i WHERE i.user_id = ? ORDER BY i.started_at",
            (user_id,),
        )
        return member_export(
            user_id,
            _stamp(self._clock()),
            [tuple(row) for row in sessions],
            results,
            [tuple(row) for row in progress],
        )

    # --- servers: settings, reports, digests ---------------------------------------------

    async def guild_settings(self, guild_id: str) -> GuildSettings:
        rows = await self._fetchall(
            "SELECT results_channel_id, interviews_in_channels, session_expiry_days, check_cooldown_seconds, "
            "digest_enabled, digest_next_at FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        if not rows:
            return GuildSettings(guild_id=guild_id)
        return self._settings(guild_id, rows[0])

    @staticmethod
    def _settings(guild_id: str, row: sqlite3.Row | tuple[Any, ...]) -> GuildSettings:
        channel, in_channels, expiry, cooldown, digest, next_at = row
        return read_settings(
            guild_id,
            lambda: GuildSettings(
                guild_id=guild_id,
                results_channel_id=int(channel) if channel else None,
                interviews_in_channels=bool(in_channels),
                session_expiry_days=expiry,
                check_cooldown_seconds=cooldown,
                digest_enabled=bool(digest),
                digest_next_at=_parse(next_at) if next_at else None,
            ),
        )

    async def all_guild_settings(self) -> list[GuildSettings]:
        rows = await self._fetchall(
            "SELECT guild_id, results_channel_id, interviews_in_channels, session_expiry_days, "
            "check_cooldown_seconds, digest_enabled, digest_next_at FROM guild_settings ORDER BY guild_id"
        )
        return [self._settings(row[0], row[1:]) for row in rows]

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        settings = settings.validated()
        await self._execute_write(
            "INSERT INTO guild_settings (guild_id, results_channel_id, interviews_in_channels, "
            "session_expiry_days, check_cooldown_seconds, digest_enabled, digest_next_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "results_channel_id = excluded.results_channel_id, "
            "interviews_in_channels = excluded.interviews_in_channels, "
            "session_expiry_days = excluded.session_expiry_days, "
            "check_cooldown_seconds = excluded.check_cooldown_seconds, "
            "digest_enabled = excluded.digest_enabled, digest_next_at = excluded.digest_next_at, "
            "updated_at = excluded.updated_at",
            (
                settings.guild_id,
                str(settings.results_channel_id) if settings.results_channel_id else None,
                int(settings.interviews_in_channels),
                settings.session_expiry_days,
                settings.check_cooldown_seconds,
                int(settings.digest_enabled),
                _stamp(settings.digest_next_at) if settings.digest_next_at else None,
                _stamp(self._clock()),
            ),
        )

    async def due_digests(self) -> list[GuildSettings]:
        """The servers whose weekly digest is due now."""
        now = self._clock()
        return [
            settings
            for settings in await self.all_guild_settings()
            if settings.digest_enabled and settings.digest_next_at and settings.digest_next_at <= now
        ]

    async def record_digest_posted(self, settings: GuildSettings, every: timedelta) -> GuildSettings | None:
        """Move the server's next digest on by ``every`` (past now, if the bot was off for
        weeks: one digest, then the schedule), if it is still due when ``settings`` said;
        return the settings as recorded, or None when another process recorded it first."""
        due = settings.digest_next_at
        if due is None:
            return None
        following = next_digest_after(due, every, self._clock())
        changed = await self._execute_write(
            "UPDATE guild_settings SET digest_next_at = ? WHERE guild_id = ? AND digest_next_at = ?",
            (_stamp(following), settings.guild_id, _stamp(due)),
        )
        return settings.with_changes(digest_next_at=following) if changed == 1 else None

    async def begin_task(self, name: str, holder: str, *, lease: timedelta) -> bool:
        """Take (or renew) the lease on a background task if it is due and free."""
        now = self._clock()
        rows = await self._write_returning(
            "INSERT INTO task_leases (name, holder, lease_until, next_run_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until "
            "WHERE task_leases.next_run_at <= excluded.next_run_at AND (task_leases.holder IS NULL "
            "OR task_leases.holder = excluded.holder OR task_leases.lease_until <= excluded.next_run_at) "
            "RETURNING holder",
            (name, holder, _stamp(now + lease), _stamp(now)),
        )
        return bool(rows)

    async def finish_task(self, name: str, holder: str, *, next_run_in: timedelta) -> bool:
        """Give the lease back and set when the task is next due; False if the lease had
        already passed to another process."""
        changed = await self._execute_write(
            "UPDATE task_leases SET holder = NULL, lease_until = NULL, next_run_at = ? "
            "WHERE name = ? AND holder = ?",
            (_stamp(self._clock() + next_run_in), name, holder),
        )
        return changed == 1

    async def report(
        self, scope: str, *, since: datetime | None, until: datetime | None = None
    ) -> ScopeReport:
        """Counts for one place over a period: interviews, verdicts, first steps, drop-off."""
        until = until or self._clock()
        params = (scope, _stamp(since) if since else "", _stamp(until))
        rows = ReportRows(
            outcomes=await self._fetchall(_ReportQueries.OUTCOMES, params),
            verdicts=await self._fetchall(_ReportQueries.VERDICTS, params),
            first_steps=await self._fetchall(_ReportQueries.FIRST_STEPS, params),
            reached=await self._fetchall(_ReportQueries.REACHED, params),
            left=await self._fetchall(_ReportQueries.LEFT, params),
            weekly=await self._fetchall(_ReportQueries.WEEKLY, params),
        )
        return assemble_report(scope, since, until, rows)

    async def forget_user(self, user_id: str) -> int:
        """Delete everything stored about one member; return how many interviews in
        progress and results went (their progress counters go with them)."""

        async def delete_everything(db: aiosqlite.Connection) -> int:
            sessions = await db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            results = await db.execute("DELETE FROM results WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM interviews WHERE user_id = ?", (user_id,))
            return sessions.rowcount + results.rowcount

        removed = await self._write(delete_everything)
        # The write-ahead log still holds the pages as they were before the delete; copy
        # the zeroed pages into the file and empty the log. Another process reading at
        # this moment can keep the log from emptying: its next checkpoint finishes it.
        async with self._locked() as db:
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        log.info("forgot a member's data: %d record(s) deleted", removed)
        return removed

    # --- copying between stores (storage.transfer) ---------------------------------------

    async def row_counts(self) -> dict[str, int]:
        counts = {}
        for table in TABLES:
            rows = await self._fetchall(f"SELECT count(*) FROM {table.name}")
            counts[table.name] = int(rows[0][0])
        return counts

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
        """Replace every copied table's rows with ``batches``, in one transaction.

        Sessions are written without their interview first and linked afterwards: the
        link is what fires the progress triggers, and the copied interviews already hold
        what those would write.
        """
        async with self._locked() as db:
            await db.execute("BEGIN IMMEDIATE")
            try:
                for table in reversed(TABLES):
                    await db.execute(f"DELETE FROM {table.name}")
                links: list[tuple[Any, ...]] = []
                async for table, rows in batches:
                    native = [_native(table, row) for row in rows]
                    if table.name == "sessions":
                        at = table.column_names.index("interview_id")
                        links += [(row[at], *row[:3]) for row in native if row[at] is not None]
                        native = [(*row[:at], None, *row[at + 1 :]) for row in native]
                    columns = ", ".join(table.column_names)
                    marks = ", ".join("?" * len(table.columns))
                    await db.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", native)
                await db.executemany(
                    "UPDATE sessions SET interview_id = ? WHERE user_id = ? AND scope = ? AND dialog = ?",
                    links,
                )
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


@dataclass(frozen=True, slots=True)
class _SessionUpdate:
    key: SessionKey
    expected_version: int
    data: str
    step: str | None
    now: str

    @property
    def parameters(self) -> tuple[str | int | None, ...]:
        key = self.key
        return (self.data, self.step, self.now, key.user_id, key.scope, key.dialog, self.expected_version)


_UPDATE_SESSION = (
    "UPDATE sessions SET version = version + 1, data = ?, step = ?, updated_at = ?, "
    "expired_at = NULL, expiry_noticed = 0 "
    "WHERE user_id = ? AND scope = ? AND dialog = ? AND version = ?"
)


# Keys per version look-up: three parameters each, well under SQLite's variable limit.
_KEYS_PER_QUERY = 300


async def _save_sessions(db: aiosqlite.Connection, updates: list[_SessionUpdate]) -> list[Outcome]:
    """Apply many members' version-checked saves in one transaction, in a few statements.

    The versions are read first (the transaction holds the write lock, so they cannot
    change underneath), the saves still based on the stored version are written with
    one ``executemany``, and the others are refused as stale. A member with two saves
    waiting gets them applied in order, one pass each.
    """
    outcomes: list[Outcome | None] = [None] * len(updates)
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


class _ReportQueries:
    """SQL for staff reports; kept apart from the member-facing operations."""

    OUTCOMES = (
        "SELECT coalesce(outcome, 'in_progress'), count(*) FROM interviews "
        "WHERE scope = ? AND started_at >= ? AND started_at <= ? GROUP BY 1"
    )
    VERDICTS = (
        "SELECT verdict, hybrid_shape, count(*) FROM results "
        "WHERE scope = ? AND created_at >= ? AND created_at <= ? GROUP BY 1, 2"
    )
    FIRST_STEPS = (
        "SELECT json_extract(data, '$.roadmap[0].id'), json_extract(data, '$.roadmap[0].title'), count(*) "
        "FROM results WHERE scope = ? AND created_at >= ? AND created_at <= ? GROUP BY 1 ORDER BY 3 DESC, 1"
    )
    REACHED = (
        "SELECT s.step_id, count(*) FROM interview_steps AS s JOIN interviews AS i ON i.id = s.interview_id "
        "WHERE i.scope = ? AND i.started_at >= ? AND i.started_at <= ? GROUP BY 1"
    )
    LEFT = (
        "SELECT last_step, count(*) FROM interviews WHERE scope = ? AND started_at >= ? AND started_at <= ? "
        "AND outcome IN ('cancelled', 'expired') AND last_step IS NOT NULL GROUP BY 1"
    )
    # The week is named by its Monday: six days back, then forward to a Monday, lands on
    # the day itself when it is one.
    WEEKLY = (
        "SELECT date(created_at, '-6 days', 'weekday 1'), verdict, count(*) FROM results "
        "WHERE scope = ? AND created_at >= ? AND created_at <= ? GROUP BY 1, 2 ORDER BY 1"
    )


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
