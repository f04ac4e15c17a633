"""What staff see: the summary embed, the drop-off CSV and the weekly digest content.

Only counts leave this module: no answer, description or member name is read here.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from functools import cache

import discord

from bot.chart import verdict_mix_png
from bot.embeds import FIELD_VALUE_LIMIT, clip
from dialogs import wording
from dialogs.bank import default_bank
from dialogs.engine import DialogEngine
from dialogs.messages import Msg, Param, Percent, msg, render, text
from dialogs.verdict import HybridShape, Verdict
from storage.reports import ScopeReport

SUMMARY_CHART = "verdict-mix.png"
PERIODS: dict[str, timedelta | None] = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "all": None,
}
# The digest's span, in the catalogs as staff.period.week.
WEEK = "week"


def period_name(period: str) -> Msg:
    """How a summary names its span: "the last 30 days", "all time"."""
    return msg(f"staff.period.{period}")


def since_for(period: str, now: datetime) -> datetime | None:
    span = PERIODS[period]
    return None if span is None else now - span


def verdict_label(key: str) -> Msg:
    verdict, _, shape = key.partition(":")
    title = wording.verdict_title(Verdict(verdict))
    if not shape:
        return title
    return msg("staff.verdict_with_shape", verdict=title, shape=wording.shape_title(HybridShape(shape)))


@cache
def _engine() -> DialogEngine:
    """The bank's engine, built once: it numbers the steps as the interview shows them."""
    return DialogEngine()


def step_order(lang: str) -> dict[str, tuple[int, str]]:
    """Each question's number, as members see it on the question, and its text in ``lang``."""
    engine = _engine()
    return {
        step.id: (
            engine.shown_position(step.id),
            render(msg(f"bank.{step.id}.prompt", fallback=step.prompt), lang),
        )
        for step in default_bank().steps
    }


def _signed(change: int) -> str:
    """A change in a count, signed as a reader expects it: +2, −1, ±0."""
    return f"+{change}" if change > 0 else f"−{-change}" if change < 0 else "±0"


def reach_line(report: ScopeReport, lang: str) -> str:
    """Members, how many finished of those who ended, how long a finish takes, and how
    often the quick check was used."""
    rate = report.completion_rate
    parts = [text("staff.members", lang, count=report.members)]
    if rate is not None:
        parts.append(text("staff.completion_rate", lang, rate=Percent(rate)))
    if report.median_finish is not None:
        minutes = max(1, round(report.median_finish.total_seconds() / 60))
        parts.append(text("staff.median_finish", lang, count=minutes))
    parts.append(text("staff.quick_checks", lang, count=report.quick_checks))
    return " · ".join(parts)


def summary_embed(
    report: ScopeReport, period: Msg, lang: str, *, previous: ScopeReport | None = None
) -> discord.Embed:
    """The server's counts over ``period``; with ``previous`` (the same span just before),
    how the counts moved."""

    def say(key: str, **params: Param) -> str:
        return text(key, lang, **params)

    embed = discord.Embed(title=say("staff.summary_title", period=period), colour=discord.Colour.blurple())
    embed.add_field(
        name=say("staff.interviews"),
        inline=False,
        value=say(
            "staff.interview_counts",
            started=report.started,
            completed=report.completed,
            abandoned=report.abandoned,
            cancelled=report.cancelled,
            expired=report.expired,
            in_progress=report.in_progress,
        )
        + "\n"
        + reach_line(report, lang)
        + (
            "\n"
            + say(
                "staff.against_previous",
                started=_signed(report.started - previous.started),
                completed=_signed(report.completed - previous.completed),
            )
            if previous is not None
            else ""
        ),
    )
    verdicts = "\n".join(
        say("staff.count_line", name=verdict_label(key), count=count)
        for key, count in sorted(report.verdicts.items(), key=lambda i: -i[1])
    )
    embed.add_field(
        name=say("staff.what_members_sell"), value=verdicts or say("staff.no_completed"), inline=False
    )
    kinds = "\n".join(
        say("staff.count_line", name=wording.family_name(kind), count=count)
        for kind, count in report.kinds[:5]
    )
    embed.add_field(name=say("staff.kinds"), value=kinds or say("staff.no_completed"), inline=False)
    first_steps = "\n".join(
        say("staff.count_line", name=msg(f"roadmap.{step_id}.title", fallback=title), count=count)
        for step_id, title, count in report.first_steps[:5]
    )
    embed.add_field(
        name=say("staff.first_steps"),
        value=clip(first_steps or say("staff.none_yet"), FIELD_VALUE_LIMIT),
        inline=False,
    )
    embed.add_field(name=say("staff.roadmaps"), value=roadmap_progress(report, lang), inline=False)
    order = step_order(lang)
    worst = sorted((step for step in report.dropoff if step.left_here), key=lambda s: -s.left_here)[:5]
    lines = []
    for step in worst:
        number, prompt = order.get(step.step_id, (0, step.step_id))
        lines.append(
            say(
                "staff.dropoff_line",
                number=number,
                question=prompt,
                reached=step.reached,
                left=step.left_here,
            )
        )
    dropoff = "\n".join(lines)
    embed.add_field(
        name=say("staff.where_members_stop"),
        value=clip(dropoff or say("staff.nobody_stopped"), FIELD_VALUE_LIMIT),
        inline=False,
    )
    embed.set_image(url=f"attachment://{SUMMARY_CHART}")
    embed.set_footer(text=say("staff.counts_only"))
    return embed


def roadmap_progress(report: ScopeReport, lang: str) -> str:
    """How far members got with their roadmaps: how many have one, how many did a step,
    and the steps done and skipped most (three each), in members, never named."""
    if not report.roadmaps:
        return text("staff.none_yet", lang)
    lines = [text("staff.roadmaps_line", lang, count=report.roadmaps, begun=report.roadmaps_begun)]
    for heading, steps in (
        ("staff.steps_done", report.steps_done),
        ("staff.steps_skipped", report.steps_skipped),
    ):
        if steps:
            named = [
                text(
                    "staff.step_count",
                    lang,
                    title=msg(f"roadmap.{step_id}.title", fallback=step_id),
                    count=count,
                )
                for step_id, count in steps[:3]
            ]
            lines.append(f"**{text(heading, lang)}**: " + "; ".join(named))
    return clip("\n".join(lines), FIELD_VALUE_LIMIT)


def summary_chart(report: ScopeReport, period: Msg, lang: str) -> discord.File:
    png = verdict_mix_png(report.weekly_verdicts, text("staff.chart_title", lang, period=period), lang)
    return discord.File(io.BytesIO(png), filename=SUMMARY_CHART)


def dropoff_csv(report: ScopeReport, lang: str) -> bytes:
    """One row per question, its text in ``lang``; the column names stay as they are, for tools."""
    order = step_order(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["step_number", "step_id", "question", "reached", "left_here"])
    counted = {step.step_id: step for step in report.dropoff}
    for step_id, (number, prompt) in sorted(order.items(), key=lambda item: item[1][0]):
        step = counted.get(step_id)
        writer.writerow([number, step_id, prompt, step.reached if step else 0, step.left_here if step else 0])
    return buffer.getvalue().encode("utf-8")
