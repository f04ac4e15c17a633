"""The short soak: a real bot process killed and restarted under simulated members.

`make soak` runs the long one (1,000 members, 100 kills, 5 minutes); this runs the same
program for about half a minute, and once more against a store broken on purpose, to show
that the soak notices a lost answer rather than passing whatever happens.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.soak, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600


def run_soak(output: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", "--output", str(output), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert output.exists(), finished.stdout + finished.stderr
    report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return finished, report


def test_a_short_soak_loses_nothing_and_mixes_nobody_up(tmp_path: Path) -> None:
    finished, report = run_soak(
        tmp_path / "soak.json", "--seconds", "25", "--members", "100", "--kills", "8", "--seed", "7"
    )
    counts = report["counts"]
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert counts["kills"] == 8
    assert counts["answers_checked"] > 0 and counts["results_checked"] > 0
    assert counts["lost"] == 0 and counts["cross_talk"] == 0 and counts["unexpected"] == 0
    assert counts["finished"] + counts["cancelled_on_purpose"] == 100
    # The table a person reads says the same.
    assert "lost                         0" in finished.stdout
    assert "cross-talk                   0" in finished.stdout


def test_the_soak_catches_a_store_that_loses_writes(tmp_path: Path) -> None:
    finished, report = run_soak(
        tmp_path / "soak.json",
        *("--seconds", "8", "--members", "30", "--kills", "2", "--seed", "7", "--fault", "lose-writes"),
    )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert report["counts"]["lost"] > 0
    assert "lost" in report["failed"]
