"""Who, where and which dialog: the key every stored session is filed under."""

from __future__ import annotations

from dataclasses import dataclass

DM_SCOPE = "dm"
TERMINAL_SCOPE = "terminal"
_GUILD_PREFIX = "guild:"


def guild_scope(guild_id: int | str) -> str:
    """The scope of a server's interviews, settings and reports: ``guild:<id>``."""
    return f"{_GUILD_PREFIX}{guild_id}"


def guild_of(scope: str) -> str | None:
    """The server id a scope names, or None for DMs and the terminal."""
    return scope.removeprefix(_GUILD_PREFIX) if scope.startswith(_GUILD_PREFIX) else None


@dataclass(frozen=True, slots=True)
class SessionKey:
    """One member's interview in one place.

    ``scope`` is ``"guild:<id>"`` for a server, ``"dm"`` for direct messages and
    ``"terminal"`` for the local front end, so a member can hold one interview per
    server plus one in DMs.
    """

    user_id: str
    scope: str
    dialog: str = "offering"

    @classmethod
    def for_guild(cls, user_id: int | str, guild_id: int | str, dialog: str = "offering") -> SessionKey:
        return cls(str(user_id), guild_scope(guild_id), dialog)

    @classmethod
    def for_dm(cls, user_id: int | str, dialog: str = "offering") -> SessionKey:
        return cls(str(user_id), DM_SCOPE, dialog)

    @classmethod
    def for_terminal(cls, user_name: str, dialog: str = "offering") -> SessionKey:
        return cls(f"local:{user_name}", TERMINAL_SCOPE, dialog)
