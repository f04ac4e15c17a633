"""The service over a real SQLite file: what members of a busy server would notice."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from advisor.service import Action, AdvisorService, NoActiveInterview
from dialogs.engine import DialogEngine, TurnKind
from dialogs.verdict import Verdict
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore

ENGINE = DialogEngine()
KEY = SessionKey.for_guild(42, 7)

# A route through the interview for a beginner selling an e-book, by option number.
EBOOK_ANSWERS = ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"]


def raw_row(db_path: Path, key: SessionKey) -> tuple[int, str] | None:
    with sqlite3.connect(db_path) as raw:
        row = raw.execute(
            "SELECT version, data FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ?",
            (key.user_id, key.scope, key.dialog),
        ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


async def test_begin_creates_then_resumes(service: AdvisorService) -> None:
    first = await service.begin(KEY)
    assert first.version == 1 and not first.resumed
    await service.act(KEY, Action.ANSWER, "2")
    again = await service.begin(KEY)
    assert again.resumed
    assert again.turn.prompt is not None and again.turn.prompt.step_id == "offering_kind"
    assert again.turn.session.answers["stage"].options == ("some_clients",)


async def test_whole_interview_is_stored_as_history(service: AdvisorService, store: SQLiteStore) -> None:
    await service.begin(KEY)
    outcome = None
    for answer in EBOOK_ANSWERS:
        outcome = await service.act(KEY, Action.ANSWER, answer)
    outcome = await service.act(KEY, Action.ANSWER, "A PDF guide to sourdough, instant download")
    assert outcome.turn.kind is TurnKind.FINISHED
    assert outcome.record is not None
    assert outcome.turn.result is not None and outcome.turn.result.verdict is Verdict.DIGITAL_PRODUCT
    assert await store.load(KEY) is None
    history = await store.history(KEY.user_id)
    assert [record.result for record in history] == [outcome.turn.result]
    with pytest.raises(NoActiveInterview):
        await service.act(KEY, Action.ANSWER, "1")


async def test_bad_answer_leaves_the_stored_row_untouched(service: AdvisorService, db_path: Path) -> None:
    await service.begin(KEY)
    await service.act(KEY, Action.ANSWER, "1")
    before = raw_row(db_path, KEY)
    for bad in [
        "",
        "   ",
        "x" * 100_000,
        "a\x00b",
        "\x1b[31m",
        "🚀🔥",
        "abc\u202edcba",
        "@everyone **1**",
        "je ne sais pas",
    ]:
        outcome = await service.act(KEY, Action.ANSWER, bad)
        assert outcome.turn.kind is TurnKind.REJECTED
        assert outcome.turn.error
    assert raw_row(db_path, KEY) == before


async def test_third_bad_answer_in_a_row_is_explained(service: AdvisorService) -> None:
    await service.begin(KEY)
    explanations = [(await service.act(KEY, Action.ANSWER, "nope")).turn.explanation for _ in range(3)]
    assert explanations[:2] == [None, None]
    assert explanations[2] is not None and "For example" in str(explanations[2])
    good = await service.act(KEY, Action.ANSWER, "1")
    assert good.turn.kind is TurnKind.ASK
    assert (await service.act(KEY, Action.ANSWER, "nope")).turn.explanation is None


async def test_bad_answers_are_remembered_for_a_bounded_number_of_members(
    service: AdvisorService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("advisor.service.MAX_TRACKED_FAILURES", 2)
    members = [SessionKey.for_guild(member, 7) for member in (1, 2, 3)]
    for key in members:
        await service.begin(key)
        await service.act(key, Action.ANSWER, "nope")
        await service.act(key, Action.ANSWER, "nope")
    # The third member still gets the explanation on their third bad answer in a row...
    assert (await service.act(members[2], Action.ANSWER, "nope")).turn.explanation is not None
    # ...while the first, remembered longest ago, was forgotten and starts counting again.
    assert (await service.act(members[0], Action.ANSWER, "nope")).turn.explanation is None


async def test_pinned_stale_action_changes_nothing(service: AdvisorService, db_path: Path) -> None:
    started = await service.begin(KEY)
    await service.act(KEY, Action.ANSWER, "1", expected_version=started.version)
    before = raw_row(db_path, KEY)
    # A second click drawn for the first step arrives late.
    late = await service.act(KEY, Action.ANSWER, "3", expected_version=started.version)
    assert late.stale
    assert raw_row(db_path, KEY) == before
    assert late.turn.session.answers["stage"].options == ("starting",)


async def test_double_click_counts_once(service: AdvisorService, store: SQLiteStore) -> None:
    started = await service.begin(KEY)
    clicks = await asyncio.gather(
        *(service.act(KEY, Action.ANSWER, "2", expected_version=started.version) for _ in range(2))
    )
    assert sorted(click.stale for click in clicks) == [False, True]
    stored = await store.load(KEY)
    assert stored is not None and stored.version == 2
    assert stored.session.trail == ("stage",)


async def test_unpinned_writers_retry_on_fresh_state(db_path: Path) -> None:
    async with await SQLiteStore.open(db_path) as one, await SQLiteStore.open(db_path) as two:
        first, second = AdvisorService(one), AdvisorService(two)
        await first.begin(KEY)
        await asyncio.gather(first.act(KEY, Action.ANSWER, "1"), second.act(KEY, Action.ANSWER, "1"))
        stored = await one.load(KEY)
    assert stored is not None
    # Both answers landed, one after the other, on the fresh state each time.
    assert stored.session.trail == ("stage", "offering_kind")
    assert stored.version == 3


async def test_cancel_and_restart(service: AdvisorService, store: SQLiteStore) -> None:
    await service.begin(KEY)
    await service.act(KEY, Action.ANSWER, "1")
    restarted = await service.restart(KEY)
    assert restarted.turn.session.answers == {}
    cancelled = await service.act(KEY, Action.CANCEL)
    assert cancelled.turn.kind is TurnKind.CANCELLED
    assert await store.load(KEY) is None


async def test_session_saved_under_an_older_bank_resumes(service: AdvisorService, store: SQLiteStore) -> None:
    session = ENGINE.new_session()
    for answer in ["1", "1", "1"]:
        session = ENGINE.answer(session, answer).session
    older = session.model_copy(update={"bank_version": 0})
    await store.save(KEY, older, expected_version=0)
    outcome = await service.begin(KEY)
    assert outcome.resumed
    assert outcome.turn.prompt is not None and outcome.turn.prompt.step_id == "extra_help"
    assert outcome.turn.session.bank_version == ENGINE.bank.version
    assert len(outcome.turn.session.answers) == 3


async def member_interview(service: AdvisorService, member: int) -> tuple[str, str]:
    """One member takes a whole interview with a few backs and bad answers on the way."""
    key = SessionKey.for_guild(member, 7)
    rng = random.Random(member)
    await service.begin(key)
    description = f"Member {member} sells recorded courses, pay once, instant download."
    stage = str(1 + member % 3)
    turn = (await service.act(key, Action.ANSWER, stage)).turn
    while turn.kind is not TurnKind.FINISHED:
        assert turn.prompt is not None
        roll = rng.random()
        if roll < 0.1:
            turn = (await service.act(key, Action.BACK)).turn
            continue
        if roll < 0.15 and turn.prompt.kind != "text":
            assert (await service.act(key, Action.ANSWER, "not an option")).turn.kind is TurnKind.REJECTED
            continue
        answer = (
            description if turn.prompt.kind == "text" else str(1 + rng.randrange(len(turn.prompt.options)))
        )
        if turn.prompt.step_id == "stage":
            stage = answer  # a back reached the first question and it was answered again
        turn = (await service.act(key, Action.ANSWER, answer)).turn
    return description, ("starting", "some_clients", "established")[int(stage) - 1]


async def test_two_hundred_members_at_once_keep_their_own_answers(
    service: AdvisorService, store: SQLiteStore
) -> None:
    members = range(1, 201)
    outcomes = await asyncio.gather(*(member_interview(service, member) for member in members))
    for member, (description, stage) in zip(members, outcomes, strict=True):
        history = await store.history(str(member))
        assert len(history) == 1, member
        result = history[0].result
        assert result.description == description
        assert result.stage == stage
        assert await store.load(SessionKey.for_guild(member, 7)) is None


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_an_expired_interview_comes_back_within_the_grace_period(db_path: Path) -> None:
    clock = MovableClock()
    async with await SQLiteStore.open(db_path, clock=clock) as store:
        service = AdvisorService(store, expiry=timedelta(days=7), grace=timedelta(days=30), clock=clock)
        await service.begin(KEY)
        await service.act(KEY, Action.ANSWER, "3")
        clock.now += timedelta(days=8)
        assert await service.expire_idle() == 1

        clock.now += timedelta(days=10)
        back = await service.begin(KEY)
        assert back.resumed and back.revived
        assert back.turn.session.answers["stage"].options == ("established",)
        stored = await store.load(KEY)
        assert stored is not None and stored.expired_at is None

        clock.now += timedelta(days=8)
        await service.expire_idle()
        clock.now += timedelta(days=31)
        fresh = await service.begin(KEY)
        assert not fresh.resumed and fresh.turn.session.answers == {}
