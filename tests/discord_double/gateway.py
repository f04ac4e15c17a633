"""The double's gateway: one websocket endpoint speaking Discord's gateway protocol (v10, JSON).

HELLO -> IDENTIFY -> READY (+ one GUILD_CREATE per guild of the connection's shard), heartbeats
answered with ACKs, RESUME answered with RESUMED (nothing is replayed), REQUEST_GUILD_MEMBERS
answered with one chunk.
`?compress=zlib-stream` is honoured (one zlib stream per connection, each payload ending in a
Z_SYNC_FLUSH, as discord.py expects); any other transport compression (zstd-stream, which
discord.py asks for only when the `zstandard` package is installed) is answered with plain text
frames, which discord.py also accepts. Payload compression (IDENTIFY's `compress`) is ignored,
as Discord does when transport compression is on.

A client that dies without closing (a bot process killed with SIGKILL) loses what was being sent
to it, and the others still get theirs; its next process connects again and IDENTIFYs (or
RESUMEs) as any client does.

Sharding, as Discord does it (docs: "Gateway", "Sharding"). Each connection runs the shard its
IDENTIFY names in `shard: [shard_id, num_shards]`; without `shard` it is shard [0, 1]. A RESUMEd
connection keeps its session's shard. Guild `g` belongs to shard `(g >> 22) % num_shards`:

* READY lists, and GUILD_CREATE is sent for, only the guilds on the connection's shard.
* A dispatch about a guild (its `d` has `guild_id`; GUILD_CREATE/UPDATE/DELETE: its `id`) goes
  only to the connections of the shard that owns the guild. A direct-message event (MESSAGE_*,
  TYPING_START, CHANNEL_PINS_UPDATE, INTERACTION_CREATE without a guild) goes only to shard 0,
  as Discord sends DMs to shard 0. Any other event goes to every connection. A test can force
  a shard instead (`dispatch(..., shard_id=n)`: every connection of shard n gets it).
* Two live connections may run the same shard (Discord allows it, e.g. while a process is
  replaced); both get that shard's events.
* Refused with a violation and a close, before READY: a malformed `shard`, a shard id outside
  range(num_shards) or a num_shards that differs from the other connected shards' (4010 Invalid
  shard; Discord refuses the first two, and the double is stricter than Discord about the
  third, which only happens by mistake outside a resharding); a num_shards below the double's
  `shard_count` (4011 Sharding required: GET /gateway/bot's `shards` is taken as the number the
  bot's guilds require, as Discord requires sharding from 2,500 guilds a session). More shards
  than recommended are allowed, as on Discord.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.discord_double import payloads
from tests.discord_double.payloads import JSON
from tests.discord_double.world import World

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
INVALID_SHARD, SHARDING_REQUIRED = 4010, 4011  # gateway close codes
UNSHARDED = (0, 1)  # what an IDENTIFY without `shard` is
# Events whose `d` is the guild itself; other guild events carry `guild_id`.
GUILD_OBJECT_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})
# Events that also happen in DMs, where Discord sends them to shard 0 only.
DM_EVENTS = frozenset({"INTERACTION_CREATE", "TYPING_START", "CHANNEL_PINS_UPDATE"})


def guild_of(event: str, data: JSON) -> str | None:
    """The id of the guild a dispatch is about, None if it is about none (a DM, the bot user)."""
    if data.get("guild_id") is not None:
        return str(data["guild_id"])
    if event in GUILD_OBJECT_EVENTS and data.get("id") is not None:
        return str(data["id"])
    return None


def is_dm_event(event: str) -> bool:
    return event in DM_EVENTS or event.startswith("MESSAGE_")


@dataclass
class Session:
    """A gateway session: survives its connection so that a client can RESUME it."""

    session_id: str
    identify: JSON
    sequence: int = 0

    @property
    def intents(self) -> int:
        return int(self.identify.get("intents", 0))

    @property
    def shard(self) -> tuple[int, int]:
        """(shard_id, num_shards) as identified; checked when it was (see Gateway._shard_problem)."""
        shard = self.identify.get("shard")
        return UNSHARDED if shard is None else (int(shard[0]), int(shard[1]))

    def owns(self, guild_id: str | int) -> bool:
        shard_id, count = self.shard
        return payloads.shard_of(guild_id, count) == shard_id


@dataclass
class Connection:
    ws: web.WebSocketResponse
    compressor: Any | None  # zlib compress object for zlib-stream, else None
    session: Session | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def shard(self) -> tuple[int, int] | None:
        """(shard_id, num_shards) of its session; None before IDENTIFY/RESUME."""
        return None if self.session is None else self.session.shard

    async def send(self, payload: JSON) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            if self.ws.closed:
                return
            try:
                if self.compressor is None:
                    await self.ws.send_str(text)
                else:
                    data = self.compressor.compress(text.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
            except ConnectionError:
                # The client died (a killed bot process) before its socket was seen closing:
                # the payload is lost, as on Discord, and the others still get theirs.
                return


class Gateway:
    def __init__(
        self,
        world: World,
        *,
        on_violation: Callable[[str, str, Any], None],
        heartbeat_interval_ms: int = 41_250,
        shard_count: int = 1,
    ) -> None:
        if shard_count < 1:
            raise ValueError("shard_count must be at least 1")
        self.world = world
        self.url = ""  # set by the double once it is bound: ws://127.0.0.1:<port>/
        self.heartbeat_interval_ms = heartbeat_interval_ms
        # GET /gateway/bot's `shards`, and the fewest shards a bot may identify with (4011).
        self.shard_count = shard_count
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.identifies: list[JSON] = []  # every IDENTIFY `d` received, token included
        self.resumes: list[JSON] = []  # every RESUME `d` received
        self.heartbeats = 0  # heartbeats received (each answered with an ACK)
        self._on_violation = on_violation
        self._connected = asyncio.Condition()

    # ------------------------------------------------------------------ public

    @property
    def ready_connections(self) -> list[Connection]:
        return [c for c in self.connections if c.session is not None and not c.ws.closed]

    def on_shard(self, shard_id: int) -> list[Connection]:
        """The identified connections running shard `shard_id` (whatever their num_shards)."""
        return [c for c in self.ready_connections if c.shard is not None and c.shard[0] == shard_id]

    def recipients(self, event: str, data: JSON, *, shard_id: int | None = None) -> list[Connection]:
        """The connections Discord would send this dispatch to (see the module docstring), or
        those of shard `shard_id` if given."""
        if shard_id is not None:
            return self.on_shard(shard_id)
        guild_id = guild_of(event, data)
        if guild_id is not None:
            return [c for c in self.ready_connections if c.session is not None and c.session.owns(guild_id)]
        if is_dm_event(event):
            return self.on_shard(0)
        return self.ready_connections

    async def dispatch(
        self, event: str, data: JSON, *, intent: int | None = None, shard_id: int | None = None
    ) -> int:
        """Send a dispatch (op 0) to the identified clients Discord would send it to: those of the
        guild's shard for a guild event, shard 0 for a DM event, every one otherwise; or those of
        shard `shard_id` if given. Only those that asked for `intent`, if given. Returns how many
        got it."""
        targets = [
            c
            for c in self.recipients(event, data, shard_id=shard_id)
            if intent is None or (c.session is not None and c.session.intents & intent)
        ]
        for connection in targets:
            await self.dispatch_to(connection, event, data)
        return len(targets)

    async def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT (to shard `shard_id`'s connections only, if given): discord.py
        closes and RESUMEs on READY's resume_gateway_url."""
        targets = self.ready_connections if shard_id is None else self.on_shard(shard_id)
        for connection in targets:
            await connection.send({"op": RECONNECT, "d": None})

    async def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        async with self._connected:
            await asyncio.wait_for(
                self._connected.wait_for(lambda: len(self.ready_connections) >= count), timeout
            )

    async def close_all(self, code: int = 1001) -> None:
        for connection in list(self.connections):
            await connection.ws.close(code=code, message=b"discord double stopping")

    # ------------------------------------------------------------------ websocket endpoint

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        if request.query.get("encoding", "json") != "json":
            self._on_violation("gateway", "only encoding=json is supported", dict(request.query))
        compress = request.query.get("compress")
        compressor = zlib.compressobj() if compress == "zlib-stream" else None
        connection = Connection(ws=ws, compressor=compressor)
        self.connections.append(connection)
        try:
            await connection.send(
                {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
            )
            async for message in ws:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self._receive(connection, json.loads(message.data))
                else:
                    break
        finally:
            self.connections.remove(connection)
        return ws

    async def _receive(self, connection: Connection, payload: JSON) -> None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == HEARTBEAT:
            self.heartbeats += 1
            await connection.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(connection, data)
        elif op == RESUME:
            await self._resume(connection, data)
        elif connection.session is None:
            self._on_violation("gateway", f"op {op} sent before IDENTIFY", payload)
            await connection.ws.close(code=4003, message=b"Not authenticated.")
        elif op == REQUEST_MEMBERS:
            await self._request_members(connection, data)
        elif op in (PRESENCE, VOICE_STATE):
            pass
        else:
            self._on_violation("gateway", f"unknown opcode {op}", payload)
            await connection.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, connection: Connection, data: JSON) -> None:
        if connection.session is not None:
            self._on_violation("gateway", "IDENTIFY sent twice on one connection", data)
            await connection.ws.close(code=4005, message=b"Already authenticated.")
            return
        self.identifies.append(data)
        refusal = self._shard_problem(data.get("shard"))
        if refusal is not None:
            code, problem = refusal
            self._on_violation("gateway", problem, data.get("shard"))
            reason = b"Invalid shard." if code == INVALID_SHARD else b"Sharding required."
            await connection.ws.close(code=code, message=reason)
            return
        session = Session(session_id=uuid.uuid4().hex, identify=data)
        self.sessions[session.session_id] = session
        connection.session = session
        world = self.world
        mine = [guild for guild_id, guild in world.guilds.items() if session.owns(guild_id)]
        await self.dispatch_to(
            connection,
            "READY",
            payloads.ready(
                bot_user=world.bot_user,
                guild_ids=[guild["id"] for guild in mine],
                session_id=session.session_id,
                resume_gateway_url=self.url,
                application_id=world.application_id,
                application_flags=world.application_flags,
                shard=data.get("shard"),
            ),
        )
        for guild in mine:
            await self.dispatch_to(connection, "GUILD_CREATE", world.guild_create(guild, session.intents))
        await self._notify_connected()

    def _shard_problem(self, shard: Any) -> tuple[int, str] | None:
        """Why Discord would refuse IDENTIFY's `shard` (close code, violation message), or None."""
        if shard is None:
            shard_id, count = UNSHARDED
        elif (
            isinstance(shard, list)
            and len(shard) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
        ):
            shard_id, count = shard
        else:
            return INVALID_SHARD, f"IDENTIFY shard must be [shard_id, num_shards], not {shard!r}"
        if count < 1 or not 0 <= shard_id < count:
            return INVALID_SHARD, f"IDENTIFY shard {shard_id} is not in range({count})"
        if count < self.shard_count:
            return (
                SHARDING_REQUIRED,
                f"IDENTIFY with {count} shard(s) where Discord requires {self.shard_count} "
                "(GET /gateway/bot `shards`)",
            )
        counts = {c.shard[1] for c in self.ready_connections if c.shard is not None}
        if counts and counts != {count}:
            others = ", ".join(str(n) for n in sorted(counts))
            return INVALID_SHARD, f"IDENTIFY num_shards {count} differs from the connected shards' ({others})"
        return None

    async def _resume(self, connection: Connection, data: JSON) -> None:
        self.resumes.append(data)
        session = self.sessions.get(str(data.get("session_id")))
        if session is None:
            await connection.send({"op": INVALID_SESSION, "d": False})
            return
        connection.session = session
        await self.dispatch_to(connection, "RESUMED", {"_trace": ['["discord-double",{"micros":0}]']})
        await self._notify_connected()

    async def _request_members(self, connection: Connection, data: JSON) -> None:
        guild = self.world.guilds.get(str(data.get("guild_id")))
        if guild is None:
            return
        query = str(data.get("query") or "").lower()
        wanted = {str(u) for u in data.get("user_ids") or []}
        members = [
            m
            for uid, m in guild["members"].items()
            if (uid in wanted if wanted else m["user"]["username"].lower().startswith(query))
        ]
        limit = int(data.get("limit") or 0)
        chunk: JSON = {
            "guild_id": guild["id"],
            "members": members[:limit] if limit else members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if wanted:
            chunk["not_found"] = sorted(wanted - set(guild["members"]))
        await self.dispatch_to(connection, "GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch_to(self, connection: Connection, event: str, data: JSON) -> None:
        assert connection.session is not None
        connection.session.sequence += 1
        await connection.send({"op": DISPATCH, "t": event, "s": connection.session.sequence, "d": data})

    async def _notify_connected(self) -> None:
        async with self._connected:
            self._connected.notify_all()
