"""Slash-command options and checks that refuse in words.

Discord's own client keeps a member inside an option's range and choices, but a modified
client can send any value, and discord.py hands ``Range`` and ``Literal`` options over as
sent. These transformers register the same range or choices with Discord and refuse
anything else with ``OptionRefused``, which the command tree answers in words (see
``bot.client.AdvisorTree``).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands


class Refused(app_commands.CheckFailure):
    """A check that failed with a reason for the member (the message); the command tree
    sends it as the one reply."""


class OptionRefused(app_commands.TransformerError):
    """An option value outside what the command offers."""

    def __init__(
        self, value: Any, transformer: app_commands.Transformer[Any], option: str, allowed: str
    ) -> None:
        super().__init__(value, transformer.type, transformer)
        self.option, self.allowed = option, allowed

    @property
    def explanation(self) -> str:
        """What a member is told: the option and what it takes, never the value they sent."""
        return f"`{self.option}` must be {self.allowed}; nothing was changed."


class WholeNumber(app_commands.Transformer[Any]):
    """An integer option from ``low`` to ``high``, both included."""

    def __init__(self, option: str, low: int, high: int, unit: str) -> None:
        self.option, self.low, self.high, self.unit = option, low, high, unit

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.integer

    @property
    def min_value(self) -> int:
        return self.low

    @property
    def max_value(self) -> int:
        return self.high

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise OptionRefused(
                value, self, self.option, f"a whole number of {self.unit} from {self.low} to {self.high}"
            )
        return value


class OneOf(app_commands.Transformer[Any]):
    """A string option that must be one of ``choices``."""

    def __init__(self, option: str, *choices: str) -> None:
        self.option, self.values = option, choices

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def choices(self) -> list[app_commands.Choice[int | float | str]]:
        return [app_commands.Choice(name=value, value=value) for value in self.values]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> str:
        if value not in self.values:
            allowed = "one of " + ", ".join(f"“{choice}”" for choice in self.values)
            raise OptionRefused(value, self, self.option, allowed)
        return str(value)
