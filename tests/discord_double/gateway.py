"""The double's gateway: one websocket endpoint speaking Discord's gateway protocol (v10, JSON).

HELLO -> IDENTIFY -> READY (+ one GUILD_CREATE per guild), heartbeats answered with ACKs, RESUME
answered with RESUMED (nothing is replayed), REQUEST_GUILD_MEMBERS answered with one chunk.
`?compress=zlib-stream` is honoured (one zlib stream per connection, each payload ending in a
Z_SYNC_FLUSH, as discord.py expects); any other transport compression (zstd-stream, which
discord.py asks for only when the `zstandard` package is installed) is answered with plain text
frames, which discord.py also accepts. Payload compression (IDENTIFY's `compress`) is ignored,
as Discord does when transport compression is on.

A client that dies without closing (a bot process killed with SIGKILL) loses what was being sent
to it, and the others still get theirs; its next process connects again and IDENTIFYs (or
RESUMEs) as any client does.
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


@dataclass
class Session:
    """A gateway session: survives its connection so that a client can RESUME it."""

    session_id: str
    identify: JSON
    sequence: int = 0

    @property
    def intents(self) -> int:
        return int(self.identify.get("intents", 0))


@dataclass
class Connection:
    ws: web.WebSocketResponse
    compressor: Any | None  # zlib compress object for zlib-stream, else None
    session: Session | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

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
    ) -> None:
        self.world = world
        self.url = ""  # set by the double once it is bound: ws://127.0.0.1:<port>/
        self.heartbeat_interval_ms = heartbeat_interval_ms
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

    async def dispatch(self, event: str, data: JSON, *, intent: int | None = None) -> int:
        """Send a dispatch (op 0) to every identified client (only those that asked for `intent`,
        if given); returns how many got it."""
        targets = [
            c
            for c in self.ready_connections
            if intent is None or (c.session is not None and c.session.intents & intent)
        ]
        for connection in targets:
            await self.dispatch_to(connection, event, data)
        return len(targets)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes and RESUMEs on READY's resume_gateway_url."""
        for connection in self.ready_connections:
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
        session = Session(session_id=uuid.uuid4().hex, identify=data)
        self.sessions[session.session_id] = session
        connection.session = session
        world = self.world
        await self.dispatch_to(
            connection,
            "READY",
            payloads.ready(
                bot_user=world.bot_user,
                guild_ids=list(world.guilds),
                session_id=session.session_id,
                resume_gateway_url=self.url,
                application_id=world.application_id,
                application_flags=world.application_flags,
                shard=data.get("shard"),
            ),
        )
        for guild in world.guilds.values():
            await self.dispatch_to(connection, "GUILD_CREATE", world.guild_create(guild, session.intents))
        await self._notify_connected()

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
