"""The PostgreSQL store: several bot processes, on several machines if need be, on one
database, through an asyncpg connection pool.

It keeps the same records and promises as the SQLite store (``storage.sqlite``), in
PostgreSQL's own types. Every write that must be all-or-nothing is one statement (data
-modifying CTEs) or one transaction, so a crash between two writes leaves both or
neither. Session writes are version-checked in the statement itself: under READ
COMMITTED, a second process updating the same row waits for the first to commit and then
re-checks ``version = $n`` against the committed row, so exactly one of them wins and the
other is refused as stale. The database's own clock is not used: the store's clock stamps
every row, as in SQLite, so both backends hold the same moments.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from dialogs.progress import Progress
from dialogs.session import Session
from dialogs.verdict import Classification
from storage import sql
from storage.clock import Clock, parse_stamp, utc_now
from storage.clock import stamp as _stamp
from storage.common import CommonStore
from storage.keys import SessionKey
from storage.migrations import Migration, bundled_migrations, refuse_newer
from storage.protocol import DiscardReason, ResultRecord, StaleVersionError, StoreError, StoreUnavailableError
from storage.rows import key_values, progress_json, result_values
from storage.tables import Row, Table
from storage.transfer import BATCH_ROWS, TABLES, Batches, unlink_sessions
from storage.urls import DatabaseURLError, check_postgres_url, redact_url

log = logging.getLogger(__name__)

Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

# Taken for the length of the migrating transaction, so two processes starting at once
# migrate one after the other (the second then finds nothing to do).
_MIGRATION_LOCK = 0x0FFE_41AD_5150_0001
MIGRATIONS_TABLE = "offering_advisor_migrations"
POOL_MAX_SIZE = 10
CONNECT_TIMEOUT_SECONDS = 10.0


class PostgresStore(CommonStore):
    _report_queries = sql.ReportQueries(
        first_steps=(
            # Counted by the step's id, as on SQLite: its stored title is only a record.
            "SELECT data -> 'roadmap' -> 0 ->> 'id', min(data -> 'roadmap' -> 0 ->> 'title'), count(*) "
            f"FROM results WHERE {sql.period('created_at')} GROUP BY 1 ORDER BY 3 DESC, 1"
        ),
        # The week is named by its Monday, in UTC as the SQLite store's dates are.
        weekly=(
            "SELECT to_char(date_trunc('week', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), verdict, "
            f"count(*) FROM results WHERE {sql.period('created_at')} GROUP BY 1, 2 ORDER BY 1"
        ),
        kinds=(
            "SELECT data ->> 'subtype', count(*) FROM results "
            f"WHERE {sql.period('created_at')} AND data ->> 'subtype' IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ),
        step_states=(
            "SELECT p.key, p.value, count(DISTINCT r.user_id) FROM results AS r, "
            f"json_each_text(r.progress) AS p WHERE {sql.period('r.created_at', 'r.scope')} GROUP BY 1, 2"
        ),
        roadmap_members=(
            "SELECT count(DISTINCT user_id), count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM "
            "json_each_text(results.progress) WHERE value = 'done') THEN user_id END) FROM results "
            f"WHERE {sql.period('created_at')}"
        ),
    )
    _export_progress = sql.export_progress(
        "SELECT string_agg(step_id, ',' ORDER BY reached_at, step_id) FROM interview_steps "
        "WHERE interview_id = i.id"
    )

    def __init__(self, pool: asyncpg.Pool, url: str, *, clock: Clock = utc_now) -> None:
        self._pool = pool
        self.url = redact_url(url)
        self._clock = clock

    # --- lifecycle ----------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str, *, clock: Clock = utc_now, max_size: int = POOL_MAX_SIZE) -> PostgresStore:
        """Connect to the database at ``url`` (``postgresql://user:password@host/db``),
        migrating it as needed. A malformed URL is refused before any connection."""
        check_postgres_url(url)
        shown = redact_url(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=max_size,
                timeout=CONNECT_TIMEOUT_SECONDS,
                command_timeout=60,
                reset=_keep_session,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise StoreUnavailableError(_explain(shown, error)) from None
        except ValueError as error:  # a malformed URL
            raise StoreUnavailableError(f"DATABASE_URL {shown} cannot be used: {error}") from None
        try:
            async with pool.acquire() as connection:
                await migrate_postgres(connection)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            await pool.close()
            raise StoreUnavailableError(_explain(shown, error)) from None
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url, clock=clock)

    async def close(self) -> None:
        if not self._pool.is_closing():
            await self._pool.close()

    # --- helpers --------------------------------------------------------------------------

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        """A pooled connection; database failures come out as StoreError."""
        try:
            async with self._pool.acquire() as connection:
                yield connection
        except (
            asyncpg.IntegrityConstraintViolationError,
            asyncpg.DataError,
            asyncpg.SyntaxOrAccessError,
        ) as error:
            # A bug or a bad value, not an outage: say so plainly.
            raise StoreError(f"database error on {self.url}: {_first_line(error)}") from None
        except (
            OSError,
            TimeoutError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            # What asyncpg raises when a connection the server ended is used before the
            # client noticed; the pool discards that connection, so the next call is fine.
            asyncpg.InternalClientError,
        ) as error:
            raise StoreError(_explain(self.url, error)) from None

    async def _query(self, statement: str, *args: Any) -> list[asyncpg.Record]:
        async with self._connection() as connection:
            return list(await connection.fetch(statement, *args))

    async def _execute(self, statement: str, *args: Any) -> int:
        async with self._connection() as connection:
            status = await connection.execute(statement, *args)
        return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0

    async def _execute_returning(self, statement: str, *args: Any) -> list[asyncpg.Record]:
        # Each statement outside a transaction commits on its own.
        return await self._query(statement, *args)

    # --- sessions -------------------------------------------------------------------------

    async def save(self, key: SessionKey, session: Session, *, expected_version: int) -> int:
        """Write the session if ``expected_version`` is still the stored one (0: create);
        return the version it now has. The triggers of the schema note the step reached
        and the version, as SQLite's do."""
        data = session.model_dump_json()
        now = self._clock()
        if expected_version == 0:
            # One statement: the interview row and the session row are both written or,
            # when the key already has a session (the primary key refuses the second),
            # neither. The version starts above the key's earlier interviews.
            async with self._connection() as connection:
                try:
                    created = await connection.fetchval(
                        _CREATE_SESSION, *key_values(key), now, data, session.current
                    )
                except asyncpg.UniqueViolationError:
                    created = None
            if created is None:
                raise StaleVersionError(key, 0, await self._stored_version(key))
            return int(created)
        rows = await self._query(
            _UPDATE_SESSION, *key_values(key), expected_version, data, session.current, now
        )
        if not rows:
            raise StaleVersionError(key, expected_version, await self._stored_version(key))
        return int(rows[0][0])

    async def complete(
        self,
        key: SessionKey,
        result: Classification,
        *,
        expected_version: int,
        progress: Progress | None = None,
    ) -> ResultRecord:
        """Record the result (with the progress carried over to it) and close the session,
        both or neither (one statement)."""
        now = self._clock()
        carried = dict(progress or {})
        rows = await self._query(
            _COMPLETE_SESSION,
            *key_values(key),
            expected_version,
            now,
            *result_values(result),
            progress_json(carried),
        )
        if not rows:
            raise StaleVersionError(key, expected_version, await self._stored_version(key))
        return ResultRecord(int(rows[0][0]), key, result, now, progress=carried)

    async def discard(
        self, key: SessionKey, *, expected_version: int | None = None, reason: DiscardReason = "cancelled"
    ) -> bool:
        """Close the session without a result: cancelled by the member, or restarted."""
        rows = await self._query(_DISCARD_SESSION, *key_values(key), expected_version, reason, self._clock())
        if int(rows[0][0]) == 1:
            return True
        if expected_version is not None:
            raise StaleVersionError(key, expected_version, await self._stored_version(key))
        return False

    async def expire_idle(
        self, older_than: timedelta, *, per_scope: Mapping[str, timedelta] | None = None
    ) -> int:
        """Mark interviews idle for longer than their place allows as expired (kept for
        the grace period, counted as abandoned)."""
        now = self._clock()
        limits = dict(per_scope or {})
        shortest = min([older_than, *limits.values()])
        rows = await self._query(
            _EXPIRE_IDLE,
            now,
            now - shortest,
            list(limits),
            [limit.total_seconds() for limit in limits.values()],
            older_than.total_seconds(),
        )
        expired = int(rows[0][0])
        if expired:
            log.info("expired %d idle interview(s)", expired)
        return expired

    # --- a member's data ----------------------------------------------------------------

    async def _delete_member(self, user_id: str) -> int:
        # One statement, so all or none.
        rows = await self._query(_FORGET_USER, user_id)
        return int(rows[0][0])

    # --- copying between stores (storage.transfer) ---------------------------------------

    async def dump(self, batch_rows: int = BATCH_ROWS) -> Batches:
        """Every copied table as canonical rows in key order, from one snapshot."""
        async with (
            self._connection() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            for table in TABLES:
                cursor = await connection.cursor(table.select(text_collation=' COLLATE "C"'))
                while rows := await cursor.fetch(batch_rows):
                    yield table, [_canonical(table, row) for row in rows]

    async def replace_all(self, batches: Batches) -> None:
        """Replace every copied table's rows with ``batches``, in one transaction (COPY).
        The id counters then continue after the copied ids."""
        async with self._connection() as connection, connection.transaction():
            for table in reversed(TABLES):
                await connection.execute(f"DELETE FROM {table.name}")
            links = []
            async for table, rows in batches:
                unlinked, linked = unlink_sessions(table, rows)
                links += linked
                await connection.copy_records_to_table(
                    table.name, records=[_native(table, row) for row in unlinked], columns=table.column_names
                )
            await connection.executemany(sql.LINK_SESSION, links)
            for name in ("interviews", "results"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), coalesce(max(id), 0) + 1, false) "
                    f"FROM {name}"
                )


def _canonical(table: Table, row: asyncpg.Record) -> Row:
    """A stored row in the form both backends share (storage.transfer)."""
    return tuple(
        _stamp(value) if kind == "time" and value is not None else value
        for (_, kind), value in zip(table.columns, row, strict=True)
    )


def _native(table: Table, row: Row) -> tuple[Any, ...]:
    return tuple(
        parse_stamp(value) if kind == "time" and value is not None else value
        for (_, kind), value in zip(table.columns, row, strict=True)
    )


async def _keep_session(connection: Connection) -> None:
    """What the pool does to a connection handed back, beyond rolling back a transaction
    left open (which asyncpg always does): nothing. The store never LISTENs, SETs, holds
    a session-level advisory lock or leaves a cursor open, so asyncpg's default reset (a
    round trip of UNLISTEN, RESET ALL, ...) would only make every call cost two round
    trips instead of one."""


# $1-$3 are the key in every session statement.
_UPDATE_SESSION = f"{sql.UPDATE_SESSION} RETURNING version"

_CREATE_SESSION = """
WITH started AS (
    INSERT INTO interviews (user_id, scope, dialog, started_at, last_version)
    SELECT $1, $2, $3, $4, coalesce(max(last_version), 0) + 1
    FROM interviews WHERE user_id = $1 AND scope = $2 AND dialog = $3
    RETURNING id, last_version
)
INSERT INTO sessions (user_id, scope, dialog, version, data, step, created_at, updated_at, interview_id)
SELECT $1, $2, $3, last_version, $5, $6, $4, $4, id FROM started
RETURNING version
"""

_COMPLETE_SESSION = """
WITH closed AS (
    DELETE FROM sessions WHERE user_id = $1 AND scope = $2 AND dialog = $3 AND version = $4
    RETURNING interview_id
), ended AS (
    UPDATE interviews SET outcome = 'completed', ended_at = $5
    WHERE id IN (SELECT interview_id FROM closed)
)
INSERT INTO results (user_id, scope, dialog, verdict, hybrid_shape, data, created_at, progress)
SELECT $1, $2, $3, $6, $7, $8, $5, $9 FROM closed
RETURNING id
"""

_DISCARD_SESSION = """
WITH closed AS (
    DELETE FROM sessions WHERE user_id = $1 AND scope = $2 AND dialog = $3
        AND ($4::integer IS NULL OR version = $4)
    RETURNING interview_id
), ended AS (
    UPDATE interviews SET outcome = $5, ended_at = $6 WHERE id IN (SELECT interview_id FROM closed)
)
SELECT count(*) FROM closed
"""

# $1 now, $2 the earliest cut-off (for the index), $3/$4 places with their own limit in
# seconds, $5 everyone else's limit.
_EXPIRE_IDLE = """
WITH limits AS (
    SELECT * FROM unnest($3::text[], $4::double precision[]) AS l (scope, seconds)
), marked AS (
    UPDATE sessions AS s SET expired_at = $1
    WHERE s.expired_at IS NULL AND s.updated_at < $2
        AND s.updated_at < $1::timestamptz - make_interval(
            secs => coalesce((SELECT seconds FROM limits WHERE limits.scope = s.scope), $5))
    RETURNING s.interview_id
), ended AS (
    UPDATE interviews SET outcome = 'expired', ended_at = $1 WHERE id IN (SELECT interview_id FROM marked)
)
SELECT count(*) FROM marked
"""

_FORGET_USER = """
WITH sessions_gone AS (
    DELETE FROM sessions WHERE user_id = $1 RETURNING 1
), results_gone AS (
    DELETE FROM results WHERE user_id = $1 RETURNING 1
), interviews_gone AS (
    DELETE FROM interviews WHERE user_id = $1
), check_ins_gone AS (
    DELETE FROM check_ins WHERE user_id = $1
)
SELECT (SELECT count(*) FROM sessions_gone) + (SELECT count(*) FROM results_gone)
"""


async def migrate_postgres(connection: Connection, migrations: list[Migration] | None = None) -> int:
    """Bring the schema up to date in one transaction; return the version it is now at.

    A database from a newer release is refused before anything is written.
    """
    migrations = bundled_migrations("pg_schema") if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    current = await _schema_version(connection)
    refuse_newer(current, latest)
    if current >= latest:
        return current
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await connection.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version integer PRIMARY KEY, "
            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = await _schema_version(connection)  # another process may have just migrated
        refuse_newer(current, latest)
        for migration in migrations:
            if migration.version > current:
                await connection.execute(migration.sql)
                await connection.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
    return max(current, latest)


async def _schema_version(connection: Connection) -> int:
    exists = await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", MIGRATIONS_TABLE)
    if not exists:
        return 0
    return int(await connection.fetchval(f"SELECT coalesce(max(version), 0) FROM {MIGRATIONS_TABLE}"))


def _explain(url: str, error: BaseException) -> str:
    """One line for a person: what is wrong with the database and what to do about it.

    It names the server (password hidden), so it is for the log and the terminal, not
    for members.
    """
    where = _where(url)
    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return f"PostgreSQL at {where} refused the user or password in DATABASE_URL ({_first_line(error)})"
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return (
            f"PostgreSQL at {where} has no such database ({_first_line(error)}); create it first (createdb)"
        )
    if isinstance(error, asyncpg.TooManyConnectionsError | asyncpg.CannotConnectNowError):
        return (
            f"PostgreSQL at {where} is not taking connections just now ({_first_line(error)}); "
            "try again in a moment"
        )
    if isinstance(error, asyncpg.DiskFullError):
        return f"the disk of the PostgreSQL server at {where} is full; free some space and try again"
    if isinstance(error, asyncpg.ReadOnlySQLTransactionError):
        return f"PostgreSQL at {where} is read-only (a standby?), so nothing can be saved"
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return (
            f"the user in DATABASE_URL may not do this on {where} ({_first_line(error)}); grant it the rights"
        )
    if isinstance(error, StoreError):
        return str(error)
    if isinstance(
        error, OSError | TimeoutError | asyncpg.InterfaceError | asyncpg.ConnectionDoesNotExistError
    ):
        reason = (
            error.strerror if isinstance(error, OSError) and error.strerror else str(error) or "timed out"
        )
        return f"cannot reach PostgreSQL at {where} ({reason}); check that it is running and DATABASE_URL"
    return f"database error on {where}: {_first_line(error)}"


def _first_line(error: BaseException) -> str:
    """The server's message alone: its DETAIL can quote a row, and so a member's answers."""
    message = error.message if isinstance(error, asyncpg.PostgresError) else str(error)
    return str(message).splitlines()[0] if str(message) else type(error).__name__


def _where(url: str) -> str:
    """The server and database a URL names, for a message (never its user or password)."""
    try:
        return str(check_postgres_url(url))
    except DatabaseURLError:
        return "the server in DATABASE_URL"
