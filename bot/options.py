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

from bot.translator import command_text
from dialogs.messages import Msg, Quoted, msg


class Refused(app_commands.CheckFailure):
    """A check that failed with a reason for the member; the command tree sends it, in
    their language, as the one reply."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(str(reason))
        self.reason = reason


class OptionRefused(app_commands.TransformerError):
    """An option value outside what the command offers."""

    def __init__(
        self, value: Any, transformer: app_commands.Transformer[Any], option: str, allowed: Msg
    ) -> None:
        super().__init__(value, transformer.type, transformer)
        self.option, self.allowed = option, allowed

    @property
    def explanation(self) -> Msg:
        """What a member is told: the option and what it takes, never the value they sent."""
        return msg("discord.option_refused", option=f"`{self.option}`", allowed=self.allowed)


class WholeNumber(app_commands.Transformer[Any]):
    """An integer option from ``low`` to ``high``, both included."""

    def __init__(self, option: str, low: int, high: int, unit: str) -> None:
        # ``unit`` is the catalog key of what the number counts ("discord.unit.days").
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
            allowed = msg(
                "discord.option_whole_number", unit=msg(self.unit), low=str(self.low), high=str(self.high)
            )
            raise OptionRefused(value, self, self.option, allowed)
        return value


class OneOf(app_commands.Transformer[Any]):
    """A string option that must be one of ``choices``: value -> the catalog key of its name."""

    def __init__(self, option: str, choices: dict[str, str]) -> None:
        self.option, self.names = option, choices
        self.values = tuple(choices)

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def choices(self) -> list[app_commands.Choice[int | float | str]]:
        return [app_commands.Choice(name=command_text(key), value=value) for value, key in self.names.items()]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> str:
        if value not in self.values:
            allowed = msg("discord.option_one_of", choices=Quoted(self.values, alternatives=True))
            raise OptionRefused(value, self, self.option, allowed)
        return str(value)
