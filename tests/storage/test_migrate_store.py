"""``offering-advisor migrate-store``: every interview, result and server setting copied
between backends, verified by counts and checksums, and never written into a database
that holds records unless ``--force`` says so.

The CLI runs as a real subprocess (tests/cli/test_cli.py's helpers) against a real
PostgreSQL server (tests/postgres.py). The SQLite database it copies is seeded once per
module, in-process, the way the bot fills it: members in several servers, in DMs and in
the terminal, finished, cancelled, restarted, expired and half-done interviews.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import sqlite3
from collections.abc import AsyncGenerator, Callable
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from advisor.service import Action, AdvisorService
from dialogs.engine import TurnKind
from dialogs.progress import StepState
from dialogs.session import Answer, Session
from storage.clock import stamp
from storage.factory import open_store
from storage.keys import SessionKey
from storage.protocol import ResultRecord, StaleVersionError, StoreError
from storage.reports import ScopeReport
from storage.settings import GuildSettings
from storage.sqlite import SQLiteStore
from storage.tables import Row, Table
from storage.transfer import BATCH_ROWS, TABLES, Batches, TransferError, copy_store, tally
from tests.command_line import Run, make_env, run_cli
from tests.conftest import AnyStore
from tests.postgres import run_in_own_loop
from tests.storage.test_store_contract import AGENCY, EBOOK, ENGINE, advanced, finished_result

WEEK = timedelta(days=7)
GUILD_A, GUILD_B = 4242, 777
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# Free text as members type it: accents, emoji (with joiners and flags), quotes, a
# backslash, a second line, right-to-left script.
TEXTS = (
    'Zoë\'s "naïve" café ☕ — templates & guides, 100% self-serve 🚀',
    "Ünïcödé 日本語のテンプレート 👩‍💻🏳️‍🌈 with 'single' and \"double\" quotes,"
    " a back\\slash\nand a second line",
    'שלום עולם — right to left, a flag 🇳🇿 and {"json": "lookalike"}',
)
SUMMARY_LINE = re.compile(r"^  (\w+) +([\d,]+) rows  sha256 ([0-9a-f]{16})$")


class TickingClock:
    """Moves on by an uneven step each time it is read, so every stored moment is its
    own and carries microseconds."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._reads = 0

    def __call__(self) -> datetime:
        self._reads += 1
        self.now += timedelta(seconds=1, microseconds=(self._reads * 7919) % 1_000_000)
        return self.now


# --- the seeded source --------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    path: Path
    ended: datetime  # the clock when seeding finished
    continuing: SessionKey  # many earlier interviews, one in progress at a high version
    returning: SessionKey  # finished an interview here; none in progress
    expired_told: SessionKey  # expired, not purged, the member was told
    expired_untold: SessionKey  # expired, not purged, not told yet
    with_text: SessionKey  # in progress, with a free-text answer in its JSON


async def interview(
    service: AdvisorService, key: SessionKey, answers: list[str], text: str | None = None
) -> None:
    """Answer ``answers`` (resuming or starting); then finish with ``text`` if given."""
    await service.begin(key)
    for answer in answers:
        await service.act(key, Action.ANSWER, answer)
    if text is not None:
        outcome = await service.act(key, Action.ANSWER, text)
        assert outcome.turn.kind is TurnKind.FINISHED


async def seed(path: Path) -> Seeded:
    clock = TickingClock(datetime(2026, 3, 2, 8, tzinfo=UTC))

    def guild_a(member: int) -> SessionKey:
        return SessionKey.for_guild(member, GUILD_A)

    def guild_b(member: int) -> SessionKey:
        return SessionKey.for_guild(member, GUILD_B)

    async with await SQLiteStore.open(path, clock=clock) as store:
        service = AdvisorService(store, expiry=WEEK, clock=clock)

        # Two interviews left idle past their expiry, kept for the grace period.
        await interview(service, guild_a(50), EBOOK[:3])
        await interview(service, SessionKey.for_dm(51), EBOOK[:1])
        clock.now += timedelta(days=8)
        assert await service.expire_idle() == 2
        assert await store.take_expiry_notice(guild_a(50)) is not None

        # Finished interviews, one of them posted publicly.
        await interview(service, guild_a(1), EBOOK, TEXTS[0])
        [shared] = await store.history("1")
        await store.mark_shared(shared.id)
        await interview(service, guild_a(2), AGENCY, TEXTS[1])
        await interview(service, guild_b(7), EBOOK)
        assert (await service.act(guild_b(7), Action.SKIP)).turn.kind is TurnKind.FINISHED
        await interview(service, SessionKey.for_dm(1), AGENCY, TEXTS[2])
        # A hybrid verdict, through the store API.
        session, hybrid = finished_result()
        version = await store.save(guild_b(10), session, expected_version=0)
        await store.complete(guild_b(10), hybrid, expected_version=version)

        # One member, many interviews in one place: cancelled, restarted, finished, and
        # one in progress whose versions are far above 1.
        continuing = guild_a(3)
        await interview(service, continuing, EBOOK[:3])
        await service.act(continuing, Action.CANCEL)
        await interview(service, continuing, EBOOK[:2])
        await service.restart(continuing)
        await interview(service, continuing, AGENCY, TEXTS[0])
        await interview(service, continuing, EBOOK[:4])
        await service.act(continuing, Action.BACK)
        await service.act(continuing, Action.ANSWER, EBOOK[3])
        await service.act(continuing, Action.EDIT, "stage")
        await service.act(continuing, Action.ANSWER, EBOOK[0])

        # Interviews in progress at various steps, in servers, DMs and the terminal.
        await interview(service, guild_a(4), EBOOK[:2])
        await interview(service, guild_b(1), AGENCY[:6])
        await interview(service, SessionKey.for_dm(8), [])
        zoe = SessionKey.for_terminal("zoë 🚀")
        await interview(service, zoe, AGENCY, TEXTS[1])
        await interview(service, zoe, EBOOK[:4])
        await interview(service, SessionKey.for_terminal("local"), EBOOK[:7])
        # A free-text answer inside a session's JSON: the member answered the last
        # question and is changing it (the engine's edit keeps later answers).
        with_text = SessionKey.for_dm(9)
        at_end = advanced(EBOOK)
        answered = at_end.model_copy(
            update={"answers": {**at_end.answers, "description": Answer(text=TEXTS[2])}}
        )
        await store.save(with_text, answered, expected_version=0)

        # Roadmaps as checklists (one changed twice, so its version is 2) and check-ins:
        # running, stopped by the member, and refused by Discord.
        [latest, *_] = await store.history("1")
        first, second = (step.id for step in latest.result.roadmap[:2])
        assert await store.save_progress("1", latest.id, {first: StepState.DOING}, expected_version=0)
        assert await store.save_progress(
            "1", latest.id, {first: StepState.DONE, second: StepState.SKIPPED}, expected_version=1
        )
        await store.schedule_check_ins("1", timedelta(days=7), "fr")
        await store.schedule_check_ins("2", timedelta(days=14), "en")
        await store.stop_check_ins("2", "member")
        await store.schedule_check_ins("3", timedelta(days=7), "en")
        await store.stop_check_ins("3", "refused")

        # Server settings: every field set (a big channel id, fractional days, a digest
        # due to the microsecond, check-ins off), the defaults, and a third kind.
        await store.save_guild_settings(
            GuildSettings(
                guild_id=str(GUILD_A),
                results_channel_id=1_234_567_890_123_456_789,
                interviews_in_channels=False,
                session_expiry_days=2.5,
                check_cooldown_seconds=7.25,
                digest_enabled=True,
                digest_next_at=datetime(2026, 3, 16, 9, 30, 15, 123456, tzinfo=UTC),
                check_ins_enabled=False,
            )
        )
        await store.save_guild_settings(GuildSettings(guild_id=str(GUILD_B)))
        await store.save_guild_settings(
            GuildSettings(
                guild_id="31337", results_channel_id=5, session_expiry_days=4 / 3, check_cooldown_seconds=0.1
            )
        )
        return Seeded(
            path,
            clock.now,
            continuing,
            returning=guild_a(1),
            expired_told=guild_a(50),
            expired_untold=SessionKey.for_dm(51),
            with_text=with_text,
        )


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    path = tmp_path_factory.mktemp("seeded") / "source.db"
    seeded = run_in_own_loop(lambda: seed(path))
    # The seeding reached every state the copy must carry.
    with closing(sqlite3.connect(path)) as db:
        outcomes = {outcome for (outcome,) in db.execute("SELECT outcome FROM interviews")}
        assert outcomes == {"completed", "cancelled", "restarted", "expired", None}
        expiry = set(db.execute("SELECT expired_at IS NOT NULL, expiry_noticed FROM sessions"))
        assert {(1, 1), (1, 0), (0, 0)} <= expiry
        assert db.execute("SELECT max(version) FROM sessions").fetchone()[0] >= 10
        assert db.execute("SELECT sum(shared), count(hybrid_shape) FROM results").fetchone() == (1, 1)
        assert db.execute("SELECT count(*) FROM guild_settings").fetchone()[0] == 3
    return seeded


@pytest.fixture
def source_db(seeded_db: Seeded, tmp_path: Path) -> Seeded:
    """This test's own copy of the seeded database."""
    path = tmp_path / "source.db"
    for suffix in ("", "-wal"):
        if Path(f"{seeded_db.path}{suffix}").exists():
            shutil.copyfile(f"{seeded_db.path}{suffix}", f"{path}{suffix}")
    return replace(seeded_db, path=path)


# --- helpers ------------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_rows(path: Path) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
    """Every table of a SQLite database, row by row in key order, each value with the
    type SQLite holds it as (so 1 and 1.0, or 5 and '5', differ)."""
    keys = {table.name: table.key for table in TABLES}
    with closing(sqlite3.connect(path)) as db:
        names = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        tables = {}
        for name in sorted(names):
            columns = [column[1] for column in db.execute(f"PRAGMA table_info({name})")]
            order = ", ".join(keys.get(name, tuple(columns)))
            rows = db.execute(f"SELECT * FROM {name} ORDER BY {order}")
            tables[name] = [tuple((type(value).__name__, value) for value in row) for row in rows]
    return tables


def summary(run: Run) -> dict[str, tuple[int, str]]:
    """The per-table lines migrate-store prints: table -> (rows, checksum prefix)."""
    lines = run.out.splitlines()
    assert lines[0].startswith("Copied ") and lines[0].endswith("; read back and verified:"), run.out
    table_lines = [SUMMARY_LINE.match(line) for line in lines[1:]]
    assert all(table_lines), run.out
    return {m.group(1): (int(m.group(2).replace(",", "")), m.group(3)) for m in table_lines if m}


def shown(tallies: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """A tally as the summary shows it."""
    return {name: (rows, checksum[:16]) for name, (rows, checksum) in tallies.items()}


async def tally_at(url: str) -> dict[str, tuple[int, str]]:
    async with await open_store(url) as store:
        return await tally(store)


def migrate(source: str, target: str, env: dict[str, str], *extra: str) -> Run:
    return run_cli("migrate-store", "--from", source, "--to", target, *extra, env=env)


def free_port() -> int:
    """A port nothing listens on (bound, then let go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def normalised(report: ScopeReport) -> ScopeReport:
    """A report with its ties in a fixed order (the backends may list equal counts in
    either order)."""
    return replace(
        report,
        first_steps=sorted(report.first_steps),
        dropoff=sorted(report.dropoff, key=lambda step: step.step_id),
    )


@dataclass(frozen=True)
class ApiView:
    """What members and staff see of a database, through the store API."""

    sessions: dict[SessionKey, tuple[Session, int, datetime, datetime, datetime | None]]
    histories: dict[str, list[ResultRecord]]
    reports: dict[str, ScopeReport]
    settings: list[GuildSettings]
    exports: dict[str, dict[str, Any]]


def keys_and_members(path: Path) -> tuple[list[SessionKey], list[str], list[str]]:
    with closing(sqlite3.connect(path)) as db:
        keys = [SessionKey(*row) for row in db.execute("SELECT user_id, scope, dialog FROM sessions")]
        members = [
            user
            for (user,) in db.execute(
                "SELECT user_id FROM interviews UNION SELECT user_id FROM results "
                "UNION SELECT user_id FROM sessions ORDER BY 1"
            )
        ]
        scopes = [scope for (scope,) in db.execute("SELECT DISTINCT scope FROM interviews ORDER BY 1")]
    return keys, members, scopes


async def api_view(store: AnyStore, source: Path, *, exports: bool = True) -> ApiView:
    keys, members, scopes = keys_and_members(source)
    sessions = {}
    for key in keys:
        stored = await store.load(key)
        assert stored is not None, key
        sessions[key] = (
            stored.session,
            stored.version,
            stored.created_at,
            stored.updated_at,
            stored.expired_at,
        )
    histories = {member: await store.history(member, limit=1000) for member in members}
    reports = {}
    for scope in scopes:
        reports[scope] = normalised(await store.report(scope, since=None, until=FAR_FUTURE))
        since = datetime(2026, 3, 10, 8, 1, tzinfo=UTC)
        reports[f"{scope} since"] = normalised(await store.report(scope, since=since, until=FAR_FUTURE))
    exported = {}
    if exports:
        for member in members:
            data = await store.export_user(member)
            exported[member] = data.model_dump(mode="json", exclude={"exported_at"})
    return ApiView(sessions, histories, reports, await store.all_guild_settings(), exported)


# --- the round trip -----------------------------------------------------------------------------


async def test_round_trip_sqlite_postgresql_sqlite_is_equal(
    source_db: Seeded, postgres_url: str, tmp_path: Path
) -> None:
    env = make_env(tmp_path)
    source, back = source_db.path, tmp_path / "back.db"
    before = sqlite_rows(source)
    source_tally = await tally_at(sqlite_url(source))

    there = migrate(sqlite_url(source), postgres_url, env)
    assert there.code == 0, there.err
    assert there.err == ""
    assert there.out.splitlines()[0] == (
        f"Copied {sqlite_url(source)} to {postgres_url}; read back and verified:"
    )
    assert list(summary(there)) == [table.name for table in TABLES]
    assert summary(there) == shown(source_tally)
    assert {name: rows for name, (rows, _) in summary(there).items()} == {
        name: len(rows) for name, rows in before.items() if name in summary(there)
    }
    assert await tally_at(postgres_url) == source_tally

    home = migrate(postgres_url, sqlite_url(back), env)
    assert home.code == 0, home.err
    # The same records, so the same checksums, whichever backend holds them.
    assert summary(home) == summary(there)

    # Row by row, value by value (JSON text byte for byte, moments to the microsecond).
    after = sqlite_rows(back)
    assert after == before
    # (The comparison above did see the members' own words and the microseconds.)
    results_json = "".join(value for row in before["results"] for kind, value in row if kind == "str")
    assert all(json.dumps(text, ensure_ascii=False)[1:-1] in results_json for text in TEXTS)
    started = [row[4][1] for row in after["interviews"]]
    assert all(re.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", moment) for moment in started)
    assert len({moment[-13:-6] for moment in started}) > 1  # microseconds vary
    assert after["task_leases"] == []

    async with (
        await SQLiteStore.open(source) as original,
        await SQLiteStore.open(back) as returned,
        await open_store(postgres_url) as postgres,
    ):
        expected = await api_view(original, source)
        assert await api_view(returned, source) == expected
        # The PostgreSQL copy shows members the same interviews, results and settings.
        in_postgres = await api_view(postgres, source, exports=False)
        assert in_postgres.sessions == expected.sessions
        assert in_postgres.histories == expected.histories
        assert in_postgres.settings == expected.settings
        assert in_postgres.reports == expected.reports


# --- the copy is a working database ---------------------------------------------------------------


async def test_the_copy_carries_on_where_the_source_left_off(
    source_db: Seeded, store_url: str, tmp_path: Path
) -> None:
    run = migrate(sqlite_url(source_db.path), store_url, make_env(tmp_path))
    assert run.code == 0, run.err
    with closing(sqlite3.connect(source_db.path)) as db:
        [(max_result_id,)] = db.execute("SELECT max(id) FROM results")
        key = source_db.returning
        [(earlier_versions,)] = db.execute(
            "SELECT max(last_version) FROM interviews WHERE user_id = ? AND scope = ? AND dialog = ?",
            (key.user_id, key.scope, key.dialog),
        )
    clock = TickingClock(source_db.ended + timedelta(hours=1))
    async with await SQLiteStore.open(source_db.path) as source:
        copied = await source.load(source_db.continuing)
        untold = await source.load(source_db.expired_untold)
        assert copied is not None and untold is not None and untold.expired_at is not None
        progress = len((await source.export_user(source_db.returning.user_id)).interview_progress)

    async with await open_store(store_url, clock=clock) as store:
        service = AdvisorService(store, expiry=WEEK, clock=clock)

        # An interview in progress continues from its stored version, and the version
        # check still refuses a write based on the old one.
        stored = await store.load(source_db.continuing)
        assert stored is not None and stored.version == copied.version > 10
        assert stored.session == copied.session
        next_step = ENGINE.answer(stored.session, EBOOK[4]).session
        assert await store.save(source_db.continuing, next_step, expected_version=stored.version) == (
            stored.version + 1
        )
        with pytest.raises(StaleVersionError):
            await store.save(source_db.continuing, next_step, expected_version=stored.version)
        await interview(service, source_db.continuing, EBOOK[5:], TEXTS[0])
        [finished, *earlier] = await store.history(source_db.continuing.user_id)
        assert finished.id > max_result_id
        assert all(record.id <= max_result_id for record in earlier)

        # A member who finished an interview before starts above its versions.
        begun = await service.begin(source_db.returning)
        assert begun.version == earlier_versions + 1 and begun.version > 1
        # New results and interviews take ids after the copied ones: no clash.
        await interview(service, source_db.returning, EBOOK, TEXTS[1])
        newest = (await store.history(source_db.returning.user_id))[0]
        assert newest.id == finished.id + 1
        export = await store.export_user(source_db.returning.user_id)
        assert len(export.interview_progress) == progress + 1

        # The member whose interview expired is told once, with the copied moment; the
        # one already told is not told again.
        assert await store.take_expiry_notice(source_db.expired_untold) == untold.expired_at
        assert await store.take_expiry_notice(source_db.expired_untold) is None
        assert await store.take_expiry_notice(source_db.expired_told) is None
        # The half-answered free text comes back as typed, and the interview can end.
        with_text = await store.load(source_db.with_text)
        assert with_text is not None and with_text.session.answers["description"].text == TEXTS[2]
        await interview(service, source_db.with_text, [], TEXTS[2])
        assert (await store.history(source_db.with_text.user_id))[0].result.description == TEXTS[2]

        # The weekly digest falls due when it did in the source, and posting it is
        # recorded against the copied moment (a compare-and-set to the microsecond).
        clock.now = datetime(2026, 3, 16, 9, 30, 15, 123456, tzinfo=UTC)
        [due] = await store.due_digests()
        assert due.guild_id == str(GUILD_A) and due.digest_next_at is not None
        recorded = await store.record_digest_posted(due, WEEK)
        assert recorded is not None and recorded.digest_next_at == due.digest_next_at + WEEK


# --- refusals -------------------------------------------------------------------------------------


async def fill_other(url: str) -> None:
    """Records of another server, in a database that is about to be a target."""
    async with await open_store(url) as store:
        service = AdvisorService(store)
        await interview(service, SessionKey.for_guild(900, 999), EBOOK, "older records")
        await interview(service, SessionKey.for_guild(901, 999), EBOOK[:2])
        await store.save_guild_settings(GuildSettings(guild_id="999", digest_enabled=True))


async def test_a_target_that_holds_records_is_refused_without_force_and_replaced_with_it(
    source_db: Seeded, store_url: str, tmp_path: Path
) -> None:
    env = make_env(tmp_path)
    await fill_other(store_url)
    held = await tally_at(store_url)

    refused = migrate(sqlite_url(source_db.path), store_url, env)
    assert refused.code == 1
    assert refused.out == ""
    [line] = refused.err_lines
    assert line.startswith("offering-advisor: the target database is not empty (")
    assert "nothing was copied" in line and "--force" in line
    assert await tally_at(store_url) == held

    forced = migrate(sqlite_url(source_db.path), store_url, env, "--force")
    assert forced.code == 0, forced.err
    source_tally = await tally_at(sqlite_url(source_db.path))
    assert summary(forced) == shown(source_tally)
    assert await tally_at(store_url) == source_tally
    async with await open_store(store_url) as store:
        assert await store.history("900") == []
        assert await store.load(SessionKey.for_guild(901, 999)) is None
        assert await store.guild_settings("999") == GuildSettings(guild_id="999")
        assert (await store.report("guild:999", since=None)).started == 0


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("sqlite:///{path}", "sqlite:///{path}"),
        ("{path}", "sqlite:///{path}"),
        ("sqlite:///x.db", "sqlite:///{path}"),  # relative to the working folder
        ("x.db", "./x.db"),
    ],
)
def test_the_same_sqlite_database_on_both_sides_is_a_usage_error(
    source: str, target: str, tmp_path: Path
) -> None:
    env = make_env(tmp_path)  # works in tmp_path
    path = tmp_path / "x.db"
    run = migrate(source.format(path=path), target.format(path=path), env)
    assert run.code == 2
    [line] = run.err_lines
    assert line == "offering-advisor: --from and --to name the same database; nothing to copy"
    assert not path.exists()


def test_the_same_postgresql_database_on_both_sides_is_a_usage_error(
    postgres_url: str, tmp_path: Path
) -> None:
    run = migrate(postgres_url, postgres_url, make_env(tmp_path))
    assert run.code == 2
    assert run.err_lines == ["offering-advisor: --from and --to name the same database; nothing to copy"]


async def test_a_source_that_does_not_exist_is_refused_and_not_created(
    store_url: str, tmp_path: Path
) -> None:
    """A mistyped --from must not become an empty database copied over the target."""
    await fill_other(store_url)
    held = await tally_at(store_url)
    missing = tmp_path / "typo.db"
    run = migrate(sqlite_url(missing), store_url, make_env(tmp_path), "--force")
    assert run.code == 1
    assert run.err_lines == [
        f"offering-advisor: there is no database at {missing} to copy from; nothing was copied"
    ]
    assert not missing.exists()
    assert await tally_at(store_url) == held


@pytest.mark.parametrize("side", ["to", "from"])
def test_an_unreachable_postgresql_server_fails_in_one_line_without_the_password(
    side: str, source_db: Seeded, tmp_path: Path
) -> None:
    port = free_port()
    url = f"postgresql://advisor:s3cret-pw@127.0.0.1:{port}/postgres"
    other = tmp_path / "new.db"
    before = sqlite_rows(source_db.path)
    if side == "to":
        run = migrate(sqlite_url(source_db.path), url, make_env(tmp_path))
    else:
        run = migrate(url, sqlite_url(other), make_env(tmp_path))
    assert run.code == 1
    [line] = run.err_lines
    assert line.startswith(f"offering-advisor: cannot reach PostgreSQL at 127.0.0.1:{port}/postgres (")
    assert "s3cret-pw" not in run.out + run.err
    assert sqlite_rows(source_db.path) == before
    assert not other.exists()


# --- verification -----------------------------------------------------------------------------------


Tamper = Callable[[list[Row]], list[Row]]


def _change(rows: list[Row], column: str, value: Callable[[Any], Any]) -> list[Row]:
    at = next(table for table in TABLES if table.name == "results").column_names.index(column)
    first = rows[0]
    return [(*first[:at], value(first[at]), *first[at + 1 :]), *rows[1:]]


TAMPERINGS: dict[str, Tamper] = {
    "a row dropped": lambda rows: rows[:-1],
    "a verdict changed": lambda rows: _change(rows, "verdict", str.upper),
    "a flag flipped": lambda rows: _change(rows, "shared", lambda shared: not shared),
    "a moment a microsecond later": lambda rows: _change(
        rows, "created_at", lambda moment: stamp(datetime.fromisoformat(moment) + timedelta(microseconds=1))
    ),
    # The same JSON value in other text: the copy must be byte for byte.
    "JSON respaced": lambda rows: _change(
        rows, "data", lambda data: json.dumps(json.loads(data), ensure_ascii=False)
    ),
}


class TamperingTarget:
    """A target store whose writes go through ``tamper`` on the way in (results only)."""

    def __init__(self, store: AnyStore, tamper: Tamper) -> None:
        self.store = store
        self.tamper = tamper

    def dump(self, batch_rows: int = BATCH_ROWS) -> Batches:
        return self.store.dump(batch_rows)

    async def row_counts(self) -> dict[str, int]:
        return await self.store.row_counts()

    async def replace_all(self, batches: Batches) -> None:
        async def tampered() -> Batches:
            async for table, rows in batches:
                yield table, self.tamper(rows) if table.name == "results" else rows

        await self.store.replace_all(tampered())


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
async def test_a_copy_that_differs_from_its_source_is_reported_naming_the_table(
    tamper: Tamper, source_db: Seeded, any_store: AnyStore
) -> None:
    async with await SQLiteStore.open(source_db.path) as source:
        with pytest.raises(TransferError) as failed:
            await copy_store(source, TamperingTarget(any_store, tamper))
    assert str(failed.value) == (
        "the copy does not match the source in results; the target holds a copy that must not be used"
    )


class FailingTarget:
    """A target whose write fails after the first table (a full disk, a lost server)."""

    def __init__(self, store: AnyStore) -> None:
        self.store = store

    def dump(self, batch_rows: int = BATCH_ROWS) -> Batches:
        return self.store.dump(batch_rows)

    async def row_counts(self) -> dict[str, int]:
        return await self.store.row_counts()

    async def replace_all(self, batches: Batches) -> None:
        async def failing() -> Batches:
            async for table, rows in batches:
                yield table, rows
                raise StoreError("the disk is full")

        await self.store.replace_all(failing())


async def test_a_copy_that_fails_halfway_leaves_the_target_as_it_was_and_the_source_free(
    source_db: Seeded, store_url: str, tmp_path: Path
) -> None:
    """The source (either backend) can still be read and closed while the error is
    being handled: its snapshot ends with the copy, not when the error is collected."""
    async with await SQLiteStore.open(source_db.path) as seeded, await open_store(store_url) as source:
        await copy_store(seeded, source)
        target_url = sqlite_url(tmp_path / "target.db")
        await fill_other(target_url)
        held = await tally_at(target_url)
        async with await open_store(target_url) as target:
            with pytest.raises(StoreError) as failed:
                await copy_store(source, FailingTarget(target), force=True)
            assert await asyncio.wait_for(source.row_counts(), 5) == await seeded.row_counts()
            assert await tally(target) == held
        await asyncio.wait_for(source.close(), 5)
        # Only now is the error let go (and with it the frames of the copy).
        assert str(failed.value) == "the disk is full"


@pytest.mark.parametrize("direction", ["postgresql to sqlite", "sqlite to postgresql"])
async def test_a_target_that_refuses_a_row_halfway_fails_promptly_and_keeps_what_it_held(
    direction: str, source_db: Seeded, postgres_url: str, tmp_path: Path
) -> None:
    env = make_env(tmp_path)
    sqlite_side = sqlite_url(tmp_path / "other.db")
    if direction == "postgresql to sqlite":
        source, target = postgres_url, sqlite_side
        async with await SQLiteStore.open(source_db.path) as seeded, await open_store(source) as store:
            await copy_store(seeded, store)
        await fill_other(target)
        with closing(sqlite3.connect(tmp_path / "other.db")) as db:
            db.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON results BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
            db.commit()
    else:
        source, target = sqlite_url(source_db.path), postgres_url
        await fill_other(target)
        connection = await asyncpg.connect(target)
        try:
            # NOT VALID: the rows it holds stay; only new ones are checked.
            await connection.execute(
                "ALTER TABLE results ADD CONSTRAINT refuse CHECK (verdict = 'none') NOT VALID"
            )
        finally:
            await connection.close()
    held = await tally_at(target)

    run = run_cli("migrate-store", "--from", source, "--to", target, "--force", env=env, timeout=15)
    assert run.code == 1
    assert run.out == ""
    assert run.err.startswith("offering-advisor: ")
    assert "refuse" in run.err_lines[0]
    # One line, and no row quoted from the server's DETAIL: rows hold members' answers.
    assert len(run.err_lines) == 1 and "Failing row" not in run.err
    # Nothing from the event loop about a copy left half read.
    assert "asyncio" not in run.err and "generator" not in run.err
    assert await tally_at(target) == held


# --- empty and big --------------------------------------------------------------------------------


async def test_an_empty_source_copies_as_zero_rows(store_url: str, tmp_path: Path) -> None:
    env = make_env(tmp_path)
    empty, back = tmp_path / "empty.db", tmp_path / "back.db"
    await (await SQLiteStore.open(empty)).close()
    zero = {table.name: (0, EMPTY_SHA256) for table in TABLES}
    for source, target in ((sqlite_url(empty), store_url), (store_url, sqlite_url(back))):
        run = migrate(source, target, env)
        assert run.code == 0, run.err
        assert summary(run) == shown(zero)
        assert await tally_at(target) == zero


async def bulk_seed(path: Path, count: int) -> None:
    """``count`` results and ``count`` interviews in progress (each on its own
    earlier interview), written in one transaction as the store writes them."""
    await (await SQLiteStore.open(path)).close()
    _, result = finished_result()
    shape = result.hybrid_shape.value if result.hybrid_shape else None
    in_progress = advanced(["1"])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moment = [stamp(start + timedelta(seconds=n, microseconds=n)) for n in range(2 * count)]
    user = [f"member-{n:05d}" for n in range(count)]
    scope = [f"guild:{n % 7}" for n in range(count)]
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO interviews (id, user_id, scope, dialog, started_at, ended_at, outcome, last_step, "
            "last_version) VALUES (?, ?, ?, 'offering', ?, ?, 'completed', 'description', 15)",
            [(n + 1, user[n], scope[n], moment[n], moment[n]) for n in range(count)],
        )
        db.executemany(
            "INSERT INTO interviews (id, user_id, scope, dialog, started_at) VALUES (?, ?, ?, 'offering', ?)",
            [(count + n + 1, user[n], scope[n], moment[count + n]) for n in range(count)],
        )
        db.executemany(
            "INSERT INTO results (id, user_id, scope, dialog, verdict, hybrid_shape, data, created_at) "
            "VALUES (?, ?, ?, 'offering', ?, ?, ?, ?)",
            [
                (n + 1, user[n], scope[n], result.verdict.value, shape, result.model_dump_json(), moment[n])
                for n in range(count)
            ],
        )
        # The insert trigger notes each session's step and version on its interview.
        db.executemany(
            "INSERT INTO sessions (user_id, scope, dialog, version, data, step, created_at, updated_at, "
            "interview_id) VALUES (?, ?, 'offering', 16, ?, ?, ?, ?, ?)",
            [
                (
                    user[n],
                    scope[n],
                    in_progress.model_dump_json(),
                    in_progress.current,
                    moment[count + n],
                    moment[count + n],
                    count + n + 1,
                )
                for n in range(count)
            ],
        )


async def test_two_thousand_sessions_and_results_copy_in_batches_and_verify(
    tmp_path: Path, postgres_url: str
) -> None:
    count = 2000
    path = tmp_path / "big.db"
    await bulk_seed(path, count)
    batch_sizes: dict[str, list[int]] = {}

    class CountingSource:
        def __init__(self, store: SQLiteStore) -> None:
            self.store = store

        async def dump(self, batch_rows: int = BATCH_ROWS) -> AsyncGenerator[tuple[Table, list[Row]], None]:
            async for table, rows in self.store.dump(batch_rows):
                batch_sizes.setdefault(table.name, []).append(len(rows))
                yield table, rows

        async def replace_all(self, batches: Batches) -> None:
            raise AssertionError("the source is only read")

        async def row_counts(self) -> dict[str, int]:
            return await self.store.row_counts()

    async with await SQLiteStore.open(path) as source, await open_store(postgres_url) as target:
        report = await copy_store(CountingSource(source), target)
        assert report.verified
        rows = {name: count_ for name, (count_, _) in report.target.items()}
        assert rows == {
            "interviews": 2 * count,
            "interview_steps": count,
            "sessions": count,
            "results": count,
            "guild_settings": 0,
            "quick_checks": 0,
            "check_ins": 0,
        }
        assert batch_sizes == {
            "interviews": [BATCH_ROWS] * 4,
            "interview_steps": [BATCH_ROWS] * 2,
            "sessions": [BATCH_ROWS] * 2,
            "results": [BATCH_ROWS] * 2,
        }
        assert await tally(target) == await tally(source) == report.source
        # Spot checks through the API: the last batch arrived whole and readable.
        last = SessionKey("member-01999", "guild:4")
        assert await target.load(last) == await source.load(last)
        assert await target.history("member-01999") == await source.history("member-01999")
        version = await target.save(last, advanced(["1", "1"]), expected_version=16)
        assert version == 17
        await target.save(SessionKey("member-01999", "dm"), advanced([]), expected_version=0)
        _, result = finished_result()
        record = await target.complete(SessionKey("member-01999", "dm"), result, expected_version=1)
        assert record.id == count + 1
