"""A result card as a Discord message: its embed and its buttons, in one language."""

from __future__ import annotations

from typing import Any

from advisor.card import result_card
from bot import embeds
from bot.interview.views import card_view
from storage.protocol import ResultRecord


def card_message(record: ResultRecord, lang: str, *, in_server: bool) -> dict[str, Any]:
    """A result as its member first sees it. Share is offered only in a server: in a DM
    there is nobody to share with."""
    return {
        "embed": embeds.card_embed(result_card(record.result, lang), lang=lang),
        "view": card_view(int(record.key.user_id), record.id, lang, shareable=in_server),
    }
