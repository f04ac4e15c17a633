"""A server's settings, as a modified client and a careless owner would test them: values
outside the command's ranges and choices are refused in words and change nothing; a
settings row that does not validate is logged once and that server falls back to the
defaults, without stopping the bot for anyone else.

Discord's own client never sends such values; the double sends what it is given, as a
modified client would.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.client import AdvisorBot
from storage.settings import GuildSettings
from storage.sqlite import SQLiteStore
from tests.conftest import AnyStore
from tests.discord_double import DiscordDouble, run_client
from tests.transcript import MEMBER, STAFF, staff_command

StaffWorld = tuple[DiscordDouble, SQLiteStore]
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"


def answer_of(handle: Any) -> dict[str, Any]:
    return handle.requests[0].json["data"]


@pytest.mark.parametrize(
    ("options", "told"),
    [
        ({"expiry_days": 9999}, "`expiry_days` must be a whole number of days from 1 to 90"),
        ({"expiry_days": 0}, "`expiry_days` must be a whole number of days from 1 to 90"),
        ({"expiry_days": -3}, "`expiry_days` must be a whole number of days from 1 to 90"),
        (
            {"check_cooldown_seconds": 86401},
            "`check_cooldown_seconds` must be a whole number of seconds from 0 to 3600",
        ),
        (
            {"check_cooldown_seconds": -1},
            "`check_cooldown_seconds` must be a whole number of seconds from 0 to 3600",
        ),
        ({"interviews": "everywhere"}, "`interviews` must be one of “channels and DMs” or “DMs only”"),
    ],
)
async def test_a_setting_outside_its_range_is_refused_and_nothing_changes(
    staffed: StaffWorld, options: dict[str, Any], told: str
) -> None:
    double, store = staffed
    before = await store.guild_settings(double.guild_id)
    handle = await staff_command(double, "settings", options)
    data = answer_of(handle)
    assert data["flags"] & 64
    assert data["content"] == f"{told}; nothing was changed."
    assert len(handle.requests) == 1  # one answer, nothing else
    assert await store.guild_settings(double.guild_id) == before
    # The server goes on working: the next command reads its settings as before.
    listed = await staff_command(double, "settings")
    assert answer_of(listed)["embeds"][0]["title"] == "Current settings"


async def test_a_period_not_offered_is_refused_in_words(staffed: StaffWorld) -> None:
    double, _ = staffed
    for sub in ("summary", "dropoff"):
        handle = await staff_command(double, sub, {"period": "999d"})
        assert answer_of(handle)["content"] == (
            "`period` must be one of “7d”, “30d”, “90d”, or “all”; nothing was changed."
        )


async def test_the_commands_offer_the_ranges_the_model_accepts(staffed: StaffWorld) -> None:
    double, _ = staffed
    registered = double.requests_to("PUT", "/applications/{application_id}/commands")[-1].json
    staff = next(command for command in registered if command["name"] == "advisor-staff")
    settings = next(option for option in staff["options"] if option["name"] == "settings")
    by_name = {option["name"]: option for option in settings["options"]}
    assert (by_name["expiry_days"]["min_value"], by_name["expiry_days"]["max_value"]) == (1, 90)
    cooldown = by_name["check_cooldown_seconds"]
    assert (cooldown["min_value"], cooldown["max_value"]) == (0, 3600)
    assert [choice["value"] for choice in by_name["interviews"]["choices"]] == [
        "channels and DMs",
        "DMs only",
    ]
    GuildSettings(guild_id="1", session_expiry_days=1, check_cooldown_seconds=0)
    GuildSettings(guild_id="1", session_expiry_days=90, check_cooldown_seconds=3600)
    for bad in (
        {"session_expiry_days": 90.5},
        {"session_expiry_days": 0.5},
        {"check_cooldown_seconds": 3601},
    ):
        with pytest.raises(ValidationError):
            GuildSettings(guild_id="1", **bad)


async def test_a_store_refuses_to_write_settings_that_do_not_validate(any_store: AnyStore) -> None:
    # model_copy skips validation, so a caller could build this; the write checks again.
    bad = GuildSettings(guild_id="5").model_copy(update={"session_expiry_days": 9999.0})
    with pytest.raises(ValidationError):
        await any_store.save_guild_settings(bad)
    assert await any_store.all_guild_settings() == []


def write_bad_row(db_path: Path, guild_id: str, expiry: float) -> None:
    """What an older release, a hand edit or a forged command could have left behind."""
    with sqlite3.connect(db_path) as raw:
        raw.execute(
            "INSERT INTO guild_settings (guild_id, interviews_in_channels, session_expiry_days, "
            "digest_enabled, updated_at) VALUES (?, 0, ?, 0, '2026-01-01T00:00:00.000000+00:00')",
            (guild_id, expiry),
        )


async def test_a_bad_row_falls_back_to_defaults_and_never_stops_the_bot(
    discord_double: DiscordDouble, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with await SQLiteStore.open(db_path) as store:
        other = GuildSettings(guild_id="777", interviews_in_channels=False, session_expiry_days=3)
        await store.save_guild_settings(other)
    write_bad_row(db_path, discord_double.guild_id, 9999.0)

    store = await SQLiteStore.open(db_path)
    with caplog.at_level(logging.WARNING, logger="storage.settings"):
        async with run_client(AdvisorBot(store=store)) as bot:  # setup_hook reads every server
            await bot.tree.sync()
            assert bot.settings_by_guild["777"] == other  # the other server keeps its choices
            assert await store.guild_settings(discord_double.guild_id) == GuildSettings(
                guild_id=discord_double.guild_id
            )
            # Members of the bad row's server get the defaults (interviews in channels).
            started = await discord_double.interact(discord_double.slash_command("advisor", "start"))
            assert (await started.callback()).json["data"].get("embeds")
            for _ in range(3):
                await store.all_guild_settings()
            # Staff repair it by saving any setting: the defaults plus their change.
            handle = await staff_command(discord_double, "settings", {"expiry_days": 14})
            assert answer_of(handle)["embeds"][0]["title"] == "Settings saved"
    await store.close()
    warnings = [record for record in caplog.records if "stored settings are invalid" in record.getMessage()]
    assert len(warnings) == 1
    assert discord_double.guild_id in warnings[0].getMessage()
    assert "session_expiry_days" in warnings[0].getMessage()
    async with await SQLiteStore.open(db_path) as reopened:
        repaired = await reopened.guild_settings(discord_double.guild_id)
    assert repaired.session_expiry_days == 14 and repaired.interviews_in_channels


@pytest.mark.parametrize("sub", ["summary", "dropoff", "settings"])
async def test_a_member_without_manage_server_gets_one_refusal(staffed: StaffWorld, sub: str) -> None:
    double, _ = staffed
    handle = await staff_command(double, sub, permissions=MEMBER)
    answer = handle.requests[0].json["data"]
    assert answer["content"] == "This needs the Manage Server permission in this server."
    # A second refusal would follow as a followup message on the same token.
    with pytest.raises(AssertionError, match="no matching request"):
        await double.wait_for_request("POST", FOLLOWUP, timeout=0.5)
    assert len(handle.requests) == 1


async def test_staff_with_manage_server_still_get_their_answer(staffed: StaffWorld) -> None:
    double, _ = staffed
    handle = await staff_command(double, "settings", permissions=STAFF)
    assert answer_of(handle)["embeds"][0]["title"] == "Current settings"
