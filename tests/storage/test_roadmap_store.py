"""Roadmap progress and check-ins in the store, on each backend: versioned changes, the
carry-over a retake asks for, the check-in schedule's compare-and-sets, forget and the
staff counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialogs.progress import StepState
from storage.keys import SessionKey
from storage.protocol import ResultRecord
from tests.conftest import AnyStore, StoreOpener
from tests.storage.test_store_contract import finished_result

ALICE = SessionKey.for_guild(1, 999)
BOB = SessionKey.for_guild(2, 999)
WEEK = timedelta(days=7)


class SettableClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 4, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def finish(store: AnyStore, key: SessionKey, **progress: StepState) -> ResultRecord:
    session, result = finished_result()
    version = await store.save(key, session, expected_version=0)
    return await store.complete(key, result, expected_version=version, progress=progress)


async def test_a_step_change_is_versioned_and_only_the_owners(any_store: AnyStore) -> None:
    record = await finish(any_store, ALICE)
    first, second = (step.id for step in record.result.roadmap[:2])
    assert record.progress == {} and record.progress_version == 0

    assert await any_store.save_progress("1", record.id, {first: StepState.DONE}, expected_version=0)
    # A second click drawn for version 0 (a double click, or another window) changes nothing.
    assert not await any_store.save_progress("1", record.id, {second: StepState.SKIPPED}, expected_version=0)
    # Nor does another member's, even at the right version.
    assert not await any_store.save_progress("2", record.id, {}, expected_version=1)

    stored = await any_store.result("1", record.id)
    assert stored is not None
    assert (stored.progress, stored.progress_version) == ({first: StepState.DONE}, 1)
    [latest] = await any_store.history("1")
    assert latest.progress == {first: StepState.DONE}


async def test_a_retake_stores_the_progress_it_carries_with_its_result(any_store: AnyStore) -> None:
    record = await finish(any_store, ALICE)
    step = record.result.roadmap[1].id
    again = await finish(any_store, ALICE, **{step: StepState.DONE})
    assert again.progress == {step: StepState.DONE}
    stored = await any_store.result("1", again.id)
    assert stored is not None and stored.progress == {step: StepState.DONE}
    assert stored.progress_version == 0


async def test_a_check_in_is_due_after_its_interval_and_recorded_once(open_at_url: StoreOpener) -> None:
    clock = SettableClock()
    one, two = await open_at_url(clock), await open_at_url(clock)
    scheduled = await one.schedule_check_ins("1", WEEK, "fr")
    assert (scheduled.next_at, scheduled.lang, scheduled.stopped) == (clock.now + WEEK, "fr", None)
    assert await one.due_check_ins() == []

    clock.now += WEEK + timedelta(minutes=1)
    [due] = await one.due_check_ins()
    [seen_by_two] = await two.due_check_ins()
    assert await one.record_check_in_sent(due)
    # The other process read it as due too; recording it again changes nothing.
    assert not await two.record_check_in_sent(seen_by_two)
    after = await two.check_ins("1")
    assert after is not None and (after.sent, after.next_at) == (1, scheduled.next_at + WEEK)  # type: ignore[operator]
    assert await one.due_check_ins() == []


async def test_a_bot_off_for_weeks_sends_one_check_in_then_keeps_the_schedule(
    open_at_url: StoreOpener,
) -> None:
    clock = SettableClock()
    store = await open_at_url(clock)
    scheduled = await store.schedule_check_ins("1", WEEK, "en")
    assert scheduled.next_at is not None
    clock.now += 5 * WEEK
    [due] = await store.due_check_ins()
    assert await store.record_check_in_sent(due)
    after = await store.check_ins("1")
    assert after is not None and after.next_at == scheduled.next_at + 5 * WEEK
    assert await store.due_check_ins() == []


async def test_stopping_records_why_and_a_stale_stop_leaves_a_new_schedule(open_at_url: StoreOpener) -> None:
    clock = SettableClock()
    store = await open_at_url(clock)
    first = await store.schedule_check_ins("1", WEEK, "en")
    clock.now += timedelta(hours=1)
    # The member chose again (two weeks) while the sender held the old due time.
    chosen = await store.schedule_check_ins("1", 2 * WEEK, "en")
    assert not await store.stop_check_ins("1", "refused", due_at=first.next_at)
    assert (await store.check_ins("1")) == chosen

    assert await store.stop_check_ins("1", "refused", due_at=chosen.next_at)
    stopped = await store.check_ins("1")
    assert stopped is not None and (stopped.stopped, stopped.next_at) == ("refused", None)
    clock.now += 10 * WEEK
    assert await store.due_check_ins() == []
    # Stopping what is stopped is a no-op, and says so.
    assert not await store.stop_check_ins("1", "member")


async def test_forget_deletes_progress_and_pending_check_ins(any_store: AnyStore) -> None:
    record = await finish(any_store, ALICE)
    await any_store.save_progress(
        "1", record.id, {record.result.roadmap[0].id: StepState.DONE}, expected_version=0
    )
    await any_store.schedule_check_ins("1", WEEK, "en")
    await any_store.schedule_check_ins("2", WEEK, "en")
    await any_store.forget_user("1")
    assert await any_store.check_ins("1") is None
    assert await any_store.result("1", record.id) is None
    assert (await any_store.export_user("1")).check_ins is None
    assert await any_store.check_ins("2") is not None


async def test_the_report_counts_roadmap_progress_by_member_never_naming_one(any_store: AnyStore) -> None:
    alice = await finish(any_store, ALICE)
    bob = await finish(any_store, BOB)
    await finish(any_store, SessionKey.for_guild(3, 999))
    await finish(any_store, SessionKey.for_guild(4, 111))  # another server
    first, second, third = (step.id for step in alice.result.roadmap[:3])
    done = {first: StepState.DONE, second: StepState.SKIPPED}
    assert await any_store.save_progress("1", alice.id, done, expected_version=0)
    assert await any_store.save_progress(
        "2",
        bob.id,
        {first: StepState.DONE, third: StepState.DONE, second: StepState.DOING},
        expected_version=0,
    )

    report = await any_store.report("guild:999", since=None)
    assert (report.roadmaps, report.roadmaps_begun) == (3, 2)
    assert report.steps_done == [(first, 2), (third, 1)]
    assert report.steps_skipped == [(second, 1)]
    elsewhere = await any_store.report("guild:111", since=None)
    assert (elsewhere.roadmaps, elsewhere.roadmaps_begun, elsewhere.steps_done) == (1, 0, [])
