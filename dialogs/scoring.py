"""From answers to a verdict: evidence per factor, the verdict, its confidence and the
ITIL reading. Every number used here comes from ``dialogs.weights``; every sentence from
the catalogs, through ``dialogs.wording`` (the result keeps them in English as its record).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dialogs import weights, wording
from dialogs.bank import Step, StepRole, Tag
from dialogs.factors import SOURCES, Factor, Lean, Pole
from dialogs.messages import DEFAULT_LANGUAGE, render
from dialogs.quickcheck import find_signals
from dialogs.roadmap import build_roadmap
from dialogs.session import Answer
from dialogs.verdict import (
    Classification,
    FactorReading,
    HybridShape,
    ItilReading,
    Owner,
    Quote,
    Reading,
    Relationship,
    Verdict,
)

_CORE_FACTORS = (Factor.EFFORT, Factor.VALUE_SOURCE)


@dataclass(frozen=True)
class Said:
    """What a piece of evidence quotes, with the labels the bank gave its options."""

    quote: Quote
    labels: tuple[str, ...] | None = None


@dataclass
class _FactorEvidence:
    product: float = 0.0
    service: float = 0.0
    weight: float = 0.0
    # (strength, what the member said, its pole) for the line of why.
    reasons: list[tuple[float, Said, Pole | None]] = field(default_factory=list)

    def add(
        self,
        lean: Lean,
        weight: float,
        said: Said,
        *,
        quote_priority: float = 1.0,
    ) -> None:
        """Count one piece of evidence; ``quote_priority`` ranks it as the line of why.

        The options of one multiple-choice answer share its weight, but each is as
        quotable as a single-choice answer, so the ranking does not use the weight.
        """
        product, service = weights.LEAN_PARTS[lean]
        self.product += product * weight
        self.service += service * weight
        self.weight += weight
        pole = Pole.PRODUCT if product > service else Pole.SERVICE if service > product else None
        strength = (abs(service - product) + weights.REASON_TIE_BREAK) * quote_priority
        self.reasons.append((strength, said, pole))

    @property
    def has_evidence(self) -> bool:
        return self.weight > 0

    def parts(self) -> tuple[float, float]:
        if not self.has_evidence:
            return 0.0, 0.0
        return self.product / self.weight, self.service / self.weight


@dataclass(frozen=True)
class Evidence:
    """What the answers say, gathered before any verdict is drawn."""

    factors: dict[Factor, _FactorEvidence]
    tags: frozenset[Tag]
    family: str | None
    stage: str | None
    goal: str | None
    description: str | None


def gather(answered: Sequence[tuple[Step, Answer]]) -> Evidence:
    factors = {factor: _FactorEvidence() for factor in Factor}
    tags: set[Tag] = set()
    family = stage = goal = description = None
    for step, answer in answered:
        if answer.skipped:
            continue
        if step.role is StepRole.DESCRIPTION and answer.text:
            description = answer.text
            for signal in find_signals(answer.text):
                lean = Lean.PRODUCT if signal.leans is Pole.PRODUCT else Lean.SERVICE
                weight = weights.DESCRIPTION_WEIGHT * signal.weight
                said = Said(Quote(step=step.id, phrase=signal.phrase))
                factors[signal.factor].add(lean, weight, said, quote_priority=weight)
                tags.update(signal.tags)
            continue
        chosen = [step.option(option_id) for option_id in answer.options]
        if step.role is StepRole.STAGE:
            stage = chosen[0].id
        elif step.role is StepRole.GOAL:
            goal = chosen[0].id
        for option in chosen:
            tags.update(option.tags)
            family = option.family or family
        # A multiple-choice step is one answer: its options share one unit of weight
        # per factor, so ticking more boxes does not outvote a single-choice question.
        per_factor: dict[Factor, list[Lean]] = {}
        for option in chosen:
            for factor, lean in option.signals.items():
                per_factor.setdefault(factor, []).append(lean)
        for factor, leans in per_factor.items():
            speaking = [option for option in chosen if factor in option.signals]
            said = Said(
                Quote(step=step.id, options=tuple(option.id for option in speaking)),
                tuple(option.label for option in speaking),
            )
            for lean in leans:
                factors[factor].add(lean, 1.0 / len(leans), said)
    return Evidence(factors, frozenset(tags), family, stage, goal, description)


def _reading(lean: float, has_evidence: bool) -> Reading:
    if not has_evidence:
        return "unknown"
    if lean <= -weights.FACTOR_LEAN_THRESHOLD:
        return "product"
    if lean >= weights.FACTOR_LEAN_THRESHOLD:
        return "service"
    return "both"


def read_factors(evidence: Evidence) -> tuple[FactorReading, ...]:
    readings = []
    for factor in Factor:
        item = evidence.factors[factor]
        product, service = item.parts()
        lean = service - product
        reading = _reading(lean, item.has_evidence)
        quoting = _quoted_reason(reading, item)
        said = quoting[1] if quoting is not None else None
        if said is None:
            why = wording.why(factor, reading, None)
        else:
            why = wording.why(factor, reading, said.quote, said.labels)
        readings.append(
            FactorReading(
                factor=factor,
                title=render(wording.factor_title(factor), DEFAULT_LANGUAGE),
                product=round(product, 3),
                service=round(service, 3),
                lean=round(lean, 3),
                reading=reading,
                why=render(why, DEFAULT_LANGUAGE),
                source=SOURCES[factor],
                quote=said.quote if said is not None else None,
            )
        )
    return tuple(readings)


def _quoted_reason(reading: Reading, item: _FactorEvidence) -> tuple[float, Said, Pole | None] | None:
    """The answer a line of why quotes: the strongest one for the reading's pole."""
    if reading not in ("product", "service"):
        return None
    pole = Pole(reading)
    relevant = [reason for reason in item.reasons if reason[2] is pole] or item.reasons
    return max(relevant, key=lambda reason: reason[0])


def _weighted_poles(readings: Iterable[FactorReading]) -> tuple[float, float, float]:
    """Overall (product, service) evidence and the share of factor weight answered."""
    product = service = answered = 0.0
    total = sum(weights.FACTOR_WEIGHTS.values())
    for reading in readings:
        if reading.reading == "unknown":
            continue
        weight = weights.FACTOR_WEIGHTS[reading.factor]
        product += weight * reading.product
        service += weight * reading.service
        answered += weight
    if answered == 0:
        return 0.0, 0.0, 0.0
    return product / answered, service / answered, answered / total


def decide(
    readings: Sequence[FactorReading], tags: frozenset[Tag]
) -> tuple[Verdict, HybridShape | None, float]:
    product, service, coverage = _weighted_poles(readings)
    lean = service - product
    core = [
        reading.lean
        for reading in readings
        if reading.factor in _CORE_FACTORS and reading.reading != "unknown"
    ]
    product_core = (sum(core) / len(core) if core else lean) < 0

    shape: HybridShape | None = None
    if product_core and Tag.PROVIDER_RUNS_IT in tags:
        shape = HybridShape.PRODUCT_AS_A_SERVICE
    elif product_core and Tag.SERVICE_LAYER in tags:
        shape = HybridShape.PRODUCT_WITH_SERVICE_LAYER
    elif not product_core and Tag.FIXED_SCOPE in tags:
        shape = HybridShape.PRODUCTIZED_SERVICE
    coverage_factor = weights.COVERAGE_FLOOR + (1 - weights.COVERAGE_FLOOR) * coverage
    if shape is not None:
        confidence = weights.HYBRID_SHAPE_CONFIDENCE + weights.HYBRID_COVERAGE_SPAN * coverage * (
            1 - abs(lean) / 2
        )
        return Verdict.HYBRID, shape, round(min(confidence, weights.HYBRID_CONFIDENCE_CAP), 2)

    balanced = abs(lean) < weights.HYBRID_BAND and min(product, service) >= weights.HYBRID_MIN_SIDE
    if balanced or lean == 0:
        shape = HybridShape.PRODUCT_WITH_SERVICE_LAYER if product_core else HybridShape.PRODUCTIZED_SERVICE
        confidence = weights.HYBRID_BALANCE_CONFIDENCE + weights.HYBRID_COVERAGE_SPAN * coverage * (
            1 - abs(lean) / weights.HYBRID_BAND
        )
        return Verdict.HYBRID, shape, round(confidence, 2)

    strength = min(1.0, abs(lean) / weights.STRONG_LEAN)
    confidence = weights.CONFIDENCE_BASE + weights.CONFIDENCE_SPAN * strength * coverage_factor
    verdict = Verdict.DIGITAL_PRODUCT if lean < 0 else Verdict.DIGITAL_SERVICE
    return verdict, None, round(confidence, 2)


_ITIL_SOURCE = "seeds 002 and 003 (ITIL 4), seed 004 (product and service)"

# Who carries the costs and risks after the sale, by the reading of that factor.
_ITIL_BY_READING: dict[Reading, tuple[Owner, Relationship]] = {
    "product": ("customer", "one-directional"),
    "service": ("provider", "two-way"),
    "both": ("shared", "mixed"),
}


def read_itil(
    readings: Sequence[FactorReading], verdict: Verdict, shape: HybridShape | None = None
) -> ItilReading:
    ownership = next(reading for reading in readings if reading.factor is Factor.OWNERSHIP)
    reading: Reading = ownership.reading
    if shape is HybridShape.PRODUCT_WITH_SERVICE_LAYER and reading == "service":
        # The bike and its classes (seed 004): the customer owns the product outright;
        # only the layer of help around it stays with the provider.
        reading = "both"
    if reading == "unknown":
        # No answer spoke to it: read the relationship from the verdict itself.
        fallback: dict[Verdict, Reading] = {
            Verdict.DIGITAL_PRODUCT: "product",
            Verdict.DIGITAL_SERVICE: "service",
        }
        reading = fallback.get(verdict, "both")
    owner, relationship = _ITIL_BY_READING[reading]
    return ItilReading(
        cost_and_risk_owner=owner,
        relationship=relationship,
        source=_ITIL_SOURCE,
        text=render(wording.itil_text(owner), DEFAULT_LANGUAGE),
    )


def classify(answered: Sequence[tuple[Step, Answer]]) -> Classification:
    """Score an interview's on-path answers (each step with its answer) into a full result
    with its roadmap."""
    evidence = gather(answered)
    readings = read_factors(evidence)
    verdict, shape, confidence = decide(readings, evidence.tags)
    return Classification(
        verdict=verdict,
        hybrid_shape=shape,
        subtype=evidence.family,
        confidence=confidence,
        summary=render(wording.summary(verdict, shape), DEFAULT_LANGUAGE),
        factors=readings,
        itil=read_itil(readings, verdict, shape),
        roadmap=build_roadmap(
            verdict, shape, readings, evidence.tags, stage=evidence.stage, goal=evidence.goal
        ),
        stage=evidence.stage,
        goal=evidence.goal,
        description=evidence.description,
    )
