"""The Discord adapter through discord.py's real code paths, against the loopback double.

Every request the bot makes is checked against Discord's OpenAPI spec by the double
(the test fails at teardown on any request Discord would reject); these tests assert
what a member would see.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from advisor.settings import Settings
from bot.client import AdvisorBot
from bot.delivery import reply
from bot.runner import sync_commands
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble
from tests.discord_double.payloads import walk_components
from tests.transcript import (
    CHANNEL_MESSAGE,
    CHANNEL_MESSAGES,
    DEFERRED_UPDATE,
    DESCRIPTION,
    EBOOK_STEPS,
    EPHEMERAL,
    FIRST_STEP,
    OPEN_DM,
    ORIGINAL_MESSAGE,
    SECOND_STEP,
    UPDATE_MESSAGE,
    WELL_FORMED_TOKEN,
    Harness,
    custom_id_of,
    menu_of,
    running_advisor,
)


async def test_a_whole_interview_by_clicks_menus_and_a_modal(advisor: Harness) -> None:
    handle, callback = await advisor.slash("start")
    first = callback["data"]
    assert callback["type"] == CHANNEL_MESSAGE and first["flags"] & EPHEMERAL
    assert first["embeds"][0]["title"] == FIRST_STEP
    assert "Step 1 of" in first["embeds"][0]["footer"]["text"]
    message_id = str(handle.original_message["id"])

    for step in EBOOK_STEPS:
        reply = await advisor.answer(message_id, step)
        assert reply["type"] == UPDATE_MESSAGE, reply
        assert "That answer did not work" not in str(reply["data"]["embeds"])
    assert "Step 15 of 15" in advisor.message(message_id)["embeds"][0]["footer"]["text"]

    _, finished = await advisor.type_answer(message_id, DESCRIPTION)
    assert finished["type"] == UPDATE_MESSAGE
    result = finished["data"]["embeds"][0]
    assert result["title"] == "Digital product"
    # The card first; the chart, every reason and the whole roadmap are a button away.
    assert "image" not in result
    assert [f["name"] for f in result["fields"]] == ["Why, in short", "Your first step (of 5)"]
    labels = [c["label"] for row in finished["data"]["components"] for c in row["components"]]
    assert labels == ["All reasons", "Whole roadmap", "Chart", "ITIL 4 reading", "Share…", "Retake"]

    history = await advisor.history()
    assert len(history) == 1 and history[0].result.description == DESCRIPTION


async def test_every_payload_sends_no_allowed_mentions(advisor: Harness) -> None:
    message_id = await advisor.start()
    await advisor.answer(message_id, "Just starting")
    await advisor.slash("check", {"description": "@everyone Notion templates <@&1>"})
    await advisor.slash("help")
    await advisor.slash("share")
    bodies = advisor.message_bodies()
    assert len(bodies) >= 4
    for body in bodies:
        assert body.get("allowed_mentions") == {"parse": []}, body


async def test_a_menu_allows_exactly_the_picks_the_question_does(advisor: Harness) -> None:
    message_id = await advisor.start()
    await advisor.answer(message_id, "Just starting")
    before = await advisor.version()
    # Discord checks menu values against the menu's options, so the bad input a member can
    # send is free text; a menu allows exactly as many picks as the question does.
    select = menu_of(advisor.message(message_id))
    assert (select["min_values"], select["max_values"]) == (1, 1)
    assert len(select["options"]) == 13
    assert await advisor.version() == before


async def test_the_bot_restarted_mid_interview_keeps_the_old_buttons_working(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    async with running_advisor(discord_double, db_path) as first:
        message_id = await first.start()
        await first.answer(message_id, "Established")
        await first.answer(message_id, ["platform"])

    # A new process: a new store connection, a new bot, nothing in memory from before.
    async with running_advisor(discord_double, db_path, sync=False) as again:
        reply = await again.answer(message_id, "Building it once")
        assert reply["type"] == UPDATE_MESSAGE
        assert reply["data"]["embeds"][0]["title"].startswith("Do you sell, or plan to sell")
        stored = await again.stored()
        assert stored.session.trail == ("stage", "offering_kind", "effort")


async def test_a_stale_click_is_refused_without_change(advisor: Harness) -> None:
    message_id = await advisor.start()
    old_message = dict(advisor.message(message_id))
    await advisor.answer(message_id, "Just starting")
    version = await advisor.version()

    # The member clicks a button on an older copy of the message (another window).
    stale_id = custom_id_of(old_message, "Established")
    advisor.double.messages[message_id] = old_message
    _, reply = await advisor.click(message_id, stale_id)
    assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
    assert "moved on" in reply["data"]["content"]
    assert await advisor.version() == version
    stored = await advisor.stored()
    assert stored.session.answers["stage"].options == ("starting",)


async def test_a_double_click_counts_once(advisor: Harness) -> None:
    message_id = await advisor.start()
    replies = await advisor.press_twice_at_once(message_id, "A few paying customers")
    assert sorted(reply["type"] for reply in replies) == [CHANNEL_MESSAGE, UPDATE_MESSAGE]
    refusal = next(reply for reply in replies if reply["type"] == CHANNEL_MESSAGE)
    assert "moved on" in refusal["data"]["content"]
    stored = await advisor.stored()
    assert stored.version == 2 and stored.session.trail == ("stage",)


async def test_another_members_click_is_politely_refused(advisor: Harness) -> None:
    message_id = await advisor.start()
    stranger = advisor.double.world.add_user("stranger")
    version = await advisor.version()
    _, reply = await advisor.press(message_id, "Established", user=stranger)
    assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
    assert "belongs to someone else" in reply["data"]["content"]
    assert await advisor.version() == version
    assert await advisor.store.load(SessionKey.for_guild(stranger["id"], advisor.double.guild_id)) is None


async def test_back_help_and_cancel_buttons(advisor: Harness) -> None:
    message_id = await advisor.answered(1)
    _, back = await advisor.press(message_id, "Back")
    assert back["data"]["embeds"][0]["title"] == FIRST_STEP
    _, helped = await advisor.press(message_id, "Help")
    assert helped["data"]["flags"] & EPHEMERAL and "For example" in helped["data"]["content"]
    await advisor.answer(message_id, "Just starting")
    # Cancel asks first, in the step's own message; "Keep going" brings the step back.
    _, asked = await advisor.press(message_id, "Cancel")
    assert asked["type"] == UPDATE_MESSAGE
    assert asked["data"]["embeds"][0]["title"] == "Cancel this interview?"
    assert "(1 so far)" in asked["data"]["embeds"][0]["description"]
    _, kept = await advisor.press(message_id, "Keep going")
    assert kept["data"]["embeds"][0]["title"] == SECOND_STEP
    assert await advisor.version() is not None
    await advisor.press(message_id, "Cancel")
    _, cancelled = await advisor.press(message_id, "Yes, cancel it")
    assert cancelled["data"]["embeds"][0]["title"] == "Interview cancelled"
    assert await advisor.version() is None


async def test_a_bad_free_text_answer_is_explained_and_changes_nothing(advisor: Harness) -> None:
    message_id = await advisor.answered(len(EBOOK_STEPS))
    before = await advisor.version()
    _, reply = await advisor.type_answer(message_id, "abc\u202edcba")
    assert reply["type"] == UPDATE_MESSAGE
    problem = next(f for f in reply["data"]["embeds"][0]["fields"] if f["name"] == "That answer did not work")
    assert "direction-override" in problem["value"]
    assert await advisor.version() == before


async def test_check_answers_explains_and_offers_the_interview(advisor: Harness) -> None:
    handle, callback = await advisor.slash(
        "check", {"description": "Recorded course plus weekly 1:1 coaching calls"}
    )
    data = callback["data"]
    assert data["flags"] & EPHEMERAL
    embed = data["embeds"][0]
    assert embed["title"].startswith("Hybrid")
    assert any(f["name"] == "Phrases that drove it" and "coaching" in f["value"] for f in embed["fields"])
    message_id = str(handle.original_message["id"])
    _, started = await advisor.press(message_id, "Take the full interview")
    assert started["type"] == CHANNEL_MESSAGE
    assert started["data"]["embeds"][0]["title"] == FIRST_STEP


async def test_check_lists_a_phrase_once_not_again_inside_a_longer_one(advisor: Harness) -> None:
    _, callback = await advisor.slash("check", {"description": "A video course with weekly coaching calls"})
    phrases = next(f for f in callback["data"]["embeds"][0]["fields"] if f["name"] == "Phrases that drove it")
    lines = phrases["value"].splitlines()
    quoted = [line.split("”")[0].lstrip("“") for line in lines]
    assert not any(a != b and a in b for a in quoted for b in quoted), lines


@pytest.mark.parametrize("bad", ["   ", "🚀🔥", "abc\u202edcba templates", "\x07\x1b[31m"])
async def test_check_with_bad_input_gets_a_friendly_error(advisor: Harness, bad: str) -> None:
    _, callback = await advisor.slash("check", {"description": bad})
    assert callback["type"] == CHANNEL_MESSAGE and callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["content"].startswith("I can't read that description:")
    assert "embeds" not in callback["data"] or not callback["data"]["embeds"]


async def test_check_has_a_friendly_per_member_cooldown(advisor: Harness) -> None:
    for _ in range(3):
        _, ok = await advisor.slash("check", {"description": "logo design for each client"})
        assert ok["data"].get("embeds")
    _, limited = await advisor.slash("check", {"description": "logo design for each client"})
    assert "you can run that again in" in limited["data"]["content"]
    other = advisor.double.world.add_user("other")
    _, theirs = await advisor.slash("check", {"description": "logo design"}, user=other)
    assert theirs["data"].get("embeds")


async def test_share_is_refused_before_any_result_then_previewed_then_posted(advisor: Harness) -> None:
    _, refused = await advisor.slash("share")
    assert refused["data"]["flags"] & EPHEMERAL and "nothing to share yet" in refused["data"]["content"]

    await advisor.finish()
    handle, preview = await advisor.slash("share")
    # First the member alone sees exactly what would be posted, and nothing is shared yet.
    assert preview["data"]["flags"] & EPHEMERAL
    assert "will be posted in this channel" in preview["data"]["content"]
    user = advisor.double.user
    title = f"{user.get('global_name') or user['username']}: Digital product"
    assert preview["data"]["embeds"][0]["title"] == title
    with sqlite3.connect(advisor.db_path) as raw:
        assert raw.execute("SELECT shared FROM results").fetchall() == [(0,)]

    posting, posted = await advisor.press(str(handle.original_message["id"]), "Post it")
    assert posted["data"]["content"] == "Posted in this channel."
    await advisor.settled()
    public = next(r.json for r in posting.requests if r.method == "POST" and r.path.startswith("/webhooks/"))
    assert not public.get("flags", 0) & EPHEMERAL
    assert public["embeds"] == preview["data"]["embeds"]
    with sqlite3.connect(advisor.db_path) as raw:
        assert raw.execute("SELECT shared FROM results").fetchall() == [(1,)]


async def test_result_and_history_show_only_the_members_own(advisor: Harness) -> None:
    _, none_yet = await advisor.slash("result")
    assert "no result yet" in none_yet["data"]["content"]
    await advisor.finish()
    _, result = await advisor.slash("result")
    assert result["data"]["flags"] & EPHEMERAL and result["data"]["embeds"][0]["title"] == "Digital product"
    other = advisor.double.world.add_user("other")
    _, theirs = await advisor.slash("history", user=other)
    assert theirs["data"]["embeds"][0]["description"].startswith(
        "No results yet. Take the interview with `/advisor start`"
    )


async def test_export_then_forget_leaves_nothing_behind(advisor: Harness) -> None:
    await advisor.finish()
    await advisor.start(guild_id=None)  # and one in progress in DMs
    handle, exported = await advisor.slash("export")
    assert exported["data"]["flags"] & EPHEMERAL
    upload = next(r for r in handle.requests if r.files)
    assert upload.files[0].filename == "offering-advisor-export.json"
    assert b'"results"' in upload.files[0].data

    handle, asked = await advisor.slash("forget")
    assert asked["data"]["flags"] & EPHEMERAL and "cannot be undone" in asked["data"]["content"]
    message_id = str(handle.original_message["id"])
    stranger = advisor.double.world.add_user("stranger")
    _, refused = await advisor.press(message_id, "Delete everything", user=stranger)
    assert "Only the member who asked" in refused["data"]["content"]
    _, done = await advisor.press(message_id, "Delete everything")
    assert "Nothing about you is stored any more" in done["data"]["content"]
    user_id = str(advisor.double.user["id"])
    with sqlite3.connect(advisor.db_path) as raw:
        for table in ("sessions", "results"):
            assert raw.execute(f"SELECT count(*) FROM {table} WHERE user_id = ?", (user_id,)).fetchone() == (
                0,
            )


async def test_interview_in_dms_is_a_plain_conversation(advisor: Harness) -> None:
    handle, callback = await advisor.slash("start", guild_id=None)
    assert not callback["data"].get("flags", 0) & EPHEMERAL
    message_id = str(handle.original_message["id"])
    reply = await advisor.answer(message_id, "Established")
    assert reply["type"] == UPDATE_MESSAGE
    stored = await advisor.store.load(SessionKey.for_dm(advisor.double.user["id"]))
    assert stored is not None and stored.session.answers["stage"].options == ("established",)


async def test_resume_and_restart(advisor: Harness) -> None:
    message_id = await advisor.start()
    await advisor.answer(message_id, "Established")
    _, resumed = await advisor.slash("resume")
    assert resumed["data"]["embeds"][0]["title"] == SECOND_STEP
    # One answer would be lost, so restart asks first.
    handle, asked = await advisor.slash("restart")
    assert asked["data"]["embeds"][0]["title"] == "Start this interview again?"
    _, restarted = await advisor.press(str(handle.original_message["id"]), "Yes, start again")
    assert restarted["data"]["embeds"][0]["title"] == FIRST_STEP
    _, cancelled = await advisor.slash("cancel")  # nothing answered yet: nothing to confirm
    assert "cancelled" in cancelled["data"]["content"]
    _, nothing = await advisor.slash("resume")
    assert "no interview in progress" in nothing["data"]["content"]


async def test_buttons_from_before_a_restart_change_nothing_in_the_new_interview(advisor: Harness) -> None:
    key = advisor.key
    first, _ = await advisor.slash("start")
    old_id = str(first.original_message["id"])
    old_message = dict(advisor.message(old_id))
    # Past Discord's 15 minutes the bot can no longer switch the old message's buttons off.
    advisor.double.expire_token(first.token)
    old_cancel, old_option = custom_id_of(old_message, "Cancel"), custom_id_of(old_message, "Established")
    old_version = await advisor.version()

    handle, restarted = await advisor.slash("restart")
    assert restarted["data"]["embeds"][0]["title"] == FIRST_STEP
    new_id = str(handle.original_message["id"])
    assert new_id != old_id
    before = await advisor.store.load(key)
    assert before is not None and old_version is not None and before.version > old_version
    assert custom_id_of(advisor.message(new_id), "Cancel") != old_cancel

    # The member clicks the old message's buttons: Cancel, then an option.
    for stale_id in (old_cancel, old_option):
        _, reply = await advisor.click(old_id, stale_id)
        assert reply["type"] == CHANNEL_MESSAGE and reply["data"]["flags"] & EPHEMERAL
        assert "moved on" in reply["data"]["content"]
        after = await advisor.store.load(key)
        assert after is not None and after.version == before.version
        assert after.session == before.session and after.session.answers == {}

    # The new interview's own buttons still work.
    reply = await advisor.answer(new_id, "Established")
    assert reply["type"] == UPDATE_MESSAGE
    stored = await advisor.store.load(key)
    assert stored is not None and stored.session.answers["stage"].options == ("established",)


async def test_a_step_message_replaced_by_a_newer_one_loses_its_buttons(advisor: Harness) -> None:
    old_id = await advisor.start()
    await advisor.answer(old_id, "Established")
    handle, resumed = await advisor.slash("resume")
    assert resumed["data"]["components"]
    await advisor.double.wait_for_request("PATCH", ORIGINAL_MESSAGE)
    switched_off = advisor.message(old_id)
    assert switched_off["components"] == []
    assert switched_off["content"] == "This message was replaced by a newer one; its buttons no longer work."
    assert switched_off["embeds"]  # the question stays readable
    # The newer message carries on.
    reply = await advisor.answer(str(handle.original_message["id"]), ["ebook"])
    assert reply["type"] == UPDATE_MESSAGE
    assert "That answer did not work" not in str(reply["data"]["embeds"])


async def test_buttons_from_a_cancelled_interview_change_nothing_in_the_next(advisor: Harness) -> None:
    old_id = await advisor.start()
    old_message = dict(advisor.message(old_id))
    _, cancelled = await advisor.slash("cancel")
    assert "cancelled" in cancelled["data"]["content"]
    await advisor.start()
    before = await advisor.stored()

    _, reply = await advisor.click(old_id, custom_id_of(old_message, "Established"))
    assert "moved on" in reply["data"]["content"]
    after = await advisor.stored()
    assert after.version == before.version and after.session == before.session


async def test_a_failure_gives_a_reference_and_logs_the_traceback_not_the_token(
    advisor: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await advisor.store.close()  # the database goes away under the bot
    with caplog.at_level(logging.ERROR):
        _, callback = await advisor.slash("start")
    content = callback["data"]["content"]
    assert callback["data"]["flags"] & EPHEMERAL and "reference `" in content
    reference = content.split("reference `")[1].split("`")[0]
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)
    assert "test-token" not in caplog.text
    advisor.store = await SQLiteStore.open(advisor.db_path)


async def test_after_the_token_expires_a_private_reply_arrives_as_a_dm(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    gate = asyncio.Event()

    def add_slow_command(bot: AdvisorBot) -> None:
        @bot.tree.command(name="slow", description="answers after the interaction token expired")
        async def slow(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await gate.wait()
            await reply(interaction, "Here is your late answer.", ephemeral=True)

    async with running_advisor(discord_double, db_path, setup=add_slow_command) as advisor:
        handle, callback = await advisor.send(discord_double.slash_command("slow"))
        assert callback["type"] == 5  # deferred
        discord_double.expire_token(handle.token)
        gate.set()
        sent = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert sent.json["content"] == "Here is your late answer."
        assert sent.json["allowed_mentions"] == {"parse": []}
        opened = discord_double.requests_to("POST", OPEN_DM)
        assert opened and str(opened[0].json["recipient_id"]) == discord_double.user["id"]
        discord_double.take_violations()  # the refused followup on the expired token


async def test_sync_registers_the_advisor_group_in_one_server(
    discord_double: DiscordDouble, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(discord_token=SecretStr(WELL_FORMED_TOKEN), database_path=db_path)
    names = await sync_commands(settings, int(discord_double.guild_id))
    assert names == ["advisor", "advisor-staff"]
    registered = discord_double.requests_to(
        "PUT", "/applications/{application_id}/guilds/{guild_id}/commands"
    )
    assert len(registered) == 1
    subcommands = {option["name"] for option in registered[0].json[0]["options"]}
    assert subcommands == {
        "start",
        "resume",
        "restart",
        "cancel",
        "check",
        "result",
        "history",
        "roadmap",
        "share",
        "export",
        "forget",
        "help",
    }
    logging.getLogger().handlers.clear()  # sync configured the root logger for a real run


async def test_a_slow_answer_is_deferred_in_time_then_shown(
    advisor: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = await advisor.start()
    advisor.slow_answers(monkeypatch)
    handle, callback = await advisor.press(message_id, "Established")
    assert callback["type"] == DEFERRED_UPDATE  # acknowledged before the answer was ready
    edit = await handle.edit()
    assert edit.json["embeds"][0]["title"] == SECOND_STEP
    assert advisor.message(message_id)["embeds"][0]["title"] == SECOND_STEP


async def test_a_french_member_gets_the_interview_and_result_in_french(advisor: Harness) -> None:
    handle, callback = await advisor.slash("start", locale="fr")
    first = callback["data"]
    assert first["embeds"][0]["title"] == "Où en êtes-vous avec cette offre aujourd'hui ?"
    assert "Étape 1 sur" in first["embeds"][0]["footer"]["text"]
    labels = [c.get("label") for c in walk_components(first["components"])]
    assert "Aide" in labels and "Annuler" in labels
    message_id = str(handle.original_message["id"])
    for component in walk_components(first["components"]):
        if component.get("label") and component["label"] not in ("Aide", "Annuler"):
            first_option = component["custom_id"]
            break
    _, reply = await advisor.click(message_id, first_option, locale="fr")
    assert reply["data"]["embeds"][0]["title"] != SECOND_STEP
    assert "Étape 2 sur" in reply["data"]["embeds"][0]["footer"]["text"]

    _, english = await advisor.slash("resume", locale="de")  # no German: English
    assert english["data"]["embeds"][0]["footer"]["text"].startswith("Step 2 of")
