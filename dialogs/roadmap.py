"""Next steps chosen for one member, each with the answers that put it there.

A step is a candidate for a verdict (and shape) and may need something the member said
(``needs``: a membership to retain, live work to balance, repeat problems to productize);
it is left out when the member already does it (``unless``). Among the candidates that
remain, the member's goal, what they told us and the factors that hold the offering back
decide which three to five are kept, in the order a member would do them. Each step is
traced to the seed that supports it (see ../shared/DOMAIN.md, "Roadmaps the seeds
support", and docs/advice.md for the steps that draw on a seed beyond it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from dialogs import weights, wording
from dialogs.bank import Tag
from dialogs.catalog import lookup
from dialogs.factors import Factor
from dialogs.messages import DEFAULT_LANGUAGE, render
from dialogs.verdict import FactorReading, HybridShape, Quote, RoadmapStep, Verdict

P, S, H = Verdict.DIGITAL_PRODUCT, Verdict.DIGITAL_SERVICE, Verdict.HYBRID
ANY_STAGE = frozenset({"starting", "some_clients", "established", None})
GROWING = frozenset({"some_clients", "established", None})

Priority = Literal["high", "raised", "normal", "low"]

MIN_STEPS = 3
# Five steps fit a phone screen and are as many as a member will act on in six months.
MAX_STEPS = 5


@dataclass(frozen=True)
class Member:
    """What the roadmap needs to know about the member, from their answers."""

    stage: str | None = None
    goal: str | None = None
    tags: frozenset[Tag] = frozenset()
    tag_quotes: Mapping[Tag, tuple[Quote, ...]] = field(default_factory=dict)
    # Options chosen at each step, by step id.
    chosen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def kind(self) -> str | None:
        """The offering kind they picked (an option id of ``offering_kind``)."""
        return next(iter(self.chosen.get("offering_kind", ())), None)

    def said(self, step: str, *options: str) -> Quote | None:
        """A quote of the options among ``options`` the member chose at ``step``."""
        picked = tuple(option for option in self.chosen.get(step, ()) if option in options)
        return Quote(step=step, options=picked) if picked else None

    def did_not_say(self, step: str, *options: str) -> bool:
        return self.said(step, *options) is None


# What a step needs the member to have said; it returns the quote that says it.
Needs = Callable[[Member], Quote | None]


@dataclass(frozen=True)
class _Candidate:
    id: str
    factor: Factor
    source: str
    verdicts: frozenset[Verdict]
    stages: frozenset[str | None] = ANY_STAGE
    shapes: frozenset[HybridShape | None] | None = None
    goals: frozenset[str] = frozenset()
    needs: Needs | None = None
    # Left out when the member already does it: any of these tags, or a check on answers.
    unless: frozenset[Tag] = frozenset()
    unless_said: Callable[[Member], bool] | None = None
    # Whose kind of offering has its own version of the detail: "kind" or "shape".
    variant_by: Literal["kind", "shape", "income"] | None = None
    priority: Priority = "normal"
    order: int = 50


def _tagged(tag: Tag) -> Needs:
    def needs(member: Member) -> Quote | None:
        quotes = member.tag_quotes.get(tag, ())
        return quotes[0] if quotes else None

    return needs


def _answered(step: str, *options: str) -> Needs:
    def needs(member: Member) -> Quote | None:
        return member.said(step, *options)

    return needs


def _recurring(member: Member) -> Quote | None:
    return member.said("income", "subscription", "retainer")


def _live(member: Member) -> Quote | None:
    return member.said("effort", "live_group") or member.said(
        "subscription_contents", "live_sessions", "time_with_you"
    )


def _runs_or_supports(member: Member) -> Quote | None:
    return (
        member.said("after_sale", "running", "backups", "support")
        or member.said("subscription_contents", "hosted_access", "support")
        or member.said("delivery", "hosted")
    )


CANDIDATES: tuple[_Candidate, ...] = (
    # --- starting out (seed 001, who should start where) ------------------------------
    _Candidate(
        "service_first",
        Factor.INCOME,
        "seed 001 (who should start where: beginners start with services)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        stages=frozenset({"starting"}),
        goals=frozenset({"first_sales", "more_clients", "clarity"}),
        priority="high",
        order=10,
    ),
    _Candidate(
        "first_clients",
        Factor.INCOME,
        "seed 001 (services: little upfront investment, quick income from existing skills)",
        verdicts=frozenset({S, H}),
        shapes=frozenset({None, HybridShape.PRODUCTIZED_SERVICE}),
        stages=frozenset({"starting"}),
        goals=frozenset({"first_sales", "more_clients"}),
        variant_by="kind",
        priority="high",
        order=10,
    ),
    _Candidate(
        "plan_the_product",
        Factor.EFFORT,
        "seed 001 (a product needs strong initial planning)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        stages=frozenset({"starting"}),
        goals=frozenset({"clarity", "first_sales"}),
        priority="high",
        order=12,
    ),
    _Candidate(
        "ship_first_version",
        Factor.EFFORT,
        "seed 001 (a product needs creation time)",
        verdicts=frozenset({P}),
        stages=frozenset({"starting"}),
        goals=frozenset({"first_sales", "more_clients"}),
        priority="raised",
        order=20,
    ),
    # --- the revenue model (seed 000 business models, seed 001 table) -----------------
    _Candidate(
        "price_the_product",
        Factor.INCOME,
        "seed 000 (business models: one-off, licence, subscription)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        # Before the first sales the price is still a choice; after them it is a habit.
        stages=frozenset({"starting"}),
        goals=frozenset({"first_sales", "clarity", "more_clients"}),
        priority="normal",
        order=22,
    ),
    _Candidate(
        "price_the_service",
        Factor.INCOME,
        "seed 000 (business models: hourly, per project), seed 001 (service income tied to hours)",
        verdicts=frozenset({S, H}),
        shapes=frozenset({None, HybridShape.PRODUCTIZED_SERVICE}),
        needs=_answered("income", "hourly_project"),
        goals=frozenset({"scale", "more_clients", "recurring"}),
        priority="normal",
        order=27,
    ),
    _Candidate(
        "measure_capacity",
        Factor.SCALABILITY,
        "seed 001 (a service's income is limited by the provider's time)",
        verdicts=frozenset({S, H}),
        shapes=frozenset({None, HybridShape.PRODUCTIZED_SERVICE}),
        stages=GROWING,
        needs=_answered("scalability", "4", "5"),
        goals=frozenset({"scale", "more_clients"}),
        priority="normal",
        order=15,
    ),
    _Candidate(
        "package_the_service",
        Factor.CUSTOMIZATION,
        "seed 001 (the hybrid strategy: a repeated service with a fixed scope)",
        verdicts=frozenset({S}),
        goals=frozenset({"clarity", "scale", "more_clients"}),
        unless=frozenset({Tag.FIXED_SCOPE}),
        priority="raised",
        order=25,
    ),
    _Candidate(
        "move_to_retainers",
        Factor.INCOME,
        "seed 000 (business models: retainers), seed 001 (subscription models)",
        verdicts=frozenset({S}),
        stages=GROWING,
        goals=frozenset({"recurring"}),
        unless=frozenset({Tag.RECURRING_REVENUE}),
        priority="normal",
        order=45,
    ),
    _Candidate(
        "add_subscription",
        Factor.INCOME,
        "seed 001 (subscription models for recurring revenue)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        stages=GROWING,
        goals=frozenset({"recurring"}),
        unless=frozenset({Tag.RECURRING_REVENUE}),
        priority="normal",
        order=55,
    ),
    # --- recurring income and live work (seeds 000, 001) ------------------------------
    _Candidate(
        "retain_members",
        Factor.ENGAGEMENT,
        "seed 001 (subscription models), seed 000 (a relationship that meets needs over time)",
        verdicts=frozenset({P, S, H}),
        needs=_recurring,
        goals=frozenset({"recurring", "serve_better", "scale"}),
        variant_by="income",
        priority="raised",
        order=45,
    ),
    _Candidate(
        "balance_live_and_library",
        Factor.SCALABILITY,
        "seed 001 (the hybrid model earns actively from the service and passively from the product)",
        verdicts=frozenset({P, S, H}),
        needs=_live,
        goals=frozenset({"scale", "recurring", "more_clients"}),
        priority="raised",
        order=35,
    ),
    # --- from repeat problems to a product (seed 001, four steps) ---------------------
    _Candidate(
        "log_repeat_problems",
        Factor.CUSTOMIZATION,
        "seed 001 (step 2 of combining both: identify problems clients bring again)",
        verdicts=frozenset({S, H}),
        shapes=frozenset({None, HybridShape.PRODUCTIZED_SERVICE}),
        stages=GROWING,
        goals=frozenset({"scale", "clarity"}),
        unless=frozenset({Tag.REPEAT_PROBLEMS}),
        priority="normal",
        order=20,
    ),
    _Candidate(
        "productize_repeat_fix",
        Factor.SCALABILITY,
        "seed 001 (step 3 of combining both: turn the repeated solution into a product)",
        verdicts=frozenset({S, H}),
        shapes=frozenset({None, HybridShape.PRODUCTIZED_SERVICE}),
        stages=GROWING,
        needs=_tagged(Tag.REPEAT_PROBLEMS),
        goals=frozenset({"scale", "recurring"}),
        variant_by="kind",
        priority="raised",
        order=30,
    ),
    _Candidate(
        "automate_package_delivery",
        Factor.SCALABILITY,
        "seed 001 (step 4 of combining both: scale with automation and systems)",
        verdicts=frozenset({H}),
        shapes=frozenset({HybridShape.PRODUCTIZED_SERVICE}),
        stages=GROWING,
        goals=frozenset({"scale", "more_clients"}),
        priority="raised",
        order=40,
    ),
    _Candidate(
        "automate_and_scale",
        Factor.SCALABILITY,
        "seed 001 (step 4 of combining both: scale with automation and systems)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        stages=GROWING,
        goals=frozenset({"scale"}),
        priority="normal",
        order=70,
    ),
    # --- what a product needs (seeds 000, 001) ----------------------------------------
    _Candidate(
        "market_the_product",
        Factor.INCOME,
        "seed 001 (a product needs effective marketing)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        goals=frozenset({"first_sales", "more_clients", "scale"}),
        priority="normal",
        order=40,
    ),
    _Candidate(
        "plan_updates",
        Factor.LIFECYCLE,
        "seed 000 (a product needs updates over its lifecycle)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        needs=_answered("lifecycle", "unchanged"),
        goals=frozenset({"serve_better", "recurring", "scale"}),
        variant_by="kind",
        priority="normal",
        order=60,
    ),
    _Candidate(
        "next_version_from_buyers",
        Factor.LIFECYCLE,
        "seed 000 (a product needs updates to stay relevant), seed 001 (planning a product)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        stages=frozenset({"some_clients"}),
        goals=frozenset({"serve_better", "scale", "recurring", "more_clients"}),
        priority="normal",
        order=58,
    ),
    _Candidate(
        "self_serve_support",
        Factor.ENGAGEMENT,
        "seed 001 (automation and AI in support), seed 000 (a product is self-guided)",
        verdicts=frozenset({P, H}),
        shapes=frozenset({None, HybridShape.PRODUCT_WITH_SERVICE_LAYER, HybridShape.PRODUCT_AS_A_SERVICE}),
        stages=frozenset({"established"}),
        goals=frozenset({"serve_better", "scale"}),
        priority="normal",
        order=62,
    ),
    _Candidate(
        "add_service_layer",
        Factor.ENGAGEMENT,
        "seed 004 (the exercise bike and its classes)",
        verdicts=frozenset({P}),
        stages=GROWING,
        goals=frozenset({"serve_better", "recurring"}),
        unless=frozenset({Tag.SERVICE_LAYER}),
        priority="low",
        order=50,
    ),
    # --- what a service needs (seeds 000, 001) ----------------------------------------
    _Candidate(
        "check_in_with_clients",
        Factor.ENGAGEMENT,
        "seed 000 (personalized, sustained engagement; a relationship over time)",
        verdicts=frozenset({S}),
        stages=GROWING,
        goals=frozenset({"serve_better"}),
        unless_said=lambda member: member.said("engagement", "ongoing") is not None,
        priority="normal",
        order=50,
    ),
    _Candidate(
        "automate_routine_support",
        Factor.ENGAGEMENT,
        "seed 001 (automation and AI in support)",
        verdicts=frozenset({S, H}),
        stages=GROWING,
        goals=frozenset({"scale", "serve_better"}),
        priority="low",
        order=65,
    ),
    # --- the service side (seeds 002, 003, 004) ---------------------------------------
    _Candidate(
        "define_service_boundary",
        Factor.OWNERSHIP,
        "seed 004 (service boundary; the bike is the product, its classes the service), seed 003",
        verdicts=frozenset({H}),
        goals=frozenset({"clarity"}),
        variant_by="shape",
        priority="high",
        order=15,
    ),
    _Candidate(
        "set_service_level",
        Factor.OWNERSHIP,
        "seed 004 (service level)",
        verdicts=frozenset({H, S}),
        needs=_runs_or_supports,
        goals=frozenset({"serve_better", "recurring"}),
        priority="raised",
        order=35,
    ),
    _Candidate(
        "service_catalogue_entry",
        Factor.OWNERSHIP,
        "seed 004 (an IT service catalogue)",
        verdicts=frozenset({H, S}),
        stages=frozenset({"established"}),
        goals=frozenset({"clarity", "serve_better", "more_clients"}),
        priority="normal",
        order=42,
    ),
    _Candidate(
        "choose_visible_parts",
        Factor.VALUE_SOURCE,
        "seeds 002 and 003 (the provider decides which parts of a product are shown)",
        verdicts=frozenset({H}),
        shapes=frozenset({HybridShape.PRODUCT_AS_A_SERVICE}),
        goals=frozenset({"clarity", "serve_better"}),
        priority="normal",
        order=45,
    ),
    _Candidate(
        "price_layers_separately",
        Factor.INCOME,
        "seed 004 (the bike and its classes are sold as product and service)",
        verdicts=frozenset({H}),
        shapes=frozenset({HybridShape.PRODUCT_WITH_SERVICE_LAYER}),
        goals=frozenset({"clarity", "recurring", "scale"}),
        priority="normal",
        order=50,
    ),
    _Candidate(
        "fix_package_scope",
        Factor.CUSTOMIZATION,
        "seed 001 (the hybrid strategy: a fixed scope)",
        verdicts=frozenset({H}),
        shapes=frozenset({HybridShape.PRODUCTIZED_SERVICE}),
        needs=_answered("customization", "3", "4", "5"),
        goals=frozenset({"clarity", "scale"}),
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
_SERVICE_SIDE_STEPS = frozenset({"define_service_boundary", "service_catalogue_entry", "set_service_level"})


@dataclass(frozen=True)
class _Fit:
    score: float
    candidate: _Candidate
    because: tuple[Quote, ...]


def _fit(
    candidate: _Candidate, member: Member, weak: set[Factor], readings: Sequence[FactorReading]
) -> _Fit | None:
    """How well a step fits the member, and what they said that makes it fit."""
    if candidate.unless & member.tags:
        return None
    if candidate.unless_said is not None and candidate.unless_said(member):
        return None
    because: list[Quote] = []
    score = weights.ROADMAP_PRIORITY[candidate.priority]
    if candidate.needs is not None:
        needed = candidate.needs(member)
        if needed is None:
            return None
        because.append(needed)
        score += weights.ROADMAP_SAID_BONUS
    if member.goal is not None and member.goal in candidate.goals:
        score += weights.ROADMAP_GOAL_BONUS
        because.append(Quote(step="goal", options=(member.goal,)))
    if candidate.stages != ANY_STAGE and member.stage is not None:
        because.append(Quote(step="stage", options=(member.stage,)))
    if candidate.factor in weak:
        score += weights.ROADMAP_WEAK_FACTOR_BONUS
        reading = next((r for r in readings if r.factor is candidate.factor and r.reasons), None)
        if reading is not None and not because:
            because.extend(reading.reasons[0].quotes)
    return _Fit(score, candidate, tuple(because[:2]))


def _variant(candidate: _Candidate, member: Member, shape: HybridShape | None) -> str | None:
    if candidate.variant_by is None:
        return None
    by = {
        "kind": member.kind,
        "shape": shape.value if shape is not None else None,
        "income": "retainer"
        if member.said("income", "retainer") and member.did_not_say("income", "subscription")
        else None,
    }[candidate.variant_by]
    if by is None or lookup(f"roadmap.{candidate.id}.detail.{by}", DEFAULT_LANGUAGE, None) is None:
        return None
    return by


def build_roadmap(
    verdict: Verdict,
    shape: HybridShape | None,
    readings: Sequence[FactorReading],
    member: Member,
) -> tuple[RoadmapStep, ...]:
    if verdict is Verdict.UNCLEAR:
        # Only the quick check says "unclear", and it points to the interview instead.
        raise ValueError("a roadmap needs a verdict; an unclear reading has none")
    weak = _weak_factors(verdict, readings)
    fits: list[_Fit] = []
    for candidate in CANDIDATES:
        if verdict not in candidate.verdicts or member.stage not in candidate.stages:
            continue
        if candidate.shapes is not None and shape not in candidate.shapes:
            continue
        fit = _fit(candidate, member, weak, readings)
        if fit is not None:
            fits.append(fit)
    if len(fits) < MIN_STEPS:
        # Too few steps fit this stage: take the verdict's others, whatever their stage.
        for candidate in CANDIDATES:
            if verdict not in candidate.verdicts or any(fit.candidate is candidate for fit in fits):
                continue
            if candidate.shapes is not None and shape not in candidate.shapes:
                continue
            fit = _fit(candidate, member, weak, readings)
            if fit is not None:
                fits.append(fit)
    fits.sort(key=lambda fit: (-fit.score, fit.candidate.order))
    relevant = [fit for fit in fits if fit.score >= weights.ROADMAP_MIN_SCORE]
    chosen = relevant[:MAX_STEPS] if len(relevant) >= MIN_STEPS else fits[:MIN_STEPS]
    if verdict is H and not any(fit.candidate.id in _SERVICE_SIDE_STEPS for fit in chosen):
        # A hybrid always has a service side, and a service side needs its boundary written
        # down (seed 004): keep the best such step even when others outscore it.
        anchor = next((fit for fit in fits if fit.candidate.id in _SERVICE_SIDE_STEPS), None)
        if anchor is not None:
            chosen = [*chosen[: MAX_STEPS - 1], anchor]
    chosen.sort(key=lambda fit: fit.candidate.order)
    return tuple(_step(fit, member, verdict, shape) for fit in chosen)


def _step(fit: _Fit, member: Member, verdict: Verdict, shape: HybridShape | None) -> RoadmapStep:
    # The step's words are in the catalogs (roadmap.<id>.title, .detail and the detail's
    # variants); the result keeps their English as its record.
    candidate = fit.candidate
    variant = _variant(candidate, member, shape)
    step = RoadmapStep(
        id=candidate.id,
        title="",
        detail="",
        factor=candidate.factor,
        source=candidate.source,
        because=fit.because,
        variant=variant,
    )
    if not fit.because:
        # No one answer put it there: it is what the verdict itself calls for (a hybrid's
        # service side written down, seed 004; a product's plan, seed 001).
        step = step.model_copy(update={"for_verdict": verdict})
    words = wording.roadmap_step(step)
    return step.model_copy(update={key: render(value, DEFAULT_LANGUAGE) for key, value in words.items()})
