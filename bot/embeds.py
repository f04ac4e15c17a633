"""Discord embeds for prompts, results, quick checks and help, within Discord's limits.

Member text shown back (answers, descriptions) is markdown-escaped; mentions in it
cannot ping because the whole bot sends with ``AllowedMentions.none()``.
"""

from __future__ import annotations

import discord

from advisor.presentation import factor_lines, progress_bar
from dialogs import wording
from dialogs.bank import StepKind
from dialogs.engine import Prompt
from dialogs.messages import Msg, Percent, Quoted, chosen, percent, render, text
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


def result_embed(
    result: Classification, *, owner_name: str | None = None, with_chart: bool = True, lang: str = "en"
) -> discord.Embed:
    """A result in ``lang``, worded from its ids."""
    result = wording.localize_result(result, lang)
    headline = render(wording.verdict_title(result.verdict, result.hybrid_shape), lang)
    title = headline if owner_name is None else f"{owner_name}: {headline}"
    confidence = text("discord.confidence", lang, value=Percent(result.confidence))
    description = f"**{confidence}** {result.summary}"
    if result.subtype:
        description += "\n" + text("discord.kind", lang, family=result.subtype)
    embed = discord.Embed(
        title=clip(title, TITLE_LIMIT),
        description=clip(description, DESCRIPTION_LIMIT),
        colour=COLOURS[result.verdict],
    )
    lines = factor_lines(result, lang, "discord.factor_line")
    _add_lines_as_fields(embed, text("discord.what_drove_it", lang), lines, lang)
    owner = render(wording.owner_title(result.itil.cost_and_risk_owner), lang)
    relationship = render(wording.relationship_title(result.itil.relationship), lang)
    embed.add_field(
        name=text("discord.itil", lang),
        value=clip(
            f"**{text('discord.costs_and_risks', lang)}** {owner} ({relationship}). {result.itil.text}",
            FIELD_VALUE_LIMIT,
        ),
        inline=False,
    )
    steps = [
        f"**{number}. {step.title}** ({render(wording.factor_title(step.factor), lang)}) {step.detail}"
        + (f"\n*{step.why}*" if step.why else "")
        for number, step in enumerate(result.roadmap, start=1)
    ]
    _add_lines_as_fields(embed, text("discord.roadmap", lang), steps, lang)
    if with_chart:
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
    embed.set_footer(text=text("discord.result_footer", lang))
    return _fit(embed)


def _add_lines_as_fields(embed: discord.Embed, name: str, lines: list[str], lang: str = "en") -> None:
    """Pack lines into as few fields as fit 1,024 characters each."""
    chunk: list[str] = []
    part = 0
    for raw_line in lines:
        line = clip(raw_line, FIELD_VALUE_LIMIT)
        if chunk and len("\n".join([*chunk, line])) > FIELD_VALUE_LIMIT:
            embed.add_field(
                name=name if part == 0 else text("discord.continued", lang, name=name),
                value="\n".join(chunk),
                inline=False,
            )
            chunk, part = [], part + 1
        chunk.append(line)
    if chunk:
        embed.add_field(
            name=name if part == 0 else text("discord.continued", lang, name=name),
            value="\n".join(chunk),
            inline=False,
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
    commands = text("discord.help_commands", lang)
    embed.add_field(name=text("discord.help_commands_title", lang), inline=False, value=commands)
    embed.add_field(
        name=text("discord.help_data_title", lang), inline=False, value=text("discord.help_data", lang)
    )
    return embed


def history_embed(lines: list[str], lang: str = "en") -> discord.Embed:
    embed = discord.Embed(title=text("discord.history_title", lang), colour=discord.Colour.blurple())
    embed.description = (
        clip("\n".join(lines), DESCRIPTION_LIMIT) if lines else text("discord.history_empty", lang)
    )
    return embed
