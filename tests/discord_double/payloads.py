"""Builders for the JSON objects Discord sends: users, guilds, channels, messages, interactions.

Pure functions, no state except the snowflake clock. Field names and shapes follow Discord's
developer documentation (discord/discord-api-docs: "Interaction Object", "Ready", "Guild Create",
"Message Object") and what discord.py 2.7 reads from them.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
API_VERSION = 10

# Permission bitfields, as decimal strings on the wire.
EVERYONE_PERMISSIONS = 1_760_286_008_004_161  # a default @everyone role of a new server
BOT_PERMISSIONS = 277_025_770_560  # view, send, embed, attach, history, reactions, app commands, ...
# What `app_permissions` carries in a DM with the app's bot user: EMBED_LINKS | ATTACH_FILES |
# MENTION_EVERYONE | USE_EXTERNAL_EMOJIS | SEND_POLLS (docs: "Interaction Object", note ***).
BOT_DM_APP_PERMISSIONS = 562_949_953_863_680
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# Interaction types / contexts / callback types.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CONTEXT_GUILD, CONTEXT_BOT_DM = 0, 1
EPHEMERAL, LOADING, SUPPRESS_EMBEDS = 1 << 6, 1 << 7, 1 << 2

_lock = threading.Lock()
_last = 0


def _epoch_ms(moment: dt.datetime | None = None) -> int:
    return int((moment or dt.datetime.now(dt.UTC)).timestamp() * 1000) - DISCORD_EPOCH_MS


def snowflake(at: dt.datetime | None = None) -> str:
    """A fresh, strictly increasing snowflake id (as Discord sends it: a decimal string)."""
    global _last  # noqa: PLW0603 - one process-wide clock, like Discord's workers
    candidate = _epoch_ms(at) << 22 | 1 << 17
    with _lock:
        _last = max(candidate, _last + 1)
        return str(_last)


def shard_of(guild_id: str | int, shard_count: int) -> int:
    """The shard that receives a guild's events: (guild_id >> 22) % shard_count (docs: "Sharding")."""
    return (int(guild_id) >> 22) % shard_count


def guild_id_on_shard(shard_id: int, shard_count: int) -> str:
    """A fresh snowflake that `shard_of` puts on `shard_id` of `shard_count` shards.

    A guild's shard depends only on the millisecond in its id, so this takes the first
    millisecond after every id handed out so far that falls on that shard. The process-wide
    clock moves on to it, so ids stay unique and increasing (it runs at most
    `shard_count` ms ahead of the wall clock)."""
    global _last  # noqa: PLW0603 - the same clock as snowflake()
    if shard_count < 1 or not 0 <= shard_id < shard_count:
        raise ValueError(f"shard {shard_id} is not one of {shard_count} shard(s)")
    with _lock:
        ms = max(_epoch_ms(), (_last >> 22) + 1)
        ms += (shard_id - ms) % shard_count
        _last = ms << 22 | 1 << 17
        return str(_last)


def snowflake_time(value: str | int) -> dt.datetime:
    ms = (int(value) >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def now_iso() -> str:
    return iso(dt.datetime.now(dt.UTC))


def interaction_token(interaction_id: str) -> str:
    raw = f"interaction:{interaction_id}:{secrets.token_urlsafe(48)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --------------------------------------------------------------------------- world objects


def user(
    user_id: str | None = None,
    username: str = "tester",
    *,
    global_name: str | None = None,
    bot: bool = False,
) -> JSON:
    data: JSON = {
        "id": user_id or snowflake(),
        "username": username,
        "discriminator": "0",
        "global_name": global_name if global_name is not None else (None if bot else username.title()),
        "avatar": None,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def client_user(bot_user: Mapping[str, Any]) -> JSON:
    """The bot's own user, as READY and GET /users/@me return it."""
    return {**bot_user, "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}


def public_user(full: Mapping[str, Any]) -> JSON:
    """A user object as embedded in messages and members (no private fields)."""
    private = {"verified", "mfa_enabled", "email", "locale"}
    return {k: v for k, v in full.items() if k not in private}


def role(
    role_id: str,
    name: str,
    *,
    permissions: int = EVERYONE_PERMISSIONS,
    position: int = 0,
    managed: bool = False,
    tags: JSON | None = None,
) -> JSON:
    data: JSON = {
        "id": role_id,
        "name": name,
        "description": None,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }
    if tags is not None:
        data["tags"] = tags
    return data


def text_channel(
    channel_id: str, guild_id: str, name: str, *, position: int = 0, topic: str | None = None
) -> JSON:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "topic": topic,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def dm_channel(channel_id: str, recipient: Mapping[str, Any]) -> JSON:
    return {
        "id": channel_id,
        "type": 1,
        "last_message_id": None,
        "flags": 0,
        "recipient_flags": 0,
        "recipients": [public_user(recipient)],
    }


def member(
    member_user: Mapping[str, Any] | None,
    *,
    roles: Sequence[str] = (),
    joined_at: str | None = None,
    nick: str | None = None,
) -> JSON:
    data: JSON = {
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": list(roles),
        "joined_at": joined_at or now_iso(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "unusual_dm_activity_until": None,
        "collectibles": None,
    }
    if member_user is not None:
        data["user"] = public_user(member_user)
    return data


# --------------------------------------------------------------------------- gateway events


def ready(
    *,
    bot_user: Mapping[str, Any],
    guild_ids: Sequence[str],
    session_id: str,
    resume_gateway_url: str,
    application_id: str,
    application_flags: int,
    shard: Sequence[int] | None = None,
) -> JSON:
    data: JSON = {
        "v": API_VERSION,
        "user_settings": {},
        "user": client_user(bot_user),
        "guilds": [{"id": gid, "unavailable": True} for gid in guild_ids],
        "session_type": "normal",
        "session_id": session_id,
        "resume_gateway_url": resume_gateway_url,
        "relationships": [],
        "private_channels": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["us-east"],
        "auth": {},
        "application": {"id": application_id, "flags": application_flags},
        "_trace": ['["discord-double",{"micros":0}]'],
    }
    if shard is not None:
        data["shard"] = list(shard)
    return data


def guild_create(guild: Mapping[str, Any], *, members: Sequence[JSON], joined_at: str) -> JSON:
    """GUILD_CREATE `d` for a guild record as kept by the double's world (see world.py)."""
    channels = [{k: v for k, v in c.items() if k != "guild_id"} for c in guild["channels"]]
    return {
        "id": guild["id"],
        "name": guild["name"],
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": guild["owner_id"],
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": list(guild["roles"]),
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": channels[0]["id"] if channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_presences": None,
        "max_members": 25_000_000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": guild.get("preferred_locale", "en-US"),
        "nsfw_level": 0,
        "nsfw": False,
        "hub_type": None,
        "incidents_data": None,
        "latest_onboarding_question_id": None,
        # GUILD_CREATE-only fields
        "joined_at": joined_at,
        "large": False,
        "unavailable": False,
        "lazy": True,
        "member_count": len(guild["members"]),
        "voice_states": [],
        "members": list(members),
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
        "activity_instances": [],
        "application_command_counts": {},
    }


# --------------------------------------------------------------------------- messages


def walk_components(components: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Every component in a message or modal, depth first (rows, containers, sections, labels)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components", []))
        for key in ("accessory", "component"):
            if isinstance(component.get(key), Mapping):
                yield from walk_components([component[key]])


def number_components(components: Sequence[Mapping[str, Any]], start: int = 1) -> list[JSON]:
    """Copy `components`, giving each one without an `id` the next number, as Discord does."""
    counter = iter(range(start, 10_000))

    def number(component: Mapping[str, Any]) -> JSON:
        copy: JSON = dict(component)
        copy.setdefault("id", next(counter))
        if "components" in copy:
            copy["components"] = [number(c) for c in copy["components"]]
        for key in ("accessory", "component"):
            if isinstance(copy.get(key), Mapping):
                copy[key] = number(copy[key])
        return copy

    return [number(c) for c in components]


def embed(data: Mapping[str, Any]) -> JSON:
    return {"type": "rich", **data, "content_scan_version": 0}


def message(
    *,
    channel_id: str,
    author: Mapping[str, Any],
    content: str = "",
    message_type: int = 0,
    flags: int = 0,
    embeds: Sequence[Mapping[str, Any]] = (),
    components: Sequence[Mapping[str, Any]] = (),
    attachments: Sequence[JSON] = (),
    tts: bool = False,
    application_id: str | None = None,
    webhook_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSON:
    message_id = snowflake()
    data: JSON = {
        "id": message_id,
        "type": message_type,
        "content": content,
        "channel_id": channel_id,
        "author": public_user(author),
        "attachments": list(attachments),
        "embeds": [embed(e) for e in embeds],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": tts,
        "timestamp": iso(snowflake_time(message_id)),
        "edited_timestamp": None,
        "flags": flags,
        "components": number_components(components),
    }
    if application_id is not None:
        data["application_id"] = application_id
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if extra:
        data.update(extra)
    return data


def attachment(
    *, channel_id: str, filename: str, data: bytes, content_type: str, base_url: str, ephemeral: bool
) -> JSON:
    attachment_id = snowflake()
    url = f"{base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
    result: JSON = {
        "id": attachment_id,
        "filename": filename,
        "size": len(data),
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }
    if ephemeral:
        result["ephemeral"] = True
    return result


# --------------------------------------------------------------------------- interactions


def interaction(
    *,
    interaction_type: int,
    data: JSON,
    application_id: str,
    invoker: Mapping[str, Any],
    channel: Mapping[str, Any],
    guild: Mapping[str, Any] | None,
    member_roles: Sequence[str] = (),
    member_permissions: int = EVERYONE_PERMISSIONS,
    member_joined_at: str | None = None,
    app_permissions: int = BOT_PERMISSIONS,
    locale: str = "en-US",
    message: Mapping[str, Any] | None = None,
) -> JSON:
    """An INTERACTION_CREATE `d` as Discord sends it to a guild-installed bot.

    In a guild it carries `member` (with `user`, `roles`, `permissions`), `guild`, `guild_id` and
    `guild_locale`; in a DM with the bot it carries `user`.
    """
    interaction_id = snowflake()
    channel_data = {k: v for k, v in channel.items() if k != "permission_overwrites"}
    payload: JSON = {
        "id": interaction_id,
        "application_id": application_id,
        "type": interaction_type,
        "data": data,
        "token": interaction_token(interaction_id),
        "version": 1,
        "channel_id": channel["id"],
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild is not None:
        channel_data["permissions"] = str(member_permissions)
        payload.update(
            {
                "guild_id": guild["id"],
                "guild": {
                    "id": guild["id"],
                    "locale": guild.get("preferred_locale", "en-US"),
                    "features": [],
                },
                "guild_locale": guild.get("preferred_locale", "en-US"),
                "channel": channel_data,
                "member": {
                    **member(invoker, roles=member_roles, joined_at=member_joined_at),
                    "permissions": str(member_permissions),
                },
                "app_permissions": str(app_permissions),
                "authorizing_integration_owners": {"0": guild["id"]},
                "context": CONTEXT_GUILD,
            }
        )
    else:
        payload.update(
            {
                "channel": channel_data,
                "user": public_user(invoker),
                "app_permissions": str(BOT_DM_APP_PERMISSIONS),
                "authorizing_integration_owners": {"0": "0"},
                "context": CONTEXT_BOT_DM,
            }
        )
    if message is not None:
        payload["message"] = dict(message)
    return payload


def _option_type(value: object) -> int:
    if isinstance(value, bool):
        return 5  # BOOLEAN
    if isinstance(value, int):
        return 4  # INTEGER
    if isinstance(value, float):
        return 10  # NUMBER
    return 3  # STRING


def command_options(values: Mapping[str, Any], declared: Sequence[Mapping[str, Any]] = ()) -> list[JSON]:
    """Option values as Discord sends them, typed from the registered command where known."""
    types = {o["name"]: int(o["type"]) for o in declared}
    return [{"name": n, "type": types.get(n, _option_type(v)), "value": v} for n, v in values.items()]


def slash_command_data(
    *,
    command: Mapping[str, Any],
    subcommand: str | None,
    options: Mapping[str, Any] | Sequence[JSON] | None,
    resolved: JSON | None = None,
    guild_id: str | None = None,
) -> JSON:
    """`data` of a CHAT_INPUT application command; `subcommand` is "sub" or "group sub"."""
    declared: Sequence[Mapping[str, Any]] = command.get("options") or []
    path = subcommand.split() if subcommand else []
    for name in path:
        declared = next((o.get("options") or [] for o in declared if o["name"] == name), [])
    if options is None:
        leaf: list[JSON] = []
    elif isinstance(options, Mapping):
        leaf = command_options(options, declared)
    else:
        leaf = [dict(o) for o in options]
    nested = leaf
    for depth, name in reversed(list(enumerate(path))):
        kind = 2 if depth == 0 and len(path) == 2 else 1  # SUB_COMMAND_GROUP / SUB_COMMAND
        nested = [{"name": name, "type": kind, "options": nested}]
    data: JSON = {"id": command["id"], "name": command["name"], "type": command.get("type", 1)}
    if nested:
        data["options"] = nested
    if resolved:
        data["resolved"] = resolved
    if guild_id is not None:
        data["guild_id"] = guild_id
    return data


def modal_submit_components(
    modal_components: Sequence[Mapping[str, Any]], fields: Mapping[str, str | Sequence[str]]
) -> list[JSON]:
    """The `components` of a MODAL_SUBMIT, mirroring the modal the bot opened.

    Text inputs carry `value` (empty if the user left an optional one blank); selects carry
    `values`. Raises ValueError for an unknown field or a required text input left out.
    """
    known = {c["custom_id"] for c in walk_components(modal_components) if "custom_id" in c}
    unknown = set(fields) - known
    if unknown:
        raise ValueError(f"modal has no field(s) {sorted(unknown)}; its fields are {sorted(known)}")

    def answer(component: Mapping[str, Any]) -> JSON:
        kind = component["type"]
        if kind == 1:  # action row (legacy modal layout)
            return {
                "type": 1,
                "id": component["id"],
                "components": [answer(c) for c in component["components"]],
            }
        if kind == 18:  # label
            return {"type": 18, "id": component["id"], "component": answer(component["component"])}
        if kind == 10:  # text display
            return {"type": 10, "id": component["id"]}
        custom_id = component["custom_id"]
        given = fields.get(custom_id)
        result: JSON = {"type": kind, "id": component["id"], "custom_id": custom_id}
        if kind == 4:  # text input
            if given is None and component.get("required", True):
                raise ValueError(f"required text input {custom_id!r} was not filled in")
            result["value"] = given if isinstance(given, str) else (component.get("value") or "")
        else:
            result["values"] = [given] if isinstance(given, str) else list(given or [])
        return result

    return [answer(c) for c in number_components(modal_components)]
