"""The quick check's prefilter skips only patterns that could not have matched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.needles import needles
from dialogs.quickcheck import _compiled, _normalise
from dialogs.tokens import language_of, lemma_text, tokenize

DATA = Path(__file__).resolve().parents[1] / "data"


def descriptions() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("quickcheck_*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return texts


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(?:video|online) ?courses?", {"course"}),
        ("colou?r", {"colo"}),
        ("e-?books?|kindle", {"book", "kindle"}),
        ("(?:a|the) book\\b", {" book"}),
        # An alternative with no literal of its own, or one too short, gives no test.
        ("[a-z]+ly|templates?", None),
        ("as-?is|off-the-shelf", None),
        ("(?:x|)abc", {"abc"}),
        ("(?:pre)?sets?", {"set"}),
    ],
)
def test_needles_are_what_every_match_contains(pattern: str, expected: set[str] | None) -> None:
    assert needles(pattern) == (None if expected is None else frozenset(expected))


def test_no_pattern_matches_a_description_without_one_of_its_needles() -> None:
    compiled = _compiled()
    checked = 0
    for description in descriptions():
        text = _normalise(description)
        lemmas = lemma_text(tokenize(text, language_of(text))).text
        for entry in compiled:
            for target in (text, lemmas):
                if entry.needles is not None and entry.regex.search(target):
                    assert any(needle in target for needle in entry.needles), (entry.entry.pattern, target)
                    checked += 1
    assert checked > 1000


_WORDS = st.sampled_from(
    [
        "a",
        "the",
        "course",
        "courses",
        "e-book",
        "templates",
        "template",
        "coaching",
        "sessions",
        "weekly",
        "calls",
        "done",
        "for",
        "you",
        "retainer",
        "hourly",
        "per",
        "month",
        "subscription",
        "saas",
        "hosted",
        "we",
        "i",
        "sell",
        "not",
        "no",
        "unlike",
        "video",
        "pre-recorded",
        "self-paced",
        "licence",
        "license",
        "fonts",
        "preset",
        "presets",
        "app",
        "apps",
        "game",
        "plugin",
        "notion",
        "agency",
        "audit",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=25))
def test_the_prefilter_changes_no_match_on_any_text(words: list[str]) -> None:
    text = _normalise(" ".join(words))
    for entry in _compiled():
        assert [match.span() for match in entry.finditer(text)] == [
            match.span() for match in entry.regex.finditer(text)
        ], entry.entry.pattern
