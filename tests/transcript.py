"""The transcript harness: the real bot driven through the loopback Discord double as a member
would drive it, and what the member then sees. Every Discord test is written with it.

Writing a Discord test
----------------------
Take the ``advisor`` fixture: the real ``AdvisorBot`` on a real SQLite file, connected to
the double (tests/discord_double), its commands synced. Talk to it as the member does::

    async def test_the_second_step(advisor: Harness) -> None:
        handle, callback = await advisor.slash("start")       # /advisor start
        assert callback["type"] == CHANNEL_MESSAGE             # the bot's first reply
        message_id = str(handle.original_message["id"])
        await advisor.press(message_id, "Just starting")       # a button, by its label
        assert advisor.title(message_id) == SECOND_STEP        # what the member now sees
        assert (await advisor.stored()).version == 2           # what the store now holds

Every method that sends something returns the interaction's handle (all the requests the
bot made for it) and the bot's reply to it (the callback's JSON). ``answer`` takes a step of
``EBOOK_STEPS`` (a label, or menu values); ``start``, ``answered`` and ``finish`` walk the
member along them. At teardown the double fails the test if Discord would have rejected any
request the bot made.

Where a test needs more than one member and one bot:

- another member: ``advisor.double.world.add_user("stranger")``, passed as ``user=``;
- staff: ``advisor.staff("summary")`` sends ``/advisor-staff`` with Manage Server;
  ``seeded_advisor`` is the bot in a server whose members have taken interviews;
- a restart, or a second process: ``async with running_advisor(double, db_path) as again``,
  a new bot with its own connection to the same file (``seed=`` fills the store before the
  bot starts, ``setup=`` changes the bot before it connects);
- several shards: ``cluster``, two processes each running one shard of a double that
  requires two;
- Discord failing: ``advisor.double.inject_fault(...)``, then ``press_nowait`` (the reply may
  never come), ``settled``, ``dms``; ``quick_backoff`` shortens discord.py's retry waits;
- a modified client: ``forged`` and ``with_component_renamed`` doctor real payloads.

This module is a pytest plugin (tests/conftest.py), so its fixtures need no import.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import discord.http
import discord.webhook.async_
import pytest

from advisor.service import Action, AdvisorService, Outcome
from advisor.settings import Settings
from bot.client import AdvisorBot
from storage.clock import Clock, utc_now
from storage.keys import SessionKey
from storage.protocol import ResultRecord, StoredSession
from storage.settings import GuildSettings
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble, InteractionHandle, run_client, running_double
from tests.discord_double.double import CALLBACK, ORIGINAL
from tests.discord_double.payloads import EVERYONE_PERMISSIONS, walk_components

JSON = dict[str, Any]
Interviews = dict[str, tuple[SessionKey, int]]  # place name: (its key, its stored version)

# Interaction callback types and message flags, as Discord numbers them.
CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL = 4, 6, 7, 9
EPHEMERAL = 64
BUTTON, SELECT = 2, 3

# Routes, as the double's recorded requests name them.
ORIGINAL_MESSAGE = ORIGINAL
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
OPEN_DM = "/users/@me/channels"

FIRST_STEP = "Where are you with this offering today?"
SECOND_STEP = "Which of these comes closest to what you offer?"

# A beginner selling an e-book, by the label of the button to press or the menu values.
EBOOK_STEPS: list[str | list[str]] = [
    "Just starting",
    ["ebook"],
    "Building it once",
    "No",
    ["one_time"],
    "Hardly any more",
    "Identical for everyone",
    "They get on with it by themselves",
    "The thing I made",
    "All at once, as a download or access",
    "Updates released for everyone",
    ["none"],
    ["first_sales"],
]
EBOOK_VERDICT = "Digital product"
# The counter's number at each of EBOOK_STEPS, then at the description: it counts every
# branch from the start (15 questions at most), so the subscription question this member
# never sees, number 6, is passed over.
EBOOK_STEP_NUMBERS = (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15)
MOST_STEPS = 15
DESCRIPTION = "A PDF guide to sourdough baking, instant download. @everyone **now**"
# Journeys as typed answers (option numbers) for the service, with no Discord, up to the
# free-text description: an e-book seller's and an agency's.
EBOOK_ANSWERS = ["1", "1", "1", "no", "1", "1", "1", "1", "1", "1", "1", "5", "3"]
AGENCY_ANSWERS = ["3", "9", "2", "yes", "4", "5", "5", "3", "2", "2", "2", "1,2,3,4", "1"]

# Settings check a token's shape; the double takes any.
WELL_FORMED_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"

MANAGE_GUILD = 1 << 5
MEMBER = EVERYONE_PERMISSIONS & ~MANAGE_GUILD
STAFF = MEMBER | MANAGE_GUILD
# What a seeded member wrote: it must never reach staff.
SECRET = "our secret sauce is fermented rye and a lot of patience"

SHARDS = 2
DISCORD_PY_TRIES = 5  # discord.py's request loops try five times before they give up
SERVER_B = "987654321098765432"  # a server of the member's that this bot is not in


# --------------------------------------------------------------------------- the harness


@dataclass
class Harness:
    """One bot process on the double, and the member's side of it."""

    double: DiscordDouble
    bot: AdvisorBot
    store: SQLiteStore
    db_path: Path
    received: list[str] = field(default_factory=list)  # ids of the interactions this bot got
    # The member's Discord language: every interaction the harness sends carries it.
    locale: str = "en-US"

    @property
    def key(self) -> SessionKey:
        """The default member's interview in the default server."""
        return SessionKey.for_guild(self.double.user["id"], self.double.guild_id)

    # --- sending, as the member

    async def slash(
        self, sub: str, options: JSON | None = None, *, via_shard: int | None = None, **kwargs: Any
    ) -> tuple[InteractionHandle, JSON]:
        """``/advisor <sub>``; `kwargs` go to the double's slash_command (user, guild_id, locale)."""
        kwargs.setdefault("locale", self.locale)
        payload = self.double.slash_command("advisor", sub, options=options, **kwargs)
        return await self.send(payload, via_shard=via_shard)

    async def staff(
        self, sub: str, options: JSON | None = None, **kwargs: Any
    ) -> tuple[InteractionHandle, JSON]:
        """``/advisor-staff <sub>``, by a member with Manage Server unless `permissions=` say
        not (`kwargs` as for staff_command)."""
        kwargs.setdefault("locale", self.locale)
        handle = await staff_command(self.double, sub, options, **kwargs)
        return handle, (await handle.callback()).json

    async def click(
        self,
        message_id: str,
        custom_id: str,
        values: list[str] | None = None,
        *,
        via_shard: int | None = None,
        **kwargs: Any,
    ) -> tuple[InteractionHandle, JSON]:
        """A button (no `values`) or a menu selection on the message as it is now."""
        component_type = SELECT if values is not None else BUTTON
        kwargs.setdefault("locale", self.locale)
        payload = self.double.component_click(
            custom_id, component_type, values, message=self.message(message_id), **kwargs
        )
        return await self.send(payload, via_shard=via_shard)

    async def press(self, message_id: str, label: str, **kwargs: Any) -> tuple[InteractionHandle, JSON]:
        return await self.click(message_id, custom_id_of(self.message(message_id), label), **kwargs)

    def click_payload(self, message_id: str, label: str) -> JSON:
        """A press of the labelled button, built but not sent."""
        message = self.message(message_id)
        return self.double.component_click(custom_id_of(message, label), message=message, locale=self.locale)

    async def press_nowait(self, message_id: str, label: str) -> InteractionHandle:
        """Press, without waiting for the reply: where a fault delays it or stops it."""
        return await self.double.interact(self.click_payload(message_id, label))

    async def press_twice_at_once(
        self, message_id: str, label: str, *, via_shards: tuple[int | None, int | None] = (None, None)
    ) -> list[JSON]:
        """Two presses of one button arriving together (a double click, or one handed to each
        of two processes); the two replies."""
        first, second = (self.click_payload(message_id, label) for _ in via_shards)
        handles = await asyncio.gather(
            self.double.interact(first, settle=0, via_shard=via_shards[0]),
            self.double.interact(second, settle=0, via_shard=via_shards[1]),
        )
        return [(await handle.callback()).json for handle in handles]

    async def choose(self, message_id: str, values: list[str]) -> tuple[InteractionHandle, JSON]:
        return await self.click(message_id, menu_of(self.message(message_id))["custom_id"], values)

    async def type_answer(
        self, message_id: str, text: str, *, button: str = "Type your answer"
    ) -> tuple[InteractionHandle, JSON]:
        """Press the button that opens the free-text form (`button`, its label in the member's
        language), then submit the form with `text`."""
        _, callback = await self.press(message_id, button)
        assert callback["type"] == MODAL
        modal_id = callback["data"]["custom_id"]
        submit = self.double.modal_submit(
            modal_id, {"answer": text}, message=self.message(message_id), locale=self.locale
        )
        return await self.send(submit)

    async def answer(self, message_id: str, step: str | list[str]) -> JSON:
        """Answer the step shown, by button label or menu values (see component_for); the reply."""
        custom_id, _, values = component_for(self.message(message_id), step)
        return (await self.click(message_id, custom_id, values))[1]

    async def send(self, payload: JSON, *, via_shard: int | None = None) -> tuple[InteractionHandle, JSON]:
        """Any INTERACTION_CREATE the double built, sent; the handle and the bot's reply."""
        handle = await self.double.interact(payload, via_shard=via_shard)
        return handle, (await handle.callback()).json

    # --- the member's journeys

    async def start(self, **kwargs: Any) -> str:
        """``/advisor start`` (`kwargs` as for slash); the id of the step's message."""
        handle, callback = await self.slash("start", **kwargs)
        assert callback["type"] == CHANNEL_MESSAGE
        assert handle.original_message is not None
        return str(handle.original_message["id"])

    async def answered(self, count: int) -> str:
        """An interview started and its first `count` EBOOK_STEPS answered; the message id."""
        message_id = await self.start()
        for step in EBOOK_STEPS[:count]:
            await self.answer(message_id, step)
        return message_id

    async def finish(self, description: str | None = None) -> str:
        """The e-book interview taken to its result, the description typed or (None) skipped."""
        return await self.finish_from(await self.start(), description)

    async def finish_from(self, message_id: str, description: str | None = None) -> str:
        """The e-book interview started on `message_id` taken to its result, as ``finish``."""
        for step in EBOOK_STEPS:
            await self.answer(message_id, step)
        if description is None:
            _, shown = await self.press(message_id, "Skip")
        else:
            _, shown = await self.type_answer(message_id, description)
        assert shown["data"]["embeds"][0]["title"] == EBOOK_VERDICT
        return message_id

    def slow_answers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Store every answer 0.3 s late (a database busy in another process), past the bot's
        wait before it defers a reply (made 0.05 s): the click is acknowledged at once and its
        step sent as an edit afterwards."""
        monkeypatch.setattr("bot.delivery.DEFER_AFTER_SECONDS", 0.05)
        service_act = self.bot.service.act

        async def slow_act(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0.3)
            return await service_act(*args, **kwargs)

        monkeypatch.setattr(self.bot.service, "act", slow_act)

    def let_confirmations_expire(self) -> None:
        """Move the bot's clock for confirmations past their lifetime (10 minutes)."""
        interviews = self.bot.interviews
        interviews.clock = lambda: time.time() + interviews.confirm_for_seconds + 1

    # --- what the member sees

    def message(self, message_id: str) -> JSON:
        """The message as Discord holds it now (after the bot's edits)."""
        return self.double.messages[message_id]

    def title(self, message_id: str) -> str:
        return str(self.message(message_id)["embeds"][0]["title"])

    def showing(self, title: str) -> list[JSON]:
        """Every message the member can see that shows the step with this title."""
        return [m for m in self.double.messages.values() if any(e.get("title") == title for e in m["embeds"])]

    def dms(self) -> list[str]:
        """What the bot sent the member in direct messages (channel messages in their DM)."""
        dm_channel = self.double.world.dm_channel(self.double.user)["id"]
        return [
            r.json["content"]
            for r in self.double.requests_to("POST", CHANNEL_MESSAGES)
            if r.params["channel_id"] == dm_channel and r.status == 200
        ]

    def message_bodies(self) -> list[JSON]:
        """The message bodies of every request the bot sent (callbacks, edits, followups, posts)."""
        bodies = []
        for request in self.double.requests:
            body = request.json
            if not isinstance(body, dict):
                continue
            if "type" in body and "data" in body and request.route == CALLBACK:
                body = body["data"] or {}
            if any(key in body for key in ("content", "embeds", "components", "attachments")):
                bodies.append(body)
        return bodies

    def everything_sent(self) -> str:
        """Every body and uploaded file the bot sent Discord, as one text to search."""
        parts = []
        for request in self.double.requests:
            parts.append(repr(request.json))
            parts.extend(file.data.decode("utf-8", "replace") for file in request.files)
        return "\n".join(parts)

    async def settled(self, quiet: float = 0.2) -> None:
        """Wait until the bot has made no request for `quiet` seconds (it has finished reacting)."""
        seen = -1
        while seen != len(self.double.requests):
            seen = len(self.double.requests)
            await asyncio.sleep(quiet)

    def got(self, handle: InteractionHandle) -> bool:
        """Whether Discord delivered that interaction to this bot process."""
        return handle.id in self.received

    async def note_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """The bot's on_interaction listener (see running_advisor), for `got`."""
        self.received.append(str(interaction.id))

    # --- what the store holds

    async def stored(self, key: SessionKey | None = None) -> StoredSession:
        """The member's interview here (or `key`'s), which must be in the store."""
        stored = await self.store.load(key or self.key)
        assert stored is not None, "the interview is gone from the store"
        return stored

    async def version(self, key: SessionKey | None = None) -> int | None:
        """The stored version of the member's interview here (or `key`'s); None if there is none."""
        stored = await self.store.load(key or self.key)
        return None if stored is None else stored.version

    async def history(self) -> list[ResultRecord]:
        """The member's results."""
        return await self.store.history(str(self.double.user["id"]))


def custom_id_of(message: JSON, label: str) -> str:
    for component in walk_components(message["components"]):
        if component.get("label") == label:
            return str(component["custom_id"])
    labels = [c.get("label") for c in walk_components(message["components"])]
    raise AssertionError(f"no {label!r} button; the message has {labels}")


def component_for(message: JSON, step: str | list[str]) -> tuple[str, int, list[str] | None]:
    """(custom_id, component type, values) of the button labelled `step`, or of the menu to
    pick `step` (a list of values, or one value) from."""
    if isinstance(step, str) and any(c.get("label") == step for c in walk_components(message["components"])):
        return custom_id_of(message, step), BUTTON, None
    return str(menu_of(message)["custom_id"]), SELECT, step if isinstance(step, list) else [step]


def menu_of(message: JSON) -> JSON:
    """The message's select menu (a step has one at most)."""
    return dict(next(c for c in walk_components(message["components"]) if c["type"] == SELECT))


def drawn_version(custom_id: str) -> int:
    """The session version an option button (oa:o:...) or menu (oa:s:...) was drawn for (see
    bot/interview/views.py: oa:<kind>:<user>:<place>:<version>[:<option>])."""
    return int(custom_id.split(":")[4])


# --------------------------------------------------------------------------- bot processes


@contextlib.asynccontextmanager
async def running_advisor(
    double: DiscordDouble,
    db_path: Path,
    *,
    sync: bool = True,
    seed: Callable[[SQLiteStore], Awaitable[object]] | None = None,
    setup: Callable[[AdvisorBot], object] | None = None,
    clock: Clock = utc_now,
    **bot_options: Any,
) -> AsyncIterator[Harness]:
    """One bot process: an AdvisorBot with its own connection to the SQLite file, connected to
    the double, its commands synced unless `sync` is False (a restart does not sync). `seed`
    fills the store before the bot starts; `setup` changes the bot before it connects;
    `clock` is the store's (what is due when); `bot_options` go to AdvisorBot (shard_ids,
    shard_count, background_timings)."""
    store = await SQLiteStore.open(db_path, clock=clock)
    harness: Harness | None = None
    try:
        if seed is not None:
            await seed(store)
        harness = Harness(double, AdvisorBot(store=store, **bot_options), store, db_path)
        harness.bot.add_listener(harness.note_interaction, "on_interaction")
        if setup is not None:
            setup(harness.bot)
        async with run_client(harness.bot):
            if sync:
                await harness.bot.tree.sync()
            yield harness
    finally:
        if harness is not None and harness.store is not store:
            await harness.store.close()  # a test swapped in another store
        await store.close()


@pytest.fixture
async def advisor(discord_double: DiscordDouble, db_path: Path) -> AsyncIterator[Harness]:
    async with running_advisor(discord_double, db_path) as harness:
        yield harness


# --------------------------------------------------------------------------- earlier members


async def take_interview(service: AdvisorService, key: SessionKey, answers: Sequence[str]) -> Outcome:
    """Begin an interview and give these typed answers through the service, with no Discord:
    the state a member left before the bot came to it."""
    outcome = await service.begin(key)
    for answer in answers:
        outcome = await service.act(key, Action.ANSWER, answer)
    return outcome


async def seed_server(store: SQLiteStore, guild_id: str) -> None:
    """Members of the server take interviews: two finish, one cancels midway."""
    service = AdvisorService(store)
    for member, answers in ((101, EBOOK_ANSWERS), (102, AGENCY_ANSWERS), (103, EBOOK_ANSWERS[:5])):
        key = SessionKey.for_guild(member, guild_id)
        await take_interview(service, key, answers)
        if len(answers) == len(EBOOK_ANSWERS):
            await service.act(key, Action.ANSWER, SECRET)
        else:
            await service.act(key, Action.CANCEL)


async def at_the_text_step(service: AdvisorService, key: SessionKey) -> int:
    """Answer every button step, stopping at the free-text description; return the version."""
    outcome = await take_interview(service, key, EBOOK_ANSWERS)
    assert outcome.turn.prompt is not None and outcome.turn.prompt.step_id == "description"
    return outcome.version


# --------------------------------------------------------------------------- staff


@pytest.fixture
async def seeded_advisor(discord_double: DiscordDouble, db_path: Path) -> AsyncIterator[Harness]:
    """The bot in a server whose members have taken interviews (seed_server)."""
    seed = functools.partial(seed_server, guild_id=discord_double.guild_id)
    async with running_advisor(discord_double, db_path, seed=seed) as harness:
        yield harness


@pytest.fixture
def staffed(seeded_advisor: Harness) -> tuple[DiscordDouble, SQLiteStore]:
    """seeded_advisor as (double, store): the shape tests/bot/test_guild_settings.py takes."""
    return seeded_advisor.double, seeded_advisor.store


async def staff_command(
    double: DiscordDouble,
    sub: str,
    options: JSON | None = None,
    *,
    permissions: int = STAFF,
    resolved: JSON | None = None,
    locale: str = "en-US",
) -> InteractionHandle:
    """``/advisor-staff <sub>`` sent, and its reply waited for; the handle."""
    payload = double.slash_command(
        "advisor-staff", sub, options=options, permissions=permissions, resolved=resolved, locale=locale
    )
    handle = await double.interact(payload)
    await handle.callback()
    return handle


# --------------------------------------------------------------------------- shards


@dataclass
class Cluster:
    """Two bot processes, running shard 0 and shard 1, sharing one database."""

    processes: tuple[Harness, Harness]
    guild_ids: tuple[str, str]  # the guild on shard 0 (the default one) and the one on shard 1

    @property
    def double(self) -> DiscordDouble:
        return self.processes[0].double

    @property
    def user_id(self) -> str:
        return str(self.double.user["id"])

    # The double hands an interaction to the process whose shard owns its guild (or to
    # `via_shard`'s), so which process's harness sends it makes no difference.

    async def slash(
        self, sub: str, *, guild_id: str | None, via_shard: int | None = None
    ) -> tuple[InteractionHandle, JSON]:
        return await self.processes[0].slash(sub, guild_id=guild_id, via_shard=via_shard)

    async def answer(
        self, message_id: str, step: str | list[str], *, via_shard: int
    ) -> tuple[InteractionHandle, JSON]:
        """Answer the step shown, delivered to shard `via_shard`'s process whatever the guild."""
        custom_id, _, values = component_for(self.double.messages[message_id], step)
        return await self.processes[0].click(message_id, custom_id, values, via_shard=via_shard)


@pytest.fixture
async def sharded_double() -> AsyncIterator[DiscordDouble]:
    """A double that requires two shards; the default guild is on shard 0, "Shard One" on 1."""
    async with running_double(shard_count=SHARDS) as double:
        double.add_guild_on_shard(1, "Shard One", members=(double.user,))
        yield double


def guild_on_shard_1(double: DiscordDouble) -> str:
    return next(guild_id for guild_id in double.world.guilds if double.shard_of(guild_id) == 1)


@pytest.fixture
async def cluster(sharded_double: DiscordDouble, db_path: Path) -> AsyncIterator[Cluster]:
    """Each process with its own connection to the one database, as separate processes have."""
    async with (
        # The commands are global: one process registers them.
        running_advisor(sharded_double, db_path, shard_ids=[0], shard_count=SHARDS) as first,
        running_advisor(sharded_double, db_path, sync=False, shard_ids=[1], shard_count=SHARDS) as second,
    ):
        yield Cluster((first, second), (sharded_double.guild_id, guild_on_shard_1(sharded_double)))


def without_identify_wait(bot: AdvisorBot) -> None:
    """discord.py waits 5 s before each further shard's IDENTIFY, for Discord's identify rate
    limit; the double has none, and a test need not wait."""

    async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_wait  # type: ignore[method-assign]


@pytest.fixture
def run_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Settings for `offering-advisor run` from the environment only (no developer's .env), and
    the root logger restored afterwards (run_bot configures it for a real run)."""
    for name in Settings.model_fields:  # a developer's own settings must not leak in
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", WELL_FORMED_TOKEN)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "run.db"))
    monkeypatch.chdir(tmp_path)
    root, library = logging.getLogger(), logging.getLogger("discord")
    saved = root.handlers[:], root.level, library.level
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    library.setLevel(saved[2])


# --------------------------------------------------------------------------- faults


class _QuickAsyncio:
    """asyncio as discord.py's request loops see it, with every sleep a hundred times shorter."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float, result: Any = None) -> Any:
        return await asyncio.sleep(delay / 100, result)


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """discord.py's own retry loops, unchanged but for their backoff (1 s, 3 s, 5 s, 7 s and
    9 s after a 5xx, 25 s in all), so that running out of retries takes a quarter second."""
    monkeypatch.setattr(discord.webhook.async_, "asyncio", _QuickAsyncio())
    monkeypatch.setattr(discord.http, "asyncio", _QuickAsyncio())
    yield


# --------------------------------------------------------------------------- forged interactions


@pytest.fixture
async def three_interviews(advisor: Harness) -> Interviews:
    """The member's interviews in this server, in server B (which they may have left, and
    which keeps interviews in DMs) and in DMs, each at the free-text step."""
    user = advisor.double.user["id"]
    service = AdvisorService(advisor.store)
    keys = {
        "here": advisor.key,
        "server_b": SessionKey.for_guild(user, SERVER_B),
        "dm": SessionKey.for_dm(user),
    }
    await advisor.store.save_guild_settings(GuildSettings(guild_id=SERVER_B, interviews_in_channels=False))
    return {name: (key, await at_the_text_step(service, key)) for name, key in keys.items()}


async def assert_untouched(advisor: Harness, interviews: Interviews) -> None:
    """Each interview still at its version, without a description, and no result."""
    for key, version in interviews.values():
        stored = await advisor.store.load(key)
        assert stored is not None and stored.version == version
        assert "description" not in stored.session.answers
    assert await advisor.history() == []


def forged(payload: JSON, custom_id: str) -> JSON:
    """The interaction as a modified client would send it, naming another custom_id."""
    changed = copy.deepcopy(payload)
    changed["data"]["custom_id"] = custom_id
    return changed


def with_component_renamed(message: JSON, old: str, new: str) -> JSON:
    """The message as the interaction carries it, with one component's custom_id changed."""
    changed = copy.deepcopy(message)
    for row in changed["components"]:
        for component in row["components"]:
            if component.get("custom_id") == old:
                component["custom_id"] = new
    return changed
