"""``/advisor-staff``: summaries, the drop-off CSV and server settings, for Manage Server.

Discord applies ``default_permissions`` to a whole top-level command, and lets server
admins override it, so the permission is also checked on every use.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from pydantic import ValidationError

from bot import staff
from bot.delivery import reply
from bot.options import OneOf, Refused, WholeNumber
from storage.problems import first_problem
from storage.settings import CHECK_COOLDOWN_SECONDS_RANGE, EXPIRY_DAYS_RANGE, GuildSettings

if TYPE_CHECKING:
    from bot.client import AdvisorBot

DIGEST_EVERY = timedelta(days=7)
IN_CHANNELS, DMS_ONLY = "channels and DMs", "DMs only"
Period = app_commands.Transform[str, OneOf("period", *staff.PERIODS)]
InterviewsWhere = app_commands.Transform[str, OneOf("interviews", IN_CHANNELS, DMS_ONLY)]
ExpiryDays = app_commands.Transform[int, WholeNumber("expiry_days", *EXPIRY_DAYS_RANGE, "days")]
CooldownSeconds = app_commands.Transform[
    int, WholeNumber("check_cooldown_seconds", *CHECK_COOLDOWN_SECONDS_RANGE, "seconds")
]


class StaffCog(commands.Cog):
    staff_group = app_commands.Group(
        name="advisor-staff",
        description="Offering Advisor for server staff: summaries and settings",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: AdvisorBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.guild_id is None or not interaction.permissions.manage_guild:
            # The command tree answers it, once (bot.client.AdvisorTree).
            raise Refused("This needs the Manage Server permission in this server.")
        return True

    @staff_group.command(name="summary", description="What members offer and how the interview is used")
    @app_commands.describe(period="How far back to count (default: the last 30 days)")
    async def summary(self, interaction: discord.Interaction[Any], period: Period = "30d") -> None:
        assert interaction.guild_id is not None
        report = await self.bot.servers.report(
            interaction.guild_id, since=staff.since_for(period, discord.utils.utcnow())
        )
        name = staff.PERIOD_NAMES[period]
        await reply(
            interaction,
            embed=staff.summary_embed(report, name),
            file=staff.summary_chart(report, name),
            ephemeral=False,
        )

    @staff_group.command(
        name="dropoff", description="Per question: how many reached it and how many left there (CSV)"
    )
    @app_commands.describe(period="How far back to count (default: all time)")
    async def dropoff(self, interaction: discord.Interaction[Any], period: Period = "all") -> None:
        assert interaction.guild_id is not None
        report = await self.bot.servers.report(
            interaction.guild_id, since=staff.since_for(period, discord.utils.utcnow())
        )
        file = discord.File(io.BytesIO(staff.dropoff_csv(report)), filename="offering-advisor-dropoff.csv")
        await reply(
            interaction, f"Drop-off per question, {staff.PERIOD_NAMES[period]}.", file=file, ephemeral=True
        )

    @staff_group.command(name="settings", description="Show or change this server's settings")
    @app_commands.describe(
        results_channel="Where shared results and the weekly digest are posted",
        interviews="Where members may take the interview",
        expiry_days="Days an unanswered interview is kept before it expires",
        check_cooldown_seconds="Seconds between quick checks per member (3 per window)",
        weekly_digest="Post a weekly summary in the results channel",
    )
    async def settings(  # noqa: PLR0917 (each Discord option arrives as an argument)
        self,
        interaction: discord.Interaction[Any],
        results_channel: discord.TextChannel | None = None,
        interviews: InterviewsWhere | None = None,
        expiry_days: ExpiryDays | None = None,
        check_cooldown_seconds: CooldownSeconds | None = None,
        weekly_digest: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        current = await self.bot.servers.settings(str(interaction.guild_id))
        changes: dict[str, Any] = {}
        if results_channel is not None:
            changes["results_channel_id"] = results_channel.id
        if interviews is not None:
            changes["interviews_in_channels"] = interviews == IN_CHANNELS
        if expiry_days is not None:
            changes["session_expiry_days"] = float(expiry_days)
        if check_cooldown_seconds is not None:
            changes["check_cooldown_seconds"] = float(check_cooldown_seconds)
        if weekly_digest is not None:
            changes["digest_enabled"] = weekly_digest
            if weekly_digest and not current.digest_enabled:
                changes["digest_next_at"] = discord.utils.utcnow() + DIGEST_EVERY
        try:
            updated = current.with_changes(**changes)
        except ValidationError as error:
            # The options are checked on arrival; this catches what only the model knows.
            await reply(
                interaction,
                f"That setting cannot be saved ({first_problem(error)}); nothing was changed.",
                ephemeral=True,
            )
            return
        if changes:
            await self.bot.servers.save_settings(updated)
            self.bot.remember_settings(updated)
        warning = ""
        if updated.digest_enabled and updated.results_channel_id is None:
            warning = "\nThe weekly digest needs a results channel: set one with `results_channel`."
        title = "Settings saved" if changes else "Current settings"
        await reply(
            interaction, embed=settings_embed(updated, title), content=warning or None, ephemeral=True
        )


def settings_embed(settings: GuildSettings, title: str) -> discord.Embed:
    embed = discord.Embed(title=title, colour=discord.Colour.blurple())
    channel = (
        f"<#{settings.results_channel_id}>"
        if settings.results_channel_id
        else "not set (shared results stay "
    )
    if not settings.results_channel_id:
        channel += "in the channel they were shared from)"
    embed.add_field(name="Results channel", value=channel, inline=False)
    embed.add_field(
        name="Interviews", value="in channels and DMs" if settings.interviews_in_channels else "in DMs only"
    )
    embed.add_field(
        name="Expiry",
        value=f"{settings.session_expiry_days:g} days"
        if settings.session_expiry_days
        else "the bot's default",
    )
    embed.add_field(
        name="Quick-check cooldown",
        value=f"{settings.check_cooldown_seconds:g} s"
        if settings.check_cooldown_seconds is not None
        else "the bot's default",
    )
    digest = "off"
    if settings.digest_enabled:
        due = settings.digest_next_at
        digest = "on" + (f", next {discord.utils.format_dt(due, 'R')}" if due else "")
    embed.add_field(name="Weekly digest", value=digest)
    return embed


async def setup(bot: AdvisorBot) -> None:
    await bot.add_cog(StaffCog(bot))
