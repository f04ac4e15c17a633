"""The roadmap as a checklist, and check-ins by DM, through the double: a member marks
steps, restarts the bot and finds them as they left them; stale, double and strangers'
clicks change nothing; a check-in chosen for a week is delivered once, after the clock
passes it, across restarts, and never with check-ins off, after forget, or to closed DMs;
two processes on one database deliver it exactly once (on each backend)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.client import AdvisorBot
from bot.cogs.background import BackgroundTimings
from dialogs.progress import CheckInChoice, StepState
from storage.keys import SessionKey
from tests.conftest import StoreOpener
from tests.discord_double import DiscordDouble, run_client
from tests.discord_double.payloads import walk_components
from tests.storage.test_store_contract import finished_result
from tests.transcript import EPHEMERAL, Harness, running_advisor, staff_command

FAST = BackgroundTimings(
    check_every=timedelta(seconds=0.1),
    lease=timedelta(seconds=1),
    sweep_every=timedelta(hours=1),
    stop_grace=timedelta(seconds=0.5),
)
WEEK = timedelta(days=7)
MESSAGES = "/channels/{channel_id}/messages"


class SettableClock:
    """The store's clock, moved on by the test: a week passes in a line."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def wait_until(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def step_lines(message: dict[str, Any]) -> list[str]:
    """The checklist's lines, one per step, as the member reads them."""
    description = message["embeds"][0]["description"]
    return [line for line in description.split("\n\n", 1)[1].splitlines()]


def custom_id_starting(message: dict[str, Any], prefix: str) -> str:
    return next(
        c["custom_id"]
        for c in walk_components(message["components"])
        if c.get("custom_id", "").startswith(prefix)
    )


async def open_roadmap(advisor: Harness) -> str:
    handle, reply = await advisor.slash("roadmap")
    assert reply["data"]["flags"] & EPHEMERAL
    assert handle.original_message is not None
    return str(handle.original_message["id"])


async def choose_check_ins(advisor: Harness, roadmap_id: str, choice: str) -> dict[str, Any]:
    menu = custom_id_starting(advisor.message(roadmap_id), "oa:k:")
    _, reply = await advisor.click(roadmap_id, menu, [choice])
    return dict(reply["data"])


def dm_channel_of(double: DiscordDouble) -> str:
    return str(double.world.dm_channel(double.user)["id"])


def posts_in_dms(double: DiscordDouble) -> list[Any]:
    """Every message the bot tried to post in anyone's DM."""
    channels = {channel["id"] for channel in double.world.dm_channels.values()}
    return [r for r in double.requests_to("POST", MESSAGES) if r.params["channel_id"] in channels]


def check_ins_sent(double: DiscordDouble) -> list[Any]:
    """Every attempt the bot made to post in the member's DM, accepted or refused."""
    channel = dm_channel_of(double)
    return [r for r in double.requests_to("POST", MESSAGES) if r.params["channel_id"] == channel]


async def test_a_member_marks_steps_and_finds_them_after_a_restart(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    async with running_advisor(discord_double, db_path) as advisor:
        card_id = await advisor.finish()
        (record,) = await advisor.history()
        steps = record.result.roadmap
        handle, shown = await advisor.press(card_id, "Whole roadmap")
        assert shown["data"]["flags"] & EPHEMERAL
        assert handle.original_message is not None
        roadmap_id = str(handle.original_message["id"])
        first = advisor.message(roadmap_id)
        assert first["embeds"][0]["description"].startswith(f"0 of {len(steps)} steps done")
        assert first["embeds"][0]["fields"][0]["name"] == f"Step 1: {steps[0].title}"

        _, done = await advisor.press(roadmap_id, "Done")
        assert done["data"]["content"] == "Step 1 is now done."
        # The checklist moves on to the next open step.
        now = advisor.message(roadmap_id)
        assert now["embeds"][0]["fields"][0]["name"] == f"Step 2: {steps[1].title}"
        await advisor.press(roadmap_id, "I'm on it")
        lines = step_lines(advisor.message(roadmap_id))
        assert lines[0] == f"✅ 1. {steps[0].title} · done"
        assert lines[1] == f"▶️ **2. {steps[1].title}** · in progress"
        assert lines[2] == f"⬜ 3. {steps[2].title}"

    async with running_advisor(discord_double, db_path, sync=False) as again:
        reopened = again.message(await open_roadmap(again))
        assert reopened["embeds"][0]["description"].startswith(f"1 of {len(steps)} steps done")
        assert step_lines(reopened)[:2] == lines[:2]
        # The message from before the restart still works: its buttons name what they change.
        _, skipped = await again.press(roadmap_id, "Skip")
        assert skipped["data"]["content"] == "Step 2 is now skipped."
        (stored,) = await again.history()
        assert stored.progress == {steps[0].id: StepState.DONE, steps[1].id: StepState.SKIPPED}
        assert stored.progress_version == 3

        # A retake says what moved and keeps the done step (the skipped one is offered afresh).
        retake = again.message(await again.finish())["embeds"][0]
        assert retake["fields"][0]["name"] == "Since last time"
        assert retake["fields"][0]["value"] == (
            "Since your previous result: Still Digital product, with every factor on the same side. "
            "One step you had done is on this roadmap too, and stays done."
        )
        assert retake["fields"][-1]["name"] == f"Your next step (step 2 of {len(steps)})"
        newest, _ = await again.history()
        assert newest.progress == {steps[0].id: StepState.DONE}


async def test_stale_double_and_strangers_clicks_change_nothing(advisor: Harness) -> None:
    await advisor.finish()
    one, two = await open_roadmap(advisor), await open_roadmap(advisor)
    await advisor.press(one, "Done")
    # The second window was drawn before that change: its click is refused, and says so.
    _, stale = await advisor.press(two, "Skip")
    assert stale["data"]["content"].startswith("This roadmap changed after these buttons were drawn")
    (record,) = await advisor.history()
    assert (record.progress, record.progress_version) == ({record.result.roadmap[0].id: StepState.DONE}, 1)
    # It now shows the roadmap as stored, with buttons for that version.
    first_line = step_lines(advisor.message(two))[0]
    assert first_line.startswith("✅ ") and first_line.endswith(" · done")

    # Another step, picked from the menu, then a double click on its Done.
    await advisor.choose(two, ["1"])
    assert advisor.message(two)["embeds"][0]["fields"][0]["name"].startswith("Step 2: ")
    replies = await advisor.press_twice_at_once(two, "Done")
    contents = sorted(reply["data"].get("content") or "" for reply in replies)
    assert contents[0] == "Step 2 is now done."
    assert contents[1].startswith("This roadmap changed after these buttons were drawn")
    (record,) = await advisor.history()
    assert record.progress_version == 2

    stranger = advisor.double.world.add_user("stranger")
    _, refused = await advisor.press(two, "Skip", user=stranger)
    assert refused["data"]["content"] == "This is someone else's roadmap. /advisor roadmap shows yours."
    assert refused["data"]["flags"] & EPHEMERAL
    (after,) = await advisor.history()
    assert after.progress_version == 2


async def test_a_weekly_check_in_comes_once_after_the_week_across_restarts(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    clock = SettableClock()
    async with running_advisor(discord_double, db_path, clock=clock, background_timings=FAST) as advisor:
        await advisor.finish()
        roadmap_id = await open_roadmap(advisor)
        chosen = await choose_check_ins(advisor, roadmap_id, "week")
        assert chosen["content"].startswith(
            "I'll send you a DM about the step you are on every week, the first one <t:"
        )
        fields = advisor.message(roadmap_id)["embeds"][0]["fields"]
        assert fields[1]["value"].startswith("Every week by DM; the next one <t:")
        await asyncio.sleep(0.5)  # several checks: nothing is due yet
        assert check_ins_sent(discord_double) == []
        (record,) = await advisor.history()

    clock.now += WEEK + timedelta(minutes=1)
    async with running_advisor(
        discord_double, db_path, clock=clock, background_timings=FAST, sync=False
    ) as later:
        await wait_until(lambda: check_ins_sent(discord_double))
        await asyncio.sleep(0.5)
        (sent,) = check_ins_sent(discord_double)
        first_title = record.result.roadmap[0].title
        count = len(record.result.roadmap)
        assert (
            sent.json["content"]
            == f"How is your roadmap going? You are on step 1 of {count}: **{first_title}**"
        )
        assert [c["label"] for c in walk_components(sent.json["components"]) if "label" in c] == [
            "Done",
            "Still on it",
            "Skip",
            "Stop check-ins",
        ]
        schedule = await later.store.check_ins(record.key.user_id)
        assert schedule is not None and schedule.sent == 1

    async with running_advisor(
        discord_double, db_path, clock=clock, background_timings=FAST, sync=False
    ) as again:
        await asyncio.sleep(0.5)
        assert len(check_ins_sent(discord_double)) == 1  # neither skipped nor repeated
        dm_id = str(sent.response["id"])
        _, answered = await again.press(dm_id, "Done")
        said = answered["data"]["content"]
        assert said.startswith(
            f"Marked done: **{first_title}**.\nNext up: **{record.result.roadmap[1].title}**."
        )
        assert "Next check-in <t:" in said
        assert answered["data"]["components"] == []
        (stored,) = await again.history()
        assert stored.progress == {record.result.roadmap[0].id: StepState.DONE}


async def test_no_check_in_with_check_ins_off_or_after_forget(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    clock = SettableClock()
    stranger_key = None
    async with running_advisor(discord_double, db_path, clock=clock, background_timings=FAST) as advisor:
        await advisor.finish()
        await choose_check_ins(advisor, await open_roadmap(advisor), "week")
        handle = await staff_command(discord_double, "settings", {"check_ins": False})
        assert "Roadmap check-ins" in str((await handle.callback()).json)
        # A second member, in DMs (no server's setting applies), who then forgets everything.
        other = discord_double.world.add_user("other")
        session, result = finished_result()
        stranger_key = SessionKey.for_dm(other["id"])
        version = await advisor.store.save(stranger_key, session, expected_version=0)
        await advisor.store.complete(stranger_key, result, expected_version=version)
        await advisor.bot.roadmap_service.choose_check_ins(other["id"], CheckInChoice.WEEKLY, "en")
        handle, _ = await advisor.slash("forget", user=other, guild_id=None)
        assert handle.original_message is not None
        await advisor.press(str(handle.original_message["id"]), "Delete everything", user=other)

    clock.now += 3 * WEEK
    async with running_advisor(
        discord_double, db_path, clock=clock, background_timings=FAST, sync=False
    ) as later:
        await asyncio.sleep(0.8)
        assert posts_in_dms(discord_double) == []
        stopped = await later.store.check_ins(str(discord_double.user["id"]))
        assert stopped is not None and stopped.stopped == "server" and stopped.next_at is None
        assert stranger_key is not None and await later.store.check_ins(stranger_key.user_id) is None
        # With check-ins off, the roadmap says so and offers no choice.
        shown = later.message(await open_roadmap(later))
        assert shown["embeds"][0]["fields"][1]["value"] == "This server's staff turned check-ins off."
        assert not any(
            c.get("custom_id", "").startswith("oa:k:") for c in walk_components(shown["components"])
        )


async def test_a_refused_dm_stops_the_check_ins_and_is_not_retried(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    clock = SettableClock()
    async with running_advisor(discord_double, db_path, clock=clock, background_timings=FAST) as advisor:
        await advisor.finish()
        await choose_check_ins(advisor, await open_roadmap(advisor), "two_weeks")
        discord_double.world.closed_dms.add(str(discord_double.user["id"]))
        clock.now += 2 * WEEK + timedelta(minutes=1)
        await wait_until(lambda: check_ins_sent(discord_double))
        await asyncio.sleep(0.5)
        (refused,) = check_ins_sent(discord_double)
        assert refused.status == 403 and refused.response["code"] == 50007
        schedule = await advisor.store.check_ins(str(discord_double.user["id"]))
        assert schedule is not None and (schedule.stopped, schedule.next_at, schedule.sent) == (
            "refused",
            None,
            0,
        )
        clock.now += 4 * WEEK
        await asyncio.sleep(0.5)
        assert len(check_ins_sent(discord_double)) == 1
        shown = advisor.message(await open_roadmap(advisor))
        assert shown["embeds"][0]["fields"][1]["value"].startswith("Stopped: Discord would not deliver my DM")


async def test_two_processes_on_one_database_send_a_check_in_once(
    discord_double: DiscordDouble, open_at_url: StoreOpener
) -> None:
    clock = SettableClock()
    one, two = await open_at_url(clock), await open_at_url(clock)
    key = SessionKey.for_guild(discord_double.user["id"], discord_double.guild_id)
    session, result = finished_result()
    version = await one.save(key, session, expected_version=0)
    await one.complete(key, result, expected_version=version)
    await one.schedule_check_ins(key.user_id, WEEK, "fr")
    clock.now += WEEK + timedelta(seconds=1)
    bots = (AdvisorBot(store=one, background_timings=FAST), AdvisorBot(store=two, background_timings=FAST))
    async with run_client(bots[0]), run_client(bots[1]):
        await wait_until(lambda: check_ins_sent(discord_double))
        await asyncio.sleep(0.6)  # several more checks by both processes
    (sent,) = check_ins_sent(discord_double)
    assert sent.json["content"].startswith(
        "Où en est votre feuille de route\u00a0? Vous êtes à l'étape 1 sur"
    )
    schedule = await two.check_ins(key.user_id)
    assert schedule is not None and schedule.sent == 1
    assert schedule.next_at == clock.now - timedelta(seconds=1) + WEEK


async def test_a_check_in_left_from_before_a_retake_changes_nothing(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    clock = SettableClock()
    async with running_advisor(discord_double, db_path, clock=clock, background_timings=FAST) as advisor:
        await advisor.finish()
        await choose_check_ins(advisor, await open_roadmap(advisor), "week")
        clock.now += WEEK + timedelta(minutes=1)
        await wait_until(lambda: check_ins_sent(discord_double))
        (sent,) = check_ins_sent(discord_double)
        await advisor.finish()  # a retake: check-ins now follow the new result
        _, stale = await advisor.press(str(sent.response["id"]), "Done")
        assert stale["data"]["content"].startswith("This check-in is out of date")
        assert stale["data"]["components"] == []
        newest, older = await advisor.history()
        assert newest.progress == older.progress == {}
