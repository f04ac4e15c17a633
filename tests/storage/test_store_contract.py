"""The storage contract, run unchanged against every backend (SQLite and PostgreSQL).

Each test gets a fresh database from the ``store_url`` fixture (tests/conftest.py), once
per backend; ``open_at_url`` opens that same database again, as a second bot process
would. What a backend does beyond the contract (SQLite's WAL and group commit,
PostgreSQL's migrations) is tested in tests/storage/test_storage.py and tests/storage/test_postgres.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from advisor.service import Action, AdvisorService
from dialogs.engine import DialogEngine, TurnKind
from dialogs.progress import StepState
from dialogs.session import Session
from dialogs.verdict import Classification
from storage.clock import stamp
from storage.keys import SessionKey
from storage.protocol import StaleVersionError
from storage.settings import GuildSettings
from tests.conftest import AnyStore, StoreOpener

ENGINE = DialogEngine()
ALICE = SessionKey.for_guild(111, 999)
BOB = SessionKey.for_guild(222, 999)
WEEK = timedelta(days=7)


def advanced(answers: list[str]) -> Session:
    session = ENGINE.new_session()
    for answer in answers:
        session = ENGINE.answer(session, answer).session
    return session


# A hosted platform sold by subscription: a hybrid, so stored results carry a shape.
HOSTED_PLATFORM = {"offering_kind": "5", "effort": "3", "income": "5", "subscription_contents": "2"}


def finished_result() -> tuple[Session, Classification]:
    """A finished interview (the first option everywhere, a hosted platform) and its hybrid result."""
    turn = ENGINE.start()
    while turn.result is None:
        step = turn.prompt.step_id if turn.prompt else ""
        turn = (
            ENGINE.answer(turn.session, HOSTED_PLATFORM.get(step, "1"))
            if turn.prompt and turn.prompt.kind != "text"
            else ENGINE.skip(turn.session)
        )
    assert turn.result.hybrid_shape is not None
    return turn.session, turn.result


class Clock:
    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


# --- sessions -------------------------------------------------------------------------


async def test_session_round_trip_and_versions(any_store: AnyStore) -> None:
    assert await any_store.load(ALICE) is None
    first = advanced(["2"])
    assert await any_store.save(ALICE, first, expected_version=0) == 1
    second = advanced(["2", "3"])
    assert await any_store.save(ALICE, second, expected_version=1) == 2
    stored = await any_store.load(ALICE)
    assert stored is not None
    assert stored.version == 2
    assert stored.session == second
    assert stored.created_at <= stored.updated_at


async def test_reopening_keeps_the_data(open_at_url: StoreOpener) -> None:
    first = await open_at_url()
    await first.save(ALICE, advanced(["1"]), expected_version=0)
    await first.close()
    stored = await (await open_at_url()).load(ALICE)
    assert stored is not None
    assert stored.session.answers["stage"].options == ("starting",)


async def test_stale_write_is_refused_and_changes_nothing(any_store: AnyStore) -> None:
    await any_store.save(ALICE, advanced(["2"]), expected_version=0)
    await any_store.save(ALICE, advanced(["2", "3"]), expected_version=1)
    with pytest.raises(StaleVersionError) as raised:
        await any_store.save(ALICE, advanced(["3"]), expected_version=1)
    assert raised.value.actual == 2
    stored = await any_store.load(ALICE)
    assert stored is not None and stored.session == advanced(["2", "3"])
    with pytest.raises(StaleVersionError) as missing:
        await any_store.save(BOB, advanced(["3"]), expected_version=4)
    assert missing.value.actual is None


async def test_creating_twice_is_refused(any_store: AnyStore) -> None:
    await any_store.save(ALICE, advanced([]), expected_version=0)
    with pytest.raises(StaleVersionError) as raised:
        await any_store.save(ALICE, advanced(["1"]), expected_version=0)
    assert raised.value.actual == 1


async def test_two_processes_racing_one_session_let_exactly_one_win(open_at_url: StoreOpener) -> None:
    one, two = await open_at_url(), await open_at_url()
    await one.save(ALICE, advanced([]), expected_version=0)
    for round_ in range(1, 6):
        outcomes = await asyncio.gather(
            *(
                store.save(ALICE, advanced([str(n)]), expected_version=round_)
                for n, store in ((1, one), (2, two), (3, one), (4, two))
            ),
            return_exceptions=True,
        )
        assert sum(isinstance(outcome, int) for outcome in outcomes) == 1, outcomes
        assert sum(isinstance(outcome, StaleVersionError) for outcome in outcomes) == 3, outcomes
    stored = await two.load(ALICE)
    assert stored is not None and stored.version == 6


async def test_two_processes_creating_one_interview_make_one(open_at_url: StoreOpener) -> None:
    one, two = await open_at_url(), await open_at_url()
    outcomes = await asyncio.gather(
        *(store.save(ALICE, advanced([]), expected_version=0) for store in (one, two, one, two)),
        return_exceptions=True,
    )
    assert [outcome for outcome in outcomes if isinstance(outcome, int)] == [1]
    assert sum(isinstance(outcome, StaleVersionError) for outcome in outcomes) == 3
    # The refused creates left nothing behind: one interview was started, not four.
    report = await one.report(ALICE.scope, since=None)
    assert (report.started, report.in_progress) == (1, 1)


async def test_complete_records_the_result_and_closes_the_session_together(any_store: AnyStore) -> None:
    session, result = finished_result()
    version = await any_store.save(ALICE, session, expected_version=0)
    with pytest.raises(StaleVersionError):
        await any_store.complete(ALICE, result, expected_version=version + 1)
    assert await any_store.history(ALICE.user_id) == []
    assert await any_store.load(ALICE) is not None

    record = await any_store.complete(ALICE, result, expected_version=version)
    assert await any_store.load(ALICE) is None
    history = await any_store.history(ALICE.user_id)
    assert [item.id for item in history] == [record.id]
    assert history[0].result == result
    assert history[0].shared is False
    await any_store.mark_shared(record.id)
    assert (await any_store.history(ALICE.user_id))[0].shared is True
    with pytest.raises(StaleVersionError) as again:
        await any_store.complete(ALICE, result, expected_version=version)
    assert again.value.actual is None


async def test_discard_checks_the_version_and_says_whether_there_was_anything(any_store: AnyStore) -> None:
    assert await any_store.discard(ALICE) is False
    version = await any_store.save(ALICE, advanced(["1"]), expected_version=0)
    with pytest.raises(StaleVersionError):
        await any_store.discard(ALICE, expected_version=version + 1)
    assert await any_store.load(ALICE) is not None
    assert await any_store.discard(ALICE, expected_version=version, reason="restarted") is True
    assert await any_store.load(ALICE) is None
    report = await any_store.report(ALICE.scope, since=None)
    assert (report.started, report.restarted) == (1, 1)


async def test_results_per_scope_and_since(open_at_url: StoreOpener) -> None:
    clock = Clock()
    store = await open_at_url(clock)
    session, result = finished_result()
    other_guild = SessionKey.for_guild(333, 555)
    for key in (ALICE, BOB, other_guild):
        await store.save(key, session, expected_version=0)
        await store.complete(key, result, expected_version=1)
        clock.now += timedelta(days=1)
    in_guild = await store.results_for_scope("guild:999")
    assert [record.key.user_id for record in in_guild] == ["111", "222"]
    assert in_guild[0].created_at == datetime(2026, 1, 1, tzinfo=UTC)
    recent = await store.results_for_scope("guild:999", since=datetime(2026, 1, 1, 12, tzinfo=UTC))
    assert [record.key.user_id for record in recent] == ["222"]
    assert [r.key.scope for r in await store.history(ALICE.user_id)] == ["guild:999"]


async def test_history_is_newest_first_and_limited(open_at_url: StoreOpener) -> None:
    clock = Clock()
    store = await open_at_url(clock)
    session, result = finished_result()
    ids = []
    for _ in range(3):
        version = await store.save(ALICE, session, expected_version=0)
        ids.append((await store.complete(ALICE, result, expected_version=version)).id)
        clock.now += timedelta(hours=1)
    assert [record.id for record in await store.history(ALICE.user_id)] == ids[::-1]
    assert [record.id for record in await store.history(ALICE.user_id, limit=2)] == ids[:0:-1]


async def test_export_and_forget_touch_only_that_member(any_store: AnyStore) -> None:
    session, result = finished_result()
    for key in (ALICE, BOB):
        await any_store.save(key, session, expected_version=0)
        await any_store.complete(key, result, expected_version=1)
        await any_store.save(key, advanced(["1"]), expected_version=0)
    dm = SessionKey.for_dm(ALICE.user_id)
    await any_store.save(dm, advanced(["3"]), expected_version=0)

    exported = await any_store.export_user(ALICE.user_id)
    assert exported.user_id == ALICE.user_id
    assert len(exported.results) == 1
    assert exported.results[0].result == result
    assert {item.scope for item in exported.sessions_in_progress} == {"guild:999", "dm"}
    assert len(exported.interview_progress) == 3

    assert await any_store.forget_user(ALICE.user_id) == 3
    after = await any_store.export_user(ALICE.user_id)
    assert after.results == after.sessions_in_progress == after.interview_progress == []
    assert await any_store.load(dm) is None
    assert len((await any_store.export_user(BOB.user_id)).results) == 1
    # The server's counts keep Bob and no longer know Alice.
    assert (await any_store.report("guild:999", since=None)).started == 2


async def test_the_export_document_is_the_json_a_member_downloads(any_store: AnyStore) -> None:
    session, result = finished_result()
    await any_store.save(ALICE, session, expected_version=0)
    record = await any_store.complete(ALICE, result, expected_version=1)
    await any_store.save(ALICE, advanced(["1"]), expected_version=0)
    await any_store.mark_shared(record.id)
    first_step = result.roadmap[0].id
    assert await any_store.save_progress(
        ALICE.user_id, record.id, {first_step: StepState.DONE}, expected_version=0
    )
    await any_store.schedule_check_ins(ALICE.user_id, timedelta(days=14), "fr")

    exported = await any_store.export_user(ALICE.user_id)
    document = exported.model_dump(mode="json")
    assert list(document) == [
        "user_id",
        "exported_at",
        "sessions_in_progress",
        "results",
        "interview_progress",
        "check_ins",
    ]
    [in_progress] = document["sessions_in_progress"]
    assert list(in_progress) == ["scope", "dialog", "version", "started_at", "updated_at", "session"]
    assert in_progress["session"] == json.loads(advanced(["1"]).model_dump_json())
    assert in_progress["started_at"] == stamp(exported.sessions_in_progress[0].started_at)
    [shared] = document["results"]
    assert list(shared) == ["id", "scope", "dialog", "created_at", "shared", "result", "roadmap_progress"]
    assert (shared["id"], shared["shared"]) == (record.id, True)
    assert shared["roadmap_progress"] == {first_step: "done"}
    check_ins = document["check_ins"]
    assert (check_ins["every_days"], check_ins["lang"], check_ins["stopped"], check_ins["sent"]) == (
        14,
        "fr",
        None,
        0,
    )
    assert exported.check_ins is not None and exported.check_ins.next_at is not None
    assert check_ins["next_at"] == stamp(exported.check_ins.next_at)
    assert shared["created_at"] == stamp(record.created_at)
    assert shared["result"] == result.model_dump(mode="json")
    finished, started = document["interview_progress"]
    assert list(finished) == ["scope", "started_at", "ended_at", "outcome", "last_step", "steps_reached"]
    assert (finished["outcome"], started["outcome"], started["ended_at"]) == ("completed", None, None)
    assert finished["ended_at"] == stamp(record.created_at)
    assert json.loads(json.dumps(document)) == document


async def test_progress_is_counted_without_keeping_answers(any_store: AnyStore) -> None:
    session = ENGINE.new_session()
    version = await any_store.save(ALICE, session, expected_version=0)
    for answer in ["1", "1", "1"]:
        session = ENGINE.answer(session, answer).session
        version = await any_store.save(ALICE, session, expected_version=version)
    await any_store.discard(ALICE, expected_version=version, reason="cancelled")
    [progress] = (await any_store.export_user(ALICE.user_id)).interview_progress
    assert (progress.outcome, progress.last_step) == ("cancelled", "extra_help")
    assert sorted(progress.steps_reached) == sorted(["stage", "offering_kind", "effort", "extra_help"])


# --- expiry ---------------------------------------------------------------------------


async def test_idle_sessions_expire_are_kept_for_the_grace_period_then_purged(
    open_at_url: StoreOpener,
) -> None:
    clock = Clock()
    store = await open_at_url(clock)
    await store.save(ALICE, advanced(["1"]), expected_version=0)
    clock.now += timedelta(days=3)
    await store.save(BOB, advanced(["1"]), expected_version=0)
    clock.now += timedelta(days=5)
    assert await store.expire_idle(timedelta(days=7)) == 1
    assert await store.expire_idle(timedelta(days=7)) == 0  # already marked
    expired = await store.load(ALICE)
    assert expired is not None and expired.expired_at == clock.now
    bob = await store.load(BOB)
    assert bob is not None and bob.expired_at is None

    # The member is told once.
    assert await store.take_expiry_notice(ALICE) == clock.now
    assert await store.take_expiry_notice(ALICE) is None
    assert await store.take_expiry_notice(BOB) is None

    clock.now += timedelta(days=29)
    assert await store.purge_expired(timedelta(days=30)) == 0
    clock.now += timedelta(days=2)
    assert await store.purge_expired(timedelta(days=30)) == 1
    assert await store.load(ALICE) is None
    assert (await store.report(ALICE.scope, since=None)).expired == 1


async def test_a_save_revives_an_expired_interview(open_at_url: StoreOpener) -> None:
    clock = Clock()
    store = await open_at_url(clock)
    version = await store.save(ALICE, advanced(["1"]), expected_version=0)
    clock.now += timedelta(days=8)
    assert await store.expire_idle(timedelta(days=7)) == 1
    await store.save(ALICE, advanced(["1", "1"]), expected_version=version)
    stored = await store.load(ALICE)
    assert stored is not None and stored.expired_at is None
    report = await store.report(ALICE.scope, since=None)
    assert (report.expired, report.in_progress) == (0, 1)


async def test_a_place_can_keep_interviews_longer_or_shorter(open_at_url: StoreOpener) -> None:
    clock = Clock()
    store = await open_at_url(clock)
    patient = SessionKey.for_guild(1, 500)
    hasty = SessionKey.for_guild(2, 600)
    for key in (ALICE, patient, hasty):
        await store.save(key, advanced(["1"]), expected_version=0)
    clock.now += timedelta(days=2)
    limits = {"guild:500": timedelta(days=30), "guild:600": timedelta(days=1)}
    assert await store.expire_idle(timedelta(days=7), per_scope=limits) == 1
    clock.now += timedelta(days=8)
    assert await store.expire_idle(timedelta(days=7), per_scope=limits) == 1
    alice, kept, gone = await store.load(ALICE), await store.load(patient), await store.load(hasty)
    assert alice is not None and alice.expired_at is not None
    assert gone is not None and gone.expired_at is not None
    assert kept is not None and kept.expired_at is None


# --- versions across interviews -------------------------------------------------------


async def test_a_new_interview_starts_above_every_version_of_the_keys_earlier_ones(
    any_store: AnyStore,
) -> None:
    """Versions never repeat across a key's interviews, so an old message's button
    (whose custom_id names a version) can never match a newer interview."""
    seen: list[int] = []

    async def advance(version: int, answers: list[str]) -> int:
        for n in range(1, len(answers) + 1):
            version = await any_store.save(ALICE, advanced(answers[:n]), expected_version=version)
            seen.append(version)
        return version

    first = await any_store.save(ALICE, advanced([]), expected_version=0)
    assert first == 1  # a key's first interview still starts at 1
    seen.append(first)
    version = await advance(first, ["1", "1"])
    await any_store.discard(ALICE, expected_version=version, reason="cancelled")

    version = await any_store.save(ALICE, advanced([]), expected_version=0)
    assert version > max(seen)
    seen.append(version)
    version = await advance(version, ["2"])
    await any_store.discard(ALICE, expected_version=version, reason="restarted")

    version = await any_store.save(ALICE, advanced([]), expected_version=0)
    assert version > max(seen)
    seen.append(version)
    session, result = finished_result()
    version = await any_store.save(ALICE, session, expected_version=version)
    seen.append(version)
    await any_store.complete(ALICE, result, expected_version=version)

    again = await any_store.save(ALICE, advanced([]), expected_version=0)
    assert again > max(seen)
    stored = await any_store.load(ALICE)
    assert stored is not None and stored.version == again
    assert len(seen) == len(set(seen))
    # Other keys, even the same member elsewhere, keep their own count.
    assert await any_store.save(BOB, advanced([]), expected_version=0) == 1
    assert await any_store.save(SessionKey.for_dm(ALICE.user_id), advanced([]), expected_version=0) == 1


async def test_an_expired_and_purged_interview_still_counts_for_the_next_version(
    open_at_url: StoreOpener,
) -> None:
    clock = Clock()
    store = await open_at_url(clock)
    version = await store.save(ALICE, advanced([]), expected_version=0)
    version = await store.save(ALICE, advanced(["1"]), expected_version=version)
    clock.now += timedelta(days=8)
    assert await store.expire_idle(timedelta(days=7)) == 1
    clock.now += timedelta(days=31)
    assert await store.purge_expired(timedelta(days=30)) == 1
    assert await store.save(ALICE, advanced([]), expected_version=0) == version + 1


# --- reports --------------------------------------------------------------------------

GUILD = 4242
SECRET = "my secret recipe for sourdough is rye and patience"
EBOOK = ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"]
AGENCY = ["3", "9", "2", "yes", "4", "5", "5", "3", "2", "2", "2", "1,2,3,4", "1"]
A_MONDAY = datetime(2026, 5, 4, 9, tzinfo=UTC)


async def interview(service: AdvisorService, member: int, answers: list[str], *, finish: bool = True) -> None:
    key = SessionKey.for_guild(member, GUILD)
    await service.begin(key)
    for answer in answers:
        await service.act(key, Action.ANSWER, answer)
    if finish:
        outcome = await service.act(key, Action.ANSWER, SECRET)
        assert outcome.turn.kind is TurnKind.FINISHED


@pytest.fixture
async def seeded(open_at_url: StoreOpener) -> AsyncIterator[tuple[AnyStore, Clock]]:
    clock = Clock(A_MONDAY)
    store = await open_at_url(clock)
    service = AdvisorService(store, expiry=WEEK, clock=clock)
    await interview(service, 1, EBOOK)
    await interview(service, 2, EBOOK)
    await interview(service, 3, AGENCY)
    await interview(service, 4, EBOOK[:4], finish=False)
    await service.act(SessionKey.for_guild(4, GUILD), Action.CANCEL)
    await interview(service, 5, EBOOK[:2], finish=False)
    clock.now += timedelta(days=8)
    await service.expire_idle()
    await interview(service, 6, EBOOK[:1], finish=False)  # still going
    yield store, clock


async def test_report_counts_interviews_verdicts_first_steps_and_dropoff(
    seeded: tuple[AnyStore, Clock],
) -> None:
    store, _ = seeded
    report = await store.report(f"guild:{GUILD}", since=None)
    counts = (report.started, report.completed, report.cancelled, report.expired, report.in_progress)
    assert counts == (6, 3, 1, 1, 1)
    assert report.abandoned == 2
    assert report.verdicts == {"digital_product": 2, "digital_service": 1}
    assert sum(count for _, _, count in report.first_steps) == 3
    assert all(step_id and title for step_id, title, _ in report.first_steps)
    dropoff = {step.step_id: step for step in report.dropoff}
    assert dropoff["stage"].reached == 6
    assert dropoff["income"].left_here == 1  # member 4 cancelled at the income question
    assert dropoff["effort"].left_here == 1  # member 5 went quiet at the effort question
    assert sum(step.left_here for step in report.dropoff) == report.abandoned
    # The three results were made on a Monday: their week is named by that day.
    assert report.weekly_verdicts == [("2026-05-04", {"digital_product": 2, "digital_service": 1})]


async def test_report_counts_members_kinds_quick_checks_and_the_median_time_to_a_result(
    open_at_url: StoreOpener,
) -> None:
    clock = Clock(A_MONDAY)
    store = await open_at_url(clock)
    service = AdvisorService(store, expiry=WEEK, clock=clock)
    for member, minutes, answers in ((1, 4, EBOOK), (2, 10, EBOOK), (3, 30, AGENCY)):
        key = SessionKey.for_guild(member, GUILD)
        await interview(service, member, answers, finish=False)
        clock.now += timedelta(minutes=minutes)
        assert (await service.act(key, Action.ANSWER, SECRET)).turn.kind is TurnKind.FINISHED
    await interview(service, 1, EBOOK[:2], finish=False)  # member 1 starts again
    for place in (f"guild:{GUILD}", f"guild:{GUILD}", "guild:1"):
        await store.record_quick_check(place)
    report = await store.report(f"guild:{GUILD}", since=None)
    assert report.quick_checks == 2
    assert report.members == 3
    assert report.median_finish == timedelta(minutes=10)
    assert report.completion_rate == 1.0
    # As results store it: the family's name, which each front end words in its language.
    assert dict(report.kinds) == {"e-book or guide": 2, "digital marketing": 1}


async def test_first_steps_are_counted_by_the_steps_id_whatever_title_was_stored(any_store: AnyStore) -> None:
    """A step's stored title is only a record (results are worded from ids), so two results
    whose first step is the same count together, on every backend."""
    session, result = finished_result()
    first = result.roadmap[0]
    renamed = result.model_copy(
        update={"roadmap": (first.model_copy(update={"title": "An older title"}), *result.roadmap[1:])}
    )
    for user, stored in ((111, result), (222, renamed)):
        key = SessionKey.for_guild(user, 999)
        await any_store.save(key, session, expected_version=0)
        await any_store.complete(key, stored, expected_version=1)
    report = await any_store.report("guild:999", since=None)
    assert [(step_id, count) for step_id, _, count in report.first_steps] == [(first.id, 2)]


async def test_report_for_a_period_and_another_server(seeded: tuple[AnyStore, Clock]) -> None:
    store, clock = seeded
    recent = await store.report(f"guild:{GUILD}", since=clock.now - timedelta(days=1))
    assert (recent.started, recent.completed) == (1, 0)
    earlier = await store.report(f"guild:{GUILD}", since=None, until=A_MONDAY + timedelta(days=1))
    assert (earlier.started, earlier.completed) == (5, 3)
    assert (await store.report("guild:1", since=None)).started == 0


async def test_no_report_carries_a_members_answers(seeded: tuple[AnyStore, Clock]) -> None:
    store, _ = seeded
    report = await store.report(f"guild:{GUILD}", since=None)
    assert SECRET not in repr(report)
    assert "established" not in repr(report).lower()  # an answer option id


async def test_a_week_runs_from_monday_to_sunday(open_at_url: StoreOpener) -> None:
    clock = Clock(datetime(2026, 5, 10, 23, 59, tzinfo=UTC))  # a Sunday
    store = await open_at_url(clock)
    session, result = finished_result()
    for key in (ALICE, BOB):
        await store.save(key, session, expected_version=0)
        await store.complete(key, result, expected_version=1)
        clock.now += timedelta(minutes=2)  # Bob's is on the Monday after
    weeks = [week for week, _ in (await store.report(ALICE.scope, since=None)).weekly_verdicts]
    assert weeks == ["2026-05-04", "2026-05-11"]


# --- server settings and digests ------------------------------------------------------


async def test_settings_round_trip_with_defaults(any_store: AnyStore) -> None:
    assert await any_store.guild_settings("1") == GuildSettings(guild_id="1")
    chosen = GuildSettings(
        guild_id="1",
        results_channel_id=1_234_567_890_123_456_789,
        interviews_in_channels=False,
        session_expiry_days=3.5,
        check_cooldown_seconds=10,
        digest_enabled=True,
        digest_next_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    await any_store.save_guild_settings(chosen)
    assert await any_store.guild_settings("1") == chosen
    changed = chosen.model_copy(update={"results_channel_id": None, "digest_enabled": False})
    await any_store.save_guild_settings(changed)
    await any_store.save_guild_settings(GuildSettings(guild_id="0"))
    assert await any_store.all_guild_settings() == [GuildSettings(guild_id="0"), changed]


async def test_a_due_digest_is_recorded_once_even_by_two_processes(open_at_url: StoreOpener) -> None:
    clock = Clock(A_MONDAY)
    one, two = await open_at_url(clock), await open_at_url(clock)
    due = clock.now - timedelta(hours=1)
    await one.save_guild_settings(
        GuildSettings(guild_id="7", results_channel_id=5, digest_enabled=True, digest_next_at=due)
    )
    await one.save_guild_settings(
        GuildSettings(
            guild_id="8", results_channel_id=5, digest_enabled=True, digest_next_at=clock.now + WEEK
        )
    )
    await one.save_guild_settings(
        GuildSettings(guild_id="9", results_channel_id=5, digest_enabled=False, digest_next_at=due)
    )
    [first] = await one.due_digests()
    assert [s.guild_id for s in await two.due_digests()] == ["7"]  # due until recorded as posted
    recorded = await one.record_digest_posted(first, WEEK)
    assert recorded is not None and recorded.digest_next_at == due + WEEK
    assert await two.record_digest_posted(first, WEEK) is None  # already recorded by the other
    assert await two.due_digests() == []
    assert (await two.guild_settings("7")).digest_next_at == due + WEEK

    clock.now += timedelta(days=30)  # the bot was down for a month: one digest, then on schedule
    late = await two.due_digests()
    assert [s.guild_id for s in late] == ["7", "8"]
    moved = await two.record_digest_posted(late[0], WEEK)
    assert moved is not None and moved.digest_next_at is not None
    assert clock.now < moved.digest_next_at <= clock.now + WEEK


async def test_a_background_task_runs_in_one_process_and_passes_on_when_it_dies(
    open_at_url: StoreOpener,
) -> None:
    clock = Clock()
    one, two = await open_at_url(clock), await open_at_url(clock)
    lease, hour = timedelta(seconds=60), timedelta(hours=1)
    assert await one.begin_task("sweep", "one", lease=lease) is True
    assert await two.begin_task("sweep", "two", lease=lease) is False  # held
    assert await one.begin_task("sweep", "one", lease=lease) is True  # renewed by its holder
    assert await one.finish_task("sweep", "one", next_run_in=hour) is True
    clock.now += timedelta(minutes=59)
    assert await two.begin_task("sweep", "two", lease=lease) is False  # done, not yet due again
    assert await two.begin_task("digest", "two", lease=lease) is True  # another task is its own
    clock.now += timedelta(minutes=1)
    assert await two.begin_task("sweep", "two", lease=lease) is True  # due: whoever asks first
    assert await one.begin_task("sweep", "one", lease=lease) is False

    # "two" dies holding the lease: nobody may run the task until the lease runs out,
    # then the next process to ask takes it over.
    await two.close()
    clock.now += timedelta(seconds=59)
    assert await one.begin_task("sweep", "one", lease=lease) is False
    clock.now += timedelta(seconds=1)
    assert await one.begin_task("sweep", "one", lease=lease) is True
    # Had "two" only stalled, its late finish changes nothing.
    late = await open_at_url(clock)
    assert await late.finish_task("sweep", "two", next_run_in=hour) is False
    assert await one.finish_task("sweep", "one", next_run_in=hour) is True
