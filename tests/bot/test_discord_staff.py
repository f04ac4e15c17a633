"""Staff features through the loopback Discord double: permission, summary, CSV, settings,
the weekly digest across a restart, and members' answers never reaching staff."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from advisor.service import Action, AdvisorService
from dialogs.engine import DialogEngine
from dialogs.progress import StepState
from storage.keys import SessionKey
from storage.settings import GuildSettings
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble
from tests.transcript import (
    CHANNEL_MESSAGES,
    EBOOK_ANSWERS,
    EPHEMERAL,
    MANAGE_GUILD,
    MEMBER,
    SECRET,
    STAFF,
    Harness,
    running_advisor,
    seed_server,
)


async def test_staff_commands_are_declared_for_manage_server(seeded_advisor: Harness) -> None:
    registered = seeded_advisor.double.requests_to("PUT", "/applications/{application_id}/commands")[-1].json
    staff = next(command for command in registered if command["name"] == "advisor-staff")
    assert int(staff["default_member_permissions"]) == MANAGE_GUILD
    assert staff.get("contexts") == [0] or staff.get("dm_permission") is False


@pytest.mark.parametrize("sub", ["summary", "dropoff", "settings"])
async def test_a_member_without_manage_server_is_refused(seeded_advisor: Harness, sub: str) -> None:
    _, callback = await seeded_advisor.staff(sub, permissions=MEMBER)
    assert callback["data"]["flags"] & EPHEMERAL
    assert "Manage Server" in callback["data"]["content"]
    assert "embeds" not in callback["data"] or not callback["data"]["embeds"]


async def test_summary_counts_the_seeded_server(seeded_advisor: Harness) -> None:
    handle, callback = await seeded_advisor.staff("summary", {"period": "all"})
    data = callback["data"]
    assert data["flags"] & EPHEMERAL  # the moderator sees it first, alone
    fields = {field["name"]: field["value"] for field in data["embeds"][0]["fields"]}
    assert "**3** started · **2** completed" in fields["Interviews"]
    assert "**1** abandoned (1 cancelled" in fields["Interviews"]
    # Three members; two of the three interviews that ended reached a result.
    assert (
        "**3** members · **67%** of ended interviews completed · about **1** minute to a result"
        in (fields["Interviews"])
    )
    assert fields["Kinds of offering"] == "digital marketing: **1**\ne-book or guide: **1**"
    assert fields["Interviews"].endswith("· **0** quick checks")
    assert "Digital product: **1**" in fields["What members sell"]
    assert "Digital service: **1**" in fields["What members sell"]
    assert "1 left here" in fields["Where members stop"]
    chart = next(request for request in handle.requests if request.files).files[0]
    assert chart.filename == "verdict-mix.png" and chart.data.startswith(b"\x89PNG")
    assert SECRET not in seeded_advisor.everything_sent()


async def test_a_summary_is_posted_for_the_channel_only_when_a_moderator_asks(
    seeded_advisor: Harness,
) -> None:
    handle, private = await seeded_advisor.staff("summary", {"period": "30d"})
    assert private["data"]["flags"] & EPHEMERAL
    assert "Against the period before: +3 started, +2 completed" in str(private["data"]["embeds"][0])
    assert handle.original_message is not None
    message_id = str(handle.original_message["id"])
    _, refused = await seeded_advisor.press(message_id, "Post to channel", permissions=MEMBER)
    assert "Manage Server" in refused["data"]["content"] and refused["data"]["flags"] & EPHEMERAL
    posting, posted = await seeded_advisor.press(message_id, "Post to channel", permissions=STAFF)
    assert posted["data"]["content"] == "Posted for the channel."
    await seeded_advisor.settled()
    public = next(r.json for r in posting.requests if r.method == "POST" and r.path.startswith("/webhooks/"))
    assert not public.get("flags", 0) & EPHEMERAL
    assert public["embeds"][0]["title"] == private["data"]["embeds"][0]["title"]
    assert SECRET not in seeded_advisor.everything_sent()


async def test_quick_checks_in_the_server_are_counted_but_never_kept(seeded_advisor: Harness) -> None:
    for description in ("Notion templates, pay once", "Logo design for each client"):
        await seeded_advisor.slash("check", {"description": description})
    await seeded_advisor.slash("check", {"description": "Bookkeeping by the hour"}, guild_id=None)
    _, summary = await seeded_advisor.staff("summary", {"period": "all"})
    fields = {field["name"]: field["value"] for field in summary["data"]["embeds"][0]["fields"]}
    assert fields["Interviews"].endswith("· **2** quick checks")  # the one in DMs is no server's
    with sqlite3.connect(seeded_advisor.db_path) as raw:
        rows = raw.execute("SELECT * FROM quick_checks").fetchall()
    assert [row[1] for row in rows] == [f"guild:{seeded_advisor.double.guild_id}"] * 2
    assert "Notion" not in str(rows)


async def test_settings_name_the_defaults_a_server_has_not_changed(seeded_advisor: Harness) -> None:
    _, shown = await seeded_advisor.staff("settings")
    fields = {field["name"]: field["value"] for field in shown["data"]["embeds"][0]["fields"]}
    assert "7 days (the bot's default)" in fields.values()
    assert "60 s (the bot's default)" in fields.values()


async def test_where_members_stop_names_the_question_as_they_saw_it(seeded_advisor: Harness) -> None:
    # The member who cancelled answered five questions; the next is where they left, and all
    # three members reached it.
    engine = DialogEngine()
    turn = engine.start()
    for answer in EBOOK_ANSWERS[:5]:
        turn = engine.answer(turn.session, answer)
    assert turn.prompt is not None
    _, callback = await seeded_advisor.staff("summary", {"period": "all"})
    fields = {field["name"]: field["value"] for field in callback["data"]["embeds"][0]["fields"]}
    # The number on the question the member saw, and the question whole, never cut.
    assert (
        f"**Step {turn.prompt.position}** · {turn.prompt.text}\n3 reached it, 1 left here"
        in fields["Where members stop"]
    )


async def test_dropoff_csv_lists_every_question(seeded_advisor: Harness) -> None:
    handle, _ = await seeded_advisor.staff("dropoff")
    upload = next(request for request in handle.requests if request.files).files[0]
    rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8"))))
    assert [row["step_id"] for row in rows][:3] == ["stage", "offering_kind", "effort"]
    by_step = {row["step_id"]: row for row in rows}
    assert by_step["stage"]["reached"] == "3"
    assert sum(int(row["left_here"]) for row in rows) == 1
    assert SECRET not in seeded_advisor.everything_sent()


async def test_settings_change_where_interviews_run_and_the_cooldown(seeded_advisor: Harness) -> None:
    double = seeded_advisor.double
    # Discord resolves a channel option into the interaction, as it does for every pick.
    channel = {"id": double.channel_id, "name": "general", "type": 0, "permissions": str(STAFF)}
    _, callback = await seeded_advisor.staff(
        "settings",
        {"interviews": "DMs only", "check_cooldown_seconds": 0, "results_channel": double.channel_id},
        resolved={"channels": {double.channel_id: channel}},
    )
    answer = callback["data"]
    assert answer.get("embeds"), answer
    assert answer["embeds"][0]["title"] == "Settings saved"
    saved = await seeded_advisor.store.guild_settings(double.guild_id)
    assert not saved.interviews_in_channels and saved.check_cooldown_seconds == 0
    assert saved.results_channel_id == int(double.channel_id)

    _, start = await seeded_advisor.slash("start")
    assert "keeps interviews in direct messages" in start["data"]["content"]
    for _ in range(5):  # no cooldown any more
        _, check = await seeded_advisor.slash("check", {"description": "logo design"})
        assert check["data"].get("embeds")


async def test_the_weekly_digest_is_posted_once_across_a_restart(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    async def digest_due(store: SQLiteStore) -> None:
        await seed_server(store, discord_double.guild_id)
        await store.save_guild_settings(
            GuildSettings(
                guild_id=discord_double.guild_id,
                results_channel_id=int(discord_double.channel_id),
                digest_enabled=True,
                digest_next_at=discord.utils.utcnow() - timedelta(minutes=5),
            )
        )

    async with running_advisor(discord_double, db_path, sync=False, seed=digest_due):
        posted = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert posted.json["embeds"][0]["title"] == "Offering Advisor: the week"
        assert "**2** completed" in posted.json["embeds"][0]["fields"][0]["value"]

    async with running_advisor(discord_double, db_path, sync=False) as restarted:
        await asyncio.sleep(0.5)
    assert len(discord_double.requests_to("POST", CHANNEL_MESSAGES)) == 1
    async with await SQLiteStore.open(db_path) as store:
        settings = await store.guild_settings(discord_double.guild_id)
    assert (
        settings.digest_next_at is not None
        and settings.digest_next_at > discord.utils.utcnow() + timedelta(days=6)
    )
    assert SECRET not in restarted.everything_sent()


async def test_a_member_is_told_once_that_their_interview_expired(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    async def expired(store: SQLiteStore) -> None:
        key = SessionKey.for_guild(discord_double.user["id"], discord_double.guild_id)
        service = AdvisorService(store, expiry=timedelta(seconds=0))
        await service.begin(key)
        await service.act(key, Action.ANSWER, "3")
        await service.expire_idle()

    async with running_advisor(discord_double, db_path, seed=expired) as advisor:
        _, first = await advisor.slash("help")
        assert "expired" in first["data"]["content"]
        _, second = await advisor.slash("help")
        assert "expired" not in (second["data"].get("content") or "")
        _, started = await advisor.slash("start")
        embed = started["data"]["embeds"][0]
        assert embed["title"] == "Which of these comes closest to what you offer?"
        assert "expired while you were away" in str(embed["fields"])


async def test_the_summary_counts_roadmap_progress_without_naming_anyone(seeded_advisor: Harness) -> None:
    store = seeded_advisor.store
    (ebook,) = await store.history("101")
    (agency,) = await store.history("102")
    ebook_first, ebook_second = ebook.result.roadmap[:2]
    done = {ebook_first.id: StepState.DONE, ebook_second.id: StepState.SKIPPED}
    assert await store.save_progress("101", ebook.id, done, expected_version=0)
    assert await store.save_progress(
        "102", agency.id, {agency.result.roadmap[0].id: StepState.DOING}, expected_version=0
    )
    _, callback = await seeded_advisor.staff("summary", {"period": "all"})
    fields = {field["name"]: field["value"] for field in callback["data"]["embeds"][0]["fields"]}
    progress = fields["Roadmap progress"]
    assert progress.splitlines() == [
        "2 members with a roadmap; 1 with at least one step done",
        f"**Done most**: {ebook_first.title}: 1 member",
        f"**Skipped most**: {ebook_second.title}: 1 member",
    ]
    assert "101" not in progress and "102" not in progress
