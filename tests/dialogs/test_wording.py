"""Results, questions and quick checks are worded from their ids, in the member's language:
English and French read the same offering the same way, and stored results read in either."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from dialogs import catalog, wording
from dialogs.bank import default_bank
from dialogs.engine import DialogEngine, Prompt, Turn, TurnKind
from dialogs.factors import Factor, Pole
from dialogs.messages import quoted, render, text
from dialogs.quickcheck import quick_check
from dialogs.scoring import gather, read_factors
from dialogs.session import Answer
from dialogs.verdict import Classification, HybridShape, Quote, Verdict

ENGINE = DialogEngine()
BANK = default_bank()
DATA = Path(__file__).resolve().parents[1] / "data"

# Results as stored before lines of why kept their Quote (produced with model_dump_json
# from the release before this one): a hybrid with a description, and a service whose
# ownership line quotes two options of a multiple-choice step.
OLD_HYBRID_JSON = (
    '{"schema_version":1,"verdict":"hybrid","hybrid_shape":"product_as_a_service","subtype":'
    '"digital platform or SaaS","confidence":0.86,"summary":"You sell both at once: something built '
    'to be sold again, and work you keep doing. Its shape is a product delivered as a service.",'
    '"factors":[{"factor":"effort","title":"Effort","product":0.5,"service":0.5,"lean":0.0,'
    '"reading":"both","why":"Points both ways: the work is done once, before buyers arrive, yet the '
    'work repeats for every client you take on.","source":"seed 001 (comparison table)"},'
    '{"factor":"income","title":"Income","product":0.5,"service":0.5,"lean":0.0,"reading":"both",'
    '"why":"Points both ways: you earn per sale or licence, not per hour worked, yet you earn for time, '
    'projects or ongoing work.","source":"seed 001 (table), seed 000 (business models)"},'
    '{"factor":"scalability","title":"Scalability","product":1.0,"service":0.0,"lean":-1.0,'
    '"reading":"product","why":"More buyers cost you little extra time (you said “Hardly any more”).",'
    '"source":"seeds 000 and 001"},{"factor":"customization","title":"Customization","product":1.0,'
    '"service":0.0,"lean":-1.0,"reading":"product","why":"Every buyer gets the same thing (you said '
    '“Identical for everyone”).","source":"seeds 000 and 001"},{"factor":"engagement","title":'
    '"Engagement","product":0.364,"service":0.636,"lean":0.273,"reading":"service","why":"Customers '
    'keep a two-way relationship with you (you said “Time with you: calls, reviews, Q&A”).","source":'
    '"seed 000 (user engagement)"},{"factor":"value_source","title":"Value source","product":0.778,'
    '"service":0.0,"lean":-0.778,"reading":"product","why":"The thing you made solves the problem '
    '(you said “The thing I made”).","source":"seeds 000 and 001"},{"factor":"delivery","title":'
    '"Delivery","product":0.75,"service":0.25,"lean":-0.5,"reading":"product","why":"It is handed '
    'over at once, as a download or access (you said “All at once, as a download or access”).",'
    '"source":"seed 000 (value creation and delivery)"},{"factor":"lifecycle","title":"Lifecycle",'
    '"product":1.0,"service":0.0,"lean":-1.0,"reading":"product","why":"It changes through updates '
    'released to all buyers (you said “Updates released for everyone”).","source":"seed 000 '
    '(characteristics)"},{"factor":"ownership","title":"Costs and risks after the sale","product":0.0,'
    '"service":0.812,"lean":0.812,"reading":"service","why":"After the sale you keep carrying costs '
    'and risks for the customer (you said “Access to something you host”).","source":"seeds 002 and '
    '003 (ITIL 4 definitions)"}],"itil":{"cost_and_risk_owner":"provider","relationship":"two-way",'
    '"text":"After the sale you keep working with the customer and carry costs and risks they would '
    "rather not manage (running it, backing it up, supporting or advising). In ITIL 4 terms that is a "
    'service, even where products sit underneath it.","source":"seeds 002 and 003 (ITIL 4), seed 004 '
    '(product and service)"},"roadmap":[{"id":"plan_the_product","title":"Plan before you build",'
    '"detail":"Write down who buys it, the one problem it solves, and what the first version must do. '
    'A product\'s effort comes up front, so planning saves the most here.","factor":"effort",'
    '"source":"seed 001 (pros and cons of products)"},{"id":"define_service_boundary","title":"Write '
    'down the service boundary","detail":"List what the product does on its own and what you do for '
    'the customer: which costs and risks stay with you after the sale, and which pass to them.",'
    '"factor":"ownership","source":"seed 004 (service boundary), seed 003 (who owns costs and risks)"},'
    '{"id":"set_service_level","title":"Set a service level","detail":"Promise response times, '
    "availability and what is included, in numbers a customer can check. It is what separates a "
    'service from favours.","factor":"ownership","source":"seed 004 (service level)"},{"id":'
    '"market_the_product","title":"Plan the marketing, not only the making","detail":"A product sells '
    "only if buyers find it: pick one channel where your buyers already are and show up there every "
    'week.","factor":"income","source":"seed 001 (effective marketing)"}],"stage":"starting","goal":'
    '"scale","description":"I sell a hosted booking tool, with monthly calls"}'
)
OLD_SERVICE_OWNERSHIP = {
    "factor": "ownership",
    "title": "Costs and risks after the sale",
    "product": 0.0,
    "service": 1.0,
    "lean": 1.0,
    "reading": "service",
    "why": "After the sale you keep carrying costs and risks for the customer "
    "(you said “Running or hosting it”, “Backups and data”).",
    "source": "seeds 002 and 003 (ITIL 4 definitions)",
}

# English frames that must not survive in a French result or prompt.
ENGLISH_LEFTOVERS = (
    "you said",
    "you wrote",
    "Points both ways",
    "No answer spoke",
    "Its shape is",
    "For example",
    "Reads as",
    "Built once and sold as is",
    "Ongoing work for the customer",
    "In ITIL 4 terms",
)


def french(key: str) -> str:
    return text(key, "fr")


def interview(
    answers: Mapping[str, str] | None = None, *, description: str | None = None
) -> tuple[list[Prompt], Turn]:
    """Answer "1" (or the given answer) at every step, skipping the optional ones."""
    answers = answers or {}
    prompts: list[Prompt] = []
    turn = ENGINE.start()
    while turn.kind is not TurnKind.FINISHED:
        prompt = turn.prompt
        assert prompt is not None, turn
        prompts.append(prompt)
        if prompt.step_id in answers:
            turn = ENGINE.answer(turn.session, answers[prompt.step_id])
        elif prompt.step_id == "description" and description is not None:
            turn = ENGINE.answer(turn.session, description)
        elif prompt.optional:
            turn = ENGINE.skip(turn.session)
        else:
            turn = ENGINE.answer(turn.session, "1")
    assert turn.result is not None
    return prompts, turn


HYBRID = {
    "offering_kind": "platform",
    "effort": "both",
    "income": "subscription",
    "subscription_contents": "2,4",
    "after_sale": "1,3",
}


# --- English is rendered like every other language -------------------------------------------


@pytest.mark.parametrize("lang", ["en", "en-US", "es-ES", "nonsense"])
def test_english_and_unsupported_locales_read_as_the_advisor_wrote_it(lang: str) -> None:
    prompts, turn = interview(HYBRID, description="I sell a hosted booking tool, with monthly calls")
    for prompt in prompts:
        assert wording.localize_prompt(prompt, lang) == prompt
        help_text = ENGINE.help(ENGINE.new_session().model_copy(update={"current": prompt.step_id}))
        assert render(help_text, lang) == render(wording.step_help(prompt.step_id), "en")
    assert turn.result is not None
    assert wording.localize_result(turn.result, lang) == turn.result
    for description in [*descriptions(), "je vends des cours de cuisine", "a thing"]:
        check = quick_check(description)
        assert wording.localize_quick_check(check, lang) == check, description


def test_english_names() -> None:
    en = {
        (Verdict.HYBRID, HybridShape.PRODUCT_AS_A_SERVICE): "Hybrid: a product delivered as a service",
        (Verdict.DIGITAL_PRODUCT, None): "Digital product",
    }
    for (verdict, shape), title in en.items():
        assert render(wording.verdict_title(verdict, shape), "en") == title
    assert render(wording.factor_title(Factor.OWNERSHIP), "en") == "Costs and risks after the sale"
    assert render(wording.reading_title("both"), "en") == "both"
    assert render(wording.owner_title("provider"), "en") == "You carry them"
    assert render(wording.relationship_title("two-way"), "en") == "two-way"
    assert render(wording.family_name("online course"), "en") == "online course"


def test_step_help_is_the_engines_help_with_its_example() -> None:
    session = ENGINE.new_session()
    for step in BANK.steps:
        shown = render(ENGINE.help(session.model_copy(update={"current": step.id})), "en")
        assert shown == f"{step.help}\nFor example: {step.example}"


# --- French ---------------------------------------------------------------------------------


def test_a_french_interview_keeps_ids_and_has_no_english_left() -> None:
    prompts, _ = interview()
    seen = set()
    for prompt in prompts:
        localized = wording.localize_prompt(prompt, "fr")
        seen.add(prompt.step_id)
        base = f"bank.{prompt.step_id}"
        assert localized.text == french(f"{base}.prompt") != prompt.text
        assert localized.help == french(f"{base}.help") != prompt.help
        assert [o.id for o in localized.options] == [o.id for o in prompt.options]
        assert [o.number for o in localized.options] == [o.number for o in prompt.options]
        for option, original in zip(localized.options, prompt.options, strict=True):
            assert option.label == french(f"{base}.{option.id}.label")
            assert option.label != original.label or original.label in ("Game",)
            assert (option.description == "") == (original.description == "")
        same = ("step_id", "kind", "optional", "position", "total", "can_go_back", "max_length")
        assert all(getattr(localized, name) == getattr(prompt, name) for name in same)
        assert localized.current_answer == prompt.current_answer
    assert "stage" in seen and "goal" in seen

    stage = wording.localize_prompt(prompts[0], "fr")
    assert stage.text == "Où en êtes-vous avec cette offre aujourd'hui ?"
    assert [o.label for o in stage.options] == [
        "Je débute",
        "Quelques clients payants",
        "Activité bien établie",
    ]
    assert stage.options[0].description == "Pas encore de client payant"


def test_a_french_result_is_rebuilt_from_its_ids() -> None:
    _, turn = interview(HYBRID, description="I sell a hosted booking tool, with monthly calls")
    result = turn.result
    assert result is not None
    localized = wording.localize_result(result, "fr")

    assert localized.verdict is result.verdict is Verdict.HYBRID
    assert localized.hybrid_shape is result.hybrid_shape is HybridShape.PRODUCT_AS_A_SERVICE
    assert localized.confidence == result.confidence
    assert (localized.stage, localized.goal, localized.description) == (
        result.stage,
        result.goal,
        result.description,
    )
    assert [s.id for s in localized.roadmap] == [s.id for s in result.roadmap]
    assert [s.factor for s in localized.roadmap] == [s.factor for s in result.roadmap]
    for new, old in zip(localized.factors, result.factors, strict=True):
        assert (new.factor, new.reading, new.lean, new.quote, new.source) == (
            old.factor,
            old.reading,
            old.lean,
            old.quote,
            old.source,
        )
    assert localized.itil.cost_and_risk_owner == result.itil.cost_and_risk_owner

    texts = [localized.summary, localized.itil.text, localized.subtype or ""]
    texts += [f.title for f in localized.factors] + [f.why for f in localized.factors]
    texts += [s.title for s in localized.roadmap] + [s.detail for s in localized.roadmap]
    for shown in texts:
        assert not any(leftover in shown for leftover in ENGLISH_LEFTOVERS), shown
    assert localized.summary == (
        "Vous vendez les deux à la fois : quelque chose de conçu pour être revendu, et un travail que "
        "vous continuez de fournir. Sa forme : un produit fourni sous forme de service."
    )
    assert localized.subtype == "plateforme numérique ou SaaS"
    assert localized.itil.text.startswith(french("itil.text.provider"))
    assert "Partie produit : le logiciel de la plateforme" in localized.itil.text
    assert [s.title for s in localized.roadmap] == [french(f"roadmap.{s.id}.title") for s in result.roadmap]
    assert all(new.why != old.why for new, old in zip(localized.factors, result.factors, strict=True))
    why = {reading.factor: reading.why for reading in localized.factors}
    assert why[Factor.OWNERSHIP] == (
        "Après la vente, vous continuez de porter des coûts et des risques pour le client "
        "(vous avez répondu «\u00a0Accès à quelque chose que vous hébergez\u00a0» "
        "et «\u00a0Exploitation ou hébergement\u00a0»)."
    )
    assert why[Factor.EFFORT] == (
        "Un gros chantier vient d'abord, puis du travail pour chaque client "
        "(vous avez répondu «\u00a0Un gros chantier au départ, puis du travail par client\u00a0»)."
    )
    assert render(wording.verdict_title(localized.verdict, localized.hybrid_shape), "fr") == (
        "Hybride : un produit fourni sous forme de service"
    )


def test_a_quoted_multiple_choice_answer_is_quoted_in_french() -> None:
    answers = {"stage": "2", "offering_kind": "consulting", "effort": "per_client", "after_sale": "1,2"}
    _, turn = interview(answers)
    assert turn.result is not None
    ownership = next(f for f in turn.result.factors if f.factor is Factor.OWNERSHIP)
    assert ownership.reasons[0].quotes == (Quote(step="after_sale", options=("running", "backups")),)
    assert ownership.why.endswith("(you said “Running or hosting it” and “Backups and data”).")
    localized = next(
        f for f in wording.localize_result(turn.result, "fr").factors if f.factor is Factor.OWNERSHIP
    )
    assert localized.why.endswith(
        "(vous avez répondu «\u00a0Exploitation ou hébergement\u00a0» "
        "et «\u00a0Sauvegardes et données\u00a0»)."
    )


def test_a_phrase_the_member_wrote_stays_as_written() -> None:
    step = BANK.step("description")
    readings = read_factors(gather([(step, Answer(text="Weekly coaching calls, custom for each client"))]))
    read = [r for r in readings if r.reasons]
    assert read and all(q.phrase for r in read for q in r.reasons[0].quotes)
    result = Classification.model_validate_json(OLD_HYBRID_JSON).model_copy(update={"factors": readings})
    for reading in wording.localize_result(result, "fr").factors:
        if reading.reasons and len(reading.reasons) == 1:
            written = quoted([quote.phrase or "" for quote in reading.reasons[0].quotes], "fr")
            assert reading.why.endswith(f"(d'après votre description, où vous avez écrit {written}).")
        elif reading.reading == "unknown":
            assert reading.why == "Aucune réponse n'en parlait."


def test_french_help_and_explanation() -> None:
    session = ENGINE.answer(ENGINE.new_session(), "1").session  # at offering_kind
    localized = render(ENGINE.help(session), "fr")
    assert localized.startswith(french("bank.offering_kind.help"))
    assert "\nPar exemple : Des modèles Notion" in localized
    # The explanation after three bad answers in a row is the same text.
    turn = ENGINE.answer(session, "nonsense", failed_before=2)
    assert turn.explanation is not None and render(turn.explanation, "fr") == localized
    # And the refusal itself.
    assert turn.error is not None
    assert render(turn.error, "fr") == (
        "«\u00a0nonsense\u00a0» ne fait pas partie des réponses proposées. Choisissez un numéro de 1 à 13, "
        "ou tapez le texte de la réponse."
    )


def test_french_names() -> None:
    assert render(wording.verdict_title(Verdict.DIGITAL_PRODUCT), "fr") == "Produit numérique"
    assert render(wording.verdict_title(Verdict.HYBRID, HybridShape.PRODUCTIZED_SERVICE), "fr-FR") == (
        "Hybride : un service packagé"
    )
    assert render(wording.factor_title(Factor.OWNERSHIP), "fr") == "Coûts et risques après la vente"
    assert render(wording.reading_title("both"), "fr") == "les deux"
    assert render(wording.owner_title("customer"), "fr") == "Votre client les porte"
    assert render(wording.relationship_title("one-directional"), "fr") == "à sens unique"
    assert render(wording.family_name("online course"), "fr") == "formation en ligne"
    assert render(wording.family_name("a family nobody knows"), "fr") == "a family nobody knows"
    assert render(wording.bank_title(), "fr") == "Que vendez-vous vraiment ?"


def test_a_prompt_from_another_bank_keeps_its_own_texts() -> None:
    prompt = ENGINE.start().prompt
    assert prompt is not None
    custom = replace(prompt, step_id="my_own_step", text="A question of my own?", help="My own help.")
    localized = wording.localize_prompt(custom, "fr")
    assert (localized.text, localized.help) == ("A question of my own?", "My own help.")


# --- the quick check ------------------------------------------------------------------------


def descriptions() -> list[str]:
    found = []
    for name in ("quickcheck_dev.jsonl", "quickcheck_labelled.jsonl", "quickcheck_holdout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["text"])
    return found


def test_every_quick_check_explanation_is_rebuilt_in_french() -> None:
    texts = [*descriptions(), "hello there friend", "je vends des cours de cuisine", "a thing", "ok then"]
    verdicts = set()
    for description in texts:
        check = quick_check(description)
        localized = wording.localize_quick_check(check, "fr")
        verdicts.add(check.verdict)
        assert localized.explanation != check.explanation, description
        assert not any(leftover in localized.explanation for leftover in ENGLISH_LEFTOVERS), description
        assert localized.model_dump(exclude={"explanation"}) == check.model_dump(exclude={"explanation"})
        for signal in check.signals:
            if f"“{signal.phrase}”" in check.explanation:
                assert f"«\u00a0{signal.phrase}\u00a0»" in localized.explanation
    assert verdicts == set(Verdict)


def test_quick_check_known_sentences() -> None:
    check = quick_check("I sell Notion templates, pay once")
    assert check.explanation == ("Built once and sold as is: “templates” and “pay once”.")
    assert wording.localize_quick_check(check, "fr").explanation == (
        "Construit une fois et vendu tel quel : «\u00a0templates\u00a0» et «\u00a0pay once\u00a0»."
    )
    unclear = wording.localize_quick_check(quick_check("Ich verkaufe Kochkurse im Internet"), "fr")
    assert unclear.verdict is Verdict.UNCLEAR
    assert unclear.explanation.startswith(
        "Je n'ai rien trouvé qui dise ce que vous vendez ni comment cela parvient à vos clients "
        "(la vérification rapide ne lit que les descriptions en anglais et en français). "
    )
    faint = wording.localize_quick_check(quick_check("je vends des cours de cuisine en ligne"), "fr")
    assert faint.verdict is Verdict.UNCLEAR
    assert faint.explanation.startswith("Je n'ai trouvé qu'un faible indice de ce que vous vendez.")
    hybrid = wording.localize_quick_check(quick_check("a course with weekly coaching calls"), "fr")
    assert hybrid.explanation.startswith("Construit une fois et vendu tel quel : «\u00a0course\u00a0».")


# --- stored results -------------------------------------------------------------------------


def test_results_stored_before_quotes_still_load_and_read_in_either_language() -> None:
    old = Classification.model_validate_json(OLD_HYBRID_JSON)
    assert all(reading.quote is None for reading in old.factors)
    # It loads as it was stored: the fields added since keep their empty defaults.
    assert all(reading.reasons == () for reading in old.factors)
    assert (old.itil.product_part, old.itil.service_parts) == (None, ())
    assert all(step.because == () and step.why == "" for step in old.roadmap)

    # In English the stored lines of why stand as they were written; its roadmap steps
    # read in this release's words for them, as in every language.
    english = wording.localize_result(old, "en")
    assert english.factors == old.factors
    assert english.itil.text == text(f"itil.text.{old.itil.cost_and_risk_owner}", "en")
    assert [step.title for step in english.roadmap] == [
        text(f"roadmap.{step.id}.title", "en") for step in old.roadmap
    ]
    # In French each line is rebuilt from its factor and reading; the English it quoted
    # is never read back into parts, so an old line says the reason without the quote.
    localized = wording.localize_result(old, "fr")
    why = {reading.factor: reading.why for reading in localized.factors}
    line = text(f"factor.{Factor.SCALABILITY.value}.{Pole.PRODUCT.value}", "fr")
    assert why[Factor.SCALABILITY] == f"{line[:1].upper()}{line[1:]}."
    assert why[Factor.EFFORT].startswith("Cela va dans les deux sens")
    assert not any(leftover in shown for shown in why.values() for leftover in ENGLISH_LEFTOVERS)


def test_a_quote_naming_an_option_since_removed_says_the_line_alone() -> None:
    old = Classification.model_validate_json(OLD_HYBRID_JSON)
    gone = old.factors[2].model_copy(update={"quote": Quote(step="scalability", options=("9",))})
    result = old.model_copy(update={"factors": (gone, *old.factors[3:])})
    assert wording.localize_result(result, "en").factors[0].why == gone.why
    line = text("factor.scalability.product", "fr")
    assert wording.localize_result(result, "fr").factors[0].why == f"{line[:1].upper()}{line[1:]}."


def test_a_roadmap_step_this_release_does_not_know_keeps_its_text() -> None:
    old = Classification.model_validate_json(OLD_HYBRID_JSON)
    retired = old.roadmap[0].model_copy(update={"id": "retired_step", "title": "Old title"})
    result = old.model_copy(update={"roadmap": (retired, *old.roadmap[1:])})
    assert wording.localize_result(result, "fr").roadmap[0].title == "Old title"


def test_new_results_round_trip_with_their_quotes() -> None:
    _, turn = interview(HYBRID)
    assert turn.result is not None
    again = Classification.model_validate_json(turn.result.model_dump_json())
    assert again == turn.result
    assert any(reading.reasons for reading in again.factors)


def test_every_catalog_key_a_result_uses_exists() -> None:
    used = {f"verdict.{v.value}" for v in Verdict} | {f"shape.{s.value}" for s in HybridShape}
    used |= {f"factor.{f.value}.{part}" for f in Factor for part in ("title", "product", "service")}
    assert used <= set(catalog.keys("fr"))
