"""What exists on the fake Discord: the application, its bot user, guilds, channels and people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.discord_double import payloads
from tests.discord_double.payloads import JSON

GUILD_MEMBERS_INTENT = 1 << 1


@dataclass
class World:
    application_id: str = field(default_factory=payloads.snowflake)
    bot_user: JSON = field(default_factory=dict)
    application_flags: int = 1 << 19 | 1 << 23  # GATEWAY_MESSAGE_CONTENT_LIMITED | APPLICATION_COMMAND_BADGE
    guilds: dict[str, JSON] = field(default_factory=dict)
    users: dict[str, JSON] = field(default_factory=dict)
    dm_channels: dict[str, JSON] = field(default_factory=dict)  # by recipient user id
    # People who closed their direct messages (or share no server with the bot any more):
    # Discord refuses the bot's messages to them with 403, code 50007.
    closed_dms: set[str] = field(default_factory=set)
    joined_at: str = field(default_factory=payloads.now_iso)

    def __post_init__(self) -> None:
        if not self.bot_user:
            self.bot_user = payloads.user(self.application_id, "Offering Advisor", bot=True)

    # ------------------------------------------------------------------ building

    def add_user(self, username: str, *, user_id: str | None = None) -> JSON:
        new = payloads.user(user_id, username)
        self.users[new["id"]] = new
        return new

    def add_guild(
        self,
        name: str = "Test Server",
        *,
        channel_names: tuple[str, ...] = ("general",),
        owner: JSON | None = None,
        members: tuple[JSON, ...] = (),
        preferred_locale: str = "en-US",
        guild_id: str | None = None,
    ) -> JSON:
        """A guild with an @everyone role, the bot's managed role, text channels and members.

        The guild's record keeps `members` as (user id -> member object with `user`).
        `guild_id` chooses its id (`payloads.guild_id_on_shard` gives one on a chosen shard);
        by default it is a fresh snowflake.
        """
        if guild_id is None:
            guild_id = payloads.snowflake()
        elif guild_id in self.guilds:
            raise ValueError(f"there is already a guild {guild_id}")
        owner = owner or self.add_user("owner")
        everyone = payloads.role(guild_id, "@everyone")
        bot_role = payloads.role(
            payloads.snowflake(),
            self.bot_user["username"],
            permissions=payloads.BOT_PERMISSIONS,
            position=1,
            managed=True,
            tags={"bot_id": self.bot_user["id"]},
        )
        guild: JSON = {
            "id": guild_id,
            "name": name,
            "owner_id": owner["id"],
            "preferred_locale": preferred_locale,
            "roles": [everyone, bot_role],
            "channels": [
                payloads.text_channel(payloads.snowflake(), guild_id, channel, position=i)
                for i, channel in enumerate(channel_names)
            ],
            "members": {},
        }
        guild["members"][self.bot_user["id"]] = payloads.member(
            self.bot_user, roles=[bot_role["id"]], joined_at=self.joined_at
        )
        for person in (owner, *members):
            self.users.setdefault(person["id"], person)
            guild["members"][person["id"]] = payloads.member(person, joined_at=self.joined_at)
        self.guilds[guild_id] = guild
        return guild

    # ------------------------------------------------------------------ lookups

    def channel(self, channel_id: str) -> tuple[JSON, JSON | None] | None:
        """(channel, guild or None for a DM channel) for an id, or None if there is no such channel."""
        for guild in self.guilds.values():
            for channel in guild["channels"]:
                if channel["id"] == channel_id:
                    return channel, guild
        for channel in self.dm_channels.values():
            if channel["id"] == channel_id:
                return channel, None
        return None

    def dm_channel(self, recipient: JSON) -> JSON:
        """The DM channel between the bot and `recipient`, opened on first use."""
        self.users.setdefault(recipient["id"], recipient)
        if recipient["id"] not in self.dm_channels:
            self.dm_channels[recipient["id"]] = payloads.dm_channel(payloads.snowflake(), recipient)
        return self.dm_channels[recipient["id"]]

    def guild_create(self, guild: JSON, intents: int) -> JSON:
        """GUILD_CREATE for `guild`: all members with the GUILD_MEMBERS intent, else only the bot."""
        members: list[Any] = [
            m
            for uid, m in guild["members"].items()
            if intents & GUILD_MEMBERS_INTENT or uid == self.bot_user["id"]
        ]
        return payloads.guild_create(guild, members=members, joined_at=self.joined_at)

    def application(self) -> JSON:
        """GET /oauth2/applications/@me and /applications/@me."""
        owner = next(iter(self.users.values()), self.bot_user)
        return {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "flags_new": str(self.application_flags),
            "owner": payloads.public_user(owner),
            "team": None,
            "bot": payloads.public_user(self.bot_user),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
            "is_monetized": False,
            "is_verified": False,
            "is_discoverable": False,
            "storefront_available": False,
        }
