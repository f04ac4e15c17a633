"""The quick check: a verdict from one free-text description, offline and explained.

It finds the lexicon's phrases in the text (dialogs/lexicon.py), handles negation
("no calls"), phrases that name the buyer rather than the offering ("templates for
coaches") and clauses about the past, and composes what it found into a verdict and a
hybrid shape (``assess``). A learned model (dialogs/learned.py) then weighs that reading
together with the description's own words and gives the verdict, its confidence and the
hybrid's shape; the explanation quotes the lexicon's phrases and the words the model
weighed most. With too little to go on, or evidence split in a way it cannot settle, it
says ``unclear`` rather than guess. The lexicon's reading also feeds the interview's
optional description step.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from dialogs import weights
from dialogs.bank import Tag
from dialogs.embedding import embed
from dialogs.factors import Factor, Pole
from dialogs.learned import FINDING, blend, cues, models, word_features
from dialogs.lexicon import LEXICON, Entry
from dialogs.messages import DEFAULT_LANGUAGE, Msg, render
from dialogs.needles import needles
from dialogs.text import TextProblem, clean_text
from dialogs.tokens import Token, language_of, lemma_text, tokenize
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


class Cue(BaseModel):
    """Written words the learned model weighed towards the verdict, and the pole they favour;
    none for words that point to a mix of the two (a hybrid's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phrase: str
    leans: Pole | None


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
    cues: tuple[Cue, ...] = Field(default=(), exclude=True)


class UnusableDescription(ValueError):
    """The description cannot be read at all (empty, too long, control characters)."""

    def __init__(self, problem: Msg) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class _Compiled:
    entry: Entry
    regex: re.Pattern[str]
    # Literals one of which every match contains (dialogs/needles.py); None: always run.
    needles: frozenset[str] | None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.needles is not None and not any(needle in text for needle in self.needles):
            return iter(())
        return self.regex.finditer(text)


@cache
def _compiled() -> tuple[_Compiled, ...]:
    # The group makes the word-boundary guards bind to every alternative of an entry, not
    # only to its first and last ("app" is not in "happy", "custom" not in "customers").
    return tuple(
        _Compiled(entry, re.compile(rf"(?<![\w$])(?:{entry.pattern})(?![\w])"), needles(entry.pattern))
        for entry in LEXICON
    )


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


class _Clauses:
    """Where each clause of a text starts, found once: every phrase asks for its own."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._break_ends = [match.end() for match in _CLAUSE_BREAK.finditer(text)]

    def start(self, position: int) -> int:
        """The start of the clause ``position`` is in."""
        before = bisect_right(self._break_ends, position)
        return self._break_ends[before - 1] if before else 0

    def words_before(self, start: int, count: int) -> list[tuple[int, str]]:
        """The last ``count`` words before ``start`` in its clause, with where they are."""
        clause = self.start(start)
        words = [(match.start() + clause, match.group()) for match in _WORD.finditer(self.text[clause:start])]
        return words[-count:]


@dataclass(frozen=True)
class _Reading:
    text: str
    tokens: list[Token]
    signals: list[Signal]


def find_signals(description: str) -> list[Signal]:
    """Every signal in the text, longest phrases first where two overlap."""
    return _read(description).signals


def _read(description: str) -> _Reading:
    text = _normalise(description)
    lang = language_of(text)
    tokens = tokenize(text, lang)
    lemmas = lemma_text(tokens)
    found: list[tuple[int, int, Entry]] = []
    for compiled in _compiled():
        entry = compiled.entry
        if entry.lang != lang and not (entry.lang == "en" and entry.on == "text"):
            # English phrases as written also count in French text, which borrows them
            # ("templates", "SaaS", "freelance"); lemma phrases belong to one language.
            continue
        if entry.on == "text":
            spans = [(match.start(), match.end()) for match in compiled.finditer(text)]
        else:
            spans = [
                original
                for match in compiled.finditer(lemmas.text)
                if (original := lemmas.original(match.start(), match.end())) is not None
            ]
        found.extend((start, end, entry) for start, end in spans if end > start)
    found.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
    taken: list[tuple[int, int]] = []
    signals: list[tuple[int, Signal]] = []
    clauses = _Clauses(text)
    past_spans = _past_spans(clauses)
    for start, end, entry in found:
        if not entry.marker:
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
        before = clauses.words_before(start, weights.NEGATION_WINDOW)
        if entry.audience and _names_audience(clauses, start, clauses.words_before(start, _AUDIENCE_WINDOW)):
            continue
        negator = next((position for position, word in before if word in _NEGATORS), None)
        contrast = _CONTRAST.search(text, clauses.start(start), start)
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
    return _Reading(text, tokens, [signal for _, signal in signals])


def _names_audience(clauses: _Clauses, start: int, before: list[tuple[int, str]]) -> bool:
    text = clauses.text
    if any(word in _AUDIENCE_WORDS for _, word in before):
        return True
    # "to" names the buyer only after selling: "I sell templates to designers", but not
    # "chat to a trainer".
    if any(word == "to" for _, word in before) and _SELLING.search(text, clauses.start(start), start):
        return True
    return (
        re.search(r"(?:co-)?written with (?:a |an |the )?[a-z ]*$", text[max(0, start - 40) : start])
        is not None
    )


def _past_spans(clauses: _Clauses) -> list[tuple[int, int]]:
    """Clauses that talk about what the member used to sell."""
    text = clauses.text
    spans = []
    for marker in _PAST_MARKERS.finditer(text):
        end = len(text)
        turn = re.search(r"\bbut\b|\bnow\b|\bthese days\b|\btoday\b", text[marker.end() :])
        if turn:
            end = marker.end() + turn.start()
        spans.append((clauses.start(marker.start()), end))
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


@dataclass(frozen=True)
class _LexiconCall:
    verdict: Verdict
    shape: HybridShape | None
    family: str | None


def _lexicon_call(signals: list[Signal]) -> _LexiconCall:
    verdict, shape, _, _, _ = assess(signals)
    families = [signal.family for signal in signals if signal.family]
    family = max(sorted(set(families)), key=families.count) if families else None
    return _LexiconCall(verdict, shape, family)


def _features(reading: _Reading, call: _LexiconCall) -> set[str]:
    # Only the lexicon's conclusions enter the model, not each phrase's factor: the finer
    # findings were tuned on the same rows, and the model learnt to trust them more than
    # they deserve on text it has not met (cross-validation in scripts/train_quickcheck.py).
    features = word_features([token.lemma for token in reading.tokens])
    features.update(f"{FINDING}{signal.leans.value}" for signal in reading.signals)
    if call.verdict is not Verdict.UNCLEAR:
        # The lexicon finding nothing is no evidence: real services described in words it
        # lacks would read like the vague descriptions that deserve "unclear".
        features.add(f"{FINDING}verdict:{call.verdict.value}")
    if call.shape is not None:
        features.add(f"{FINDING}shape:{call.shape.value}")
    return features


def too_thin(features: set[str] | frozenset[str]) -> bool:
    """Whether a description says too little to call: the lexicon reached no verdict and
    there are only a few words to weigh ("des cours", "stuff and lessons")."""
    if any(feature.startswith(f"{FINDING}verdict:") for feature in features):
        return False
    return sum(not feature.startswith(FINDING) for feature in features) < weights.QUICK_THIN_WORDS


def decide(
    probabilities: Mapping[str, float],
    features: set[str] | frozenset[str],
    *,
    unsure_below: float = weights.QUICK_UNSURE_BELOW,
) -> tuple[Verdict, float]:
    """The verdict and its confidence from the model's probabilities (and the lexicon's
    findings among ``features``)."""
    best = max(probabilities, key=lambda klass: probabilities[klass])
    composed = any(feature.startswith(f"{FINDING}shape:") for feature in features)
    if (
        composed
        and best in (Verdict.DIGITAL_PRODUCT.value, Verdict.DIGITAL_SERVICE.value)
        and probabilities[best] < weights.QUICK_PARTS_WIN_BELOW
    ):
        # The lexicon found a product part and the service around it ("a course and
        # weekly coaching sessions"); a pole the model can barely pick does not outweigh
        # that composition (seed 004: the two combine).
        best = Verdict.HYBRID.value
    # Below the bar the evidence is split in a way no verdict or shape explains.
    if best == Verdict.UNCLEAR.value or probabilities[best] < unsure_below:
        return Verdict.UNCLEAR, 0.0
    return Verdict(best), round(probabilities[best], 2)


def model_features(description: str) -> set[str]:
    """What the learned model reads in a description; scripts/train_quickcheck.py trains on it."""
    reading = _read(description)
    return _features(reading, _lexicon_call(reading.signals))


def quick_check(description: str) -> QuickCheck:
    """Classify one description; raise UnusableDescription if there is nothing to read."""
    cleaned = clean_text(description, max_length=MAX_DESCRIPTION_LENGTH)
    if isinstance(cleaned, TextProblem):
        raise UnusableDescription(cleaned.message)
    reading = _read(cleaned)
    call = _lexicon_call(reading.signals)
    features = _features(reading, call)
    model = models()
    verdict, confidence, shape = Verdict.UNCLEAR, 0.0, None
    if model.verdict.has_evidence(features) and not too_thin(features):
        probabilities = blend(
            model.verdict.probabilities(features),
            model.meaning.probabilities(embed([cleaned])[0]),
            weights.QUICK_MEANING_SHARE,
            model.blend_temperature,
        )
        verdict, confidence = decide(probabilities, features)
    found_cues = _cues(reading, verdict)
    if not reading.signals and not found_cues:
        # Nothing worth quoting drove it ("je ne sais pas"), and a verdict is never given
        # without the words it rests on.
        verdict, confidence, found_cues = Verdict.UNCLEAR, 0.0, []
    if verdict is Verdict.HYBRID:
        shapes = model.shape.probabilities(features)
        shape = HybridShape(max(model.shape.classes, key=lambda klass: shapes[klass]))
    unread_language = (
        verdict is Verdict.UNCLEAR
        and _looks_non_english(cleaned)
        and language_of(_normalise(cleaned)) != "fr"
    )
    explanation = quick_explanation(verdict, reading.signals, found_cues, unread_language=unread_language)
    return QuickCheck(
        verdict=verdict,
        confidence=confidence,
        signals=tuple(reading.signals),
        explanation=render(explanation, DEFAULT_LANGUAGE),
        hybrid_shape=shape,
        family=call.family,
        unread_language=unread_language,
        cues=tuple(found_cues),
    )


def _cues(reading: _Reading, verdict: Verdict) -> list[Cue]:
    """The written words the model weighed most for the verdict."""
    if verdict is Verdict.UNCLEAR:
        return []
    model = models().verdict
    leans = {Verdict.DIGITAL_PRODUCT: Pole.PRODUCT, Verdict.DIGITAL_SERVICE: Pole.SERVICE}.get(verdict)
    return [
        Cue(phrase=cue.phrase, leans=leans)
        for cue in cues(model, reading.tokens, reading.text, verdict.value, limit=weights.QUICK_CUES)
    ]


def _looks_non_english(text: str) -> bool:
    words = re.findall(r"\w+", text.casefold())
    if not words:
        return False
    english = sum(word in _ENGLISH_WORDS for word in words)
    return english == 0 and (len(words) >= 3 or any(ord(char) > 127 for char in text))
