"""Next steps, chosen by verdict, stage, goal and the factors that hold the offering back.

Each step is traced to the seed that supports it (see ../shared/DOMAIN.md, "Roadmaps
the seeds support") and names the factor it works on. ``build_roadmap`` scores every
step that applies and keeps the best three to six, in the order a member would do them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dialogs import weights
from dialogs.bank import Tag
from dialogs.factors import Factor
from dialogs.messages import text
from dialogs.verdict import FactorReading, HybridShape, RoadmapStep, Verdict

P, S, H = Verdict.DIGITAL_PRODUCT, Verdict.DIGITAL_SERVICE, Verdict.HYBRID
ANY_STAGE = frozenset({"starting", "some_clients", "established", None})

Priority = Literal["high", "raised", "normal", "low"]

MIN_STEPS = 3
MAX_STEPS = 6


@dataclass(frozen=True)
class _Candidate:
    step: RoadmapStep
    verdicts: frozenset[Verdict]
    stages: frozenset[str | None] = ANY_STAGE
    shapes: frozenset[HybridShape | None] | None = None
    goals: frozenset[str] = frozenset()
    tags: frozenset[Tag] = frozenset()
    # Left out when the member already does it (a subscription, a retainer).
    unless_tag: Tag | None = None
    priority: Priority = "normal"
    order: int = 50


def _step(step_id: str, factor: Factor, source: str) -> RoadmapStep:
    # The step's words are in the catalogs (roadmap.<id>.title and .detail); the result
    # keeps their English as its record.
    return RoadmapStep(
        id=step_id,
        title=text(f"roadmap.{step_id}.title", "en"),
        detail=text(f"roadmap.{step_id}.detail", "en"),
        factor=factor,
        source=source,
    )


CANDIDATES: tuple[_Candidate, ...] = (
    # --- the service-first path (seed 001, "hybrid model") --------------------------
    _Candidate(
        _step(
            "service_first",
            Factor.INCOME,
            "seed 001 (who should start where)",
        ),
        verdicts=frozenset({S, P}),
        stages=frozenset({"starting", None}),
        goals=frozenset({"first_sales", "clarity"}),
        priority="high",
        order=10,
    ),
    _Candidate(
        _step(
            "log_repeat_problems",
            Factor.CUSTOMIZATION,
            "seed 001 (step 2 of combining both)",
        ),
        verdicts=frozenset({S, H}),
        shapes=frozenset({None, HybridShape.PRODUCTIZED_SERVICE}),
        stages=frozenset({"some_clients", "established", None}),
        goals=frozenset({"scale", "clarity"}),
        tags=frozenset({Tag.REPEAT_PROBLEMS}),
        priority="raised",
        order=20,
    ),
    _Candidate(
        _step(
            "productize_repeat_fix",
            Factor.SCALABILITY,
            "seed 001 (step 3 of combining both)",
        ),
        verdicts=frozenset({S}),
        stages=frozenset({"some_clients", "established", None}),
        goals=frozenset({"scale"}),
        tags=frozenset({Tag.REPEAT_PROBLEMS}),
        priority="raised",
        order=30,
    ),
    _Candidate(
        _step(
            "automate_and_scale",
            Factor.SCALABILITY,
            "seed 001 (step 4 of combining both)",
        ),
        verdicts=frozenset({P, H}),
        stages=frozenset({"some_clients", "established"}),
        goals=frozenset({"scale"}),
        priority="normal",
        order=70,
    ),
    # --- what a product needs (seeds 000, 001) --------------------------------------
    _Candidate(
        _step(
            "plan_the_product",
            Factor.EFFORT,
            "seed 001 (pros and cons of products)",
        ),
        verdicts=frozenset({P, H}),
        stages=frozenset({"starting", None}),
        goals=frozenset({"clarity", "first_sales"}),
        priority="high",
        order=10,
    ),
    _Candidate(
        _step(
            "ship_first_version",
            Factor.EFFORT,
            "seed 001 (creation time)",
        ),
        verdicts=frozenset({P}),
        stages=frozenset({"starting", None}),
        goals=frozenset({"first_sales"}),
        priority="raised",
        order=20,
    ),
    _Candidate(
        _step(
            "market_the_product",
            Factor.INCOME,
            "seed 001 (effective marketing)",
        ),
        verdicts=frozenset({P, H}),
        goals=frozenset({"first_sales", "scale"}),
        priority="normal",
        order=40,
    ),
    _Candidate(
        _step(
            "plan_updates",
            Factor.LIFECYCLE,
            "seed 000 (dynamic lifecycle)",
        ),
        verdicts=frozenset({P, H}),
        stages=frozenset({"some_clients", "established", None}),
        goals=frozenset({"serve_better"}),
        priority="normal",
        order=60,
    ),
    _Candidate(
        _step(
            "add_service_layer",
            Factor.ENGAGEMENT,
            "seed 004 (the exercise bike)",
        ),
        verdicts=frozenset({P}),
        stages=frozenset({"some_clients", "established", None}),
        goals=frozenset({"serve_better", "recurring"}),
        priority="low",
        order=50,
    ),
    _Candidate(
        _step(
            "add_subscription",
            Factor.INCOME,
            "seed 001 (future of digital business)",
        ),
        verdicts=frozenset({P, H}),
        goals=frozenset({"recurring"}),
        unless_tag=Tag.RECURRING_REVENUE,
        priority="low",
        order=55,
    ),
    # --- for services (seeds 000, 001) ------------------------------------------------
    _Candidate(
        _step(
            "package_the_service",
            Factor.CUSTOMIZATION,
            "seed 001 (the hybrid strategy)",
        ),
        verdicts=frozenset({S}),
        goals=frozenset({"clarity", "scale", "first_sales"}),
        priority="raised",
        order=25,
    ),
    _Candidate(
        _step(
            "move_to_retainers",
            Factor.INCOME,
            "seed 000 (business models), seed 001 (subscription models)",
        ),
        verdicts=frozenset({S}),
        stages=frozenset({"some_clients", "established", None}),
        goals=frozenset({"recurring"}),
        unless_tag=Tag.RECURRING_REVENUE,
        priority="normal",
        order=45,
    ),
    _Candidate(
        _step(
            "automate_routine_support",
            Factor.ENGAGEMENT,
            "seed 001 (automation and AI in support)",
        ),
        verdicts=frozenset({S, H}),
        stages=frozenset({"some_clients", "established", None}),
        goals=frozenset({"scale", "serve_better"}),
        priority="low",
        order=65,
    ),
    # --- for anything with a service side (seeds 002, 003, 004) ----------------------
    _Candidate(
        _step(
            "define_service_boundary",
            Factor.OWNERSHIP,
            "seed 004 (service boundary), seed 003 (who owns costs and risks)",
        ),
        verdicts=frozenset({H, S}),
        shapes=None,
        goals=frozenset({"clarity"}),
        priority="high",
        order=15,
    ),
    _Candidate(
        _step(
            "set_service_level",
            Factor.OWNERSHIP,
            "seed 004 (service level)",
        ),
        verdicts=frozenset({H, S}),
        goals=frozenset({"serve_better", "recurring"}),
        tags=frozenset({Tag.PROVIDER_RUNS_IT}),
        priority="raised",
        order=35,
    ),
    _Candidate(
        _step(
            "service_catalogue_entry",
            Factor.OWNERSHIP,
            "seed 004 (IT service catalogue)",
        ),
        verdicts=frozenset({H}),
        stages=frozenset({"some_clients", "established", None}),
        goals=frozenset({"clarity", "serve_better"}),
        priority="raised",
        order=40,
    ),
    _Candidate(
        _step(
            "choose_visible_parts",
            Factor.VALUE_SOURCE,
            "seeds 002 and 003 (visible parts of a product)",
        ),
        verdicts=frozenset({H}),
        shapes=frozenset({HybridShape.PRODUCT_AS_A_SERVICE}),
        goals=frozenset({"clarity", "serve_better"}),
        priority="normal",
        order=45,
    ),
    _Candidate(
        _step(
            "price_layers_separately",
            Factor.INCOME,
            "seed 004 (product and service of the bike)",
        ),
        verdicts=frozenset({H}),
        shapes=frozenset({HybridShape.PRODUCT_WITH_SERVICE_LAYER}),
        goals=frozenset({"clarity", "recurring", "scale"}),
        priority="normal",
        order=50,
    ),
    _Candidate(
        _step(
            "fix_package_scope",
            Factor.CUSTOMIZATION,
            "seed 001 (the hybrid strategy)",
        ),
        verdicts=frozenset({H}),
        shapes=frozenset({HybridShape.PRODUCTIZED_SERVICE}),
        goals=frozenset({"scale", "clarity"}),
        priority="raised",
        order=30,
    ),
)


def _weak_factors(verdict: Verdict, readings: Sequence[FactorReading]) -> set[Factor]:
    """Factors whose reading works against the verdict's own strengths."""
    if verdict is Verdict.DIGITAL_PRODUCT:
        return {r.factor for r in readings if r.reading in ("service", "both")}
    if verdict is Verdict.DIGITAL_SERVICE:
        # A service's limits are its scale and its income per hour; a weak point is any
        # factor that ties it further to the provider's time.
        return {
            r.factor
            for r in readings
            if r.reading == "service"
            and r.factor in (Factor.SCALABILITY, Factor.INCOME, Factor.CUSTOMIZATION)
        }
    return {r.factor for r in readings if r.reading in ("both", "unknown")}


# Steps that write the service side down: a hybrid's roadmap always keeps one of them.
_SERVICE_SIDE_STEPS = frozenset({"define_service_boundary", "service_catalogue_entry"})


def build_roadmap(
    verdict: Verdict,
    shape: HybridShape | None,
    readings: Sequence[FactorReading],
    tags: frozenset[Tag],
    *,
    stage: str | None,
    goal: str | None,
) -> tuple[RoadmapStep, ...]:
    if verdict is Verdict.UNCLEAR:
        # Only the quick check says "unclear", and it points to the interview instead.
        raise ValueError("a roadmap needs a verdict; an unclear reading has none")
    weak = _weak_factors(verdict, readings)
    scored: list[tuple[float, _Candidate]] = []
    for candidate in CANDIDATES:
        if verdict not in candidate.verdicts or stage not in candidate.stages:
            continue
        if candidate.shapes is not None and shape not in candidate.shapes:
            continue
        if candidate.unless_tag is not None and candidate.unless_tag in tags:
            continue
        score = weights.ROADMAP_PRIORITY[candidate.priority]
        if goal is not None and goal in candidate.goals:
            score += weights.ROADMAP_GOAL_BONUS
        if candidate.step.factor in weak:
            score += weights.ROADMAP_WEAK_FACTOR_BONUS
        if candidate.tags & tags:
            score += weights.ROADMAP_TAG_BONUS
        scored.append((score, candidate))
    scored.sort(key=lambda item: -item[0])
    relevant = [candidate for score, candidate in scored if score >= weights.ROADMAP_MIN_SCORE]
    chosen = relevant[:MAX_STEPS] if len(relevant) >= MIN_STEPS else [c for _, c in scored[:MIN_STEPS]]
    if verdict is H and not any(c.step.id in _SERVICE_SIDE_STEPS for c in chosen):
        # A hybrid always has a service side, and a service side needs its boundary written
        # down (seed 004): keep the best such step even when others outscore it.
        anchor = next((c for _, c in scored if c.step.id in _SERVICE_SIDE_STEPS), None)
        if anchor is not None:
            chosen = [*chosen[: MAX_STEPS - 1], anchor]
    if len(chosen) < MIN_STEPS:
        fallback = [c for c in CANDIDATES if c not in chosen and verdict in c.verdicts]
        chosen.extend(fallback[: MIN_STEPS - len(chosen)])
    chosen.sort(key=lambda candidate: candidate.order)
    return tuple(candidate.step for candidate in chosen)
