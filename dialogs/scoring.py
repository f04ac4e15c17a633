"""From answers to a verdict: evidence per factor, the verdict, its confidence and the
ITIL reading. Every number used here comes from ``dialogs.weights``; every sentence from
the catalogs, through ``dialogs.wording`` (the result keeps them in English as its record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dialogs import weights, wording
from dialogs.bank import Step, StepRole, Tag
from dialogs.catalog import lookup
from dialogs.factors import SOURCES, Factor, Lean, Pole
from dialogs.messages import DEFAULT_LANGUAGE, render
from dialogs.quickcheck import find_signals
from dialogs.roadmap import Member, build_roadmap
from dialogs.session import Answer
from dialogs.verdict import (
    Classification,
    FactorReading,
    HybridShape,
    ItilReading,
    Owner,
    Quote,
    Reading,
    Reason,
    Relationship,
    Verdict,
)

_CORE_FACTORS = (Factor.EFFORT, Factor.VALUE_SOURCE)


@dataclass(frozen=True)
class _Item:
    """One answer's word on one factor: which way it leans, how much it counts, what it
    quotes, and the catalog phrase that says what it means."""

    lean: Lean
    weight: float
    quote: Quote
    phrase: str
    from_description: bool = False

    @property
    def side(self) -> int:
        """-1 towards the product pole, +1 towards the service pole, 0 for both."""
        product, service = weights.LEAN_PARTS[self.lean]
        return (service > product) - (product > service)

    @property
    def firmness(self) -> float:
        product, service = weights.LEAN_PARTS[self.lean]
        return abs(service - product)


@dataclass
class _FactorEvidence:
    items: list[_Item] = field(default_factory=list)

    def add(self, item: _Item) -> None:
        self.items.append(item)

    @property
    def answered(self) -> bool:
        """Whether any question (rather than the free-text description) spoke to it."""
        return any(not item.from_description for item in self.items)

    @property
    def has_evidence(self) -> bool:
        return bool(self.items)

    def parts(self) -> tuple[float, float]:
        total = sum(item.weight for item in self.items)
        if total == 0:
            return 0.0, 0.0
        product = sum(weights.LEAN_PARTS[item.lean][0] * item.weight for item in self.items)
        service = sum(weights.LEAN_PARTS[item.lean][1] * item.weight for item in self.items)
        return product / total, service / total


@dataclass(frozen=True)
class Evidence:
    """What the answers say, gathered before any verdict is drawn."""

    factors: dict[Factor, _FactorEvidence]
    tags: frozenset[Tag]
    family: str | None
    stage: str | None
    goal: str | None
    description: str | None
    # The options chosen at each answered step, by step id, and the bank's labels for
    # them (for a bank other than the shipped one, whose labels no catalog knows).
    chosen: dict[str, tuple[str, ...]] = field(default_factory=dict)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    # Where each tag came from, so the roadmap can say "because you said …".
    tag_quotes: dict[Tag, tuple[Quote, ...]] = field(default_factory=dict)


def _phrase(factor: Factor, lean: Lean, step: str, option: str) -> str:
    """The catalog phrase for what this option says about ``factor``: the option's own
    where its meaning is narrower than its lean ("Yes" to hands-on help is not "a
    two-way relationship"), else the lean's."""
    specific = f"{factor.value}.{step}.{option}"
    if lookup(f"reason.{specific}", DEFAULT_LANGUAGE, None) is not None:
        return specific
    return f"{factor.value}.{lean.value}"


def gather(answered: Sequence[tuple[Step, Answer]]) -> Evidence:
    factors = {factor: _FactorEvidence() for factor in Factor}
    tags: dict[Tag, list[Quote]] = {}
    chosen_by_step: dict[str, tuple[str, ...]] = {}
    labels: dict[tuple[str, str], str] = {}
    family = stage = goal = description = None
    description_step: str | None = None
    for step, answer in answered:
        if answer.skipped:
            continue
        if step.role is StepRole.DESCRIPTION and answer.text:
            description, description_step = answer.text, step.id
            continue
        chosen = [step.option(option_id) for option_id in answer.options]
        chosen_by_step[step.id] = tuple(option.id for option in chosen)
        if step.role is StepRole.STAGE:
            stage = chosen[0].id
        elif step.role is StepRole.GOAL:
            goal = chosen[0].id
        # The offering's family is a hint about where value comes from, not an answer to
        # that question, so its signals count for less than the questions that ask.
        step_weight = weights.PROFILE_WEIGHT if step.role is StepRole.PROFILE else 1.0
        for option in chosen:
            labels[(step.id, option.id)] = option.label
            for tag in option.tags:
                tags.setdefault(tag, []).append(Quote(step=step.id, options=(option.id,)))
            family = option.family or family
        # A multiple-choice step is one answer: its options share one unit of weight
        # per factor, so ticking more boxes does not outvote a single-choice question.
        for factor in Factor:
            speaking = [option for option in chosen if factor in option.signals]
            for option in speaking:
                lean = option.signals[factor]
                factors[factor].add(
                    _Item(
                        lean=lean,
                        weight=step_weight / len(speaking),
                        quote=Quote(step=step.id, options=(option.id,)),
                        phrase=_phrase(factor, lean, step.id, option.id),
                    )
                )
    if description is not None and description_step is not None:
        _read_description(description, description_step, factors)
    return Evidence(
        factors,
        frozenset(tags),
        family,
        stage,
        goal,
        description,
        chosen=chosen_by_step,
        labels=labels,
        tag_quotes={tag: tuple(quotes) for tag, quotes in tags.items()},
    )


def _read_description(description: str, step_id: str, factors: dict[Factor, _FactorEvidence]) -> None:
    """Read the free text for what no question settled: a button answer is the member's
    considered word, so a phrase in passing ("monthly") never outvotes it, and the text
    names no facts (tags) of its own, which only a chosen answer establishes."""
    for signal in find_signals(description):
        if factors[signal.factor].answered:
            continue
        lean = Lean.PRODUCT if signal.leans is Pole.PRODUCT else Lean.SERVICE
        factors[signal.factor].add(
            _Item(
                lean=lean,
                weight=weights.DESCRIPTION_WEIGHT * signal.weight,
                quote=Quote(step=step_id, phrase=signal.phrase),
                phrase=f"{signal.factor.value}.{lean.value}",
                from_description=True,
            )
        )


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
        reasons = _reasons(reading, item.items)
        readings.append(
            FactorReading(
                factor=factor,
                title=render(wording.factor_title(factor), DEFAULT_LANGUAGE),
                product=round(product, 3),
                service=round(service, 3),
                lean=round(lean, 3),
                reading=reading,
                why=render(wording.why_from_reasons(reasons, evidence.labels), DEFAULT_LANGUAGE),
                source=SOURCES[factor],
                reasons=reasons,
            )
        )
    return tuple(readings)


def _reasons(reading: Reading, items: Sequence[_Item]) -> tuple[Reason, ...]:
    """The line of why, as data: the answers that set the reading, and the strongest one
    that pulls the other way, each with the phrase for what it means."""
    if reading == "unknown":
        return ()
    groups: dict[tuple[str, bool], list[_Item]] = {}
    for item in items:
        groups.setdefault((item.phrase, item.from_description), []).append(item)

    def rank(group: list[_Item]) -> tuple[float, float, bool]:
        # Firmest first; among equals, the one that counts most; an answer before a
        # phrase from the description.
        return (group[0].firmness, sum(item.weight for item in group), not group[0].from_description)

    def on_side(side: int) -> list[_Item] | None:
        candidates = [group for group in groups.values() if group[0].side == side]
        return max(candidates, key=rank) if candidates else None

    if reading == "both":
        mixed = on_side(0)
        if mixed is not None:
            return (_reason(mixed),)
        towards_product, towards_service = on_side(-1), on_side(1)
        return tuple(_reason(group) for group in (towards_product, towards_service) if group is not None)
    side = -1 if reading == "product" else 1
    main = on_side(side)
    assert main is not None, "a reading towards a pole has an answer on that side"
    against = on_side(-side) or on_side(0)
    if against is None:
        return (_reason(main),)
    return (_reason(main), _reason(against, contrary=True))


def _reason(group: Sequence[_Item], *, contrary: bool = False) -> Reason:
    """One reason quoting every answer in the group, options of one step together."""
    quotes: dict[str, Quote] = {}
    for item in group:
        step = item.quote.step
        if item.quote.phrase is not None:
            quotes[f"{step}:{item.quote.phrase}"] = item.quote
        elif step in quotes:
            options = (*quotes[step].options, *item.quote.options)
            quotes[step] = Quote(step=step, options=options)
        else:
            quotes[step] = item.quote
    return Reason(phrase=group[0].phrase, quotes=tuple(quotes.values()), contrary=contrary)


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
    readings: Sequence[FactorReading],
    tags: frozenset[Tag],
    chosen: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[Verdict, HybridShape | None, float]:
    product, service, coverage = _weighted_poles(readings)
    lean = service - product
    core = [
        reading.lean
        for reading in readings
        if reading.factor in _CORE_FACTORS and reading.reading != "unknown"
    ]
    core_lean = sum(core) / len(core) if core else lean
    product_core = core_lean < 0
    shape = _named_shape(readings, tags, chosen or {}, core_lean=core_lean)
    coverage_factor = weights.COVERAGE_FLOOR + (1 - weights.COVERAGE_FLOOR) * coverage
    if shape is not None:
        confidence = weights.HYBRID_SHAPE_CONFIDENCE + weights.HYBRID_COVERAGE_SPAN * coverage * (
            1 - abs(lean) / 2
        )
        return Verdict.HYBRID, shape, round(min(confidence, weights.HYBRID_CONFIDENCE_CAP), 2)

    balanced = abs(lean) < weights.HYBRID_BAND and min(product, service) >= weights.HYBRID_MIN_SIDE
    if balanced or lean == 0:
        shape = HybridShape.PRODUCT_WITH_SERVICE_LAYER if product_core else HybridShape.PRODUCTIZED_SERVICE
        if core_lean == 0:
            # Built and worked on in equal measure: what they run or sell beside it names
            # the shape, else a product with its service around it.
            shape = _product_side_shape(tags, chosen or {}) or HybridShape.PRODUCT_WITH_SERVICE_LAYER
        confidence = weights.HYBRID_BALANCE_CONFIDENCE + weights.HYBRID_COVERAGE_SPAN * coverage * (
            1 - abs(lean) / weights.HYBRID_BAND
        )
        return Verdict.HYBRID, shape, round(confidence, 2)

    strength = min(1.0, abs(lean) / weights.STRONG_LEAN)
    confidence = weights.CONFIDENCE_BASE + weights.CONFIDENCE_SPAN * strength * coverage_factor
    verdict = Verdict.DIGITAL_PRODUCT if lean < 0 else Verdict.DIGITAL_SERVICE
    return verdict, None, round(confidence, 2)


# What a recurring fee can buy (the subscription step's options): people's time makes the
# fee a service layer on top of the product (the bike's classes, seed 004); access to
# something the provider runs makes the product itself delivered as a service (seed 003).
_FEE_BUYS_TIME = frozenset({"time_with_you", "live_sessions"})
_FEE_BUYS_ACCESS = frozenset({"hosted_access"})


def _named_shape(
    readings: Sequence[FactorReading],
    tags: frozenset[Tag],
    chosen: Mapping[str, tuple[str, ...]],
    *,
    core_lean: float,
) -> HybridShape | None:
    """The hybrid shape the answers name, when the rest of the interview supports it.

    Where the work mostly goes and where value comes from (the core factors) say which
    side the offering starts from; a core in balance may take either side's shape.
    """

    def reading_towards(pole: Reading) -> int:
        return sum(1 for reading in readings if reading.reading in (pole, "both"))

    if core_lean <= 0 and reading_towards("service") >= weights.HYBRID_SHAPE_MIN_FACTORS:
        shape = _product_side_shape(tags, chosen)
        if shape is not None:
            return shape
    if (
        core_lean >= 0
        and Tag.FIXED_SCOPE in tags
        and reading_towards("product") >= weights.PRODUCTIZED_MIN_FACTORS
    ):
        return HybridShape.PRODUCTIZED_SERVICE
    return None


def _product_side_shape(tags: frozenset[Tag], chosen: Mapping[str, tuple[str, ...]]) -> HybridShape | None:
    """A product's hybrid shape: what the recurring fee buys decides, then who runs it."""
    fee_buys = set(chosen.get("subscription_contents", ()))
    if fee_buys & _FEE_BUYS_TIME:
        return HybridShape.PRODUCT_WITH_SERVICE_LAYER
    if fee_buys & _FEE_BUYS_ACCESS or Tag.PROVIDER_RUNS_IT in tags:
        return HybridShape.PRODUCT_AS_A_SERVICE
    if Tag.SERVICE_LAYER in tags:
        return HybridShape.PRODUCT_WITH_SERVICE_LAYER
    return None


_ITIL_SOURCE = "seeds 002 and 003 (ITIL 4), seed 004 (product and service)"

# Who carries the costs and risks after the sale, by the reading of that factor.
_ITIL_BY_READING: dict[Reading, tuple[Owner, Relationship]] = {
    "product": ("customer", "one-directional"),
    "service": ("provider", "two-way"),
    "both": ("shared", "mixed"),
}

# The service part of a hybrid, by the answers that name it: (step, option) -> phrase id.
_SERVICE_PARTS: tuple[tuple[str, str, str], ...] = (
    ("after_sale", "running", "running"),
    ("subscription_contents", "hosted_access", "hosted_access"),
    ("delivery", "hosted", "hosted_access"),
    ("after_sale", "backups", "backups"),
    ("subscription_contents", "live_sessions", "live_sessions"),
    ("subscription_contents", "time_with_you", "time_with_you"),
    ("after_sale", "advice", "advice"),
    ("after_sale", "support", "support"),
    ("subscription_contents", "support", "support"),
    ("extra_help", "yes", "extra_help"),
)

# The product part, by the offering's kind; a kind the table does not name is the thing
# the member built.
_PRODUCT_PARTS = frozenset({"ebook", "course", "template", "software", "platform", "game", "hosting"})


def _parts(
    verdict: Verdict, shape: HybridShape | None, chosen: Mapping[str, tuple[str, ...]]
) -> tuple[str | None, tuple[str, ...]]:
    """Which part of a hybrid is the product and which the service (seed 004); for a
    service, what the provider keeps carrying, as the answers name it."""
    named = tuple(
        dict.fromkeys(part for step, option, part in _SERVICE_PARTS if option in chosen.get(step, ()))
    )
    if verdict is Verdict.DIGITAL_SERVICE:
        return None, named
    if verdict is not Verdict.HYBRID or shape is None:
        return None, ()
    if shape is HybridShape.PRODUCTIZED_SERVICE:
        return "package", ("client_work",)
    kind = next(iter(chosen.get("offering_kind", ())), None)
    product = kind if kind in _PRODUCT_PARTS else "built"
    # A hybrid found by balance alone may name no one part: its service part is the
    # ongoing work the answers described.
    return product, named or ("ongoing_work",)


def read_itil(
    readings: Sequence[FactorReading],
    verdict: Verdict,
    shape: HybridShape | None = None,
    chosen: Mapping[str, tuple[str, ...]] | None = None,
) -> ItilReading:
    ownership = next(reading for reading in readings if reading.factor is Factor.OWNERSHIP)
    reading: Reading = ownership.reading
    if reading == "service" and (
        shape is HybridShape.PRODUCT_WITH_SERVICE_LAYER or verdict is Verdict.DIGITAL_PRODUCT
    ):
        # The bike and its classes (seed 004): the customer owns the product outright;
        # only the help around it (support, a layer of classes) stays with the provider.
        reading = "both"
    if reading == "unknown":
        # No answer spoke to it: read the relationship from the verdict itself.
        fallback: dict[Verdict, Reading] = {
            Verdict.DIGITAL_PRODUCT: "product",
            Verdict.DIGITAL_SERVICE: "service",
        }
        reading = fallback.get(verdict, "both")
    owner, relationship = _ITIL_BY_READING[reading]
    product_part, service_parts = _parts(verdict, shape, chosen or {})
    return ItilReading(
        cost_and_risk_owner=owner,
        relationship=relationship,
        source=_ITIL_SOURCE,
        text=render(wording.itil_reading(owner, shape, product_part, service_parts), DEFAULT_LANGUAGE),
        product_part=product_part,
        service_parts=service_parts,
    )


def classify(answered: Sequence[tuple[Step, Answer]]) -> Classification:
    """Score an interview's on-path answers (each step with its answer) into a full result
    with its roadmap."""
    evidence = gather(answered)
    readings = read_factors(evidence)
    verdict, shape, confidence = decide(readings, evidence.tags, evidence.chosen)
    return Classification(
        verdict=verdict,
        hybrid_shape=shape,
        subtype=evidence.family,
        confidence=confidence,
        summary=render(wording.summary(verdict, shape), DEFAULT_LANGUAGE),
        factors=readings,
        itil=read_itil(readings, verdict, shape, evidence.chosen),
        roadmap=build_roadmap(
            verdict,
            shape,
            readings,
            Member(
                stage=evidence.stage,
                goal=evidence.goal,
                tags=evidence.tags,
                tag_quotes=evidence.tag_quotes,
                chosen=evidence.chosen,
            ),
        ),
        stage=evidence.stage,
        goal=evidence.goal,
        description=evidence.description,
    )
