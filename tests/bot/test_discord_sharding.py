"""Sharded bot processes (`offering-advisor run --shard-ids 0 --shard-count 2`), through the double.

Large bots run as several processes, each running some of the bot's shards
(``AutoShardedBot(shard_ids=..., shard_count=...)``). Discord sends a process the events of
its shards' guilds only, and every DM to shard 0. Here the double requires two shards and has
a guild on each; each "process" is an AdvisorBot running one shard, with its own connection to
the one SQLite database they share, as separate processes would have.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.client import AdvisorBot
from cli import main as cli
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble
from tests.transcript import (
    CHANNEL_MESSAGE,
    EBOOK_STEP_NUMBERS,
    EBOOK_STEPS,
    FIRST_STEP,
    MOST_STEPS,
    SHARDS,
    UPDATE_MESSAGE,
    Cluster,
    component_for,
    drawn_version,
    guild_on_shard_1,
    running_advisor,
    without_identify_wait,
)


async def test_each_process_sees_only_its_own_shards_guilds(cluster: Cluster) -> None:
    first, second = cluster.processes
    assert [str(guild.id) for guild in first.bot.guilds] == [cluster.guild_ids[0]]
    assert [str(guild.id) for guild in second.bot.guilds] == [cluster.guild_ids[1]]
    assert (list(first.bot.shards), list(second.bot.shards)) == ([0], [1])
    assert first.bot.shard_count == second.bot.shard_count == SHARDS
    assert [identify["shard"] for identify in cluster.double.gateway.identifies] == [[0, 2], [1, 2]]
    assert cluster.double.requests_to("GET", "/gateway/bot") == []  # given the count, none asks


async def test_a_slash_command_is_answered_by_the_process_owning_its_guild(cluster: Cluster) -> None:
    for shard, guild_id in enumerate(cluster.guild_ids):
        owner, other = cluster.processes[shard], cluster.processes[1 - shard]
        handle, callback = await cluster.slash("start", guild_id=guild_id)
        assert callback["type"] == CHANNEL_MESSAGE
        assert callback["data"]["embeds"][0]["title"] == FIRST_STEP
        assert owner.got(handle) and not other.got(handle)
        assert await other.store.load(SessionKey.for_guild(cluster.user_id, guild_id)) is not None


async def test_a_dm_interaction_goes_to_shard_zeros_process(cluster: Cluster) -> None:
    handle, callback = await cluster.slash("start", guild_id=None)
    assert callback["type"] == CHANNEL_MESSAGE
    first, second = cluster.processes
    assert first.got(handle) and not second.got(handle)
    assert await second.store.load(SessionKey.for_dm(cluster.user_id)) is not None


async def test_an_interview_continues_through_whichever_process_gets_the_click(cluster: Cluster) -> None:
    """As when a shard moves to another process between a member's clicks: the interview lives
    in the shared database, and each click names the version it was drawn for."""
    first, second = cluster.processes
    key = SessionKey.for_guild(cluster.user_id, cluster.guild_ids[0])
    started, _ = await cluster.slash("start", guild_id=cluster.guild_ids[0])
    assert first.got(started)
    assert started.original_message is not None
    message_id = str(started.original_message["id"])

    steps = EBOOK_STEPS[:6]
    for number, step in enumerate(steps):
        shard = (number + 1) % 2  # shard 1's process first, then back and forth
        before = await first.store.load(key)
        custom_id, _, _ = component_for(cluster.double.messages[message_id], step)
        assert before is not None and drawn_version(custom_id) == before.version
        click, reply = await cluster.answer(message_id, step, via_shard=shard)
        assert reply["type"] == UPDATE_MESSAGE, reply
        assert cluster.processes[shard].got(click) and not cluster.processes[1 - shard].got(click)
        after = await second.store.load(key)
        assert after is not None and after.version > before.version
        assert len(after.session.trail) == number + 1  # the steps answered so far

    shown = f"Step {EBOOK_STEP_NUMBERS[len(steps)]} of {MOST_STEPS}"
    assert shown in cluster.double.messages[message_id]["embeds"][0]["footer"]["text"]


async def test_the_same_click_in_both_processes_counts_once(cluster: Cluster) -> None:
    key = SessionKey.for_guild(cluster.user_id, cluster.guild_ids[0])
    started, _ = await cluster.slash("start", guild_id=cluster.guild_ids[0])
    assert started.original_message is not None
    message_id = str(started.original_message["id"])
    replies = await cluster.processes[0].press_twice_at_once(
        message_id, "A few paying customers", via_shards=(0, 1)
    )
    assert sorted(reply["type"] for reply in replies) == [CHANNEL_MESSAGE, UPDATE_MESSAGE]
    refusal = next(reply for reply in replies if reply["type"] == CHANNEL_MESSAGE)
    assert "moved on" in refusal["data"]["content"]
    stored = await cluster.processes[0].store.load(key)
    assert stored is not None and stored.version == 2 and stored.session.trail == ("stage",)


async def test_without_shard_options_one_process_runs_every_shard_discord_recommends(
    sharded_double: DiscordDouble, db_path: Path
) -> None:
    double = sharded_double
    async with running_advisor(double, db_path, sync=False, setup=without_identify_wait) as advisor:
        bot = advisor.bot
        assert double.requests_to("GET", "/gateway/bot")
        assert bot.shard_count == SHARDS and list(bot.shards) == [0, 1]
        assert {str(guild.id) for guild in bot.guilds} == set(double.world.guilds)
        for guild_id in (double.guild_id, guild_on_shard_1(double)):
            _, callback = await advisor.slash("start", guild_id=guild_id)
            assert callback["type"] == CHANNEL_MESSAGE


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"shard_ids": [0]}, "shard_ids needs shard_count"),
        ({"shard_ids": [], "shard_count": 2}, "shard_ids is empty"),
        ({"shard_ids": [0, 2], "shard_count": 2}, "shard id 2 is out of range: shards are 0 to 1"),
        ({"shard_ids": [-1], "shard_count": 2}, "shard id -1 is out of range"),
        ({"shard_ids": [1, 1], "shard_count": 2}, "lists a shard twice"),
        ({"shard_count": 0}, "shard_count must be at least 1"),
    ],
    ids=["ids-without-count", "empty", "too-high", "negative", "twice", "no-shards"],
)
async def test_shard_options_that_cannot_work_are_refused(
    store: SQLiteStore, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        AdvisorBot(store=store, **options)
    assert "\n" not in str(refused.value)


async def test_a_process_says_which_shards_it_runs(
    store: SQLiteStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.client"):
        AdvisorBot(store=store, shard_ids=[0, 1], shard_count=4)
    assert "running shards 0,1 of 4" in caplog.messages


@pytest.mark.parametrize(
    ("arguments", "code", "told"),
    [
        (["--shard-ids", "0", "--shard-count", "1"], 4011, "Discord requires more shards for this bot"),
        (["--shard-ids", "1", "--shard-count", "3"], 4010, "every process must use the same --shard-count"),
    ],
    ids=["too-few-shards", "count-unlike-the-others"],
)
@pytest.mark.usefixtures("run_environment")
async def test_shards_discord_refuses_are_told_in_one_line(
    sharded_double: DiscordDouble, db_path: Path, arguments: list[str], code: int, told: str
) -> None:
    # Another process already runs shard 0 of the 2 shards Discord requires.
    async with running_advisor(sharded_double, db_path, sync=False, shard_ids=[0], shard_count=SHARDS):
        args = cli.build_parser().parse_args(["run", *arguments])
        with pytest.raises(cli.CliError) as refused:
            await cli._run(args)
    message = str(refused.value)
    assert told in message and f"(gateway close code {code})" in message and "\n" not in message
    (violation,) = sharded_double.take_violations()
    assert violation.kind == "gateway"
