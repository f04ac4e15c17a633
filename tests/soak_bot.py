"""Run the real bot against a Discord double: the process `make soak` kills and restarts.

    python -m tests.soak_bot --api-base http://127.0.0.1:PORT/api/v10 \
        --gateway ws://127.0.0.1:PORT/ --db PATH_OR_URL [--standby] \
        [--shard-ids 0 --shard-count 2] [--fast-background]

It points discord.py at the double exactly as ``tests.discord_double.discord_pointed_at``
does (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``) and then runs the bot through
``bot.runner.run_bot``, the same entry point as ``offering-advisor run``, on a real SQLite
file or PostgreSQL database (tests/bot/test_scale_out.py runs two of these on one). Nothing in
the production code knows about the double.

With ``--standby`` it imports everything first, prints ``standing by`` and waits for a line
on stdin before it opens the database and connects: the soak driver keeps the next bot
process warm this way, so a restart after SIGKILL costs a connect, not a Python start-up.

``--fault`` breaks the store on purpose, to show that the soak notices (tests/benchmarks/test_soak.py):
``lose-writes`` acknowledges some saves without writing them, ``cross-talk`` writes some into
another member's interview instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
from datetime import timedelta
from typing import Any

import discord.gateway
import discord.http
import yarl
from pydantic import SecretStr

from advisor.settings import Settings
from bot.cogs.background import BackgroundTimings
from bot.runner import run_bot
from dialogs.session import Session
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore

# Shaped like a bot token (three dot-separated parts); the double accepts any token.
SOAK_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.soakss.c29hay10b2tlbi1mb3ItdGhlLWRvdWJsZQ"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api-base", required=True, help="what discord.http.Route.BASE is set to")
    parser.add_argument("--gateway", required=True, help="what DiscordWebSocket.DEFAULT_GATEWAY is set to")
    parser.add_argument("--db", required=True, help="the database: a SQLite file, or a URL (DATABASE_URL)")
    parser.add_argument("--shard-ids", help="the shards this process runs, such as 0,1 (with --shard-count)")
    parser.add_argument("--shard-count", type=int, help="how many shards the bot has in all")
    parser.add_argument(
        "--fast-background",
        action="store_true",
        help="background work checked every 0.2 s under 2 s leases, so tests see a takeover in seconds",
    )
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--standby", action="store_true", help="wait for a line on stdin before starting")
    parser.add_argument("--fault", choices=FAULTS, help="break the store on purpose (checks the checker)")
    return parser.parse_args(argv)


def point_discord_at(api_base: str, gateway: str) -> None:
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


FAULTS = ("lose-writes", "cross-talk")
FAST_BACKGROUND = BackgroundTimings(
    check_every=timedelta(seconds=0.2), lease=timedelta(seconds=2), stop_grace=timedelta(seconds=1)
)
FAULT_RATE = 0.05


def inject_fault(fault: str) -> None:
    """Make ``SQLiteStore.save`` misbehave now and then, as a broken store would."""
    original = SQLiteStore.save
    chance = random.Random()
    others: list[SessionKey] = []

    async def save(self: SQLiteStore, key: SessionKey, session: Session, *, expected_version: int) -> Any:
        if expected_version == 0 or chance.random() >= FAULT_RATE:
            if key not in others:
                others.append(key)
            return await original(self, key, session, expected_version=expected_version)
        if fault == "cross-talk":
            for other in reversed(others):
                stored = await self.load(other) if other != key else None
                if stored is not None:
                    await original(self, other, session, expected_version=stored.version)
                    break
        return expected_version + 1  # acknowledged, never written (here)

    SQLiteStore.save = save  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    point_discord_at(args.api_base, args.gateway)
    if args.fault:
        inject_fault(args.fault)
    settings = Settings(
        discord_token=SecretStr(SOAK_TOKEN), database_url=SecretStr(args.db), log_level=args.log_level
    )
    shard_ids = [int(part) for part in args.shard_ids.split(",")] if args.shard_ids else None
    timings = FAST_BACKGROUND if args.fast_background else None
    if args.standby:
        print("standing by", flush=True)
        if not sys.stdin.readline():
            return 0  # the driver went away without needing this process
    print("starting", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_bot(settings, shard_ids=shard_ids, shard_count=args.shard_count, background_timings=timings)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
