"""A loopback double of Discord's gateway and REST API for testing the discord.py adapter offline.

    from tests.discord_double import DiscordDouble, run_client

See README.md in this folder for the public API.
"""

from __future__ import annotations

from tests.discord_double.double import DEFAULT_GUILD, DiscordDouble, InteractionHandle
from tests.discord_double.fixtures import discord_pointed_at, run_client, running_double
from tests.discord_double.rest import RecordedFile, RecordedRequest, Violation
from tests.discord_double.validation import Problem, check_request, load_spec

__all__ = [
    "DEFAULT_GUILD",
    "DiscordDouble",
    "InteractionHandle",
    "Problem",
    "RecordedFile",
    "RecordedRequest",
    "Violation",
    "check_request",
    "discord_pointed_at",
    "load_spec",
    "run_client",
    "running_double",
]
