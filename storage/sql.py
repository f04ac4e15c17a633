"""The SQL both stores run, written once with PostgreSQL's numbered placeholders ($1,
$2, ...); SQLite reads the same numbers spelled ?1, ?2 (``for_sqlite``). Moments are bound
as datetimes (the SQLite store writes them as ``storage.clock.stamp`` text, which sorts
in the order of the moments, so comparisons mean the same on both).

What differs stays in each store: PostgreSQL's one-statement writes (data-modifying CTEs)
against SQLite's transactions of several, JSON paths, week arithmetic, and aggregating a
list of steps.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_PLACEHOLDER = re.compile(r"\$(\d+)")


@functools.cache
def for_sqlite(sql: str) -> str:
    """``sql`` with SQLite's spelling of numbered placeholders (?1 for $1)."""
    return _PLACEHOLDER.sub(r"?\1", sql)


# Bound for a period with no start: before every stored moment.
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
# A LIMIT both backends read as "every row" (SQLite refuses NULL, PostgreSQL a negative).
ALL_ROWS = 2**63 - 1

# $1-$3 name a session: its member, place and dialog.
KEY = "user_id = $1 AND scope = $2 AND dialog = $3"

# --- sessions ---------------------------------------------------------------------------

LOAD_SESSION = f"SELECT version, data, created_at, updated_at, expired_at FROM sessions WHERE {KEY}"
SESSION_VERSION = f"SELECT version FROM sessions WHERE {KEY}"
# $4 the version the save was based on, $5 the session JSON, $6 its step, $7 now. A save
# revives an expired session: the member came back within the grace period.
UPDATE_SESSION = (
    "UPDATE sessions SET version = version + 1, data = $5, step = $6, updated_at = $7, "
    f"expired_at = NULL, expiry_noticed = false WHERE {KEY} AND version = $4"
)
UNNOTICED_EXPIRY = f"{KEY} AND expired_at IS NOT NULL AND NOT expiry_noticed"
TAKE_EXPIRY_NOTICE = (
    f"UPDATE sessions SET expiry_noticed = true WHERE {UNNOTICED_EXPIRY} RETURNING expired_at"
)
# $1 the end of the grace period.
PURGE_EXPIRED = "DELETE FROM sessions WHERE expired_at IS NOT NULL AND expired_at < $1"
# Copying: a session's interview is linked once both rows are in (storage.transfer).
LINK_SESSION = f"UPDATE sessions SET interview_id = $4 WHERE {KEY}"

RECORD_QUICK_CHECK = "INSERT INTO quick_checks (scope, checked_at) VALUES ($1, $2)"

# --- results ----------------------------------------------------------------------------

RESULT_COLUMNS = "id, user_id, scope, dialog, data, shared, created_at, progress, progress_version"
# $1 the result, $2 its member, $3 the progress version the change was based on, $4 the
# new progress: refused (no row changed) when another change came first.
SAVE_PROGRESS = (
    "UPDATE results SET progress = $4, progress_version = progress_version + 1 "
    "WHERE id = $1 AND user_id = $2 AND progress_version = $3"
)
MARK_SHARED = "UPDATE results SET shared = true WHERE id = $1"
HISTORY = (
    f"SELECT {RESULT_COLUMNS} FROM results WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
)
# A member's own result by id: another member's id reads as none.
RESULT_OF = f"SELECT {RESULT_COLUMNS} FROM results WHERE id = $1 AND user_id = $2"
RESULTS_FOR_SCOPE = (
    f"SELECT {RESULT_COLUMNS} FROM results WHERE scope = $1 AND created_at >= $2 ORDER BY created_at, id"
)

# --- a member's data --------------------------------------------------------------------

EXPORT_SESSIONS = (
    "SELECT scope, dialog, version, data, created_at, updated_at FROM sessions "
    "WHERE user_id = $1 ORDER BY created_at"
)


def export_progress(steps_reached: str) -> str:
    """A member's interviews, oldest first, with ``steps_reached``: the backend's
    expression for the steps of interview ``i`` as one "step,step,..." text."""
    return (
        f"SELECT i.scope, i.started_at, i.ended_at, i.outcome, i.last_step, ({steps_reached}) "
        "FROM interviews AS i WHERE i.user_id = $1 ORDER BY i.started_at, i.id"
    )


# --- check-ins ----------------------------------------------------------------------------

CHECK_IN_COLUMNS = "user_id, every_days, lang, next_at, stopped, sent, updated_at"
CHECK_IN_OF = f"SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE user_id = $1"
# $1 the member, $2 days between check-ins, $3 their language, $4 the first one due, $5 now.
SCHEDULE_CHECK_INS = (
    "INSERT INTO check_ins (user_id, every_days, lang, next_at, stopped, sent, updated_at) "
    "VALUES ($1, $2, $3, $4, NULL, 0, $5) ON CONFLICT (user_id) DO UPDATE SET "
    "every_days = excluded.every_days, lang = excluded.lang, next_at = excluded.next_at, "
    "stopped = NULL, updated_at = excluded.updated_at"
)
# $1 the member, $2 why, $3 now.
STOP_CHECK_INS = (
    "UPDATE check_ins SET next_at = NULL, stopped = $2, updated_at = $3 "
    "WHERE user_id = $1 AND next_at IS NOT NULL"
)
# The same for the one due at $4 only: a compare-and-set, so the sender never stops a
# schedule the member has just chosen again.
STOP_DUE_CHECK_IN = f"{STOP_CHECK_INS} AND next_at = $4"
# $1 now, $2 how many at most.
DUE_CHECK_INS = (
    f"SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE next_at IS NOT NULL AND next_at <= $1 "
    "ORDER BY next_at, user_id LIMIT $2"
)
# A compare-and-set on the due time: $1 the next one, $2 now, $3 the member, $4 the one sent.
RECORD_CHECK_IN_SENT = (
    "UPDATE check_ins SET next_at = $1, sent = sent + 1, updated_at = $2 WHERE user_id = $3 AND next_at = $4"
)

# --- servers: settings and digests ------------------------------------------------------

SETTINGS_COLUMNS = (
    "guild_id, results_channel_id, interviews_in_channels, session_expiry_days, "
    "check_cooldown_seconds, digest_enabled, digest_next_at, check_ins_enabled"
)
GUILD_SETTINGS = f"SELECT {SETTINGS_COLUMNS} FROM guild_settings WHERE guild_id = $1"
ALL_GUILD_SETTINGS = f"SELECT {SETTINGS_COLUMNS} FROM guild_settings ORDER BY guild_id"
SAVE_GUILD_SETTINGS = (
    f"INSERT INTO guild_settings ({SETTINGS_COLUMNS}, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (guild_id) DO UPDATE SET results_channel_id = excluded.results_channel_id, "
    "interviews_in_channels = excluded.interviews_in_channels, "
    "session_expiry_days = excluded.session_expiry_days, "
    "check_cooldown_seconds = excluded.check_cooldown_seconds, "
    "digest_enabled = excluded.digest_enabled, digest_next_at = excluded.digest_next_at, "
    "check_ins_enabled = excluded.check_ins_enabled, updated_at = excluded.updated_at"
)
# $1 now.
DUE_DIGESTS = (
    f"SELECT {SETTINGS_COLUMNS} FROM guild_settings WHERE digest_enabled AND digest_next_at <= $1 "
    "ORDER BY guild_id"
)
# A compare-and-set on the due time: $1 the next one, $2 the server, $3 the one posted.
RECORD_DIGEST_POSTED = (
    "UPDATE guild_settings SET digest_next_at = $1 WHERE guild_id = $2 AND digest_next_at = $3"
)

# --- background tasks -------------------------------------------------------------------

# $1 the task, $2 the holder, $3 the end of the lease, $4 now. Taken when the task is due
# and its lease is free, its holder's own, or run out; RETURNING says whether it was.
BEGIN_TASK = (
    "INSERT INTO task_leases (name, holder, lease_until, next_run_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until "
    "WHERE task_leases.next_run_at <= excluded.next_run_at AND (task_leases.holder IS NULL "
    "OR task_leases.holder = excluded.holder OR task_leases.lease_until <= excluded.next_run_at) "
    "RETURNING holder"
)
# $1 when the task is next due, $2 the task, $3 the holder.
FINISH_TASK = (
    "UPDATE task_leases SET holder = NULL, lease_until = NULL, next_run_at = $1 "
    "WHERE name = $2 AND holder = $3"
)

# --- staff reports ----------------------------------------------------------------------


def period(column: str, scope: str = "scope") -> str:
    """A report's rows by place and moment: $1 the place, $2 since (EARLIEST for no
    start), $3 until."""
    return f"{scope} = $1 AND {column} >= $2 AND {column} <= $3"


@dataclass(frozen=True)
class ReportQueries:
    """The queries of a staff report (storage.reports.ReportRows says what each returns).
    A backend writes the two that need its own functions (with ``period``); the rest are
    the same on both."""

    first_steps: str
    weekly: str
    kinds: str
    step_states: str
    roadmap_members: str
    outcomes: str = (
        "SELECT coalesce(outcome, 'in_progress'), count(*) FROM interviews "
        f"WHERE {period('started_at')} GROUP BY 1"
    )
    verdicts: str = (
        f"SELECT verdict, hybrid_shape, count(*) FROM results WHERE {period('created_at')} GROUP BY 1, 2"
    )
    reached: str = (
        "SELECT s.step_id, count(*) FROM interview_steps AS s JOIN interviews AS i ON i.id = s.interview_id "
        f"WHERE {period('i.started_at', 'i.scope')} GROUP BY 1"
    )
    left: str = (
        f"SELECT last_step, count(*) FROM interviews WHERE {period('started_at')} "
        "AND outcome IN ('cancelled', 'expired') AND last_step IS NOT NULL GROUP BY 1"
    )
    members: str = f"SELECT count(DISTINCT user_id) FROM interviews WHERE {period('started_at')}"
    quick_checks: str = f"SELECT count(*) FROM quick_checks WHERE {period('checked_at')}"
    finished: str = (
        f"SELECT started_at, ended_at FROM interviews WHERE {period('started_at')} "
        "AND outcome = 'completed' AND ended_at IS NOT NULL"
    )
