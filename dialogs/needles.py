"""Words a pattern cannot match without: a cheap test before a regular expression runs.

The quick check tries every lexicon pattern on every description, and most patterns
find nothing. For each pattern this works out a set of literal strings at least one of
which every match must contain ("course" for ``(?:video|online) ?courses?``); where none
is in the text, the pattern is skipped without running. It only ever skips patterns that
could not have matched, so what the quick check finds is unchanged
(tests/dialogs/test_needles.py checks both).
"""

from __future__ import annotations

import importlib
from typing import Any

try:
    # CPython's own regex parser; its public alias (sre_parse) is deprecated. Without it
    # every pattern simply runs.
    parser: Any = importlib.import_module("re._parser")
    constants: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - every supported Python has it
    parser = constants = None

# A needle shorter than this is in nearly every text and saves nothing.
_SHORTEST_USEFUL = 3


def needles(pattern: str) -> frozenset[str] | None:
    """Literal strings, one of which every match of ``pattern`` contains; None if unknown."""
    if parser is None:  # pragma: no cover
        return None
    found = _required(parser.parse(pattern))
    if found is None or min(len(needle) for needle in found) < _SHORTEST_USEFUL:
        return None
    return frozenset(found)


def _required(sequence: Any) -> set[str] | None:
    """The best set of required literals for a sequence of parsed regex items."""
    candidates: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append({"".join(run)})
            run.clear()

    for op, value in sequence:
        if op is constants.LITERAL:
            run.append(chr(value))
            continue
        flush()
        if op is constants.SUBPATTERN:
            inner = _required(value[3])
            if inner is not None:
                candidates.append(inner)
        elif op is constants.BRANCH:
            branches = [_required(branch) for branch in value[1]]
            if all(branch is not None for branch in branches):
                candidates.append(set().union(*(branch for branch in branches if branch is not None)))
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT):
            low, _, inner_sequence = value
            if low >= 1:
                inner = _required(inner_sequence)
                if inner is not None:
                    candidates.append(inner)
        # Anything else (classes, anchors, lookarounds) requires no literal of its own.
    flush()
    if not candidates:
        return None
    # The most selective choice: the set whose shortest needle is longest.
    return max(candidates, key=lambda needles: min(len(needle) for needle in needles))


__all__ = ["needles"]
