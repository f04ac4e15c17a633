"""Agreement of the quick check with labelled descriptions.

Usage: python scripts/evaluate_quickcheck.py [FILE.jsonl ...] [--show-misses] [--bar 0.9]

Each line of a file is {"text": ..., "accept": [verdicts...]}; a verdict agrees when
it is one of the accepted ones. Prints agreement per file and exits 1 if any file is
below the bar. With no files it reads the shared dev set and the project's own sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dialogs.quickcheck import quick_check

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = (
    # A copy of ../shared/examples/quickcheck_dev.jsonl, so the suite runs without shared/.
    ROOT / "tests" / "data" / "quickcheck_dev.jsonl",
    ROOT / "tests" / "data" / "quickcheck_labelled.jsonl",
    ROOT / "tests" / "data" / "quickcheck_holdout.jsonl",
)


def evaluate(path: Path) -> tuple[int, int, list[tuple[str, list[str], str]]]:
    agreed = total = 0
    misses: list[tuple[str, list[str], str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        verdict = quick_check(item["text"]).verdict.value
        total += 1
        if verdict in item["accept"]:
            agreed += 1
        else:
            misses.append((item["text"], item["accept"], verdict))
    return agreed, total, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--bar", type=float, default=0.9)
    args = parser.parse_args(argv)
    files = args.files or [path for path in DEFAULT_FILES if path.exists()]
    failed = False
    for path in files:
        agreed, total, misses = evaluate(path)
        share = agreed / total if total else 0.0
        status = "ok" if share >= args.bar else "BELOW BAR"
        print(f"{path.name}: {agreed}/{total} agree = {share:.1%} ({status}, bar {args.bar:.0%})")
        if args.show_misses:
            for text, accept, verdict in misses:
                print(f"    got {verdict:<16} want {'/'.join(accept):<30} {text}")
        failed |= share < args.bar
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
