"""Sharded bot processes (`offering-advisor run --shard-ids 0 --shard-count 2`), through the double.

Large bots run as several processes, each running some of the bot's shards
(``AutoShardedBot(shard_ids=..., shard_count=...)``). Discord sends a process the events of
its shards' guilds only, and every DM to shard 0. Here the double requires two shards and has
a guild on each; each "process" is an AdvisorBot running one shard, with its own connection to
the one SQLite database they share, as separate processes would have.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import pytest

from advisor.settings import Settings
from bot.client import AdvisorBot
from cli import main as cli
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble, InteractionHandle, run_client, running_double
from tests.discord_double.payloads import walk_components
from tests.transcript import CHANNEL_MESSAGE, EBOOK_STEPS, UPDATE_MESSAGE, custom_id_of

JSON = dict[str, Any]
SHARDS = 2
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


@dataclass
class Process:
    """One bot process: its bot, its own connection to the shared database, and the ids of the
    interactions Discord delivered to it."""

    bot: AdvisorBot
    store: SQLiteStore
    received: list[str] = field(default_factory=list)

    @classmethod
    def running_shard(cls, shard_id: int, store: SQLiteStore) -> Process:
        process = cls(AdvisorBot(store=store, shard_ids=[shard_id], shard_count=SHARDS), store)

        async def record(interaction: discord.Interaction[Any]) -> None:
            process.received.append(str(interaction.id))

        process.bot.add_listener(record, "on_interaction")
        return process

    def got(self, handle: InteractionHandle) -> bool:
        return handle.id in self.received


@dataclass
class Cluster:
    double: DiscordDouble
    processes: tuple[Process, Process]  # running shard 0 and shard 1
    guild_ids: tuple[str, str]  # the guild on shard 0 (the default one) and the one on shard 1

    @property
    def user_id(self) -> str:
        return str(self.double.user["id"])

    async def slash(
        self, sub: str, *, guild_id: str | None, via_shard: int | None = None
    ) -> InteractionHandle:
        payload = self.double.slash_command("advisor", sub, guild_id=guild_id)
        return await self.double.interact(payload, via_shard=via_shard)

    async def answer(self, message_id: str, step: str | list[str], *, via_shard: int) -> InteractionHandle:
        """Answer the step shown on the message (by button label or menu values), delivered to
        shard `via_shard`'s process whatever the guild."""
        message = self.double.messages[message_id]
        custom_id, component_type, values = component_for(message, step)
        payload = self.double.component_click(custom_id, component_type, values, message=message)
        return await self.double.interact(payload, via_shard=via_shard)


def component_for(message: JSON, step: str | list[str]) -> tuple[str, int, list[str] | None]:
    """(custom_id, component type, values) of the button labelled `step`, or of the menu to
    pick `step` (a list of values, or one value) from."""
    components = list(walk_components(message["components"]))
    if isinstance(step, str) and any(c.get("label") == step for c in components):
        return custom_id_of(message, step), 2, None
    select = next(c for c in components if c["type"] == 3)
    return str(select["custom_id"]), 3, step if isinstance(step, list) else [step]


def drawn_version(custom_id: str) -> int:
    """The session version an option button (oa:o:...) or menu (oa:s:...) was drawn for (see
    bot/interview/views.py: oa:<kind>:<user>:<place>:<version>[:<option>])."""
    return int(custom_id.split(":")[4])


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    """A double that requires two shards; the default guild is on shard 0, "Shard One" on 1."""
    async with running_double(shard_count=SHARDS) as double:
        double.add_guild_on_shard(1, "Shard One", members=(double.user,))
        yield double


def guild_on_shard_1(double: DiscordDouble) -> str:
    return next(guild_id for guild_id in double.world.guilds if double.shard_of(guild_id) == 1)


@pytest.fixture
async def cluster(double: DiscordDouble, store: SQLiteStore, db_path: Path) -> AsyncIterator[Cluster]:
    other_store = await SQLiteStore.open(db_path)
    first, second = Process.running_shard(0, store), Process.running_shard(1, other_store)
    async with run_client(first.bot), run_client(second.bot):
        await first.bot.tree.sync()  # the commands are global: one process registers them
        yield Cluster(double, (first, second), (double.guild_id, guild_on_shard_1(double)))
    await other_store.close()


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
        handle = await cluster.slash("start", guild_id=guild_id)
        callback = (await handle.callback()).json
        assert callback["type"] == CHANNEL_MESSAGE
        assert callback["data"]["embeds"][0]["title"] == "Where are you with this offering today?"
        assert owner.got(handle) and not other.got(handle)
        assert await other.store.load(SessionKey.for_guild(cluster.user_id, guild_id)) is not None


async def test_a_dm_interaction_goes_to_shard_zeros_process(cluster: Cluster) -> None:
    handle = await cluster.slash("start", guild_id=None)
    assert (await handle.callback()).json["type"] == CHANNEL_MESSAGE
    first, second = cluster.processes
    assert first.got(handle) and not second.got(handle)
    assert await second.store.load(SessionKey.for_dm(cluster.user_id)) is not None


async def test_an_interview_continues_through_whichever_process_gets_the_click(cluster: Cluster) -> None:
    """As when a shard moves to another process between a member's clicks: the interview lives
    in the shared database, and each click names the version it was drawn for."""
    first, second = cluster.processes
    key = SessionKey.for_guild(cluster.user_id, cluster.guild_ids[0])
    started = await cluster.slash("start", guild_id=cluster.guild_ids[0])
    await started.callback()
    assert first.got(started)
    assert started.original_message is not None
    message_id = str(started.original_message["id"])

    steps = EBOOK_STEPS[:6]
    for number, step in enumerate(steps):
        shard = (number + 1) % 2  # shard 1's process first, then back and forth
        before = await first.store.load(key)
        custom_id, _, _ = component_for(cluster.double.messages[message_id], step)
        assert before is not None and drawn_version(custom_id) == before.version
        click = await cluster.answer(message_id, step, via_shard=shard)
        reply = (await click.callback()).json
        assert reply["type"] == UPDATE_MESSAGE, reply
        assert cluster.processes[shard].got(click) and not cluster.processes[1 - shard].got(click)
        after = await second.store.load(key)
        assert after is not None and after.version > before.version
        assert len(after.session.trail) == number + 1  # the steps answered so far

    assert f"Step {len(steps) + 1} of" in cluster.double.messages[message_id]["embeds"][0]["footer"]["text"]


async def test_the_same_click_in_both_processes_counts_once(cluster: Cluster) -> None:
    key = SessionKey.for_guild(cluster.user_id, cluster.guild_ids[0])
    started = await cluster.slash("start", guild_id=cluster.guild_ids[0])
    await started.callback()
    assert started.original_message is not None
    message = cluster.double.messages[str(started.original_message["id"])]
    button = custom_id_of(message, "A few paying customers")
    first, second = (cluster.double.component_click(button, message=message) for _ in range(2))
    handles = await asyncio.gather(
        cluster.double.interact(first, settle=0, via_shard=0),
        cluster.double.interact(second, settle=0, via_shard=1),
    )
    replies = [(await handle.callback()).json for handle in handles]
    assert sorted(reply["type"] for reply in replies) == [CHANNEL_MESSAGE, UPDATE_MESSAGE]
    refusal = next(reply for reply in replies if reply["type"] == CHANNEL_MESSAGE)
    assert "moved on" in refusal["data"]["content"]
    stored = await cluster.processes[0].store.load(key)
    assert stored is not None and stored.version == 2 and stored.session.trail == ("stage",)


async def test_without_shard_options_one_process_runs_every_shard_discord_recommends(
    double: DiscordDouble, store: SQLiteStore
) -> None:
    bot = AdvisorBot(store=store)

    async def without_the_wait(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before each further shard's IDENTIFY, for Discord's identify
        rate limit; the double has none, and this test need not wait."""

    bot.before_identify_hook = without_the_wait  # type: ignore[method-assign]
    async with run_client(bot):
        assert double.requests_to("GET", "/gateway/bot")
        assert bot.shard_count == SHARDS and list(bot.shards) == [0, 1]
        assert {str(guild.id) for guild in bot.guilds} == set(double.world.guilds)
        for guild_id in (double.guild_id, guild_on_shard_1(double)):
            payload = double.slash_command("advisor", "start", guild_id=guild_id)
            callback = await (await double.interact(payload)).callback()
            assert callback.json["type"] == CHANNEL_MESSAGE


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


@pytest.fixture
def run_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Settings for `offering-advisor run` from the environment only (no developer's .env), and
    the root logger restored afterwards (run_bot configures it for a real run)."""
    for name in Settings.model_fields:  # a developer's own settings must not leak in
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "run.db"))
    monkeypatch.chdir(tmp_path)
    root, library = logging.getLogger(), logging.getLogger("discord")
    saved = root.handlers[:], root.level, library.level
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    library.setLevel(saved[2])


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
    double: DiscordDouble, store: SQLiteStore, arguments: list[str], code: int, told: str
) -> None:
    # Another process already runs shard 0 of the 2 shards Discord requires.
    async with run_client(AdvisorBot(store=store, shard_ids=[0], shard_count=SHARDS)):
        args = cli.build_parser().parse_args(["run", *arguments])
        with pytest.raises(cli.CliError) as refused:
            await cli._run(args)
    message = str(refused.value)
    assert told in message and f"(gateway close code {code})" in message and "\n" not in message
    (violation,) = double.take_violations()
    assert violation.kind == "gateway"
