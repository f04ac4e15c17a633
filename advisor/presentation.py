"""Small pieces of presentation shared by the terminal and Discord front ends."""

from __future__ import annotations

from dialogs import wording
from dialogs.messages import text
from dialogs.verdict import Classification, FactorReading


def progress_bar(position: int, total: int, width: int = 12) -> str:
    """A bar of the questions already behind the member: ``███░░░░░░░░░``."""
    filled = round(width * (position - 1) / max(total, 1))
    return "█" * filled + "░" * (width - filled)


def factor_lines(result: Classification, lang: str, frame: str) -> list[str]:
    """One line per factor of a result already worded in ``lang``: its title, which way it
    leans and why, in the front end's ``frame`` (a catalog key with those three places).

    A factor no answer spoke to has no line: a reason that quotes nothing is not shown.
    """
    return [
        text(frame, lang, factor=reading.title, leans=wording.reading_title(reading.reading), why=reading.why)
        for reading in explained_factors(result)
    ]


def explained_factors(result: Classification) -> list[FactorReading]:
    """The factors an answer spoke to, in the result's order."""
    return [reading for reading in result.factors if reading.reading != "unknown"]
