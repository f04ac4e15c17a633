"""Answering an interaction so that it never fails for want of a live token.

An interaction token lives 15 minutes. ``reply`` and ``update`` use the initial
response when it is still open, the token's followup or original-message edit after
that, and, if Discord says the token has expired, a fresh message instead: in DMs for
anything private, in the channel for what the member chose to make public.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord

log = logging.getLogger(__name__)

# Discord's codes for a webhook token that no longer works (expired interaction).
EXPIRED_TOKEN_CODES = frozenset({50027, 10015})


# Discord fails an interaction not answered within 3 seconds. Work still running after
# this long is acknowledged with a deferral first, and its answer follows as an edit.
DEFER_AFTER_SECONDS = 2.0
_RESPONDING = "offering_advisor_responding"
# A one-time notice for the member (an expired interview), put in front of the next reply.
EXPIRY_NOTICE = "offering_advisor_notice"


@contextlib.asynccontextmanager
async def answer_in_time(
    interaction: discord.Interaction[Any], *, edits_message: bool, ephemeral: bool = True
) -> AsyncIterator[None]:
    """Defer the interaction if the work inside takes longer than DEFER_AFTER_SECONDS.

    A click defers as "update the message later"; a command as "thinking". ``reply`` and
    ``update`` then answer through the followup or the original-message edit.
    """

    async def defer_when_late() -> None:
        await asyncio.sleep(DEFER_AFTER_SECONDS)
        if interaction.response.is_done() or interaction.extras.get(_RESPONDING):
            return
        interaction.extras[_RESPONDING] = True
        log.info("slow answer: deferring the interaction")
        if edits_message:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)

    timer = asyncio.create_task(defer_when_late())
    try:
        yield
    finally:
        timer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await timer


def claim_response(interaction: discord.Interaction[Any]) -> bool:
    """True if this caller may use the initial response (nobody has, nor is about to)."""
    if interaction.response.is_done() or interaction.extras.get(_RESPONDING):
        return False
    interaction.extras[_RESPONDING] = True
    return True


def _token_expired(error: discord.HTTPException) -> bool:
    return error.code in EXPIRED_TOKEN_CODES or error.status == 401


async def reply(
    interaction: discord.Interaction[Any], content: str | None = None, *, ephemeral: bool, **kwargs: Any
) -> None:
    """Send a new message in answer to the interaction."""
    notice = interaction.extras.pop(EXPIRY_NOTICE, None)
    if notice:
        content = f"{notice}\n\n{content}" if content else notice
    if claim_response(interaction):
        await interaction.response.send_message(content, ephemeral=ephemeral, **kwargs)
        return
    if content is not None:
        kwargs["content"] = content
    try:
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)
    except discord.HTTPException as error:
        if not _token_expired(error):
            raise
        await _fresh_message(interaction, kwargs.pop("content", None), private=ephemeral, **kwargs)


async def update(interaction: discord.Interaction[Any], **kwargs: Any) -> None:
    """Replace the message the interaction came from (a click, a menu, a modal)."""
    if claim_response(interaction):
        await interaction.response.edit_message(**kwargs)
        return
    try:
        await interaction.edit_original_response(**kwargs)
    except discord.HTTPException as error:
        if not _token_expired(error):
            raise
        files = kwargs.pop("attachments", None)
        if files:
            kwargs["files"] = files
        await _fresh_message(interaction, kwargs.pop("content", None), private=True, **kwargs)


async def _fresh_message(
    interaction: discord.Interaction[Any], content: str | None, *, private: bool, **kwargs: Any
) -> None:
    log.info("interaction token expired; sending a fresh message instead")
    kwargs = {name: value for name, value in kwargs.items() if value is not None}
    if private or interaction.channel is None:
        await interaction.user.send(content, **kwargs)
        return
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        await channel.send(content, **kwargs)
