"""``/advisor-staff``: summaries, the drop-off CSV and server settings, for Manage Server.

Discord applies ``default_permissions`` to a whole top-level command, and lets server
admins override it, so the permission is also checked on every use.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from pydantic import ValidationError

from bot import staff
from bot.cogs.advisor import CHECK_PER_SECONDS
from bot.delivery import reply, update
from bot.locale import language_of, say, server_language
from bot.options import OneOf, Refused, WholeNumber
from bot.translator import command_text
from dialogs.messages import Msg, msg, render, text
from storage.problems import first_problem
from storage.reports import ScopeReport
from storage.settings import CHECK_COOLDOWN_SECONDS_RANGE, EXPIRY_DAYS_RANGE, GuildSettings

if TYPE_CHECKING:
    from bot.client import AdvisorBot

DIGEST_EVERY = timedelta(days=7)
IN_CHANNELS, DMS_ONLY = "channels and DMs", "DMs only"
Period = app_commands.Transform[
    str,
    OneOf(
        "period", {period: f"commands.choice.period.{period}.command_description" for period in staff.PERIODS}
    ),
]
InterviewsWhere = app_commands.Transform[
    str,
    OneOf(
        "interviews",
        {
            IN_CHANNELS: "commands.choice.interviews.channels.command_description",
            DMS_ONLY: "commands.choice.interviews.dms.command_description",
        },
    ),
]
ExpiryDays = app_commands.Transform[int, WholeNumber("expiry_days", *EXPIRY_DAYS_RANGE, "discord.unit.days")]
CooldownSeconds = app_commands.Transform[
    int, WholeNumber("check_cooldown_seconds", *CHECK_COOLDOWN_SECONDS_RANGE, "discord.unit.seconds")
]


async def summary_message(
    bot: AdvisorBot, interaction: discord.Interaction[Any], period: str, lang: str
) -> dict[str, Any]:
    """The summary's embed and chart in ``lang``, with how it moved against the span before."""
    assert interaction.guild_id is not None  # the command is guild-only
    now = discord.utils.utcnow()
    since = staff.since_for(period, now)
    report = await bot.servers.report(interaction.guild_id, since=since)
    span = staff.PERIODS[period]
    previous = None
    if since is not None and span is not None:
        previous = await bot.servers.report(interaction.guild_id, since=since - span, until=since)
    name = staff.period_name(period)
    return {
        "embed": staff.summary_embed(report, name, lang, previous=previous),
        "file": staff.summary_chart(report, name, lang),
    }


class PostSummaryButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"oa:m:post:(?P<period>7d|30d|90d|all)",
):
    """Post a summary the moderator has seen for the channel, worked out afresh and in the
    server's language; checked for Manage Server again, since anyone may send a custom_id."""

    def __init__(self, period: str, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("staff.post_to_channel.label", lang),
                style=discord.ButtonStyle.primary,
                custom_id=f"oa:m:post:{period}",
            )
        )
        self.period = period

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PostSummaryButton:
        return cls(match["period"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.guild_id is None or not interaction.permissions.manage_guild:
            await reply(interaction, say(interaction, "staff.needs_manage_server"), ephemeral=True)
            return False
        return True

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: AdvisorBot = interaction.client
        message = await summary_message(bot, interaction, self.period, server_language(interaction))
        await update(interaction, content=say(interaction, "staff.posted"), view=None)
        await reply(interaction, **message, ephemeral=False)


def post_summary_view(period: str, lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PostSummaryButton(period, lang))
    return view


class StaffCog(commands.Cog):
    staff_group = app_commands.Group(
        name="advisor-staff",
        description=command_text("commands.staff.command_description"),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: AdvisorBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.guild_id is None or not interaction.permissions.manage_guild:
            # The command tree answers it, once (bot.client.AdvisorTree).
            raise Refused(msg("staff.needs_manage_server"))
        return True

    async def _report(self, interaction: discord.Interaction[Any], period: str) -> ScopeReport:
        """This server's counts over ``period`` (a key of bot.staff.PERIODS), up to now."""
        assert interaction.guild_id is not None  # the command is guild-only
        since = staff.since_for(period, discord.utils.utcnow())
        return await self.bot.servers.report(interaction.guild_id, since=since)

    @staff_group.command(
        name="summary", description=command_text("commands.staff.summary.command_description")
    )
    @app_commands.describe(period=command_text("commands.staff.summary.period.command_description"))
    async def summary(self, interaction: discord.Interaction[Any], period: Period = "30d") -> None:
        # Shown to the moderator alone first; "Post to channel" puts it before everyone.
        lang = language_of(interaction)
        await reply(
            interaction,
            **await summary_message(self.bot, interaction, period, lang),
            view=post_summary_view(period, lang),
            ephemeral=True,
        )

    @staff_group.command(
        name="dropoff", description=command_text("commands.staff.dropoff.command_description")
    )
    @app_commands.describe(period=command_text("commands.staff.dropoff.period.command_description"))
    async def dropoff(self, interaction: discord.Interaction[Any], period: Period = "all") -> None:
        report = await self._report(interaction, period)
        csv = staff.dropoff_csv(report, language_of(interaction))
        file = discord.File(io.BytesIO(csv), filename="offering-advisor-dropoff.csv")
        done = say(interaction, "staff.dropoff_done", period=staff.period_name(period))
        await reply(interaction, done, file=file, ephemeral=True)

    @staff_group.command(
        name="settings", description=command_text("commands.staff.settings.command_description")
    )
    @app_commands.describe(
        **{
            option: command_text(f"commands.staff.settings.{option}.command_description")
            for option in (
                "results_channel",
                "interviews",
                "expiry_days",
                "check_cooldown_seconds",
                "weekly_digest",
                "check_ins",
            )
        }
    )
    async def settings(  # noqa: PLR0917 (each Discord option arrives as an argument)
        self,
        interaction: discord.Interaction[Any],
        results_channel: discord.TextChannel | None = None,
        interviews: InterviewsWhere | None = None,
        expiry_days: ExpiryDays | None = None,
        check_cooldown_seconds: CooldownSeconds | None = None,
        weekly_digest: bool | None = None,
        check_ins: bool | None = None,
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
        if check_ins is not None:
            changes["check_ins_enabled"] = check_ins
        try:
            updated = current.with_changes(**changes)
        except ValidationError as error:
            # The options are checked on arrival; this catches what only the model knows.
            refused = say(interaction, "staff.setting_refused", problem=first_problem(error))
            await reply(interaction, refused, ephemeral=True)
            return
        if changes:
            await self.bot.servers.save_settings(updated)
            self.bot.remember_settings(updated)
        warning = None
        if updated.digest_enabled and updated.results_channel_id is None:
            warning = say(interaction, "staff.digest_needs_channel")
        title = msg("staff.settings_saved" if changes else "staff.settings_current")
        lang = language_of(interaction)
        defaults = Defaults(self.bot.service.expiry.total_seconds() / 86400, CHECK_PER_SECONDS)
        embed = settings_embed(updated, title, lang, defaults)
        await reply(interaction, embed=embed, content=warning, ephemeral=True)


@dataclass(frozen=True)
class Defaults:
    """What a server gets where staff set nothing: the bot's own settings."""

    expiry_days: float
    cooldown_seconds: float


def _days(days: float, lang: str) -> str:
    return text("staff.days", lang, count=int(days)) if days.is_integer() else f"{days:g}"


def settings_embed(settings: GuildSettings, title: Msg, lang: str, defaults: Defaults) -> discord.Embed:
    embed = discord.Embed(title=render(title, lang), colour=discord.Colour.blurple())
    channel = (
        f"<#{settings.results_channel_id}>"
        if settings.results_channel_id
        else text("staff.results_channel_unset", lang)
    )
    embed.add_field(name=text("staff.results_channel", lang), value=channel, inline=False)
    where = "staff.in_channels_and_dms" if settings.interviews_in_channels else "staff.in_dms_only"
    embed.add_field(name=text("staff.interviews_where", lang), value=text(where, lang))
    expiry = text("staff.bot_default", lang, value=_days(defaults.expiry_days, lang))
    if settings.session_expiry_days:
        expiry = _days(settings.session_expiry_days, lang)
    embed.add_field(name=text("staff.expiry", lang), value=expiry)
    cooldown = text(
        "staff.bot_default", lang, value=text("staff.seconds_short", lang, seconds=defaults.cooldown_seconds)
    )
    if settings.check_cooldown_seconds is not None:
        cooldown = text("staff.seconds_short", lang, seconds=settings.check_cooldown_seconds)
    embed.add_field(name=text("staff.cooldown", lang), value=cooldown)
    digest = text("staff.off", lang)
    if settings.digest_enabled:
        due = settings.digest_next_at
        digest = (
            text("staff.on_next", lang, when=discord.utils.format_dt(due, "R"))
            if due
            else text("staff.on", lang)
        )
    embed.add_field(name=text("staff.weekly_digest", lang), value=digest)
    check_ins = text("staff.on" if settings.check_ins_enabled else "staff.off", lang)
    embed.add_field(name=text("staff.check_ins", lang), value=check_ins)
    return embed


async def setup(bot: AdvisorBot) -> None:
    await bot.add_cog(StaffCog(bot))
    bot.add_dynamic_items(PostSummaryButton)
