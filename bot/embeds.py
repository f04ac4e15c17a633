"""Discord embeds for prompts, results, quick checks and help, within Discord's limits.

Member text shown back (answers, descriptions) is markdown-escaped; mentions in it
cannot ping because the whole bot sends with ``AllowedMentions.none()``.
"""

from __future__ import annotations

import discord

from advisor.card import ResultCard
from advisor.presentation import factor_lines, progress_bar
from dialogs import wording
from dialogs.bank import StepKind
from dialogs.engine import Prompt
from dialogs.messages import Msg, Quoted, chosen, percent, render, text
from dialogs.quickcheck import QuickCheck
from dialogs.verdict import Classification, Verdict

# Discord's embed limits (developer docs, "Embed Limits").
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

COLOURS = {
    Verdict.DIGITAL_PRODUCT: discord.Colour.blurple(),
    Verdict.DIGITAL_SERVICE: discord.Colour.fuchsia(),
    Verdict.HYBRID: discord.Colour.gold(),
    Verdict.UNCLEAR: discord.Colour.light_grey(),
}
CHART_FILENAME = "factors.png"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str) -> str:
    """Member text, shown as typed: markdown escaped so it cannot restyle the message."""
    return discord.utils.escape_markdown(text)


def prompt_embed(
    prompt: Prompt,
    *,
    error: Msg | None = None,
    explanation: Msg | None = None,
    note: str | None = None,
    lang: str = "en",
) -> discord.Embed:
    """One step of the interview; ``prompt`` arrives already in the member's language."""
    optional = text("discord.optional", lang) if prompt.optional else ""
    embed = discord.Embed(
        title=clip(prompt.text + optional, TITLE_LIMIT),
        description=clip(prompt.help, DESCRIPTION_LIMIT),
        colour=discord.Colour.blurple(),
    )
    if note:
        embed.add_field(name="\u200b", value=clip(note, FIELD_VALUE_LIMIT), inline=False)
    if error:
        embed.add_field(
            name=text("discord.answer_failed", lang),
            value=clip(safe(render(error, lang)), FIELD_VALUE_LIMIT),
            inline=False,
        )
    if explanation:
        embed.add_field(
            name=text("discord.explain", lang),
            value=clip(render(explanation, lang), FIELD_VALUE_LIMIT),
            inline=False,
        )
    if prompt.current_answer is not None and not prompt.current_answer.skipped:
        current = prompt.current_answer.text or chosen(
            [option.label for option in prompt.options if option.id in prompt.current_answer.options], lang
        )
        embed.add_field(
            name=text("discord.so_far", lang), value=clip(safe(current), FIELD_VALUE_LIMIT), inline=False
        )
    bar = progress_bar(prompt.position, prompt.total)
    hint_key = {StepKind.TEXT: "discord.press_type", StepKind.MULTI: "discord.pick_many"}.get(
        prompt.kind, "discord.pick_one"
    )
    hint = text(hint_key, lang)
    step = text("discord.step_of", lang, position=prompt.position, total=prompt.total)
    embed.set_footer(text=clip(f"{step}  {bar}\n{hint}", FOOTER_LIMIT))
    return embed


def card_embed(card: ResultCard, *, lang: str, owner_name: str | None = None) -> discord.Embed:
    """The result a member reads first: verdict, how sure, three reasons, the first step.
    ``owner_name`` heads the public card a member shares."""
    title = card.headline if owner_name is None else f"{owner_name}: {card.headline}"
    sure = f"**{card.confidence}**" + (f" · {card.kind}" if card.kind else "")
    embed = discord.Embed(
        title=clip(title, TITLE_LIMIT),
        description=clip(f"{sure}\n{card.gist}", DESCRIPTION_LIMIT),
        colour=COLOURS[card.verdict],
    )
    reasons = [
        "• " + text("discord.factor_line", lang, factor=reason.title, leans=reason.leans, why=reason.line)
        for reason in card.reasons
    ]
    embed.add_field(
        name=text("discord.card_why", lang), value=clip("\n".join(reasons), FIELD_VALUE_LIMIT), inline=False
    )
    step = card.first_step
    heading = (
        text("discord.card_first_step", lang, count=card.steps)
        if card.step_number == 1
        else text("discord.card_next_step", lang, number=card.step_number, count=card.steps)
    )
    embed.add_field(
        name=heading,
        value=clip(f"**{step.title}**\n{step.detail}", FIELD_VALUE_LIMIT),
        inline=False,
    )
    embed.set_footer(text=text("discord.card_footer", lang))
    return embed


def reasons_embed(result: Classification, lang: str) -> discord.Embed:
    """Every factor an answer spoke to, with what the member said."""
    lines = factor_lines(wording.localize_result(result, lang), lang, "discord.factor_line")
    return _listing(text("discord.reasons_title", lang), lines, result.verdict)


def _listing(title: str, blocks: list[str], verdict: Verdict) -> discord.Embed:
    """Paragraphs one under another, in one description: one scroll on a phone."""
    return discord.Embed(
        title=title, description=clip("\n\n".join(blocks), DESCRIPTION_LIMIT), colour=COLOURS[verdict]
    )


def itil_embed(result: Classification, lang: str) -> discord.Embed:
    """The ITIL 4 reading, introduced in plain words for a member who never met ITIL."""
    localized = wording.localize_result(result, lang)
    owner = render(wording.owner_title(result.itil.cost_and_risk_owner), lang)
    # The meaning names the relationship itself ("One-directional: …"), so it is said once.
    meaning = text(f"itil.meaning.{result.itil.relationship}", lang)
    embed = discord.Embed(
        title=text("discord.itil", lang),
        description=clip(text("itil.intro", lang), DESCRIPTION_LIMIT),
        colour=COLOURS[result.verdict],
    )
    embed.add_field(
        name=text("discord.costs_and_risks", lang),
        value=clip(f"**{owner}**. {meaning}", FIELD_VALUE_LIMIT),
        inline=False,
    )
    embed.add_field(
        name=text("discord.itil_for_you", lang),
        value=clip(localized.itil.text, FIELD_VALUE_LIMIT),
        inline=False,
    )
    return embed


def chart_embed(result: Classification, lang: str) -> discord.Embed:
    """The factor chart, with a line saying how to read it."""
    embed = discord.Embed(
        title=text("discord.chart_title", lang),
        description=text("discord.chart_caption", lang),
        colour=COLOURS[result.verdict],
    )
    embed.set_image(url=f"attachment://{CHART_FILENAME}")
    return embed


def quick_check_embed(check: QuickCheck, lang: str = "en") -> discord.Embed:
    """A quick check in ``lang``; the phrases it quotes stay as the member wrote them."""
    check = wording.localize_quick_check(check, lang)
    embed = discord.Embed(
        title=render(wording.verdict_title(check.verdict, check.hybrid_shape), lang),
        colour=COLOURS[check.verdict],
        description=clip(safe(check.explanation), DESCRIPTION_LIMIT),
    )
    if check.verdict is not Verdict.UNCLEAR:
        embed.add_field(name=text("discord.quick_confidence", lang), value=percent(check.confidence, lang))
    # A phrase inside a longer one that says the same ("ateliers" in "avec des ateliers")
    # is one finding, listed once.
    signals = [
        signal
        for signal in check.signals
        if not any(
            other.phrase != signal.phrase and signal.phrase in other.phrase and other.leans is signal.leans
            for other in check.signals
        )
    ]
    if signals:
        phrases = "\n".join(
            text(
                "discord.quick_phrase",
                lang,
                phrase=Quoted((safe(signal.phrase),)),
                leans=wording.reading_title(signal.leans.value),
                factor=wording.factor_title(signal.factor),
            )
            for signal in signals[:12]
        )
        embed.add_field(
            name=text("discord.quick_phrases", lang), value=clip(phrases, FIELD_VALUE_LIMIT), inline=False
        )
    embed.set_footer(text=text("discord.quick_footer", lang))
    return embed


def help_embed(lang: str, questions: int) -> discord.Embed:
    """What the bot does; ``questions`` is the longest interview, as the counter shows it."""
    embed = discord.Embed(
        title=text("discord.help_title", lang),
        colour=discord.Colour.blurple(),
        description=text("discord.help_intro", lang),
    )
    how = text("discord.help_how", lang, count=questions)
    embed.add_field(name=text("discord.help_how_title", lang), inline=False, value=how)
    embed.add_field(
        name=text("discord.help_kinds_title", lang), inline=False, value=text("discord.help_kinds", lang)
    )
    embed.add_field(
        name=text("discord.help_terms_title", lang), inline=False, value=text("discord.help_terms", lang)
    )
    commands = text("discord.help_commands", lang)
    embed.add_field(name=text("discord.help_commands_title", lang), inline=False, value=commands)
    embed.add_field(
        name=text("discord.help_data_title", lang), inline=False, value=text("discord.help_data", lang)
    )
    return embed


def history_embed(lines: list[str], lang: str = "en", *, changed: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=text("discord.history_title", lang), colour=discord.Colour.blurple())
    embed.description = (
        clip("\n".join(lines), DESCRIPTION_LIMIT) if lines else text("discord.history_empty", lang)
    )
    if changed:
        embed.add_field(name=text("discord.history_changed", lang), value=clip(changed, FIELD_VALUE_LIMIT))
    return embed
