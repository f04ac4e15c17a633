"""The roadmap service over a real SQLite file: step changes as a member makes them from two
windows, and the check-ins it decides to send or stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from advisor.roadmaps import NoSuchStep, RoadmapService
from advisor.service import Action, AdvisorService
from dialogs.progress import CheckInChoice, StepState
from storage.keys import SessionKey
from storage.protocol import ResultRecord
from storage.settings import GuildSettings
from storage.sqlite import SQLiteStore

KEY = SessionKey.for_guild(42, 7)
EBOOK_ANSWERS = ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def finished(service: AdvisorService, key: SessionKey = KEY) -> ResultRecord:
    await service.begin(key, restart=True)
    for answer in EBOOK_ANSWERS:
        await service.act(key, Action.ANSWER, answer)
    outcome = await service.act(key, Action.SKIP)
    assert outcome.record is not None
    return outcome.record


async def test_changes_from_two_windows_apply_in_turn_and_a_pinned_stale_one_is_refused(
    store: SQLiteStore, service: AdvisorService
) -> None:
    roadmaps = RoadmapService(store)
    record = await finished(service)
    # Two unpinned changes at once (the terminal, twice): both land, one after the other.
    first, second = await asyncio.gather(
        roadmaps.set_state("42", record.id, 0, StepState.DONE),
        roadmaps.set_state("42", record.id, 1, StepState.DOING),
    )
    assert first is not None and second is not None and first.changed and second.changed
    latest = await roadmaps.roadmap("42")
    assert latest is not None and latest.progress_version == 2
    assert latest.progress == {
        record.result.roadmap[0].id: StepState.DONE,
        record.result.roadmap[1].id: StepState.DOING,
    }
    # A button drawn at version 1 is refused, and hands back what is stored.
    stale = await roadmaps.set_state("42", record.id, 2, StepState.SKIPPED, expected_version=1)
    assert stale is not None and stale.stale and not stale.changed and stale.record.progress_version == 2
    with pytest.raises(NoSuchStep):
        await roadmaps.set_state("42", record.id, 9, StepState.DONE)
    assert await roadmaps.set_state("43", record.id, 0, StepState.DONE) is None


async def test_settling_every_step_of_the_latest_roadmap_ends_the_check_ins(
    store: SQLiteStore, service: AdvisorService
) -> None:
    roadmaps = RoadmapService(store)
    record = await finished(service)
    await roadmaps.choose_check_ins("42", CheckInChoice.WEEKLY, "en")
    last = len(record.result.roadmap) - 1
    for index in range(last):
        change = await roadmaps.set_state("42", record.id, index, StepState.DONE)
        assert change is not None and not change.finished
    change = await roadmaps.set_state("42", record.id, last, StepState.SKIPPED)
    assert change is not None and change.finished
    check_in = await roadmaps.check_ins("42")
    assert check_in is not None and (check_in.stopped, check_in.next_at) == ("finished", None)


async def test_due_check_ins_skip_what_there_is_nothing_to_ask_or_the_server_turned_off(
    db_path: object,
) -> None:
    clock = Clock()
    async with await SQLiteStore.open(db_path, clock=clock) as store:
        service = AdvisorService(store, clock=clock)
        roadmaps = RoadmapService(store)
        ours = await finished(service)
        await finished(service, SessionKey.for_guild(43, 8))
        await finished(service, SessionKey.for_dm(44))
        for member in ("42", "43", "44", "45"):  # 45 has no result at all
            await roadmaps.choose_check_ins(member, CheckInChoice.WEEKLY, "en")
        await store.save_guild_settings(GuildSettings(guild_id="8", check_ins_enabled=False))
        clock.now += timedelta(days=8)

        due = await roadmaps.due_check_ins()
        assert sorted(item.check_in.user_id for item in due) == ["42", "44"]
        assert next(item for item in due if item.check_in.user_id == "42").record.id == ours.id
        stopped = {member: await roadmaps.check_ins(member) for member in ("43", "45")}
        assert {member: c.stopped if c else None for member, c in stopped.items()} == {
            "43": "server",
            "45": "finished",
        }
