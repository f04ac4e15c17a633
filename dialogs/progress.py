"""A member's progress on their roadmap: each step's state, which step they are on, and
what a retake keeps.

A roadmap's progress is a mapping of step id to state; a step not in it is still to do,
so a result stored before progress existed reads as all to do. Everything here is pure:
the store keeps the mapping (with a version), the front ends draw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from enum import StrEnum

from dialogs.verdict import Classification, RoadmapStep


class StepState(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"
    SKIPPED = "skipped"


# The states a member moves a step to, in the order a front end offers them.
STATES = (StepState.TODO, StepState.DOING, StepState.DONE, StepState.SKIPPED)
# A step in one of these needs nothing more from the member.
SETTLED = frozenset({StepState.DONE, StepState.SKIPPED})

Progress = Mapping[str, StepState]


class CheckInChoice(StrEnum):
    """How often the bot asks a member how their roadmap is going."""

    NEVER = "never"
    WEEKLY = "week"
    FORTNIGHTLY = "two_weeks"


CHECK_IN_EVERY: dict[CheckInChoice, timedelta] = {
    CheckInChoice.WEEKLY: timedelta(days=7),
    CheckInChoice.FORTNIGHTLY: timedelta(days=14),
}


def check_in_choice(every: timedelta | None) -> CheckInChoice:
    """The choice a stored interval stands for (none, or one no longer offered: never)."""
    return next((choice for choice, days in CHECK_IN_EVERY.items() if days == every), CheckInChoice.NEVER)


def read_progress(stored: object) -> dict[str, StepState]:
    """Stored progress as states. A state this release does not know (written by a newer
    one) reads as to do, so an older bot still shows the roadmap."""
    if not isinstance(stored, Mapping):
        raise ValueError(f"roadmap progress is a {type(stored).__name__}, not an object")
    known = {state.value for state in StepState}
    return {
        str(step): StepState(str(state))
        for step, state in stored.items()
        if str(state) in known and state != StepState.TODO
    }


def state_of(progress: Progress, step: RoadmapStep) -> StepState:
    return progress.get(step.id, StepState.TODO)


def with_state(progress: Progress, step: RoadmapStep, state: StepState) -> dict[str, StepState]:
    """``progress`` with ``step`` in ``state``; to do is stored as no entry at all."""
    changed = {step_id: value for step_id, value in progress.items() if step_id != step.id}
    if state is not StepState.TODO:
        changed[step.id] = state
    return changed


def current_step(roadmap: Sequence[RoadmapStep], progress: Progress) -> int | None:
    """The step the member is on, by index: the first they said they are doing, else the
    first still to do; None when every step is done or skipped."""
    for wanted in (StepState.DOING, StepState.TODO):
        for index, step in enumerate(roadmap):
            if state_of(progress, step) is wanted:
                return index
    return None


def counts(roadmap: Sequence[RoadmapStep], progress: Progress) -> dict[StepState, int]:
    """How many of the roadmap's steps are in each state."""
    found = dict.fromkeys(STATES, 0)
    for step in roadmap:
        found[state_of(progress, step)] += 1
    return found


def carried_over(
    previous: Classification, progress: Progress, latest: Classification
) -> dict[str, StepState]:
    """What a retake keeps of the previous roadmap's progress: the steps done there that
    are on the new roadmap too. A skipped or half-done step is offered afresh, since the
    new answers may be why it is back."""
    kept = {step.id for step in latest.roadmap} & {step.id for step in previous.roadmap}
    return {step_id: StepState.DONE for step_id in sorted(kept) if progress.get(step_id) is StepState.DONE}


__all__ = [
    "CHECK_IN_EVERY",
    "SETTLED",
    "STATES",
    "CheckInChoice",
    "Progress",
    "StepState",
    "carried_over",
    "check_in_choice",
    "counts",
    "current_step",
    "read_progress",
    "state_of",
    "with_state",
]
