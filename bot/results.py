"""A member's results on Discord: the card, the parts it opens, and sharing with a preview.

A result card names its stored result in every button (bot/interview/views.py), so it
opens that result after a restart or a newer interview, and only for its member: the
store reads a result by id only together with its owner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord

from advisor.card import result_card, what_changed
from advisor.service import AdvisorService
from bot import embeds
from bot.cards import card_message
from bot.delivery import reply, update
from bot.interview.controller import Reporter, chart_file, reporting
from bot.interview.views import history_view, share_view
from bot.locale import language_of, say, server_language
from dialogs import wording
from dialogs.messages import Percent, msg, render
from storage.protocol import ResultRecord
from storage.settings import GuildSettings

# Past results listed at once: a menu holds at most 25 options, a phone shows about this many.
HISTORY_SHOWN = 20
# What each of a card's buttons opens, drawn from the stored result in the member's language
# (the roadmap opens as its checklist, bot/roadmaps.py).
_PARTS = {
    "reasons": embeds.reasons_embed,
    "itil": embeds.itil_embed,
    "chart": embeds.chart_embed,
}


class ResultController:
    def __init__(
        self,
        service: AdvisorService,
        *,
        report: Reporter,
        settings_for: Callable[[int | None], GuildSettings | None],
        channel_for: Callable[[int], object],
    ) -> None:
        self.service = service
        self.report = report
        self.settings_for = settings_for
        self.channel_for = channel_for

    async def _owned(self, interaction: discord.Interaction[Any], result_id: int) -> ResultRecord | None:
        record = await self.service.result(str(interaction.user.id), result_id)
        if record is None:
            await reply(interaction, say(interaction, "discord.result_gone"), ephemeral=True)
        return record

    async def _latest(self, interaction: discord.Interaction[Any], none_yet: str) -> ResultRecord | None:
        """The member's newest result; without one they are told ``none_yet``."""
        record = await self.service.latest(str(interaction.user.id))
        if record is None:
            await reply(interaction, say(interaction, none_yet), ephemeral=True)
        return record

    @reporting
    async def show_latest(self, interaction: discord.Interaction[Any]) -> None:
        record = await self._latest(interaction, "discord.no_result")
        if record is None:
            return
        in_server = interaction.guild_id is not None
        await reply(
            interaction, **card_message(record, language_of(interaction), in_server=in_server), ephemeral=True
        )

    @reporting
    async def history(self, interaction: discord.Interaction[Any]) -> None:
        """The member's past results, each with its kind of offering, openable as its card,
        and what moved since the one before."""
        records = await self.service.history(str(interaction.user.id), limit=HISTORY_SHOWN)
        lang = language_of(interaction)
        lines = [
            render(
                msg(
                    "discord.history_line",
                    when=discord.utils.format_dt(record.created_at, "d"),
                    verdict=wording.verdict_title(record.result.verdict, record.result.hybrid_shape),
                    confidence=Percent(record.result.confidence),
                ),
                lang,
            )
            + (
                f" · {render(wording.family_name(record.result.subtype), lang)}"
                if record.result.subtype
                else ""
            )
            for record in records
        ]
        changed = what_changed(records[1].result, records[0].result, lang) if len(records) > 1 else None
        embed = embeds.history_embed(lines, lang, changed=changed)
        if not records:
            await reply(interaction, embed=embed, ephemeral=True)
            return
        options = [
            discord.SelectOption(
                label=render(
                    msg(
                        "discord.history_option.label",
                        id=str(record.id),
                        when=record.created_at.date(),
                        verdict=wording.verdict_title(record.result.verdict, record.result.hybrid_shape),
                    ),
                    lang,
                )[:100],
                value=str(record.id),
                description=render(wording.family_name(record.result.subtype), lang)[:100]
                if record.result.subtype
                else None,
            )
            for record in records
        ]
        await reply(
            interaction, embed=embed, view=history_view(interaction.user.id, options, lang), ephemeral=True
        )

    @reporting
    async def open_card(self, interaction: discord.Interaction[Any], result_id: int) -> None:
        record = await self._owned(interaction, result_id)
        if record is not None:
            in_server = interaction.guild_id is not None
            await reply(
                interaction,
                **card_message(record, language_of(interaction), in_server=in_server),
                ephemeral=True,
            )

    @reporting
    async def open_part(self, interaction: discord.Interaction[Any], result_id: int, part: str) -> None:
        """One part of a result, in a message of its own that only the member sees."""
        record = await self._owned(interaction, result_id)
        if record is None:
            return
        lang = language_of(interaction)
        extra: dict[str, Any] = {"file": chart_file(record.result, lang)} if part == "chart" else {}
        await reply(interaction, embed=_PARTS[part](record.result, lang), ephemeral=True, **extra)

    def _target(self, interaction: discord.Interaction[Any]) -> tuple[discord.TextChannel | None, str]:
        """Where a share goes, and how to name it: the server's results channel where staff
        set one other than this channel, else this channel."""
        settings = self.settings_for(interaction.guild_id)
        channel = (
            self.channel_for(settings.results_channel_id)
            if settings and settings.results_channel_id
            else None
        )
        if isinstance(channel, discord.TextChannel) and channel.id != interaction.channel_id:
            return channel, channel.mention
        return None, say(interaction, "discord.this_channel")

    def _public_card(self, interaction: discord.Interaction[Any], record: ResultRecord) -> discord.Embed:
        # Everyone in the channel reads it: in the server's language, without the answers.
        lang = server_language(interaction)
        name = discord.utils.escape_markdown(interaction.user.display_name)
        return embeds.card_embed(result_card(record.result, lang), lang=lang, owner_name=name)

    @reporting
    async def preview_latest(self, interaction: discord.Interaction[Any]) -> None:
        record = await self._latest(interaction, "discord.nothing_to_share")
        if record is not None:
            await self._preview(interaction, record)

    @reporting
    async def preview_share(self, interaction: discord.Interaction[Any], result_id: int) -> None:
        record = await self._owned(interaction, result_id)
        if record is not None:
            await self._preview(interaction, record)

    async def _preview(self, interaction: discord.Interaction[Any], record: ResultRecord) -> None:
        """Show the member exactly what would be posted, and ask."""
        _, where = self._target(interaction)
        await reply(
            interaction,
            say(interaction, "discord.share_preview", channel=where),
            embed=self._public_card(interaction, record),
            view=share_view(interaction.user.id, record.id, language_of(interaction)),
            ephemeral=True,
        )

    @reporting
    async def share(self, interaction: discord.Interaction[Any], result_id: int, *, post: bool) -> None:
        """Post the previewed card, or leave the result private; the preview says which."""
        if not post:
            await update(
                interaction, content=say(interaction, "discord.share_not_posted"), embed=None, view=None
            )
            return
        record = await self._owned(interaction, result_id)
        if record is None:
            return
        card = self._public_card(interaction, record)
        target, where = self._target(interaction)
        await update(
            interaction,
            content=say(interaction, "discord.share_posted", channel=where),
            embed=None,
            view=None,
        )
        if target is not None:
            await target.send(embed=card)
        else:
            await reply(interaction, embed=card, ephemeral=False)
        await self.service.mark_shared(record)
