"""What a server's staff and the bot's scheduled work ask of the store: settings, reports,
weekly digests, and the leases that let one process at a time run a background task."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from storage.keys import guild_scope
from storage.protocol import DigestSchedule, Reports, ServerSettings, TaskLeases
from storage.reports import ScopeReport
from storage.settings import GuildSettings


class ServerStore(ServerSettings, DigestSchedule, Reports, TaskLeases, Protocol):
    """What the server service needs of a store: no member's sessions or results."""


class ServerService:
    def __init__(self, store: ServerStore) -> None:
        self.store = store

    async def settings(self, guild_id: str) -> GuildSettings:
        return await self.store.guild_settings(guild_id)

    async def all_settings(self) -> list[GuildSettings]:
        return await self.store.all_guild_settings()

    async def save_settings(self, settings: GuildSettings) -> None:
        await self.store.save_guild_settings(settings)

    async def report(
        self, guild_id: int | str, *, since: datetime | None, until: datetime | None = None
    ) -> ScopeReport:
        """Counts for one server over a period; never a member's answers."""
        return await self.store.report(guild_scope(guild_id), since=since, until=until)

    async def record_quick_check(self, guild_id: int | str) -> None:
        """Count a quick check run in a server (only that it ran: never its text or who)."""
        await self.store.record_quick_check(guild_scope(guild_id))

    async def due_digests(self) -> list[GuildSettings]:
        return await self.store.due_digests()

    async def record_digest_posted(self, settings: GuildSettings, every: timedelta) -> GuildSettings | None:
        return await self.store.record_digest_posted(settings, every)

    async def begin_task(self, name: str, holder: str, *, lease: timedelta) -> bool:
        return await self.store.begin_task(name, holder, lease=lease)

    async def finish_task(self, name: str, holder: str, *, next_run_in: timedelta) -> bool:
        return await self.store.finish_task(name, holder, next_run_in=next_run_in)
