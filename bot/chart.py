"""The factor chart attached to a result: one diverging bar per factor, drawn in-process.

Bars run left for product evidence and right for service evidence, so a member sees at
a glance which factors pull which way. Pillow draws it; nothing is fetched.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from dialogs import wording
from dialogs.messages import Percent, render, text
from dialogs.verdict import Classification

WIDTH = 760
ROW = 34
TOP = 56
LABEL_WIDTH = 250
PRODUCT_COLOUR = (88, 101, 242)  # Discord blurple
SERVICE_COLOUR = (235, 69, 158)
NEUTRAL_COLOUR = (150, 150, 150)
BACKGROUND = (255, 255, 255)
INK = (35, 39, 42)
GRID = (220, 222, 225)


def factor_chart_png(result: Classification, lang: str = "en") -> bytes:
    height = TOP + ROW * len(result.factors) + 24
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    small = ImageFont.load_default(size=13)
    axis_left, axis_right = LABEL_WIDTH + 10, WIDTH - 20
    centre = (axis_left + axis_right) // 2
    half = (axis_right - axis_left) // 2

    headline = wording.verdict_title(result.verdict, result.hybrid_shape)
    title = text("discord.chart_headline", lang, headline=headline, confidence=Percent(result.confidence))
    draw.text((16, 14), title, fill=INK, font=font)
    draw.text((axis_left, 36), text("discord.chart_product", lang), fill=PRODUCT_COLOUR, font=small)
    service = text("discord.chart_service", lang)
    draw.text(
        (axis_right - draw.textlength(service, font=small), 36), service, fill=SERVICE_COLOUR, font=small
    )
    draw.line([(centre, TOP - 4), (centre, height - 16)], fill=GRID, width=2)

    for row, reading in enumerate(result.factors):
        y = TOP + row * ROW
        draw.text((16, y + 8), render(wording.factor_title(reading.factor), lang), fill=INK, font=small)
        length = round(abs(reading.lean) * half)
        if reading.reading == "unknown":
            draw.text(
                (centre + 6, y + 8), text("discord.chart_not_asked", lang), fill=NEUTRAL_COLOUR, font=small
            )
            continue
        colour = PRODUCT_COLOUR if reading.lean < 0 else SERVICE_COLOUR
        if length < 3:
            # An even reading still gets a visible mark on the centre line.
            draw.rectangle([(centre - 3, y + 6), (centre + 3, y + ROW - 6)], fill=NEUTRAL_COLOUR)
            continue
        left = centre - length if reading.lean < 0 else centre
        draw.rectangle([(left, y + 6), (left + length, y + ROW - 6)], fill=colour)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


VERDICT_COLOURS = {
    "digital_product": PRODUCT_COLOUR,
    "digital_service": SERVICE_COLOUR,
    "hybrid": (254, 231, 92),
}
VERDICT_NAMES = {
    "digital_product": "staff.chart_product",
    "digital_service": "staff.chart_service",
    "hybrid": "staff.chart_hybrid",
}


def verdict_mix_png(weekly: list[tuple[str, dict[str, int]]], title: str, lang: str = "en") -> bytes:
    """Stacked bars of verdicts per week: what the server's members sell, over time."""
    width, height, left, bottom, top = 760, 340, 60, 50, 60
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    small = ImageFont.load_default(size=12)
    draw.text((16, 14), title, fill=INK, font=font)
    legend_x = 16
    for verdict, colour in VERDICT_COLOURS.items():
        draw.rectangle([(legend_x, 38), (legend_x + 12, 50)], fill=colour)
        draw.text((legend_x + 16, 37), text(VERDICT_NAMES[verdict], lang), fill=INK, font=small)
        legend_x += 90
    plot_height = height - top - bottom
    draw.line([(left, height - bottom), (width - 16, height - bottom)], fill=GRID, width=2)
    if not weekly:
        draw.text((left + 10, top + plot_height // 2), text("staff.chart_empty", lang), fill=INK, font=font)
    else:
        tallest = max(sum(counts.values()) for _, counts in weekly) or 1
        slot = (width - 16 - left) / len(weekly)
        bar = max(6, min(60, int(slot * 0.7)))
        for index, (week, counts) in enumerate(weekly):
            x = int(left + slot * index + (slot - bar) / 2)
            y = height - bottom
            for verdict, colour in VERDICT_COLOURS.items():
                count = counts.get(verdict, 0)
                if not count:
                    continue
                size = round(plot_height * count / tallest)
                draw.rectangle([(x, y - size), (x + bar, y)], fill=colour)
                y -= size
            draw.text((x, height - bottom + 6), week[5:], fill=INK, font=small)
            draw.text((x, y - 16), str(sum(counts.values())), fill=INK, font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
