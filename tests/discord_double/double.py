"""DiscordDouble: the gateway and the REST API on one loopback port, plus interaction helpers."""

from __future__ import annotations

import asyncio
import enum
import socket
from collections.abc import Generator, Mapping, Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.discord_double import payloads
from tests.discord_double.gateway import Gateway
from tests.discord_double.payloads import EVERYONE_PERMISSIONS, JSON
from tests.discord_double.rest import Fault, FaultRule, InteractionState, RecordedRequest, RestApi, Violation
from tests.discord_double.validation import load_spec
from tests.discord_double.world import World

HOST = "127.0.0.1"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
ORIGINAL = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
WEBHOOK_MESSAGE = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
UNHANDLED_KINDS = ("unknown-route", "double-error")


class _Default(enum.Enum):
    GUILD = "the double's default guild"


DEFAULT_GUILD = _Default.GUILD
GuildChoice = str | int | None | _Default


class InteractionHandle:
    """What the bot did with one interaction. `await handle` is `await handle.callback()`."""

    def __init__(self, double: DiscordDouble, state: InteractionState) -> None:
        self._double = double
        self._state = state

    @property
    def payload(self) -> JSON:
        return self._state.payload

    @property
    def id(self) -> str:
        return self._state.id

    @property
    def token(self) -> str:
        return self._state.token

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the bot made for this interaction (callback, followups, edits, ...)."""
        return [r for r in self._double.requests if self._mine(r)]

    def _mine(self, request: RecordedRequest) -> bool:
        params = request.params
        return self.token in (params.get("interaction_token"), params.get("webhook_token"))

    async def request(
        self, method: str | None = None, route: str | None = None, *, nth: int = 0, timeout: float = 5.0
    ) -> RecordedRequest:
        """The nth request for this interaction with that method and route template."""
        return await self._double.rest.wait_for(
            lambda r: self._mine(r) and method in (None, r.method) and route in (None, r.route),
            nth=nth,
            timeout=timeout,
        )

    async def callback(self, timeout: float = 5.0) -> RecordedRequest:
        """POST /interactions/{id}/{token}/callback: the bot's initial response."""
        return await self.request("POST", CALLBACK, timeout=timeout)

    async def followup(self, nth: int = 0, timeout: float = 5.0) -> RecordedRequest:
        """The nth POST /webhooks/{application_id}/{token} (followup message)."""
        return await self.request("POST", FOLLOWUP, nth=nth, timeout=timeout)

    async def edit(self, nth: int = 0, timeout: float = 5.0) -> RecordedRequest:
        """The nth PATCH of the original response or of a followup."""
        return await self._double.rest.wait_for(
            lambda r: self._mine(r) and r.method == "PATCH" and r.route in (ORIGINAL, WEBHOOK_MESSAGE),
            nth=nth,
            timeout=timeout,
        )

    @property
    def original_message(self) -> JSON | None:
        """The original response as the double holds it now (after edits), None if none/deleted."""
        original = self._state.original_id
        return None if original is None else self._double.messages.get(original)

    @property
    def followup_messages(self) -> list[JSON]:
        return [self._double.messages[i] for i in self._state.followup_ids if i in self._double.messages]

    @property
    def modal(self) -> JSON | None:
        """The modal (callback `data`) the bot opened in response, if it did."""
        return next((data for state, data in self._double.rest.modals if state is self._state), None)

    def __await__(self) -> Generator[Any, None, RecordedRequest]:
        return self.callback().__await__()


class DiscordDouble:
    """A fake Discord on 127.0.0.1: a gateway at "/" and the REST API at "/api/v10".

    It starts with one application and bot user, one guild ("Test Server") with a text channel
    "general", its owner and one more member, `user` ("tester"), who is the default person
    interacting. Add more with `world.add_user()` / `world.add_guild()` before the bot connects.

    `shard_count` is what GET /gateway/bot recommends and the fewest shards a bot may identify
    with (gateway.py's docstring says how the double shards). The default guild is on shard 0;
    `add_guild_on_shard()` adds one on another.
    """

    def __init__(
        self, *, validate: bool = True, heartbeat_interval_ms: int = 41_250, shard_count: int = 1
    ) -> None:
        self.world = World()
        self.user = self.world.add_user("tester")
        self.gateway = Gateway(
            self.world,
            on_violation=self._gateway_violation,
            heartbeat_interval_ms=heartbeat_interval_ms,
            shard_count=shard_count,
        )
        # On shard 0 whatever the count, so that tests of one shard's bot can use the default.
        self.guild = self.world.add_guild(
            "Test Server", members=(self.user,), guild_id=payloads.guild_id_on_shard(0, shard_count)
        )
        self.rest = RestApi(self.world, self.gateway, validate=validate)
        self.port = 0
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> DiscordDouble:
        if self.rest.validate:
            await asyncio.to_thread(load_spec)  # ~3-12 s the first time in a process, then cached
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((HOST, 0))
        self.port = sock.getsockname()[1]
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.rest.serve_attachment)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.gateway.url = self.gateway_url
        self.rest.base_url = self.base_url
        return self

    async def stop(self) -> None:
        self.rest.stop_holds()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordDouble:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ addresses and world

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_base(self) -> str:
        """What discord.http.Route.BASE must be set to."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What DiscordWebSocket.DEFAULT_GATEWAY must be set to (READY's resume_gateway_url too)."""
        return f"ws://{HOST}:{self.port}/"

    @property
    def application_id(self) -> str:
        return self.world.application_id

    @property
    def bot_user(self) -> JSON:
        return self.world.bot_user

    @property
    def guild_id(self) -> str:
        return str(self.guild["id"])

    @property
    def channel(self) -> JSON:
        """The default guild's first text channel ("general")."""
        return dict(self.guild["channels"][0])

    @property
    def channel_id(self) -> str:
        return str(self.guild["channels"][0]["id"])

    @property
    def shard_count(self) -> int:
        """The shards GET /gateway/bot recommends (the `shard_count` the double was made with)."""
        return self.gateway.shard_count

    def shard_of(self, guild_id: str | int, shard_count: int | None = None) -> int:
        """The shard whose connections get the guild's events, of `shard_count` (default: the
        double's) shards."""
        return payloads.shard_of(guild_id, self.shard_count if shard_count is None else shard_count)

    def add_guild_on_shard(
        self, shard_id: int, name: str = "Test Server", *, shard_count: int | None = None, **options: Any
    ) -> JSON:
        """`world.add_guild(name, **options)` with an id on shard `shard_id` of `shard_count`
        (default: the double's) shards. Add it before the bot connects."""
        count = self.shard_count if shard_count is None else shard_count
        guild_id = payloads.guild_id_on_shard(shard_id, count)
        return self.world.add_guild(name, guild_id=guild_id, **options)

    # ------------------------------------------------------------------ what happened

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.rest.requests

    @property
    def violations(self) -> list[Violation]:
        return self.rest.violations

    @property
    def unhandled(self) -> list[Violation]:
        """Requests the double could not serve: unknown routes and errors of the double itself."""
        return [v for v in self.rest.violations if v.kind in UNHANDLED_KINDS]

    @property
    def messages(self) -> dict[str, JSON]:
        """Every message the bot has created that still exists, by id, as Discord holds it now."""
        return self.rest.messages

    @property
    def commands(self) -> dict[str | None, dict[str, JSON]]:
        """Registered application commands: guild id (None for global) -> command id -> command."""
        return self.rest.commands

    def take_violations(self) -> list[Violation]:
        """Return the violations so far and forget them (for tests that provoke one on purpose)."""
        taken = list(self.rest.violations)
        self.rest.violations.clear()
        return taken

    def assert_clean(self) -> None:
        """Fail if any request was rejected, any route unknown, or the gateway saw a bad message."""
        if self.rest.violations:
            lines = "\n  ".join(str(v) for v in self.rest.violations)
            raise AssertionError(f"Discord would have rejected or not served:\n  {lines}")

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.route == route]

    async def wait_for_request(
        self, method: str | None = None, route: str | None = None, *, nth: int = 0, timeout: float = 5.0
    ) -> RecordedRequest:
        """The nth request with that method and route template (e.g. "/channels/{channel_id}/messages")."""
        return await self.rest.wait_for(
            lambda r: method in (None, r.method) and route in (None, r.route), nth=nth, timeout=timeout
        )

    def _gateway_violation(self, route: str, message: str, body: Any) -> None:
        self.rest.violations.append(Violation("gateway", route, message, body))

    # ------------------------------------------------------------------ driving the bot

    async def dispatch(self, event: str, data: JSON, *, shard_id: int | None = None) -> int:
        """Send a gateway dispatch to the connected bots Discord would send it to (a guild's
        event: its shard's; a DM event: shard 0's; else all), or to shard `shard_id`'s;
        returns how many got it."""
        return await self.gateway.dispatch(event, data, shard_id=shard_id)

    async def request_reconnect(self, *, shard_id: int | None = None) -> None:
        """Ask connected bots (of shard `shard_id` only, if given) to reconnect (op 7); they
        RESUME and get RESUMED."""
        await self.gateway.request_reconnect(shard_id=shard_id)

    async def interact(
        self, payload: JSON, *, settle: float = 0.05, via_shard: int | None = None
    ) -> InteractionHandle:
        """Dispatch an INTERACTION_CREATE built by slash_command/component_click/modal_submit.

        It goes, as on Discord, to the connection of the shard that owns the interaction's guild
        (DMs: shard 0). `via_shard` sends it to that shard's connection instead: as when the
        guild's shard has moved to another bot process since the member's last click (the
        processes share one database, so either can carry the interview on).

        It first waits `settle` seconds, so that the bot has handled the replies to its earlier
        requests (discord.py files a View under the message id a callback returned, for one)
        before the next event comes, as no person clicks within milliseconds of a reply.
        Raises RuntimeError if no connected bot would get it.
        """
        await asyncio.sleep(settle)
        state = self.rest.add_interaction(payload)
        if await self.gateway.dispatch("INTERACTION_CREATE", payload, shard_id=via_shard) == 0:
            connected = sorted({c.shard for c in self.gateway.ready_connections if c.shard is not None})
            if not connected:
                raise RuntimeError("no bot is connected to the double's gateway")
            if via_shard is not None:
                wanted = f"shard {via_shard}"
            elif payload.get("guild_id") is not None:
                wanted = f"the shard of guild {payload['guild_id']}"
            else:
                wanted = "shard 0, which gets DMs"
            raise RuntimeError(f"no bot is connected for {wanted}; connected shards: {connected}")
        return InteractionHandle(self, state)

    def inject_fault(
        self,
        fault: Fault,
        method: str | None = None,
        route: str | None = None,
        *,
        times: int | None = 1,
        params: Mapping[str, str | int] | None = None,
    ) -> FaultRule:
        """Make Discord fail: the next `times` requests (None: every one from now on) with that
        method and route template (e.g. CALLBACK, FOLLOWUP, ORIGINAL, "/channels/{channel_id}/
        messages"; None: any) whose route parameters include `params` (e.g.
        {"interaction_token": handle.token}) get `fault` (`Fault.rate_limited(0.2)`,
        `Fault.server_error(500)`, `Fault.slow(1.0)`, `Fault.no_answer()`).

        The request is still checked against the spec first (an invalid one gets its 400 and no
        fault), recorded in `requests` with `status` and `fault` set, and listed in the returned
        rule's `served` and in `faults_served` as soon as it arrives. Faults are not violations."""
        return self.rest.inject_fault(fault, method, route, times=times, params=params)

    @property
    def faults_served(self) -> list[RecordedRequest]:
        """Every request that was served an injected fault, in arrival order."""
        return self.rest.faults_served

    def expire_token(self, token: str) -> None:
        """From now on the interaction's webhook routes answer 401 Invalid Webhook Token (50027)
        and its callback 404 Unknown interaction (10062), as after Discord's deadlines."""
        state = self.rest.by_token(token)
        if state is None:
            raise KeyError("no interaction with that token")
        state.expired = True

    def modal_data(self, custom_id: str) -> JSON | None:
        """The modal (callback `data`: custom_id, title, components) the bot last opened."""
        return next((d for _, d in reversed(self.rest.modals) if d.get("custom_id") == custom_id), None)

    # ------------------------------------------------------------------ interaction builders

    def _guild(self, guild_id: GuildChoice) -> JSON | None:
        if guild_id is DEFAULT_GUILD:
            return self.guild
        if guild_id is None:
            return None
        return self.world.guilds[str(guild_id)]

    def _context(
        self, guild: JSON | None, channel_id: str | int | None, user: JSON, roles: Sequence[str]
    ) -> tuple[JSON, JSON | None]:
        if guild is None:
            return self.world.dm_channel(user), None
        channel = guild["channels"][0] if channel_id is None else self._guild_channel(guild, str(channel_id))
        self.world.users.setdefault(user["id"], user)
        guild["members"].setdefault(user["id"], payloads.member(user, roles=roles))
        return channel, guild

    @staticmethod
    def _guild_channel(guild: JSON, channel_id: str) -> JSON:
        for channel in guild["channels"]:
            if channel["id"] == channel_id:
                return dict(channel)
        raise ValueError(f"guild {guild['id']} has no channel {channel_id}")

    def _interaction(
        self,
        *,
        interaction_type: int,
        data: JSON,
        user: JSON,
        channel: JSON,
        guild: JSON | None,
        roles: Sequence[str],
        permissions: int,
        locale: str,
        message: JSON | None = None,
    ) -> JSON:
        joined_at = guild["members"][user["id"]]["joined_at"] if guild is not None else None
        return payloads.interaction(
            interaction_type=interaction_type,
            data=data,
            application_id=self.application_id,
            invoker=user,
            channel=channel,
            guild=guild,
            member_roles=roles,
            member_permissions=permissions,
            member_joined_at=joined_at,
            locale=locale,
            message=message,
        )

    def slash_command(
        self,
        name: str,
        subcommand: str | None = None,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        user: JSON | None = None,
        guild_id: GuildChoice = DEFAULT_GUILD,
        channel_id: str | int | None = None,
        locale: str = "en-US",
        permissions: int = EVERYONE_PERMISSIONS,
        roles: Sequence[str] = (),
        resolved: JSON | None = None,
    ) -> JSON:
        """INTERACTION_CREATE `d` for /name [subcommand] with option values.

        `options` maps option names to values (typed from the synced command, else from the Python
        type) or is a raw list of option objects. `guild_id=None` invokes it in the bot's DMs.
        The command id is the one `tree.sync()` registered, if the bot synced it.
        """
        user = user or self.user
        guild = self._guild(guild_id)
        channel, guild = self._context(guild, channel_id, user, roles)
        scopes = ([guild["id"]] if guild else []) + [None]
        command: JSON = next(
            (
                c
                for scope in scopes
                for c in self.commands.get(scope, {}).values()
                if c["name"] == name and c["type"] == 1
            ),
            {"id": payloads.snowflake(), "name": name, "type": 1},
        )
        data = payloads.slash_command_data(
            command=command,
            subcommand=subcommand,
            options=options,
            resolved=resolved,
            guild_id=command.get("guild_id"),
        )
        return self._interaction(
            interaction_type=payloads.APPLICATION_COMMAND,
            data=data,
            user=user,
            channel=channel,
            guild=guild,
            roles=roles,
            permissions=permissions,
            locale=locale,
        )

    def component_click(
        self,
        custom_id: str,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        *,
        message: JSON,
        user: JSON | None = None,
        locale: str = "en-US",
        permissions: int = EVERYONE_PERMISSIONS,
        roles: Sequence[str] = (),
        resolved: JSON | None = None,
    ) -> JSON:
        """INTERACTION_CREATE `d` for a click on (or selection in) a component of a message the
        bot sent, carrying that message as the double holds it now. Raises ValueError if the
        message has no such enabled component."""
        current = self.messages.get(str(message["id"]))
        if current is None:
            raise ValueError(f"message {message['id']} was not sent through the double (or was deleted)")
        components = {
            c["custom_id"]: c for c in payloads.walk_components(current["components"]) if "custom_id" in c
        }
        component = components.get(custom_id)
        if component is None:
            raise ValueError(
                f"message {current['id']} has no component {custom_id!r}; it has {sorted(components)}"
            )
        if component["type"] != component_type:
            raise ValueError(f"component {custom_id!r} is of type {component['type']}, not {component_type}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = list(values or [])
        if resolved:
            data["resolved"] = resolved
        user = user or self.user
        found = self.world.channel(str(current["channel_id"]))
        if found is None:
            raise ValueError(f"message {current['id']} is in an unknown channel")
        channel, guild = (
            self._context(found[1], found[0]["id"], user, roles) if found[1] else (found[0], None)
        )
        return self._interaction(
            interaction_type=payloads.MESSAGE_COMPONENT,
            data=data,
            user=user,
            channel=channel,
            guild=guild,
            roles=roles,
            permissions=permissions,
            locale=locale,
            message=dict(current),
        )

    def modal_submit(
        self,
        custom_id: str,
        fields: Mapping[str, str | Sequence[str]],
        *,
        user: JSON | None = None,
        message: JSON | None = None,
        locale: str = "en-US",
        permissions: int = EVERYONE_PERMISSIONS,
        roles: Sequence[str] = (),
    ) -> JSON:
        """INTERACTION_CREATE `d` for submitting the modal `custom_id` with {field custom_id: value}.

        Mirrors the layout of the modal the bot last opened with that custom_id (labels or action
        rows) and comes from the same user, channel and message. Raises ValueError if the bot
        never opened that modal, or for unknown or missing required fields.
        """
        source = self.rest.modal_opener(custom_id)
        modal = self.modal_data(custom_id)
        if source is None or modal is None:
            raise ValueError(f"the bot never opened a modal with custom_id {custom_id!r}")
        components = payloads.modal_submit_components(modal.get("components", []), fields)
        origin = source.payload
        user = user or origin.get("member", {}).get("user") or origin["user"]
        message = message or origin.get("message")
        guild = self.world.guilds.get(str(origin.get("guild_id")))
        if message is not None:
            message = dict(self.messages.get(str(message["id"]), message))
        channel, guild = self._context(guild, str(origin["channel_id"]), user, roles)
        return self._interaction(
            interaction_type=payloads.MODAL_SUBMIT,
            data={"custom_id": custom_id, "components": components},
            user=user,
            channel=channel,
            guild=guild,
            roles=roles,
            permissions=permissions,
            locale=locale,
            message=message,
        )
