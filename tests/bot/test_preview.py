"""The contributors' preview (scripts/preview.py): every message of the main journeys,
recorded from the real bot through the double, fits Discord and is drawn."""

from __future__ import annotations

import html

from scripts.preview import Shown, page, problems, record


async def test_every_message_of_every_journey_fits_discord_and_is_drawn() -> None:
    recorder = await record()
    assert [journey.name for journey in recorder.journeys] == ["member", "french", "roadmap", "staff"]
    shown = [item for journey in recorder.journeys for item in journey.shown]
    assert len(shown) >= 20
    assert [f"{item.caption}: {issue}" for item in shown for issue in problems(item)] == []
    captions = {item.caption for item in shown}
    for needed in (
        "The result card (member)",
        "The result card (french)",
        "The free-text form",
        "Share: the preview only the member sees",
        "Share: posted for the channel",
        "Cancel asks first",
        "/advisor-staff summary, for the moderator alone",
        "The summary, posted for the channel",
        "/advisor roadmap",
        "A week later: the check-in, by DM",
        "The check-in answered: still on it",
    ):
        assert needed in captions
    cards = [item for item in recorder.journeys[0].shown if item.caption == "The result card (member)"]
    (card,) = cards
    embed = card.message["embeds"][0]
    # About a phone screen: the card's text, buttons aside.
    text = [embed["title"], embed["description"], embed["footer"]["text"]]
    text += [value for field in embed["fields"] for value in (field["name"], field["value"])]
    assert sum(map(len, text)) <= 1_000
    chart = next(item for item in shown if item.caption == "The card's “Chart”")
    assert "factors.png" in chart.images
    for journey in recorder.journeys:
        drawn = page(journey)
        assert all(html.escape(item.caption) in drawn for item in journey.shown)
        assert 'class="problem"' not in drawn


def test_a_message_over_a_limit_or_cut_to_fit_is_reported() -> None:
    over = Shown("x", {"embeds": [{"title": "t" * 257, "description": "A sentence cut off to fi…"}]})
    found = problems(over)
    assert any("embed title is 257 characters" in issue for issue in found)
    assert any("embed description is cut off" in issue for issue in found)
    modal = Shown(
        "m",
        {"title": "x" * 46, "components": [{"type": 1, "components": [{"type": 4, "label": "y" * 46}]}]},
        modal=True,
    )
    assert len(problems(modal)) == 2
    assert (
        problems(Shown("ok", {"components": [{"type": 1, "components": [{"type": 2, "label": "Share…"}]}]}))
        == []
    )
