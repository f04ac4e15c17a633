"""Background work shared by every bot process: the idle-interview sweep, the weekly
digest and the roadmap check-ins members asked for.

Several processes (one per group of shards) may run on one database. Each task runs
under a named lease in that database (``SessionStore.begin_task``): every process asks
every ``check_every`` whether the task is due and free, one of them gets it, and it hands
the task back with the time it is next due. A process that dies holding a lease simply
lets it run out, and the next process to ask takes the task over.

A digest is recorded as posted only after Discord took it, so a process dying in between
leaves it due for the next one. The message carries a nonce made from the server and the
due time, with ``enforce_nonce``: Discord answers a second send with the same nonce (within
a few minutes) with the first message instead of a new one, so the one that takes over
cannot post it twice. A check-in is sent the same way: recorded after Discord took it, with
a nonce made from the member and the due time. When Discord refuses the direct message
(the member closed their DMs, or shares no server with the bot any more), the schedule is
stopped and the refusal recorded, so it is never retried.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from advisor.roadmaps import DueCheckIn
from bot import staff
from bot.roadmaps import check_in_message
from dialogs.messages import DEFAULT_LANGUAGE, language_for
from storage.keys import guild_scope
from storage.protocol import StoreError
from storage.settings import GuildSettings

if TYPE_CHECKING:
    from bot.client import AdvisorBot

log = logging.getLogger(__name__)

SWEEP_TASK = "expiry-sweep"
DIGEST_TASK = "weekly-digest"
DIGEST_EVERY = timedelta(days=7)
CHECK_IN_TASK = "check-ins"


@dataclass(frozen=True)
class BackgroundTimings:
    """How often each process asks for due work, and how long a lease lasts. The lease
    must outlast one run of a task (renewed between digests) and stay well inside the few
    minutes for which Discord remembers a message nonce."""

    check_every: timedelta = timedelta(minutes=1)
    lease: timedelta = timedelta(minutes=2)
    sweep_every: timedelta = timedelta(hours=1)
    # How long a stopping process waits for a task it is running to finish.
    stop_grace: timedelta = timedelta(seconds=10)


def worker_name() -> str:
    """Names this process in the lease rows, so an operator can tell who holds what."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def digest_nonce(settings: GuildSettings) -> str:
    """The same for every attempt at one server's digest for one due time (Discord takes
    up to 25 characters)."""
    due = settings.digest_next_at.isoformat() if settings.digest_next_at else ""
    return hashlib.sha256(f"{settings.guild_id}/{due}".encode()).hexdigest()[:25]


class LeaseLost(Exception):
    """Another process took the task over (this one stalled past its lease)."""


class BackgroundWork(commands.Cog):
    def __init__(self, bot: AdvisorBot) -> None:
        self.bot = bot
        self.servers = bot.servers
        self.timings = bot.background_timings
        self.holder = worker_name()
        self.roadmaps = bot.roadmap_service
        self.loops = (self.sweep, self.digests, self.check_ins)
        # The runs in progress, apart from their loops: stopping cancels a loop at once
        # (it mostly sleeps) but waits for its run.
        self._running: set[asyncio.Task[None]] = set()

    async def cog_load(self) -> None:
        for loop in self.loops:
            loop.change_interval(seconds=self.timings.check_every.total_seconds())
            loop.start()

    async def cog_unload(self) -> None:
        # Let a task that is running finish (a digest is posted and recorded, or neither
        # begins), so a clean restart never leaves work half done; then give up waiting.
        for loop in self.loops:
            loop.cancel()
        if self._running:
            _, late = await asyncio.wait(self._running, timeout=self.timings.stop_grace.total_seconds())
            for task in late:
                task.cancel()

    # --- the tasks ----------------------------------------------------------------------

    @tasks.loop(minutes=1)
    async def sweep(self) -> None:
        await self._run_leased(SWEEP_TASK, self.timings.sweep_every, self._expire_idle)

    @tasks.loop(minutes=1)
    async def digests(self) -> None:
        await self.bot.wait_until_ready()
        await self._run_leased(DIGEST_TASK, self.timings.check_every, self._post_due_digests)

    @tasks.loop(minutes=1)
    async def check_ins(self) -> None:
        await self.bot.wait_until_ready()
        await self._run_leased(CHECK_IN_TASK, self.timings.check_every, self._send_due_check_ins)

    async def _expire_idle(self) -> None:
        # Read from the database, not this process's cache: another process may have
        # served the /advisor-staff settings command that changed a server's expiry.
        per_scope = {
            guild_scope(settings.guild_id): timedelta(days=settings.session_expiry_days)
            for settings in await self.servers.all_settings()
            if settings.session_expiry_days
        }
        await self.bot.service.expire_idle(per_scope)

    async def _post_due_digests(self) -> None:
        for settings in await self.servers.due_digests():
            await self._renew(DIGEST_TASK)
            if await self._post_digest(settings):
                await self.servers.record_digest_posted(settings, DIGEST_EVERY)

    async def _post_digest(self, settings: GuildSettings) -> bool:
        """Post one digest; True when it is done with for this week (posted, or skipped
        for a reason that waiting will not mend), False to try again at the next check."""
        if settings.results_channel_id is None:
            log.warning("digest for server %s skipped: no results channel", settings.guild_id)
            return True
        # The channel may belong to a shard another process runs: send by id, over HTTP,
        # which needs nothing from this process's cache.
        channel = self.bot.get_partial_messageable(settings.results_channel_id)
        report = await self.servers.report(settings.guild_id, since=discord.utils.utcnow() - DIGEST_EVERY)
        name = staff.period_name(staff.WEEK)
        # The server's members read it: in the server's language, where this process knows it.
        guild = self.bot.get_guild(int(settings.guild_id))
        lang = language_for(guild.preferred_locale) if guild is not None else DEFAULT_LANGUAGE
        try:
            await channel.send(
                embed=staff.summary_embed(report, name, lang),
                file=staff.summary_chart(report, name, lang),
                nonce=digest_nonce(settings),
            )
        except (discord.Forbidden, discord.NotFound):
            log.warning(
                "digest for server %s skipped: the results channel is gone or closed to the bot",
                settings.guild_id,
            )
            return True
        except discord.HTTPException:
            log.exception("could not post the digest for server %s; will try again", settings.guild_id)
            return False
        return True

    async def _send_due_check_ins(self) -> None:
        for due in await self.roadmaps.due_check_ins():
            await self._renew(CHECK_IN_TASK)
            if await self._send_check_in(due):
                await self.roadmaps.check_in_sent(due)

    async def _send_check_in(self, due: DueCheckIn) -> bool:
        """Send one check-in by DM; True once Discord took it, False to try again at the
        next check. A refusal stops the member's check-ins, recorded as refused."""
        try:
            channel = await self.bot.create_dm(discord.Object(id=int(due.check_in.user_id)))
            await channel.send(**check_in_message(due))
        except (discord.Forbidden, discord.NotFound):
            log.info("a member's check-in was refused by Discord; their check-ins are stopped")
            await self.roadmaps.check_in_refused(due)
            return False
        except discord.HTTPException:
            log.exception("could not send a check-in; will try again")
            return False
        return True

    # --- leases ---------------------------------------------------------------------------

    async def _renew(self, name: str) -> None:
        if not await self.servers.begin_task(name, self.holder, lease=self.timings.lease):
            raise LeaseLost(name)

    async def _run_leased(self, name: str, every: timedelta, work: Callable[[], Awaitable[None]]) -> None:
        run = asyncio.create_task(self._run(name, every, work), name=f"background {name}")
        self._running.add(run)
        run.add_done_callback(self._running.discard)
        await asyncio.shield(run)

    async def _run(self, name: str, every: timedelta, work: Callable[[], Awaitable[None]]) -> None:
        try:
            if not await self.servers.begin_task(name, self.holder, lease=self.timings.lease):
                return  # not due, or another process is on it
            await work()
            await self.servers.finish_task(name, self.holder, next_run_in=every)
        except LeaseLost:
            log.warning("%s: another process took the task over; leaving it to them", name)
        except StoreError:
            # The lease is left to run out, so the task is tried again (here or elsewhere).
            log.exception("%s failed on the database; it will be tried again", name)
        except Exception:
            # Whatever went wrong, the loop must live on (discord.py ends a loop on an
            # unhandled error): log it, and let the lease run out for the next try.
            log.exception("%s failed; it will be tried again", name)


async def setup(bot: AdvisorBot) -> None:
    await bot.add_cog(BackgroundWork(bot))
