"""The ``offering-advisor`` command driven as a member drives it: a real subprocess with its
own database, folder and language, and what it printed. The CLI and storage tests use it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT = 30.0
# Settings the command reads from the environment; a developer's values must not leak in.
_SETTINGS_VARS = frozenset(
    {
        "DATABASE_PATH",
        "DATABASE_URL",
        "SESSION_EXPIRY_DAYS",
        "LOG_LEVEL",
        "DISCORD_TOKEN",
        "DEV_GUILD_ID",
        "XDG_DATA_HOME",
    }
)

_LOCALE_VARS = frozenset({"LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"})

# A complete interview for a templates seller: (step id, what is typed, option id stored).
# Numbers are what a user types; "2" answers the yes/no step with "No".
INTERVIEW: tuple[tuple[str, str, str], ...] = (
    ("stage", "1", "starting"),
    ("offering_kind", "3", "template"),
    ("effort", "1", "once"),
    ("extra_help", "2", "no"),
    ("income", "1", "one_time"),
    ("scalability", "1", "1"),
    ("customization", "1", "1"),
    ("engagement", "1", "self_serve"),
    ("value_source", "1", "artifact"),
    ("delivery", "1", "instant"),
    ("lifecycle", "1", "updates"),
    ("after_sale", "5", "none"),
    ("goal", "1", "scale"),
)
DESCRIPTION = "I sell Notion templates for freelance designers, pay once and keep them"
# The step counter counts every branch from the start: its total is the longest interview
# (15 questions) from the first question on, and a branch not taken is passed over. This
# interview skips the subscription question, number 6.
TOTAL_STEPS = 15
STEP_NUMBERS = (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15)  # INTERVIEW's, then the description's

STEP_LINE = re.compile(r"^Step (\d+) of (\d+)\b")
EXPLAIN = "Let me explain this one differently"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def make_env(home: Path, **settings: str | Path) -> dict[str, str]:
    """An environment whose database is ``home/x.db`` unless ``settings`` say otherwise."""
    env = {name: value for name, value in os.environ.items() if name not in _SETTINGS_VARS | _LOCALE_VARS}
    # English unless a test asks for another language: a developer's locale must not leak in.
    env["LANG"] = "C.UTF-8"
    env["XDG_DATA_HOME"] = str(home / "xdg")
    env["DATABASE_PATH"] = str(home / "x.db")
    env.update({name: str(value) for name, value in settings.items()})
    return env


def run_cli(*args: str, input: str | bytes = b"", env: dict[str, str], timeout: float = TIMEOUT) -> Run:
    """Run ``python -m cli ARGS`` with ``input`` on stdin (end of input after it)."""
    data = input.encode("utf-8") if isinstance(input, str) else input
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        input=data,
        capture_output=True,
        env=env,
        cwd=Path(env["XDG_DATA_HOME"]).parent,
        timeout=timeout,
        check=False,
    )
    run = Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))
    # Whatever the input, a user never sees a Python traceback.
    assert "Traceback" not in run.err, f"offering-advisor {' '.join(args)} crashed:\n{run.err}"
    return run


def answers_input(*answers: str) -> str:
    return "".join(answer + "\n" for answer in answers)


def step_line(nth: int) -> str:
    """The counter shown with the ``nth`` question of INTERVIEW (then the description)."""
    return f"Step {STEP_NUMBERS[nth - 1]} of {TOTAL_STEPS}"


def step_lines(out: str) -> list[str]:
    """The "Step N of M" headers in the order they were shown."""
    return [match.group(0) for line in out.splitlines() if (match := STEP_LINE.match(line))]


def error_lines(out: str) -> list[str]:
    """Error lines ("! ..."). With piped input nothing echoes the typed line, so an
    error follows the "> " prompt on the same line; the prompt is not part of it."""
    lines = (re.sub(r"^(?:> )+", "", line) for line in out.splitlines())
    return [line for line in lines if line.startswith("! ")]


def export(env: dict[str, str]) -> dict[str, Any]:
    run = run_cli("export", env=env)
    assert run.code == 0, run.err
    data: dict[str, Any] = run.json()
    return data


def stored_sessions(env: dict[str, str], data: dict[str, Any] | None = None) -> str:
    """The interviews in progress exactly as stored (version, timestamps, answers)."""
    data = export(env) if data is None else data
    return json.dumps(data["sessions_in_progress"], ensure_ascii=False)


def session_of(env: dict[str, str]) -> dict[str, Any]:
    sessions = export(env)["sessions_in_progress"]
    assert len(sessions) == 1, sessions
    session: dict[str, Any] = sessions[0]["session"]
    return session


def chosen(session: dict[str, Any]) -> dict[str, list[str]]:
    return {step: answer["options"] for step, answer in session["answers"].items()}


def expected_answers(count: int) -> dict[str, list[str]]:
    return {step: [option] for step, _, option in INTERVIEW[:count]}
