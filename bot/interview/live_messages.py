"""Switching off the buttons of a message once a newer one takes its place.

A member who runs ``/advisor resume`` (or asks for a second confirmation) gets a new
message; the older one would keep offering buttons that can only answer "moved on" or,
for a confirmation, act on something the member has since reconsidered. Every such click
is refused by its version or fingerprint anyway; this is the courtesy on top: the older
message is edited to say it was replaced, without buttons.

Only what this process sent, and only while the interaction token that sent it can
still edit it (Discord allows 15 minutes; an ephemeral message cannot be edited any
other way). Past that, or if the edit fails, the older message stays as it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import discord

log = logging.getLogger(__name__)

# A little under Discord's 15 minutes, so an edit is never tried with a dying token.
EDITABLE_FOR_SECONDS = 14 * 60
EDIT_TIMEOUT_SECONDS = 5.0


class LiveMessages:
    """The latest message with live buttons per slot (a member's interview in one place,
    or their forget confirmation), with the interaction that can still edit it."""

    def __init__(self) -> None:
        # Oldest first, so what can no longer be edited is dropped from the front without
        # a scan: this runs on every click.
        self._latest: OrderedDict[Hashable, tuple[discord.Interaction[Any], float]] = OrderedDict()

    def _forget_stale(self, now: float) -> None:
        while self._latest:
            _, (_, sent) = next(iter(self._latest.items()))
            if now - sent <= EDITABLE_FOR_SECONDS:
                return
            self._latest.popitem(last=False)

    async def replace(self, slot: Hashable, interaction: discord.Interaction[Any], note: str) -> None:
        """Record the message ``interaction`` just sent or updated as the live one for
        ``slot``; if that is another message than the one live before, edit the older one
        to ``note``, without buttons."""
        if not interaction.response.is_done():
            return  # Discord never took the message, so there is nothing to switch off later
        now = time.monotonic()
        self._forget_stale(now)
        previous = self._latest.get(slot)
        # Kept even when it is the same message: a click's token is the fresher one.
        self._latest[slot] = (interaction, now)
        self._latest.move_to_end(slot)
        if previous is None or _same_message(previous[0], interaction):
            return
        try:
            async with asyncio.timeout(EDIT_TIMEOUT_SECONDS):
                await previous[0].edit_original_response(content=note, view=None)
        except (discord.HTTPException, TimeoutError, OSError) as error:
            # The member deleted it, the token ran out early, or Discord is struggling:
            # the older message keeps its buttons, which refuse anything stale anyway.
            log.debug("could not switch off a replaced message (%s)", type(error).__name__)

    def drop(self, slot: Hashable) -> None:
        self._latest.pop(slot, None)


def _same_message(earlier: discord.Interaction[Any], later: discord.Interaction[Any]) -> bool:
    """True if both interactions answer on one message: the same interaction, clicks on
    one message, or a click on the message a command's reply created."""
    if earlier.id == later.id:
        return True
    clicked = later.message
    if clicked is None:
        return False
    if earlier.message is not None and earlier.message.id == clicked.id:
        return True
    created_by = clicked.interaction_metadata
    return created_by is not None and created_by.id == earlier.id
