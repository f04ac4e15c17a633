"""A `chat` killed with SIGKILL loses nothing it has acknowledged.

The interview runs in a real subprocess fed one answer at a time through a pipe. An
answer counts as acknowledged once the next "Step N of M" prompt is on screen: the
terminal front end stores each answer before it shows the next question.
"""

from __future__ import annotations

import contextlib
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

from tests.command_line import (
    DESCRIPTION,
    INTERVIEW,
    STEP_LINE,
    chosen,
    expected_answers,
    export,
    make_env,
    step_line,
)

pytestmark = pytest.mark.slow

READ_TIMEOUT = 20.0
SEED = 20241121


class Chat:
    """A running ``offering-advisor chat`` with its stdin and stdout as pipes."""

    def __init__(self, env: dict[str, str], stderr_path: Path) -> None:
        self._stderr_path = stderr_path
        self._stderr: IO[bytes] = stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "chat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=Path(env["XDG_DATA_HOME"]).parent,
        )
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for raw in self.proc.stdout:
                self._lines.put(raw.decode("utf-8"))
        self._lines.put(None)

    def read_until(self, pattern: re.Pattern[str]) -> re.Match[str]:
        deadline = time.monotonic() + READ_TIMEOUT
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"chat ended before {pattern.pattern!r}:\n{self.output()}")
            self.seen.append(line)
            if match := pattern.search(line):
                return match
        raise AssertionError(f"no {pattern.pattern!r} within {READ_TIMEOUT}s:\n{self.output()}")

    def step(self) -> str:
        """Wait for the next "Step N of M" prompt and return that line."""
        return self.read_until(STEP_LINE).group(0)

    def answer(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=READ_TIMEOUT) == -signal.SIGKILL
        self._close()

    def finish(self) -> int:
        """Close stdin (end of input) and wait for the exit code."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=READ_TIMEOUT)
        self._close()
        return code

    def output(self) -> str:
        return "".join(self.seen)[-3000:]

    def _close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        self._pump_thread.join(timeout=READ_TIMEOUT)  # it closes stdout at end of output
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is not None:
                self.seen.append(line)
        self._stderr.close()
        errors = self._stderr_path.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in errors, errors


def stored_answers(env: dict[str, str]) -> tuple[dict[str, list[str]], str | None]:
    """The answers and current step of the interview in progress (none yet: {}, None)."""
    sessions: list[dict[str, Any]] = export(env)["sessions_in_progress"]
    assert len(sessions) <= 1, sessions
    if not sessions:
        return {}, None
    session = sessions[0]["session"]
    return chosen(session), session["current"]


def test_sigkill_between_answers_keeps_every_answer(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    chat = Chat(env, tmp_path / "stderr-1.txt")
    assert chat.step() == step_line(1)
    for number, (_, typed, _) in enumerate(INTERVIEW[:5], start=1):
        chat.answer(typed)
        assert chat.step() == step_line(number + 1)
    # Killed between two answers, with the sixth question on screen.
    chat.kill()

    answers, current = stored_answers(env)
    assert answers == expected_answers(5)
    assert current == INTERVIEW[5][0]

    again = Chat(env, tmp_path / "stderr-2.txt")
    again.read_until(re.compile(r"^Welcome back\b"))
    assert again.step() == step_line(6)
    assert again.finish() == 0
    assert "Paused" in again.output()
    answers, current = stored_answers(env)
    assert answers == expected_answers(5)
    assert current == INTERVIEW[5][0]


def test_sigkill_at_random_moments_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    env = make_env(tmp_path)
    acknowledged = 0  # answers known to be stored
    runs = 0

    def start() -> Chat:
        nonlocal runs
        runs += 1
        return Chat(env, tmp_path / f"stderr-{runs}.txt")

    def check_store(at_least: int, at_most: int, moment: str) -> int:
        answers, current = stored_answers(env)
        count = len(answers)
        assert at_least <= count <= at_most, f"{moment} (seed {SEED}): {answers}"
        assert answers == expected_answers(count), f"{moment} (seed {SEED}): {answers}"
        if count:
            following = INTERVIEW[count][0] if count < len(INTERVIEW) else "description"
            assert current == following, f"{moment} (seed {SEED}): current {current}"
        return count

    # Killed while starting, the very first time (the database is being created).
    chat = start()
    time.sleep(rng.uniform(0.0, 0.3))
    chat.kill()
    check_store(0, 0, "killed while creating the database")

    kills = 0
    while acknowledged < len(INTERVIEW):
        chat = start()
        if kills % 3 == 2:
            # Killed while resuming, before or after the prompt is drawn.
            time.sleep(rng.uniform(0.0, 0.3))
            chat.kill()
            kills += 1
            check_store(acknowledged, acknowledged, "killed while resuming")
            continue
        assert chat.step() == step_line(acknowledged + 1)
        if acknowledged:
            assert any(line.startswith("Welcome back") for line in chat.seen)
        # A few acknowledged answers, then one that may or may not be stored.
        for _ in range(rng.randint(0, 2)):
            if acknowledged == len(INTERVIEW) - 1:
                break
            chat.answer(INTERVIEW[acknowledged][1])
            acknowledged += 1
            assert chat.step() == step_line(acknowledged + 1)
        chat.answer(INTERVIEW[acknowledged][1])
        delay = 0.0 if kills == 0 else rng.choice([0.0, rng.uniform(0.0, 0.05)])
        if delay:
            time.sleep(delay)
        chat.kill()
        kills += 1
        moment = f"killed {delay * 1000:.1f} ms after answer {acknowledged + 1}"
        acknowledged = check_store(acknowledged, acknowledged + 1, moment)

    # Finish the interview in one last run.
    chat = start()
    assert chat.step() == step_line(acknowledged + 1)
    for _, typed, _ in INTERVIEW[acknowledged:]:
        chat.answer(typed)
        chat.step()
    chat.answer(DESCRIPTION)
    chat.read_until(re.compile(r"^Verdict: Digital product"))
    assert chat.finish() == 0
    assert kills >= 4

    data = export(env)
    assert data["sessions_in_progress"] == []
    [stored] = data["results"]
    result = stored["result"]
    assert result["verdict"] == "digital_product"
    # The result still rests on the answers given many kills ago.
    assert result["stage"] == "starting"
    assert result["subtype"] == "templates and assets"
    assert result["description"] == DESCRIPTION
