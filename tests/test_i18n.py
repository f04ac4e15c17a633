"""Member-facing text follows the member's locale: English and French ship, a missing
French text falls back to English, and a French text that names nothing English fails."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from enum import Enum
from pathlib import Path

import pytest

from dialogs import i18n
from dialogs.bank import StepKind, default_bank
from dialogs.engine import DialogEngine, Prompt, Turn, TurnKind
from dialogs.factors import FACTOR_LINES, FACTOR_TITLES, Factor, Pole
from dialogs.lexicon import LEXICON
from dialogs.quickcheck import quick_check
from dialogs.roadmap import CANDIDATES
from dialogs.scoring import ITIL_TEXTS, SUMMARIES, gather, read_factors
from dialogs.session import Answer
from dialogs.verdict import SHAPE_TITLES, Classification, HybridShape, Quote, Verdict

ENGINE = DialogEngine()
BANK = default_bank()
DATA = Path(__file__).parent / "data"
FRENCH_FILE = Path(i18n.__file__).parent / "data" / "locales" / "fr.toml"

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


@pytest.fixture
def fresh_catalogs() -> Iterator[None]:
    """Tests that load catalogs from elsewhere must not leave them in the cache."""
    i18n.catalog.cache_clear()
    yield
    i18n.catalog.cache_clear()


def french() -> Mapping[str, str]:
    return i18n.catalog("fr")


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
    "subscription_contents": "2,3",
    "after_sale": "1,3",
}


# --- the catalogs ---------------------------------------------------------------------------


def test_every_english_text_has_a_french_translation() -> None:
    missing = sorted(set(i18n.english_catalog()) - set(french()))
    assert missing == [], f"French lacks {len(missing)} texts: {missing}"


def test_every_bank_text_is_in_the_english_catalog() -> None:
    english = i18n.english_catalog()
    for step in BANK.steps:
        assert english[f"bank.{step.id}.prompt"] == step.prompt
        assert english[f"bank.{step.id}.help"] == step.help
        assert english[f"bank.{step.id}.example"] == step.example
        for option in step.options:
            assert english[f"bank.{step.id}.{option.id}.label"] == option.label
            if option.description:
                assert english[f"bank.{step.id}.{option.id}.description"] == option.description
    for candidate in CANDIDATES:
        assert english[f"roadmap.{candidate.step.id}.title"] == candidate.step.title
    families = {o.family for s in BANK.steps for o in s.options if o.family}
    families |= {entry.family for entry in LEXICON if entry.family}
    assert {i18n.family_key(family) for family in families} <= set(english)
    assert all(english[f"factor.{f.value}.title"] == FACTOR_TITLES[f] for f in Factor)
    assert all(english[f"summary.{v.value}"] == SUMMARIES[v] for v in Verdict)
    assert all(english[f"itil.text.{owner}"] == text for owner, text in ITIL_TEXTS.items())


def test_the_french_file_has_no_orphan_key() -> None:
    keys = set(tomllib.loads(FRENCH_FILE.read_text(encoding="utf-8")))
    orphans = sorted(keys - set(i18n.english_catalog()))
    assert orphans == []
    assert set(french()) == keys
    i18n.check_catalogs()


def test_french_differs_from_english_where_it_should() -> None:
    english = i18n.english_catalog()
    # Texts that read the same in both languages.
    same = {
        "factor.effort.title",
        "factor.engagement.title",
        "reading.service",
        "why.quoted",
        "quote.separator",
        "quick.title_with_shape",
    }
    unchanged = sorted(key for key, value in french().items() if value == english[key] and key not in same)
    assert unchanged == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"bank.stage.renamed.label": "Je débute"}, "'bank.stage.renamed.label' matches no English text"),
        ({"roadmap.gone.title": "Parti"}, "'roadmap.gone.title' matches no English text"),
        ({"bank": {"stage": {"old_step": {"label": "x"}}}}, "'bank.stage.old_step.label' matches no English"),
        ({"why.both": "Les deux : {product}."}, "'why.both' has placeholders ['product']"),
        ({"bank.stage.prompt": "Où en êtes-vous {maintenant} ?"}, "'bank.stage.prompt' has placeholders"),
        ({"why.both": "Les deux : {product, {service}."}, "'why.both' is not a valid text frame"),
        ({"bank.stage.prompt": ""}, "'bank.stage.prompt' must be a non-empty string"),
        ({"bank.stage.prompt": 3}, "'bank.stage.prompt' must be a non-empty string"),
        ({"bank.stage.starting.label": "x" * 81}, "'bank.stage.starting.label' is 81 characters"),
        ({"bank.stage.starting.description": "x" * 101}, "is 101 characters; the limit is 100"),
        (
            {"bank.stage.prompt": "A", "bank": {"stage": {"prompt": "B"}}},
            "'bank.stage.prompt' is defined twice",
        ),
    ],
)
def test_a_broken_translation_is_refused_naming_the_key(data: dict[str, object], problem: str) -> None:
    with pytest.raises(i18n.CatalogError, match=re.escape(problem)):
        i18n.validate_catalog(data, source="test.toml")


def test_bare_dotted_keys_are_read_as_flat_keys() -> None:
    data = {"bank": {"stage": {"prompt": "Où en êtes-vous ?"}}}
    assert i18n.validate_catalog(data, source="test.toml") == {"bank.stage.prompt": "Où en êtes-vous ?"}


def test_an_unreadable_or_missing_translation_file_is_an_error(
    fresh_catalogs: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class Files:
        def files(self, package: str) -> Path:
            return tmp_path

    monkeypatch.setattr(i18n, "resources", Files())
    with pytest.raises(i18n.CatalogError, match=r"locales/fr\.toml: cannot read"):
        i18n.catalog("fr")
    (tmp_path / "data" / "locales").mkdir(parents=True)
    (tmp_path / "data" / "locales" / "fr.toml").write_text('"bank.title" = "Que', encoding="utf-8")
    with pytest.raises(i18n.CatalogError, match="cannot read the translation"):
        i18n.catalog("fr")
    (tmp_path / "data" / "locales" / "fr.toml").write_text('"bank.gone" = "x"', encoding="utf-8")
    with pytest.raises(i18n.CatalogError, match=re.escape("'bank.gone' matches no English text")):
        i18n.catalog("fr")


def test_an_unsupported_language_has_no_catalog() -> None:
    with pytest.raises(i18n.CatalogError, match="not a supported language"):
        i18n.catalog("de")
    assert i18n.text("bank.title", "de", "What are you really selling?") == "What are you really selling?"


# --- choosing the language ------------------------------------------------------------------


class FakeLocale(Enum):
    """Like discord.py's Locale: an enum whose str() is the locale code."""

    french = "fr"
    american_english = "en-US"

    def __str__(self) -> str:
        return str(self.value)


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        (" fr ", "fr"),
        ("fr-CA", "fr"),
        ("fr_FR", "fr"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("es-ES", "en"),
        ("es-419", "en"),
        ("pt-BR", "en"),
        ("zh-CN", "en"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
        ("français", "en"),
        ("garbage!!", "en"),
        ("-", "en"),
    ],
)
def test_language_for_maps_discord_locales(locale: str | None, language: str) -> None:
    assert i18n.language_for(locale) == language


def test_language_for_accepts_a_locale_enum() -> None:
    assert i18n.language_for(FakeLocale.french) == "fr"  # type: ignore[arg-type]
    assert i18n.language_for(FakeLocale.american_english) == "en"  # type: ignore[arg-type]
    assert i18n.SUPPORTED_LANGUAGES == ("en", "fr")


# --- English is the identity ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "en-US", "es-ES", "nonsense"])
def test_english_and_unsupported_locales_change_nothing(lang: str) -> None:
    prompts, turn = interview(HYBRID, description="I sell a hosted booking tool, with monthly calls")
    for prompt in prompts:
        assert i18n.localize_prompt(prompt, lang) is prompt
        help_text = ENGINE.help(ENGINE.new_session().model_copy(update={"current": prompt.step_id}))
        assert i18n.localize_help(help_text, prompt.step_id, lang) is help_text
    assert turn.result is not None
    assert i18n.localize_result(turn.result, lang) is turn.result
    check = quick_check("I sell Notion templates, pay once")
    assert i18n.localize_quick_check(check, lang) is check
    assert i18n.text("bank.title", lang, "anything") == "anything"


def test_english_names_match_what_the_advisor_says() -> None:
    for verdict in Verdict:
        for shape in [None, *HybridShape]:
            result = Classification.model_validate_json(OLD_HYBRID_JSON).model_copy(
                update={"verdict": verdict, "hybrid_shape": shape}
            )
            assert i18n.verdict_title(verdict, shape, "en") == result.headline
    assert all(i18n.shape_title(shape, "en") == SHAPE_TITLES[shape] for shape in HybridShape)
    assert all(i18n.factor_title(factor, "en") == FACTOR_TITLES[factor] for factor in Factor)
    assert i18n.reading_title("both", "en") == "both"
    assert i18n.owner_title("provider", "en") == "You carry them"
    assert i18n.relationship_title("two-way", "en") == "two-way"
    assert i18n.family_name("online course", "en") == "online course"


def test_step_help_in_english_is_the_engines_help() -> None:
    session = ENGINE.new_session()
    for step in BANK.steps:
        assert i18n.step_help(step.id, "en") == ENGINE.help(session.model_copy(update={"current": step.id}))


# --- French ---------------------------------------------------------------------------------


def test_a_french_interview_keeps_ids_and_has_no_english_left() -> None:
    prompts, _ = interview()
    seen = set()
    for prompt in prompts:
        localized = i18n.localize_prompt(prompt, "fr")
        seen.add(prompt.step_id)
        base = f"bank.{prompt.step_id}"
        assert localized.text == french()[f"{base}.prompt"] != prompt.text
        assert localized.help == french()[f"{base}.help"] != prompt.help
        assert [o.id for o in localized.options] == [o.id for o in prompt.options]
        assert [o.number for o in localized.options] == [o.number for o in prompt.options]
        for option, original in zip(localized.options, prompt.options, strict=True):
            assert option.label == french()[f"{base}.{option.id}.label"]
            assert option.label != original.label or original.label in ("Game",)
            assert (option.description == "") == (original.description == "")
        same = ("step_id", "kind", "optional", "position", "total", "can_go_back", "max_length")
        assert all(getattr(localized, name) == getattr(prompt, name) for name in same)
        assert localized.current_answer == prompt.current_answer
    assert "stage" in seen and "goal" in seen

    # Known strings, one per kind of text.
    stage = i18n.localize_prompt(prompts[0], "fr")
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
    localized = i18n.localize_result(result, "fr")

    # Ids, verdict and numbers are untouched.
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

    # Every text changed, and none carries an English frame.
    texts = [localized.summary, localized.itil.text, localized.subtype or ""]
    texts += [f.title for f in localized.factors] + [f.why for f in localized.factors]
    texts += [s.title for s in localized.roadmap] + [s.detail for s in localized.roadmap]
    for text in texts:
        assert not any(leftover in text for leftover in ENGLISH_LEFTOVERS), text
    assert localized.summary == (
        "Vous vendez les deux à la fois : quelque chose de conçu pour être revendu, et un travail que "
        "vous continuez de fournir. Sa forme : un produit fourni sous forme de service."
    )
    assert localized.subtype == "plateforme numérique ou SaaS"
    assert localized.itil.text == french()["itil.text.provider"]
    assert [s.title for s in localized.roadmap] == [french()[f"roadmap.{s.id}.title"] for s in result.roadmap]
    assert all(new.why != old.why for new, old in zip(localized.factors, result.factors, strict=True))
    why = {reading.factor: reading.why for reading in localized.factors}
    assert why[Factor.OWNERSHIP] == (
        "Après la vente, vous continuez de porter des coûts et des risques pour le client "
        "(vous avez répondu « Accès à quelque chose que vous hébergez »)."
    )
    assert why[Factor.EFFORT].startswith("Cela va dans les deux sens : le travail se fait une fois")
    assert i18n.verdict_title(localized.verdict, localized.hybrid_shape, "fr") == (
        "Hybride : un produit fourni sous forme de service"
    )


def test_a_quoted_multiple_choice_answer_is_quoted_in_french() -> None:
    answers = {"stage": "2", "offering_kind": "consulting", "effort": "per_client", "after_sale": "1,2"}
    _, turn = interview(answers)
    assert turn.result is not None
    ownership = next(f for f in turn.result.factors if f.factor is Factor.OWNERSHIP)
    assert ownership.quote == Quote(step="after_sale", options=("running", "backups"))
    assert ownership.why.endswith("(you said “Running or hosting it”, “Backups and data”).")
    localized = next(
        f for f in i18n.localize_result(turn.result, "fr").factors if f.factor is Factor.OWNERSHIP
    )
    assert localized.why.endswith(
        "(vous avez répondu « Exploitation ou hébergement », « Sauvegardes et données »)."
    )


def test_a_phrase_the_member_wrote_stays_as_written() -> None:
    step = BANK.step("description")
    readings = read_factors(gather([(step, Answer(text="Weekly coaching calls, custom for each client"))]))
    quoted = [r for r in readings if r.quote is not None]
    assert quoted and all(r.quote is not None and r.quote.phrase for r in quoted)
    result = Classification.model_validate_json(OLD_HYBRID_JSON).model_copy(update={"factors": readings})
    for reading in i18n.localize_result(result, "fr").factors:
        if reading.quote is not None:
            assert reading.quote.phrase is not None
            assert reading.why.endswith(f"(vous avez écrit « {reading.quote.phrase} »).")
        elif reading.reading == "unknown":
            assert reading.why == "Aucune réponse n'en parlait."


def test_french_help_and_explanation() -> None:
    session = ENGINE.answer(ENGINE.new_session(), "1").session  # at offering_kind
    help_text = ENGINE.help(session)
    localized = i18n.localize_help(help_text, "offering_kind", "fr")
    assert localized == i18n.step_help("offering_kind", "fr")
    assert localized.startswith(french()["bank.offering_kind.help"])
    assert "\nPar exemple : Des modèles Notion" in localized
    # The explanation after three bad answers in a row is the same text.
    turn = ENGINE.answer(session, "nonsense", failed_before=2)
    assert turn.explanation == help_text
    assert i18n.localize_help(turn.explanation, "offering_kind", "fr") == localized
    # The prompt's help alone, and text this bank did not write, are handled too.
    assert i18n.localize_help(BANK.step("effort").help, "effort", "fr") == french()["bank.effort.help"]
    assert i18n.localize_help("Some other help.", "effort", "fr") == "Some other help."
    assert i18n.localize_help(help_text, "no_such_step", "fr") == help_text


def test_french_names() -> None:
    assert i18n.verdict_title(Verdict.DIGITAL_PRODUCT, None, "fr") == "Produit numérique"
    assert i18n.verdict_title(Verdict.HYBRID, HybridShape.PRODUCTIZED_SERVICE, "fr-FR") == (
        "Hybride : un service packagé"
    )
    assert i18n.factor_title(Factor.OWNERSHIP, "fr") == "Coûts et risques après la vente"
    assert i18n.reading_title("both", "fr") == "les deux"
    assert i18n.owner_title("customer", "fr") == "Votre client les porte"
    assert i18n.relationship_title("one-directional", "fr") == "à sens unique"
    assert i18n.family_name("online course", "fr") == "formation en ligne"
    assert i18n.family_name("a family nobody knows", "fr") == "a family nobody knows"
    assert i18n.text("bank.title", "fr", "What are you really selling?") == "Que vendez-vous vraiment ?"


def test_a_prompt_from_another_bank_is_left_alone() -> None:
    prompt = ENGINE.start().prompt
    assert prompt is not None
    custom = replace(prompt, text="A question of my own?", help="My own help.")
    localized = i18n.localize_prompt(custom, "fr")
    assert (localized.text, localized.help) == ("A question of my own?", "My own help.")
    assert localized.options[0].label == "Je débute"  # the options are still this bank's


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
    for text in texts:
        check = quick_check(text)
        localized = i18n.localize_quick_check(check, "fr")
        verdicts.add(check.verdict)
        assert localized.explanation != check.explanation, text
        assert not any(leftover in localized.explanation for leftover in ENGLISH_LEFTOVERS), text
        assert localized.model_dump(exclude={"explanation"}) == check.model_dump(exclude={"explanation"})
        # The phrases quoted stay as the member wrote them.
        for signal in check.signals:
            if f"“{signal.phrase}”" in check.explanation:
                assert f"« {signal.phrase} »" in localized.explanation
    assert verdicts == set(Verdict)


def test_quick_check_known_sentences_in_french() -> None:
    check = i18n.localize_quick_check(quick_check("I sell Notion templates, pay once"), "fr")
    assert check.explanation == (
        "À première lecture : Produit numérique. Construit une fois et vendu tel quel : « templates », "
        "« pay once »."
    )
    unclear = i18n.localize_quick_check(quick_check("je vends des cours de cuisine en ligne"), "fr")
    assert unclear.verdict is Verdict.UNCLEAR
    assert unclear.explanation.startswith(
        "Je n'ai rien trouvé qui dise ce que vous vendez ni comment cela parvient à vos clients "
        "(la vérification rapide ne lit que les descriptions en anglais). "
    )
    hybrid = i18n.localize_quick_check(quick_check("a course with weekly coaching calls"), "fr")
    assert hybrid.explanation.startswith(
        "À première lecture : Hybride, un produit doté d'une couche de service."
    )


def test_a_quick_check_explanation_it_cannot_rebuild_is_left_alone() -> None:
    check = quick_check("I sell Notion templates, pay once").model_copy(update={"explanation": "Custom."})
    assert i18n.localize_quick_check(check, "fr") is check


# --- falling back to English ----------------------------------------------------------------


def test_a_key_missing_from_french_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    full = dict(french())
    dropped = {
        "bank.stage.prompt",
        "bank.stage.starting.label",
        "roadmap.plan_the_product.title",
        "factor.scalability.product",
        "why.said",
        "summary.hybrid",
    }
    partial = {key: value for key, value in full.items() if key not in dropped}
    monkeypatch.setattr(i18n, "catalog", lambda lang: partial)

    start = ENGINE.start().prompt
    assert start is not None
    stage = i18n.localize_prompt(start, "fr")
    assert stage.text == BANK.step("stage").prompt  # English
    assert stage.help == full["bank.stage.help"]  # French
    assert [o.label for o in stage.options] == [
        "Just starting",
        "Quelques clients payants",
        "Activité bien établie",
    ]

    result = i18n.localize_result(Classification.model_validate_json(OLD_HYBRID_JSON), "fr")
    assert (
        result.summary == f"{SUMMARIES[Verdict.HYBRID]} Sa forme : un produit fourni sous forme de service."
    )
    roadmap = {step.id: step for step in result.roadmap}
    assert roadmap["plan_the_product"].title == "Plan before you build"
    assert roadmap["plan_the_product"].detail == full["roadmap.plan_the_product.detail"]
    scalability = next(f for f in result.factors if f.factor is Factor.SCALABILITY)
    line = FACTOR_LINES[Factor.SCALABILITY][Pole.PRODUCT]
    assert scalability.why == f"{line[0].upper()}{line[1:]} (you said « Presque rien de plus »)."
    assert i18n.text("bank.stage.prompt", "fr", "Where?") == "Where?"


# --- stored results -------------------------------------------------------------------------


def test_old_stored_results_still_load_and_read_in_french() -> None:
    old = Classification.model_validate_json(OLD_HYBRID_JSON)
    assert all(reading.quote is None for reading in old.factors)
    # Nothing but the new field differs from what this release scores for the same answers.
    _, turn = interview(HYBRID, description="I sell a hosted booking tool, with monthly calls")
    assert turn.result is not None
    fresh = json.loads(turn.result.model_dump_json())
    for reading in fresh["factors"]:
        reading.pop("quote")
    assert fresh == json.loads(OLD_HYBRID_JSON)

    localized = i18n.localize_result(old, "fr")
    why = {reading.factor: reading.why for reading in localized.factors}
    assert why[Factor.ENGAGEMENT].endswith(
        "(vous avez répondu « Du temps avec vous : appels, relectures, questions-réponses »)."
    )
    assert why[Factor.SCALABILITY].endswith("(vous avez répondu « Presque rien de plus »).")
    assert why == {r.factor: r.why for r in i18n.localize_result(turn.result, "fr").factors}

    data = json.loads(OLD_HYBRID_JSON)
    data["factors"][-1] = OLD_SERVICE_OWNERSHIP
    two = i18n.localize_result(Classification.model_validate(data), "fr").factors[-1]
    assert two.why.endswith(
        "(vous avez répondu « Exploitation ou hébergement », « Sauvegardes et données »)."
    )


def test_a_stored_line_that_cannot_be_read_back_stays_english() -> None:
    data = json.loads(OLD_HYBRID_JSON)
    whys = {
        # A label this bank no longer has.
        "scalability": "More buyers cost you little extra time (you said “A label since renamed”).",
        # A line written by some other release.
        "customization": "Everyone gets the same download.",
        # A phrase from the description.
        "lifecycle": "It changes through updates released to all buyers (you wrote “updates”).",
        # Neither said nor wrote.
        "value_source": "The thing you made solves the problem (as you put it).",
    }
    for reading in data["factors"]:
        reading["why"] = whys.get(reading["factor"], reading["why"])
    localized = {
        r.factor.value: r.why for r in i18n.localize_result(Classification.model_validate(data), "fr").factors
    }
    assert localized["scalability"] == whys["scalability"]
    assert localized["customization"] == whys["customization"]
    assert localized["value_source"] == whys["value_source"]
    assert localized["lifecycle"] == (
        "L'offre évolue par des mises à jour publiées pour tous les acheteurs (vous avez écrit « updates »)."
    )
    # A new result whose quote names an option since removed falls back the same way.
    old = Classification.model_validate(data)
    gone = old.factors[2].model_copy(update={"quote": Quote(step="scalability", options=("9",))})
    result = old.model_copy(update={"factors": (gone, *old.factors[3:])})
    assert i18n.localize_result(result, "fr").factors[0].why == whys["scalability"]


def test_a_roadmap_step_this_release_does_not_know_keeps_its_text() -> None:
    old = Classification.model_validate_json(OLD_HYBRID_JSON)
    retired = old.roadmap[0].model_copy(update={"id": "retired_step", "title": "Old title"})
    result = old.model_copy(update={"roadmap": (retired, *old.roadmap[1:])})
    assert i18n.localize_result(result, "fr").roadmap[0].title == "Old title"


def test_new_results_round_trip_with_their_quotes() -> None:
    _, turn = interview(HYBRID)
    assert turn.result is not None
    again = Classification.model_validate_json(turn.result.model_dump_json())
    assert again == turn.result
    assert any(reading.quote is not None for reading in again.factors)


# --- Discord's limits and consistency ------------------------------------------------------


def test_french_texts_fit_discords_limits() -> None:
    too_long = []
    for step in BANK.steps:
        base = f"bank.{step.id}"
        checks = [(f"{base}.prompt", 256), (f"{base}.help", 4096)]
        checks += [(f"{base}.{o.id}.label", 80) for o in step.options]
        checks += [(f"{base}.{o.id}.description", 100) for o in step.options if o.description]
        too_long += [key for key, limit in checks if len(french()[key]) > limit]
        # The explanation after bad answers goes in an embed field.
        if len(i18n.step_help(step.id, "fr")) > 1024:
            too_long.append(f"{base} help and example")
    for verdict in Verdict:
        for shape in [None, *HybridShape]:
            if len(i18n.verdict_title(verdict, shape, "fr")) > 256:
                too_long.append(f"headline {verdict} {shape}")
    too_long += [
        key
        for key in french()
        if key.startswith("roadmap.") and key.endswith(".title") and len(french()[key]) > 256
    ]
    assert too_long == []


def test_french_examples_quote_the_french_labels() -> None:
    for step in BANK.steps:
        labels = [french()[f"bank.{step.id}.{o.id}.label"].casefold() for o in step.options]
        for part in ("example", "help"):
            for quoted in re.findall(r"« (.+?) »", french()[f"bank.{step.id}.{part}"]):
                matches = [label for label in labels if label.startswith(quoted.casefold())]
                assert len(matches) == 1, (step.id, part, quoted)


def test_labels_of_one_step_stay_distinct_in_french() -> None:
    for step in BANK.steps:
        labels = [french()[f"bank.{step.id}.{o.id}.label"].casefold() for o in step.options]
        assert len(set(labels)) == len(labels), step.id
        if step.kind is StepKind.YES_NO:
            assert sorted(labels) == ["non", "oui"]
