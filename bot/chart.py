"""The charts the bot attaches: a result's factors, and a server's verdicts by week.

A result's bars run left for product evidence and right for service evidence, so a
member sees at a glance which factors pull which way. Pillow draws them with a typeface
shipped as a dependency (French needs its accents); nothing is fetched.
"""

from __future__ import annotations

import io
import math
from datetime import date
from functools import cache
from importlib import resources

from babel.dates import format_date
from PIL import Image, ImageDraw, ImageFont

from advisor.card import deciding_factors
from dialogs import wording
from dialogs.messages import Percent, render, text
from dialogs.verdict import Classification

# Discord shows an attached image about 300 px wide on a phone. Drawn 800 px wide, the chart
# is scaled by 0.375 there, so its smallest text (32 px) reads at 12 px; on a desktop,
# where Discord shows it at up to 400 px, it is a sharp 2x image.
WIDTH = 800
MARGIN = 32
TITLE_SIZE = 44
TEXT_SIZE = 34
SMALL_SIZE = 32
TITLE_LINE = 54
ROW = 104
BAR = 34
PRODUCT_COLOUR = (88, 101, 242)  # Discord blurple
SERVICE_COLOUR = (235, 69, 158)
NEUTRAL_COLOUR = (140, 140, 140)
MARK_COLOUR = (240, 178, 50)
BACKGROUND = (255, 255, 255)
INK = (35, 39, 42)
GRID = (210, 212, 215)


# A chart asks for three sizes; reading the font file once per size serves every chart after.
@cache
def typeface(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    face = "SourceSansPro-Semibold.ttf" if bold else "SourceSansPro-Regular.ttf"
    with resources.as_file(resources.files("font_source_sans_pro") / "files" / face) as path:
        return ImageFont.truetype(str(path), size)


def _wrapped(draw: ImageDraw.ImageDraw, words: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``words`` in lines no wider than ``width`` pixels, broken between words."""
    lines: list[str] = []
    for word in words.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _star(draw: ImageDraw.ImageDraw, x: float, y: float, radius: float) -> None:
    """A five-pointed star centred on (x, y), drawn as a shape: the bundled font has no ★."""
    points = []
    for corner in range(10):
        reach = radius if corner % 2 == 0 else radius * 0.45
        angle = math.pi / 2 + corner * math.pi / 5
        points.append((x + reach * math.cos(angle), y - reach * math.sin(angle)))
    draw.polygon(points, fill=MARK_COLOUR)


def factor_chart_png(result: Classification, lang: str = "en") -> bytes:
    """One row per factor: its name (starred where it weighed most), then a bar left for
    product or right for service, as long as the answers lean."""
    title_font = typeface(TITLE_SIZE, bold=True)
    font = typeface(TEXT_SIZE)
    small = typeface(SMALL_SIZE)
    left, right = MARGIN, WIDTH - MARGIN
    centre = WIDTH // 2
    half = centre - MARGIN
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    headline = render(wording.verdict_title(result.verdict, result.hybrid_shape), lang)
    title_lines = _wrapped(measure, headline, title_font, right - left)
    header = 24 + TITLE_LINE * len(title_lines) + 110
    height = header + ROW * len(result.factors) + MARGIN

    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = 24
    for line in title_lines:
        draw.text((left, y), line, fill=INK, font=title_font)
        y += TITLE_LINE
    sure = text("discord.chart_confidence", lang, value=Percent(result.confidence))
    draw.text((left, y + 4), sure, fill=NEUTRAL_COLOUR, font=small)
    axis_y = y + 56
    draw.text((left, axis_y), text("discord.chart_product", lang), fill=PRODUCT_COLOUR, font=font)
    service = text("discord.chart_service", lang)
    draw.text((right - draw.textlength(service, font=font), axis_y), service, fill=SERVICE_COLOUR, font=font)
    deciding_label = text("discord.chart_deciding", lang)
    legend_x = right - draw.textlength(deciding_label, font=small)
    _star(draw, legend_x - 22, y + 24, 14)
    draw.text((legend_x, y + 4), deciding_label, fill=NEUTRAL_COLOUR, font=small)

    deciding = {reading.factor for reading in deciding_factors(result)}
    for row, reading in enumerate(result.factors):
        y = header + row * ROW
        x = left
        if reading.factor in deciding:
            _star(draw, left + 16, y + 22, 17)
            x = left + 42
        draw.text((x, y), render(wording.factor_title(reading.factor), lang), fill=INK, font=font)
        top = y + 50
        # The centre line runs through the bars only, never through a factor's name.
        draw.line([(centre, top - 8), (centre, top + BAR + 8)], fill=GRID, width=3)
        if reading.reading == "unknown":
            draw.text(
                (centre + 12, top), text("discord.chart_not_asked", lang), fill=NEUTRAL_COLOUR, font=small
            )
            continue
        length = round(abs(reading.lean) * half)
        if length < 6:
            # An even reading still gets a visible mark on the centre line.
            draw.rectangle([(centre - 6, top), (centre + 6, top + BAR)], fill=NEUTRAL_COLOUR)
            continue
        colour = PRODUCT_COLOUR if reading.lean < 0 else SERVICE_COLOUR
        start = centre - length if reading.lean < 0 else centre
        draw.rectangle([(start, top), (start + length, top + BAR)], fill=colour)

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


# The staff chart shows at most this many weeks, the latest: a phone has room for them.
MIX_WEEKS = 12
MIX_ROW = 64


def verdict_mix_png(weekly: list[tuple[str, dict[str, int]]], title: str, lang: str = "en") -> bytes:
    """A row per week (the latest MIX_WEEKS), each a bar of that week's verdicts stacked
    side by side with its total, sized like the factor chart to read on a phone."""
    weeks = weekly[-MIX_WEEKS:]
    title_font = typeface(TITLE_SIZE - 6, bold=True)
    font = typeface(SMALL_SIZE)
    left, right = MARGIN, WIDTH - MARGIN
    label_width = 150
    top = 150
    height = top + MIX_ROW * max(len(weeks), 1) + MARGIN
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((left, 20), title, fill=INK, font=title_font)
    legend_x = left
    for verdict, colour in VERDICT_COLOURS.items():
        name = text(VERDICT_NAMES[verdict], lang)
        draw.rectangle([(legend_x, 86), (legend_x + 24, 110)], fill=colour)
        draw.text((legend_x + 32, 80), name, fill=INK, font=font)
        legend_x += 32 + round(draw.textlength(name, font=font)) + 36
    if not weeks:
        draw.text((left, top), text("staff.chart_empty", lang), fill=NEUTRAL_COLOUR, font=font)
    else:
        most = max(sum(counts.values()) for _, counts in weeks) or 1
        span = right - left - label_width - 70
        for row, (week, counts) in enumerate(weeks):
            y = top + row * MIX_ROW
            day = format_date(date.fromisoformat(week), "d MMM", locale=lang)
            draw.text((left, y + 6), day, fill=INK, font=font)
            x = left + label_width
            for verdict, colour in VERDICT_COLOURS.items():
                size = round(span * counts.get(verdict, 0) / most)
                if size:
                    draw.rectangle([(x, y + 8), (x + size, y + 48)], fill=colour)
                    x += size
            draw.text((x + 12, y + 6), str(sum(counts.values())), fill=INK, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
