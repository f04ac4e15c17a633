"""The advisor as a service: load a member's session, advance the engine, store it.

Both front ends (the terminal and Discord) call this; it imports no transport. Every
change is written with a version check, so two windows, two processes or a double
click can never overwrite each other: a stale write is retried from the fresh state
when the caller did not pin a version, and reported when it did (a button drawn for
an older step).
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from dialogs.engine import DialogEngine, Turn, TurnKind
from dialogs.messages import Msg
from dialogs.progress import carried_over
from dialogs.session import Session
from storage.keys import SessionKey
from storage.protocol import MemberData, ResultRecord, Results, Sessions, StaleVersionError, StoredSession

log = logging.getLogger(__name__)

# How often an unpinned action is re-applied to fresh state after a conflicting write.
MAX_RETRIES = 3
# Members whose bad answers in a row are remembered at once (a few bytes each).
MAX_TRACKED_FAILURES = 10_000
# Hex digits of a data fingerprint (bot/interview/views.py fits it in a custom_id).
FINGERPRINT_LENGTH = 10


class Action(StrEnum):
    ANSWER = "answer"
    BACK = "back"
    SKIP = "skip"
    EDIT = "edit"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Outcome:
    """What happened to one member action, for a front end to render."""

    turn: Turn
    # The stored version after this action (0 when no session is stored any more).
    version: int
    record: ResultRecord | None = None
    stale: bool = False
    resumed: bool = False
    # The interview had expired from idleness and came back within its grace period.
    revived: bool = False
    # On a finished retake: the member's result before this one, for what moved since.
    previous: ResultRecord | None = None


class NoActiveInterview(LookupError):
    """The member has no interview in progress here."""


class MemberStore(Sessions, Results, MemberData, Protocol):
    """What the advisor service needs of a store: a member's sessions, results and data."""


class AdvisorService:
    def __init__(
        self,
        store: MemberStore,
        engine: DialogEngine | None = None,
        *,
        expiry: timedelta = timedelta(days=7),
        grace: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.engine = engine or DialogEngine()
        self.expiry = expiry
        self.grace = grace
        self._clock = clock
        # Invalid answers in a row, per member and step; kept in memory because a bad
        # answer must leave the stored session exactly as it was. The oldest go first past
        # MAX_TRACKED_FAILURES (members who gave up after a bad answer never clear theirs).
        self._failures: OrderedDict[tuple[SessionKey, str], int] = OrderedDict()

    async def begin(
        self, key: SessionKey, *, restart: bool = False, expected_version: int | None = None
    ) -> Outcome:
        """Resume the member's interview, or start one (afresh when ``restart``).

        With ``expected_version`` (a restart confirmed for the version it was shown for),
        an interview stored at another version is left alone and reported stale.
        """
        for _ in range(MAX_RETRIES):
            stored = await self.store.load(key)
            if expected_version is not None and (stored.version if stored else 0) != expected_version:
                if stored is None:
                    raise NoActiveInterview(key)
                return Outcome(self.engine.resume(stored.session), stored.version, stale=True)
            try:
                if stored is not None and self._past_grace(stored):
                    await self.store.discard(key, expected_version=stored.version, reason="restarted")
                    stored = None
                if stored is not None and not restart:
                    turn = self.engine.resume(stored.session)
                    if turn.kind is TurnKind.FINISHED:
                        # A newer bank can turn a stored interview into a finished one.
                        return await self._finish(key, turn, stored.version)
                    if turn.kind is TurnKind.ASK:
                        version = stored.version
                        revived = stored.expired_at is not None
                        if turn.session != stored.session or revived:
                            version = await self.store.save(key, turn.session, expected_version=version)
                        return Outcome(turn, version, resumed=True, revived=revived)
                if stored is not None:
                    await self.store.discard(key, expected_version=stored.version, reason="restarted")
                turn = self.engine.start()
                return Outcome(turn, await self.store.save(key, turn.session, expected_version=0))
            except StaleVersionError:
                log.debug("begin raced another writer; retrying")
        raise StaleVersionError(key, 0, None)

    def _past_grace(self, stored: StoredSession) -> bool:
        return stored.expired_at is not None and self._clock() - stored.expired_at > self.grace

    async def current(self, key: SessionKey) -> Outcome:
        stored = await self.store.load(key)
        if stored is None or self._past_grace(stored):
            raise NoActiveInterview(key)
        return Outcome(self.engine.resume(stored.session), stored.version, resumed=True)

    async def act(
        self,
        key: SessionKey,
        action: Action,
        value: str | Sequence[str] = "",
        *,
        expected_version: int | None = None,
    ) -> Outcome:
        """Apply one member action and store the result under a version check.

        With ``expected_version`` (a button drawn for a given step) a mismatch is
        reported as stale and nothing changes; without it, the action is applied to
        the latest state.
        """
        for _ in range(MAX_RETRIES):
            stored = await self.store.load(key)
            if stored is None or self._past_grace(stored):
                raise NoActiveInterview(key)
            if expected_version is not None and stored.version != expected_version:
                return Outcome(self.engine.resume(stored.session), stored.version, stale=True)
            session = self.engine.reconcile(stored.session)
            turn = self._apply(key, session, action, value)
            try:
                outcome = await self._store_turn(
                    key, turn, stored.version, changed=turn.session != stored.session
                )
                return replace(outcome, revived=stored.expired_at is not None)
            except StaleVersionError:
                if expected_version is not None:
                    latest = await self.store.load(key)
                    if latest is None:
                        raise NoActiveInterview(key) from None
                    return Outcome(self.engine.resume(latest.session), latest.version, stale=True)
                log.debug("action raced another writer; retrying on fresh state")
        raise StaleVersionError(key, expected_version or 0, None)

    async def restart(self, key: SessionKey, *, expected_version: int | None = None) -> Outcome:
        return await self.begin(key, restart=True, expected_version=expected_version)

    # --- a member's results and data -----------------------------------------------------

    async def history(self, user_id: str, *, limit: int = 50) -> list[ResultRecord]:
        """The member's results, newest first."""
        return await self.store.history(user_id, limit=limit)

    async def latest(self, user_id: str) -> ResultRecord | None:
        records = await self.store.history(user_id, limit=1)
        return records[0] if records else None

    async def result(self, user_id: str, result_id: int) -> ResultRecord | None:
        """One of the member's own results (None for another member's, or a forgotten one)."""
        return await self.store.result(user_id, result_id)

    async def mark_shared(self, record: ResultRecord) -> None:
        """Note that the member chose to post this result where others see it."""
        await self.store.mark_shared(record.id)

    async def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the member, as the JSON document they may download."""
        return (await self.store.export_user(user_id)).model_dump(mode="json")

    async def take_expiry_notice(self, key: SessionKey) -> datetime | None:
        """When the member's interview here expired, if they have not been told yet (they
        are told once: this marks it told)."""
        return await self.store.take_expiry_notice(key)

    # --- a member's data as a whole -------------------------------------------------------

    async def data_fingerprint(self, user_id: str) -> str:
        """A short fingerprint of everything stored about a member: it changes with every
        answer, result or deletion, so a confirmation drawn for it can tell that what it
        was shown for is no longer what is stored."""
        export = await self.store.export_user(user_id)
        parts = sorted(f"result {record.id}" for record in export.results)
        parts += sorted(
            f"session {session.scope} {session.dialog} {session.version}"
            for session in export.sessions_in_progress
        )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:FINGERPRINT_LENGTH]

    async def forget(self, user_id: str, *, fingerprint: str | None = None) -> int | None:
        """Delete everything stored about a member and return how many records went; with
        ``fingerprint``, only if their data is still what it was when it was taken (else
        None, and nothing is deleted)."""
        if fingerprint is not None and await self.data_fingerprint(user_id) != fingerprint:
            return None
        return await self.store.forget_user(user_id)

    def help(self, session: Session) -> Msg:
        return self.engine.help(session)

    async def expire_idle(self, per_scope: Mapping[str, timedelta] | None = None) -> int:
        """Mark idle interviews expired (per place where its staff chose another expiry),
        and delete the expired ones whose grace period is over."""
        expired = await self.store.expire_idle(self.expiry, per_scope=per_scope)
        await self.store.purge_expired(self.grace)
        return expired

    # --- internals ------------------------------------------------------------------------

    def _apply(self, key: SessionKey, session: Session, action: Action, value: str | Sequence[str]) -> Turn:
        step = session.current or ""
        failed = self._failures.get((key, step), 0)
        if action is Action.ANSWER:
            turn = self.engine.answer(session, value, failed_before=failed)
        elif action is Action.SKIP:
            turn = self.engine.skip(session, failed_before=failed)
        elif action is Action.BACK:
            turn = self.engine.back(session)
        elif action is Action.EDIT:
            turn = self.engine.edit(session, str(value))
        else:
            turn = self.engine.cancel(session)
        if turn.kind is TurnKind.REJECTED and action in (Action.ANSWER, Action.SKIP):
            self._failures[(key, step)] = failed + 1
            self._failures.move_to_end((key, step))
            while len(self._failures) > MAX_TRACKED_FAILURES:
                self._failures.popitem(last=False)
        else:
            self._failures.pop((key, step), None)
        return turn

    async def _store_turn(self, key: SessionKey, turn: Turn, version: int, *, changed: bool) -> Outcome:
        if turn.kind is TurnKind.FINISHED:
            return await self._finish(key, turn, version)
        if turn.kind is TurnKind.CANCELLED:
            await self.store.discard(key, expected_version=version, reason="cancelled")
            return Outcome(turn, 0)
        if turn.kind is TurnKind.REJECTED or not changed:
            return Outcome(turn, version)
        new_version = await self.store.save(key, turn.session, expected_version=version)
        return Outcome(turn, new_version)

    async def _finish(self, key: SessionKey, turn: Turn, version: int) -> Outcome:
        """Store the result, carrying over the steps the member had done on their previous
        roadmap that are on this one too."""
        assert turn.result is not None
        previous = await self.latest(key.user_id)
        carried = carried_over(previous.result, previous.progress, turn.result) if previous else {}
        record = await self.store.complete(key, turn.result, expected_version=version, progress=carried)
        return Outcome(turn, 0, record=record, previous=previous)
