"""The database failing under the store: locked by another process, a full disk, a
damaged file, a read-only database.

Real SQLite files and, for the lock, a real second process. What is held to account is
what a member or a terminal user would notice: one clear message (the member's without
the server's file path), the bot still serving what it can (reads), and no session ever
half-written: every write either has all of its effect or none, checked through a
separate connection to the file.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.client import AdvisorBot
from dialogs.engine import DialogEngine
from dialogs.messages import msg, render
from dialogs.session import Session
from dialogs.verdict import Classification
from storage.keys import SessionKey
from storage.protocol import StaleVersionError, StoreError, StoreUnavailableError
from storage.sqlite import SQLiteStore
from tests.command_line import make_env, run_cli
from tests.discord_double import DiscordDouble, run_client
from tests.transcript import (
    CHANNEL_MESSAGE,
    DESCRIPTION,
    EBOOK_STEPS,
    EPHEMERAL,
    UPDATE_MESSAGE,
    Harness,
)

ENGINE = DialogEngine()
# What a member is told when the store fails, in the English catalog.
STORAGE_UNAVAILABLE = render(msg("discord.storage_unavailable"), "en")
FIRST_STEP = "Where are you with this offering today?"
SECOND_STEP = "Which of these comes closest to what you offer?"
BUSY = "busy in another process"
FULL = "is full"
READ_ONLY = "is read-only"
DAMAGED = "is damaged"
# Short enough for a quick test, long enough that the store really waited for the lock.
QUICK_BUSY_MS = 200
NO_LIMIT = 1_073_741_823  # SQLite's default max_page_count


def member(number: int) -> SessionKey:
    return SessionKey.for_guild(1000 + number, 999)


def advanced(*answers: str) -> Session:
    session = ENGINE.new_session()
    for answer in answers:
        session = ENGINE.answer(session, answer).session
    return session


def finished_result() -> Classification:
    turn = ENGINE.start()
    while turn.result is None:
        turn = (
            ENGINE.answer(turn.session, "1")
            if turn.prompt and turn.prompt.kind != "text"
            else ENGINE.skip(turn.session)
        )
    return turn.result


RESULT = finished_result()


def described(number: int, *, length: int = 1800) -> Classification:
    """A result carrying a long interview description, told apart by number."""
    text = f"offering {number}: " + "recorded sourdough lessons with a weekly live bake-along " * 150
    return RESULT.model_copy(update={"description": text[:length]})


def raw_session(path: Path, key: SessionKey) -> tuple[int, str] | None:
    """(version, data) of a stored session, read through a connection of its own."""
    with closing(sqlite3.connect(path)) as raw:
        row = raw.execute(
            "SELECT version, data FROM sessions WHERE user_id = ? AND scope = ? AND dialog = ?",
            (key.user_id, key.scope, key.dialog),
        ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def raw_count(path: Path, sql: str, *params: Any) -> int:
    with closing(sqlite3.connect(path)) as raw:
        return int(raw.execute(sql, params).fetchone()[0])


# --- another process holding the write lock ---------------------------------------------

_LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


@contextmanager
def another_process_writing(path: Path) -> Iterator[subprocess.Popen[str]]:
    """A second process holding a write transaction on the file until the block ends
    (or until its stdin is closed)."""
    locker = subprocess.Popen(
        [sys.executable, "-c", _LOCKER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert locker.stdin is not None and locker.stdout is not None
    try:
        assert locker.stdout.readline().strip() == "locked"
        yield locker
    finally:
        if not locker.stdin.closed:
            locker.stdin.close()
        assert locker.wait(timeout=5) == 0


@pytest.fixture
async def quick_store(db_path: Path) -> AsyncIterator[SQLiteStore]:
    async with await SQLiteStore.open(db_path, busy_timeout_ms=QUICK_BUSY_MS) as opened:
        yield opened


async def test_a_write_while_another_process_writes_fails_as_busy_and_changes_nothing(
    quick_store: SQLiteStore, db_path: Path
) -> None:
    store = quick_store
    one, two = member(1), member(2)
    assert await store.save(one, advanced(), expected_version=0) == 1
    assert await store.save(one, advanced("1"), expected_version=1) == 2
    assert await store.save(two, advanced("1"), expected_version=0) == 1
    before_one, before_two = raw_session(db_path, one), raw_session(db_path, two)

    with another_process_writing(db_path):
        started = time.perf_counter()
        attempts = await asyncio.gather(
            store.save(one, advanced("1", "1"), expected_version=2),
            store.complete(two, RESULT, expected_version=1),
            store.save(member(3), advanced(), expected_version=0),
            return_exceptions=True,
        )
        waited = time.perf_counter() - started
        for attempt in attempts:
            assert isinstance(attempt, StoreError) and not isinstance(attempt, StaleVersionError), attempt
            assert BUSY in str(attempt) and str(db_path) in str(attempt)
        assert QUICK_BUSY_MS / 1000 * 0.9 <= waited < 2  # it waited for the lock, then gave up
        # Nothing half-written: the update, the completion and the creation all left no trace.
        assert raw_session(db_path, one) == before_one
        assert raw_session(db_path, two) == before_two
        assert raw_session(db_path, member(3)) is None
        assert raw_count(db_path, "SELECT count(*) FROM results") == 0
        assert raw_count(db_path, "SELECT count(*) FROM interviews WHERE outcome IS NOT NULL") == 0
        assert raw_count(db_path, "SELECT count(*) FROM interviews") == 2
        # Reads are not blocked by the other process's write (WAL): the bot keeps serving them.
        loaded = await store.load(one)
        assert loaded is not None and loaded.version == 2 and loaded.session == advanced("1")
        assert await store.history(two.user_id) == []

    # The lock is gone: the very same writes (same expected versions) now go through, once.
    assert await store.save(one, advanced("1", "1"), expected_version=2) == 3
    record = await store.complete(two, RESULT, expected_version=1)
    assert await store.save(member(3), advanced(), expected_version=0) == 1
    assert raw_session(db_path, one) == (3, advanced("1", "1").model_dump_json())
    assert raw_session(db_path, two) is None
    assert [r.id for r in await store.history(two.user_id)] == [record.id]


async def test_a_lock_shorter_than_the_busy_timeout_is_waited_out(db_path: Path) -> None:
    async with await SQLiteStore.open(db_path, busy_timeout_ms=2500) as store:
        assert await store.save(member(1), advanced(), expected_version=0) == 1
        with another_process_writing(db_path) as locker:
            assert locker.stdin is not None
            asyncio.get_running_loop().call_later(0.3, locker.stdin.close)  # the other process finishes
            started = time.perf_counter()
            assert await store.save(member(1), advanced("1"), expected_version=1) == 2
            assert 0.25 <= time.perf_counter() - started < 2.5
        assert raw_session(db_path, member(1)) == (2, advanced("1").model_dump_json())


async def test_opening_a_new_database_another_process_holds_is_refused_clearly(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as raw:
        raw.execute("PRAGMA journal_mode = WAL")
    with another_process_writing(db_path):
        with pytest.raises(StoreUnavailableError, match=BUSY) as refused:
            await SQLiteStore.open(db_path, busy_timeout_ms=QUICK_BUSY_MS)
        assert str(db_path) in str(refused.value)
    async with await SQLiteStore.open(db_path, busy_timeout_ms=QUICK_BUSY_MS) as store:
        assert await store.save(member(1), advanced(), expected_version=0) == 1


async def test_an_up_to_date_database_opens_and_reads_while_another_process_writes(
    db_path: Path,
) -> None:
    async with await SQLiteStore.open(db_path) as store:
        await store.save(member(1), advanced("1"), expected_version=0)
    with another_process_writing(db_path):
        async with await SQLiteStore.open(db_path, busy_timeout_ms=QUICK_BUSY_MS) as store:
            loaded = await store.load(member(1))
            assert loaded is not None and loaded.session == advanced("1")


def test_the_terminal_reads_history_while_another_process_writes(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    path = Path(env["DATABASE_PATH"])

    async def one_result() -> None:
        async with await SQLiteStore.open(path) as store:
            key = SessionKey.for_terminal("local")
            version = await store.save(key, advanced(), expected_version=0)
            await store.complete(key, RESULT, expected_version=version)

    asyncio.run(one_result())
    with another_process_writing(path):
        run = run_cli("history", "--json", env=env, timeout=10)
    assert run.code == 0, run.err
    assert [entry["result"]["verdict"] for entry in run.json()] == [RESULT.verdict.value]


# --- a full disk ---------------------------------------------------------------------------


async def page_count(store: SQLiteStore) -> int:
    async with store._db.execute("PRAGMA page_count") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def cap_pages(store: SQLiteStore, pages: int) -> None:
    """Make the database file unable to grow past ``pages``: the disk is full for it."""
    async with store._db.execute(f"PRAGMA max_page_count = {pages:d}") as cursor:
        row = await cursor.fetchone()
    assert row is not None and int(row[0]) == pages


async def test_a_full_disk_fails_whole_batches_and_keeps_every_acknowledged_write(
    store: SQLiteStore, db_path: Path
) -> None:
    # Before the disk fills: members 0-9 have an interview in progress, member 0 a result.
    sessions: dict[SessionKey, tuple[int, str]] = {}  # what was acknowledged, per member
    for number in range(10):
        version = await store.save(member(number), advanced("1"), expected_version=0)
        sessions[member(number)] = (version, advanced("1").model_dump_json())
    first = await store.complete(member(0), described(0), expected_version=1)
    del sessions[member(0)]
    results = {first.id: described(0).description}
    refused: list[SessionKey] = []  # members none of whose writes were acknowledged

    await cap_pages(store, await page_count(store) + 4)

    # Many members at once: results with long descriptions, new interviews, answers. They
    # share one group commit, which cannot fit, so every one of them fails and none is kept.
    completing = range(1, 6)
    creating = range(100, 140)
    batch = await asyncio.gather(
        *(store.complete(member(n), described(n), expected_version=1) for n in completing),
        *(store.save(member(n), advanced(), expected_version=0) for n in creating),
        *(store.save(member(n), advanced("1", "1"), expected_version=1) for n in range(6, 10)),
        return_exceptions=True,
    )
    for outcome in batch:
        assert isinstance(outcome, StoreError) and FULL in str(outcome), outcome
    refused += [member(n) for n in creating]

    # One at a time, until the disk is full: what returned is stored, what failed is not.
    failure: StoreError | None = None
    for n in range(200, 400):
        key = member(n)
        try:
            version = await store.save(key, advanced("1", "1"), expected_version=0)
        except StoreError as error:
            failure = error
            refused.append(key)
            break
        sessions[key] = (version, advanced("1", "1").model_dump_json())
    assert failure is not None and FULL in str(failure) and str(db_path) in str(failure)

    # Nothing half-written, checked through another connection: every session is exactly
    # at its last acknowledged version, every refused member left no trace at all, and the
    # completions that failed left their interviews in progress and no result.
    for key, acknowledged in sessions.items():
        assert raw_session(db_path, key) == acknowledged, key
    for key in refused:
        assert raw_session(db_path, key) is None
        assert raw_count(db_path, "SELECT count(*) FROM interviews WHERE user_id = ?", key.user_id) == 0
    assert raw_count(db_path, "SELECT count(*) FROM results") == 1
    assert raw_count(db_path, "SELECT count(*) FROM interviews WHERE outcome IS NOT NULL") == 1
    with closing(sqlite3.connect(db_path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # The bot keeps serving what it can: everything stored reads back.
    for key, (version, _) in sessions.items():
        loaded = await store.load(key)
        assert loaded is not None and loaded.version == version
    assert [r.result.description for r in await store.history(member(0).user_id)] == [results[first.id]]

    # Space again: the same writes that failed now succeed, once each.
    await cap_pages(store, NO_LIMIT)
    assert await store.save(refused[-1], advanced("1", "1"), expected_version=0) == 1
    record = await store.complete(member(1), described(1), expected_version=1)
    assert (await store.history(member(1).user_id))[0].id == record.id
    assert await store.save(member(6), advanced("1", "1"), expected_version=1) == 2


# --- a damaged database --------------------------------------------------------------------


async def test_a_file_that_is_not_a_database_is_refused_naming_it(db_path: Path) -> None:
    db_path.write_bytes(b"\x00\x13garbage that is not SQLite" * 300)
    with pytest.raises(StoreUnavailableError) as refused:
        await SQLiteStore.open(db_path)
    assert str(refused.value) == (
        f"the file {db_path} is not a readable offering-advisor database (file is not a database)"
    )


def test_the_terminal_refuses_a_file_that_is_not_a_database_in_one_line(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    path = Path(env["DATABASE_PATH"])
    garbage = b"notes, not a database\n" * 400
    path.write_bytes(garbage)
    run = run_cli("history", env=env)
    assert (run.code, run.out) == (1, "")
    assert run.err_lines == [
        f"offering-advisor: the file {path} is not a readable offering-advisor database "
        "(file is not a database)"
    ]
    assert path.read_bytes() == garbage
    # What needs no database still works.
    check = run_cli("check", "I sell Notion templates", "--json", env=env)
    assert check.code == 0 and check.json()["verdict"] == "digital_product"


def damage_a_page_of(path: Path, table: str) -> None:
    """Overwrite one leaf page of ``table`` in the middle of a closed database file."""
    with closing(sqlite3.connect(path)) as raw:
        leaves = [
            int(page)
            for (page,) in raw.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,)
            )
        ]
        page_size = int(raw.execute("PRAGMA page_size").fetchone()[0])
    assert len(leaves) >= 3, "too few pages to damage one in the middle"
    with path.open("r+b") as file:
        file.seek((leaves[len(leaves) // 2] - 1) * page_size)
        file.write(b"\xff" * page_size)
    with closing(sqlite3.connect(path)) as raw, pytest.raises(sqlite3.DatabaseError, match="malformed"):
        raw.execute("PRAGMA quick_check").fetchall()


async def test_damaged_pages_give_a_clear_error_and_the_rest_keeps_working(db_path: Path) -> None:
    members = range(200)
    async with await SQLiteStore.open(db_path) as store:

        async def one(number: int) -> None:
            version = await store.save(member(number), advanced(), expected_version=0)
            await store.complete(member(number), RESULT, expected_version=version)
            await store.save(member(number), advanced("1"), expected_version=0)

        await asyncio.gather(*(one(number) for number in members))
    damage_a_page_of(db_path, "results")

    async with await SQLiteStore.open(db_path) as store:  # opening reads no damaged page
        unreadable, readable = [], []
        for number in members:
            try:
                history = await store.history(member(number).user_id)
            except StoreError as error:
                assert str(error) == (
                    f"the database {db_path} is damaged (database disk image is malformed); "
                    "restore it from a backup"
                )
                unreadable.append(number)
            else:
                assert len(history) == 1
                readable.append(number)
        # Only the members whose results sat on the damaged page are affected.
        assert 0 < len(unreadable) < 20 and len(readable) == len(members) - len(unreadable)
        with pytest.raises(StoreError, match=DAMAGED):
            await store.report("guild:999", since=None)
        # Interviews in progress are on intact pages: they read, advance and finish.
        for number in members:
            loaded = await store.load(member(number))
            assert loaded is not None and loaded.session == advanced("1")
        loaded = await store.load(member(0))
        assert loaded is not None
        assert await store.save(member(0), advanced("1", "1"), expected_version=loaded.version) == (
            loaded.version + 1
        )
        newcomer = member(500)
        version = await store.save(newcomer, advanced(), expected_version=0)
        record = await store.complete(newcomer, RESULT, expected_version=version)
        assert [r.id for r in await store.history(newcomer.user_id)] == [record.id]


def test_the_terminal_reports_a_damaged_database_in_one_line(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    path = Path(env["DATABASE_PATH"])

    async def many_results() -> None:
        async with await SQLiteStore.open(path) as store:
            key = SessionKey.for_terminal("local")
            for number in range(40):
                version = await store.save(key, advanced(), expected_version=0)
                await store.complete(key, described(number), expected_version=version)

    asyncio.run(many_results())
    damage_a_page_of(path, "results")
    run = run_cli("history", env=env)
    assert (run.code, run.out) == (1, "")
    assert run.err_lines == [
        f"offering-advisor: the database {path} is damaged (database disk image is malformed); "
        "restore it from a backup"
    ]
    assert run_cli("check", "weekly coaching calls", "--json", env=env).code == 0


# --- a read-only database ------------------------------------------------------------------


async def read_only(store: SQLiteStore, on: bool) -> None:
    """As if the file had become read-only under the running bot (tests run as root,
    whom file permissions do not stop): SQLite refuses every write on the connection."""
    await store._db.execute(f"PRAGMA query_only = {int(on)}")


async def test_a_read_only_database_refuses_writes_clearly_and_still_reads(
    store: SQLiteStore, db_path: Path
) -> None:
    one, two = member(1), member(2)
    await store.save(one, advanced("1"), expected_version=0)
    await store.save(two, advanced(), expected_version=0)
    finished = await store.complete(two, RESULT, expected_version=1)
    before = raw_session(db_path, one)

    await read_only(store, True)
    writes = [
        store.save(one, advanced("1", "1"), expected_version=1),
        store.save(member(3), advanced(), expected_version=0),
        store.complete(one, RESULT, expected_version=1),
        store.discard(one, expected_version=1),
        store.forget_user(two.user_id),
    ]
    for write in writes:
        with pytest.raises(StoreError) as refused:
            await write
        assert READ_ONLY in str(refused.value) and str(db_path) in str(refused.value)
    assert raw_session(db_path, one) == before
    assert raw_session(db_path, member(3)) is None
    assert raw_count(db_path, "SELECT count(*) FROM results") == 1
    loaded = await store.load(one)
    assert loaded is not None and loaded.version == 1
    assert [r.id for r in await store.history(two.user_id)] == [finished.id]
    assert len((await store.export_user(one.user_id)).sessions_in_progress) == 1

    await read_only(store, False)
    assert await store.save(one, advanced("1", "1"), expected_version=1) == 2


# --- the member's side, through the real bot -----------------------------------------------


@pytest.fixture
async def quick_advisor(discord_double: DiscordDouble, db_path: Path) -> AsyncIterator[Harness]:
    """The bot on the Discord double, with a store that gives up on a lock quickly."""
    store = await SQLiteStore.open(db_path, busy_timeout_ms=QUICK_BUSY_MS)
    async with run_client(AdvisorBot(store=store)) as bot:
        assert isinstance(bot, AdvisorBot)
        await bot.tree.sync()
        yield Harness(discord_double, bot, store, db_path)
    await store.close()


def reference_in(content: str) -> str:
    assert content.endswith("`)") and "(reference `" in content, content
    return content.split("(reference `")[1].split("`", maxsplit=1)[0]


async def test_a_click_while_another_process_holds_the_database(
    quick_advisor: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    advisor = quick_advisor
    handle, started = await advisor.slash("start")
    assert started["type"] == CHANNEL_MESSAGE
    message_id = str(handle.original_message["id"])
    key = SessionKey.for_guild(advisor.double.user["id"], advisor.double.guild_id)
    before = raw_session(advisor.db_path, key)
    assert before is not None and before[0] == 1

    with another_process_writing(advisor.db_path), caplog.at_level(logging.WARNING):
        _, refused = await advisor.press(message_id, "Just starting")
        # One clear, private message, with a reference and without the server's file path.
        assert refused["type"] == CHANNEL_MESSAGE and refused["data"]["flags"] & EPHEMERAL
        content = refused["data"]["content"]
        reference = reference_in(content)
        assert content == f"{STORAGE_UNAVAILABLE} (reference `{reference}`)"
        assert str(advisor.db_path.parent) not in content and "advisor.db" not in content
        # The log says what happened, under the same reference, once.
        referenced = [r for r in caplog.records if reference in r.getMessage()]
        assert len(referenced) == 1 and referenced[0].levelno == logging.ERROR
        assert BUSY in referenced[0].getMessage() and str(advisor.db_path) in referenced[0].getMessage()
        # Nothing changed: the stored interview and the member's message are as they were.
        assert raw_session(advisor.db_path, key) == before
        assert advisor.message(message_id)["embeds"][0]["title"] == FIRST_STEP
        # The bot keeps serving what it can: reading the interview back works.
        _, resumed = await advisor.slash("resume")
        assert resumed["data"]["embeds"][0]["title"] == FIRST_STEP

    # The other process is done: the same button works, and the answer counts once.
    _, answered = await advisor.press(message_id, "Just starting")
    assert answered["type"] == UPDATE_MESSAGE
    assert answered["data"]["embeds"][0]["title"] == SECOND_STEP
    stored = await advisor.store.load(key)
    assert stored is not None and stored.version == 2 and stored.session.trail == ("stage",)
    assert stored.session.answers["stage"].options == ("starting",)


async def test_a_final_answer_on_a_full_disk_is_refused_once_and_counts_once_after(
    quick_advisor: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    advisor = quick_advisor
    message_id = str((await advisor.slash("start"))[0].original_message["id"])
    for step in EBOOK_STEPS:
        await advisor.answer(message_id, step)
    key = SessionKey.for_guild(advisor.double.user["id"], advisor.double.guild_id)
    before = raw_session(advisor.db_path, key)
    # Another member's result, with a description long enough that the row is about
    # 7.9 kB, takes nearly all of the last results page (the rest goes to overflow pages) ...
    store = advisor.store
    version = await store.save(member(1), advanced(), expected_version=0)
    filler = described(1, length=7800 - len(RESULT.model_dump_json()))
    await store.complete(member(1), filler, expected_version=version)
    # ... and the disk is full: the file, compacted so that no page inside it is free,
    # cannot grow by one page. The member's result needs a page of its own.
    await store._db.execute("VACUUM")
    await cap_pages(store, await page_count(store))
    with closing(sqlite3.connect(advisor.db_path)) as raw:
        assert raw.execute("PRAGMA freelist_count").fetchone() == (0,)
        room = raw.execute(
            "SELECT unused FROM dbstat WHERE name = 'results' AND pagetype = 'leaf' ORDER BY pageno DESC"
        ).fetchone()
    assert room[0] < 489  # less than the least part of a result a leaf must hold

    with caplog.at_level(logging.ERROR):
        _, refused = await advisor.type_answer(message_id, DESCRIPTION)
    assert refused["type"] == CHANNEL_MESSAGE and refused["data"]["flags"] & EPHEMERAL
    content = refused["data"]["content"]
    reference = reference_in(content)
    assert content == f"{STORAGE_UNAVAILABLE} (reference `{reference}`)"
    assert "advisor.db" not in content
    referenced = [r for r in caplog.records if reference in r.getMessage()]
    assert len(referenced) == 1 and FULL in referenced[0].getMessage()
    # The last answer was not half-kept: the interview is still at its last step, no result.
    assert raw_session(advisor.db_path, key) == before
    assert await store.history(key.user_id) == []
    assert "Step 15 of 15" in advisor.message(message_id)["embeds"][0]["footer"]["text"]

    await cap_pages(store, NO_LIMIT)  # space again
    _, finished = await advisor.type_answer(message_id, DESCRIPTION)
    assert finished["type"] == UPDATE_MESSAGE
    assert finished["data"]["embeds"][0]["title"] == "Digital product"
    history = await store.history(key.user_id)
    assert len(history) == 1 and history[0].result.description == DESCRIPTION
    assert await store.load(key) is None
