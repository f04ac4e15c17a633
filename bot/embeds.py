"""Discord embeds for prompts, results, quick checks and help, within Discord's limits.

Member text shown back (answers, descriptions) is markdown-escaped; mentions in it
cannot ping because the whole bot sends with ``AllowedMentions.none()``.
"""

from __future__ import annotations

import discord

from advisor.presentation import progress_bar
from bot.ui_text import ui
from dialogs import i18n
from dialogs.bank import StepKind
from dialogs.engine import Prompt
from dialogs.factors import FACTOR_TITLES
from dialogs.quickcheck import QuickCheck
from dialogs.verdict import SHAPE_TITLES, VERDICT_TITLES, Classification, Verdict

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
    error: str | None = None,
    explanation: str | None = None,
    note: str | None = None,
    lang: str = "en",
) -> discord.Embed:
    """One step of the interview; ``prompt`` arrives already in the member's language."""
    optional = ui("optional", lang) if prompt.optional else ""
    embed = discord.Embed(
        title=clip(prompt.text + optional, TITLE_LIMIT),
        description=clip(prompt.help, DESCRIPTION_LIMIT),
        colour=discord.Colour.blurple(),
    )
    if note:
        embed.add_field(name="\u200b", value=clip(note, FIELD_VALUE_LIMIT), inline=False)
    if error:
        embed.add_field(
            name=ui("answer_failed", lang), value=clip(safe(error), FIELD_VALUE_LIMIT), inline=False
        )
    if explanation:
        embed.add_field(name=ui("explain", lang), value=clip(explanation, FIELD_VALUE_LIMIT), inline=False)
    if prompt.current_answer is not None and not prompt.current_answer.skipped:
        current = prompt.current_answer.text or ", ".join(
            option.label for option in prompt.options if option.id in prompt.current_answer.options
        )
        embed.add_field(name=ui("so_far", lang), value=clip(safe(current), FIELD_VALUE_LIMIT), inline=False)
    bar = progress_bar(prompt.position, prompt.total)
    hint = {StepKind.TEXT: ui("press_type", lang), StepKind.MULTI: ui("pick_many", lang)}.get(
        prompt.kind, ui("pick_one", lang)
    )
    step = ui("step_of", lang, position=prompt.position, total=prompt.total)
    embed.set_footer(text=clip(f"{step}  {bar}\n{hint}", FOOTER_LIMIT))
    return embed


def result_embed(
    result: Classification, *, owner_name: str | None = None, with_chart: bool = True, lang: str = "en"
) -> discord.Embed:
    """A result, translated into ``lang`` where a translation exists."""
    result = i18n.localize_result(result, lang)
    headline = i18n.verdict_title(result.verdict, result.hybrid_shape, lang)
    title = headline if owner_name is None else f"{owner_name}: {headline}"
    description = f"**{ui('confidence', lang, value=f'{result.confidence:.0%}')}** {result.summary}"
    if result.subtype:
        description += "\n" + ui("kind", lang, family=result.subtype)
    embed = discord.Embed(
        title=clip(title, TITLE_LIMIT),
        description=clip(description, DESCRIPTION_LIMIT),
        colour=COLOURS[result.verdict],
    )
    factor_lines = [
        f"**{reading.title}** ({i18n.reading_title(reading.reading, lang)}): {reading.why}"
        for reading in result.factors
    ]
    _add_lines_as_fields(embed, ui("what_drove_it", lang), factor_lines, lang)
    owner = i18n.owner_title(result.itil.cost_and_risk_owner, lang)
    relationship = i18n.relationship_title(result.itil.relationship, lang)
    embed.add_field(
        name=ui("itil", lang),
        value=clip(
            f"**{ui('costs_and_risks', lang)}** {owner} ({relationship}). {result.itil.text}",
            FIELD_VALUE_LIMIT,
        ),
        inline=False,
    )
    steps = [
        f"**{number}. {step.title}** ({i18n.factor_title(step.factor, lang)}) {step.detail}"
        for number, step in enumerate(result.roadmap, start=1)
    ]
    _add_lines_as_fields(embed, ui("roadmap", lang), steps, lang)
    if with_chart:
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
    embed.set_footer(text=ui("result_footer", lang))
    return _fit(embed)


def _add_lines_as_fields(embed: discord.Embed, name: str, lines: list[str], lang: str = "en") -> None:
    """Pack lines into as few fields as fit 1,024 characters each."""
    chunk: list[str] = []
    part = 0
    for raw_line in lines:
        line = clip(raw_line, FIELD_VALUE_LIMIT)
        if chunk and len("\n".join([*chunk, line])) > FIELD_VALUE_LIMIT:
            embed.add_field(
                name=name if part == 0 else ui("continued", lang, name=name),
                value="\n".join(chunk),
                inline=False,
            )
            chunk, part = [], part + 1
        chunk.append(line)
    if chunk:
        embed.add_field(
            name=name if part == 0 else ui("continued", lang, name=name), value="\n".join(chunk), inline=False
        )


def _fit(embed: discord.Embed) -> discord.Embed:
    """Shorten the longest field until the embed is within Discord's 6,000 characters."""
    while len(embed) > EMBED_TOTAL_LIMIT:
        index, field = max(enumerate(embed.fields), key=lambda item: len(item[1].value or ""))
        value = field.value or ""
        overflow = len(embed) - EMBED_TOTAL_LIMIT
        embed.set_field_at(
            index,
            name=field.name or "\u200b",
            value=clip(value, max(len(value) - overflow - 1, 20)),
            inline=field.inline,
        )
    return embed


def quick_check_embed(check: QuickCheck) -> discord.Embed:
    title = VERDICT_TITLES[check.verdict]
    if check.hybrid_shape is not None:
        title += f": {SHAPE_TITLES[check.hybrid_shape]}"
    embed = discord.Embed(
        title=title,
        colour=COLOURS[check.verdict],
        description=clip(safe(check.explanation), DESCRIPTION_LIMIT),
    )
    if check.verdict is not Verdict.UNCLEAR:
        embed.add_field(name="Confidence", value=f"{check.confidence:.0%}")
    if check.signals:
        phrases = "\n".join(
            f"“{safe(signal.phrase)}” → {signal.leans.value} ({FACTOR_TITLES[signal.factor]})"
            for signal in check.signals[:12]
        )
        embed.add_field(name="Phrases that drove it", value=clip(phrases, FIELD_VALUE_LIMIT), inline=False)
    embed.set_footer(
        text="A quick check reads one line. The interview asks about effort, income, "
        "customers and what happens after the sale."
    )
    return embed


def help_embed() -> discord.Embed:
    embed = discord.Embed(
        title="Offering Advisor",
        colour=discord.Colour.blurple(),
        description=(
            "Work out what you are really selling: a **digital product** (built once, sold many "
            "times), a **digital service** (expert work you keep doing for each client), or a "
            "**hybrid** of the two."
        ),
    )
    embed.add_field(
        name="How it decides",
        inline=False,
        value=(
            "A dozen questions about nine factors (effort, income, scalability, customization, "
            "engagement, where value comes from, delivery, lifecycle, and who carries costs and "
            "risks after the sale). The last one is ITIL 4's deciding question. You get a verdict, "
            "its confidence, why, and a roadmap of next steps."
        ),
    )
    embed.add_field(
        name="Commands",
        inline=False,
        value=(
            "`/advisor start` the interview (only you see it) · `/advisor check` a one-line quick "
            "check · `/advisor result` and `/advisor history` your results · `/advisor share` post "
            "your latest result here · `/advisor export` and `/advisor forget` your data"
        ),
    )
    embed.add_field(
        name="Your data",
        inline=False,
        value=("Your answers stay private unless you share a result. Export or delete them any time."),
    )
    return embed


def history_embed(lines: list[str]) -> discord.Embed:
    embed = discord.Embed(title="Your results", colour=discord.Colour.blurple())
    embed.description = clip("\n".join(lines), DESCRIPTION_LIMIT) if lines else "No results yet."
    return embed
