"""Train the quick check's learned model on the tuning sets, reproducibly.

Usage: python -m scripts.train_quickcheck [--check]

It reads only the sets tests/data/README.md marks as tuned on (the held-out sets are
for reporting), cross-validates on them to print how the model does on rows it did not
see and to fit the temperature that makes its probabilities honest, then trains on all
of them and writes dialogs/data/quickcheck_model.json. The same data and code give the
same file: full-batch gradient descent, fixed folds, no randomness (the embedding model's
numpy arithmetic may differ in its last bits between machines). ``--check`` trains again
and exits 1 if the shipped weights differ by more than TOLERANCE (the test suite runs it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from dialogs import weights
from dialogs.embedding import embed
from dialogs.learned import FINDING, MODEL_FILE, DenseModel, LinearModel, blend, rescaled
from dialogs.quickcheck import MAX_DESCRIPTION_LENGTH, decide, model_features, too_thin
from dialogs.text import clean_text
from dialogs.verdict import HybridShape, Verdict
from scripts.evaluate_quickcheck import DATA, GOALS

Matrix = np.ndarray[Any, np.dtype[np.float64]]
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "dialogs" / MODEL_FILE
# "unclear" is learned too, from descriptions that say nothing about what is sold.
VERDICTS = tuple(verdict.value for verdict in Verdict)
SHAPES = tuple(shape.value for shape in HybridShape)
FOLDS = 5
# Chosen by the cross-validation below, on the tuning sets only.
L2 = 0.002
STEPS = 300
LEARNING_RATE = 1.0
# A feature seen in fewer rows than this is a coincidence of one page, not evidence.
MIN_ROWS = 2
DECIMALS = 5
# The embedding model's settings, chosen the same way.
MEANING_L2 = 0.001
MEANING_STEPS = 500
MEANING_LEARNING_RATE = 2.0
# --check accepts weights this close to what training gives.
TOLERANCE = 1e-4


@dataclass(frozen=True)
class Example:
    text: str
    features: frozenset[str]
    label: str
    accept: tuple[str, ...]
    source_set: str
    fold: int


def tuning_sets() -> list[Path]:
    return [DATA / name for name, (_, held_out) in GOALS.items() if not held_out]


def load_examples(paths: Sequence[Path]) -> tuple[list[Example], list[Example]]:
    """The verdict examples, and the hybrids whose shape is labelled."""
    verdicts: list[Example] = []
    shapes: list[Example] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            text = row["text"]
            # Folds by a hash of the text, so adding a row moves no other row between folds.
            fold = int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % FOLDS
            features = frozenset(model_features(text))
            accept = tuple(row["accept"])
            verdicts.append(Example(text, features, accept[0], accept, path.name, fold))
            if "shape" in row and accept[0] == Verdict.HYBRID.value:
                shapes.append(Example(text, features, row["shape"], (row["shape"],), path.name, fold))
    return verdicts, shapes


def train(examples: Sequence[Example], classes: Sequence[str], temperature: float = 1.0) -> LinearModel:
    """Multinomial logistic regression with an L2 penalty, by full-batch gradient descent."""
    counts = Counter(feature for example in examples for feature in example.features)
    vocabulary = sorted(feature for feature, count in counts.items() if count >= MIN_ROWS)
    index = {feature: position for position, feature in enumerate(vocabulary)}
    rows = [
        (sorted(index[f] for f in example.features if f in index), classes.index(example.label))
        for example in examples
    ]
    k = len(classes)
    matrix = [[0.0] * len(vocabulary) for _ in range(k)]
    bias = [0.0] * k
    n = len(rows)
    for _ in range(STEPS):
        gradient: list[dict[int, float]] = [defaultdict(float) for _ in range(k)]
        bias_gradient = [0.0] * k
        for features, label in rows:
            scores = [bias[c] + sum(matrix[c][i] for i in features) for c in range(k)]
            top = max(scores)
            exps = [math.exp(score - top) for score in scores]
            total = sum(exps)
            for c in range(k):
                error = exps[c] / total - (c == label)
                bias_gradient[c] += error
                for i in features:
                    gradient[c][i] += error
        for c in range(k):
            bias[c] -= LEARNING_RATE * bias_gradient[c] / n
            row = matrix[c]
            for i in range(len(vocabulary)):
                row[i] -= LEARNING_RATE * (gradient[c].get(i, 0.0) / n + L2 * row[i])
    learned = {
        feature: tuple(round(matrix[c][i], DECIMALS) for c in range(k)) for feature, i in index.items()
    }
    return LinearModel(
        classes=tuple(classes),
        bias=tuple(round(value, DECIMALS) for value in bias),
        weights={feature: values for feature, values in learned.items() if any(values)},
        temperature=temperature,
    )


def out_of_fold(examples: Sequence[Example], classes: Sequence[str]) -> list[dict[str, float] | None]:
    """Each example's probabilities from a model trained on the other folds' examples of
    ``classes``; None where that model has nothing to go on."""
    found: list[dict[str, float] | None] = [None for _ in examples]
    for fold in range(FOLDS):
        model = train([e for e in examples if e.fold != fold and e.label in classes], classes)
        for position, example in enumerate(examples):
            if (
                example.fold == fold
                and model.has_evidence(example.features)
                and not too_thin(example.features)
            ):
                found[position] = model.probabilities(example.features)
    return found


def best_temperature(examples: Sequence[Example], probabilities: Sequence[dict[str, float] | None]) -> float:
    """The temperature with the least log loss on the out-of-fold probabilities."""

    def loss(temperature: float) -> float:
        total = 0.0
        for example, probs in zip(examples, probabilities, strict=True):
            if probs is None or example.label not in probs:
                continue
            logits = {klass: math.log(max(p, 1e-12)) / temperature for klass, p in probs.items()}
            top = max(logits.values())
            norm = sum(math.exp(value - top) for value in logits.values())
            total -= logits[example.label] - top - math.log(norm)
        return total

    candidates = [round(0.3 + 0.05 * step, 2) for step in range(55)]
    return min(candidates, key=lambda temperature: (loss(temperature), temperature))


def call(probs: dict[str, float] | None, example: Example, unsure_below: float) -> tuple[str, float]:
    """The verdict and confidence the quick check gives for these probabilities."""
    if probs is None:
        return Verdict.UNCLEAR.value, 0.0
    verdict, confidence = decide(probs, example.features, unsure_below=unsure_below)
    return verdict.value, confidence


def report(
    examples: Sequence[Example],
    scaled: Sequence[dict[str, float] | None],
    temperature: float,
    mix_temperature: float,
) -> None:
    print(
        f"cross-validated on the tuning sets ({FOLDS} folds), word model temperature {temperature}, "
        f"{weights.QUICK_MEANING_SHARE:.0%} from the embedding model, the mix at {mix_temperature}:"
    )
    for threshold in sorted({0.0, 0.3, 0.35, 0.4, weights.QUICK_UNSURE_BELOW, 0.45, 0.5}):
        right = sum(
            call(probs, example, threshold)[0] in example.accept
            for example, probs in zip(examples, scaled, strict=True)
        )
        marker = "  (shipped)" if threshold == weights.QUICK_UNSURE_BELOW else ""
        print(
            f"    unclear below {threshold:.2f}: "
            f"{right}/{len(examples)} = {right / len(examples):.1%}{marker}"
        )
    by_set: dict[str, list[bool]] = defaultdict(list)
    calls: list[tuple[float, bool]] = []
    for example, probs in zip(examples, scaled, strict=True):
        verdict, confidence = call(probs, example, weights.QUICK_UNSURE_BELOW)
        by_set[example.source_set].append(verdict in example.accept)
        calls.append((confidence, verdict in example.accept))
    for name, rights in by_set.items():
        print(f"    {name}: {sum(rights)}/{len(rights)} = {sum(rights) / len(rights):.1%}")
    for low, high in pairwise((0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)):
        band = [right for confidence, right in calls if low <= confidence < high and confidence > 0]
        if band:
            share = sum(band) / len(band)
            print(f"    confidence {low:.1f} to {min(high, 1.0):.1f}: {len(band)} calls, right {share:.0%}")
    confident = [right for confidence, right in calls if confidence >= 0.8]
    if confident:
        print(f"    calls at 0.8 or more: {len(confident)}, right {sum(confident) / len(confident):.1%}")


def report_shapes(examples: Sequence[Example], probabilities: Sequence[dict[str, float] | None]) -> None:
    right = sum(
        probs is not None and max(probs, key=lambda klass: probs[klass]) == example.label
        for example, probs in zip(examples, probabilities, strict=True)
    )
    lexicon = sum(f"{FINDING}shape:{example.label}" in example.features for example in examples)
    print(
        f"hybrid shapes, cross-validated: model {right}/{len(examples)}, "
        f"the lexicon's rules alone {lexicon}/{len(examples)}"
    )


def train_meaning(vectors: Matrix, labels: Sequence[str], classes: Sequence[str]) -> DenseModel:
    """Multinomial logistic regression over embeddings, by full-batch gradient descent."""
    targets = np.eye(len(classes))[[classes.index(label) for label in labels]]
    matrix = np.zeros((vectors.shape[1], len(classes)))
    bias = np.zeros(len(classes))
    for _ in range(MEANING_STEPS):
        scores = vectors @ matrix + bias
        exps = np.exp(scores - scores.max(axis=1, keepdims=True))
        error = exps / exps.sum(axis=1, keepdims=True) - targets
        matrix -= MEANING_LEARNING_RATE * (vectors.T @ error / len(vectors) + MEANING_L2 * matrix)
        bias -= MEANING_LEARNING_RATE * error.mean(axis=0)
    return DenseModel(
        classes=tuple(classes),
        bias=tuple(round(float(value), DECIMALS) for value in bias),
        matrix=tuple(tuple(round(float(value), DECIMALS) for value in row) for row in matrix),
    )


def meaning_out_of_fold(examples: Sequence[Example], vectors: Matrix) -> list[dict[str, float]]:
    found: list[dict[str, float]] = [{} for _ in examples]
    folds = np.array([example.fold for example in examples])
    for fold in range(FOLDS):
        kept = folds != fold
        model = train_meaning(
            vectors[kept], [e.label for e, k in zip(examples, kept, strict=True) if k], VERDICTS
        )
        for position in np.flatnonzero(~kept):
            found[position] = model.probabilities(vectors[position])
    return found


def embeddings(examples: Sequence[Example]) -> Matrix:
    cleaned = [clean_text(example.text, max_length=MAX_DESCRIPTION_LENGTH) for example in examples]
    return embed(
        [
            text if isinstance(text, str) else example.text
            for text, example in zip(cleaned, examples, strict=True)
        ]
    )


def blended(
    words: Sequence[dict[str, float] | None],
    meaning: Sequence[dict[str, float]],
    word_temperature: float,
    share: float,
) -> list[dict[str, float] | None]:
    """The out-of-fold mix of the two verdict models, as the quick check makes it."""
    return [
        None if word is None else blend(rescaled(word, word_temperature), mean, share, 1.0)
        for word, mean in zip(words, meaning, strict=True)
    ]


def calibrated(
    examples: Sequence[Example], mixed: Sequence[dict[str, float] | None]
) -> tuple[float, list[dict[str, float] | None]]:
    """The temperature that makes the mix as sure as its calls were, and the mix at it."""
    temperature = best_temperature(examples, mixed)
    return temperature, [None if probs is None else rescaled(probs, temperature) for probs in mixed]


def build(*, cross_validate: bool) -> dict[str, object]:
    paths = tuning_sets()
    verdict_examples, shape_examples = load_examples(paths)
    vectors = embeddings(verdict_examples)
    # The temperatures are part of what is shipped, so --check needs them too.
    verdict_oof = out_of_fold(verdict_examples, VERDICTS)
    temperature = best_temperature(verdict_examples, verdict_oof)
    meaning_oof = meaning_out_of_fold(verdict_examples, vectors)
    share = weights.QUICK_MEANING_SHARE
    mix_temperature, shipped = calibrated(
        verdict_examples, blended(verdict_oof, meaning_oof, temperature, share)
    )
    if cross_validate:
        for candidate in sorted({0.0, 0.25, share, 0.75}):
            _, mixed = calibrated(verdict_examples, blended(verdict_oof, meaning_oof, temperature, candidate))
            right = sum(
                call(probs, example, weights.QUICK_UNSURE_BELOW)[0] in example.accept
                for example, probs in zip(verdict_examples, mixed, strict=True)
            )
            marker = "  (shipped)" if candidate == share else ""
            print(f"{candidate:.0%} from the embedding model: {right}/{len(verdict_examples)}{marker}")
        report(verdict_examples, shipped, temperature, mix_temperature)
        report_shapes(shape_examples, out_of_fold(shape_examples, SHAPES))
    return {
        "trained_on": {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16] for path in paths},
        "settings": {
            "l2": L2,
            "steps": STEPS,
            "learning_rate": LEARNING_RATE,
            "min_rows": MIN_ROWS,
            "meaning_l2": MEANING_L2,
            "meaning_steps": MEANING_STEPS,
            "meaning_learning_rate": MEANING_LEARNING_RATE,
        },
        "verdict": train(verdict_examples, VERDICTS, temperature).to_json(),
        "meaning": train_meaning(
            vectors, [example.label for example in verdict_examples], VERDICTS
        ).to_json(),
        # The share is recorded beside the temperature fitted for it, so that changing
        # QUICK_MEANING_SHARE without training again fails --check.
        "blend": {"share": share, "temperature": mix_temperature},
        "shape": train(shape_examples, SHAPES).to_json(),
    }


def same_numbers(shipped: object, trained: object) -> bool:
    """Equal, numbers to within TOLERANCE: the embedding model's arithmetic may differ in
    its last bits from one machine's numpy to another's."""
    if isinstance(shipped, dict) and isinstance(trained, dict):
        return shipped.keys() == trained.keys() and all(same_numbers(shipped[k], trained[k]) for k in shipped)
    if isinstance(shipped, list) and isinstance(trained, list):
        return len(shipped) == len(trained) and all(
            same_numbers(a, b) for a, b in zip(shipped, trained, strict=True)
        )
    if isinstance(shipped, (int, float)) and isinstance(trained, (int, float)):
        return abs(shipped - trained) <= TOLERANCE
    return shipped == trained


def serialise(model: dict[str, object]) -> str:
    return json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the shipped model is not what training gives"
    )
    args = parser.parse_args(argv)
    text = serialise(build(cross_validate=not args.check))
    if args.check:
        if not same_numbers(json.loads(OUTPUT.read_text(encoding="utf-8")), json.loads(text)):
            print(
                f"{OUTPUT.relative_to(ROOT)} is not what training gives: "
                "run python -m scripts.train_quickcheck"
            )
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is what training gives")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
