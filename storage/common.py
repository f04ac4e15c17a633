"""What both stores do the same way: the operations whose SQL (``storage.sql``) and row
mapping (``storage.rows``) are one, run over three primitives each store supplies.
``storage.sqlite`` and ``storage.postgres`` hold only what differs between them: opening,
writes of several statements (one transaction in SQLite, one statement in PostgreSQL),
the SQL that needs a backend's own functions, and the bulk reads and writes of a copy.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from dialogs.progress import Progress
from storage import rows, sql
from storage.clock import Clock
from storage.export import MemberExport
from storage.keys import SessionKey
from storage.protocol import CheckIn, CheckInStop, ResultRecord, StoredSession
from storage.reports import ReportRows, ScopeReport, assemble_report
from storage.rows import DriverRow, key_values, progress_json
from storage.settings import GuildSettings, next_run_after
from storage.transfer import TABLES

log = logging.getLogger(__name__)


class CommonStore(ABC):
    _clock: Clock
    # The report queries and the export's steps written in the backend's own SQL.
    _report_queries: ClassVar[sql.ReportQueries]
    _export_progress: ClassVar[str]

    # --- what each store supplies ---------------------------------------------------------

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def _query(self, statement: str, *args: Any) -> Sequence[DriverRow]:
        """The rows of one read."""

    @abstractmethod
    async def _execute(self, statement: str, *args: Any) -> int:
        """One statement as a write of its own, committed; the rows it changed."""

    @abstractmethod
    async def _execute_returning(self, statement: str, *args: Any) -> Sequence[DriverRow]:
        """One statement with a RETURNING clause as a write of its own, committed; its rows."""

    @abstractmethod
    async def _delete_member(self, user_id: str) -> int:
        """Delete every row about one member, all or none; how many sessions in progress
        and results went."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- sessions -------------------------------------------------------------------------

    async def load(self, key: SessionKey) -> StoredSession | None:
        found = await self._query(sql.LOAD_SESSION, *key_values(key))
        return rows.stored_session(key, found[0]) if found else None

    async def _stored_version(self, key: SessionKey) -> int | None:
        found = await self._query(sql.SESSION_VERSION, *key_values(key))
        return int(found[0][0]) if found else None

    async def purge_expired(self, grace: timedelta) -> int:
        """Delete expired interviews whose grace period is over."""
        return await self._execute(sql.PURGE_EXPIRED, self._clock() - grace)

    async def take_expiry_notice(self, key: SessionKey) -> datetime | None:
        """When the member's interview here expired, if they have not been told yet (once)."""
        taken = await self._execute_returning(sql.TAKE_EXPIRY_NOTICE, *key_values(key))
        return rows.moment(taken[0][0]) if taken else None

    # --- results ------------------------------------------------------------------------

    async def mark_shared(self, result_id: int) -> None:
        """Record that the member chose to post this result publicly."""
        await self._execute(sql.MARK_SHARED, result_id)

    async def history(self, user_id: str, *, limit: int = 50) -> list[ResultRecord]:
        """The member's results, newest first (every one for a negative ``limit``)."""
        found = await self._query(sql.HISTORY, user_id, limit if limit >= 0 else sql.ALL_ROWS)
        return [rows.result_record(row) for row in found]

    async def result(self, user_id: str, result_id: int) -> ResultRecord | None:
        """One of the member's results, or None if it is not theirs or no longer stored."""
        found = await self._query(sql.RESULT_OF, result_id, user_id)
        return rows.result_record(found[0]) if found else None

    async def results_for_scope(self, scope: str, *, since: datetime | None = None) -> list[ResultRecord]:
        found = await self._query(sql.RESULTS_FOR_SCOPE, scope, since or sql.EARLIEST)
        return [rows.result_record(row) for row in found]

    # --- roadmaps and check-ins ---------------------------------------------------------

    async def save_progress(
        self, user_id: str, result_id: int, progress: Progress, *, expected_version: int
    ) -> bool:
        """Store a roadmap's progress if it is still at ``expected_version``."""
        changed = await self._execute(
            sql.SAVE_PROGRESS, result_id, user_id, expected_version, progress_json(progress)
        )
        return changed == 1

    async def check_ins(self, user_id: str) -> CheckIn | None:
        found = await self._query(sql.CHECK_IN_OF, user_id)
        return rows.check_in(found[0]) if found else None

    async def schedule_check_ins(self, user_id: str, every: timedelta, lang: str) -> CheckIn:
        """Check in with the member every ``every``, the first one ``every`` from now."""
        now = self._clock()
        days = max(1, round(every / timedelta(days=1)))
        await self._execute(sql.SCHEDULE_CHECK_INS, user_id, days, lang, now + timedelta(days=days), now)
        scheduled = await self.check_ins(user_id)
        assert scheduled is not None
        return scheduled

    async def stop_check_ins(
        self, user_id: str, reason: CheckInStop, *, due_at: datetime | None = None
    ) -> bool:
        """Stop the member's check-ins (only the one due at ``due_at``, when given); False
        when none were running, or another was scheduled meanwhile."""
        if due_at is None:
            changed = await self._execute(sql.STOP_CHECK_INS, user_id, reason, self._clock())
        else:
            changed = await self._execute(sql.STOP_DUE_CHECK_IN, user_id, reason, self._clock(), due_at)
        return changed == 1

    async def due_check_ins(self, *, limit: int = 50) -> list[CheckIn]:
        return [rows.check_in(row) for row in await self._query(sql.DUE_CHECK_INS, self._clock(), limit)]

    async def record_check_in_sent(self, check_in: CheckIn) -> bool:
        """Move the member's next check-in on by their interval (past now, if the bot was
        off for weeks: one message, then the schedule), if it is still the one sent."""
        if check_in.next_at is None:
            return False
        now = self._clock()
        following = next_run_after(check_in.next_at, check_in.every, now)
        changed = await self._execute(
            sql.RECORD_CHECK_IN_SENT, following, now, check_in.user_id, check_in.next_at
        )
        return changed == 1

    # --- a member's data ----------------------------------------------------------------

    async def export_user(self, user_id: str) -> MemberExport:
        sessions = await self._query(sql.EXPORT_SESSIONS, user_id)
        results = await self.history(user_id, limit=-1)
        progress = await self._query(self._export_progress, user_id)
        check_ins = await self.check_ins(user_id)
        return rows.member_export(user_id, self._clock(), sessions, results, progress, check_ins=check_ins)

    async def forget_user(self, user_id: str) -> int:
        """Delete everything stored about one member; return how many interviews in
        progress and results went (their progress counters go with them)."""
        removed = await self._delete_member(user_id)
        log.info("forgot a member's data: %d record(s) deleted", removed)
        return removed

    # --- servers: settings, digests, reports --------------------------------------------

    async def guild_settings(self, guild_id: str) -> GuildSettings:
        found = await self._query(sql.GUILD_SETTINGS, guild_id)
        return rows.guild_settings(found[0]) if found else GuildSettings(guild_id=guild_id)

    async def all_guild_settings(self) -> list[GuildSettings]:
        return [rows.guild_settings(row) for row in await self._query(sql.ALL_GUILD_SETTINGS)]

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        values = rows.settings_values(settings.validated(), self._clock())
        await self._execute(sql.SAVE_GUILD_SETTINGS, *values)

    async def due_digests(self) -> list[GuildSettings]:
        """The servers whose weekly digest is due now."""
        found = await self._query(sql.DUE_DIGESTS, self._clock())
        # A row that did not validate reads as the defaults, and so as no digest.
        return [settings for settings in map(rows.guild_settings, found) if settings.digest_enabled]

    async def record_digest_posted(self, settings: GuildSettings, every: timedelta) -> GuildSettings | None:
        """Move the server's next digest on by ``every`` (past now, if the bot was off for
        weeks: one digest, then the schedule), if it is still due when ``settings`` said;
        return the settings as recorded, or None when another process recorded it first."""
        due = settings.digest_next_at
        if due is None:
            return None
        following = next_run_after(due, every, self._clock())
        changed = await self._execute(sql.RECORD_DIGEST_POSTED, following, settings.guild_id, due)
        return settings.with_changes(digest_next_at=following) if changed == 1 else None

    async def record_quick_check(self, scope: str) -> None:
        """Count one quick check in a place; what was checked is not kept."""
        await self._execute(sql.RECORD_QUICK_CHECK, scope, self._clock())

    async def report(
        self, scope: str, *, since: datetime | None, until: datetime | None = None
    ) -> ScopeReport:
        """Counts for one place over a period: interviews, verdicts, first steps, drop-off."""
        until = until or self._clock()
        period = (scope, since or sql.EARLIEST, until)
        queries = self._report_queries
        found = ReportRows(
            outcomes=await self._query(queries.outcomes, *period),
            verdicts=await self._query(queries.verdicts, *period),
            first_steps=await self._query(queries.first_steps, *period),
            reached=await self._query(queries.reached, *period),
            left=await self._query(queries.left, *period),
            weekly=await self._query(queries.weekly, *period),
            members=await self._query(queries.members, *period),
            quick_checks=await self._query(queries.quick_checks, *period),
            kinds=await self._query(queries.kinds, *period),
            step_states=await self._query(queries.step_states, *period),
            roadmap_members=await self._query(queries.roadmap_members, *period),
            finished=[
                (rows.moment(start), rows.moment(end))
                for start, end in await self._query(queries.finished, *period)
            ],
        )
        return assemble_report(scope, since, until, found)

    # --- background tasks ---------------------------------------------------------------

    async def begin_task(self, name: str, holder: str, *, lease: timedelta) -> bool:
        """Take (or renew) the lease on a background task if it is due and free."""
        now = self._clock()
        return bool(await self._execute_returning(sql.BEGIN_TASK, name, holder, now + lease, now))

    async def finish_task(self, name: str, holder: str, *, next_run_in: timedelta) -> bool:
        """Give the lease back and set when the task is next due; False if the lease had
        already passed to another process."""
        changed = await self._execute(sql.FINISH_TASK, self._clock() + next_run_in, name, holder)
        return changed == 1

    # --- copying between stores (storage.transfer) ---------------------------------------

    async def row_counts(self) -> dict[str, int]:
        counts = {}
        for table in TABLES:
            found = await self._query(f"SELECT count(*) FROM {table.name}")
            counts[table.name] = int(found[0][0])
        return counts
