"""The ``/advisor`` command group: the interview, quick checks, results and data."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import embeds
from bot.delivery import EXPIRY_NOTICE, reply
from bot.interview.controller import InterviewController, is_private_place, key_for
from bot.interview.views import begin_view
from bot.locale import language_of, say
from bot.translator import command_text
from dialogs.quickcheck import MAX_DESCRIPTION_LENGTH, UnusableDescription, quick_check

if TYPE_CHECKING:
    from bot.client import AdvisorBot

log = logging.getLogger(__name__)

# Quick checks per member: this many in this many seconds, then a friendly wait.
CHECK_RATE, CHECK_PER_SECONDS = 3, 60.0


def check_cooldown(interaction: discord.Interaction[Any]) -> app_commands.Cooldown | None:
    """Three quick checks per window per member; the window is the server's setting."""
    settings = interaction.client.settings_for(interaction.guild_id)
    seconds = CHECK_PER_SECONDS
    if settings is not None and settings.check_cooldown_seconds is not None:
        seconds = settings.check_cooldown_seconds
    return None if seconds == 0 else app_commands.Cooldown(CHECK_RATE, seconds)


class AdvisorCog(commands.Cog):
    advisor = app_commands.Group(
        name="advisor", description=command_text("commands.advisor.command_description")
    )

    def __init__(self, bot: AdvisorBot) -> None:
        self.bot = bot

    @property
    def interviews(self) -> InterviewController:
        return self.bot.interviews

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Before any /advisor command: tell a member, once, that their interview here
        expired while they were away (the reply carries it; see bot.delivery)."""
        try:
            expired_at = await self.bot.service.take_expiry_notice(key_for(interaction))
        except Exception:
            # Best effort: a storage problem must not stop the command from answering
            # (it will meet the same problem and report it properly).
            log.warning("could not check for an expired interview", exc_info=True)
            return True
        if expired_at is not None:
            when = discord.utils.format_dt(expired_at, "R")
            interaction.extras[EXPIRY_NOTICE] = say(interaction, "discord.expired_notice", when=when)
        return True

    @advisor.command(name="start", description=command_text("commands.advisor.start.command_description"))
    async def start(self, interaction: discord.Interaction[Any]) -> None:
        await self.interviews.start(interaction)

    @advisor.command(name="resume", description=command_text("commands.advisor.resume.command_description"))
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        await self.interviews.resume(interaction)

    @advisor.command(name="restart", description=command_text("commands.advisor.restart.command_description"))
    async def restart(self, interaction: discord.Interaction[Any]) -> None:
        await self.interviews.start(interaction, restart=True)

    @advisor.command(name="cancel", description=command_text("commands.advisor.cancel.command_description"))
    async def cancel(self, interaction: discord.Interaction[Any]) -> None:
        await self.interviews.cancel(interaction)

    @advisor.command(name="check", description=command_text("commands.advisor.check.command_description"))
    @app_commands.describe(description=command_text("commands.advisor.check.description.command_description"))
    @app_commands.checks.dynamic_cooldown(check_cooldown, key=lambda i: i.user.id)
    async def check(
        self,
        interaction: discord.Interaction[Any],
        description: app_commands.Range[str, 1, MAX_DESCRIPTION_LENGTH],
    ) -> None:
        if interaction.guild_id is not None:
            try:
                await self.bot.servers.record_quick_check(interaction.guild_id)
            except Exception:
                # Counting is for staff's summary: a storage problem must not cost the
                # member their answer.
                log.warning("could not count a quick check", exc_info=True)
        try:
            outcome = quick_check(description)
        except UnusableDescription as error:
            problem = say(interaction, "discord.unreadable_description", problem=error.problem)
            await reply(interaction, problem, ephemeral=True)
            return
        await reply(
            interaction,
            embed=embeds.quick_check_embed(outcome, language_of(interaction)),
            view=begin_view(interaction.user.id, language_of(interaction)),
            ephemeral=True,
        )

    @advisor.command(name="result", description=command_text("commands.advisor.result.command_description"))
    async def result(self, interaction: discord.Interaction[Any]) -> None:
        await self.bot.results.show_latest(interaction)

    @advisor.command(name="history", description=command_text("commands.advisor.history.command_description"))
    async def history(self, interaction: discord.Interaction[Any]) -> None:
        await self.bot.results.history(interaction)

    @advisor.command(name="roadmap", description=command_text("commands.advisor.roadmap.command_description"))
    async def roadmap(self, interaction: discord.Interaction[Any]) -> None:
        await self.bot.roadmaps.show(interaction)

    @advisor.command(name="share", description=command_text("commands.advisor.share.command_description"))
    async def share(self, interaction: discord.Interaction[Any]) -> None:
        await self.bot.results.preview_latest(interaction)

    @advisor.command(name="export", description=command_text("commands.advisor.export.command_description"))
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        await self.interviews.export(interaction)

    @advisor.command(name="forget", description=command_text("commands.advisor.forget.command_description"))
    async def forget(self, interaction: discord.Interaction[Any]) -> None:
        await self.interviews.ask_forget(interaction)

    @advisor.command(name="help", description=command_text("commands.advisor.help.command_description"))
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        await reply(
            interaction,
            embed=embeds.help_embed(language_of(interaction), self.bot.service.engine.most_steps),
            ephemeral=is_private_place(interaction),
        )

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            await self.interviews.on_modal_submit(interaction)


async def setup(bot: AdvisorBot) -> None:
    await bot.add_cog(AdvisorCog(bot))
