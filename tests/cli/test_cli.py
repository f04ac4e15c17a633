"""The ``offering-advisor`` command driven the way a user drives it: real subprocesses.

Every test has its own database (DATABASE_PATH, or ``--db``) and its own working
folder, so nothing here touches a real profile or a developer's ``.env``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.command_line import (
    DESCRIPTION,
    EXPLAIN,
    INTERVIEW,
    TIMEOUT,
    TOTAL_STEPS,
    Run,
    answers_input,
    chosen,
    error_lines,
    expected_answers,
    export,
    make_env,
    run_cli,
    session_of,
    step_line,
    step_lines,
    stored_sessions,
)
from tests.english import english_in


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return make_env(tmp_path)


# --- stored states built once, copied into each test's own database ---------------------------


@dataclass(frozen=True)
class State:
    db: Path
    # `stored_sessions` of this database (its copies are byte-for-byte the same file).
    sessions: str


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, State]:
    """Databases in a known state: an interview at step 2 (a choice), one at the optional
    free-text step, and one finished interview."""
    built: dict[str, State] = {}
    plans = {
        "at_choice": answers_input(INTERVIEW[0][1]),
        "at_description": answers_input(*(typed for _, typed, _ in INTERVIEW)),
        "finished": answers_input(*(typed for _, typed, _ in INTERVIEW), DESCRIPTION),
    }
    for name, typed in plans.items():
        home = tmp_path_factory.mktemp(name)
        home_env = make_env(home)
        run = run_cli("chat", input=typed, env=home_env)
        assert run.code == 0, run.err
        built[name] = State(home / "x.db", stored_sessions(home_env))
    return built


@pytest.fixture
def clone(states: dict[str, State], env: dict[str, str]) -> Callable[[str], str]:
    """Copy a state into this test's database; return its stored interviews in progress."""

    def copy(state: str) -> str:
        source = states[state].db
        target = Path(env["DATABASE_PATH"])
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
        return states[state].sessions

    return copy


# --- check ------------------------------------------------------------------------------------


def _assert_check_object(data: Any) -> None:
    assert isinstance(data, dict)
    assert set(data) == {"verdict", "confidence", "signals", "explanation"}
    assert isinstance(data["confidence"], int | float)
    assert 0 <= data["confidence"] <= 1
    assert isinstance(data["explanation"], str) and data["explanation"]
    for signal in data["signals"]:
        assert set(signal) == {"phrase", "factor", "leans"}
        assert signal["leans"] in {"product", "service"}


def test_check_json_prints_exactly_one_object(env: dict[str, str]) -> None:
    run = run_cli("check", "I sell Notion templates", "--json", env=env)
    assert run.code == 0
    assert run.err == ""
    assert len(run.out.splitlines()) == 1
    data = run.json()
    _assert_check_object(data)
    assert data["verdict"] == "digital_product"
    assert data["signals"], "the verdict should name the phrase it rests on"
    assert any("templates" in signal["phrase"] for signal in data["signals"])


def test_check_reads_the_description_from_stdin(env: dict[str, str]) -> None:
    # A service description on stdin: the verdict can only come from what was piped in.
    run = run_cli("check", "-", "--json", input="I design logos for each client\n", env=env)
    assert run.code == 0
    assert len(run.out.splitlines()) == 1
    data = run.json()
    _assert_check_object(data)
    assert data["verdict"] == "digital_service"


@pytest.mark.parametrize(
    ("description", "title"),
    [("I sell Notion templates", "Digital product"), ("I design logos for each client", "Digital service")],
)
def test_check_plain_output_names_the_verdict(env: dict[str, str], description: str, title: str) -> None:
    run = run_cli("check", description, env=env)
    assert run.code == 0
    first = run.out.splitlines()[0]
    assert first.startswith(title)
    assert re.search(r"confidence \d+%", first)


@pytest.mark.parametrize(
    ("args", "stdin", "hint"),
    [
        pytest.param(("",), b"", "empty", id="empty"),
        pytest.param(("   \t  ",), b"", "empty", id="whitespace"),
        pytest.param(("-",), b"", "empty", id="empty-stdin"),
        pytest.param(("a" * 100_000,), b"", "100,000 characters", id="100k-chars"),
        pytest.param(("-",), b"I sell \x00 Notion templates", "NUL", id="nul-byte"),
        pytest.param(("\x07\x1b[31m",), b"", "control characters", id="control-chars"),
        pytest.param(("🚀🔥",), b"", "words", id="emoji-only"),
        pytest.param(("abc\u202edcba templates",), b"", "direction", id="rtl-override"),
    ],
)
def test_check_refuses_unusable_descriptions(
    env: dict[str, str], args: tuple[str, ...], stdin: bytes, hint: str
) -> None:
    run = run_cli("check", *args, input=stdin, env=env)
    assert run.code == 2
    assert run.out == ""
    assert len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith("offering-advisor: cannot check that description: ")
    assert hint in run.err_lines[0]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [(("",), b""), (("-",), b"\x00"), (("🚀🔥",), b"")],
    ids=["empty", "nul-byte", "emoji-only"],
)
def test_check_json_refusal_prints_no_json(env: dict[str, str], args: tuple[str, ...], stdin: bytes) -> None:
    run = run_cli("check", *args, "--json", input=stdin, env=env)
    assert run.code == 2
    assert run.out == ""
    assert len(run.err_lines) == 1
    assert run.err_lines[0].startswith("offering-advisor: cannot check that description: ")


def test_check_reads_through_markdown_and_mentions(env: dict[str, str]) -> None:
    run = run_cli("check", "@everyone **Notion templates**", "--json", env=env)
    assert run.code == 0
    data = run.json()
    _assert_check_object(data)
    assert data["verdict"] == "digital_product"


def test_check_reads_french_and_says_which_languages_it_reads_for_another(env: dict[str, str]) -> None:
    french = run_cli("check", "Je vends des modèles Notion", "--json", env=env)
    assert french.code == 0
    assert french.json()["verdict"] == "digital_product"
    run = run_cli("check", "Ich verkaufe Vorlagen für Freiberufler", "--json", env=env)
    assert run.code == 0
    data = run.json()
    _assert_check_object(data)
    # No guess from words it cannot read, and a reason the user can act on.
    assert data["verdict"] == "unclear"
    assert data["confidence"] == 0
    assert "English and French" in data["explanation"]


def test_check_survives_bytes_that_are_not_utf8(env: dict[str, str]) -> None:
    text = b"I sell templates, no \xff calls"
    piped = run_cli("check", "-", "--json", input=text, env=env)
    assert piped.code == 0
    _assert_check_object(piped.json())
    # The same bytes on the command line (argv keeps them as lone surrogates).
    argv = run_cli("check", os.fsdecode(text), "--json", env=env)
    assert argv.code == 0
    assert argv.json() == piped.json()


@pytest.mark.parametrize("args", [("check", "-"), ("chat",)], ids=["check", "chat"])
def test_closed_stdin_reads_as_end_of_input(env: dict[str, str], args: tuple[str, ...]) -> None:
    # `offering-advisor chat <&-`, as some schedulers start programs.
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        env=env,
        cwd=Path(env["XDG_DATA_HOME"]).parent,
        timeout=TIMEOUT,
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    if args[0] == "check":
        assert proc.returncode == 2
        assert "empty" in err
    else:
        assert proc.returncode == 0
        assert "Paused" in proc.stdout.decode("utf-8")


# --- questions --------------------------------------------------------------------------------


def test_questions_json_describes_every_step(env: dict[str, str]) -> None:
    run = run_cli("questions", "--json", env=env)
    assert run.code == 0
    steps = run.json()["steps"]
    assert steps
    for step in steps:
        for field in ("id", "kind", "prompt"):
            assert isinstance(step[field], str) and step[field], (field, step)
    ids = [step["id"] for step in steps]
    assert len(ids) == len(set(ids))
    assert {step for step, _, _ in INTERVIEW} | {"description"} <= set(ids)


def test_questions_plain_lists_every_step(env: dict[str, str]) -> None:
    ids = [step["id"] for step in run_cli("questions", "--json", env=env).json()["steps"]]
    run = run_cli("questions", env=env)
    assert run.code == 0
    for step_id in ids:
        assert f"[{step_id}]" in run.out


# --- chat: a whole interview, then history, export and forget -----------------------------


def test_scripted_interview_ends_with_a_verdict(env: dict[str, str]) -> None:
    typed = answers_input(*(typed for _, typed, _ in INTERVIEW), DESCRIPTION)
    run = run_cli("chat", input=typed, env=env)
    assert run.code == 0, run.err
    assert "Verdict: Digital product" in run.out
    assert "A clear result, 95% sure · templates and assets" in run.out
    assert error_lines(run.out) == []
    # One prompt per answer, the last one being the optional description.
    shown = step_lines(run.out)
    assert len(shown) == len(INTERVIEW) + 1
    assert shown[-1] == f"Step {TOTAL_STEPS} of {TOTAL_STEPS}"
    data = export(env)
    assert data["sessions_in_progress"] == []
    [stored] = data["results"]
    assert stored["result"]["description"] == DESCRIPTION


def test_history_shows_the_result(env: dict[str, str], clone: Callable[[str], str]) -> None:
    clone("finished")
    run = run_cli("history", env=env)
    assert run.code == 0
    assert re.search(r"^#1 .*Digital product \(\d+%\) · templates and assets$", run.out, re.MULTILINE), (
        run.out
    )
    assert "Verdict: Digital product" in run.out

    records = run_cli("history", "--json", env=env).json()
    assert len(records) == 1
    assert records[0]["result"]["verdict"] == "digital_product"
    assert records[0]["result"]["description"] == DESCRIPTION


def test_history_without_results_says_so(env: dict[str, str]) -> None:
    run = run_cli("history", env=env)
    assert run.code == 0
    assert "No results yet" in run.out
    assert run_cli("history", "--json", env=env).json() == []


def test_export_prints_and_writes_the_result(
    env: dict[str, str], clone: Callable[[str], str], tmp_path: Path
) -> None:
    clone("finished")
    data = export(env)
    assert [item["result"]["verdict"] for item in data["results"]] == ["digital_product"]
    assert data["sessions_in_progress"] == []

    target = tmp_path / "out" / "mine.json"
    target.parent.mkdir()
    run = run_cli("export", "-o", str(target), env=env)
    assert run.code == 0
    assert "1 result and 0 interviews in progress" in run.out
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["results"] == data["results"]
    assert written["sessions_in_progress"] == []


def test_export_to_an_unwritable_file_is_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    run = run_cli("export", "-o", str(tmp_path / "missing" / "mine.json"), env=env)
    assert run.code == 1
    assert len(run.err_lines) == 1
    assert run.err_lines[0].startswith("offering-advisor: cannot write ")


@pytest.mark.parametrize("reply", ["no\n", ""], ids=["no", "eof"])
def test_forget_without_yes_deletes_nothing_unless_confirmed(
    env: dict[str, str], clone: Callable[[str], str], reply: str
) -> None:
    clone("finished")
    before = export(env)
    run = run_cli("forget", input=reply, env=env)
    assert run.code == 1
    assert "Nothing was deleted" in run.out
    after = export(env)
    assert after["results"] == before["results"] and len(after["results"]) == 1
    assert "Digital product" in run_cli("history", env=env).out


def test_forget_yes_deletes_results_and_interviews_in_progress(
    env: dict[str, str], clone: Callable[[str], str]
) -> None:
    clone("finished")
    assert run_cli("chat", input=answers_input("1", "3"), env=env).code == 0
    before = export(env)
    assert len(before["results"]) == 1 and len(before["sessions_in_progress"]) == 1

    run = run_cli("forget", "--yes", env=env)
    assert run.code == 0
    assert "Deleted 2 records." in run.out
    after = export(env)
    assert after["results"] == []
    assert after["sessions_in_progress"] == []
    assert "No results yet" in run_cli("history", env=env).out
    # A new interview starts from the first question.
    assert step_lines(run_cli("chat", env=env).out) == [step_line(1)]


def test_forget_confirmed_by_typing_yes(env: dict[str, str], clone: Callable[[str], str]) -> None:
    clone("finished")
    run = run_cli("forget", input="yes\n", env=env)
    assert run.code == 0
    assert export(env)["results"] == []


# --- chat: pausing and resuming ---------------------------------------------------------------


def test_paused_interview_resumes_at_the_same_step_with_its_answers(env: dict[str, str]) -> None:
    first = run_cli("chat", input=answers_input(*(typed for _, typed, _ in INTERVIEW[:5])), env=env)
    assert first.code == 0
    assert "Paused" in first.out and "answers are saved" in first.out
    paused_at = step_lines(first.out)[-1]
    assert paused_at == step_line(6)
    session = session_of(env)
    assert chosen(session) == expected_answers(5)
    assert session["current"] == INTERVIEW[5][0]

    again = run_cli("chat", env=env)
    assert again.code == 0
    assert "Welcome back" in again.out
    assert step_lines(again.out) == [paused_at]
    assert chosen(session_of(env)) == expected_answers(5)

    rest = answers_input(*(typed for _, typed, _ in INTERVIEW[5:]), DESCRIPTION)
    last = run_cli("chat", "--full", input=rest, env=env)
    assert last.code == 0
    assert "Welcome back" in last.out
    assert step_lines(last.out)[0] == paused_at
    # The result rests on the answers given before the pause.
    assert "· templates and assets" in last.out  # step 2
    assert "you said “Building it once”" in last.out  # step 3
    [stored] = export(env)["results"]
    assert stored["result"]["stage"] == "starting"  # step 1


def test_quit_pauses_the_interview(env: dict[str, str]) -> None:
    run = run_cli("chat", input=answers_input("2", "quit", "3"), env=env)
    assert run.code == 0
    assert "Paused" in run.out
    session = session_of(env)
    # "3" after quit was never read as an answer.
    assert chosen(session) == {"stage": ["some_clients"]}
    assert session["current"] == "offering_kind"


# --- chat: bad input --------------------------------------------------------------------------

BAD_CHOICE_INPUTS = {
    "empty": b"",
    "whitespace": b"   \t  ",
    "100k-chars": b"a" * 100_000,
    "control-chars": b"\x07\x1b[31m",
    "nul-byte": b"\x00",
    "emoji-only": "🚀🔥".encode(),
    "rtl-override": "abc\u202edcba".encode(),
    "mention-markdown": b"@everyone **bold**",
    "french": b"je ne sais pas",
    "not-utf8": b"\xff\xfe",
}


@pytest.mark.parametrize("bad", list(BAD_CHOICE_INPUTS.values()), ids=list(BAD_CHOICE_INPUTS))
def test_bad_answer_to_a_choice_changes_nothing(
    env: dict[str, str], clone: Callable[[str], str], bad: bytes
) -> None:
    before = clone("at_choice")
    run = run_cli("chat", input=bad + b"\n", env=env)
    assert run.code == 0
    assert run.err == ""
    errors = error_lines(run.out)
    assert len(errors) == 1, run.out[-2000:]
    assert "Pick a number from 1 to 13" in errors[0]
    # Asked again, same step; nothing stored changed, not even the version or timestamp.
    assert step_lines(run.out) == [step_line(2), step_line(2)]
    assert stored_sessions(env) == before


BAD_TEXT_INPUTS = {
    "empty": b"",
    "whitespace": b"   \t  ",
    "100k-chars": b"a" * 100_000,
    "control-chars": b"I sell \x07\x1b[31m templates",
    "nul-byte": b"I sell \x00 templates",
    "emoji-only": "🚀🔥".encode(),
    "rtl-override": "I sell abc\u202edcba templates".encode(),
}


@pytest.mark.parametrize("bad", list(BAD_TEXT_INPUTS.values()), ids=list(BAD_TEXT_INPUTS))
def test_bad_free_text_changes_nothing(env: dict[str, str], clone: Callable[[str], str], bad: bytes) -> None:
    before = clone("at_description")
    run = run_cli("chat", input=bad + b"\n", env=env)
    assert run.code == 0
    assert len(error_lines(run.out)) == 1
    assert "Verdict:" not in run.out
    last = f"Step {TOTAL_STEPS} of {TOTAL_STEPS}"
    assert step_lines(run.out) == [last, last]
    after = export(env)
    assert stored_sessions(env, after) == before
    assert after["results"] == []


def test_free_text_with_bytes_that_are_not_utf8_still_finishes(
    env: dict[str, str], clone: Callable[[str], str]
) -> None:
    clone("at_description")
    run = run_cli("chat", input=b"I sell \xff Notion templates\n", env=env)
    assert run.code == 0
    assert "Verdict: Digital product" in run.out
    [stored] = export(env)["results"]
    assert stored["result"]["description"] == "I sell \ufffd Notion templates"


def test_third_invalid_answer_in_a_row_explains_the_step(
    env: dict[str, str], clone: Callable[[str], str]
) -> None:
    clone("at_choice")
    run = run_cli("chat", input=answers_input("dunno", "42", "maybe"), env=env)
    assert run.code == 0
    lines = [re.sub(r"^(?:> )+", "", line) for line in run.out.splitlines()]
    errors = [number for number, line in enumerate(lines) if line.startswith("! ")]
    explained = [number for number, line in enumerate(lines) if line.startswith(EXPLAIN)]
    assert len(errors) == 3
    # Not after the first two; right after the third, with the step's help.
    assert explained == [errors[2] + 1]
    assert "Pick the nearest family" in lines[explained[0]]
    assert any(line.startswith("For example: Notion templates") for line in lines[explained[0] :])


# --- chat: commands ---------------------------------------------------------------------------


def test_back_undoes_the_latest_answer(env: dict[str, str], clone: Callable[[str], str]) -> None:
    clone("at_choice")
    run = run_cli("chat", input=answers_input("back"), env=env)
    assert run.code == 0
    assert step_lines(run.out) == [step_line(2), step_line(1)]
    assert error_lines(run.out) == []
    session = session_of(env)
    assert session["answers"] == {}
    assert session["current"] == "stage"


def test_back_on_the_first_question_says_there_is_nothing_to_go_back_to(env: dict[str, str]) -> None:
    run = run_cli("chat", input=answers_input("back"), env=env)
    assert run.code == 0
    [error] = error_lines(run.out)
    assert "first question" in error
    assert step_lines(run.out) == [step_line(1), step_line(1)]


def test_skip_on_a_required_step_is_refused(env: dict[str, str], clone: Callable[[str], str]) -> None:
    before = clone("at_choice")
    run = run_cli("chat", input=answers_input("skip"), env=env)
    assert run.code == 0
    [error] = error_lines(run.out)
    assert "can't be skipped" in error
    assert step_lines(run.out) == [step_line(2), step_line(2)]
    assert stored_sessions(env) == before


def test_skip_on_the_optional_description_finishes(env: dict[str, str], clone: Callable[[str], str]) -> None:
    clone("at_description")
    run = run_cli("chat", input=answers_input("skip"), env=env)
    assert run.code == 0
    assert error_lines(run.out) == []
    assert "Verdict: Digital product" in run.out
    data = export(env)
    assert data["sessions_in_progress"] == []
    [stored] = data["results"]
    assert stored["result"]["description"] is None


def test_help_explains_the_current_step_and_changes_nothing(
    env: dict[str, str], clone: Callable[[str], str]
) -> None:
    before = clone("at_choice")
    run = run_cli("chat", input=answers_input("help"), env=env)
    assert run.code == 0
    assert "Pick the nearest family" in run.out
    assert "For example: Notion templates are 'Templates, assets or presets'" in run.out
    assert error_lines(run.out) == []
    assert step_lines(run.out) == [step_line(2), step_line(2)]
    assert stored_sessions(env) == before


def test_restart_with_piped_input_starts_over_without_asking(env: dict[str, str]) -> None:
    run = run_cli("chat", input=answers_input("1", "3", "1", "restart"), env=env)
    assert run.code == 0
    assert "Started over." in run.out
    assert "Start over?" not in run.out
    assert step_lines(run.out)[-1] == step_line(1)
    session = session_of(env)
    assert session["answers"] == {}
    assert session["current"] == "stage"


def test_restart_flag_discards_the_interview_in_progress(
    env: dict[str, str], clone: Callable[[str], str]
) -> None:
    clone("at_choice")
    run = run_cli("chat", "--restart", env=env)
    assert run.code == 0
    assert "Welcome back" not in run.out
    assert step_lines(run.out) == [step_line(1)]
    assert session_of(env)["answers"] == {}


def test_change_edits_an_earlier_answer_and_keeps_the_others(env: dict[str, str]) -> None:
    run = run_cli("chat", input=answers_input("1", "3", "change", "1", "3"), env=env)
    assert run.code == 0
    assert "Your answers so far:" in run.out
    assert "Where are you with this offering today? — Just starting" in run.out
    session = session_of(env)
    assert chosen(session) == {"stage": ["established"], "offering_kind": ["template"]}
    assert session["current"] == "effort"


def test_options_can_be_answered_by_their_text(env: dict[str, str]) -> None:
    run = run_cli("chat", input=answers_input("A few paying customers", "templ"), env=env)
    assert run.code == 0
    assert error_lines(run.out) == []
    assert chosen(session_of(env)) == {"stage": ["some_clients"], "offering_kind": ["template"]}


# --- the database and the settings ------------------------------------------------------------

COMMANDS_WITH_A_DATABASE = [("chat",), ("history",), ("export",), ("forget", "--yes")]


@pytest.mark.parametrize(
    ("where", "command"),
    [("proc", ("chat",))] + [("under-a-file", command) for command in COMMANDS_WITH_A_DATABASE],
    ids=lambda value: value[0] if isinstance(value, tuple) else value,
)
def test_unusable_database_path_is_one_clear_line(
    tmp_path: Path, command: tuple[str, ...], where: str
) -> None:
    if where == "proc":
        path = Path("/proc/forbidden/x.db")
    else:
        (tmp_path / "afile").write_text("not a folder\n", encoding="utf-8")
        path = tmp_path / "afile" / "x.db"
    run = run_cli(*command, env=make_env(tmp_path, DATABASE_PATH=path))
    assert run.code == 1
    assert run.out == ""
    assert len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith("offering-advisor: ")
    assert str(path) in run.err_lines[0]


@pytest.mark.parametrize("command", [("chat",), ("forget", "--yes")], ids=lambda command: command[0])
def test_database_from_a_newer_release_is_refused(env: dict[str, str], command: tuple[str, ...]) -> None:
    path = Path(env["DATABASE_PATH"])
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 99")
    run = run_cli(*command, env=env)
    assert run.code == 1
    assert run.out == ""
    assert len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith("offering-advisor: ")
    assert "upgrade" in run.err_lines[0]
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 99
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


@pytest.mark.parametrize("command", [("chat",), ("export",)], ids=lambda command: command[0])
def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    env: dict[str, str], command: tuple[str, ...]
) -> None:
    path = Path(env["DATABASE_PATH"])
    garbage = b"these are my notes, not a database\n" + bytes(range(256)) * 20
    path.write_bytes(garbage)
    run = run_cli(*command, env=env)
    assert run.code == 1
    assert run.out == ""
    assert len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith("offering-advisor: ")
    assert "not a readable offering-advisor database" in run.err_lines[0]
    assert path.read_bytes() == garbage


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_invalid_setting_is_a_usage_error(tmp_path: Path, value: str) -> None:
    env = make_env(tmp_path, SESSION_EXPIRY_DAYS=value)
    run = run_cli("chat", env=env)
    assert run.code == 2
    assert run.out == ""
    assert len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith("offering-advisor: setting SESSION_EXPIRY_DAYS is invalid")
    assert not Path(env["DATABASE_PATH"]).exists()


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("check",)], ids=["none", "unknown", "missing-arg"])
def test_usage_errors_exit_2(env: dict[str, str], args: tuple[str, ...]) -> None:
    run = run_cli(*args, env=env)
    assert run.code == 2
    assert run.out == ""
    assert "usage: offering-advisor" in run.err


def test_db_option_overrides_database_path(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    chosen_db = tmp_path / "elsewhere" / "mine.db"
    run = run_cli("--db", str(chosen_db), "chat", input=answers_input("1"), env=env)
    assert run.code == 0
    assert chosen_db.exists()
    assert not Path(env["DATABASE_PATH"]).exists()
    mine = run_cli("--db", str(chosen_db), "export", env=env).json()
    assert len(mine["sessions_in_progress"]) == 1
    assert export(env)["sessions_in_progress"] == []
    # ...and the interview resumes from the same file.
    assert "Welcome back" in run_cli("--db", str(chosen_db), "chat", env=env).out


# --- run: shard options (checked before the token is read: these environments have none) ----


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (("--shard-ids", "0,1"), "--shard-ids needs --shard-count"),
        (("--shard-count", "4"), "--shard-count needs --shard-ids"),
        (
            ("--shard-ids", "1,4", "--shard-count", "4"),
            "shard 4 is out of range: with --shard-count 4, shards are 0 to 3",
        ),
    ],
    ids=["ids-without-count", "count-without-ids", "out-of-range"],
)
def test_run_shard_options_that_do_not_fit_together_are_one_line(
    env: dict[str, str], args: tuple[str, ...], told: str
) -> None:
    run = run_cli("run", *args, env=env)
    assert run.code == 2
    assert run.out == ""
    assert len(run.err_lines) == 1, run.err
    assert run.err_lines[0].startswith(f"offering-advisor: {told}")
    assert not Path(env["DATABASE_PATH"]).exists()


@pytest.mark.parametrize(
    ("args", "told"),
    [
        (
            ("--shard-ids", "0,x", "--shard-count", "4"),
            "argument --shard-ids: '0,x' is not a list of shard numbers",
        ),
        (
            ("--shard-ids", "-1", "--shard-count", "4"),
            "argument --shard-ids: '-1' is not a list of shard numbers",
        ),
        (("--shard-ids", "1,1", "--shard-count", "4"), "argument --shard-ids: shard 1 is listed twice"),
        (("--shard-ids", "0", "--shard-count", "0"), "argument --shard-count: '0' is not a number of shards"),
        (
            ("--shard-ids", "0", "--shard-count", "two"),
            "argument --shard-count: 'two' is not a number of shards",
        ),
    ],
    ids=["not-a-number", "negative", "twice", "no-shards", "count-in-words"],
)
def test_run_shard_options_that_are_not_shard_numbers_are_usage_errors(
    env: dict[str, str], args: tuple[str, ...], told: str
) -> None:
    run = run_cli("run", *args, env=env)
    assert run.code == 2
    assert run.out == ""
    assert run.err_lines[0].startswith("usage: offering-advisor run")
    assert run.err_lines[-1].startswith(f"offering-advisor run: error: {told}")


def test_run_with_fitting_shard_options_goes_on_to_the_token(env: dict[str, str]) -> None:
    run = run_cli("run", "--shard-ids", "0, 1", "--shard-count", "4", env=env)
    assert run.code == 2
    assert len(run.err_lines) == 1 and "DISCORD_TOKEN is not set" in run.err_lines[0]


@pytest.fixture(autouse=True)
def _no_stray_default_database(tmp_path: Path) -> Iterator[None]:
    """No test may fall back to the default database location."""
    yield
    assert not (tmp_path / "xdg").exists()


# --- in French ---------------------------------------------------------------------------------


def french_session(env: dict[str, str], lines: list[str], *args: str) -> Run:
    return run_cli(
        "--lang", "fr", *args, "chat", "--plain", input="".join(f"{line}\n" for line in lines), env=env
    )


def test_a_french_member_sees_no_english_in_the_terminal(env: dict[str, str]) -> None:
    """A whole French journey: refusals, help, back, change, a pause and a resume, the
    result, history, a quick check and forget, with every English catalog text looked for."""
    answers = [typed for _, typed, _ in INTERVIEW]
    first = french_session(
        env,
        [
            "zzz",  # refused
            "aide",  # help
            answers[0],
            "retour",  # back to the first question
            answers[0],
            answers[1],
            "passer",  # refused: this one is needed
            "modifier",  # change an earlier answer
            "1",
            answers[0],
            "quitter",
        ],
    )
    assert first.code == 0, first.err
    assert "«\u00a0zzz\u00a0» ne fait pas partie des réponses proposées." in first.out
    assert "Par exemple :" in first.out
    assert "Cette question est nécessaire à votre résultat" in first.out
    assert "Vos réponses jusqu'ici :" in first.out
    assert "En pause." in first.out
    second = french_session(env, [*answers[2:], DESCRIPTION, "f"])
    assert second.code == 0, second.err
    assert "Bon retour." in second.out
    assert "Verdict : Produit numérique" in second.out
    assert "Pourquoi, en bref :" in second.out
    assert "Feuille de route :" in second.out  # "f" opened it
    history = run_cli("--lang", "fr", "history", "--full", env=env)
    assert "Lecture ITIL" in history.out and "Feuille de route :" in history.out
    check = run_cli("--lang", "fr", "check", "I sell Notion templates, pay once", env=env)
    assert check.out.startswith("Produit numérique (confiance ")
    refused = run_cli("--lang", "fr", "check", "   ", env=env)
    assert "impossible de vérifier cette description : C'était vide" in refused.err
    forget = run_cli("--lang", "fr", "forget", input="non\n", env=env)
    assert "Rien n'a été effacé." in forget.out
    for run in (first, second, history, check, refused, forget):
        shown = run.out + run.err
        # The member's own description is theirs, in whatever language they wrote it.
        assert english_in(shown.replace(DESCRIPTION, "")) == [], shown


def test_the_terminal_speaks_the_language_of_the_environments_locale(env: dict[str, str]) -> None:
    french = run_cli("check", "I sell Notion templates, pay once", env={**env, "LANG": "fr_FR.UTF-8"})
    assert french.out.startswith("Produit numérique")
    over = run_cli("check", "x y z", env={**env, "LANG": "en_US.UTF-8", "LC_ALL": "fr_CA.UTF-8"})
    assert "Je n'ai" in over.out
    english = run_cli(
        "--lang", "en", "check", "I sell Notion templates, pay once", env={**env, "LANG": "fr_FR"}
    )
    assert english.out.startswith("Digital product")


def test_history_opens_any_past_result_and_says_what_changed(
    env: dict[str, str], clone: Callable[[str], str]
) -> None:
    clone("finished")
    again = run_cli("chat", input=answers_input(*(typed for _, typed, _ in INTERVIEW), DESCRIPTION), env=env)
    assert again.code == 0, again.err
    listing = run_cli("history", env=env)
    assert re.search(r"^#2 .*Digital product", listing.out, re.MULTILINE), listing.out
    assert (
        "Since your previous result: Still Digital product, with every factor on the same side."
        in listing.out
    )
    assert "Every part of it: `offering-advisor history --open 2 --full`." in listing.out

    first = run_cli("history", "--open", "1", env=env)
    assert "Verdict: Digital product" in first.out and "Since your previous result" not in first.out
    full = run_cli("history", "--open", "1", "--full", env=env)
    assert "Roadmap:" in full.out and "ITIL reading:" in full.out and "you said" in full.out
    missing = run_cli("history", "--open", "9", env=env)
    assert missing.code != 0
    assert (
        "You have no result #9: `offering-advisor history` lists your 2 results with their ids."
        in missing.err
    )


def test_the_roadmap_is_listed_and_updated_and_a_retake_keeps_what_was_done(
    env: dict[str, str], clone: Callable[[str], str]
) -> None:
    clone("finished")
    listed = run_cli("roadmap", env=env)
    assert listed.code == 0, listed.err
    lines = listed.out.splitlines()
    assert re.match(r"Your roadmap \(0 of (\d) steps done\), from your result of \d{4}-\d\d-\d\d:$", lines[0])
    steps = int(re.findall(r"of (\d) steps", lines[0])[0])
    assert all(re.match(rf"  {n}\. \[not started\] \S", lines[n]) for n in range(1, steps + 1)), listed.out
    assert "You are on step 1." in listed.out

    done = run_cli("roadmap", "--done", "1", env=env)
    first_title = lines[1].split("] ", 1)[1]
    assert done.out.startswith(f"Step 1 is now done: {first_title}\n")
    assert "  1. [done       ] " in done.out and "You are on step 2." in done.out
    doing = run_cli("roadmap", "--doing", "2", env=env)
    assert "  2. [in progress] " in doing.out
    again = run_cli("roadmap", "--done", "1", env=env)
    assert again.out.startswith("Step 1 was already done:")
    assert run_cli("roadmap", "--skip", "2", env=env).code == 0
    undone = run_cli("roadmap", "--todo", "2", env=env)
    assert "  2. [not started] " in undone.out

    missing = run_cli("roadmap", "--skip", "9", env=env)
    assert missing.code == 2
    assert f"There is no step 9: this roadmap has {steps} steps." in missing.err
    both = run_cli("roadmap", "--done", "1", "--skip", "2", env=env)
    assert both.code == 2 and "not allowed with argument" in both.err

    retake = run_cli("chat", input=answers_input(*(typed for _, typed, _ in INTERVIEW), DESCRIPTION), env=env)
    assert retake.code == 0, retake.err
    assert "One step you had done is on this roadmap too, and stays done." in retake.out
    assert "Your next step (step 2 of" in retake.out
    after = run_cli("roadmap", env=env)
    assert "  1. [done       ] " in after.out and "  2. [not started] " in after.out
    exported = export(env)
    first, second = exported["results"]
    assert list(first["roadmap_progress"].values()) == ["done"]
    assert second["roadmap_progress"] == first["roadmap_progress"]


def test_the_roadmap_without_a_result_points_to_the_interview(env: dict[str, str]) -> None:
    run = run_cli("roadmap", "--done", "1", env=env)
    assert run.code == 0
    assert run.out == "You have no roadmap yet: take the interview with offering-advisor chat.\n"
