"""Staff reports over a seeded database: counts only, never a member's answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.service import Action, AdvisorService
from dialogs.engine import TurnKind
from storage.keys import SessionKey
from storage.reports import GuildSettings
from storage.sqlite import SQLiteStore

GUILD = 4242
SECRET = "my secret recipe for sourdough is rye and patience"
EBOOK = ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"]
AGENCY = ["3", "9", "2", "yes", "4", "5", "5", "3", "2", "2", "2", "1,2,3,4", "1"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 4, 9, tzinfo=UTC)  # a Monday

    def __call__(self) -> datetime:
        return self.now


async def interview(service: AdvisorService, member: int, answers: list[str], *, finish: bool = True) -> None:
    key = SessionKey.for_guild(member, GUILD)
    await service.begin(key)
    for answer in answers:
        await service.act(key, Action.ANSWER, answer)
    if finish:
        outcome = await service.act(key, Action.ANSWER, SECRET)
        assert outcome.turn.kind is TurnKind.FINISHED


@pytest.fixture
async def seeded(db_path: Path) -> AsyncIterator[tuple[SQLiteStore, Clock]]:
    clock = Clock()
    store = await SQLiteStore.open(db_path, clock=clock)
    service = AdvisorService(store, expiry=timedelta(days=7), clock=clock)
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
    await store.close()


async def test_report_counts_interviews_verdicts_first_steps_and_dropoff(
    seeded: tuple[SQLiteStore, Clock],
) -> None:
    store, _ = seeded
    report = await store.report(f"guild:{GUILD}", since=None)
    assert (report.started, report.completed, report.cancelled, report.expired, report.in_progress) == (
        6,
        3,
        1,
        1,
        1,
    )
    assert report.abandoned == 2
    assert report.verdicts == {"digital_product": 2, "digital_service": 1}
    assert sum(count for _, _, count in report.first_steps) == 3
    dropoff = {step.step_id: step for step in report.dropoff}
    assert dropoff["stage"].reached == 6
    assert dropoff["income"].left_here == 1  # member 4 cancelled at the income question
    assert dropoff["effort"].left_here == 1  # member 5 went quiet at the effort question
    assert sum(step.left_here for step in report.dropoff) == report.abandoned
    assert report.weekly_verdicts and sum(report.weekly_verdicts[0][1].values()) == 3


async def test_report_for_a_period_and_another_server(seeded: tuple[SQLiteStore, Clock]) -> None:
    store, clock = seeded
    recent = await store.report(f"guild:{GUILD}", since=clock.now - timedelta(days=1))
    assert (recent.started, recent.completed) == (1, 0)
    assert (await store.report("guild:1", since=None)).started == 0


async def test_no_report_carries_a_members_answers(seeded: tuple[SQLiteStore, Clock]) -> None:
    store, _ = seeded
    report = await store.report(f"guild:{GUILD}", since=None)
    assert SECRET not in repr(report)
    assert "established" not in repr(report).lower()  # an answer option id


async def test_settings_round_trip_with_defaults(store: SQLiteStore) -> None:
    assert await store.guild_settings("1") == GuildSettings(guild_id="1")
    chosen = GuildSettings(
        guild_id="1",
        results_channel_id=99,
        interviews_in_channels=False,
        session_expiry_days=3,
        check_cooldown_seconds=10,
        digest_enabled=True,
        digest_next_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    await store.save_guild_settings(chosen)
    assert await store.guild_settings("1") == chosen
    assert await store.all_guild_settings() == [chosen]


async def test_a_due_digest_is_claimed_once_even_by_two_stores(db_path: Path) -> None:
    clock = Clock()
    async with (
        await SQLiteStore.open(db_path, clock=clock) as one,
        await SQLiteStore.open(db_path, clock=clock) as two,
    ):
        due = clock.now - timedelta(hours=1)
        await one.save_guild_settings(
            GuildSettings(guild_id="7", results_channel_id=5, digest_enabled=True, digest_next_at=due)
        )
        first = await one.claim_due_digests(timedelta(days=7))
        second = await two.claim_due_digests(timedelta(days=7))
        assert [s.guild_id for s in first] == ["7"] and second == []
        assert (await two.guild_settings("7")).digest_next_at == due + timedelta(days=7)
        clock.now += timedelta(days=30)  # the bot was down for a month: one digest, then on schedule
        late = await two.claim_due_digests(timedelta(days=7))
        assert len(late) == 1 and late[0].digest_next_at is not None and late[0].digest_next_at > clock.now
