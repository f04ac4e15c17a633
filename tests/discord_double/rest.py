"""The double's HTTP API under /api/v10: the routes a bot calls, each request recorded and checked.

Every request is recorded (`RecordedRequest`), checked against Discord's OpenAPI spec
(validation.py) and then served from an in-memory store of messages, interactions and commands.
A request Discord would reject is answered as Discord answers it (400 "Invalid Form Body",
404 "Unknown Channel", 400 "Interaction has already been acknowledged", ...) and recorded as a
`Violation`; so is a route the double does not serve (404). Nothing answers 5xx by itself
(discord.py retries those with sleeps of 1-9 s, which would only slow a failing test down): a
test asks for Discord's failures explicitly with `inject_fault` (429 rate limits, 5xx, slow or
missing answers; see `Fault`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from tests.discord_double import payloads
from tests.discord_double.gateway import Gateway
from tests.discord_double.payloads import EPHEMERAL, JSON, LOADING
from tests.discord_double.validation import check_request, check_response, discord_error_body
from tests.discord_double.world import World

# How long Discord remembers a message nonce for enforce_nonce ("the past few minutes").
NONCE_WINDOW_SECONDS = 5 * 60

API_PREFIX = "/api/v10"
GUILD_MESSAGES_INTENT, DIRECT_MESSAGES_INTENT = 1 << 9, 1 << 12
# Flags a bot may set on a message it sends: SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS,
# IS_VOICE_MESSAGE, IS_COMPONENTS_V2.
SETTABLE_FLAGS = 1 << 2 | 1 << 6 | 1 << 12 | 1 << 13 | 1 << 15
# Callback types each interaction type accepts (docs: "Interaction Callback Type").
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


@dataclass(frozen=True)
class RecordedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One request the bot made. `path` is the part after /api/v10; `route` the spec's template
    for it (e.g. "/interactions/{interaction_id}/{interaction_token}/callback"), None if the
    double serves no such route. `json` is the JSON body, or the decoded `payload_json` of a
    multipart body; `files` the multipart file parts. `headers` never holds Authorization."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[RecordedFile]
    route: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None
    fault: Fault | None = None  # the failure the double served instead (inject_fault), if any
    response_headers: dict[str, str] = field(default_factory=dict)  # beyond Content-Type

    @property
    def key(self) -> str:
        return f"{self.method} {self.route or self.path}"

    def __str__(self) -> str:
        files = f" +{len(self.files)} file(s)" if self.files else ""
        fault = f" [fault: {self.fault}]" if self.fault else ""
        return f"{self.method} {self.path} -> {self.status}{files}{fault}"


_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
RATE_LIMITED = "You are being rate limited."


@dataclass(frozen=True)
class Fault:
    """A failure the double serves instead of (or before) the normal answer; see
    `RestApi.inject_fault`. Build one with the class methods:

    * `rate_limited(retry_after)`: 429 as Discord sends it: body `{"message": "You are being rate
      limited.", "retry_after": x, "global": false, "code": 0}`, headers `Retry-After` (whole
      seconds, rounded up), `X-RateLimit-Limit`, `-Remaining: 0`, `-Reset` (epoch seconds),
      `-Reset-After` (x), `-Bucket`, `-Scope` (and `-Global` for a global limit), and `Via`.
      discord.py waits the body's `retry_after` and tries again; it honours a 429 only with a
      `Via` header (without one it takes the 429 for a Cloudflare ban and raises).
    * `server_error(status)`: 500/502/503/504 with a JSON body `{"message": "500: Internal Server
      Error", "code": 0}`, or `body=` any JSON or text (a Cloudflare HTML page, say).
    * `slow(seconds)`: hold the request, then serve it normally (it takes effect then).
    * `no_answer(seconds)`: hold the request longer than the client waits, then answer 504
      without serving it (Discord never got it). `DiscordDouble.stop()` ends every hold.
    """

    status: int | None = None  # None: serve the request normally (after `delay`)
    body: Any = None  # JSON, or str for a text/html body
    delay: float = 0.0
    retry_after: float | None = None
    is_global: bool = False
    bucket: str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

    @classmethod
    def rate_limited(
        cls, retry_after: float = 0.2, *, is_global: bool = False, bucket: str | None = None
    ) -> Fault:
        body = {"message": RATE_LIMITED, "retry_after": retry_after, "global": is_global, "code": 0}
        fault = cls(429, body, retry_after=retry_after, is_global=is_global)
        return fault if bucket is None else dataclasses.replace(fault, bucket=bucket)

    @classmethod
    def server_error(cls, status: int = 500, *, body: Any = None) -> Fault:
        if not 500 <= status <= 599:
            raise ValueError("a server error is a 5xx status")
        default = {"message": f"{status}: {_REASONS.get(status, 'Server Error')}", "code": 0}
        return cls(status, default if body is None else body)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls(None, delay=seconds)

    @classmethod
    def no_answer(cls, seconds: float = 30.0) -> Fault:
        return cls(504, "upstream request timeout", delay=seconds)

    def headers(self) -> dict[str, str]:
        """The response headers of this fault (for a 429: the ones Discord sends)."""
        if self.status != 429 or self.retry_after is None:
            return {}
        headers = {
            "Retry-After": str(math.ceil(self.retry_after)),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Bucket": self.bucket,
            "X-RateLimit-Scope": "global" if self.is_global else "user",
            "Via": "1.1 google",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        return headers

    def __str__(self) -> str:
        if self.status == 429:
            return f"429 retry_after={self.retry_after}"
        if self.status is None:
            return f"slow {self.delay}s"
        return f"{self.status}" + (f" after {self.delay}s" if self.delay else "")


@dataclass
class FaultRule:
    """Serve `fault` to the next `times` requests (None: every one) with that method and route
    template (None: any), whose route parameters include `params`. `served` lists the requests
    that got it, in arrival order (a held request is listed as soon as it arrives)."""

    fault: Fault
    method: str | None = None
    route: str | None = None
    times: int | None = 1
    params: Mapping[str, str] = field(default_factory=dict)
    served: list[RecordedRequest] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.served)

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(0, self.times - len(self.served))

    def matches(self, recorded: RecordedRequest) -> bool:
        return (
            self.remaining != 0
            and self.method in (None, recorded.method)
            and self.route in (None, recorded.route)
            and all(recorded.params.get(k) == str(v) for k, v in self.params.items())
        )


@dataclass
class Violation:
    """A request (or gateway message) Discord would reject, or one the double does not serve.

    kind: "invalid-request" (fails the spec), "rejected" (valid, but Discord refuses it in this
    state, e.g. a second callback), "unknown-route", "gateway", "double-error" (a bug here)."""

    kind: str
    route: str
    message: str
    body: Any = None
    request: RecordedRequest | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.route}: {self.message}"


@dataclass
class InteractionState:
    payload: JSON
    response_type: int | None = None
    original_id: str | None = None
    awaiting_first_followup: bool = False  # deferred (type 5): the first followup fills the loader
    followup_ids: list[str] = field(default_factory=list)
    expired: bool = False

    @property
    def id(self) -> str:
        return str(self.payload["id"])

    @property
    def token(self) -> str:
        return str(self.payload["token"])

    @property
    def type(self) -> int:
        return int(self.payload["type"])


class DiscordError(Exception):
    """An error reply as Discord gives it; `violation` says whether the bot is to blame."""

    def __init__(
        self, status: int, code: int, message: str, *, violation: bool = True, errors: JSON | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.violation = status, code, message, violation
        self.errors = errors

    def body(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def _form_error(field: str, code: str, message: str) -> DiscordError:
    """400 "Invalid Form Body" (50035) for one field, as Discord reports a rejected value."""
    return DiscordError(
        400,
        50035,
        "Invalid Form Body",
        errors={field: {"_errors": [{"code": code, "message": message}]}},
    )


Handler = Callable[[RecordedRequest], Awaitable[tuple[int, Any]]]


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


class RestApi:
    def __init__(self, world: World, gateway: Gateway, *, validate: bool = True) -> None:
        self.world = world
        self.gateway = gateway
        self.validate = validate
        self.base_url = ""  # http://127.0.0.1:<port>, set once bound
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.messages: dict[str, JSON] = {}
        # (channel id, nonce) -> (message id, when), for enforce_nonce
        self._nonces: dict[tuple[str, str], tuple[str, float]] = {}
        self.attachment_data: dict[str, bytes] = {}
        self.interactions: dict[str, InteractionState] = {}
        self.modals: list[tuple[InteractionState, JSON]] = []  # (interaction, modal `data`) opened
        self.commands: dict[str | None, dict[str, JSON]] = {}  # guild id (None: global) -> id -> cmd
        self.fault_rules: list[FaultRule] = []
        self.faults_served: list[RecordedRequest] = []  # every request served a fault, as it came
        self._changed = asyncio.Condition()
        self._stopping = asyncio.Event()  # set by stop_holds(): every held fault answers at once
        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = []
        self._add_routes()

    # ------------------------------------------------------------------ routing

    def _add_routes(self) -> None:
        app, guild = "/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", f"{app}/commands", self._list_commands),
            ("PUT", f"{app}/commands", self._put_commands),
            ("POST", f"{app}/commands", self._post_command),
            ("GET", f"{app}/commands/{{command_id}}", self._get_command),
            ("PATCH", f"{app}/commands/{{command_id}}", self._patch_command),
            ("DELETE", f"{app}/commands/{{command_id}}", self._delete_command),
            ("GET", f"{guild}/commands", self._list_commands),
            ("PUT", f"{guild}/commands", self._put_commands),
            ("POST", f"{guild}/commands", self._post_command),
            ("GET", f"{guild}/commands/{{command_id}}", self._get_command),
            ("PATCH", f"{guild}/commands/{{command_id}}", self._patch_command),
            ("DELETE", f"{guild}/commands/{{command_id}}", self._delete_command),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self._callback),
            ("POST", hook, self._followup),
            ("GET", f"{hook}/messages/@original", self._get_webhook_message),
            ("PATCH", f"{hook}/messages/@original", self._edit_webhook_message),
            ("DELETE", f"{hook}/messages/@original", self._delete_webhook_message),
            ("GET", f"{hook}/messages/{{message_id}}", self._get_webhook_message),
            ("PATCH", f"{hook}/messages/{{message_id}}", self._edit_webhook_message),
            ("DELETE", f"{hook}/messages/{{message_id}}", self._delete_webhook_message),
            ("POST", "/channels/{channel_id}/messages", self._post_channel_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_channel_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_channel_message),
        ]
        self._routes = [(method, tpl, _compile(tpl), handler) for method, tpl, handler in table]

    @property
    def route_templates(self) -> set[str]:
        return {template for _, template, _, _ in self._routes}

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], Handler] | None:
        for route_method, template, pattern, handler in self._routes:
            found = pattern.match(path)
            if found and route_method == method:
                return template, found.groupdict(), handler
        return None

    # ------------------------------------------------------------------ the endpoint

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
        body, files = await _read_body(request)
        recorded = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            json=body,
            files=files,
        )
        try:
            status, response = await self._serve(request, recorded)
        except DiscordError as error:
            status, response = error.status, error.body()
            if error.violation:
                detail = f" {error.errors}" if error.errors else ""
                self._violate("rejected", recorded, f"{error.status} {error.code} {error.message}{detail}")
        except Exception as error:  # a bug in the double: never 5xx, see module doc
            status, response = 400, {"message": f"discord double failed: {error!r}", "code": 0}
            self._violate("double-error", recorded, repr(error))
        recorded.status, recorded.response = status, response
        if self.validate and recorded.route is not None and (status < 300 or status == 429):
            self._check_own_response(request, recorded)
        self.requests.append(recorded)
        async with self._changed:
            self._changed.notify_all()
        headers = dict(recorded.response_headers)
        if response is None:
            return web.Response(status=status, headers=headers)
        if isinstance(response, str):
            return web.Response(status=status, text=response, content_type="text/html", headers=headers)
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(response).encode(), headers=headers)

    async def _serve(self, request: web.Request, recorded: RecordedRequest) -> tuple[int, Any]:
        matched = self._match(recorded.method, recorded.path)
        if matched is None or not request.path.startswith(API_PREFIX + "/"):
            self._violate("unknown-route", recorded, "the double serves no such route")
            return 404, {"message": "404: Not Found", "code": 0}
        recorded.route, recorded.params, handler = matched
        if self.validate:
            problems = check_request(
                recorded.method,
                recorded.path,
                query=recorded.query,
                headers=dict(request.headers),
                body=recorded.json,
            )
            if problems:
                self._violate("invalid-request", recorded, "; ".join(map(str, problems)))
                return 400, discord_error_body(problems)
        rule = next((r for r in self.fault_rules if r.matches(recorded)), None)
        if rule is not None:
            return await self._serve_fault(rule, recorded, handler)
        return await handler(recorded)

    # ------------------------------------------------------------------ faults

    def inject_fault(
        self,
        fault: Fault,
        method: str | None = None,
        route: str | None = None,
        *,
        times: int | None = 1,
        params: Mapping[str, str | int] | None = None,
    ) -> FaultRule:
        """Fail the next `times` requests (None: all from now on) with that method and route
        template with `fault`. Only a request that passes the spec check gets a fault: the bot's
        requests are still validated, and an invalid one is answered 400 as always."""
        if route is not None and route not in self.route_templates:
            raise ValueError(f"the double serves no route {route!r}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        rule = FaultRule(
            fault,
            None if method is None else method.upper(),
            route,
            times,
            {k: str(v) for k, v in (params or {}).items()},
        )
        self.fault_rules.append(rule)
        return rule

    async def _serve_fault(
        self, rule: FaultRule, recorded: RecordedRequest, handler: Handler
    ) -> tuple[int, Any]:
        fault = rule.fault
        recorded.fault = fault
        rule.served.append(recorded)
        self.faults_served.append(recorded)
        async with self._changed:
            self._changed.notify_all()
        if fault.delay:
            await self._hold(fault.delay)
        if fault.status is None:
            return await handler(recorded)
        recorded.response_headers = fault.headers()
        return fault.status, fault.body

    async def _hold(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def stop_holds(self) -> None:
        """End every held (slow or unanswered) request now; the double is stopping."""
        self._stopping.set()

    def _check_own_response(self, request: web.Request, recorded: RecordedRequest) -> None:
        """Hold the double's successful replies to the spec's response schemas too, so what the
        bot gets back has the shape Discord's replies have; a mismatch is a bug here
        ("double-error"). 429s (injected rate limits) are checked as well, against the spec's
        RatelimitedResponse. Other error replies are not: the spec types a field error's `code`
        as an integer, where Discord sends strings such as "BASE_TYPE_MAX_LENGTH" (as in its own
        docs' "Array Error" example), which the double's 400s copy; and it declares no 5xx
        responses at all, so an injected 5xx (a reply the double chose, not one the bot's
        request earned) has nothing to be checked against."""
        problems = check_response(
            recorded.method,
            recorded.path,
            status=recorded.status,
            response=recorded.response,
            query=recorded.query,
            headers=dict(request.headers),
            body=recorded.json,
        )
        if problems:
            self._violate(
                "double-error", recorded, "reply does not fit the spec: " + "; ".join(map(str, problems))
            )

    def _violate(self, kind: str, recorded: RecordedRequest, message: str) -> None:
        self.violations.append(Violation(kind, recorded.key, message, recorded.json, recorded))

    async def serve_attachment(self, request: web.Request) -> web.Response:
        data = self.attachment_data.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def wait_for(
        self, predicate: Callable[[RecordedRequest], bool], *, nth: int = 0, timeout: float = 5.0
    ) -> RecordedRequest:
        """The nth (0-based) recorded request matching `predicate`, waiting up to `timeout` s."""

        def found() -> list[RecordedRequest]:
            return [r for r in self.requests if predicate(r)]

        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(lambda: len(found()) > nth), timeout)
        except TimeoutError:
            seen = "\n  ".join(str(r) for r in self.requests) or "(none)"
            problems = "\n  ".join(str(v) for v in self.violations) or "(none)"
            raise AssertionError(
                f"no matching request #{nth} within {timeout}s.\nRequests so far:\n  {seen}"
                f"\nViolations so far:\n  {problems}"
            ) from None
        return found()[nth]

    # ------------------------------------------------------------------ interactions

    def add_interaction(self, payload: JSON) -> InteractionState:
        state = InteractionState(payload)
        self.interactions[state.id] = state
        return state

    def by_token(self, token: str) -> InteractionState | None:
        return next((s for s in self.interactions.values() if s.token == token), None)

    async def _callback(self, req: RecordedRequest) -> tuple[int, Any]:
        state = self.interactions.get(req.params["interaction_id"])
        if state is None or state.token != req.params["interaction_token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        if state.expired:
            raise DiscordError(404, 10062, "Unknown interaction", violation=False)
        if state.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        kind, data = int(req.json["type"]), req.json.get("data") or {}
        source = state.payload.get("message")
        if kind not in ALLOWED_CALLBACKS.get(state.type, set()) or (kind in (6, 7) and source is None):
            raise _form_error(
                "type",
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"callback type {kind} is not valid for interaction type {state.type}",
            )
        state.response_type = kind
        message: JSON | None = None
        if kind == 4:
            message = self._new_interaction_message(state, data, req.files)
            state.original_id = message["id"]
        elif kind == 5:
            loader = {"content": "", "flags": LOADING | (int(data.get("flags") or 0) & EPHEMERAL)}
            message = self._new_interaction_message(state, loader, [])
            state.original_id, state.awaiting_first_followup = message["id"], True
        elif kind in (6, 7):
            assert source is not None
            state.original_id = str(source["id"])
            if kind == 7:
                message = self._edit(self._stored(source), data, req.files)
        elif kind == 9:
            self.modals.append((state, data))
        if not _truthy(req.query.get("with_response")):
            return 204, None
        response: JSON = {"interaction": {"id": state.id, "type": state.type}}
        if state.original_id is not None and kind in (4, 5, 6, 7):
            current = self.messages.get(state.original_id, {})
            response["interaction"].update(
                response_message_id=state.original_id,
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(int(current.get("flags", 0)) & EPHEMERAL),
            )
        if message is not None and kind in (4, 7):
            response["resource"] = {"type": kind, "message": message}
        return 200, response

    def _interaction_for_webhook(self, req: RecordedRequest) -> InteractionState:
        if req.params["webhook_id"] != self.world.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        state = self.by_token(req.params["webhook_token"])
        if state is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if state.expired:
            raise DiscordError(401, 50027, "Invalid Webhook Token", violation=False)
        if state.response_type is None:
            raise DiscordError(404, 10015, "Unknown Webhook")  # no followups before the callback
        return state

    def _webhook_message(self, req: RecordedRequest, state: InteractionState) -> JSON:
        wanted = req.params.get("message_id", state.original_id)
        if wanted not in ({state.original_id, *state.followup_ids} - {None}) or wanted not in self.messages:
            raise DiscordError(404, 10008, "Unknown Message")
        return self.messages[str(wanted)]

    async def _followup(self, req: RecordedRequest) -> tuple[int, Any]:
        state = self._interaction_for_webhook(req)
        if state.awaiting_first_followup and state.original_id in self.messages:
            state.awaiting_first_followup = False  # the first followup after a defer is the response
            message = self._edit(self.messages[state.original_id], req.json or {}, req.files)
        else:
            message = self._new_interaction_message(state, req.json or {}, req.files, followup=True)
            state.followup_ids.append(message["id"])
        return (200, message) if _truthy(req.query.get("wait")) else (204, None)

    async def _get_webhook_message(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self._webhook_message(req, self._interaction_for_webhook(req))

    async def _edit_webhook_message(self, req: RecordedRequest) -> tuple[int, Any]:
        state = self._interaction_for_webhook(req)
        message = self._webhook_message(req, state)
        if message["id"] == state.original_id:
            state.awaiting_first_followup = False
        return 200, self._edit(message, req.json or {}, req.files)

    async def _delete_webhook_message(self, req: RecordedRequest) -> tuple[int, Any]:
        message = self._webhook_message(req, self._interaction_for_webhook(req))
        del self.messages[message["id"]]
        return 204, None

    # ------------------------------------------------------------------ messages

    def _stored(self, message: JSON) -> JSON:
        return self.messages.get(str(message["id"]), message)

    def _new_interaction_message(
        self, state: InteractionState, body: JSON, files: list[RecordedFile], *, followup: bool = False
    ) -> JSON:
        payload = state.payload
        metadata = self._metadata(state)
        extra: JSON = {"interaction_metadata": metadata}
        message_type = 0
        if state.type == 2:
            extra["interaction"] = {
                "id": state.id,
                "type": 2,
                "name": metadata["name"],
                "user": metadata["user"],
            }
            message_type = 20 if metadata["command_type"] == 1 else 23
        if followup and state.original_id is not None:
            metadata["original_response_message_id"] = state.original_id
        return self._create(
            channel_id=str(payload["channel_id"]),
            body=body,
            files=files,
            message_type=message_type,
            webhook_id=self.world.application_id,
            extra=extra,
        )

    def _metadata(self, state: InteractionState) -> JSON:
        """The `interaction_metadata` Discord puts on messages created in response to `state`."""
        payload = state.payload
        metadata: JSON = {
            "id": state.id,
            "type": state.type,
            "user": payload.get("member", {}).get("user") or payload["user"],
            "authorizing_integration_owners": payload["authorizing_integration_owners"],
        }
        if state.type == 2:
            metadata["name"] = payload["data"]["name"]
            metadata["command_type"] = payload["data"].get("type", 1)
        elif state.type == 3:
            metadata["interacted_message_id"] = payload["message"]["id"]
        elif state.type == 5:
            # A client that changed the form's custom_id still submits the form it was shown:
            # Discord ties the submission to the last form opened for that person.
            opener = self.modal_opener(payload["data"]["custom_id"]) or self.last_modal_for(metadata["user"])
            if opener is not None:
                metadata["triggering_interaction_metadata"] = self._metadata(opener)
        return metadata

    def modal_opener(self, custom_id: str) -> InteractionState | None:
        """The interaction the bot last answered with the modal `custom_id`."""
        return next((s for s, data in reversed(self.modals) if data.get("custom_id") == custom_id), None)

    def last_modal_for(self, user: JSON) -> InteractionState | None:
        """The interaction by `user` the bot last answered with a modal."""

        def person(state: InteractionState) -> JSON:
            found: JSON = state.payload.get("member", {}).get("user") or state.payload["user"]
            return found

        return next((s for s, _ in reversed(self.modals) if person(s)["id"] == user["id"]), None)

    def _create(
        self,
        *,
        channel_id: str,
        body: JSON,
        files: list[RecordedFile],
        message_type: int = 0,
        webhook_id: str | None = None,
        extra: JSON | None = None,
    ) -> JSON:
        flags = int(body.get("flags") or 0) & (SETTABLE_FLAGS | LOADING)
        message = payloads.message(
            channel_id=channel_id,
            author=self.world.bot_user,
            content=body.get("content") or "",
            message_type=message_type,
            flags=flags,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._attachments(channel_id, body, files, [], bool(flags & EPHEMERAL)),
            tts=bool(body.get("tts")),
            application_id=self.world.application_id,
            webhook_id=webhook_id,
            extra=extra,
        )
        if body.get("message_reference"):
            message["message_reference"] = {"type": 0, "channel_id": channel_id, **body["message_reference"]}
            message["type"] = 19
        self.messages[message["id"]] = message
        return message

    def _edit(self, message: JSON, body: JSON, files: list[RecordedFile]) -> JSON:
        """Apply a PATCH (or an UPDATE_MESSAGE callback) to a stored message: given fields replace."""
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = [payloads.embed(e) for e in body["embeds"] or []]
        if "components" in body:
            message["components"] = payloads.number_components(body["components"] or [])
        flags = int(message.get("flags", 0)) & ~LOADING
        if body.get("flags") is not None:
            changeable = SETTABLE_FLAGS & ~EPHEMERAL  # ephemerality is fixed once sent
            flags = flags & ~changeable | int(body["flags"]) & changeable
        message["flags"] = flags
        message["attachments"] = self._attachments(
            str(message["channel_id"]), body, files, message.get("attachments", []), bool(flags & EPHEMERAL)
        )
        message["edited_timestamp"] = payloads.now_iso()
        return message

    def _attachments(
        self, channel_id: str, body: JSON, files: list[RecordedFile], existing: list[JSON], ephemeral: bool
    ) -> list[JSON]:
        """The attachment list after a create/edit: entries of `attachments` name kept attachments
        by id and new uploads by file index ("files[N]"); without `attachments`, existing ones are
        kept and every upload is added."""
        uploads = {int(f.field[6:-1]): f for f in files if re.fullmatch(r"files\[\d+\]", f.field)}

        def upload(index: int, filename: str | None) -> JSON:
            part = uploads.pop(index)
            new = payloads.attachment(
                channel_id=channel_id,
                filename=filename or part.filename,
                data=part.data,
                content_type=part.content_type,
                base_url=self.base_url,
                ephemeral=ephemeral,
            )
            self.attachment_data[new["id"]] = part.data
            return new

        if body.get("attachments") is None:
            return [*existing, *(upload(i, None) for i in sorted(uploads))]
        kept = {str(a["id"]): a for a in existing}
        result: list[JSON] = []
        for entry in body["attachments"]:
            entry_id = str(entry["id"])
            if entry_id in kept:
                result.append(kept[entry_id])
            elif entry_id.isdigit() and int(entry_id) in uploads:
                new = upload(int(entry_id), entry.get("filename"))
                if entry.get("description"):
                    new["description"] = entry["description"]
                result.append(new)
            else:
                raise _form_error("attachments", "ATTACHMENT_NOT_FOUND", f"unknown attachment id {entry_id}")
        return [*result, *(upload(i, None) for i in sorted(uploads))]

    def _channel(self, channel_id: str) -> tuple[JSON, JSON | None]:
        found = self.world.channel(channel_id)
        if found is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return found

    def _channel_message(self, req: RecordedRequest) -> JSON:
        self._channel(req.params["channel_id"])
        message = self.messages.get(req.params["message_id"])
        if message is None or message["channel_id"] != req.params["channel_id"]:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _post_channel_message(self, req: RecordedRequest) -> tuple[int, Any]:
        channel, guild = self._channel(req.params["channel_id"])
        if guild is None and any(r["id"] in self.world.closed_dms for r in channel.get("recipients", ())):
            # Not the bot's fault: the person closed their DMs, as Discord answers then.
            raise DiscordError(403, 50007, "Cannot send messages to this user", violation=False)
        body = req.json or {}
        earlier = self._same_nonce(channel["id"], body)
        if earlier is not None:
            # enforce_nonce: Discord answers with the message already made, and makes no other.
            return 200, earlier
        message = self._create(channel_id=channel["id"], body=body, files=req.files)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
            self._nonces[(channel["id"], str(body["nonce"]))] = (message["id"], time.monotonic())
        event = dict(message)
        if guild is not None:
            bot_member = {k: v for k, v in guild["members"][self.world.bot_user["id"]].items() if k != "user"}
            event.update(guild_id=guild["id"], member=bot_member)
        await self.gateway.dispatch(
            "MESSAGE_CREATE", event, intent=GUILD_MESSAGES_INTENT if guild else DIRECT_MESSAGES_INTENT
        )
        return 200, message

    def _same_nonce(self, channel_id: str, body: JSON) -> JSON | None:
        """The bot's message in this channel with the same nonce, made within the last few
        minutes, when the request asks for ``enforce_nonce``."""
        if body.get("nonce") is None or not body.get("enforce_nonce"):
            return None
        seen = self._nonces.get((channel_id, str(body["nonce"])))
        if seen is None or time.monotonic() - seen[1] > NONCE_WINDOW_SECONDS:
            return None
        return self.messages.get(seen[0])

    async def _get_channel_message(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self._channel_message(req)

    async def _edit_channel_message(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self._edit(self._channel_message(req), req.json or {}, req.files)

    async def _delete_channel_message(self, req: RecordedRequest) -> tuple[int, Any]:
        del self.messages[self._channel_message(req)["id"]]
        return 204, None

    async def _open_dm(self, req: RecordedRequest) -> tuple[int, Any]:
        recipient = self.world.users.get(str(req.json["recipient_id"]))
        if recipient is None:
            raise DiscordError(404, 10013, "Unknown User")
        return 200, self.world.dm_channel(recipient)

    # ------------------------------------------------------------------ identity

    async def _get_me(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, payloads.client_user(self.world.bot_user)

    async def _get_application(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self.world.application()

    async def _get_gateway(self, req: RecordedRequest) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        # `shards` is the double's shard_count: what AutoShardedClient launches when not told.
        shards = self.gateway.shard_count
        return 200, {"url": self.gateway.url, "shards": shards, "session_start_limit": limit}

    # ------------------------------------------------------------------ application commands

    def _command_scope(self, req: RecordedRequest) -> dict[str, JSON]:
        if req.params["application_id"] != self.world.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        guild_id = req.params.get("guild_id")
        if guild_id is not None and guild_id not in self.world.guilds:
            raise DiscordError(403, 50001, "Missing Access")
        return self.commands.setdefault(guild_id, {})

    def _upsert(self, scope: dict[str, JSON], body: JSON, guild_id: str | None) -> JSON:
        kind = int(body.get("type") or 1)
        old = next((c for c in scope.values() if c["name"] == body["name"] and c["type"] == kind), None)
        command: JSON = {
            "id": old["id"] if old else payloads.snowflake(),
            "application_id": self.world.application_id,
            "version": payloads.snowflake(),
            "type": kind,
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description", ""),
            "description_localizations": body.get("description_localizations"),
            # Discord accepts the permission bits as a number or a string, and answers a string.
            "default_member_permissions": (
                None
                if body.get("default_member_permissions") is None
                else str(body["default_member_permissions"])
            ),
            "nsfw": bool(body.get("nsfw")),
            "integration_types": body.get("integration_types") or [0],
            "contexts": body.get("contexts"),
        }
        if body.get("options"):
            command["options"] = body["options"]
        if guild_id is not None:
            command["guild_id"] = guild_id
        else:
            command["dm_permission"] = body.get("dm_permission", True)
        scope[command["id"]] = command
        return command

    def _command(self, req: RecordedRequest) -> tuple[dict[str, JSON], JSON]:
        scope = self._command_scope(req)
        command = scope.get(req.params["command_id"])
        if command is None:
            raise DiscordError(404, 10063, "Unknown application command")
        return scope, command

    async def _list_commands(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, list(self._command_scope(req).values())

    async def _put_commands(self, req: RecordedRequest) -> tuple[int, Any]:
        """Overwrite the whole set; a command keeps its id while its name and type stay the same."""
        scope = self._command_scope(req)
        previous = {(c["name"], c["type"]): c for c in scope.values()}
        scope.clear()
        for body in req.json or []:
            old = previous.get((body["name"], int(body.get("type") or 1)))
            if old is not None:
                scope[old["id"]] = old
            self._upsert(scope, body, req.params.get("guild_id"))
        return 200, list(scope.values())

    async def _post_command(self, req: RecordedRequest) -> tuple[int, Any]:
        return 201, self._upsert(self._command_scope(req), req.json, req.params.get("guild_id"))

    async def _get_command(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self._command(req)[1]

    async def _patch_command(self, req: RecordedRequest) -> tuple[int, Any]:
        scope, command = self._command(req)
        return 200, self._upsert(scope, {**command, **(req.json or {})}, req.params.get("guild_id"))

    async def _delete_command(self, req: RecordedRequest) -> tuple[int, Any]:
        scope, command = self._command(req)
        del scope[command["id"]]
        return 204, None


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    """(JSON body or decoded payload_json, file parts) of a request."""
    if not request.can_read_body:
        return None, []
    if request.content_type == "multipart/form-data":
        body: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                body = json.loads(data)
            else:
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                files.append(RecordedFile(part.name or "", part.filename or "", content_type, bytes(data)))
        return body, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), []
