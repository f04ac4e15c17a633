"""The Discord bot: a thin ``commands.Bot`` with its dependencies passed in.

Start-up happens in ``setup_hook`` only: the cogs, the restart-proof components and the
idle-session sweep. Commands are never synced here; ``offering-advisor sync`` does that
on purpose (syncing on every start is rate-limited and slow).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import staff
from bot.delivery import reply
from bot.interview import InterviewController
from bot.service import AdvisorService
from bot.views import DYNAMIC_ITEMS
from storage.protocol import SessionStore, StoreError
from storage.reports import GuildSettings

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.advisor", "bot.cogs.staff")
DIGEST_EVERY = timedelta(days=7)
# What a member is told when the database fails (busy, full, read-only, damaged). The
# cause, with the file's path, is in the log under the same reference.
STORAGE_UNAVAILABLE = (
    "My storage is unavailable just now, so nothing was changed. Please try again in a moment."
)


class AdvisorTree(app_commands.CommandTree[Any]):
    """One error handler for every app command: a short message with a reference id for
    the member, the traceback in the log."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandOnCooldown):
            await reply(
                interaction,
                f"Easy there: you can run that again in {error.retry_after:.0f} seconds.",
                ephemeral=True,
            )
            return
        if isinstance(error, app_commands.TransformerError):
            await reply(
                interaction, f"I couldn't use “{error.value}” there; please pick it again.", ephemeral=True
            )
            return
        if isinstance(error, app_commands.CheckFailure):
            await reply(interaction, "You can't use that command here.", ephemeral=True)
            return
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await self.report(interaction, original)

    async def report(self, interaction: discord.Interaction[Any], error: BaseException) -> None:
        reference = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else "component"
        if isinstance(error, StoreError):
            # The explanation names the database file: it goes to the log, never to members.
            log.error("error %s in %s for an interaction: %s", reference, command, error, exc_info=error)
            message = STORAGE_UNAVAILABLE
        else:
            log.error("error %s in %s for an interaction", reference, command, exc_info=error)
            message = "Something went wrong on my side. Nothing you answered was lost."
        try:
            await reply(interaction, f"{message} (reference `{reference}`)", ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the member about error %s", reference)


class AdvisorBot(commands.Bot):
    def __init__(
        self, *, store: SessionStore, expiry: timedelta = timedelta(days=7), dev_guild_id: int | None = None
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            # Nothing the bot sends may ping anyone: user text is echoed in places.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=AdvisorTree,
            help_command=None,
        )
        self.store = store
        self.service = AdvisorService(store, expiry=expiry)
        self.interviews = InterviewController(
            self.service, store, report=self._report, settings_for=self.settings_for
        )
        self.dev_guild_id = dev_guild_id
        # Each server's settings, read once at start and kept current by /advisor-staff
        # settings; synchronous checks (the quick-check cooldown) read them from here.
        self.settings_by_guild: dict[str, GuildSettings] = {}

    def remember_settings(self, settings: GuildSettings) -> None:
        self.settings_by_guild[settings.guild_id] = settings

    def settings_for(self, guild_id: int | None) -> GuildSettings | None:
        return None if guild_id is None else self.settings_by_guild.get(str(guild_id))

    async def _report(self, interaction: discord.Interaction[Any], error: BaseException) -> None:
        assert isinstance(self.tree, AdvisorTree)
        await self.tree.report(interaction, error)

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for settings in await self.store.all_guild_settings():
            self.remember_settings(settings)
        self.sweep_idle_sessions.start()
        self.post_due_digests.start()

    async def close(self) -> None:
        self.sweep_idle_sessions.cancel()
        self.post_due_digests.cancel()
        await super().close()

    @tasks.loop(hours=1)
    async def sweep_idle_sessions(self) -> None:
        per_scope = {
            f"guild:{settings.guild_id}": timedelta(days=settings.session_expiry_days)
            for settings in self.settings_by_guild.values()
            if settings.session_expiry_days
        }
        try:
            await self.service.expire_idle(per_scope)
        except StoreError:
            log.exception("could not expire idle interviews; will try again in an hour")

    @tasks.loop(minutes=1)
    async def post_due_digests(self) -> None:
        """Post each server's weekly digest when it is due. The due time is stored and
        claimed atomically, so a restart neither skips nor repeats a digest."""
        await self.wait_until_ready()
        try:
            due = await self.store.claim_due_digests(DIGEST_EVERY)
        except StoreError:
            log.exception("could not read the digest schedule; will try again in a minute")
            return
        for settings in due:
            await self._post_digest(settings)

    async def _post_digest(self, settings: GuildSettings) -> None:
        if settings.results_channel_id is None:
            log.warning("digest for server %s skipped: no results channel", settings.guild_id)
            return
        channel = self.get_channel(settings.results_channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("digest for server %s skipped: results channel not found", settings.guild_id)
            return
        report = await self.store.report(
            f"guild:{settings.guild_id}", since=discord.utils.utcnow() - DIGEST_EVERY
        )
        name = "the week"
        try:
            await channel.send(
                embed=staff.summary_embed(report, name), file=staff.summary_chart(report, name)
            )
        except discord.HTTPException:
            log.exception("could not post the digest for server %s", settings.guild_id)

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (id %s) to %d server(s)",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
        )
