"""``offering-advisor run`` and ``sync``: the commands that start the Discord bot, with the
ways starting it fails told in one line each."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import aiohttp
import discord

from advisor.settings import Settings
from bot.runner import TokenProblem, run_bot, sync_commands
from cli.common import EXIT_OK, EXIT_USAGE, CliError

_T = TypeVar("_T")

# Discord closes a shard's gateway connection at IDENTIFY with these codes when the shard
# options do not fit the bot; what each means for whoever runs `run`.
SHARD_REFUSALS = {
    4010: "Discord refused a shard as invalid: every process must use the same --shard-count, "
    "with --shard-ids below it",
    4011: "Discord requires more shards for this bot: raise --shard-count (sharing the shard ids "
    "among the processes), or leave both options out to run every shard Discord recommends",
}


async def run(settings: Settings, *, shard_ids: list[int] | None, shard_count: int | None) -> int:
    try:
        await _with_discord_errors(run_bot(settings, shard_ids=shard_ids, shard_count=shard_count))
    except discord.ConnectionClosed as error:
        if error.code not in SHARD_REFUSALS:
            raise
        raise CliError(f"{SHARD_REFUSALS[error.code]} (gateway close code {error.code})") from None
    return EXIT_OK


async def sync(settings: Settings, guild_id: int | None) -> int:
    names = await _with_discord_errors(sync_commands(settings, guild_id))
    where = f"server {guild_id}" if guild_id else "every server (global commands can take up to an hour)"
    print(f"Synced {len(names)} command(s) to {where}: {', '.join(names)}")
    return EXIT_OK


async def _with_discord_errors(work: Coroutine[Any, Any, _T]) -> _T:
    """Turn the ways starting a bot fails into one line each."""
    try:
        return await work
    except TokenProblem as error:
        raise CliError(str(error), EXIT_USAGE) from None
    except discord.LoginFailure:
        raise CliError(
            "Discord refused the token: reset it in the developer portal and update .env"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise CliError("the bot asked for an intent it does not need; please report this") from None
    except (aiohttp.ClientConnectionError, TimeoutError) as error:
        raise CliError(f"cannot reach Discord ({type(error).__name__}); check the network") from None
