"""Soak: simulated members take interviews against a real bot process that keeps being killed.

    python -m benchmarks.soak [--minutes 5 | --seconds N] [--members 1000] [--kills 100] [--seed N]

The loopback Discord double (tests/discord_double) runs in this process; the bot runs in a
subprocess (tests/soak_bot.py: the real ``AdvisorBot`` through ``bot.runner.run_bot`` on a real
SQLite file, with discord.py pointed at the double). Members click the buttons, pick from the
menus and fill in the modals of the messages the bot actually sent, with random backs,
restarts, cancels (answering the confirmation the bot asks for, mostly yes), stale clicks (a
button of an older message), double clicks (the same click sent twice at once) and clicks on
somebody else's message. The bot is killed with SIGKILL at
random moments and started again; a warm standby process keeps a restart to a connect.

The driver keeps a model of every member's interview: the same pure dialog engine the bot
uses, applied under the bot's version rule (a component carries the session version it was
drawn for; only a component of the stored version changes anything). An interaction is
*acknowledged* once the double has received the bot's reply to it (its callback, or after a
deferral the edit or followup carrying the answer): the bot stores before it replies, so the
model then holds the new state as certain. An interaction with no reply when the process is
killed is *in flight*: the model accepts the state before it or after it (or, for a restart,
the moment between its two transactions), and nothing else.

While the bot is dead, the database file is read directly (a read-only sqlite3 connection):
every member's stored interview and results must be one the model allows. Otherwise it is
counted as *lost* (an acknowledged answer or result is missing), *cross-talk* (an answer or
result that member never gave, or a reply to one member carrying another member's
interview) or *unexpected* (anything else: a double application, a half-written state). At
the end every member finishes its interview (a few cancel on purpose and stay cancelled) and
the database is checked once more.

Prints a table, writes benchmarks/results/soak-latest.json, and exits 1 on any loss,
cross-talk, unexpected state, unanswered interaction or unfinished member.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from dialogs.engine import DialogEngine, Turn, TurnKind
from dialogs.session import Answer, Session, load_session
from tests.discord_double.double import CALLBACK, FOLLOWUP, ORIGINAL, WEBHOOK_MESSAGE, DiscordDouble
from tests.discord_double.payloads import walk_components
from tests.discord_double.rest import RecordedRequest

JSON = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "soak-latest.json"

BUTTON, SELECT = 2, 3
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL = 4, 5, 6, 7, 9

STEP_ID = re.compile(
    r"oa:(?:o|s|t|n:(?P<action>back|skip|help|cancel|type)):(?P<user>\d+):(?P<place>g\d+|dm):(?P<version>\d+)"
    r"(?::(?P<option>[a-z0-9_]+))?"
)
# Confirming /advisor cancel or restart, or the Cancel button (bot/interview/views.py).
CONFIRM_ID = re.compile(
    r"oa:c:(?P<what>cancel|restart):(?P<answer>yes|no):(?P<user>\d+):(?P<place>g\d+|dm):(?P<version>\d+)"
    r":(?P<issued>\d+)"
)
ERROR_REFERENCE = "(reference `"
# The notes the bot answers a click with when it changes nothing (bot/interview/controller.py).
REFUSALS = ("This step has moved on", "That interview has ended")
DESCRIPTIONS = (
    "Notion templates for freelancers, pay once and download",
    "Weekly coaching calls for new managers",
    "A hosted booking app for salons, monthly subscription",
    "A video course on sourdough baking with a private community",
    "Done-for-you bookkeeping for small shops at a fixed monthly price",
    "Stock photos of mountains, sold as a bundle",
)


# ----------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class State:
    """What the database should hold for one member: the interview in progress (None when
    there is none), its version, and how many results they have."""

    session: Session | None
    version: int
    results: int
    generation: int = 0  # which interview of theirs this is (driver bookkeeping, not compared)
    # The highest version any of their interviews reached: the next one starts above it,
    # so no old button can match it (storage migration 0004). Follows from the versions.
    high: int = 0

    def same_as(self, other: State) -> bool:
        return (self.session, self.version, self.results) == (other.session, other.version, other.results)


@dataclass
class StepMessage:
    message_id: str
    version: int
    generation: int


@dataclass
class Member:
    index: int
    user: JSON
    abandon: bool  # cancels at the end and stays cancelled, on purpose
    rng: random.Random
    state: State
    candidates: list[State] | None = None  # set while an interaction's effect is unknown
    message: StepMessage | None = None
    old_messages: list[StepMessage] = field(default_factory=list)
    open_modal: tuple[str, str] | None = None  # (modal custom_id, message id) the bot opened
    confirmation: str | None = None  # the message asking to confirm a cancel or restart
    given: set[tuple[str, str]] = field(default_factory=set)  # every (step, answer) ever sent
    done: bool = False

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    @property
    def tag(self) -> str:
        return f"(soak member {self.index}, id {self.user_id})"


@dataclass
class Action:
    """One member action: one interaction, or two for a double click."""

    member: Member
    label: str
    before: State
    outcomes: list[State]  # the states it may leave when applied (the last is the final one)
    interactions: list[str] = field(default_factory=list)
    acked: int = 0
    refused: int = 0  # replies saying the step had moved on or the interview had ended
    expect_refusal: bool | None = None  # for a member's own click: is it stale (or its interview gone)?
    shown_wrong: bool = False
    resolved: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def after(self) -> State:
        return self.outcomes[-1]


@dataclass
class Pending:
    action: Action
    interaction_id: str
    token: str
    deferred: bool = False


@dataclass
class Counts:
    members: int = 0
    turns: int = 0
    interactions: int = 0
    kills: int = 0
    checks: int = 0
    answers_checked: int = 0
    results_checked: int = 0
    in_flight_at_kill: int = 0
    in_flight_applied: int = 0
    in_flight_not_applied: int = 0
    lost: int = 0
    cross_talk: int = 0
    unexpected: int = 0
    unanswered: int = 0
    shown_wrong: int = 0
    finished: int = 0
    cancelled_on_purpose: int = 0
    unfinished: int = 0
    results: int = 0
    double_clicks: int = 0
    stale_clicks: int = 0
    foreign_clicks: int = 0
    backs: int = 0
    restarts: int = 0
    cancels: int = 0
    confirmations: int = 0
    deferred_replies: int = 0
    bot_errors: int = 0
    double_violations: int = 0
    restart_seconds_max: float = 0.0
    restart_seconds_mean: float = 0.0
    elapsed_seconds: float = 0.0

    FAILURES: ClassVar[tuple[str, ...]] = (
        "lost",
        "cross_talk",
        "unexpected",
        "unanswered",
        "shown_wrong",
        "unfinished",
    )

    def failed(self) -> list[str]:
        return [name for name in self.FAILURES if getattr(self, name)]


def distinct(states: Sequence[State]) -> list[State]:
    kept: list[State] = []
    for state in states:
        if not any(state.same_as(seen) for seen in kept):
            kept.append(state)
    return kept


class Model:
    """The bot's behaviour, as far as the database is concerned, from the pure engine."""

    def __init__(self) -> None:
        self.engine = DialogEngine()
        self.steps = self.engine.bank.by_id

    def new_interview(self, state: State) -> State:
        version = state.high + 1
        return State(self.engine.start().session, version, state.results, state.generation + 1, version)

    def start(self, state: State) -> list[State]:
        """/advisor start: resume the interview in progress, or begin one."""
        return [state] if state.session is not None else [self.new_interview(state)]

    def resume(self, state: State) -> list[State]:
        return [state]

    def restart(self, state: State) -> list[State]:
        """/advisor restart: asks first when answers would be lost (nothing changes yet);
        else discard (one transaction), then begin (another)."""
        if state.session is None:
            return [self.new_interview(state)]
        if state.session.answers:
            return [state]
        return [State(None, 0, state.results, state.generation, state.high), self.new_interview(state)]

    def cancel(self, state: State) -> list[State]:
        """/advisor cancel: asks first when answers would be lost."""
        if state.session is not None and state.session.answers:
            return [state]
        return [State(None, 0, state.results, state.generation, state.high)]

    def confirm(self, state: State, what: str, version: int, yes: bool) -> list[State]:
        """Yes or no to a cancel or restart asked about at ``version``."""
        if state.session is None or version != state.version or not yes:
            return [state]  # stale, ended, or "keep going": nothing changes
        discarded = State(None, 0, state.results, state.generation, state.high)
        return [discarded, self.new_interview(state)] if what == "restart" else [discarded]

    def click(self, state: State, version: int, action: str, value: str | list[str]) -> list[State]:
        """A component (or modal) drawn for ``version``, clicked by its owner."""
        if state.session is None or version != state.version:
            return [state]  # ended, or stale: nothing changes
        session = state.session
        turn: Turn
        if action == "answer":
            turn = self.engine.answer(session, value)
        elif action == "skip":
            turn = self.engine.skip(session)
        elif action == "back":
            turn = self.engine.back(session)
        elif action == "cancel":
            if session.answers:
                return [state]  # the step message becomes the question "cancel?"
            turn = self.engine.cancel(session)
        else:
            return [state]  # help, type: nothing stored
        if turn.kind is TurnKind.FINISHED:
            return [State(None, 0, state.results + 1, state.generation, state.high)]
        if turn.kind is TurnKind.CANCELLED:
            return [State(None, 0, state.results, state.generation, state.high)]
        if turn.kind is TurnKind.REJECTED or turn.session == session:
            return [state]
        version = state.version + 1
        return [State(turn.session, version, state.results, state.generation, max(state.high, version))]


def answer_key(step: str, answer: Answer) -> tuple[str, str]:
    return step, answer.model_dump_json()


# ----------------------------------------------------------------------------- the bot process


class BotProcess:
    """The bot in a subprocess (tests/soak_bot.py), with a warm standby for the next start."""

    def __init__(
        self, double: DiscordDouble, db_path: Path, log_path: Path, fault: str | None = None
    ) -> None:
        self.double = double
        self.fault = fault
        self.db_path = db_path
        self.log_path = log_path
        self.current: asyncio.subprocess.Process | None = None
        self.standby: asyncio.subprocess.Process | None = None
        self.restart_times: list[float] = []

    async def _spawn(self) -> asyncio.subprocess.Process:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with self.log_path.open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.soak_bot",
                "--api-base",
                self.double.api_base,
                "--gateway",
                self.double.gateway_url,
                "--db",
                str(self.db_path),
                "--standby",
                *(["--fault", self.fault] if self.fault else []),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=ROOT,
                env=env,
            )

    async def _ready_standby(self) -> asyncio.subprocess.Process:
        if self.standby is None:
            self.standby = await self._spawn()
        process, self.standby = self.standby, None
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        if line.strip() != b"standing by":
            raise RuntimeError(f"the bot launcher did not stand by (said {line!r}); see {self.log_path}")
        return process

    async def start(self) -> None:
        """Start the next bot process and wait until its gateway session is ready."""
        began = time.monotonic()
        process = await self._ready_standby()
        gateway = self.double.gateway
        identified = len(gateway.identifies)
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        self.current = process
        deadline = time.monotonic() + 60
        while True:
            ready = gateway.ready_connections
            if len(gateway.identifies) > identified and len(ready) == 1:
                break
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the bot did not connect (exit {process.returncode}); see {self.log_path}"
                )
            await asyncio.sleep(0.005)
        self.restart_times.append(time.monotonic() - began)
        self.standby = await self._spawn()  # warms up while this one works

    async def kill(self) -> None:
        process, self.current = self.current, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGKILL)
        await process.wait()
        # The double notices the dead socket; wait until no connection is left over.
        deadline = time.monotonic() + 10
        while self.double.gateway.ready_connections and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        await self.kill()
        if self.standby is not None:
            standby, self.standby = self.standby, None
            if standby.stdin is not None:
                standby.stdin.close()
            try:
                await asyncio.wait_for(standby.wait(), 10)
            except TimeoutError:
                standby.kill()
                await standby.wait()


# ----------------------------------------------------------------------------- the driver


class RequestTap(list[RecordedRequest]):
    """Stands in for the double's request log: hands each request to the driver as it is
    recorded and keeps none (a soak makes tens of thousands)."""

    def __init__(self, driver: Soak) -> None:
        super().__init__()
        self.driver = driver

    def append(self, request: RecordedRequest) -> None:
        self.driver.on_request(request)


@dataclass
class Options:
    seconds: float
    members: int
    kills: int
    seed: int
    concurrency: int
    abandon_share: float
    db: Path | None
    output: Path
    fault: str | None = None
    finish_share: float = 0.35
    grace_seconds: float = 60.0


class Soak:
    def __init__(self, options: Options, double: DiscordDouble, bot: BotProcess) -> None:
        self.options = options
        self.double = double
        self.bot = bot
        self.model = Model()
        self.rng = random.Random(options.seed)
        self.counts = Counts(members=options.members)
        self.alive = asyncio.Event()
        self.finishing = False  # members stop the chaos and finish their interviews
        self.kills_done = False
        self.by_id: dict[str, Pending] = {}
        self.by_token: dict[str, Pending] = {}
        self.latest_interaction: dict[str, str] = {}  # message id -> the latest interaction on it
        self.slots = asyncio.Semaphore(options.concurrency)
        self.members: list[Member] = []
        self.problems: list[str] = []
        prompts = {step.prompt: step_id for step_id, step in self.model.steps.items()}
        self.prompt_of = {step_id: text for text, step_id in prompts.items()}
        double.rest.requests = RequestTap(self)

    # --- set-up ------------------------------------------------------------------------

    def add_members(self) -> None:
        world = self.double.world
        empty = State(None, 0, 0)
        abandoning = set(
            self.rng.sample(
                range(self.options.members), int(self.options.members * self.options.abandon_share)
            )
        )
        for index in range(self.options.members):
            user = world.add_user(f"member{index}")
            self.members.append(
                Member(index, user, index in abandoning, random.Random(self.rng.getrandbits(64)), empty)
            )

    def note(self, problem: str) -> None:
        if len(self.problems) < 200:
            self.problems.append(problem)

    # --- replies -----------------------------------------------------------------------

    def on_request(self, request: RecordedRequest) -> None:
        """Called for every request the bot makes, as the double records it."""
        params = request.params
        if request.route == CALLBACK and request.method == "POST":
            pending = self.by_id.get(params.get("interaction_id", ""))
            if pending is None:
                return
            kind = int((request.json or {}).get("type", 0))
            if kind in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
                pending.deferred = True
                self.counts.deferred_replies += 1
                return
            self.acknowledge(pending, kind, request)
        elif (request.method, request.route) in (
            ("POST", FOLLOWUP),
            ("PATCH", ORIGINAL),
            ("PATCH", WEBHOOK_MESSAGE),
        ):
            pending = self.by_token.get(params.get("webhook_token", ""))
            if pending is not None and pending.deferred:
                self.acknowledge(pending, CHANNEL_MESSAGE, request)

    def acknowledge(self, pending: Pending, kind: int, request: RecordedRequest) -> None:
        """The bot answered this interaction: what it did is stored (it stores first)."""
        self.forget(pending)
        action = pending.action
        member = action.member
        if action.acked == 0:
            member.state = action.after
        action.acked += 1
        body = request.json or {}
        data = body.get("data") or {} if request.route == CALLBACK else body
        content = str(data.get("content") or "")
        if ERROR_REFERENCE in content:
            self.counts.bot_errors += 1
            self.note(f"member {member.index}: the bot reported an error: {content!r}")
        if content.startswith(REFUSALS):
            action.refused += 1
        if kind == MODAL:
            opened = self.double.rest.interactions.get(pending.interaction_id)
            source = (opened.payload.get("message") or {}) if opened is not None else {}
            member.open_modal = (str(data.get("custom_id", "")), str(source.get("id", "")))
        else:
            self.take_message(action, pending)
        self.keep_or_forget_interaction(pending.interaction_id)
        if action.acked < len(action.interactions):
            return
        expected_to_work = action.expect_refusal is False or not action.before.same_as(action.after)
        if action.refused == action.acked and expected_to_work:
            action.shown_wrong = True
            self.note(f"member {member.index}: {action.label} was refused where the model takes it")
        elif action.expect_refusal and action.refused < action.acked:
            action.shown_wrong = True
            self.note(f"member {member.index}: {action.label} was taken where the model refuses it")
        if action.shown_wrong:
            # What the bot shows disagrees with the model: count it, and take this member's
            # state from the database so the run goes on from the truth.
            self.counts.shown_wrong += 1
            self.check_database([member])
        self.resolve(action)

    def take_message(self, action: Action, pending: Pending) -> None:
        """Note the step message the reply left, and check it shows this member's state."""
        member = action.member
        rest = self.double.rest
        state = rest.interactions.get(pending.interaction_id)
        message_id = state.original_id if state is not None else None
        message = rest.messages.get(message_id) if message_id else None
        if message is None:
            return
        ids = [
            match
            for component in walk_components(message.get("components") or [])
            if (match := STEP_ID.fullmatch(str(component.get("custom_id", ""))))
        ]
        if not ids:
            if member.message is not None and member.message.message_id == message_id:
                member.message = None
            confirming = [
                match
                for component in walk_components(message.get("components") or [])
                if (match := CONFIRM_ID.fullmatch(str(component.get("custom_id", ""))))
            ]
            if confirming and {match["user"] for match in confirming} == {member.user_id}:
                member.confirmation = str(message_id)
                return
            # A note, a result or a cancelled interview: nothing to click any more.
            self.drop_message(str(message_id))
            return
        owners = {match["user"] for match in ids}
        if owners != {member.user_id}:
            self.counts.cross_talk += 1
            self.note(f"member {member.user_id} was shown the interview of {sorted(owners)}")
            return
        version = int(ids[0]["version"])
        if member.message is not None and member.message.message_id != message_id:
            member.old_messages.append(member.message)
            while len(member.old_messages) > 3:
                self.drop_message(member.old_messages.pop(0).message_id)
        member.message = StepMessage(str(message_id), version, member.state.generation)
        expected = member.state
        if expected.session is None or version != expected.version:
            action.shown_wrong = True
            self.note(f"member {member.index}: shown version {version} for {expected.version}")
            return
        title = str((message.get("embeds") or [{}])[0].get("title", ""))
        step = expected.session.current or ""
        if not title.startswith(self.prompt_of.get(step, "?")[:200]):
            action.shown_wrong = True
            self.note(f"member {member.index}: shown {title!r} for step {step!r}")

    def keep_or_forget_interaction(self, interaction_id: str) -> None:
        """Forget an answered interaction (memory stays flat over a long soak), except the
        latest one on each message the run still holds: the bot edits an older message
        through it when a newer one replaces it, as it may on Discord for 15 minutes."""
        rest = self.double.rest
        state = rest.interactions.get(interaction_id)
        message_id = state.original_id if state is not None else None
        if message_id is None or message_id not in rest.messages:
            rest.interactions.pop(interaction_id, None)
            return
        previous = self.latest_interaction.get(message_id)
        if previous is not None and previous != interaction_id:
            rest.interactions.pop(previous, None)
        self.latest_interaction[message_id] = interaction_id

    def drop_message(self, message_id: str) -> None:
        kept = self.latest_interaction.pop(message_id, None)
        if kept is not None:
            self.double.rest.interactions.pop(kept, None)
        message = self.double.rest.messages.pop(message_id, None)
        for attachment in (message or {}).get("attachments", []):
            self.double.rest.attachment_data.pop(str(attachment.get("id")), None)

    def forget(self, pending: Pending) -> None:
        self.by_id.pop(pending.interaction_id, None)
        self.by_token.pop(pending.token, None)

    def resolve(self, action: Action) -> None:
        if not action.resolved:
            action.resolved = True
            action.done.set()

    def unsure(self, action: Action) -> None:
        """No reply came: the action may or may not have been stored (nothing else)."""
        if action.acked:
            self.resolve(action)
            return
        member = action.member
        member.candidates = distinct([action.before, *action.outcomes])
        member.open_modal = None
        self.resolve(action)

    # --- sending -----------------------------------------------------------------------

    async def send(
        self,
        member: Member,
        label: str,
        payloads: list[JSON],
        outcomes: list[State],
        *,
        stale_for: str | None = None,
    ) -> None:
        """Dispatch one action (two payloads for a double click) and wait for its replies.
        ``stale_for`` is the custom_id of the member's own component it clicks, if any."""
        if not self.alive.is_set() or member.candidates is not None:
            return
        action = Action(member, label, member.state, outcomes)
        if stale_for is not None and (
            match := STEP_ID.fullmatch(stale_for) or CONFIRM_ID.fullmatch(stale_for)
        ):
            state = member.state
            # help: any version
            stale = int(match["version"]) != state.version and match.groupdict().get("action") != "help"
            action.expect_refusal = state.session is None or stale
        rest, gateway = self.double.rest, self.double.gateway
        self.counts.turns += 1
        for payload in payloads:
            pending = Pending(action, str(payload["id"]), str(payload["token"]))
            action.interactions.append(pending.interaction_id)
            self.by_id[pending.interaction_id] = pending
            self.by_token[pending.token] = pending
            rest.add_interaction(payload)
        for payload in payloads:
            self.counts.interactions += 1
            if await gateway.dispatch("INTERACTION_CREATE", payload) == 0:
                pass  # nobody connected: it stays unanswered and counts as in flight
        try:
            await asyncio.wait_for(action.done.wait(), 30)
        except TimeoutError:
            if not action.resolved:
                self.counts.unanswered += 1
                self.note(f"member {member.index}: no reply to {label} within 30 s")
                for interaction_id in action.interactions:
                    if (stuck := self.by_id.get(interaction_id)) is not None:
                        self.forget(stuck)
                self.unsure(action)

    def click_payload(
        self, member: Member, message_id: str, custom_id: str, values: list[str] | None = None
    ) -> JSON | None:
        message = self.double.rest.messages.get(message_id)
        if message is None:
            return None
        try:
            return self.double.component_click(
                custom_id,
                SELECT if values is not None else BUTTON,
                values,
                message=message,
                user=member.user,
            )
        except ValueError:
            return None  # edited or gone since

    # --- members -----------------------------------------------------------------------

    async def run_member(self, member: Member) -> None:
        await asyncio.sleep(member.rng.uniform(0, 2.0))
        while True:
            await self.alive.wait()
            if member.candidates is not None:
                await asyncio.sleep(0.05)  # waits for the check after the restart
                continue
            if self.finishing and self.member_is_done(member):
                member.done = True
                if self.kills_done:
                    return
                await asyncio.sleep(0.5)
                continue
            member.done = False
            async with self.slots:
                if self.alive.is_set() and member.candidates is None:
                    await self.take_turn(member)
            await asyncio.sleep(member.rng.uniform(0.0, 0.3))

    def member_is_done(self, member: Member) -> bool:
        state = member.state
        if member.abandon:
            return state.session is None
        return state.session is None and state.results > 0

    async def take_turn(self, member: Member) -> None:
        rng, state = member.rng, member.state
        chaos = not self.finishing
        if state.session is None:
            await self.slash(member, "restart" if chaos and rng.random() < 0.1 else "start")
            return
        if member.confirmation is not None:
            await self.confirm(member, yes=not chaos or rng.random() < 0.8)
            return
        if self.finishing and member.abandon:
            await self.slash(member, "cancel")
            return
        if member.open_modal is not None and rng.random() < 0.9:
            await self.submit_modal(member, double=chaos and rng.random() < 0.1)
            return
        message = member.message
        if (
            message is None
            or message.version != state.version
            or message.message_id not in self.double.rest.messages
        ):
            await self.slash(member, "resume" if rng.random() < 0.7 else "start")
            return
        roll = rng.random() if chaos else 1.0
        if roll < 0.04:
            await self.stale_click(member)
        elif roll < 0.06:
            await self.foreign_click(member)
        elif roll < 0.08:
            await self.slash(member, "restart")
        elif roll < 0.10:
            await self.slash(member, rng.choice(["cancel", "resume"]))
        elif roll < 0.12:
            await self.nav(member, "cancel")
        elif roll < 0.20:
            await self.nav(member, "back")
        elif roll < 0.23:
            await self.nav(member, "help")
        elif roll < 0.26:
            await self.nav(member, "skip")
        else:
            await self.answer(member, double=chaos and rng.random() < 0.1)

    async def slash(self, member: Member, command: str) -> None:
        payload = self.double.slash_command("advisor", command, user=member.user)
        state = member.state
        outcomes = {
            "start": self.model.start,
            "restart": self.model.restart,
            "cancel": self.model.cancel,
            "resume": self.model.resume,
        }[command](state)
        if command == "restart":
            self.counts.restarts += 1
        elif command == "cancel":
            self.counts.cancels += 1
        await self.send(member, f"/advisor {command}", [payload], outcomes)

    def components(self, message_id: str) -> list[JSON]:
        message = self.double.rest.messages.get(message_id) or {}
        return [dict(c) for c in walk_components(message.get("components") or []) if "custom_id" in c]

    def click_outcomes(self, member: Member, custom_id: str, values: list[str] | None) -> list[State]:
        match = STEP_ID.fullmatch(custom_id)
        if match is None or match["user"] != member.user_id:
            return [member.state]
        version = int(match["version"])
        action = match["action"] or "answer"
        value: str | list[str] = (
            values if values is not None else ([match["option"]] if match["option"] else "")
        )
        if action == "answer" and member.state.session is not None:
            # Noted whatever the version: a stale click that landed would be this member's own.
            step = member.state.session.current or ""
            parsed = self.model.engine.answer(member.state.session, value)
            if parsed.kind is not TurnKind.REJECTED:
                member.given.add(answer_key(step, parsed.session.answers[step]))
        if action == "skip" and member.state.session is not None:
            member.given.add(answer_key(member.state.session.current or "", Answer(skipped=True)))
        return self.model.click(member.state, version, action, value)

    async def press(
        self,
        member: Member,
        message_id: str,
        custom_id: str,
        values: list[str] | None,
        *,
        double: bool,
        label: str,
    ) -> None:
        first = self.click_payload(member, message_id, custom_id, values)
        if first is None:
            return
        payloads = [first]
        if double:
            second = self.click_payload(member, message_id, custom_id, values)
            if second is not None:
                payloads.append(second)
                self.counts.double_clicks += 1
        outcomes = self.click_outcomes(member, custom_id, values)
        await self.send(member, label, payloads, outcomes, stale_for=custom_id)

    async def answer(self, member: Member, *, double: bool) -> None:
        assert member.message is not None
        message_id = member.message.message_id
        components = self.components(message_id)
        rng = member.rng
        options = [c for c in components if c["custom_id"].startswith("oa:o:")]
        selects = [c for c in components if c["type"] == SELECT]
        typing = [c for c in components if c["custom_id"].startswith("oa:n:type:")]
        if options:
            await self.press(
                member, message_id, rng.choice(options)["custom_id"], None, double=double, label="option"
            )
        elif selects:
            select = selects[0]
            values = [str(o["value"]) for o in select.get("options", [])]
            most = min(int(select.get("max_values", 1)), 3)
            picks = rng.sample(values, rng.randint(1, most)) if most > 1 else [rng.choice(values)]
            await self.press(member, message_id, select["custom_id"], picks, double=double, label="menu")
        elif typing:
            await self.press(member, message_id, typing[0]["custom_id"], None, double=False, label="type")

    async def nav(self, member: Member, action: str) -> None:
        assert member.message is not None
        prefix = f"oa:n:{action}:"
        found = [c for c in self.components(member.message.message_id) if c["custom_id"].startswith(prefix)]
        if not found:
            await self.answer(member, double=False)
            return
        if action == "back":
            self.counts.backs += 1
        elif action == "cancel":
            self.counts.cancels += 1
        double = action in ("back", "cancel", "skip") and member.rng.random() < 0.15
        await self.press(
            member, member.message.message_id, found[0]["custom_id"], None, double=double, label=action
        )

    async def confirm(self, member: Member, *, yes: bool) -> None:
        """Answer the confirmation the bot last asked this member for."""
        message_id, member.confirmation = member.confirmation, None
        assert message_id is not None
        found = [
            (match, str(c["custom_id"]))
            for c in self.components(message_id)
            if (match := CONFIRM_ID.fullmatch(str(c["custom_id"])))
            and match["answer"] == ("yes" if yes else "no")
        ]
        if not found:
            self.drop_message(message_id)
            return
        match, custom_id = found[0]
        payload = self.click_payload(member, message_id, custom_id, None)
        if payload is None:
            return
        self.counts.confirmations += 1
        outcomes = self.model.confirm(member.state, match["what"], int(match["version"]), yes)
        await self.send(member, f"confirm {match['what']}", [payload], outcomes, stale_for=custom_id)

    async def submit_modal(self, member: Member, *, double: bool) -> None:
        assert member.open_modal is not None
        custom_id, message_id = member.open_modal
        member.open_modal = None
        text = f"{member.rng.choice(DESCRIPTIONS)} {member.tag}"
        match = STEP_ID.fullmatch(custom_id)
        if match is None:
            return
        state = member.state
        if state.session is not None and int(match["version"]) == state.version:
            step = state.session.current or ""
            turn = self.model.engine.answer(state.session, text)
            if turn.kind is not TurnKind.REJECTED:
                member.given.add(answer_key(step, turn.session.answers[step]))
        message = self.double.rest.messages.get(message_id)
        payloads: list[JSON] = []
        for _ in range(2 if double else 1):
            try:
                payloads.append(
                    self.double.modal_submit(custom_id, {"answer": text}, user=member.user, message=message)
                )
            except ValueError:
                return
        if double:
            self.counts.double_clicks += 1
        outcomes = self.model.click(state, int(match["version"]), "answer", text)
        await self.send(member, "modal", payloads, outcomes, stale_for=custom_id)

    async def stale_click(self, member: Member) -> None:
        """A button drawn for an earlier step of this interview: one on an older message when
        the member has one, else the current message's button as a client still showing the
        message one or more steps back would send it."""
        state = member.state
        rng = member.rng
        old = [
            m for m in member.old_messages if m.generation == state.generation and m.version != state.version
        ]
        if old:
            message_id, drawn_for = rng.choice(old).message_id, None
        elif member.message is not None and state.version > 1:
            message_id, drawn_for = member.message.message_id, rng.randint(1, state.version - 1)
        else:
            await self.answer(member, double=False)
            return
        components = [c for c in self.components(message_id) if not c["custom_id"].startswith("oa:n:type:")]
        if not components:
            return
        component = rng.choice(components)
        values = [str(component["options"][0]["value"])] if component["type"] == SELECT else None
        payload = self.click_payload(member, message_id, component["custom_id"], values)
        if payload is None:
            return
        custom_id = str(component["custom_id"])
        if drawn_for is not None:
            match = STEP_ID.fullmatch(custom_id)
            assert match is not None
            start, end = match.span("version")
            custom_id = f"{custom_id[:start]}{drawn_for}{custom_id[end:]}"
            payload["data"]["custom_id"] = custom_id
        self.counts.stale_clicks += 1
        outcomes = self.click_outcomes(member, custom_id, values)
        await self.send(member, "stale", [payload], outcomes, stale_for=custom_id)

    async def foreign_click(self, member: Member) -> None:
        """A click on another member's message: refused, and changes nobody's interview."""
        others = [m for m in self.members if m is not member and m.message is not None]
        if not others:
            return
        owner = member.rng.choice(others)
        assert owner.message is not None
        components = self.components(owner.message.message_id)
        if not components:
            return
        component = member.rng.choice(components)
        values = [str(component["options"][0]["value"])] if component["type"] == SELECT else None
        payload = self.click_payload(member, owner.message.message_id, component["custom_id"], values)
        if payload is None:
            return
        self.counts.foreign_clicks += 1
        await self.send(member, "foreign", [payload], [member.state])

    # --- kills and checks --------------------------------------------------------------

    async def kill_and_check(self) -> None:
        self.alive.clear()
        await self.bot.kill()
        self.counts.kills += 1
        in_flight = {pending.action.member.index: pending.action for pending in self.by_id.values()}
        for pending in list(self.by_id.values()):
            self.forget(pending)
            self.double.rest.interactions.pop(pending.interaction_id, None)
        unsure = [action for action in in_flight.values() if not action.acked]
        self.counts.in_flight_at_kill += len(unsure)
        for action in in_flight.values():
            self.unsure(action)
        applied = self.check_database()
        self.counts.in_flight_applied += applied
        self.counts.in_flight_not_applied += len(unsure) - applied
        await self.bot.start()
        self.alive.set()

    def read_database(
        self, user_id: str | None = None
    ) -> tuple[dict[str, list[tuple[str, int, str]]], dict[str, list[tuple[str, str]]]]:
        """Every stored interview and result (or one member's), read-only, straight from the file."""
        where, params = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        uri = f"file:{self.bot.db_path}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            sessions: dict[str, list[tuple[str, int, str]]] = {}
            for found, scope, dialog, version, data in db.execute(
                f"SELECT user_id, scope, dialog, version, data FROM sessions {where}", params
            ):
                sessions.setdefault(str(found), []).append((f"{scope}/{dialog}", int(version), str(data)))
            results: dict[str, list[tuple[str, str]]] = {}
            for found, scope, dialog, data in db.execute(
                f"SELECT user_id, scope, dialog, data FROM results {where}", params
            ):
                results.setdefault(str(found), []).append((f"{scope}/{dialog}", str(data)))
        return sessions, results

    def check_database(self, only: list[Member] | None = None) -> int:
        """Compare every member's (or some members') stored interview and results with the
        model; returns how many members whose last action was in flight had it applied."""
        if only is None:
            self.counts.checks += 1
            sessions, results = self.read_database()
        else:
            sessions, results = {}, {}
            for member in only:
                one = self.read_database(member.user_id)
                sessions.update(one[0])
                results.update(one[1])
        scope = f"guild:{self.double.guild_id}/offering"
        known = {m.user_id for m in self.members}
        for user_id in (set(sessions) | set(results)) - known:
            self.counts.unexpected += 1
            self.note(f"rows for an unknown user {user_id}")
        members = self.members if only is None else only
        return sum(
            self.check_member(
                member, sessions.get(member.user_id, []), results.get(member.user_id, []), scope
            )
            for member in members
        )

    def check_member(
        self, member: Member, rows: list[tuple[str, int, str]], own_results: list[tuple[str, str]], scope: str
    ) -> bool:
        """Check one member's rows against the model and take them as the member's state;
        True if an action in flight at the kill turned out to be applied."""
        stored: Session | None = None
        version = 0
        problem = None
        if len(rows) > 1 or any(row[0] != scope for row in rows):
            problem = f"sessions in {[row[0] for row in rows]}"
        elif rows:
            version = rows[0][1]
            try:
                stored = load_session(json.loads(rows[0][2]))
                self.model.engine.check_session(stored)
            except ValueError as error:
                problem = f"unreadable session: {error}"
        for result_scope, data in own_results:
            description = str(json.loads(data).get("description") or "")
            # A skipped description is empty; one that is written names its member.
            if result_scope != scope or (description and member.tag not in description):
                self.counts.cross_talk += 1
                self.note(f"member {member.index}: result {description!r} in {result_scope}")
        if stored is not None:
            strangers = [
                step
                for step, answer in stored.answers.items()
                if answer_key(step, answer) not in member.given
            ]
            if strangers:
                self.counts.cross_talk += 1
                self.note(f"member {member.index}: answers it never gave for {strangers}")
        observed = State(
            stored, version, len(own_results), member.state.generation, max(member.state.high, version)
        )
        candidates = member.candidates or [member.state]
        match = next((c for c in candidates if c.same_as(observed)), None)
        applied = False
        if problem is not None:
            self.counts.unexpected += 1
            self.note(f"member {member.index}: {problem}")
        elif match is None:
            self.classify_mismatch(member, candidates, observed)
        else:
            applied = member.candidates is not None and not match.same_as(member.candidates[0])
            observed = match
            self.counts.answers_checked += len(stored.answers) if stored is not None else 0
            self.counts.results_checked += len(own_results)
        member.state = observed
        member.candidates = None
        return applied

    def classify_mismatch(self, member: Member, candidates: list[State], observed: State) -> None:
        sure = candidates[0]  # the last acknowledged state
        agreed = candidates
        kept = set.intersection(
            *({answer_key(s, a) for s, a in (c.session.answers.items() if c.session else [])} for c in agreed)
        )
        have = {answer_key(s, a) for s, a in (observed.session.answers.items() if observed.session else [])}
        missing = kept - have
        if missing or observed.results < min(c.results for c in agreed):
            self.counts.lost += 1
            self.note(
                f"member {member.index}: lost {sorted(step for step, _ in missing)} "
                f"(results {observed.results}, expected {[c.results for c in agreed]})"
            )
        else:
            self.counts.unexpected += 1
            stored = observed.session.model_dump_json() if observed.session else None
            wanted = sure.session.model_dump_json() if sure.session else None
            self.note(
                f"member {member.index}: stored v{observed.version} {stored} results {observed.results}; "
                f"expected v{sure.version} {wanted} results {sure.results} (of {len(candidates)} allowed)"
            )

    # --- the run -----------------------------------------------------------------------

    async def kill_schedule(self, started: float) -> None:
        seconds, kills = self.options.seconds, self.options.kills
        slot = seconds / max(kills, 1)
        for number in range(kills):
            target = started + slot * (number + self.rng.uniform(0.15, 0.95))
            wait = max(target - time.monotonic(), 0.25)  # the bot gets a moment to work first
            await asyncio.sleep(wait)
            await self.kill_and_check()
        self.kills_done = True

    async def run(self) -> Counts:
        self.add_members()
        began = time.monotonic()
        await self.bot.start()
        self.alive.set()
        started = time.monotonic()
        killer = asyncio.create_task(self.kill_schedule(started))
        members = [asyncio.create_task(self.run_member(m)) for m in self.members]
        await asyncio.sleep(self.options.seconds * (1 - self.options.finish_share))
        self.finishing = True
        await killer
        grace = max(self.options.grace_seconds, self.options.seconds)
        _, stuck = await asyncio.wait(members, timeout=grace)
        for task in stuck:
            task.cancel()
        await asyncio.gather(*members, return_exceptions=True)
        for task in members:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
        await asyncio.sleep(0.5)  # last replies land
        for pending in list(self.by_id.values()):  # only members given up on have any
            self.forget(pending)
            self.unsure(pending.action)
        # Final check: with no member acting, the database is quiet even with the bot alive.
        self.check_database()
        for member in self.members:
            if member.abandon and member.state.session is None:
                self.counts.cancelled_on_purpose += 1
            elif not member.abandon and member.state.session is None and member.state.results > 0:
                self.counts.finished += 1
            else:
                self.counts.unfinished += 1
                self.problems.append(
                    f"member {member.index} did not finish: {member.state}, {member.message}"
                )
            self.counts.results += member.state.results
        self.counts.elapsed_seconds = round(time.monotonic() - began, 1)
        times = self.bot.restart_times
        self.counts.restart_seconds_max = round(max(times), 3)
        self.counts.restart_seconds_mean = round(sum(times) / len(times), 3)
        self.counts.double_violations += len(self.double.rest.violations)
        return self.counts


# ----------------------------------------------------------------------------- report


ROWS = (
    ("members", "members"),
    ("turns", "turns (member actions)"),
    ("interactions", "interactions sent"),
    ("kills", "kills (SIGKILL + restart)"),
    ("in_flight_at_kill", "  in flight at a kill"),
    ("in_flight_applied", "    of which applied"),
    ("answers_checked", "answers checked"),
    ("results_checked", "results checked"),
    ("lost", "lost"),
    ("cross_talk", "cross-talk"),
    ("unexpected", "unexpected states"),
    ("unanswered", "unanswered interactions"),
    ("shown_wrong", "wrong step shown"),
    ("finished", "finished"),
    ("cancelled_on_purpose", "cancelled on purpose"),
    ("unfinished", "unfinished"),
    ("results", "results stored"),
    ("double_clicks", "double clicks"),
    ("stale_clicks", "stale clicks"),
    ("foreign_clicks", "clicks on another's message"),
    ("backs", "backs"),
    ("restarts", "restarts (/advisor restart)"),
    ("cancels", "cancels"),
    ("confirmations", "confirmations answered"),
    ("deferred_replies", "deferred replies"),
    ("bot_errors", "bot error replies"),
    ("double_violations", "requests the double refused"),
    ("restart_seconds_mean", "restart to ready, mean s"),
    ("restart_seconds_max", "restart to ready, max s"),
    ("elapsed_seconds", "elapsed s"),
)


def table(counts: Counts) -> str:
    values = asdict(counts)
    width = max(len(label) for _, label in ROWS)
    lines = [f"{'soak':<{width}}  count", f"{'-' * width}  -----"]
    lines += [f"{label:<{width}}  {values[name]}" for name, label in ROWS]
    return "\n".join(lines)


def write_json(counts: Counts, options: Options, problems: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "counts": asdict(counts),
        "failed": counts.failed(),
        "settings": {
            "seconds": options.seconds,
            "members": options.members,
            "kills": options.kills,
            "seed": options.seed,
            "concurrency": options.concurrency,
        },
        "problems": problems,
    }
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="how long the run lasts (default 5)")
    length.add_argument("--seconds", type=float, help="the same, in seconds")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--concurrency", type=int, default=24, help="member actions in flight at most")
    parser.add_argument("--abandon", type=float, default=0.05, help="share of members who cancel for good")
    parser.add_argument("--db", type=Path, help="the database file (default: a new temporary one)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON counts go")
    parser.add_argument(
        "--fault",
        choices=("lose-writes", "cross-talk"),
        help="run the bot with a store broken on purpose, to see the soak catch it",
    )
    args = parser.parse_args(argv)
    seconds = (
        args.seconds if args.seconds is not None else (args.minutes if args.minutes is not None else 5) * 60
    )
    if seconds <= 0 or args.members < 1 or args.kills < 0 or args.concurrency < 1:
        parser.error(
            "--seconds/--minutes, --members and --concurrency must be positive, --kills not negative"
        )
    return Options(
        seconds=seconds,
        members=args.members,
        kills=args.kills,
        seed=args.seed,
        concurrency=args.concurrency,
        abandon_share=args.abandon,
        db=args.db,
        output=args.output,
        fault=args.fault,
    )


@contextlib.contextmanager
def workspace(db: Path | None) -> Iterator[Path]:
    """A folder for the database and the bot's log; a temporary one is removed afterwards
    unless the run failed."""
    if db is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
        yield db.parent
        return
    folder = Path(tempfile.mkdtemp(prefix="advisor-soak-"))
    yield folder


async def soak(options: Options) -> tuple[Counts, list[str], Path]:
    with workspace(options.db) as folder:
        db_path = options.db or folder / "advisor.db"
        log_path = folder / "bot.log"
        async with DiscordDouble(validate=False) as double:
            bot = BotProcess(double, db_path, log_path, options.fault)
            driver = Soak(options, double, bot)
            try:
                counts = await driver.run()
            finally:
                await bot.stop()
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        counts.bot_errors += log.count("Traceback")
        if not counts.failed() and options.db is None:
            shutil.rmtree(folder, ignore_errors=True)
        return counts, driver.problems, folder


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    print(
        f"soak: {options.members} members, {options.kills} kills over {options.seconds:g} s "
        f"(seed {options.seed})",
        flush=True,
    )
    counts, problems, folder = asyncio.run(soak(options))
    print(table(counts))
    write_json(counts, options, problems, options.output)
    print(f"counts written to {options.output}")
    failed = counts.failed()
    if failed:
        for problem in problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        print(f"FAILED: {', '.join(failed)} (database and bot log kept in {folder})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
