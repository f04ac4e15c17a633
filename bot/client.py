"""The Discord bot: a thin ``commands.AutoShardedBot`` with its dependencies passed in.

Start-up happens in ``setup_hook`` only: the catalogs are checked, then the cogs (the
background work shared with other processes among them), the translator of the slash
commands and the restart-proof components. Commands are never synced
here; ``offering-advisor sync`` does that on purpose (syncing on every start is
rate-limited and slow).
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from advisor.roadmaps import RoadmapService
from advisor.servers import ServerService
from advisor.service import AdvisorService
from bot.cogs.background import BackgroundTimings
from bot.delivery import reply
from bot.interview.controller import InterviewController
from bot.interview.views import DYNAMIC_ITEMS
from bot.locale import render_for, say
from bot.options import OptionRefused, Refused
from bot.results import ResultController
from bot.roadmaps import RoadmapController
from bot.translator import CatalogTranslator
from dialogs.catalog import check_catalogs
from dialogs.messages import Quoted, msg
from storage.protocol import SessionStore, StoreError
from storage.settings import GuildSettings

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.advisor", "bot.cogs.staff", "bot.cogs.background")


class AdvisorTree(app_commands.CommandTree[Any]):
    """One error handler for every app command: a short message with a reference id for
    the member, the traceback in the log."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandOnCooldown):
            seconds = max(1, math.ceil(error.retry_after))
            await reply(interaction, say(interaction, "discord.cooldown", count=seconds), ephemeral=True)
            return
        if isinstance(error, OptionRefused):
            await reply(interaction, render_for(interaction, error.explanation), ephemeral=True)
            return
        if isinstance(error, app_commands.TransformerError):
            value = Quoted((str(error.value),))
            await reply(interaction, say(interaction, "discord.option_unusable", value=value), ephemeral=True)
            return
        if isinstance(error, app_commands.CheckFailure):
            reason = error.reason if isinstance(error, Refused) else msg("discord.not_here")
            await reply(interaction, render_for(interaction, reason), ephemeral=True)
            return
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await self.report(interaction, original)

    async def report(self, interaction: discord.Interaction[Any], error: BaseException) -> None:
        reference = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else "component"
        if isinstance(error, StoreError):
            # The explanation names the database file: it goes to the log, never to members.
            log.error("error %s in %s for an interaction: %s", reference, command, error, exc_info=error)
            message = say(interaction, "discord.storage_unavailable")
        else:
            log.error("error %s in %s for an interaction", reference, command, exc_info=error)
            message = say(interaction, "discord.went_wrong")
        try:
            told = say(interaction, "discord.with_reference", message=message, reference=f"`{reference}`")
            await reply(interaction, told, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the member about error %s", reference)


class AdvisorBot(commands.AutoShardedBot):
    """Runs every shard Discord recommends (GET /gateway/bot), or `shard_ids` of `shard_count`:
    large bots split their shards across processes, which then share one database."""

    def __init__(
        self,
        *,
        store: SessionStore,
        expiry: timedelta = timedelta(days=7),
        shard_ids: list[int] | None = None,
        shard_count: int | None = None,
        background_timings: BackgroundTimings | None = None,
    ) -> None:
        # Checked here, in words an operator understands: discord.py would accept an empty
        # list (as every shard), duplicates (two connections for one shard) or an id out of
        # range (Discord closes the connection with 4010 at start).
        if shard_count is not None and shard_count < 1:
            raise ValueError(f"shard_count must be at least 1, not {shard_count}")
        if shard_ids is not None:
            if shard_count is None:
                raise ValueError("shard_ids needs shard_count (the total number of shards)")
            if not shard_ids:
                raise ValueError("shard_ids is empty: name at least one shard, or leave it out")
            outside = [i for i in shard_ids if not 0 <= i < shard_count]
            if outside:
                raise ValueError(f"shard id {outside[0]} is out of range: shards are 0 to {shard_count - 1}")
            if len(set(shard_ids)) != len(shard_ids):
                raise ValueError(f"shard_ids lists a shard twice: {shard_ids}")
            log.info("running shards %s of %d", ",".join(map(str, shard_ids)), shard_count)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            # Nothing the bot sends may ping anyone: user text is echoed in places.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=AdvisorTree,
            help_command=None,
            # None is discord.py's own default (every shard); its type hints allow lists only.
            shard_ids=shard_ids,  # type: ignore[arg-type]
            shard_count=shard_count,
        )
        self.store = store  # kept to close it; everything else goes through the services
        self.background_timings = background_timings or BackgroundTimings()
        self.service = AdvisorService(store, expiry=expiry)
        self.servers = ServerService(store)
        self.interviews = InterviewController(
            self.service, report=self._report, settings_for=self.settings_for
        )
        self.results = ResultController(
            self.service, report=self._report, settings_for=self.settings_for, channel_for=self.get_channel
        )
        self.roadmap_service = RoadmapService(store)
        self.roadmaps = RoadmapController(self.roadmap_service, report=self._report)
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
        # Every catalog is checked before the bot answers anyone.
        check_catalogs()
        await self.tree.set_translator(CatalogTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for settings in await self.servers.all_settings():
            self.remember_settings(settings)

    async def on_ready(self) -> None:
        log.info(
            "connected as %s (id %s) to %d server(s)",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
        )
