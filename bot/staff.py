"""What staff see: the summary embed, the drop-off CSV and the weekly digest content.

Only counts leave this module: no answer, description or member name is read here.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import discord

from bot.chart import verdict_mix_png
from bot.embeds import FIELD_VALUE_LIMIT, clip
from dialogs.bank import default_bank
from dialogs.verdict import SHAPE_TITLES, VERDICT_TITLES, HybridShape, Verdict
from storage.reports import ScopeReport

SUMMARY_CHART = "verdict-mix.png"
PERIODS: dict[str, timedelta | None] = {
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "all": None,
}
PERIOD_NAMES = {
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
    "all": "all time",
}


def since_for(period: str, now: datetime) -> datetime | None:
    span = PERIODS[period]
    return None if span is None else now - span


def verdict_label(key: str) -> str:
    verdict, _, shape = key.partition(":")
    title = VERDICT_TITLES[Verdict(verdict)]
    return f"{title} ({SHAPE_TITLES[HybridShape(shape)]})" if shape else title


def step_order() -> dict[str, tuple[int, str]]:
    return {step.id: (number, step.prompt) for number, step in enumerate(default_bank().steps, start=1)}


def summary_embed(report: ScopeReport, period_name: str) -> discord.Embed:
    embed = discord.Embed(title=f"Offering Advisor: {period_name}", colour=discord.Colour.blurple())
    embed.add_field(
        name="Interviews",
        inline=False,
        value=(
            f"**{report.started}** started · **{report.completed}** completed · "
            f"**{report.abandoned}** abandoned ({report.cancelled} cancelled, {report.expired} went quiet) · "
            f"{report.in_progress} in progress"
        ),
    )
    verdicts = "\n".join(
        f"{verdict_label(key)}: **{count}**"
        for key, count in sorted(report.verdicts.items(), key=lambda i: -i[1])
    )
    embed.add_field(name="What members sell", value=verdicts or "No completed interviews yet.", inline=False)
    first_steps = "\n".join(f"{title}: **{count}**" for _, title, count in report.first_steps[:5])
    embed.add_field(
        name="Most common first steps",
        value=clip(first_steps or "None yet.", FIELD_VALUE_LIMIT),
        inline=False,
    )
    order = step_order()
    worst = sorted((step for step in report.dropoff if step.left_here), key=lambda s: -s.left_here)[:5]
    lines = []
    for step in worst:
        number, prompt = order.get(step.step_id, (0, step.step_id))
        lines.append(f"Step {number}, {clip(prompt, 60)}: reached {step.reached}, left here {step.left_here}")
    dropoff = "\n".join(lines)
    embed.add_field(
        name="Where members stop",
        value=clip(dropoff or "Nobody has stopped halfway.", FIELD_VALUE_LIMIT),
        inline=False,
    )
    embed.set_image(url=f"attachment://{SUMMARY_CHART}")
    embed.set_footer(text="Counts only: members' answers stay private unless they share a result.")
    return embed


def summary_chart(report: ScopeReport, period_name: str) -> discord.File:
    png = verdict_mix_png(report.weekly_verdicts, f"Verdicts per week, {period_name}")
    return discord.File(io.BytesIO(png), filename=SUMMARY_CHART)


def dropoff_csv(report: ScopeReport) -> bytes:
    order = step_order()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["step_number", "step_id", "question", "reached", "left_here"])
    counted = {step.step_id: step for step in report.dropoff}
    for step_id, (number, prompt) in sorted(order.items(), key=lambda item: item[1][0]):
        step = counted.get(step_id)
        writer.writerow([number, step_id, prompt, step.reached if step else 0, step.left_here if step else 0])
    return buffer.getvalue().encode("utf-8")
