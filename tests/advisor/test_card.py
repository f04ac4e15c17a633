"""The result card's choices: which factors it names, how it words sureness, what moved."""

from __future__ import annotations

import pytest

from advisor.card import Sureness, deciding_factors, result_card, sureness, what_changed
from dialogs.verdict import Verdict
from tests.personas import interview, load_personas

RESULTS = {persona.id: interview(persona) for persona in load_personas()}


@pytest.mark.parametrize("persona", sorted(RESULTS))
def test_the_cards_reasons_explain_the_verdict_they_sit_under(persona: str) -> None:
    result = RESULTS[persona]
    sides = [reading.reading for reading in deciding_factors(result)]
    assert len(sides) == 3
    if result.verdict is Verdict.HYBRID:
        # A hybrid is both: the card shows a reason from each side it has.
        assert {"product", "service"} & set(sides) == {
            reading.reading for reading in result.factors if reading.reading in ("product", "service")
        }
    else:
        side = "product" if result.verdict is Verdict.DIGITAL_PRODUCT else "service"
        assert sides[0] == side


def test_the_strongest_factor_comes_first() -> None:
    # The relationship after the sale counts double in the verdict (dialogs/weights.py).
    first = deciding_factors(RESULTS["coach_hourly_beginner"])[0]
    assert first.factor.value == "ownership"


@pytest.mark.parametrize(
    ("confidence", "words"), [(0.95, Sureness.CLEAR), (0.8, Sureness.FAIRLY_CLEAR), (0.6, Sureness.CLOSE)]
)
def test_sureness_is_said_in_words(confidence: float, words: Sureness) -> None:
    assert sureness(confidence) is words


def test_a_hybrid_card_names_its_product_and_its_service_part() -> None:
    card = result_card(RESULTS["course_with_coaching_beginner"], "en")
    assert card.gist.startswith(
        "The product is the recorded course itself; the service is your ongoing advice"
    )
    assert card.confidence == "A clear result, 86% sure"


def test_what_changed_names_the_new_verdict_and_the_factors_that_moved() -> None:
    moved = what_changed(RESULTS["ebook_sourdough_beginner"], RESULTS["saas_payroll"], "en")
    assert moved.startswith(
        "Since your previous result: Digital product before, Hybrid: a product delivered as a service now;"
    )
    assert "Costs and risks after the sale from product to service" in moved
    same = what_changed(RESULTS["saas_payroll"], RESULTS["saas_payroll"], "fr")
    assert same == (
        "Depuis votre résultat précédent : Toujours Hybride : un produit fourni sous forme de service,"
        " chaque facteur du même côté."
    )
