"""Section 6: quick checks per second and their p99 latency.

Every description in the test sets (tests/data/quickcheck_*.jsonl) is checked in turn, over and
over, one at a time as the slash command does; each check is timed on its own.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import median, percentile
from dialogs.quickcheck import UnusableDescription, quick_check

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def descriptions() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("quickcheck_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line)["text"]))
    return texts


def _one_pass(texts: list[str], rounds: int) -> tuple[float, list[float]]:
    timings = []
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            before = time.perf_counter()
            with contextlib.suppress(UnusableDescription):
                quick_check(text)
            timings.append(time.perf_counter() - before)
    return len(timings) / (time.perf_counter() - started), timings


def run(*, repeats: int = 5, rounds: int = 10) -> dict[str, Any]:
    texts = descriptions()
    _one_pass(texts, 1)  # warm-up: compiled patterns, caches
    rates, p50s, p99s = [], [], []
    for _ in range(repeats):
        rate, timings = _one_pass(texts, rounds)
        rates.append(rate)
        p50s.append(percentile(timings, 0.50) * 1000)
        p99s.append(percentile(timings, 0.99) * 1000)
    return {
        "descriptions": len(texts),
        "checks_per_s": median(rates),
        "p50_ms": median(p50s),
        "p99_ms": median(p99s),
    }


if __name__ == "__main__":
    print(json.dumps(run(repeats=3), indent=2))
