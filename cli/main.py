"""The ``offering-advisor`` command line: parses it and runs each command; the terminal's
commands here, the Discord ones in ``cli.discord_commands``."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import SecretStr

from advisor.card import what_changed
from advisor.roadmaps import NoSuchStep, RoadmapService
from advisor.service import AdvisorService
from advisor.settings import Settings
from cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CliError, load_settings
from dialogs import wording
from dialogs.bank import BankError, default_bank
from dialogs.catalog import CatalogError, check_catalogs
from dialogs.messages import SUPPORTED_LANGUAGES, Msg, Percent, language_for, msg, render, text
from dialogs.progress import StepState
from dialogs.quickcheck import UnusableDescription, quick_check
from storage.factory import open_store, parse_database_url
from storage.keys import SessionKey
from storage.postgres import PostgresStore
from storage.protocol import StoreError
from storage.sqlite import SQLiteStore
from storage.transfer import TABLES, copy_store
from storage.urls import DatabaseURLError
from terminal.chat import TerminalChat, choose_renderer, plain_card, plain_result
from terminal.roadmap import plain_roadmap, state_name

log = logging.getLogger("offering_advisor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="offering-advisor",
        description="Work out whether you sell a digital product, a digital service or a hybrid.",
    )
    parser.add_argument(
        "--db",
        metavar="FILE_OR_URL",
        help="database file, or URL (sqlite:///file.db, postgresql://user:password@host/db); default: "
        "DATABASE_URL, else DATABASE_PATH, else the offering-advisor folder in your data directory",
    )
    parser.add_argument("--user", default="local", help="local profile name (default: local)")
    parser.add_argument(
        "--lang",
        choices=SUPPORTED_LANGUAGES,
        help="the language of the interview and results (default: from LC_ALL, LC_MESSAGES or LANG)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="take the interview in the terminal (resumes if paused)")
    chat.add_argument("--plain", action="store_true", help="plain text, no colours or boxes")
    chat.add_argument("--restart", action="store_true", help="discard the interview in progress")
    chat.add_argument("--full", action="store_true", help="show every part of the result, not only its card")

    check = commands.add_parser("check", help="quick check of a one-line description")
    check.add_argument("description", help="what you sell, in words; '-' reads it from stdin")
    check.add_argument("--json", action="store_true", help="print one JSON object")

    questions = commands.add_parser("questions", help="print the question bank")
    questions.add_argument("--json", action="store_true")

    history = commands.add_parser("history", help="your past results")
    history.add_argument("--json", action="store_true")
    history.add_argument("--open", type=int, metavar="ID", help="show that result's card (ids are listed)")
    history.add_argument("--full", action="store_true", help="every part of the result, not only its card")

    roadmap = commands.add_parser("roadmap", help="your latest roadmap as a checklist; mark its steps")
    change = roadmap.add_mutually_exclusive_group()
    for flag, state in (("--done", "done"), ("--doing", "doing"), ("--skip", "skipped"), ("--todo", "to do")):
        change.add_argument(flag, type=int, metavar="N", help=f"mark step N {state}")

    export = commands.add_parser("export", help="everything stored about you, as JSON")
    export.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")

    forget = commands.add_parser("forget", help="delete everything stored about you")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    run = commands.add_parser("run", help="run the Discord bot (token and settings from .env)")
    # Large bots split their shards across processes (all on one database): each process
    # runs some shard ids of the same total. Without these, one process runs every shard.
    run.add_argument(
        "--shard-ids",
        type=_shard_ids,
        metavar="IDS",
        help="the shards this process runs, comma-separated (such as 0,1); needs --shard-count",
    )
    run.add_argument(
        "--shard-count",
        type=_shard_count,
        metavar="N",
        help="how many shards the bot has across all its processes; needs --shard-ids",
    )
    migrate = commands.add_parser(
        "migrate-store",
        help="copy every interview, result and server setting to another database, and verify the copy",
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="URL", help="the database to copy")
    migrate.add_argument("--to", dest="target", required=True, metavar="URL", help="the database to fill")
    migrate.add_argument("--force", action="store_true", help="replace what the target already holds")
    sync = commands.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", type=int, metavar="ID", help="one server only (instant, for testing)")
    return parser


def _shard_ids(text: str) -> list[int]:
    """``--shard-ids``: "0,1" -> [0, 1]; argparse shows an ArgumentTypeError as a usage error."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isascii() and part.isdecimal() for part in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of shard numbers, such as 0,1")
    ids = [int(part) for part in parts]
    twice = next((i for i in ids if ids.count(i) > 1), None)
    if twice is not None:
        raise argparse.ArgumentTypeError(f"shard {twice} is listed twice")
    return ids


def _shard_count(text: str) -> int:
    """``--shard-count``: a whole number, 1 or more."""
    if not (text.strip().isascii() and text.strip().isdecimal()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of shards (1 or more)")
    return int(text)


def _shards(args: argparse.Namespace) -> tuple[list[int] | None, int | None]:
    """``run``'s shard options, checked together (argparse checked each one)."""
    ids: list[int] | None = args.shard_ids
    count: int | None = args.shard_count
    if ids is not None and count is None:
        raise CliError("--shard-ids needs --shard-count (how many shards the bot has in all)", EXIT_USAGE)
    if count is not None and ids is None:
        raise CliError("--shard-count needs --shard-ids (the shards this process runs)", EXIT_USAGE)
    if ids is not None and count is not None:
        outside = next((i for i in ids if i >= count), None)
        if outside is not None:
            raise CliError(
                f"shard {outside} is out of range: with --shard-count {count}, shards are 0 to {count - 1}",
                EXIT_USAGE,
            )
    return ids, count


def _prepare_streams() -> None:
    """Make the standard streams safe to use for any input.

    Bytes that are not UTF-8 read as U+FFFD instead of lone surrogates (which cannot be
    stored or printed as JSON) or a UnicodeDecodeError; a closed stdin reads as empty
    and a closed stdout discards.
    """
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    elif isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _prepare_streams()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handlers: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, int]]] = {
        "chat": _chat,
        "check": _check,
        "questions": _questions,
        "history": _history,
        "roadmap": _roadmap,
        "export": _export,
        "forget": _forget,
        "run": _run,
        "migrate-store": _migrate_store,
        "sync": _sync,
    }
    try:
        default_bank()  # a broken bank fails here, naming the step, before anything runs
        check_catalogs()  # and so does a translation that no longer matches its English
        return asyncio.run(handlers[args.command](args))
    except CliError as error:
        print(f"offering-advisor: {error}", file=sys.stderr)
        return error.code
    except DatabaseURLError as error:  # a typo in --db or DATABASE_URL, told before connecting
        print(f"offering-advisor: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (StoreError, BankError, CatalogError) as error:
        print(f"offering-advisor: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        # The reader went away (`| head`); say nothing more and leave quietly.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("\n" + text("terminal.stopped", _lang(args)), file=sys.stderr)
        return 130


def _lang(args: argparse.Namespace) -> str:
    """``--lang``, else the language of the environment's locale (as gettext reads it)."""
    if args.lang:
        return str(args.lang)
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return language_for(value)
    return language_for(None)


def _counts(results: int, interviews: int) -> dict[str, Msg]:
    return {
        "results": msg("count.results", count=results),
        "interviews": msg("count.interviews_in_progress", count=interviews),
    }


def _key(args: argparse.Namespace) -> SessionKey:
    return SessionKey.for_terminal(args.user)


async def _open_store(args: argparse.Namespace) -> tuple[SQLiteStore | PostgresStore, Settings]:
    settings = load_settings()
    database = parse_database_url(args.db) if args.db else settings.database()
    return await open_store(database), settings


async def _chat(args: argparse.Namespace) -> int:
    store, settings = await _open_store(args)
    async with store:
        service = AdvisorService(store, expiry=timedelta(days=settings.session_expiry_days))
        await service.expire_idle()
        renderer = choose_renderer(sys.stdout, plain=args.plain, lang=_lang(args))
        chat = TerminalChat(
            service, _key(args), renderer, sys.stdin, interactive=sys.stdin.isatty(), full=args.full
        )
        return await chat.run(restart=args.restart)


def _read_description(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.description == "-":
        return stdin.read()
    # Undecodable bytes in argv arrive as lone surrogates; read them as U+FFFD, as on stdin.
    text = str(args.description)
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


async def _check(args: argparse.Namespace) -> int:
    try:
        outcome = quick_check(_read_description(args, sys.stdin))
    except UnusableDescription as error:
        problem = text("terminal.cannot_check", _lang(args), problem=error.problem)
        raise CliError(problem, EXIT_USAGE) from None
    if args.json:
        print(outcome.model_dump_json())
        return EXIT_OK
    lang = _lang(args)
    verdict = wording.verdict_title(outcome.verdict, outcome.hybrid_shape)
    print(text("terminal.check_verdict", lang, verdict=verdict, confidence=Percent(outcome.confidence)))
    print(wording.localize_quick_check(outcome, lang).explanation)
    return EXIT_OK


async def _questions(args: argparse.Namespace) -> int:
    bank = default_bank()
    if args.json:
        print(bank.model_dump_json(indent=2))
        return EXIT_OK
    print(f"{bank.title} (question bank {bank.id}, version {bank.version})")
    for number, step in enumerate(bank.steps, start=1):
        optional = ", optional" if step.optional else ""
        print(f"\n{number}. [{step.id}] {step.prompt} ({step.kind.value}{optional})")
        for option in step.options:
            print(f"     {option.id}: {option.label}")
        for branch in step.branches:
            print(f"     -> {branch.goto} when {' or '.join(branch.when)}")
    return EXIT_OK


async def _history(args: argparse.Namespace) -> int:
    store, _ = await _open_store(args)
    async with store:
        records = await AdvisorService(store).history(_key(args).user_id)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": record.id,
                        "created_at": record.created_at.isoformat(),
                        "result": record.result.model_dump(mode="json"),
                    }
                    for record in records
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    lang = _lang(args)
    if not records:
        print(text("terminal.no_results", lang))
        return EXIT_OK
    for record in records:
        when = record.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        verdict = wording.verdict_title(record.result.verdict, record.result.hybrid_shape)
        kind = record.result.subtype
        line = text(
            "terminal.history_line",
            lang,
            id=str(record.id),
            when=when,
            verdict=verdict,
            confidence=Percent(record.result.confidence),
        )
        print(line + (f" · {render(wording.family_name(kind), lang)}" if kind else ""))
    shown = records[0] if args.open is None else next((r for r in records if r.id == args.open), None)
    if shown is None:
        raise CliError(
            text(
                "terminal.no_such_result",
                lang,
                id=str(args.open),
                results=msg("count.results", count=len(records)),
            )
        )
    print()
    print(plain_result(shown.result, lang) if args.full else plain_card(shown.result, lang))
    # Newest first, so the result before the one shown comes right after it.
    position = records.index(shown)
    if position + 1 < len(records):
        print()
        print(what_changed(records[position + 1].result, shown.result, lang))
    if not args.full:
        print()
        print(text("terminal.history_more", lang, id=str(shown.id)))
    return EXIT_OK


_STATE_FLAGS = {
    "done": StepState.DONE,
    "doing": StepState.DOING,
    "skip": StepState.SKIPPED,
    "todo": StepState.TODO,
}


async def _roadmap(args: argparse.Namespace) -> int:
    lang = _lang(args)
    chosen = [(flag, getattr(args, flag)) for flag in _STATE_FLAGS if getattr(args, flag) is not None]
    store, _ = await _open_store(args)
    async with store:
        roadmaps = RoadmapService(store)
        user_id = _key(args).user_id
        record = await roadmaps.roadmap(user_id)
        if record is None:
            print(text("terminal.roadmap.none", lang))
            return EXIT_OK
        if chosen:
            flag, number = chosen[0]
            try:
                change = await roadmaps.set_state(user_id, record.id, number - 1, _STATE_FLAGS[flag])
            except NoSuchStep as missing:
                problem = text("terminal.roadmap.no_step", lang, number=number, count=missing.steps)
                raise CliError(problem, EXIT_USAGE) from None
            if change is None:  # forgotten by another process meanwhile
                print(text("terminal.roadmap.none", lang))
                return EXIT_OK
            said = "terminal.roadmap.saved" if change.changed else "terminal.roadmap.unchanged"
            title = render(wording.roadmap_step(change.step)["title"], lang)
            print(text(said, lang, number=number, state=state_name(change.state, lang), title=title))
            print()
            record = change.record
    print(plain_roadmap(record, lang))
    return EXIT_OK


async def _export(args: argparse.Namespace) -> int:
    store, _ = await _open_store(args)
    async with store:
        data: dict[str, Any] = await AdvisorService(store).export(_key(args).user_id)
    document = json.dumps(data, indent=2, ensure_ascii=False)
    if args.output:
        try:
            args.output.write_text(document + "\n", encoding="utf-8")
        except OSError as error:
            raise CliError(f"cannot write {args.output}: {error.strerror}") from None
        counts = _counts(len(data["results"]), len(data["sessions_in_progress"]))
        print(text("terminal.exported", _lang(args), path=str(args.output), **counts))
    else:
        print(document)
    return EXIT_OK


# ``run`` and ``sync`` import cli.discord_commands when they run, so the terminal's
# commands start without loading discord.


async def _run(args: argparse.Namespace) -> int:
    shard_ids, shard_count = _shards(args)  # a typo is told before discord loads or the token is read
    settings = load_settings()
    if args.db:
        settings.database_url = SecretStr(args.db)
    settings.database()  # a malformed database URL is told before the token is even read
    from cli import discord_commands  # noqa: PLC0415 (see above)

    return await discord_commands.run(settings, shard_ids=shard_ids, shard_count=shard_count)


async def _sync(args: argparse.Namespace) -> int:
    from cli import discord_commands  # noqa: PLC0415 (see above)

    return await discord_commands.sync(load_settings(), args.guild)


async def _migrate_store(args: argparse.Namespace) -> int:
    source_target, target_target = parse_database_url(args.source), parse_database_url(args.target)
    # One file named two ways (relative and absolute, or through a link) is one database.
    source_is, target_is = (
        where.path.resolve() if where.path is not None else str(where)
        for where in (source_target, target_target)
    )
    if source_is == target_is:
        raise CliError("--from and --to name the same database; nothing to copy", EXIT_USAGE)
    if source_target.path is not None and not source_target.path.is_file():
        # Opening it would create an empty database, and copying that (with --force) would
        # empty the target: a mistyped path must stop here.
        raise CliError(f"there is no database at {source_target.path} to copy from; nothing was copied")
    async with await open_store(source_target) as source, await open_store(target_target) as target:
        report = await copy_store(source, target, force=args.force)
    print(f"Copied {source_target} to {target_target}; read back and verified:")
    for table in TABLES:
        rows, checksum = report.target[table.name]
        print(f"  {table.name:<16} {rows:>9,} rows  sha256 {checksum[:16]}")
    return EXIT_OK


async def _forget(args: argparse.Namespace) -> int:
    store, _ = await _open_store(args)
    async with store:
        user_id = _key(args).user_id
        service = AdvisorService(store)
        data = await service.export(user_id)
        lang = _lang(args)
        results, interviews = len(data["results"]), len(data["sessions_in_progress"])
        if results + interviews == 0:
            print(text("terminal.nothing_stored", lang))
            return EXIT_OK
        if not args.yes:
            print(text("terminal.forget_confirm", lang, **_counts(results, interviews)))
            print(text("terminal.type_yes", lang), end="", flush=True)
            reply = sys.stdin.readline().strip().casefold()
            if reply not in text("terminal.yes_words", lang).split():
                print(text("terminal.nothing_deleted", lang))
                return EXIT_FAILURE
        removed = await service.forget(user_id)
    print(text("terminal.deleted", lang, count=removed or 0))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
