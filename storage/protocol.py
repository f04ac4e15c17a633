"""The storage contract every backend fulfils: one small protocol per concern, the
``Store`` that is all of them, and the records and errors they hand back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import ValidationError

from dialogs.progress import Progress
from dialogs.session import Session
from dialogs.verdict import Classification
from storage.export import MemberExport
from storage.keys import SessionKey
from storage.problems import first_problem
from storage.reports import ScopeReport
from storage.settings import GuildSettings


class StoreError(RuntimeError):
    """The store could not do what was asked; the message is fit to show a person."""


class StaleVersionError(StoreError):
    """A write was based on a version that is no longer the stored one."""

    def __init__(self, key: SessionKey, expected: int, actual: int | None) -> None:
        self.key, self.expected, self.actual = key, expected, actual
        found = "no session" if actual is None else f"version {actual}"
        super().__init__(f"session changed meanwhile: expected version {expected}, found {found}")


class StoreSchemaError(StoreError):
    """The database was written by a newer release, or is not ours."""

    @classmethod
    def unreadable(cls, what: str, error: ValueError) -> StoreSchemaError:
        """``what`` cannot be read back. The message says where the record went wrong but
        never quotes it: a stored record holds a member's answers, and this message is
        logged."""
        if isinstance(error, ValidationError):
            return cls(f"{what} cannot be read: {first_problem(error)}")
        if isinstance(error, json.JSONDecodeError):
            return cls(f"{what} cannot be read: not JSON ({error.msg} at character {error.pos})")
        return cls(f"{what} cannot be read: {error}")


class StoreUnavailableError(StoreError):
    """The database cannot be opened or written (path, permissions, disk)."""


DiscardReason = Literal["cancelled", "restarted"]


@dataclass(frozen=True, slots=True)
class StoredSession:
    key: SessionKey
    session: Session
    version: int
    created_at: datetime
    updated_at: datetime
    # Set when the interview sat idle past its expiry; it can still be resumed until
    # the grace period is over.
    expired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResultRecord:
    id: int
    key: SessionKey
    result: Classification
    created_at: datetime
    shared: bool = False
    # The member's roadmap checklist (step id -> state; a step not named is to do) and its
    # version, which every change names (``Roadmaps.save_progress``).
    progress: Progress = field(default_factory=dict)
    progress_version: int = 0


CheckInStop = Literal["member", "refused", "finished", "server"]


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A member's check-in schedule. ``next_at`` is when the next one is due while they
    run; ``stopped`` says why they stopped (then ``next_at`` is None)."""

    user_id: str
    every: timedelta
    lang: str
    next_at: datetime | None
    stopped: str | None
    sent: int
    updated_at: datetime


class Sessions(Protocol):
    """Interviews in progress: one per key, version-checked.

    Versions grow by one with each write; a write names the version it was based on (0
    for "create") and is refused with StaleVersionError if that is no longer the stored
    one. Nothing is ever silently overwritten. A created session starts above every
    version the same key's earlier interviews reached (at 1 for the key's first), so a
    version never repeats across a key's interviews and a component drawn for an old
    interview can never match a new one; ``save(..., expected_version=0)`` returns the
    version it started at. (Forgetting a member, ``forget_user``, clears that memory too.)

    ``complete`` records the result (with the roadmap progress a retake carries over) and
    closes the session in one transaction. An idle
    session is marked expired (``expire_idle``), can be resumed until ``purge_expired``
    deletes it, and its member is told once (``take_expiry_notice``).
    """

    async def load(self, key: SessionKey) -> StoredSession | None: ...

    async def save(self, key: SessionKey, session: Session, *, expected_version: int) -> int: ...

    async def complete(
        self,
        key: SessionKey,
        result: Classification,
        *,
        expected_version: int,
        progress: Progress | None = None,
    ) -> ResultRecord: ...

    async def discard(
        self, key: SessionKey, *, expected_version: int | None = None, reason: DiscardReason = "cancelled"
    ) -> bool: ...

    async def expire_idle(
        self, older_than: timedelta, *, per_scope: Mapping[str, timedelta] | None = None
    ) -> int: ...

    async def purge_expired(self, grace: timedelta) -> int: ...

    async def take_expiry_notice(self, key: SessionKey) -> datetime | None: ...


class Results(Protocol):
    """Completed interviews: a member's history, a place's results, which were shared."""

    async def mark_shared(self, result_id: int) -> None: ...

    async def history(self, user_id: str, *, limit: int = 50) -> list[ResultRecord]: ...

    async def result(self, user_id: str, result_id: int) -> ResultRecord | None: ...

    async def results_for_scope(self, scope: str, *, since: datetime | None = None) -> list[ResultRecord]: ...


class Roadmaps(Protocol):
    """A result's roadmap as the member's checklist, version-checked like a session: a
    change names the progress version it was based on and is refused (False) when another
    change came first, or when the result is not that member's."""

    async def save_progress(
        self, user_id: str, result_id: int, progress: Progress, *, expected_version: int
    ) -> bool: ...


class CheckIns(Protocol):
    """The check-ins members asked for. One schedule per member; the sender takes the due
    ones (``due_check_ins``) and records each as sent only after Discord took it
    (``record_check_in_sent``, a compare-and-set on its due time), so a process dying in
    between leaves it due, and a second process cannot record it twice."""

    async def check_ins(self, user_id: str) -> CheckIn | None: ...

    async def schedule_check_ins(self, user_id: str, every: timedelta, lang: str) -> CheckIn: ...

    async def stop_check_ins(
        self, user_id: str, reason: CheckInStop, *, due_at: datetime | None = None
    ) -> bool: ...

    async def due_check_ins(self, *, limit: int = 50) -> list[CheckIn]: ...

    async def record_check_in_sent(self, check_in: CheckIn) -> bool: ...


class MemberData(Protocol):
    """Everything stored about one member, handed over or deleted."""

    async def export_user(self, user_id: str) -> MemberExport: ...

    async def forget_user(self, user_id: str) -> int: ...


class ServerSettings(Protocol):
    """Each server's settings, checked by ``GuildSettings`` at every write and read."""

    async def guild_settings(self, guild_id: str) -> GuildSettings: ...

    async def all_guild_settings(self) -> list[GuildSettings]: ...

    async def save_guild_settings(self, settings: GuildSettings) -> None: ...


class DigestSchedule(Protocol):
    """When each server's weekly digest is due. A digest is recorded as posted only after
    it was posted (``record_digest_posted``, a compare-and-set on its due time)."""

    async def due_digests(self) -> list[GuildSettings]: ...

    async def record_digest_posted(
        self, settings: GuildSettings, every: timedelta
    ) -> GuildSettings | None: ...


class TaskLeases(Protocol):
    """Background tasks (the expiry sweep, the weekly digest) run under a named lease, so
    several bot processes share them: ``begin_task`` takes it when the task is due and
    nobody holds an unexpired lease on it (the holder calls it again to renew),
    ``finish_task`` gives it back and says when the task is next due. A holder that dies
    lets its lease run out, and the next process to ask takes the task over."""

    async def begin_task(self, name: str, holder: str, *, lease: timedelta) -> bool: ...

    async def finish_task(self, name: str, holder: str, *, next_run_in: timedelta) -> bool: ...


class Reports(Protocol):
    """What staff may see of a place: counts over a period, never a member's answers."""

    async def report(
        self, scope: str, *, since: datetime | None, until: datetime | None = None
    ) -> ScopeReport: ...

    async def record_quick_check(self, scope: str) -> None: ...


class Store(
    Sessions,
    Results,
    Roadmaps,
    CheckIns,
    MemberData,
    ServerSettings,
    DigestSchedule,
    TaskLeases,
    Reports,
    Protocol,
):
    """Every concern at once, as each backend (``storage.sqlite``, ``storage.postgres``)
    fulfils them."""

    async def close(self) -> None: ...


# The whole contract, under the name the front ends and benchmarks type against.
SessionStore = Store
