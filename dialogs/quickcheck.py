"""The quick check: a verdict from one free-text description, offline and explained.

It finds the lexicon's phrases in the text (dialogs/lexicon.py), handles negation
("no calls"), phrases that name the buyer rather than the offering ("templates for
coaches") and clauses about the past, then weighs the evidence for each pole with the
numbers in dialogs/weights.py. With too little evidence it says ``unclear`` rather
than guess. The same reading feeds the interview's optional description step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from dialogs import weights
from dialogs.bank import Tag
from dialogs.factors import Factor, Pole
from dialogs.lexicon import LEXICON, Entry
from dialogs.messages import DEFAULT_LANGUAGE, Msg, render
from dialogs.text import TextProblem, clean_text
from dialogs.tokens import language_of, lemma_text, tokenize
from dialogs.verdict import HybridShape, Verdict
from dialogs.wording import quick_explanation

MAX_DESCRIPTION_LENGTH = 2000

_NEGATORS = frozenset(
    {
        "no",
        "not",
        "never",
        "without",
        "don't",
        "dont",
        "doesn't",
        "doesnt",
        "isn't",
        "isnt",
        "aren't",
        "won't",
        "didn't",
        "nor",
        "zero",
        "non",
        "nothing",
        "none",
    }
)
# Words that make the phrase after them the buyer or the author, not the offering:
# "templates for coaches", "a course by a life coach", "a licence per developer".
_AUDIENCE_WORDS = frozenset({"for", "by", "per"})
_AUDIENCE_WINDOW = 4
_SELLING = re.compile(r"\b(?:sell|sells|selling|sold|market|marketed|offer|offered)\b")
# A negation or a past-tense clause reaches no further than the clause it is in.
_CLAUSE_BREAK = re.compile(r"[.;:!?()\[\]—–]|,|\bbut\b|\bso\b|\bnow\b|\bthen\b|\band\b")
_CONTRAST = re.compile(
    r"(?<![\w])(?:unlike|instead of|rather than|as opposed to|versus|vs\.?|alternative to|"
    r"no need for|without the need for|contrairement à|au lieu de|plutôt que|sans)(?![\w])"
)
_PAST_MARKERS = re.compile(
    r"\b(?:started out|used to|at first|originally|previously|"
    r"in the past|no longer)\b"
)
_WORD = re.compile(r"[a-z0-9$][a-z0-9'$.:/&-]*")
_ENGLISH_WORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "i",
        "we",
        "you",
        "my",
        "our",
        "your",
        "and",
        "or",
        "for",
        "to",
        "of",
        "in",
        "on",
        "with",
        "is",
        "it",
        "sell",
        "this",
        "that",
        "me",
        "do",
        "what",
        "how",
    }
)


class Signal(BaseModel):
    """One phrase found in a description and what it says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phrase: str
    factor: Factor
    leans: Pole
    weight: float = Field(exclude=True)
    tags: tuple[Tag, ...] = Field(default=(), exclude=True)
    family: str | None = Field(default=None, exclude=True)


class QuickCheck(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    confidence: float = Field(ge=0, le=1)
    signals: tuple[Signal, ...]
    # In English, as a record; front ends word it for the reader (dialogs.wording).
    explanation: str
    hybrid_shape: HybridShape | None = Field(default=None, exclude=True)
    family: str | None = Field(default=None, exclude=True)
    # The text reads as a language other than English and French, which it cannot read.
    unread_language: bool = Field(default=False, exclude=True)


class UnusableDescription(ValueError):
    """The description cannot be read at all (empty, too long, control characters)."""

    def __init__(self, problem: Msg) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class _Compiled:
    entry: Entry
    regex: re.Pattern[str]


@cache
def _compiled() -> tuple[_Compiled, ...]:
    # The group makes the word-boundary guards bind to every alternative of an entry, not
    # only to its first and last ("app" is not in "happy", "custom" not in "customers").
    return tuple(_Compiled(entry, re.compile(rf"(?<![\w$])(?:{entry.pattern})(?![\w])")) for entry in LEXICON)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def _clause_start(text: str, position: int) -> int:
    start = 0
    for match in _CLAUSE_BREAK.finditer(text, 0, position):
        start = match.end()
    return start


def _words_before(text: str, start: int, count: int) -> list[tuple[int, str]]:
    clause = _clause_start(text, start)
    words = [(match.start() + clause, match.group()) for match in _WORD.finditer(text[clause:start])]
    return words[-count:]


def find_signals(description: str) -> list[Signal]:
    """Every signal in the text, longest phrases first where two overlap."""
    text = _normalise(description)
    lang = language_of(text)
    lemmas = lemma_text(tokenize(text, lang))
    found: list[tuple[int, int, Entry]] = []
    for compiled in _compiled():
        entry = compiled.entry
        if entry.lang != lang and not (entry.lang == "en" and entry.on == "text"):
            # English phrases as written also count in French text, which borrows them
            # ("templates", "SaaS", "freelance"); lemma phrases belong to one language.
            continue
        if entry.on == "text":
            spans = [(match.start(), match.end()) for match in compiled.regex.finditer(text)]
        else:
            spans = [
                original
                for match in compiled.regex.finditer(lemmas.text)
                if (original := lemmas.original(match.start(), match.end())) is not None
            ]
        found.extend((start, end, entry) for start, end in spans if end > start)
    found.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
    taken: list[tuple[int, int]] = []
    signals: list[tuple[int, Signal]] = []
    past_spans = _past_spans(text)
    for start, end, entry in found:
        if not entry.marker:
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
        before = _words_before(text, start, weights.NEGATION_WINDOW)
        if entry.audience and _names_audience(text, start, _words_before(text, start, _AUDIENCE_WINDOW)):
            continue
        negator = next((position for position, word in before if word in _NEGATORS), None)
        contrast = _CONTRAST.search(text, _clause_start(text, start), start)
        if negator is None and contrast is not None:
            # "ready-made, unlike bespoke design": what an offering is set against is
            # what it is not, as far as the clause reaches.
            negator = contrast.start()
        weight = weights.PHRASE_WEIGHTS[entry.strength]
        pole = entry.pole
        phrase_start = start
        if negator is not None:
            if entry.negation == "drop":
                continue
            pole = Pole.SERVICE if pole is Pole.PRODUCT else Pole.PRODUCT
            weight *= weights.NEGATION_FLIP_WEIGHT
            phrase_start = negator
        if any(p_start <= start < p_end for p_start, p_end in past_spans):
            weight *= weights.PAST_CLAUSE_WEIGHT
        tags = entry.tags if negator is None else ()
        signals.append(
            (
                start,
                Signal(
                    phrase=text[phrase_start:end],
                    factor=entry.factor,
                    leans=pole,
                    weight=weight,
                    tags=tags,
                    family=entry.family,
                ),
            )
        )
    signals.sort(key=lambda item: item[0])
    return [signal for _, signal in signals]


def _names_audience(text: str, start: int, before: list[tuple[int, str]]) -> bool:
    if any(word in _AUDIENCE_WORDS for _, word in before):
        return True
    # "to" names the buyer only after selling: "I sell templates to designers", but not
    # "chat to a trainer".
    if any(word == "to" for _, word in before) and _SELLING.search(text, _clause_start(text, start), start):
        return True
    return (
        re.search(r"(?:co-)?written with (?:a |an |the )?[a-z ]*$", text[max(0, start - 40) : start])
        is not None
    )


def _past_spans(text: str) -> list[tuple[int, int]]:
    """Clauses that talk about what the member used to sell."""
    spans = []
    for marker in _PAST_MARKERS.finditer(text):
        end = len(text)
        turn = re.search(r"\bbut\b|\bnow\b|\bthese days\b|\btoday\b", text[marker.end() :])
        if turn:
            end = marker.end() + turn.start()
        spans.append((_clause_start(text, marker.start()), end))
    return spans


def _tags(signals: list[Signal]) -> set[Tag]:
    tags = {tag for signal in signals for tag in signal.tags}
    software = any(
        signal.family in ("software or app", "digital platform or SaaS") and signal.leans is Pole.PRODUCT
        for signal in signals
    )
    if software and Tag.RECURRING_REVENUE in tags:
        # Software sold by the month is software someone keeps running: SaaS (seed 003).
        tags.add(Tag.PROVIDER_RUNS_IT)
    return tags


def assess(signals: list[Signal]) -> tuple[Verdict, HybridShape | None, float, float, float]:
    product = sum(s.weight for s in signals if s.leans is Pole.PRODUCT)
    service = sum(s.weight for s in signals if s.leans is Pole.SERVICE)
    total = product + service
    tags = _tags(signals)
    if total < weights.QUICK_UNCLEAR_BELOW:
        return Verdict.UNCLEAR, None, 0.0, product, service
    side = weights.QUICK_HYBRID_MIN_SIDE
    shape: HybridShape | None = None
    if Tag.PROVIDER_RUNS_IT in tags and product >= side:
        shape = HybridShape.PRODUCT_AS_A_SERVICE
    elif Tag.SERVICE_LAYER in tags and product >= side:
        shape = HybridShape.PRODUCT_WITH_SERVICE_LAYER
    elif Tag.FIXED_SCOPE in tags and service >= side and service >= product:
        shape = HybridShape.PRODUCTIZED_SERVICE
    elif min(product, service) >= side and min(product, service) >= weights.QUICK_HYBRID_RATIO * max(
        product, service
    ):
        shape = (
            HybridShape.PRODUCT_WITH_SERVICE_LAYER
            if Tag.FIXED_SCOPE not in tags
            else HybridShape.PRODUCTIZED_SERVICE
        )
    if shape is not None:
        verdict = Verdict.HYBRID
        margin = min(product, service) / max(product, service)
    else:
        verdict = Verdict.DIGITAL_PRODUCT if product > service else Verdict.DIGITAL_SERVICE
        margin = abs(product - service) / total
    amount = min(1.0, total / weights.QUICK_FULL_EVIDENCE)
    confidence = weights.QUICK_CONFIDENCE_BASE + weights.QUICK_CONFIDENCE_SPAN * amount * margin
    return verdict, shape, round(confidence, 2), product, service


def quick_check(description: str) -> QuickCheck:
    """Classify one description; raise UnusableDescription if there is nothing to read."""
    cleaned = clean_text(description, max_length=MAX_DESCRIPTION_LENGTH)
    if isinstance(cleaned, TextProblem):
        raise UnusableDescription(cleaned.message)
    signals = find_signals(cleaned)
    verdict, shape, confidence, _, _ = assess(signals)
    families = [signal.family for signal in signals if signal.family]
    family = max(set(families), key=families.count) if families else None
    unread_language = (
        verdict is Verdict.UNCLEAR
        and _looks_non_english(cleaned)
        and language_of(_normalise(cleaned)) != "fr"
    )
    explanation = quick_explanation(verdict, shape, signals, unread_language=unread_language)
    return QuickCheck(
        verdict=verdict,
        confidence=confidence,
        signals=tuple(signals),
        explanation=render(explanation, DEFAULT_LANGUAGE),
        hybrid_shape=shape,
        family=family,
        unread_language=unread_language,
    )


def _looks_non_english(text: str) -> bool:
    words = re.findall(r"\w+", text.casefold())
    if not words:
        return False
    english = sum(word in _ENGLISH_WORDS for word in words)
    return english == 0 and (len(words) >= 3 or any(ord(char) > 127 for char in text))
