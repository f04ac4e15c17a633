"""The quick check's learned weighing: a linear model over lemmas and the lexicon's findings.

The lexicon (dialogs/lexicon.py) knows the phrases the articles name; real pages say the
same things in a thousand other ways ("we'll hop on a call", "a done-for-you design
sprint"). A multinomial logistic model, trained by scripts/train_quickcheck.py on the
tuning sets only (tests/data/README.md), weighs the description's lemmas, their pairs and
what the lexicon found, and gives a probability per verdict. It is deterministic and
ships as package data (dialogs/data/quickcheck_model.json); nothing is fetched.

Every call is explained: ``cues`` are the words whose weights pushed the chosen verdict
most, quoted from the text as written, so a reader sees which phrases drove it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from typing import Any

import numpy as np

from dialogs import weights
from dialogs.tokens import Token

MODEL_FILE = "data/quickcheck_model.json"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Small words carry no evidence alone, and pairs made of them ("of the") carry none either.
STOP_WORDS = _words(
    "the a an and or of to in on for with is are be your you we i our my it this that as at"
    " by from can will all any each their they he she us me so if do just more than into"
    " le la les l des un une et ou de du d à au aux en pour avec est sont votre vos nous"
    " je mon ma mes notre nos il elle ce cette qui que sur par se son sa ses vous"
    # The lemmas simplemma gives some of them ("je" → "moi", "des" → "un").
    " moi toi lui eux être avoir"
    # French's elided small words, split from the word they lean on ("l'offre").
    " l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu' quoiqu'"
)
# Words the model may weigh that tell a reader nothing when quoted alone ("“sell”").
UNQUOTABLE = _words(
    "sell buy offer get make pay use need want new one also every here there more most best"
    " have has had not no what which when where how who before after set plus per may can"
    " would should could like way thing things"
    " vendre acheter offrir obtenir faire payer utiliser nouveau pas ne plus comme"
)

# A lexicon finding enters the model as a feature with this prefix; it has no words to quote.
FINDING = "lex:"


def word_features(lemmas: Sequence[str]) -> set[str]:
    """The lemmas and the pairs of neighbouring lemmas a description is made of."""
    words = [lemma for lemma in lemmas if not lemma.isdigit()]
    features = {word for word in words if word not in STOP_WORDS and len(word) > 1}
    features.update(
        f"{first} {second}"
        for first, second in pairwise(words)
        if first not in STOP_WORDS and second not in STOP_WORDS
    )
    return features


@dataclass(frozen=True)
class LearnedCue:
    """Written words that pushed a call: the feature they make, where they are, how hard."""

    phrase: str
    feature: str
    start: int
    weight: float


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    # feature → one weight per class, in the order of ``classes``.
    weights: Mapping[str, tuple[float, ...]]
    # Dividing the scores by it makes the probabilities as sure as the calls turned out
    # to be across the training folds.
    temperature: float

    def has_evidence(self, features: Iterable[str]) -> bool:
        """Whether there is anything to go on: a lexicon phrase, or words with weights."""
        return any(feature in self.weights for feature in features)

    def known(self, features: Iterable[str]) -> list[str]:
        return sorted(feature for feature in features if feature in self.weights)

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        scores = list(self.bias)
        for feature in self.known(features):
            for index, weight in enumerate(self.weights[feature]):
                scores[index] += weight
        top = max(scores)
        exps = [math.exp((score - top) / self.temperature) for score in scores]
        total = sum(exps)
        return {klass: value / total for klass, value in zip(self.classes, exps, strict=True)}

    def pulls(self, klass: str) -> Mapping[str, float]:
        """For every feature, how much it favours ``klass`` over the average of the others."""
        return self._pulls[klass]

    @cached_property
    def _pulls(self) -> dict[str, dict[str, float]]:
        # Worked out once: explaining a call looks up every word of the description.
        pulls: dict[str, dict[str, float]] = {}
        for index, klass in enumerate(self.classes):
            pulls[klass] = {
                feature: weights[index] - (sum(weights) - weights[index]) / (len(weights) - 1)
                for feature, weights in self.weights.items()
            }
        return pulls

    def to_json(self) -> dict[str, object]:
        return {
            "classes": list(self.classes),
            "bias": list(self.bias),
            "temperature": self.temperature,
            "weights": {feature: list(values) for feature, values in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        return cls(
            classes=tuple(str(klass) for klass in data["classes"]),
            bias=tuple(float(value) for value in data["bias"]),
            weights={
                str(feature): tuple(float(value) for value in values)
                for feature, values in data["weights"].items()
            },
            temperature=float(data["temperature"]),
        )


@dataclass(frozen=True)
class DenseModel:
    """A linear model over a description's embedding (dialogs/embedding.py)."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    # One row per embedding dimension, one column per class.
    matrix: tuple[tuple[float, ...], ...]

    @cached_property
    def _arrays(self) -> tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.float64]]]:
        return np.array(self.matrix, dtype=np.float64), np.array(self.bias, dtype=np.float64)

    def probabilities(self, vector: np.ndarray[Any, np.dtype[np.float64]]) -> dict[str, float]:
        matrix, bias = self._arrays
        scores = vector @ matrix + bias
        exps = np.exp(scores - scores.max())
        shares = exps / exps.sum()
        return {klass: float(share) for klass, share in zip(self.classes, shares, strict=True)}

    def to_json(self) -> dict[str, object]:
        return {
            "classes": list(self.classes),
            "bias": list(self.bias),
            "matrix": [list(row) for row in self.matrix],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DenseModel:
        return cls(
            classes=tuple(str(klass) for klass in data["classes"]),
            bias=tuple(float(value) for value in data["bias"]),
            matrix=tuple(tuple(float(value) for value in row) for row in data["matrix"]),
        )


def rescaled(probabilities: Mapping[str, float], temperature: float) -> dict[str, float]:
    """The probabilities made surer (a temperature below 1) or less sure (above 1)."""
    # A verdict the mix rules out entirely stays ruled out.
    logits = {klass: math.log(p) / temperature if p > 0 else -math.inf for klass, p in probabilities.items()}
    top = max(logits.values())
    exps = {klass: math.exp(value - top) for klass, value in logits.items()}
    total = sum(exps.values())
    return {klass: value / total for klass, value in exps.items()}


def blend(
    words: Mapping[str, float], meaning: Mapping[str, float], share: float, temperature: float
) -> dict[str, float]:
    """The word model's probabilities mixed with the embedding model's, ``share`` of them,
    at the ``temperature`` that makes the mix as sure as its calls turned out to be:
    averaging two models that often agree leaves each verdict less sure than it is."""
    mixed = {klass: (1 - share) * words[klass] + share * meaning[klass] for klass in words}
    return rescaled(mixed, temperature)


@dataclass(frozen=True)
class Models:
    """The verdict models (words, and meaning), and the model that names a hybrid's shape."""

    verdict: LinearModel
    meaning: DenseModel
    # The temperature of the two verdict models' mix (``blend``).
    blend_temperature: float
    shape: LinearModel


@cache
def models() -> Models:
    text = resources.files("dialogs").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    return Models(
        verdict=LinearModel.from_json(data["verdict"]),
        meaning=DenseModel.from_json(data["meaning"]),
        blend_temperature=float(data["blend"]["temperature"]),
        shape=LinearModel.from_json(data["shape"]),
    )


def cues(
    model: LinearModel, tokens: Sequence[Token], text: str, klass: str, *, limit: int
) -> list[LearnedCue]:
    """The written words whose weights favour ``klass`` most, strongest first, none twice."""
    found: dict[str, LearnedCue] = {}
    lemmas = [token.lemma for token in tokens]
    pulls = model.pulls(klass)
    for index, token in enumerate(tokens):
        candidates = [(token.lemma, token.start, token.end)]
        if index + 1 < len(tokens):
            candidates.append((f"{lemmas[index]} {lemmas[index + 1]}", token.start, tokens[index + 1].end))
        for feature, start, end in candidates:
            pull = pulls.get(feature, 0.0)
            if pull < weights.QUICK_MIN_QUOTED_PULL or feature in found or feature in UNQUOTABLE:
                continue
            found[feature] = LearnedCue(phrase=text[start:end], feature=feature, start=start, weight=pull)
    chosen: list[LearnedCue] = []
    for cue in sorted(found.values(), key=lambda cue: (-cue.weight, cue.start)):
        if any(cue.phrase in other.phrase or other.phrase in cue.phrase for other in chosen):
            continue
        chosen.append(cue)
        if len(chosen) == limit:
            break
    return chosen


__all__ = [
    "FINDING",
    "STOP_WORDS",
    "DenseModel",
    "LearnedCue",
    "LinearModel",
    "Models",
    "blend",
    "cues",
    "models",
    "rescaled",
    "word_features",
]
