"""Running the bot and syncing its commands, from settings, with safe logging."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import discord

from advisor.settings import Settings
from bot.client import AdvisorBot
from bot.cogs.background import BackgroundTimings
from storage.factory import open_store

log = logging.getLogger(__name__)

# A bot token is three dot-separated base64url parts (id, timestamp, signature).
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


class TokenProblem(ValueError):
    """The token is missing or cannot be a Discord bot token."""


class RedactToken(logging.Filter):
    """Removes the token from every log record, whoever logs it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[token]"), ()
        return True


def checked_token(settings: Settings) -> str:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise TokenProblem("DISCORD_TOKEN is not set: put the bot token in .env (see .env.example)")
    token = settings.discord_token.get_secret_value().strip()
    if not TOKEN_SHAPE.fullmatch(token):
        raise TokenProblem(
            "DISCORD_TOKEN does not look like a bot token (three parts separated by dots); "
            "copy it again from the Discord developer portal, Bot > Reset Token"
        )
    return token


# Libraries that write the data passing through them at DEBUG: aiosqlite every statement
# with its parameters (members' answers and results), discord.py every gateway payload (a
# modal's text among them), asyncpg whatever a later release adds. They stay at INFO or
# above whatever LOG_LEVEL says; the bot's own DEBUG lines carry no member data.
QUIET_LOGGERS = ("aiosqlite", "asyncpg", "discord")


def configure_logging(settings: Settings, token: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    level = logging.getLevelName(settings.log_level)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, level))


async def run_bot(
    settings: Settings,
    *,
    shard_ids: list[int] | None = None,
    shard_count: int | None = None,
    background_timings: BackgroundTimings | None = None,
) -> None:
    """Run the bot until it stops: every shard Discord recommends, or `shard_ids` of `shard_count`
    (other processes run the rest, on the same database)."""
    token = checked_token(settings)
    configure_logging(settings, token)
    database = settings.database()
    store = await open_store(database)
    async with (
        store,
        AdvisorBot(
            store=store,
            expiry=timedelta(days=settings.session_expiry_days),
            shard_ids=shard_ids,
            shard_count=shard_count,
            background_timings=background_timings,
        ) as bot,
    ):
        log.info("starting; database %s", database)
        await bot.start(token)


async def sync_commands(settings: Settings, guild_id: int | None) -> list[str]:
    """Register the slash commands with Discord: globally, or in one server at once."""
    token = checked_token(settings)
    configure_logging(settings, token)
    store = await open_store(settings.database())
    async with store, AdvisorBot(store=store) as bot:
        await bot.login(token)
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    return [command.name for command in synced]
