"""What server staff may see: counts over a period, never a member's answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class StepDropOff:
    step_id: str
    reached: int
    left_here: int


@dataclass(frozen=True)
class ScopeReport:
    scope: str
    since: datetime | None
    until: datetime
    started: int = 0
    completed: int = 0
    cancelled: int = 0
    expired: int = 0
    restarted: int = 0
    in_progress: int = 0
    # "digital_product", "digital_service", or "hybrid:<shape>" -> count
    verdicts: dict[str, int] = field(default_factory=dict)
    # The first roadmap step of each result, most common first: (step id, title, count)
    first_steps: list[tuple[str, str, int]] = field(default_factory=list)
    dropoff: list[StepDropOff] = field(default_factory=list)
    # (ISO week start date, verdict -> count), oldest first, for the verdict-mix chart
    weekly_verdicts: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    # Distinct members who started an interview.
    members: int = 0
    quick_checks: int = 0
    # The kind of offering of each result (its family, as results store it), most common first.
    kinds: list[tuple[str, int]] = field(default_factory=list)
    # How long a completed interview took, start to result, in the middle of them all.
    median_finish: timedelta | None = None
    # Roadmap progress, in members: those with a roadmap from the period, those who have
    # done at least one of its steps, and per step how many did it and skipped it (most
    # first). Counts only: never who.
    roadmaps: int = 0
    roadmaps_begun: int = 0
    steps_done: list[tuple[str, int]] = field(default_factory=list)
    steps_skipped: list[tuple[str, int]] = field(default_factory=list)

    @property
    def abandoned(self) -> int:
        return self.cancelled + self.expired

    @property
    def completion_rate(self) -> float | None:
        """Completed of the interviews that ended (one in progress may still finish)."""
        ended = self.completed + self.abandoned
        return self.completed / ended if ended else None


# Rows as a driver returns them (sqlite3.Row, asyncpg.Record): iterated and unpacked.
Rows = Iterable[Iterable[Any]]


@dataclass(frozen=True)
class ReportRows:
    """What each backend's report queries returned, before they are put together."""

    outcomes: Rows  # (outcome or "in_progress", count)
    verdicts: Rows  # (verdict, hybrid shape or None, count)
    first_steps: Rows  # (step id, title, count), most common first
    reached: Rows  # (step id, interviews that reached it)
    left: Rows  # (step id, abandoned interviews whose last step it was)
    weekly: Rows  # (Monday of the week, verdict, count)
    members: Rows = ()  # (distinct members,)
    quick_checks: Rows = ()  # (quick checks run,)
    kinds: Rows = ()  # (kind of offering, count), most common first
    finished: Rows = ()  # (started at, ended at) of each completed interview, as datetimes
    step_states: Rows = ()  # (step id, state, members with the step in that state)
    roadmap_members: Rows = ()  # (members with a roadmap, members who did a step of it)


def assemble_report(scope: str, since: datetime | None, until: datetime, rows: ReportRows) -> ScopeReport:
    outcomes = {str(outcome): int(count) for outcome, count in rows.outcomes}
    verdicts = {
        f"{verdict}:{shape}" if shape else str(verdict): int(count) for verdict, shape, count in rows.verdicts
    }
    left = {str(step): int(count) for step, count in rows.left}
    weekly: dict[str, dict[str, int]] = {}
    for week, verdict, count in rows.weekly:
        weekly.setdefault(str(week), {})[str(verdict)] = int(count)
    states: dict[str, list[tuple[str, int]]] = {}
    for step, state, count in rows.step_states:
        states.setdefault(str(state), []).append((str(step), int(count)))
    roadmaps, begun = next(((int(all_), int(some)) for all_, some in rows.roadmap_members), (0, 0))
    return ScopeReport(
        scope=scope,
        since=since,
        until=until,
        started=sum(outcomes.values()),
        completed=outcomes.get("completed", 0),
        cancelled=outcomes.get("cancelled", 0),
        expired=outcomes.get("expired", 0),
        restarted=outcomes.get("restarted", 0),
        in_progress=outcomes.get("in_progress", 0),
        verdicts=verdicts,
        first_steps=[(str(step), str(title), int(count)) for step, title, count in rows.first_steps],
        dropoff=[StepDropOff(str(step), int(count), left.get(str(step), 0)) for step, count in rows.reached],
        weekly_verdicts=sorted(weekly.items()),
        members=next((int(count) for (count,) in rows.members), 0),
        quick_checks=next((int(count) for (count,) in rows.quick_checks), 0),
        kinds=[(str(kind), int(count)) for kind, count in rows.kinds],
        median_finish=_median([end - start for start, end in rows.finished]),
        roadmaps=roadmaps,
        roadmaps_begun=begun,
        steps_done=_most_first(states.get("done", [])),
        steps_skipped=_most_first(states.get("skipped", [])),
    )


def _most_first(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(counts, key=lambda pair: (-pair[1], pair[0]))


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    ordered = sorted(durations)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
