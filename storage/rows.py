"""Rows into records and records into the values a statement binds, written once for both
stores, in the column order of the statements in ``storage.sql``.

A row is read as either driver returns it: a moment comes as a datetime from asyncpg
and as ``storage.clock.stamp`` text from SQLite, a flag as a boolean or as 0/1, a
Discord id as an integer or as text. Values to bind keep moments as datetimes; the
SQLite store stamps them as it binds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from dialogs.progress import Progress, read_progress
from dialogs.session import SessionSchemaError, load_session_json
from dialogs.verdict import Classification
from storage.clock import parse_stamp
from storage.export import (
    ExportedCheckIns,
    ExportedProgress,
    ExportedResult,
    ExportedSession,
    MemberExport,
)
from storage.keys import SessionKey
from storage.protocol import CheckIn, ResultRecord, StoredSession, StoreSchemaError
from storage.settings import GuildSettings, read_settings


class DriverRow(Protocol):
    """A row as sqlite3 or asyncpg returns it: indexed and unpacked."""

    def __getitem__(self, index: int, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


def moment(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else parse_stamp(value)


def optional_moment(value: datetime | str | None) -> datetime | None:
    return moment(value) if value else None


def key_values(key: SessionKey) -> tuple[str, str, str]:
    """$1-$3 of every statement about one session (``storage.sql.KEY``)."""
    return key.user_id, key.scope, key.dialog


def stored_session(key: SessionKey, row: DriverRow) -> StoredSession:
    """A row of ``storage.sql.LOAD_SESSION``."""
    version, data, created_at, updated_at, expired_at = row
    try:
        session = load_session_json(data)
    except (ValueError, SessionSchemaError) as error:
        raise StoreSchemaError.unreadable("the stored interview", error) from None
    return StoredSession(
        key,
        session,
        int(version),
        moment(created_at),
        moment(updated_at),
        expired_at=optional_moment(expired_at),
    )


def result_record(row: DriverRow) -> ResultRecord:
    """A row of ``storage.sql.RESULT_COLUMNS``."""
    result_id, user_id, scope, dialog, data, shared, created_at, progress, progress_version = row
    try:
        result = Classification.model_validate_json(data)
        states = read_progress(json.loads(progress))
    except ValueError as error:
        raise StoreSchemaError.unreadable(f"a stored result ({result_id})", error) from None
    return ResultRecord(
        int(result_id),
        SessionKey(user_id, scope, dialog),
        result,
        moment(created_at),
        bool(shared),
        progress=states,
        progress_version=int(progress_version),
    )


def progress_json(progress: Progress) -> str:
    """Progress as ``results.progress`` holds it: the same text for the same states on
    both backends, so a copy checksums equal."""
    return json.dumps({step: state.value for step, state in progress.items()}, sort_keys=True)


def check_in(row: DriverRow) -> CheckIn:
    """A row of ``storage.sql.CHECK_IN_COLUMNS``."""
    user_id, every_days, lang, next_at, stopped, sent, updated_at = row
    return CheckIn(
        user_id=str(user_id),
        every=timedelta(days=int(every_days)),
        lang=str(lang),
        next_at=optional_moment(next_at),
        stopped=stopped,
        sent=int(sent),
        updated_at=moment(updated_at),
    )


def result_values(result: Classification) -> tuple[str, str | None, str]:
    """The verdict, the hybrid shape and the JSON of a result, as ``results`` holds them."""
    return (
        result.verdict.value,
        result.hybrid_shape.value if result.hybrid_shape else None,
        result.model_dump_json(),
    )


def guild_settings(row: DriverRow) -> GuildSettings:
    """A row of ``storage.sql.SETTINGS_COLUMNS``; one that does not validate reads as the
    defaults (``storage.settings.read_settings``)."""
    guild_id, channel, in_channels, expiry, cooldown, digest, next_at, check_ins = row
    return read_settings(
        guild_id,
        lambda: GuildSettings(
            guild_id=guild_id,
            results_channel_id=int(channel) if channel else None,
            interviews_in_channels=bool(in_channels),
            session_expiry_days=expiry,
            check_cooldown_seconds=cooldown,
            digest_enabled=bool(digest),
            digest_next_at=optional_moment(next_at),
            check_ins_enabled=bool(check_ins),
        ),
    )


def settings_values(settings: GuildSettings, updated_at: datetime) -> tuple[Any, ...]:
    """$1-$9 of ``storage.sql.SAVE_GUILD_SETTINGS``."""
    return (
        settings.guild_id,
        settings.results_channel_id,
        settings.interviews_in_channels,
        settings.session_expiry_days,
        settings.check_cooldown_seconds,
        settings.digest_enabled,
        settings.digest_next_at,
        settings.check_ins_enabled,
        updated_at,
    )


def member_export(
    user_id: str,
    exported_at: datetime,
    sessions: Iterable[DriverRow],
    results_newest_first: Sequence[ResultRecord],
    progress: Iterable[DriverRow],
    *,
    check_ins: CheckIn | None = None,
) -> MemberExport:
    """``sessions`` are rows of ``storage.sql.EXPORT_SESSIONS``, ``progress`` rows of
    ``storage.sql.export_progress`` (its steps as one "step,step,..." text)."""
    return MemberExport(
        user_id=user_id,
        exported_at=exported_at,
        sessions_in_progress=[
            ExportedSession(
                scope=scope,
                dialog=dialog,
                version=int(version),
                started_at=moment(started_at),
                updated_at=moment(updated_at),
                session=json.loads(data),
            )
            for scope, dialog, version, data, started_at, updated_at in sessions
        ],
        results=[
            ExportedResult(
                id=record.id,
                scope=record.key.scope,
                dialog=record.key.dialog,
                created_at=record.created_at,
                shared=record.shared,
                result=record.result,
                roadmap_progress={step: state.value for step, state in record.progress.items()},
            )
            for record in reversed(results_newest_first)
        ],
        interview_progress=[
            ExportedProgress(
                scope=scope,
                started_at=moment(started_at),
                ended_at=optional_moment(ended_at),
                outcome=outcome,
                last_step=last_step,
                steps_reached=steps.split(",") if steps else [],
            )
            for scope, started_at, ended_at, outcome, last_step, steps in progress
        ],
        check_ins=None
        if check_ins is None
        else ExportedCheckIns(
            every_days=check_ins.every.days,
            lang=check_ins.lang,
            next_at=check_ins.next_at,
            stopped=check_ins.stopped,
            sent=check_ins.sent,
        ),
    )
