"""Pieces of the Discord adapter that need no connection: limits, ids, chart, tokens."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest
from PIL import Image
from pydantic import SecretStr

from advisor.card import result_card
from advisor.settings import Settings
from bot import chart, embeds
from bot.chart import factor_chart_png
from bot.interview.views import (
    CUSTOM_ID_LIMIT,
    StepRef,
    card_view,
    confirm_step_view,
    forget_view,
    prompt_view,
    text_modal,
)
from bot.roadmaps import roadmap_message
from bot.runner import RedactToken, TokenProblem, checked_token
from dialogs import wording
from dialogs.bank import StepKind
from dialogs.engine import DialogEngine, Turn, TurnKind
from dialogs.messages import render
from dialogs.progress import StepState
from dialogs.verdict import Classification, RoadmapStep
from storage.keys import SessionKey
from storage.protocol import ResultRecord
from tests.personas import interview, load_personas

ENGINE = DialogEngine()
BIGGEST_SNOWFLAKE = 2**64 - 1
ROUTES = {
    "ebook": ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"],
    "saas": ["3", "5", "1", "no", "5", "3", "2", "2", "2", "1", "3", "1", "1,2,3", "4"],
    "agency": ["3", "9", "2", "yes", "4", "5", "5", "3", "2", "2", "2", "1,2,3,4", "1"],
}
FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"


def wording_title(step: RoadmapStep, lang: str) -> str:
    return render(wording.roadmap_step(step)["title"], lang)


def walk(route: list[str]) -> list[Turn]:
    turns = [ENGINE.start()]
    for answer in route:
        turns.append(ENGINE.answer(turns[-1].session, answer))
    while turns[-1].kind is not TurnKind.FINISHED:
        turns.append(ENGINE.skip(turns[-1].session))
    return turns


def result_of(route: list[str]) -> Classification:
    result = walk(route)[-1].result
    assert result is not None
    return result


PERSONA_RESULTS = {persona.id: interview(persona) for persona in load_personas()}


def roadmap_part(result: Classification, lang: str) -> discord.Embed:
    """The roadmap as its checklist opens from the card, with a step done and one skipped."""
    progress = {result.roadmap[0].id: StepState.DONE, result.roadmap[-1].id: StepState.SKIPPED}
    record = ResultRecord(
        BIGGEST_SNOWFLAKE, SessionKey.for_dm(1), result, datetime.now(UTC), progress=progress
    )
    shown: discord.Embed = roadmap_message(record, lang, latest=True, check_ins_here=True, check_in=None)[
        "embed"
    ]
    return shown


PARTS = (embeds.reasons_embed, roadmap_part, embeds.itil_embed, embeds.chart_embed)
# A card read on a phone fits one screen: about 1,000 characters, French running longer.
CARD_LENGTH = {"en": 1_000, "fr": 1_200}


def _texts(embed: discord.Embed) -> list[str]:
    found = [embed.title or "", embed.description or "", embed.footer.text or ""]
    return found + [text for field in embed.fields for text in (field.name or "", field.value or "")]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("persona", sorted(PERSONA_RESULTS))
def test_a_card_fits_a_phone_screen_and_each_part_fits_discord_uncut(persona: str, lang: str) -> None:
    result = PERSONA_RESULTS[persona]
    card = embeds.card_embed(result_card(result, lang), lang=lang, owner_name="x" * 32)
    assert len(card) <= CARD_LENGTH[lang]
    assert card.title and card.title.endswith(result_card(result, lang).headline)
    for embed in (card, *(part(result, lang) for part in PARTS)):
        assert len(embed) <= embeds.EMBED_TOTAL_LIMIT
        assert len(embed.description or "") <= embeds.DESCRIPTION_LIMIT
        assert all(len(field.value or "") <= embeds.FIELD_VALUE_LIMIT for field in embed.fields)
        # Nothing was clipped to fit: a cut sentence ends in "…".
        assert not any(text.endswith("…") for text in _texts(embed)), embed.to_dict()


def test_a_card_in_french_has_no_english_headings() -> None:
    card = embeds.card_embed(result_card(result_of(ROUTES["ebook"]), "fr"), lang="fr")
    assert card.title == "Produit numérique"
    assert [field.name for field in card.fields] == ["Pourquoi, en bref", "Votre première étape (sur 5)"]
    assert (card.description or "").startswith("**Un résultat")
    assert card.footer.text and "D'après cinq articles" in card.footer.text


def test_a_card_after_a_retake_leads_with_the_step_the_member_is_on() -> None:
    result = result_of(ROUTES["ebook"])
    progress = {result.roadmap[0].id: StepState.DONE}
    card = embeds.card_embed(result_card(result, "en", progress), lang="en")
    assert card.fields[-1].name == f"Your next step (step 2 of {len(result.roadmap)})"
    assert (card.fields[-1].value or "").startswith(f"**{wording_title(result.roadmap[1], 'en')}**")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_free_text_form_asks_the_question_whole_within_discords_limits(lang: str) -> None:
    ref = StepRef.for_key(SessionKey.for_dm(1), 1)
    text_steps = [
        turn.prompt for turn in walk(ROUTES["ebook"]) if turn.prompt and turn.prompt.kind is StepKind.TEXT
    ]
    assert text_steps
    for prompt in text_steps:
        shown = wording.localize_prompt(prompt, lang)
        modal = text_modal(shown, ref, lang)
        (field,) = modal.children
        assert isinstance(field, discord.ui.TextInput)
        assert len(modal.title) <= 45 and len(field.label) <= 45
        # Whole words, never a question cut off at the limit.
        assert field.label.endswith("?") and field.label.split()[-2] in shown.text
        assert field.placeholder and len(field.placeholder) <= 100
        assert not field.placeholder.endswith("…")


def test_an_oversized_roadmap_is_shortened_to_fit() -> None:
    result = result_of(ROUTES["agency"])
    long_steps = tuple(
        step.model_copy(update={"detail": "d" * 1_500, "title": "t" * 300}) for step in result.roadmap
    )
    embed = roadmap_part(result.model_copy(update={"roadmap": long_steps}), "en")
    assert len(embed.description or "") <= embeds.DESCRIPTION_LIMIT
    assert all(len(field.value or "") <= embeds.FIELD_VALUE_LIMIT for field in embed.fields)
    assert all(len(field.name or "") <= embeds.FIELD_NAME_LIMIT for field in embed.fields)


async def test_every_roadmap_component_fits_discord_for_the_largest_ids() -> None:
    result = result_of(ROUTES["agency"])
    long_steps = tuple(step.model_copy(update={"title": "t" * 300}) for step in result.roadmap)
    record = ResultRecord(
        BIGGEST_SNOWFLAKE,
        SessionKey.for_dm(BIGGEST_SNOWFLAKE),
        result.model_copy(update={"roadmap": long_steps}),
        datetime.now(UTC),
        progress_version=2**31 - 1,
    )
    view = roadmap_message(record, "fr", latest=True, check_ins_here=True, check_in=None)["view"]
    ids = [getattr(item, "custom_id", "") for item in view.children]
    assert all(0 < len(custom_id) <= CUSTOM_ID_LIMIT for custom_id in ids)
    inner = [getattr(item, "item", item) for item in view.children]  # a DynamicItem wraps its component
    menus = [item for item in inner if isinstance(item, discord.ui.Select)]
    assert len(menus) == 2  # the steps, and the check-ins
    assert all(len(option.label) <= 100 for menu in menus for option in menu.options)
    assert len({item.row for item in view.children}) <= 5


async def test_every_card_button_id_fits_discord_for_the_largest_ids() -> None:
    view = card_view(BIGGEST_SNOWFLAKE, BIGGEST_SNOWFLAKE, shareable=True)
    ids = [getattr(item, "custom_id", "") for item in view.children]
    assert len(ids) == 6 and all(0 < len(custom_id) <= CUSTOM_ID_LIMIT for custom_id in ids)
    private = card_view(1, 1, shareable=False)
    assert not any("share" in getattr(item, "custom_id", "") for item in private.children)


@pytest.mark.parametrize("name", sorted(ROUTES))
async def test_every_component_id_fits_discord_for_the_largest_ids(name: str) -> None:
    ref = StepRef.for_key(SessionKey.for_guild(BIGGEST_SNOWFLAKE, BIGGEST_SNOWFLAKE), 9_999_999_999)
    for turn in walk(ROUTES[name]):
        if turn.prompt is None:
            continue
        view = prompt_view(turn.prompt, ref)
        for item in view.children:
            custom_id = getattr(item, "custom_id", "")
            assert 0 < len(custom_id) <= CUSTOM_ID_LIMIT, custom_id
        assert len(view.children) <= 25
        labels = [getattr(getattr(item, "item", item), "label", None) for item in view.children]
        assert all(label is None or 0 < len(label) <= 80 for label in labels)
        assert any(labels)  # buttons carry labels (a menu alone has none)
    latest = 999_999_999_999  # the largest issue time a custom_id holds (the year 33658)
    confirmations = [forget_view(BIGGEST_SNOWFLAKE, latest, "f" * 10)] + [
        confirm_step_view(what, ref, latest) for what in ("cancel", "restart")
    ]
    for view in confirmations:
        assert all(0 < len(item.custom_id) <= CUSTOM_ID_LIMIT for item in view.children)  # type: ignore[attr-defined]


def test_step_refs_round_trip_through_the_key() -> None:
    for key in (SessionKey.for_guild(5, 77), SessionKey.for_dm(5)):
        ref = StepRef.for_key(key, 3)
        assert ref.key == key


def test_the_chart_is_drawn_for_a_phone_with_a_row_per_factor() -> None:
    result = result_of(ROUTES["saas"])
    image = Image.open(io.BytesIO(factor_chart_png(result)))
    assert image.format == "PNG"
    # Twice the 400 px Discord gives an image on a desktop; on a phone's 300 px its text
    # is still 12 px or more (bot/chart.py).
    assert image.width == 800 and chart.SMALL_SIZE * 300 / image.width >= 12
    assert image.height >= chart.ROW * len(result.factors)


def test_french_labels_on_the_chart_are_drawn_with_their_accents() -> None:
    # Pillow's bundled font draws "û" as the same empty box as any glyph it lacks.
    font = chart.typeface(chart.TEXT_SIZE)
    missing = font.getmask("\uffff").getbbox()
    for letter in "ûéèàç":
        assert font.getmask(letter).getbbox() != missing, letter


def test_member_text_echoed_in_an_error_is_markdown_escaped() -> None:
    start = ENGINE.start()
    rejected = ENGINE.answer(start.session, "**bold** @everyone")
    assert rejected.prompt is not None and rejected.error is not None
    embed = embeds.prompt_embed(rejected.prompt, error=rejected.error)
    error_field = next(field for field in embed.fields if field.name == "That answer did not work")
    assert "\\*\\*bold\\*\\*" in (error_field.value or "")


def test_token_is_checked_and_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(TokenProblem, match="not set"):
        checked_token(Settings(discord_token=None))
    with pytest.raises(TokenProblem, match="does not look like a bot token"):
        checked_token(Settings(discord_token=SecretStr("hunter2")))
    assert checked_token(Settings(discord_token=SecretStr(f"  {FAKE_TOKEN} "))) == FAKE_TOKEN
    assert FAKE_TOKEN not in repr(Settings(discord_token=SecretStr(FAKE_TOKEN)))

    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactToken(FAKE_TOKEN))
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("connecting with %s", FAKE_TOKEN)
    assert FAKE_TOKEN not in caplog.text
    assert "[token]" in caplog.text


@pytest.mark.parametrize(
    ("token", "message"),
    [("", "DISCORD_TOKEN is not set"), ("not-a-token", "does not look like a bot token")],
)
def test_run_without_a_usable_token_is_one_line(tmp_path: Path, token: str, message: str) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISCORD_TOKEN", "DATABASE_PATH", "DATABASE_URL")
    }
    env.update(DISCORD_TOKEN=token, DATABASE_PATH=str(tmp_path / "x.db"))
    done = subprocess.run(
        [sys.executable, "-m", "cli", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert "Traceback" not in done.stderr
    assert discord.__version__  # the adapter's dependency is importable where the bot runs


def test_cancel_on_a_step_is_a_quiet_last_button() -> None:
    start = ENGINE.start()
    assert start.prompt is not None
    view = prompt_view(start.prompt, StepRef.for_key(SessionKey.for_dm(1), 1))
    buttons = [getattr(item, "item", item) for item in view.children]
    assert buttons[-1].label == "Cancel" and buttons[-1].style is discord.ButtonStyle.secondary


def test_prompt_buttons_follow_the_language() -> None:
    start = ENGINE.start()
    assert start.prompt is not None
    ref = StepRef.for_key(SessionKey.for_dm(1), 1)
    view = prompt_view(start.prompt, ref, "fr")
    labels = {getattr(getattr(item, "item", item), "label", None) for item in view.children}
    assert {"Aide", "Annuler"} <= labels


def test_an_answer_reopened_reads_several_chosen_options_apart() -> None:
    engine = DialogEngine()
    session = engine.start().session
    for answer in ("2", "8", "2", "yes", "1,3"):
        turn = engine.answer(session, answer)
        assert turn.kind is not TurnKind.REJECTED, turn.error
        session = turn.session
    reopened = engine.edit(session, "income").prompt
    assert reopened is not None
    fields = {field.name: field.value for field in embeds.prompt_embed(reopened).fields}
    # Labels hold commas of their own, so each is quoted.
    assert (
        fields["Your answer so far"]
        == "“Once, for a ready-made thing” and “By the hour or quoted per project”"
    )


@pytest.mark.parametrize(
    ("lang", "hybrid", "term"),
    [("en", "exercise bike", "Service level"), ("fr", "vélo", "Niveau de service")],
)
def test_help_explains_the_three_kinds_with_the_articles_examples_and_the_terms(
    lang: str, hybrid: str, term: str
) -> None:
    embed = embeds.help_embed(lang, 15)
    fields = [field.value or "" for field in embed.fields]
    kinds = next(value for value in fields if "SaaS" in value)
    assert hybrid in kinds and kinds.count("**") == 6  # product, service and hybrid, each named
    terms = next(value for value in fields if value.startswith("**ITIL 4**"))
    assert term in terms
    assert len(embed) <= embeds.EMBED_TOTAL_LIMIT and all(len(value) <= 1024 for value in fields)


def test_the_staff_chart_has_a_row_per_recent_week_and_reads_on_a_phone() -> None:
    weeks = [(f"2026-{month:02d}-01", {"digital_product": month}) for month in range(1, 13)]
    weeks += [("2026-12-07", {"hybrid": 2}), ("2026-12-14", {"digital_service": 1})]
    image = Image.open(io.BytesIO(chart.verdict_mix_png(weeks, "Verdicts per week", "en")))
    assert image.width == chart.WIDTH
    # Only the latest twelve weeks, one row each.
    assert image.height == 150 + chart.MIX_ROW * chart.MIX_WEEKS + chart.MARGIN
    empty = Image.open(io.BytesIO(chart.verdict_mix_png([], "Verdicts per week", "fr")))
    assert empty.width == chart.WIDTH
