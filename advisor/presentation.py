"""Small pieces of presentation shared by the terminal and Discord front ends."""

from __future__ import annotations


def progress_bar(position: int, total: int, width: int = 12) -> str:
    """A bar of the questions already behind the member: ``███░░░░░░░░░``."""
    filled = round(width * (position - 1) / max(total, 1))
    return "█" * filled + "░" * (width - filled)
