"""Answering an interaction so that it never fails for want of a live token, and so that
a member is told when Discord would not take the answer.

An interaction token lives 15 minutes. ``reply`` and ``update`` use the initial
response when it is still open, the token's followup or original-message edit after
that, and, if Discord says the token has expired, a fresh message instead: in DMs for
anything private, in the channel for what the member chose to make public.

Discord failing is a different matter. discord.py already waits out a 429's
``retry_after`` and retries a 5xx (after 1 s, 3 s, 5 s, ...; five tries in all). If the
message still did not get through (5xx, no answer within DELIVERY_TIMEOUT_SECONDS, a
dropped connection, or an initial response that came too late for Discord), ``reply``
and ``update`` do not raise: they log a warning and send the member a short notice
instead, through the followup if the interaction was answered, else by DM. Whatever the
handler stored before replying stays stored and is never applied again; the notice says
how to see it (``/advisor resume``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import discord

from dialogs.messages import language_for, text

log = logging.getLogger(__name__)

# Discord's codes for a webhook token that no longer works (expired interaction).
EXPIRED_TOKEN_CODES = frozenset({50027, 10015})
# The initial response came after Discord's three seconds (a long retry, say).
UNKNOWN_INTERACTION = 10062

# The longest one message may take to reach Discord, discord.py's own retries included.
# aiohttp would otherwise wait five minutes on a Discord that accepts the request and never
# answers, holding the handler all that time.
DELIVERY_TIMEOUT_SECONDS = 10.0
# What the member is told when a reply does not get through, by catalog key.
UNDELIVERED = "discord.reply_not_shown"


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
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    ephemeral: bool,
    undelivered: str | None = None,
    **kwargs: Any,
) -> None:
    """Send a new message in answer to the interaction. If Discord will not take it, the
    member gets ``undelivered`` (or a general notice) instead (see the module doc)."""
    notice = interaction.extras.pop(EXPIRY_NOTICE, None)
    if notice:
        content = f"{notice}\n\n{content}" if content else notice
    await _delivered(interaction, _reply(interaction, content, ephemeral=ephemeral, **kwargs), undelivered)


async def _reply(
    interaction: discord.Interaction[Any], content: str | None, *, ephemeral: bool, **kwargs: Any
) -> None:
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


async def update(
    interaction: discord.Interaction[Any], *, undelivered: str | None = None, **kwargs: Any
) -> None:
    """Replace the message the interaction came from (a click, a menu, a modal). If Discord
    will not take it, the member gets ``undelivered`` (or a general notice) instead (see the module doc)."""
    await _delivered(interaction, _update(interaction, **kwargs), undelivered)


async def _update(interaction: discord.Interaction[Any], **kwargs: Any) -> None:
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


def discord_failed(error: BaseException) -> bool:
    """True if a request failed on Discord's side (or on the way), after discord.py's own
    retries: a 5xx, a 429 it would not wait out, no answer in time, a broken connection, or
    an initial response Discord no longer knew (it came after the three seconds). False for
    a request Discord refused on its merits (a 4xx, which is a bug to report)."""
    if isinstance(error, discord.HTTPException):
        return error.status >= 500 or error.status == 429 or error.code == UNKNOWN_INTERACTION
    return isinstance(error, TimeoutError | discord.RateLimited | aiohttp.ClientError | OSError)


def _describe(error: BaseException) -> str:
    """What went wrong, for the log: never the request's URL (it holds the interaction token)."""
    if isinstance(error, discord.HTTPException):
        return f"HTTP {error.status}, code {error.code}"
    if isinstance(error, TimeoutError):
        return f"no answer within {DELIVERY_TIMEOUT_SECONDS:g} s"
    return type(error).__name__


async def _delivered(
    interaction: discord.Interaction[Any], sending: Awaitable[None], undelivered: str | None
) -> None:
    try:
        async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS):
            await sending
    except Exception as error:
        if not discord_failed(error):
            raise
        log.warning("could not deliver a reply to an interaction (%s)", _describe(error))
        notice = undelivered or text(UNDELIVERED, language_for(interaction.locale))
        await _tell_undelivered(interaction, notice)


async def _tell_undelivered(interaction: discord.Interaction[Any], notice: str) -> None:
    """Tell the member their reply did not get through: by the interaction's followup if it
    was answered (Discord takes no followup before the initial response), else by DM. Never
    raises for Discord's failures; the reply is not sent again."""
    if interaction.response.is_done():
        try:
            async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS):
                await interaction.followup.send(notice, ephemeral=True)
            log.info("told the member by a followup that their reply did not get through")
            return
        except Exception as error:
            if not (discord_failed(error) or isinstance(error, discord.HTTPException)):
                raise
            log.warning("the followup failed too (%s); trying a direct message", _describe(error))
    try:
        async with asyncio.timeout(DELIVERY_TIMEOUT_SECONDS):
            await interaction.user.send(notice)
        log.info("told the member by DM that their reply did not get through")
    except Exception as error:
        if not (discord_failed(error) or isinstance(error, discord.HTTPException)):
            raise
        log.warning("could not tell the member either (%s)", _describe(error))


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
