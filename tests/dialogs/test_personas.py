"""The persona suite on the engine: for each member, the verdict and shape, the ITIL split,
the roadmap steps it must and must not hold, and no line of why that says what they did
not."""

from __future__ import annotations

from collections import Counter

import pytest

from dialogs.bank import default_bank
from dialogs.verdict import Verdict
from dialogs.wording import localize_result
from tests.english import english_in
from tests.personas import (
    Persona,
    answered_factors,
    contradictions,
    interview,
    load_personas,
    roadmap_diversity,
)

PERSONAS = load_personas()


def by_id(persona: Persona) -> str:
    return persona.id


def test_the_suite_covers_every_family_stage_goal_and_shape() -> None:
    bank = default_bank()
    assert len(PERSONAS) >= 24
    for step in ("offering_kind", "stage", "goal"):
        every = {option.id for option in bank.step(step).options}
        assert every <= {persona.answers[step][0] for persona in PERSONAS}, step
    shapes = Counter(persona.shape for persona in PERSONAS if persona.shape)
    assert len(shapes) == 3 and min(shapes.values()) >= 2, shapes


@pytest.mark.parametrize("persona", PERSONAS, ids=by_id)
def test_each_member_gets_the_verdict_and_shape_the_articles_support(persona: Persona) -> None:
    result = interview(persona)
    shape = result.hybrid_shape.value if result.hybrid_shape else None
    assert (result.verdict.value, shape) == (persona.verdict, persona.shape), persona.who


@pytest.mark.parametrize("persona", PERSONAS, ids=by_id)
def test_no_line_of_why_says_what_the_member_did_not(persona: Persona) -> None:
    result = interview(persona)
    assert contradictions(persona, result) == []
    for reading in result.factors:
        # Each factor that an answer spoke to is explained from those answers.
        assert (reading.reading == "unknown") == (not reading.reasons), reading.factor


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p.description], ids=by_id)
def test_the_description_never_overrides_a_button_answer(persona: Persona) -> None:
    with_text, without = interview(persona), interview(persona, with_description=False)
    answered = answered_factors(persona)
    for read, plain in zip(with_text.factors, without.factors, strict=True):
        if read.factor in answered:
            assert (read.reading, read.lean) == (plain.reading, plain.lean), read.factor
    assert (with_text.verdict, with_text.hybrid_shape) == (without.verdict, without.hybrid_shape)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p.verdict == "hybrid"], ids=by_id)
def test_a_hybrids_itil_reading_names_its_product_part_and_its_service_part(persona: Persona) -> None:
    result = interview(persona)
    assert result.itil.product_part is not None
    assert set(persona.service_parts) <= set(result.itil.service_parts)
    assert "Product part:" in result.itil.text and "Service part:" in result.itil.text


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p.verdict != "hybrid"], ids=by_id)
def test_a_single_sided_offering_is_not_split(persona: Persona) -> None:
    result = interview(persona)
    assert result.itil.product_part is None
    assert "Product part:" not in result.itil.text
    if result.verdict is Verdict.DIGITAL_PRODUCT:
        assert result.itil.service_parts == ()
    elif "advice" in persona.answers.get("after_sale", []):
        # A service names what its provider keeps carrying, from their own answers.
        assert "advice" in result.itil.service_parts
        assert "What you keep carrying for them: " in result.itil.text


@pytest.mark.parametrize("persona", PERSONAS, ids=by_id)
def test_each_roadmap_holds_what_the_member_needs_and_nothing_they_already_do(persona: Persona) -> None:
    result = interview(persona)
    steps = [step.id for step in result.roadmap]
    assert set(persona.roadmap_must) <= set(steps), steps
    assert not set(persona.roadmap_must_not) & set(steps), steps
    for step in result.roadmap:
        # Every step says why it is there for this member.
        assert step.why.startswith("Chosen because"), step.id
        assert step.because or step.for_verdict is Verdict(result.verdict), step.id


def test_members_with_different_stages_or_goals_get_different_roadmaps() -> None:
    roadmaps = {persona.id: tuple(step.id for step in interview(persona).roadmap) for persona in PERSONAS}
    diversity = roadmap_diversity(roadmaps, PERSONAS)
    assert diversity.identical == ()
    assert diversity.mean_overlap < 0.35


@pytest.mark.parametrize("persona", PERSONAS[::4], ids=by_id)
def test_the_advice_reads_in_french_without_english_left_over(persona: Persona) -> None:
    french = localize_result(interview(persona), "fr")
    words = [reading.why for reading in french.factors] + [french.itil.text]
    words += [part for step in french.roadmap for part in (step.title, step.detail, step.why)]
    assert english_in(" ".join(words)) == []
