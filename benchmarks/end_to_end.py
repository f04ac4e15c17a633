"""Section 4: a member's click end to end, through discord.py and the loopback Discord double.

The real bot (``AdvisorBot`` on a real SQLite file) runs against the double in this
process. One *turn* is a member clicking an answer button on the step message the bot
drew for them: the double sends INTERACTION_CREATE over the gateway, discord.py parses
it and routes it to the button's ``DynamicItem``, the session is loaded, advanced by
the engine, written with its version check and committed (group commit), and the bot
answers with the next step; the turn ends when the double has received that answer.
The bot answers only after the commit, so an answered turn is a durable one.

The *floor* is what discord.py alone costs for the same traffic: a bare
``discord.Client`` that parses the same interactions and answers each with the same
step message (built by the same code), with no dialog logic and no storage.

Two loads are measured for each number of members:

* throughput (turns/s): every member clicks again as soon as the last answer arrives,
  so as many clicks are in flight as there are members: the most the bot can do;
* latency (p50/p99 in milliseconds, bot side: from discord.py parsing the
  INTERACTION_CREATE event to the double holding the bot's answer): members click
  after a pause, as people do (exponential, mean ``THINK_MEAN_S``), so the bot is
  measured at a load it sustains rather than behind a queue it made itself.

The double runs in the same process and on the same core, so its own work (building
and serving the events, recording the answers) slows both the bot and the floor: the
figures are a pessimistic bound on what the bot costs by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

from benchmarks.measure import median, percentile
from bot.client import AdvisorBot
from bot.interview.controller import _step_message
from bot.interview.views import StepRef
from dialogs.engine import DialogEngine
from storage.sqlite import SQLiteStore
from tests.discord_double.double import CALLBACK, DiscordDouble
from tests.discord_double.fixtures import discord_pointed_at, run_client
from tests.discord_double.payloads import walk_components
from tests.discord_double.rest import RecordedRequest

JSON = dict[str, Any]
THINK_MEAN_S = 3.0
# Callback types that carry the answer itself (a new message, an edited one, a modal);
# after a deferral (5, 6) the answer follows as an edit or a followup.
ANSWERING_CALLBACKS = {4, 7, 9}


class _AnswerTap(list[RecordedRequest]):
    """Stands in for the double's request log: resolves the waiting turn when the bot's
    answer to its interaction arrives, and keeps nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[str, asyncio.Future[float]] = {}
        # When discord.py began parsing each interaction, by token: where bot-side time starts.
        self.parsed: dict[str, float] = {}

    def watch_parsing(self, client: discord.Client) -> None:
        """Note the moment discord.py parses each INTERACTION_CREATE (the gateway reads
        its parsers from this same table)."""
        parsers = client._connection.parsers
        parse = parsers["INTERACTION_CREATE"]

        def stamped(data: Any) -> None:
            self.parsed[data["token"]] = time.perf_counter()
            parse(data)

        parsers["INTERACTION_CREATE"] = stamped

    def expect(self, token: str) -> asyncio.Future[float]:
        answered: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[token] = answered
        return answered

    def append(self, request: RecordedRequest) -> None:
        params = request.params
        token = params.get("interaction_token") or params.get("webhook_token")
        if token is None or token not in self.waiting:
            return
        if request.route == CALLBACK and int((request.json or {}).get("type", 0)) not in ANSWERING_CALLBACKS:
            return  # a deferral: the answer itself comes later
        answered = self.waiting.pop(token)
        if not answered.done():
            answered.set_result(time.perf_counter() - self.parsed.pop(token))


class FloorClient(discord.Client):
    """discord.py and nothing else: every click is answered with the same step message."""

    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True), allowed_mentions=discord.AllowedMentions.none()
        )
        self._first_step = DialogEngine().start()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        ref = StepRef(interaction.user.id, f"g{interaction.guild_id}", 1)
        message = _step_message(self._first_step, ref, "en")
        # Stopped, so discord.py does not file it for dispatch: the floor answers every
        # click itself (the bot's buttons would call into the bot it is not).
        message["view"].stop()
        if interaction.type is discord.InteractionType.component:
            await interaction.response.edit_message(**message)
        else:
            await interaction.response.send_message(ephemeral=True, **message)


@dataclass
class _Member:
    user: JSON
    message_id: str = ""
    latencies: list[float] = field(default_factory=list)


class _Driver:
    def __init__(self, double: DiscordDouble, tap: _AnswerTap) -> None:
        self.double = double
        self.tap = tap
        # The message each member's step is drawn on, by user id.
        self._messages: dict[str, str] = {}

    async def _send(self, payload: JSON) -> float:
        """Send one interaction; the bot-side seconds until its answer arrived."""
        state = self.double.rest.add_interaction(payload)
        answered = self.tap.expect(state.token)
        await self.double.gateway.dispatch("INTERACTION_CREATE", payload)
        bot_side = await asyncio.wait_for(answered, timeout=60)
        self.double.rest.interactions.pop(state.id, None)
        if state.original_id:
            self._messages[payload["member"]["user"]["id"]] = state.original_id
        return bot_side

    async def join(self, member: _Member) -> None:
        payload = self.double.slash_command("advisor", "start", user=member.user)
        await self._send(payload)
        member.message_id = self._messages[member.user["id"]]

    async def click(self, member: _Member) -> float:
        message = self.double.messages[member.message_id]
        payload = self._answer_click(message, member.user)
        return await self._send(payload)

    def _answer_click(self, message: JSON, user: JSON) -> JSON:
        """A click on the first option of the step; at the free-text step, which ends the
        option questions, a click on Back instead, so a member can take any number of turns."""
        components = list(walk_components(message["components"]))
        for component in components:
            custom_id = str(component.get("custom_id", ""))
            if custom_id.startswith("oa:o:"):
                return self.double.component_click(custom_id, 2, message=message, user=user)
            if custom_id.startswith("oa:s:"):
                values = [component["options"][0]["value"]]
                return self.double.component_click(custom_id, 3, values, message=message, user=user)
        for component in components:
            custom_id = str(component.get("custom_id", ""))
            if custom_id.startswith("oa:n:back:"):
                return self.double.component_click(custom_id, 2, message=message, user=user)
        raise RuntimeError(f"the step message has neither an option nor Back: {message['components']}")


@contextlib.asynccontextmanager
async def _running(make_client: Callable[[], discord.Client]) -> AsyncIterator[_Driver]:
    async with DiscordDouble(validate=False) as double:
        tap = _AnswerTap()
        double.rest.requests = tap
        with discord_pointed_at(double):
            client = make_client()
            tap.watch_parsing(client)
            async with run_client(client, timeout=30):
                yield _Driver(double, tap)


async def _measure(
    kind: str, members: int, turns_each: int, *, think: bool, seed: int
) -> tuple[float, list[float]]:
    """(turns per second, latencies in seconds) for ``members`` members taking ``turns_each`` turns."""
    async with contextlib.AsyncExitStack() as stack:
        if kind == "bot":
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oa-e2e-")))
            store = await SQLiteStore.open(folder / "advisor.db")
            stack.push_async_callback(store.close)
            make_client: Callable[[], discord.Client] = lambda: AdvisorBot(store=store)  # noqa: E731
        else:
            make_client = FloorClient
        return await _drive(make_client, members, turns_each, think=think, seed=seed)
    raise AssertionError("unreachable")


async def _drive(
    make_client: Callable[[], discord.Client], members: int, turns_each: int, *, think: bool, seed: int
) -> tuple[float, list[float]]:
    rng = random.Random(seed)
    async with _running(make_client) as driver:
        people = [_Member(driver.double.world.add_user(f"member{i}")) for i in range(members)]
        for start in range(0, members, 100):
            await asyncio.gather(*(driver.join(member) for member in people[start : start + 100]))

        async def take_turns(member: _Member, pauses: list[float]) -> None:
            for pause in pauses:
                if pause:
                    await asyncio.sleep(pause)
                member.latencies.append(await driver.click(member))

        plans = [
            [rng.expovariate(1 / THINK_MEAN_S) if think else 0.0 for _ in range(turns_each)] for _ in people
        ]
        started = time.perf_counter()
        await asyncio.gather(*(take_turns(member, plan) for member, plan in zip(people, plans, strict=True)))
        elapsed = time.perf_counter() - started
    return members * turns_each / elapsed, [lat for member in people for lat in member.latencies]


async def run(
    *,
    repeats: int = 3,
    levels: tuple[int, ...] = (1, 10, 100, 1000),
    turns_each: int = 6,
    latency_turns: int = 8,
) -> dict[str, Any]:
    # WARNING would print discord.py's note that voice is not installed, once per client.
    logging.getLogger("discord").setLevel(logging.ERROR)
    throughput: dict[tuple[str, int], list[float]] = {}
    p50: dict[int, list[float]] = {}
    p99: dict[int, list[float]] = {}
    samples: dict[int, int] = {}
    for kind in ("floor", "bot"):  # warm-up: imports, caches, the first connection
        await _measure(kind, 10, 3, think=False, seed=-1)
    for repeat in range(repeats):
        for members in levels:
            # Enough turns at a small level to make its figures mean something.
            turns = max(turns_each, 60 // members)
            for kind in ("floor", "bot"):
                rate, _ = await _measure(kind, members, turns, think=False, seed=repeat)
                throughput.setdefault((kind, members), []).append(rate)
            # Paced turns take THINK_MEAN_S each: a fixed number keeps every level's run short.
            _, latencies = await _measure("bot", members, latency_turns, think=True, seed=repeat)
            samples[members] = samples.get(members, 0) + len(latencies)
            p50.setdefault(members, []).append(percentile(latencies, 0.50) * 1000)
            p99.setdefault(members, []).append(percentile(latencies, 0.99) * 1000)
    table: dict[str, Any] = {}
    for members in levels:
        bot_rate = median(throughput[("bot", members)])
        floor_rate = median(throughput[("floor", members)])
        table[str(members)] = {
            "bot_turns_per_s": bot_rate,
            "floor_turns_per_s": floor_rate,
            "ratio_to_floor": bot_rate / floor_rate,
            "p50_ms": median(p50[members]),
            "p99_ms": median(p99[members]),
            "latency_samples": samples[members],
        }
    return {
        "think_mean_s": THINK_MEAN_S,
        "levels": table,
        "goals": {"ratio_at_1000": 0.5, "p99_ms_at_1000": 50, "p99_ms_at_10": 5},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run(repeats=1, levels=(1, 10, 100), latency_turns=3)), indent=2))
