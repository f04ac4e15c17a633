"""The result card through the double: what a member reads first, the parts its buttons
open, sharing with a preview, and the same card after a restart or after forget."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.settings import GuildSettings
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble
from tests.discord_double.payloads import snowflake, text_channel, walk_components
from tests.transcript import EPHEMERAL, FIRST_STEP, Harness, running_advisor

CARD_BUTTONS = ["All reasons", "Whole roadmap", "Chart", "ITIL 4 reading", "Share…", "Retake"]


def labels(message: dict[str, object]) -> list[str]:
    return [c["label"] for c in walk_components(message["components"]) if "label" in c]


def shared_flags(db_path: Path) -> list[tuple[int]]:
    with sqlite3.connect(db_path) as raw:
        return raw.execute("SELECT shared FROM results").fetchall()


async def test_the_card_says_the_verdict_reasons_and_first_step_and_opens_each_part(advisor: Harness) -> None:
    message_id = await advisor.finish()
    card = advisor.message(message_id)["embeds"][0]
    assert card["title"] == "Digital product"
    assert card["description"].startswith("**A clear result, 95% sure** · e-book or guide\n")
    why = card["fields"][0]["value"].splitlines()
    assert len(why) == 3 and all("(product)" in line for line in why)
    # Short reasons: the answers are quoted in "All reasons", not on the card.
    assert "you said" not in card["fields"][0]["value"]
    (record,) = await advisor.history()
    assert record.result.roadmap[0].title in card["fields"][1]["value"]
    assert labels(advisor.message(message_id)) == CARD_BUTTONS

    _, reasons = await advisor.press(message_id, "All reasons")
    assert reasons["data"]["flags"] & EPHEMERAL
    assert "(you said “Building it once”)" in reasons["data"]["embeds"][0]["description"]
    _, roadmap = await advisor.press(message_id, "Whole roadmap")
    for step in record.result.roadmap:
        assert step.title in roadmap["data"]["embeds"][0]["description"]
    _, itil = await advisor.press(message_id, "ITIL 4 reading")
    itil_embed = itil["data"]["embeds"][0]
    assert itil_embed["description"].startswith("ITIL 4 is a body of guidance on running IT services.")
    assert "One-directional: you hand it over" in itil_embed["fields"][0]["value"]
    assert itil_embed["fields"][0]["value"].count("ne-directional") == 1  # said once
    handle, chart = await advisor.press(message_id, "Chart")
    assert chart["data"]["embeds"][0]["image"]["url"] == "attachment://factors.png"
    upload = next(request for request in handle.requests if request.files)
    assert upload.files[0].data.startswith(b"\x89PNG")


async def test_someone_elses_click_on_a_card_opens_nothing(advisor: Harness) -> None:
    message_id = await advisor.finish()
    stranger = advisor.double.world.add_user("stranger")
    for label in ("All reasons", "Share…"):
        _, refused = await advisor.press(message_id, label, user=stranger)
        assert refused["data"]["content"].startswith("This result belongs to someone else.")
        assert refused["data"]["flags"] & EPHEMERAL
    assert shared_flags(advisor.db_path) == [(0,)]


async def test_a_card_still_opens_its_result_after_a_restart_and_not_after_forget(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    async with running_advisor(discord_double, db_path) as first:
        message_id = await first.finish()
        card = first.message(message_id)
    async with running_advisor(discord_double, db_path, sync=False) as again:
        again_id = str(card["id"])
        _, roadmap = await again.press(again_id, "Whole roadmap")
        assert roadmap["data"]["embeds"][0]["title"] == "Your roadmap"
        handle, _ = await again.slash("forget")
        assert handle.original_message is not None
        await again.press(str(handle.original_message["id"]), "Delete everything")
        _, gone = await again.press(again_id, "All reasons")
        assert gone["data"]["content"].startswith("That result is no longer stored")


async def test_share_from_the_card_previews_and_can_be_called_off(advisor: Harness) -> None:
    message_id = await advisor.finish()
    handle, preview = await advisor.press(message_id, "Share…")
    assert preview["data"]["flags"] & EPHEMERAL
    assert "Your answers and anything you typed stay private." in preview["data"]["content"]
    public_card = preview["data"]["embeds"][0]
    assert "you said" not in str(public_card)
    assert preview["data"]["components"] and labels(preview["data"]) == ["Post it", "Don't post"]
    assert handle.original_message is not None
    _, called_off = await advisor.press(str(handle.original_message["id"]), "Don't post")
    assert called_off["data"]["content"] == "Not posted. Your result stays private."
    assert called_off["data"]["embeds"] == [] and called_off["data"]["components"] == []
    assert shared_flags(advisor.db_path) == [(0,)]


async def test_a_share_goes_to_the_servers_results_channel_when_staff_set_one(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    results = text_channel(snowflake(), discord_double.guild_id, "results", position=1)
    discord_double.guild["channels"].append(results)

    async def results_channel(store: SQLiteStore) -> None:
        settings = GuildSettings(guild_id=discord_double.guild_id, results_channel_id=int(results["id"]))
        await store.save_guild_settings(settings)

    async with running_advisor(discord_double, db_path, seed=results_channel) as advisor:
        message_id = await advisor.finish()
        handle, preview = await advisor.press(message_id, "Share…")
        assert f"will be posted in <#{results['id']}>" in preview["data"]["content"]
        assert handle.original_message is not None
        _, posted = await advisor.press(str(handle.original_message["id"]), "Post it")
        assert posted["data"]["content"] == f"Posted in <#{results['id']}>."
        sent = await discord_double.wait_for_request("POST", "/channels/{channel_id}/messages")
        assert sent.path == f"/channels/{results['id']}/messages"
        assert sent.json["embeds"] == preview["data"]["embeds"]
        await advisor.settled()
        assert shared_flags(db_path) == [(1,)]


async def test_in_dms_the_card_has_no_share_and_retake_starts_again(advisor: Harness) -> None:
    handle, _ = await advisor.slash("start", guild_id=None)
    assert handle.original_message is not None
    message_id = str(handle.original_message["id"])
    await advisor.finish_from(message_id)
    assert "Share…" not in labels(advisor.message(message_id))
    _, again = await advisor.press(message_id, "Retake")
    assert again["data"]["embeds"][0]["title"] == FIRST_STEP


async def test_history_lists_each_result_with_its_kind_and_opens_any_as_its_card(advisor: Harness) -> None:
    await advisor.finish()
    await advisor.finish()
    handle, listed = await advisor.slash("history")
    embed = listed["data"]["embeds"][0]
    lines = embed["description"].splitlines()
    assert len(lines) == 2 and all(
        line.endswith("**Digital product** (95%) · e-book or guide") for line in lines
    )
    assert embed["fields"] == [
        {
            "name": "What moved",
            "value": "Since your previous result: Still Digital product, with every factor on the same side.",
            "inline": True,
        }
    ]
    (menu,) = [
        c for c in walk_components(listed["data"]["components"]) if c.get("custom_id", "").startswith("oa:h:")
    ]
    older = menu["options"][1]
    assert older["label"].startswith(f"#{older['value']} · ") and older["description"] == "e-book or guide"

    assert handle.original_message is not None
    _, opened = await advisor.click(str(handle.original_message["id"]), menu["custom_id"], [older["value"]])
    assert opened["data"]["flags"] & EPHEMERAL
    assert opened["data"]["embeds"][0]["title"] == "Digital product"
    card_buttons = [c.get("custom_id") for c in walk_components(opened["data"]["components"])]
    assert f"oa:r:reasons:{advisor.double.user['id']}:{older['value']}" in card_buttons
