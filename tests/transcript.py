"""A member's transcript through the loopback Discord double: send a slash command, press
a button by its label, pick from a menu, fill in a form, and read what the member sees.

The ``advisor`` fixture runs the real ``AdvisorBot`` on a real SQLite file, pointed at the
double, with its commands synced. Every Discord test that talks to one bot in-process
starts from here (registered for every test in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.client import AdvisorBot
from storage.keys import SessionKey
from storage.sqlite import SQLiteStore
from tests.discord_double import DiscordDouble, run_client
from tests.discord_double.payloads import walk_components

JSON = dict[str, Any]
EPHEMERAL = 64
UPDATE_MESSAGE, CHANNEL_MESSAGE, MODAL = 7, 4, 9
ORIGINAL_MESSAGE = "/webhooks/{webhook_id}/{webhook_token}/messages/@original"

# A beginner selling an e-book, by the label of the button to press or the menu values.
EBOOK_STEPS: list[str | list[str]] = [
    "Just starting",
    ["ebook"],
    "Building it once",
    "No",
    "Once, for a ready-made thing",
    "Hardly any more",
    "Identical for everyone",
    "They get on with it by themselves",
    "The thing I made",
    "All at once, as a download or access",
    "Updates released for everyone",
    ["none"],
    "My first paying customers",
]
DESCRIPTION = "A PDF guide to sourdough baking, instant download. @everyone **now**"


@dataclass
class Harness:
    double: DiscordDouble
    bot: AdvisorBot
    store: SQLiteStore
    db_path: Path

    async def slash(self, sub: str, options: JSON | None = None, **kwargs: Any) -> tuple[Any, JSON]:
        handle = await self.double.interact(
            self.double.slash_command("advisor", sub, options=options, **kwargs)
        )
        callback = await handle.callback()
        return handle, callback.json

    def message(self, message_id: str) -> JSON:
        return self.double.messages[message_id]

    async def click(
        self, message_id: str, custom_id: str, values: list[str] | None = None, **kwargs: Any
    ) -> tuple[Any, JSON]:
        component_type = 3 if values is not None else 2
        payload = self.double.component_click(
            custom_id, component_type, values, message=self.message(message_id), **kwargs
        )
        handle = await self.double.interact(payload)
        return handle, (await handle.callback()).json

    async def press(self, message_id: str, label: str, **kwargs: Any) -> tuple[Any, JSON]:
        return await self.click(message_id, custom_id_of(self.message(message_id), label), **kwargs)

    async def choose(self, message_id: str, values: list[str]) -> tuple[Any, JSON]:
        select = next(c for c in walk_components(self.message(message_id)["components"]) if c["type"] == 3)
        return await self.click(message_id, select["custom_id"], values)

    async def type_answer(self, message_id: str, text: str) -> tuple[Any, JSON]:
        _, callback = await self.press(message_id, "Type your answer")
        assert callback["type"] == MODAL
        modal_id = callback["data"]["custom_id"]
        submit = self.double.modal_submit(modal_id, {"answer": text}, message=self.message(message_id))
        submitted = await self.double.interact(submit)
        return submitted, (await submitted.callback()).json

    async def answer(self, message_id: str, step: str | list[str]) -> JSON:
        if isinstance(step, list):
            return (await self.choose(message_id, step))[1]
        if any(c.get("label") == step for c in walk_components(self.message(message_id)["components"])):
            return (await self.press(message_id, step))[1]
        return (await self.choose(message_id, [step]))[1]

    async def session_version(self, user_id: int | str, guild_id: int | str) -> int | None:
        stored = await self.store.load(SessionKey.for_guild(user_id, guild_id))
        return None if stored is None else stored.version


def custom_id_of(message: JSON, label: str) -> str:
    for component in walk_components(message["components"]):
        if component.get("label") == label:
            return str(component["custom_id"])
    labels = [c.get("label") for c in walk_components(message["components"])]
    raise AssertionError(f"no {label!r} button; the message has {labels}")


@pytest.fixture
async def advisor(discord_double: DiscordDouble, db_path: Path) -> AsyncIterator[Harness]:
    store = await SQLiteStore.open(db_path)
    async with run_client(AdvisorBot(store=store)) as bot:
        assert isinstance(bot, AdvisorBot)
        await bot.tree.sync()
        harness = Harness(discord_double, bot, store, db_path)
        yield harness
    await harness.store.close()  # a test may have swapped in another store
    await store.close()


async def start_interview(advisor: Harness, **kwargs: Any) -> str:
    handle, callback = await advisor.slash("start", **kwargs)
    assert callback["type"] == CHANNEL_MESSAGE
    return str(handle.original_message["id"])


async def finish_interview(advisor: Harness) -> str:
    message_id = await start_interview(advisor)
    for step in EBOOK_STEPS:
        await advisor.answer(message_id, step)
    await advisor.press(message_id, "Skip")
    return message_id
