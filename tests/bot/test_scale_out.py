"""Two real bot processes on one PostgreSQL database, through the loopback Discord double.

Each process is ``tests/soak_bot.py`` (the same ``run_bot`` as ``offering-advisor run``)
running one shard of two (``--shard-ids N --shard-count 2``), with background work checked
every 0.2 s under 2 s leases so that a takeover shows within seconds. The double delivers
one member's clicks to either process (``via_shard``), as when a shard moves between
processes, and sometimes to both at once (a double click landing in two processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from storage.keys import SessionKey
from storage.postgres import PostgresStore
from storage.settings import GuildSettings
from tests.discord_double import DiscordDouble, running_double
from tests.transcript import CHANNEL_MESSAGE, EBOOK_STEPS, UPDATE_MESSAGE, component_for, custom_id_of

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHARDS = 2
MESSAGES = "/channels/{channel_id}/messages"
JSON = dict[str, Any]


@dataclass
class BotProcess:
    shard: int
    process: asyncio.subprocess.Process
    log: Path

    @classmethod
    async def start(
        cls,
        double: DiscordDouble,
        database_url: str,
        shard: int,
        folder: Path,
        *,
        shard_count: int = SHARDS,
        log_level: str = "INFO",
    ) -> BotProcess:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        log = folder / f"bot-shard-{shard}.log"
        with log.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.soak_bot",
                *("--api-base", double.api_base, "--gateway", double.gateway_url, "--db", database_url),
                *("--shard-ids", str(shard), "--shard-count", str(shard_count), "--fast-background"),
                *("--log-level", log_level),
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                cwd=ROOT,
                env=env,
            )
        return cls(shard, process, log)

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """Ctrl-C, as an operator would stop it; killed if it does not end in time."""
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            await self.kill()


@dataclass
class Cluster:
    double: DiscordDouble
    store: PostgresStore  # the test's own view of the shared database
    processes: list[BotProcess]

    @property
    def key(self) -> SessionKey:
        return SessionKey.for_guild(self.double.user["id"], self.double.guild_id)

    async def deliver(self, payload: JSON, shard: int, *, settle: float = 0.05) -> JSON:
        handle = await self.double.interact(payload, via_shard=shard, settle=settle)
        return (await handle.callback(timeout=15)).json


def digests_in_channel(double: DiscordDouble) -> list[JSON]:
    return [
        message
        for message in double.messages.values()
        if message["channel_id"] == double.channel_id
        and "Offering Advisor: the week" in str(message.get("embeds"))
    ]


async def eventually(check: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


@pytest.fixture
async def cluster(postgres_url: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with running_double(shard_count=SHARDS) as double:
        double.add_guild_on_shard(1, "Shard One", members=(double.user,))
        store = await PostgresStore.open(postgres_url)
        processes = [await BotProcess.start(double, postgres_url, shard, tmp_path) for shard in range(SHARDS)]
        try:
            try:
                await double.gateway.wait_connected(SHARDS, timeout=60)
            except TimeoutError:
                logs = "\n".join(p.log.read_text(errors="replace")[-2000:] for p in processes)
                raise AssertionError(f"the bot processes did not connect:\n{logs}") from None
            yield Cluster(double, store, processes)
        finally:
            for process in processes:
                await process.stop()
            await store.close()


async def test_one_members_clicks_alternate_between_processes_and_none_is_lost_or_doubled(
    cluster: Cluster,
) -> None:
    double = cluster.double
    started = await double.interact(double.slash_command("advisor", "start"), via_shard=0)
    assert (await started.callback(timeout=15)).json["type"] == CHANNEL_MESSAGE
    assert started.original_message is not None
    message_id = str(started.original_message["id"])

    clicked: dict[str, tuple[str, ...]] = {}  # step id -> the options the member picked there
    for number, step in enumerate(EBOOK_STEPS):
        stored = await cluster.store.load(cluster.key)
        assert stored is not None and stored.session.current is not None
        message = double.messages[message_id]
        custom_id, component_type, values = component_for(message, step)
        clicked[stored.session.current] = tuple(values) if values else (custom_id.rsplit(":", 1)[1],)
        if number % 4 == 3:
            # A double click that lands in both processes at once: exactly one applies it.
            first, second = (
                double.component_click(custom_id, component_type, values, message=message) for _ in "12"
            )
            replies = await asyncio.gather(
                cluster.deliver(first, 0, settle=0), cluster.deliver(second, 1, settle=0)
            )
            kinds = sorted(reply["type"] for reply in replies)
            assert kinds == [CHANNEL_MESSAGE, UPDATE_MESSAGE], replies
            refusal = next(reply for reply in replies if reply["type"] == CHANNEL_MESSAGE)
            assert "moved on" in refusal["data"]["content"]
        else:
            payload = double.component_click(custom_id, component_type, values, message=message)
            reply = await cluster.deliver(payload, (number + 1) % SHARDS)
            assert reply["type"] == UPDATE_MESSAGE, reply

    # Every answer is stored once, as picked: one version per answer, nothing lost or repeated.
    stored = await cluster.store.load(cluster.key)
    assert stored is not None
    assert stored.version == 1 + len(EBOOK_STEPS)
    assert stored.session.trail == tuple(clicked)
    assert {step: answer.options for step, answer in stored.session.answers.items()} == clicked

    finished = await cluster.deliver(
        double.component_click(
            custom_id_of(double.messages[message_id], "Skip"), message=double.messages[message_id]
        ),
        1,
    )
    assert finished["type"] == UPDATE_MESSAGE
    assert finished["data"]["embeds"][0]["title"] == "Digital product"
    history = await cluster.store.history(str(double.user["id"]))
    assert len(history) == 1 and history[0].result.verdict.value == "digital_product"
    assert await cluster.store.load(cluster.key) is None
    [progress] = (await cluster.store.export_user(str(double.user["id"]))).interview_progress
    assert progress.outcome == "completed" and len(progress.steps_reached) == len(EBOOK_STEPS) + 1


async def test_the_digest_is_posted_once_and_a_survivor_takes_over_from_a_killed_process(
    cluster: Cluster,
) -> None:
    double = cluster.double
    due = discord.utils.utcnow() - timedelta(minutes=5)
    settings = GuildSettings(
        guild_id=double.guild_id,
        results_channel_id=int(double.channel_id),
        digest_enabled=True,
        digest_next_at=due,
    )
    await cluster.store.save_guild_settings(settings)
    await eventually(lambda: digests_in_channel(double))
    await asyncio.sleep(2)  # ten more checks by each process
    assert len(digests_in_channel(double)) == 1
    assert len(double.requests_to("POST", MESSAGES)) == 1
    recorded = await cluster.store.guild_settings(double.guild_id)
    assert recorded.digest_next_at == due + timedelta(days=7)

    # One process dies (SIGKILL: no goodbye, any lease it held stays behind). The next
    # digest falls due; the survivor posts it, once.
    await cluster.processes[0].kill()
    await cluster.store.save_guild_settings(
        settings.model_copy(update={"digest_next_at": due + timedelta(minutes=1)})
    )
    await eventually(lambda: len(digests_in_channel(double)) == 2)
    await asyncio.sleep(2)
    assert len(digests_in_channel(double)) == 2
    survivor_log = cluster.processes[1].log.read_text(errors="replace")
    assert "Traceback" not in survivor_log
