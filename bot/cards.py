"""A result card as a Discord message: its embed and its buttons, in one language."""

from __future__ import annotations

from typing import Any

from advisor.card import result_card, since_last_time
from bot import embeds
from bot.embeds import FIELD_VALUE_LIMIT, clip
from bot.interview.views import card_view
from dialogs.messages import text
from storage.protocol import ResultRecord


def card_message(
    record: ResultRecord, lang: str, *, in_server: bool, previous: ResultRecord | None = None
) -> dict[str, Any]:
    """A result as its member first sees it; after a retake (``previous``), with what moved
    since and which done steps came along. Share is offered only in a server: in a DM
    there is nobody to share with."""
    embed = embeds.card_embed(result_card(record.result, lang, record.progress), lang=lang)
    if previous is not None:
        moved = since_last_time(previous.result, record.result, record.progress, lang)
        embed.insert_field_at(
            0, name=text("card.since_last_time", lang), value=clip(moved, FIELD_VALUE_LIMIT), inline=False
        )
    return {
        "embed": embed,
        "view": card_view(int(record.key.user_id), record.id, lang, shareable=in_server),
    }
