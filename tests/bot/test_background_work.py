"""Background work shared by several bot processes on one database (bot/cogs/background.py),
through the loopback Discord double, on each backend.

Each "process" here is an AdvisorBot with its own store on the same database; the timings
are shortened (checks every 0.1 s, leases of 1 s) so that a lease running out takes a second,
not minutes. tests/bot/test_scale_out.py does the same with real processes on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import discord
import pytest

from bot.client import AdvisorBot
from bot.cogs.background import DIGEST_TASK, SWEEP_TASK, BackgroundTimings, digest_nonce
from dialogs.engine import DialogEngine
from storage.keys import SessionKey
from storage.settings import GuildSettings
from tests.conftest import AnyStore, StoreOpener
from tests.discord_double import DiscordDouble, run_client

FAST = BackgroundTimings(
    check_every=timedelta(seconds=0.1),
    lease=timedelta(seconds=1),
    sweep_every=timedelta(hours=1),
    stop_grace=timedelta(seconds=0.5),
)
MESSAGES = "/channels/{channel_id}/messages"


def bot_on(store: AnyStore) -> AdvisorBot:
    return AdvisorBot(store=store, background_timings=FAST)


async def enable_digest(store: AnyStore, double: DiscordDouble) -> GuildSettings:
    settings = GuildSettings(
        guild_id=double.guild_id,
        results_channel_id=int(double.channel_id),
        digest_enabled=True,
        digest_next_at=discord.utils.utcnow() - timedelta(minutes=5),
    )
    await store.save_guild_settings(settings)
    return settings


def digests_in_channel(double: DiscordDouble) -> list[dict[str, object]]:
    return [
        message
        for message in double.messages.values()
        if message["channel_id"] == double.channel_id
        and "Offering Advisor: the week" in str(message.get("embeds"))
    ]


async def wait_until(condition: object, timeout: float = 5.0) -> None:
    assert callable(condition)
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_two_processes_post_the_digest_once(
    discord_double: DiscordDouble, open_at_url: StoreOpener
) -> None:
    one, two = await open_at_url(), await open_at_url()
    due = await enable_digest(one, discord_double)
    async with run_client(bot_on(one)), run_client(bot_on(two)):
        await wait_until(lambda: digests_in_channel(discord_double))
        await asyncio.sleep(0.5)  # several more checks by both processes
    assert len(discord_double.requests_to("POST", MESSAGES)) == 1
    assert len(digests_in_channel(discord_double)) == 1
    settings = await two.guild_settings(discord_double.guild_id)
    assert due.digest_next_at is not None and settings.digest_next_at == due.digest_next_at + timedelta(
        days=7
    )


async def test_a_process_that_died_holding_the_lease_leaves_the_digest_to_another(
    discord_double: DiscordDouble, open_at_url: StoreOpener
) -> None:
    store = await open_at_url()
    await enable_digest(store, discord_double)
    # A process took the task and died: its lease row stays behind until it runs out.
    assert await store.begin_task(DIGEST_TASK, "dead-process", lease=timedelta(seconds=1.5))
    started = asyncio.get_running_loop().time()
    async with run_client(bot_on(store)):
        await wait_until(lambda: digests_in_channel(discord_double))
        waited = asyncio.get_running_loop().time() - started
    assert waited >= 1.0  # not before the dead process's lease ran out
    assert len(digests_in_channel(discord_double)) == 1


class DiesAfterPosting:
    """A store whose process dies right after Discord took the digest: it is never recorded."""

    def __init__(self, store: AnyStore) -> None:
        self._store = store
        self.posted_then_died = asyncio.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def record_digest_posted(self, settings: GuildSettings, every: timedelta) -> GuildSettings | None:
        self.posted_then_died.set()
        await asyncio.Event().wait()  # the process is gone; nothing more happens here
        raise AssertionError("unreachable")


async def test_a_digest_posted_but_not_recorded_is_not_posted_twice(
    discord_double: DiscordDouble, open_at_url: StoreOpener
) -> None:
    store = await open_at_url()
    due = await enable_digest(store, discord_double)
    dying = DiesAfterPosting(await open_at_url())
    crashed = AdvisorBot(store=dying, background_timings=FAST)  # type: ignore[arg-type]
    async with run_client(crashed):
        await asyncio.wait_for(dying.posted_then_died.wait(), 5)
        # The other process takes over once the lease runs out and sends the digest again,
        # with the same nonce: Discord hands back the first message instead of a second.
        async with run_client(bot_on(store)):
            await wait_until(lambda: len(discord_double.requests_to("POST", MESSAGES)) == 2)
            async with asyncio.timeout(5):
                while not await digest_recorded(store, due):
                    await asyncio.sleep(0.05)
        with contextlib.suppress(Exception):
            await crashed.close()
    nonces = {request.json["nonce"] for request in discord_double.requests_to("POST", MESSAGES)}
    assert nonces == {digest_nonce(due)}
    assert len(digests_in_channel(discord_double)) == 1


async def digest_recorded(store: AnyStore, due: GuildSettings) -> bool:
    settings = await store.guild_settings(due.guild_id)
    return settings.digest_next_at != due.digest_next_at


async def test_the_idle_sweep_runs_once_an_hour_across_processes(
    discord_double: DiscordDouble, open_at_url: StoreOpener
) -> None:
    one, two = await open_at_url(), await open_at_url()
    engine = DialogEngine()
    key = SessionKey.for_guild(5, discord_double.guild_id)
    await one.save(key, engine.new_session(), expected_version=0)
    async with run_client(bot_on(one)), run_client(bot_on(two)):
        await asyncio.sleep(0.6)
    # The sweep ran (and handed its lease back): it is not due again for an hour, for anyone.
    assert not await one.begin_task(SWEEP_TASK, "someone-else", lease=timedelta(seconds=1))
    stored = await two.load(key)
    assert stored is not None and stored.expired_at is None  # a fresh interview is left alone


class FailsOnce:
    """A store whose first look at the digest schedule hits a bug (not a database error)."""

    def __init__(self, store: AnyStore) -> None:
        self._store = store
        self.failures = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def due_digests(self) -> list[GuildSettings]:
        if not self.failures:
            self.failures += 1
            raise RuntimeError("a bug in the first run")
        return await self._store.due_digests()


async def test_a_failed_run_is_logged_and_the_task_runs_again_after_its_lease(
    discord_double: DiscordDouble, open_at_url: StoreOpener, caplog: pytest.LogCaptureFixture
) -> None:
    store = FailsOnce(await open_at_url())
    await enable_digest(store._store, discord_double)
    async with run_client(AdvisorBot(store=store, background_timings=FAST)):  # type: ignore[arg-type]
        await wait_until(lambda: digests_in_channel(discord_double))
    assert store.failures == 1
    assert "weekly-digest failed; it will be tried again" in caplog.text
    assert len(digests_in_channel(discord_double)) == 1
