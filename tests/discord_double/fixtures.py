"""pytest plugin: the `discord_double` fixture and `run_client`, which runs a discord.py client on it.

Use from a conftest with `pytest_plugins = ["tests.discord_double.fixtures"]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
import yarl

from tests.discord_double.double import HOST, DiscordDouble


@contextlib.contextmanager
def discord_pointed_at(double: DiscordDouble) -> Iterator[None]:
    """Point discord.py's REST base (webhooks and interaction callbacks included) and its
    gateway at the double; restore both afterwards."""
    route_cls, ws_cls = discord.http.Route, discord.gateway.DiscordWebSocket
    saved = route_cls.BASE, ws_cls.DEFAULT_GATEWAY
    route_cls.BASE = double.api_base
    ws_cls.DEFAULT_GATEWAY = yarl.URL(double.gateway_url)
    try:
        yield
    finally:
        route_cls.BASE, ws_cls.DEFAULT_GATEWAY = saved


@contextlib.asynccontextmanager
async def running_double(**options: Any) -> AsyncIterator[DiscordDouble]:
    """`DiscordDouble(**options)` started, with discord.py pointed at it; at the end it fails if
    Discord would have rejected any request or the double did not serve one (see the
    `discord_double` fixture). For a fixture of a double made differently, e.g.
    `running_double(shard_count=2)`."""
    async with DiscordDouble(**options) as double:
        with discord_pointed_at(double):
            yield double
        double.assert_clean()


@pytest.fixture
async def discord_double() -> AsyncIterator[DiscordDouble]:
    """A started double with discord.py pointed at it. At teardown it fails the test if Discord
    would have rejected any request or the double did not serve one (`double.violations`);
    a test that provokes a violation on purpose takes it with `double.take_violations()`."""
    async with running_double() as double:
        yield double


@contextlib.asynccontextmanager
async def run_client(
    client: discord.Client,
    token: str = "test-token",
    *,
    timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.1,
) -> AsyncIterator[discord.Client]:
    """Start `client` (a Client or commands.Bot) against the double, wait until it is ready,
    yield it, then close it and wait for its task to end. Tasks discord.py leaves running after
    `close()` (a View's timeout timer, a handler still waiting) are cancelled and awaited, so no
    "Task was destroyed but it is pending" follows the test.

    `guild_ready_timeout` shortens discord.py's wait after the last GUILD_CREATE before `ready`
    (2 s by default; the double sends every GUILD_CREATE right after READY); None keeps the
    client's own setting.
    """
    if not discord.http.Route.BASE.startswith(f"http://{HOST}:"):
        raise RuntimeError("discord.py is not pointed at a double: use the discord_double fixture")
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    before = asyncio.all_tasks()
    task = asyncio.create_task(client.start(token), name="discord-double-client")
    try:
        async with asyncio.timeout(timeout):
            while not client.is_ready():
                if task.done():
                    task.result()  # raises what stopped it
                    raise RuntimeError("the client stopped before it was ready")
                await asyncio.sleep(0.01)
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout)
        leftovers = [t for t in asyncio.all_tasks() - before if not t.done() and _started_by_discord(t)]
        for leftover in leftovers:
            leftover.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)


def _started_by_discord(task: asyncio.Task[object]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and f"{os.sep}discord{os.sep}" in code.co_filename
