"""Scoring and the roadmap: every verdict comes with reasons and three to six next steps,
and every number behind them lives in dialogs.weights."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dialogs
from dialogs import weights
from dialogs.bank import StepKind, Tag, default_bank
from dialogs.engine import DialogEngine, TurnKind
from dialogs.factors import SOURCES, Factor, Lean
from dialogs.lexicon import LEXICON
from dialogs.messages import text as catalog_text
from dialogs.roadmap import CANDIDATES, MAX_STEPS, MIN_STEPS, Member, build_roadmap
from dialogs.scoring import classify, gather, read_factors, read_itil
from dialogs.session import Answer, Session
from dialogs.verdict import Classification, FactorReading, HybridShape, Reading, Verdict
from tests.personas import Persona, contradictions

ENGINE = DialogEngine()
BANK = default_bank()
STAGES: list[str | None] = [option.id for option in BANK.step("stage").options] + [None]
GOALS: list[str | None] = [option.id for option in BANK.step("goal").options] + [None]
SERVICE_SIDE = {"define_service_boundary", "service_catalogue_entry", "set_service_level"}

# Answers by step id (option ids); stage and goal are filled in per test.
EBOOK = {
    "offering_kind": "ebook",
    "effort": "once",
    "extra_help": "no",
    "income": "one_time",
    "scalability": "1",
    "customization": "1",
    "engagement": "self_serve",
    "value_source": "artifact",
    "delivery": "instant",
    "lifecycle": "unchanged",
    "after_sale": "none",
}
AGENCY = {
    "offering_kind": "marketing",
    "effort": "per_client",
    "repeat_problems": "yes",
    "income": "retainer",
    "scalability": "5",
    "customization": "5",
    "engagement": "ongoing",
    "value_source": "expertise",
    "delivery": "over_time",
    "lifecycle": "adapts",
    "after_sale": "advice",
}
SAAS = {
    "offering_kind": "platform",
    "effort": "both",
    "income": "subscription",
    "subscription_contents": "hosted_access,support",
    "scalability": "2",
    "customization": "2",
    "engagement": "occasional",
    "value_source": "artifact",
    "delivery": "hosted",
    "lifecycle": "updates",
    "after_sale": "running,backups,support",
}
COURSE_COACHING = {
    "offering_kind": "course",
    "effort": "once",
    "extra_help": "yes",
    "income": "one_time",
    "scalability": "2",
    "customization": "2",
    "engagement": "occasional",
    "value_source": "artifact",
    "delivery": "instant",
    "lifecycle": "updates",
    "after_sale": "advice",
}
LOGO_PACKAGE = {
    "offering_kind": "creative",
    "effort": "per_client",
    "repeat_problems": "yes",
    "income": "fixed_package",
    "scalability": "4",
    "customization": "3",
    "engagement": "occasional",
    "value_source": "expertise",
    "delivery": "over_time",
    "lifecycle": "adapts",
    "after_sale": "none",
}

HYBRIDS = {
    "saas": (SAAS, HybridShape.PRODUCT_AS_A_SERVICE),
    "course+coaching": (COURSE_COACHING, HybridShape.PRODUCT_WITH_SERVICE_LAYER),
    "logo package": (LOGO_PACKAGE, HybridShape.PRODUCTIZED_SERVICE),
}


def interview(
    answers: dict[str, str], *, stage: str, goal: str, description: str | None = None
) -> Classification:
    """Run the interview with these answers (by option id), through stored JSON."""
    script = {"stage": stage, "goal": goal, **answers}
    turn = ENGINE.start()
    for _ in range(40):
        if turn.kind is TurnKind.FINISHED:
            assert turn.result is not None
            return turn.result
        session = Session.model_validate_json(turn.session.model_dump_json())
        step_id = session.current
        assert step_id is not None
        if step_id == "description":
            turn = ENGINE.skip(session) if description is None else ENGINE.answer(session, description)
        else:
            turn = ENGINE.answer(session, script[step_id].split(","))
        assert turn.kind is not TurnKind.REJECTED, (step_id, turn.error)
    raise AssertionError("the interview did not finish")


def assert_valid_roadmap(result: Classification) -> None:
    ids = [step.id for step in result.roadmap]
    assert MIN_STEPS <= len(ids) <= MAX_STEPS, ids
    assert len(set(ids)) == len(ids), ids
    for step in result.roadmap:
        assert isinstance(step.factor, Factor)
        assert step.source.strip()
        assert step.title.strip() and step.detail.strip()


def uniform_readings(reading: Reading) -> tuple[FactorReading, ...]:
    parts = {"product": (1.0, 0.0), "service": (0.0, 1.0), "both": (0.5, 0.5), "unknown": (0.0, 0.0)}[reading]
    return tuple(
        FactorReading(
            factor=factor,
            title=factor.value,
            product=parts[0],
            service=parts[1],
            lean=parts[1] - parts[0],
            reading=reading,
            why="test",
            source="test",
        )
        for factor in Factor
    )


# --- roadmap shape --------------------------------------------------------------------------

# The verdicts an interview can reach; "unclear" comes only from a quick check.
VERDICT_SHAPES: list[tuple[Verdict, HybridShape | None]] = [
    (Verdict.DIGITAL_PRODUCT, None),
    (Verdict.DIGITAL_SERVICE, None),
    *((Verdict.HYBRID, shape) for shape in HybridShape),
]


@pytest.mark.parametrize(
    ("verdict", "shape"),
    VERDICT_SHAPES,
    ids=[f"{v.value}-{s.value if s else 'none'}" for v, s in VERDICT_SHAPES],
)
@pytest.mark.parametrize("reading", ["product", "service", "both", "unknown"])
def test_every_roadmap_has_three_to_six_steps_for_every_stage_and_goal(
    verdict: Verdict, shape: HybridShape | None, reading: Reading
) -> None:
    readings = uniform_readings(reading)
    tag_sets = [frozenset(), frozenset(Tag)]
    for stage, goal, tags in itertools.product(STAGES, GOALS, tag_sets):
        member = Member(stage=stage, goal=goal, tags=tags, chosen=_choices_for(tags))
        roadmap = build_roadmap(verdict, shape, readings, member)
        ids = [step.id for step in roadmap]
        assert MIN_STEPS <= len(roadmap) <= MAX_STEPS, (stage, goal, ids)
        assert len(set(ids)) == len(ids), ids
        for step in roadmap:
            assert isinstance(step.factor, Factor)
            assert step.source.strip()
        # Every step offered is one meant for this verdict.
        meant = {c.id for c in CANDIDATES if verdict in c.verdicts}
        assert set(ids) <= meant, (stage, goal, ids)
        if verdict is Verdict.HYBRID:
            assert SERVICE_SIDE & set(ids), (stage, goal, ids)


def _choices_for(tags: frozenset[Tag]) -> dict[str, tuple[str, ...]]:
    """Answers that establish every tag at once, so steps that need one are offered."""
    if not tags:
        return {}
    return {
        "income": ("hourly_project", "subscription", "retainer"),
        "subscription_contents": ("live_sessions", "hosted_access"),
        "after_sale": ("running", "support"),
        "lifecycle": ("unchanged",),
        "scalability": ("5",),
        "customization": ("4",),
    }


def test_an_unclear_reading_gets_no_roadmap() -> None:
    # Only the quick check says "unclear"; it sends the member to the interview instead
    # of inventing next steps without a verdict.
    with pytest.raises(ValueError, match="needs a verdict"):
        build_roadmap(Verdict.UNCLEAR, None, uniform_readings("unknown"), Member())


@pytest.mark.parametrize(
    ("name", "answers", "verdict"),
    [
        ("ebook", EBOOK, Verdict.DIGITAL_PRODUCT),
        ("agency", AGENCY, Verdict.DIGITAL_SERVICE),
        ("saas", SAAS, Verdict.HYBRID),
        ("course+coaching", COURSE_COACHING, Verdict.HYBRID),
        ("logo package", LOGO_PACKAGE, Verdict.HYBRID),
    ],
)
def test_interview_roadmaps_are_valid_for_every_stage_and_goal(
    name: str, answers: dict[str, str], verdict: Verdict
) -> None:
    for stage, goal in itertools.product(STAGES[:-1], GOALS[:-1]):
        assert stage is not None and goal is not None
        result = interview(answers, stage=stage, goal=goal)
        assert result.verdict is verdict, (name, stage, goal)
        assert result.stage == stage and result.goal == goal
        assert_valid_roadmap(result)


@pytest.mark.parametrize("goal", ["first_sales", "more_clients"])
def test_a_beginner_selling_a_service_starts_by_landing_clients(goal: str) -> None:
    result = interview(AGENCY, stage="starting", goal=goal)
    assert result.verdict is Verdict.DIGITAL_SERVICE
    ids = [step.id for step in result.roadmap]
    assert ids[0] == "first_clients", ids


@pytest.mark.parametrize("goal", GOALS[:-1])
def test_a_beginner_selling_a_product_is_told_to_earn_from_a_service_first(goal: str) -> None:
    result = interview(EBOOK, stage="starting", goal=goal)
    ids = [step.id for step in result.roadmap]
    if goal in ("first_sales", "more_clients", "clarity"):
        assert ids[0] == "service_first", ids


@pytest.mark.parametrize("goal", GOALS[:-1])
def test_no_one_who_sells_a_service_is_told_to_start_selling_services(goal: str) -> None:
    for stage in STAGES[:-1]:
        result = interview(AGENCY, stage=stage, goal=goal)
        assert "service_first" not in [step.id for step in result.roadmap], (stage, goal)


@pytest.mark.parametrize("stage", ["some_clients", "established"])
def test_established_service_is_not_told_to_start_selling_services(stage: str) -> None:
    result = interview(AGENCY, stage=stage, goal="first_sales")
    assert "service_first" not in [step.id for step in result.roadmap]


@pytest.mark.parametrize("name", HYBRIDS)
@pytest.mark.parametrize("stage", STAGES[:-1])
@pytest.mark.parametrize("goal", GOALS[:-1])
def test_hybrid_gets_a_service_boundary_or_catalogue_step(name: str, stage: str, goal: str) -> None:
    answers, shape = HYBRIDS[name]
    result = interview(answers, stage=stage, goal=goal)
    assert result.verdict is Verdict.HYBRID and result.hybrid_shape is shape
    ids = [step.id for step in result.roadmap]
    assert SERVICE_SIDE & set(ids), ids


def test_hybrid_shapes_get_their_own_steps() -> None:
    saas = interview(SAAS, stage="some_clients", goal="clarity")
    assert "choose_visible_parts" in [step.id for step in saas.roadmap]
    course = interview(COURSE_COACHING, stage="some_clients", goal="clarity")
    assert "price_layers_separately" in [step.id for step in course.roadmap]
    logo = interview(LOGO_PACKAGE, stage="some_clients", goal="clarity")
    assert "fix_package_scope" in [step.id for step in logo.roadmap]


def test_roadmap_steps_come_in_the_order_a_member_would_do_them() -> None:
    order = {c.id: c.order for c in CANDIDATES}
    for answers in (EBOOK, AGENCY, SAAS, COURSE_COACHING, LOGO_PACKAGE):
        result = interview(answers, stage="some_clients", goal="scale")
        orders = [order[step.id] for step in result.roadmap]
        assert orders == sorted(orders)


def test_every_roadmap_candidate_cites_a_seed_and_a_factor() -> None:
    ids = [c.id for c in CANDIDATES]
    assert len(set(ids)) == len(ids)
    advice_page = (Path(dialogs.__file__).parent.parent / "docs" / "advice.md").read_text(encoding="utf-8")
    for candidate in CANDIDATES:
        assert re.search(r"seeds? 00[0-4]", candidate.source), candidate.id
        assert isinstance(candidate.factor, Factor)
        assert candidate.verdicts
        # Each step's trace to its article is written down for a reader, too.
        assert f"`{candidate.id}`" in advice_page, candidate.id


# --- factor readings ------------------------------------------------------------------------


def test_no_answers_reads_every_factor_as_unknown_with_a_reason() -> None:
    readings = read_factors(gather([]))
    assert {reading.factor for reading in readings} == set(Factor)
    for reading in readings:
        assert reading.reading == "unknown"
        assert reading.why.strip()
        assert reading.source == SOURCES[reading.factor]


def test_classification_of_no_answers_is_still_a_full_result() -> None:
    result = classify([])
    assert all(reading.why.strip() for reading in result.factors)
    assert 0 <= result.confidence < 1
    assert_valid_roadmap(result)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_completed_interview_explains_each_factor(data: st.DataObject) -> None:
    turn = ENGINE.start()
    answers: dict[str, list[str]] = {}
    description: str | None = None
    while turn.kind is not TurnKind.FINISHED:
        session = turn.session
        assert session.current is not None
        step = BANK.step(session.current)
        if step.kind is StepKind.TEXT:
            text = data.draw(
                st.sampled_from(
                    [
                        None,
                        "I sell Notion templates, pay once.",
                        "Logo design for each client.",
                        "Hosted scheduling software with a monthly subscription and support.",
                    ]
                )
            )
            description = text
            turn = ENGINE.skip(session) if text is None else ENGINE.answer(session, text)
        else:
            ids = [option.id for option in step.options]
            if step.kind is StepKind.MULTI:
                chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
                exclusive = [i for i in chosen if step.option(i).exclusive]
                chosen = exclusive[:1] if exclusive else chosen
            else:
                chosen = [data.draw(st.sampled_from(ids))]
            answers[step.id] = list(chosen)
            turn = ENGINE.answer(session, chosen)
        assert turn.kind is not TurnKind.REJECTED, turn.error
    result = turn.result
    assert result is not None
    assert result.verdict is not Verdict.UNCLEAR
    assert 0 < result.confidence < 1
    assert (result.hybrid_shape is None) == (result.verdict is not Verdict.HYBRID)
    for reading in result.factors:
        assert reading.why.strip(), reading
        assert reading.reading != "unknown" or reading.why == "No answer spoke to this."
        if reading.reasons:
            # The line says what its first reason means, in the catalog's words.
            assert catalog_text(f"reason.{reading.reasons[0].phrase}", "en")[1:] in reading.why
    drawn = Persona(
        id="drawn",
        who="answers drawn at random",
        source="hypothesis",
        answers=answers,
        verdict=result.verdict.value,
        shape=None,
        service_parts=(),
        roadmap_must=(),
        roadmap_must_not=(),
        description=description,
    )
    assert contradictions(drawn, result) == []
    assert_valid_roadmap(result)


def test_a_product_that_its_seller_supports_shares_the_costs_and_risks() -> None:
    # Installable software with nine product answers, supported after the sale: still a
    # product, and ITIL reads the support as the service around it, not the whole as one.
    answers = {**EBOOK, "offering_kind": "software", "lifecycle": "updates", "after_sale": "support"}
    result = interview(answers, stage="established", goal="scale")
    assert result.verdict is Verdict.DIGITAL_PRODUCT
    assert result.itil.cost_and_risk_owner == "shared"
    assert "In ITIL 4 terms that is a service" not in result.itil.text


def test_itil_owner_follows_the_after_sale_answer() -> None:
    product = interview(EBOOK, stage="established", goal="scale")
    assert product.itil.cost_and_risk_owner == "customer"
    service = interview(AGENCY, stage="established", goal="scale")
    assert service.itil.cost_and_risk_owner == "provider"
    for result in (product, service):
        assert "ITIL 4" in result.itil.text
        assert result.itil.source.strip()


@pytest.mark.parametrize(
    ("verdict", "owner"),
    [
        (Verdict.DIGITAL_PRODUCT, "customer"),
        (Verdict.DIGITAL_SERVICE, "provider"),
        (Verdict.HYBRID, "shared"),
    ],
)
def test_itil_without_an_ownership_answer_follows_the_verdict(verdict: Verdict, owner: str) -> None:
    assert read_itil(uniform_readings("unknown"), verdict).cost_and_risk_owner == owner


def test_confidence_grows_with_a_clearer_lean() -> None:
    clear = interview(EBOOK, stage="established", goal="scale")
    softer = interview(
        {**EBOOK, "engagement": "ongoing", "lifecycle": "adapts", "customization": "3"},
        stage="established",
        goal="scale",
    )
    assert softer.verdict is Verdict.DIGITAL_PRODUCT
    assert softer.confidence < clear.confidence


def test_stage_and_goal_do_not_change_the_verdict() -> None:
    results = [
        interview(COURSE_COACHING, stage=stage, goal=goal)
        for stage in ("starting", "established")
        for goal in ("scale", "clarity")
    ]
    assert {(r.verdict, r.hybrid_shape, r.confidence) for r in results} == {
        (results[0].verdict, results[0].hybrid_shape, results[0].confidence)
    }


def test_ticking_more_boxes_does_not_outvote_a_single_answer() -> None:
    # Three boxes on the subscription step speak to engagement (leaning product, service,
    # mixed); one single-choice answer says self-serve. The boxes share one answer's weight.
    answered = [
        (BANK.step("subscription_contents"), Answer(options=("new_content", "time_with_you", "community"))),
        (BANK.step("engagement"), Answer(options=("self_serve",))),
    ]
    engagement = next(r for r in read_factors(gather(answered)) if r.factor is Factor.ENGAGEMENT)
    assert engagement.reading == "product", engagement
    assert engagement.service == pytest.approx(0.25)


def test_describing_a_fixed_package_does_not_argue_for_tailoring() -> None:
    without = interview(LOGO_PACKAGE, stage="some_clients", goal="scale")
    described = interview(
        LOGO_PACKAGE,
        stage="some_clients",
        goal="scale",
        description="Logo design package: 3 concepts, 2 revision rounds, fixed price.",
    )
    lean = {r.factor: r.lean for r in without.factors}
    described_lean = {r.factor: r.lean for r in described.factors}
    assert described_lean[Factor.CUSTOMIZATION] <= lean[Factor.CUSTOMIZATION]


# --- the numbers ------------------------------------------------------------------------------


def test_lean_parts_are_shares_of_one_answer() -> None:
    assert set(weights.LEAN_PARTS) == set(Lean)
    for product, service in weights.LEAN_PARTS.values():
        assert 0 <= product <= 1 and 0 <= service <= 1
        assert 0 <= product + service <= 1
    order = [Lean.PRODUCT, Lean.LEANS_PRODUCT, Lean.MIXED, Lean.LEANS_SERVICE, Lean.SERVICE]
    products = [weights.LEAN_PARTS[lean][0] for lean in order]
    services = [weights.LEAN_PARTS[lean][1] for lean in order]
    assert products == sorted(products, reverse=True)
    assert services == sorted(services)
    # The two poles are mirror images: neither is favoured by the numbers.
    assert products == services[::-1]
    # A mixed answer is evidence for both poles, not for neither.
    assert min(weights.LEAN_PARTS[Lean.MIXED]) > 0


def test_factor_weights_cover_every_factor_and_favour_ownership() -> None:
    assert set(weights.FACTOR_WEIGHTS) == set(Factor)
    assert all(weight > 0 for weight in weights.FACTOR_WEIGHTS.values())
    # The relationship after the sale is ITIL 4's deciding question (seed 003).
    assert weights.FACTOR_WEIGHTS[Factor.OWNERSHIP] == max(weights.FACTOR_WEIGHTS.values())


def test_phrase_weights_cover_every_strength_the_lexicon_uses() -> None:
    assert {entry.strength for entry in LEXICON} <= set(weights.PHRASE_WEIGHTS)
    assert (
        weights.PHRASE_WEIGHTS["weak"] < weights.PHRASE_WEIGHTS["normal"] < weights.PHRASE_WEIGHTS["strong"]
    )


def test_no_confidence_can_reach_certainty() -> None:
    assert weights.CONFIDENCE_BASE + weights.CONFIDENCE_SPAN < 1
    assert weights.HYBRID_SHAPE_CONFIDENCE + weights.HYBRID_COVERAGE_SPAN < 1
    assert weights.HYBRID_BALANCE_CONFIDENCE + weights.HYBRID_COVERAGE_SPAN < 1
    assert weights.QUICK_CONFIDENCE_BASE + weights.QUICK_CONFIDENCE_SPAN < 1
    for share in (
        weights.DESCRIPTION_WEIGHT,
        weights.NEGATION_FLIP_WEIGHT,
        weights.PAST_CLAUSE_WEIGHT,
        weights.FACTOR_LEAN_THRESHOLD,
        weights.HYBRID_BAND,
        weights.HYBRID_MIN_SIDE,
        weights.QUICK_HYBRID_RATIO,
    ):
        assert 0 < share < 1


DIALOGS_DIR = Path(dialogs.__file__).parent
MODULES = sorted(path.name for path in DIALOGS_DIR.glob("*.py") if path.name != "weights.py")


def float_literals(path: Path) -> list[tuple[int, float]]:
    """Fractional numbers written into a module, other than 0.0 and 1.0."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and type(node.value) is float and node.value not in (0.0, 1.0)
    ]


@pytest.mark.parametrize("module", [name for name in MODULES])
def test_weights_is_the_only_module_with_weights(module: str) -> None:
    assert float_literals(DIALOGS_DIR / module) == []
