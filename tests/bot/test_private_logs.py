"""The bot's log at DEBUG, read whole after a member's full journey: it carries none of
their answers, results or the token, and the database URL's password stays hidden.

The bot is a real process (``tests/soak_bot.py``, the same ``run_bot`` as ``offering-advisor
run``) with LOG_LEVEL=DEBUG, on a SQLite file and on PostgreSQL, driven through the loopback
Discord double.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from advisor.service import Action, AdvisorService
from dialogs.engine import DialogEngine, EngineError
from dialogs.session import Answer
from storage.factory import open_store
from storage.keys import SessionKey
from storage.protocol import StoreSchemaError
from tests.bot.test_scale_out import BotProcess
from tests.conftest import AnyStore
from tests.discord_double import DiscordDouble, running_double
from tests.soak_bot import SOAK_TOKEN
from tests.transcript import CHANNEL_MESSAGE, EBOOK_STEPS, MODAL, UPDATE_MESSAGE, component_for, custom_id_of

pytestmark = pytest.mark.slow

DESCRIPTION = "Zephyrine sourdough field guide, a PDF I wrote about starter care 4417"
CHECK_TEXT = "Quillwort Notion planner templates, one payment, instant download 9023"
DB_PASSWORD = "Pw-in-the-query-8812"
JSON = dict[str, Any]
KEY = SessionKey.for_guild(1, 2)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'advisor.db'}"
    # The test server trusts local connections, so it ignores a password it does not need.
    url: str = request.getfixturevalue("postgres_url")
    return f"{url}&password={DB_PASSWORD}"


@pytest.fixture
async def debug_bot(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[DiscordDouble, BotProcess]]:
    async with running_double() as double:
        bot = await BotProcess.start(double, database_url, 0, tmp_path, shard_count=1, log_level="DEBUG")
        try:
            try:
                await double.gateway.wait_connected(1, timeout=60)
            except TimeoutError:
                raise AssertionError(f"the bot did not connect:\n{bot.log.read_text()[-2000:]}") from None
            yield double, bot
        finally:
            await bot.stop()


async def deliver(double: DiscordDouble, payload: JSON) -> JSON:
    handle = await double.interact(payload)
    return (await handle.callback(timeout=15)).json


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


async def test_a_debug_log_of_a_whole_journey_holds_no_member_data(
    debug_bot: tuple[DiscordDouble, BotProcess], database_url: str
) -> None:
    double, bot = debug_bot
    started = await double.interact(double.slash_command("advisor", "start"))
    assert (await started.callback(timeout=15)).json["type"] == CHANNEL_MESSAGE
    assert started.original_message is not None
    message_id = str(started.original_message["id"])
    for step in EBOOK_STEPS:
        custom_id, component_type, values = component_for(double.messages[message_id], step)
        payload = double.component_click(
            custom_id, component_type, values, message=double.messages[message_id]
        )
        assert (await deliver(double, payload))["type"] == UPDATE_MESSAGE
    message = double.messages[message_id]
    opened = await deliver(
        double, double.component_click(custom_id_of(message, "Type your answer"), message=message)
    )
    assert opened["type"] == MODAL
    submitted = await deliver(
        double, double.modal_submit(opened["data"]["custom_id"], {"answer": DESCRIPTION}, message=message)
    )
    assert submitted["data"]["embeds"][0]["title"] == "Digital product"
    for command, options in (("result", None), ("history", None), ("export", None), ("share", None)):
        assert (await deliver(double, double.slash_command("advisor", command, options)))[
            "type"
        ] == CHANNEL_MESSAGE
    checked = await deliver(double, double.slash_command("advisor", "check", {"description": CHECK_TEXT}))
    assert checked["type"] == CHANNEL_MESSAGE
    await bot.stop()

    log = bot.log.read_text(errors="replace")
    assert " DEBUG " in log, "the bot did not log at DEBUG, so this test shows nothing"
    assert "starting; database " in log
    async with await open_store(database_url) as store:
        [record] = await store.history(str(double.user["id"]))
    # Every sentence of the member's result (its reasons quote their answers), the text
    # they typed, the text they checked, and the token.
    private = {text for text in strings_in(json.loads(record.result.model_dump_json())) if len(text) >= 24}
    private |= {DESCRIPTION, CHECK_TEXT, SOAK_TOKEN, DB_PASSWORD}
    assert len(private) > 10
    leaked = sorted(text for text in private if text in log)
    assert leaked == [], f"the log holds a member's data: {leaked[:3]}"


async def corrupt_stored_session(store_url: str, text: str) -> None:
    """Give the one stored session an answer the store cannot read, holding ``text``."""
    async with await open_store(store_url) as store:
        stored = await store.load(KEY)
        assert stored is not None
        data = json.loads(stored.session.model_dump_json())
    data["answers"]["stage"] = {"options": ["starting"], "note": text}
    bad = json.dumps(data)
    if store_url.startswith("sqlite:///"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as raw:
            raw.execute("UPDATE sessions SET data = ?", (bad,))
    else:
        connection = await asyncpg.connect(store_url)
        try:
            await connection.execute("UPDATE sessions SET data = $1", bad)
        finally:
            await connection.close()


async def test_an_unreadable_record_is_reported_without_quoting_it(
    store_url: str, any_store: AnyStore
) -> None:
    service = AdvisorService(any_store)
    await service.begin(KEY)
    await service.act(KEY, Action.ANSWER, "1")
    await corrupt_stored_session(store_url, DESCRIPTION)
    with pytest.raises(StoreSchemaError) as raised:
        await any_store.load(KEY)
    message = str(raised.value)
    assert message.startswith("the stored interview cannot be read: answers.stage.note: Extra inputs")
    assert DESCRIPTION not in message


def test_an_inconsistent_session_is_named_by_its_steps_not_its_answers() -> None:
    engine = DialogEngine()
    session = engine.answer(engine.new_session(), "1").session
    session = session.model_copy(
        update={"answers": {**session.answers, "describe": Answer(text=DESCRIPTION)}, "trail": ()}
    )
    with pytest.raises(EngineError) as raised:
        engine.check_session(session)
    assert DESCRIPTION not in str(raised.value)
