"""A member's roadmap as their checklist, and the check-ins they asked for.

Both front ends call this; it imports no transport. A step's state is changed like an
answer: under a version check, so a stale button (drawn before another change), a double
click or a second window changes nothing, and a stranger cannot change it at all (the
store reads and writes a result only together with its member).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dialogs.progress import CHECK_IN_EVERY, CheckInChoice, StepState, current_step, state_of, with_state
from dialogs.verdict import RoadmapStep
from storage.keys import guild_of
from storage.protocol import CheckIn, CheckIns, CheckInStop, ResultRecord, Results, Roadmaps, ServerSettings

log = logging.getLogger(__name__)

# How often an unpinned change is re-applied to fresh progress after a conflicting one.
MAX_RETRIES = 3


class RoadmapStore(Results, Roadmaps, CheckIns, ServerSettings, Protocol):
    """What the roadmap service needs of a store."""


class NoSuchStep(LookupError):
    """The roadmap has no step with that number."""

    def __init__(self, number: int, steps: int) -> None:
        super().__init__(f"step {number} of {steps}")
        self.number, self.steps = number, steps


@dataclass(frozen=True)
class StepChange:
    """What became of one change to a step: the result as stored afterwards (or as it
    was found, when the change was refused as stale)."""

    record: ResultRecord
    step: RoadmapStep
    state: StepState
    changed: bool
    stale: bool = False
    # Every step is now done or skipped: the check-ins end, with nothing left to ask.
    finished: bool = False


@dataclass(frozen=True)
class DueCheckIn:
    """A check-in to send now: the schedule, the result it is about and the step to ask
    about (by index in its roadmap)."""

    check_in: CheckIn
    record: ResultRecord
    step_index: int


class RoadmapService:
    def __init__(self, store: RoadmapStore) -> None:
        self.store = store

    async def roadmap(self, user_id: str, result_id: int | None = None) -> ResultRecord | None:
        """The member's result (their latest without ``result_id``), with its progress."""
        if result_id is not None:
            return await self.store.result(user_id, result_id)
        latest = await self.store.history(user_id, limit=1)
        return latest[0] if latest else None

    async def set_state(
        self,
        user_id: str,
        result_id: int,
        step_index: int,
        state: StepState,
        *,
        expected_version: int | None = None,
    ) -> StepChange | None:
        """Put one step of the member's result in ``state``. None when the result is not
        theirs (or no longer stored); NoSuchStep for a step number the roadmap lacks.

        With ``expected_version`` (a button drawn for that version of the progress), a
        mismatch is reported stale and nothing changes; without it (the terminal), the
        change is applied to the latest progress.
        """
        for _ in range(MAX_RETRIES):
            record = await self.store.result(user_id, result_id)
            if record is None:
                return None
            steps = record.result.roadmap
            if not 0 <= step_index < len(steps):
                raise NoSuchStep(step_index + 1, len(steps))
            step = steps[step_index]
            if expected_version is not None and record.progress_version != expected_version:
                return StepChange(record, step, state_of(record.progress, step), changed=False, stale=True)
            if state_of(record.progress, step) is state:
                return StepChange(record, step, state, changed=False)
            progress = with_state(record.progress, step, state)
            if await self.store.save_progress(
                user_id, result_id, progress, expected_version=record.progress_version
            ):
                saved = ResultRecord(
                    record.id,
                    record.key,
                    record.result,
                    record.created_at,
                    record.shared,
                    progress=progress,
                    progress_version=record.progress_version + 1,
                )
                finished = current_step(steps, progress) is None
                if finished and await self._is_latest(saved):
                    await self.store.stop_check_ins(user_id, "finished")
                return StepChange(saved, step, state, changed=True, finished=finished)
            if expected_version is not None:
                fresh = await self.store.result(user_id, result_id)
                if fresh is None:
                    return None
                return StepChange(fresh, step, state_of(fresh.progress, step), changed=False, stale=True)
            log.debug("a roadmap change raced another; retrying on fresh progress")
        raise RuntimeError("the roadmap kept changing underneath; try again")

    async def _is_latest(self, record: ResultRecord) -> bool:
        latest = await self.roadmap(record.key.user_id)
        return latest is not None and latest.id == record.id

    # --- check-ins ------------------------------------------------------------------------

    async def check_ins(self, user_id: str) -> CheckIn | None:
        return await self.store.check_ins(user_id)

    async def choose_check_ins(self, user_id: str, choice: CheckInChoice, lang: str) -> CheckIn | None:
        """Schedule the member's check-ins (the first one interval from now), or stop them."""
        if choice is CheckInChoice.NEVER:
            await self.store.stop_check_ins(user_id, "member")
            return await self.store.check_ins(user_id)
        return await self.store.schedule_check_ins(user_id, CHECK_IN_EVERY[choice], lang)

    async def check_ins_allowed(self, record: ResultRecord) -> bool:
        """Whether the place the result came from lets members ask for check-ins (a DM or
        the terminal always does; a server, unless its staff turned them off)."""
        guild_id = guild_of(record.key.scope)
        return guild_id is None or (await self.store.guild_settings(str(guild_id))).check_ins_enabled

    async def due_check_ins(self, *, limit: int = 50) -> list[DueCheckIn]:
        """The check-ins to send now. One with nothing left to ask (every step settled, or
        no result any more) or from a server that turned check-ins off is stopped here,
        with why, instead of sent."""
        ready: list[DueCheckIn] = []
        for check_in in await self.store.due_check_ins(limit=limit):
            found = await self._what_to_ask(check_in)
            if isinstance(found, DueCheckIn):
                ready.append(found)
            else:
                await self.store.stop_check_ins(check_in.user_id, found, due_at=check_in.next_at)
        return ready

    async def _what_to_ask(self, check_in: CheckIn) -> DueCheckIn | CheckInStop:
        record = await self.roadmap(check_in.user_id)
        step_index = None if record is None else current_step(record.result.roadmap, record.progress)
        if record is None or step_index is None:
            return "finished"
        if not await self.check_ins_allowed(record):
            return "server"
        return DueCheckIn(check_in, record, step_index)

    async def check_in_sent(self, due: DueCheckIn) -> bool:
        """Record a check-in as sent (after Discord took it); False when another process
        recorded it first."""
        return await self.store.record_check_in_sent(due.check_in)

    async def check_in_refused(self, due: DueCheckIn) -> bool:
        """Discord will not deliver the member's messages: stop, and say so in the record."""
        return await self.store.stop_check_ins(due.check_in.user_id, "refused", due_at=due.check_in.next_at)


def step_states(record: ResultRecord) -> Sequence[tuple[RoadmapStep, StepState]]:
    """Each step of the result's roadmap with its state, in roadmap order."""
    return [(step, state_of(record.progress, step)) for step in record.result.roadmap]


__all__ = ["DueCheckIn", "NoSuchStep", "RoadmapService", "RoadmapStore", "StepChange", "step_states"]
