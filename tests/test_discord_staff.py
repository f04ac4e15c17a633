"""Staff features through the loopback Discord double: permission, summary, CSV, settings,
the weekly digest across a restart, and members' answers never reaching staff."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from advisor.service import Action, AdvisorService
from bot.client import AdvisorBot
from storage.keys import SessionKey
from storage.settings import GuildSettings
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble, run_client
from tests.discord_double.payloads import EVERYONE_PERMISSIONS

EPHEMERAL = 64
MANAGE_GUILD = 1 << 5
MEMBER = EVERYONE_PERMISSIONS & ~MANAGE_GUILD
STAFF = MEMBER | MANAGE_GUILD
SECRET = "our secret sauce is fermented rye and a lot of patience"
EBOOK = ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"]
AGENCY = ["3", "9", "2", "yes", "4", "5", "5", "3", "2", "2", "2", "1,2,3,4", "1"]


async def seed(store: SQLiteStore, guild_id: str) -> None:
    """Members of the server take interviews: two finish, one cancels midway."""
    service = AdvisorService(store)
    for member, answers in ((101, EBOOK), (102, AGENCY), (103, EBOOK[:5])):
        key = SessionKey.for_guild(member, guild_id)
        await service.begin(key)
        for answer in answers:
            await service.act(key, Action.ANSWER, answer)
        if len(answers) == len(EBOOK):
            await service.act(key, Action.ANSWER, SECRET)
        else:
            await service.act(key, Action.CANCEL)


@pytest.fixture
async def staffed(
    discord_double: DiscordDouble, db_path: Path
) -> AsyncIterator[tuple[DiscordDouble, SQLiteStore]]:
    store = await SQLiteStore.open(db_path)
    await seed(store, discord_double.guild_id)
    async with run_client(AdvisorBot(store=store)) as bot:
        await bot.tree.sync()
        yield discord_double, store
    await store.close()


async def staff_command(
    double: DiscordDouble,
    sub: str,
    options: dict[str, Any] | None = None,
    *,
    permissions: int = STAFF,
    resolved: dict[str, Any] | None = None,
) -> Any:
    payload = double.slash_command(
        "advisor-staff", sub, options=options, permissions=permissions, resolved=resolved
    )
    handle = await double.interact(payload)
    await handle.callback()
    return handle


def all_request_text(double: DiscordDouble) -> str:
    parts = []
    for request in double.requests:
        parts.append(repr(request.json))
        parts.extend(file.data.decode("utf-8", "replace") for file in request.files)
    return "\n".join(parts)


async def test_staff_commands_are_declared_for_manage_server(
    staffed: tuple[DiscordDouble, SQLiteStore],
) -> None:
    double, _ = staffed
    registered = double.requests_to("PUT", "/applications/{application_id}/commands")[-1].json
    staff = next(command for command in registered if command["name"] == "advisor-staff")
    assert int(staff["default_member_permissions"]) == MANAGE_GUILD
    assert staff.get("contexts") == [0] or staff.get("dm_permission") is False


@pytest.mark.parametrize("sub", ["summary", "dropoff", "settings"])
async def test_a_member_without_manage_server_is_refused(
    staffed: tuple[DiscordDouble, SQLiteStore], sub: str
) -> None:
    double, _ = staffed
    handle = await staff_command(double, sub, permissions=MEMBER)
    callback = (await handle.callback()).json
    assert callback["data"]["flags"] & EPHEMERAL
    assert "Manage Server" in callback["data"]["content"]
    assert "embeds" not in callback["data"] or not callback["data"]["embeds"]


async def test_summary_counts_the_seeded_server(staffed: tuple[DiscordDouble, SQLiteStore]) -> None:
    double, _ = staffed
    handle = await staff_command(double, "summary", {"period": "all"})
    data = (await handle.callback()).json["data"]
    assert not data.get("flags", 0) & EPHEMERAL  # posted for the staff channel to see
    fields = {field["name"]: field["value"] for field in data["embeds"][0]["fields"]}
    assert "**3** started · **2** completed" in fields["Interviews"]
    assert "**1** abandoned (1 cancelled" in fields["Interviews"]
    assert "Digital product: **1**" in fields["What members sell"]
    assert "Digital service: **1**" in fields["What members sell"]
    assert "left here 1" in fields["Where members stop"]
    chart = next(request for request in handle.requests if request.files).files[0]
    assert chart.filename == "verdict-mix.png" and chart.data.startswith(b"\x89PNG")
    assert SECRET not in all_request_text(double)


async def test_dropoff_csv_lists_every_question(staffed: tuple[DiscordDouble, SQLiteStore]) -> None:
    double, _ = staffed
    handle = await staff_command(double, "dropoff")
    upload = next(request for request in handle.requests if request.files).files[0]
    rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8"))))
    assert [row["step_id"] for row in rows][:3] == ["stage", "offering_kind", "effort"]
    by_step = {row["step_id"]: row for row in rows}
    assert by_step["stage"]["reached"] == "3"
    assert sum(int(row["left_here"]) for row in rows) == 1
    assert SECRET not in all_request_text(double)


async def test_settings_change_where_interviews_run_and_the_cooldown(
    staffed: tuple[DiscordDouble, SQLiteStore],
) -> None:
    double, store = staffed
    # Discord resolves a channel option into the interaction, as it does for every pick.
    channel = {"id": double.channel_id, "name": "general", "type": 0, "permissions": str(STAFF)}
    handle = await staff_command(
        double,
        "settings",
        {"interviews": "DMs only", "check_cooldown_seconds": 0, "results_channel": double.channel_id},
        resolved={"channels": {double.channel_id: channel}},
    )
    answer = (await handle.callback()).json["data"]
    assert answer.get("embeds"), answer
    assert answer["embeds"][0]["title"] == "Settings saved"
    saved = await store.guild_settings(double.guild_id)
    assert not saved.interviews_in_channels and saved.check_cooldown_seconds == 0
    assert saved.results_channel_id == int(double.channel_id)

    start = await double.interact(double.slash_command("advisor", "start"))
    assert "keeps interviews in direct messages" in (await start.callback()).json["data"]["content"]
    for _ in range(5):  # no cooldown any more
        check = await double.interact(
            double.slash_command("advisor", "check", options={"description": "logo design"})
        )
        assert (await check.callback()).json["data"].get("embeds")


async def test_the_weekly_digest_is_posted_once_across_a_restart(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    store = await SQLiteStore.open(db_path)
    await seed(store, discord_double.guild_id)
    await store.save_guild_settings(
        GuildSettings(
            guild_id=discord_double.guild_id,
            results_channel_id=int(discord_double.channel_id),
            digest_enabled=True,
            digest_next_at=discord.utils.utcnow() - timedelta(minutes=5),
        )
    )
    route = "/channels/{channel_id}/messages"
    async with run_client(AdvisorBot(store=store)):
        posted = await discord_double.wait_for_request("POST", route)
        assert posted.json["embeds"][0]["title"] == "Offering Advisor: the week"
        assert "**2** completed" in posted.json["embeds"][0]["fields"][0]["value"]
    await store.close()

    store = await SQLiteStore.open(db_path)  # the bot restarts
    async with run_client(AdvisorBot(store=store)):
        await asyncio.sleep(0.5)
    assert len(discord_double.requests_to("POST", route)) == 1
    settings = await store.guild_settings(discord_double.guild_id)
    assert (
        settings.digest_next_at is not None
        and settings.digest_next_at > discord.utils.utcnow() + timedelta(days=6)
    )
    assert SECRET not in all_request_text(discord_double)
    await store.close()


async def test_a_member_is_told_once_that_their_interview_expired(
    discord_double: DiscordDouble, db_path: Path
) -> None:
    store = await SQLiteStore.open(db_path)
    key = SessionKey.for_guild(discord_double.user["id"], discord_double.guild_id)
    service = AdvisorService(store, expiry=timedelta(seconds=0))
    await service.begin(key)
    await service.act(key, Action.ANSWER, "3")
    await service.expire_idle()
    async with run_client(AdvisorBot(store=store)) as bot:
        await bot.tree.sync()
        first = await discord_double.interact(discord_double.slash_command("advisor", "help"))
        assert "expired" in (await first.callback()).json["data"]["content"]
        second = await discord_double.interact(discord_double.slash_command("advisor", "help"))
        assert "expired" not in ((await second.callback()).json["data"].get("content") or "")
        started = await discord_double.interact(discord_double.slash_command("advisor", "start"))
        embed = (await started.callback()).json["data"]["embeds"][0]
        assert embed["title"] == "Which of these comes closest to what you offer?"
        assert "expired while you were away" in str(embed["fields"])
    await store.close()
