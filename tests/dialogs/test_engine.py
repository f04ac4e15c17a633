"""The dialog engine, driven the way a front end drives it.

Every test reads as a transcript: ``Transcript`` stores the session as JSON after every
turn and reloads it before the next one, exactly as a store would, so nothing passes
here that only works on in-memory objects.
"""

from __future__ import annotations

import copy
import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pytest

from dialogs import wording
from dialogs.bank import QuestionBank, StepKind, default_bank, parse_bank
from dialogs.engine import DialogEngine, EngineError, Prompt, Turn, TurnKind
from dialogs.factors import Factor
from dialogs.messages import render, text
from dialogs.session import (
    SESSION_SCHEMA_VERSION,
    Answer,
    Session,
    SessionSchemaError,
    Status,
    load_session,
)
from dialogs.verdict import Classification, HybridShape, Reading, Verdict

ENGINE = DialogEngine()


def stored(session: Session) -> Session:
    """The session as a store hands it back: through JSON."""
    return Session.model_validate_json(session.model_dump_json())


class Transcript:
    """One member's interview, turn by turn, with the session stored as JSON in between."""

    def __init__(self, engine: DialogEngine = ENGINE, *, resume: Session | None = None) -> None:
        self.engine = engine
        self.failures = 0
        self.before: Session | None = None
        self.turn = engine.start() if resume is None else engine.resume(stored(resume))
        self._check()

    # --- what the member does -------------------------------------------------------------

    def say(self, raw: str | Sequence[str]) -> Turn:
        return self._do(lambda s: self.engine.answer(s, raw, failed_before=self.failures), counts=True)

    def skip(self) -> Turn:
        return self._do(lambda s: self.engine.skip(s, failed_before=self.failures), counts=True)

    def back(self) -> Turn:
        return self._do(self.engine.back)

    def edit(self, step_id: str) -> Turn:
        return self._do(lambda s: self.engine.edit(s, step_id))

    def restart(self) -> Turn:
        return self._do(lambda _session: self.engine.restart())

    def cancel(self) -> Turn:
        return self._do(self.engine.cancel)

    def walk(self, script: Sequence[tuple[str, str | None]]) -> None:
        """Answer each expected step in order; None skips it."""
        for step_id, raw in script:
            self.expect_step(step_id)
            if raw is None:
                self.skip()
            else:
                self.say(raw)
            assert self.turn.kind is not TurnKind.REJECTED, (step_id, raw, self.turn.error)

    # --- what the member sees -------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.turn.session

    @property
    def answers(self) -> dict[str, Answer]:
        return dict(self.turn.session.answers)

    def expect_step(self, step_id: str) -> Prompt:
        assert self.turn.kind is TurnKind.ASK, (self.turn.kind, self.turn.error)
        assert self.turn.prompt is not None
        assert self.turn.prompt.step_id == step_id
        assert self.turn.session.current == step_id
        return self.turn.prompt

    def expect_rejected(self, *fragments: str) -> str:
        turn = self.turn
        assert turn.kind is TurnKind.REJECTED
        assert turn.error, "a rejection must say why"
        assert self.before is not None
        assert turn.session == self.before, "a rejected turn must not change the session"
        assert turn.session.model_dump_json() == self.before.model_dump_json()
        assert turn.prompt is not None and turn.prompt.step_id == turn.session.current
        error = str(turn.error)  # as an English member reads it
        for fragment in fragments:
            assert fragment.casefold() in error.casefold(), (fragment, error)
        return error

    def expect_finished(self) -> Classification:
        assert self.turn.kind is TurnKind.FINISHED, (self.turn.kind, self.turn.error)
        assert self.turn.session.status is Status.COMPLETED
        assert self.turn.result is not None
        return self.turn.result

    # --- internals ---------------------------------------------------------------------------

    def _do(self, operation: Callable[[Session], Turn], *, counts: bool = False) -> Turn:
        self.before = stored(self.turn.session)
        self.turn = operation(self.before)
        if counts:
            self.failures = self.failures + 1 if self.turn.kind is TurnKind.REJECTED else 0
        elif self.turn.kind is not TurnKind.REJECTED:
            self.failures = 0
        self._check()
        return self.turn

    def _check(self) -> None:
        self.engine.check_session(self.turn.session)
        prompt = self.turn.prompt
        if prompt is not None:
            assert 1 <= prompt.position <= prompt.total


def readable(message: str) -> bool:
    """Short, printable, and free of the characters it complains about."""
    return 0 < len(message) <= 400 and not any(unicodedata.category(char) in ("Cc", "Cf") for char in message)


# --- personas ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    name: str
    script: tuple[tuple[str, str | None], ...]
    verdict: Verdict
    shape: HybridShape | None
    owner: str
    readings: dict[Factor, Reading]
    roadmap_includes: frozenset[str]
    subtype: str
    roadmap_excludes: frozenset[str] = field(default_factory=frozenset)
    description: str | None = None


EBOOK_BEGINNER = Persona(
    name="beginner selling an e-book",
    script=(
        ("stage", "Just starting"),
        ("offering_kind", "e-book"),
        ("effort", "1"),
        ("extra_help", "no"),
        ("income", "once, for a ready-made thing"),
        ("scalability", "1"),
        ("customization", "1"),
        ("engagement", "they get on"),
        ("value_source", "The thing I made"),
        ("delivery", "all at once"),
        ("lifecycle", "It stays as it is"),
        ("after_sale", "None"),
        ("goal", "My first paying customers"),
        ("description", "A PDF guide to sourdough baking, instant download."),
    ),
    verdict=Verdict.DIGITAL_PRODUCT,
    shape=None,
    owner="customer",
    readings={factor: "product" for factor in Factor},
    # Beginners start with services (seed 001), and a product needs planning up front.
    roadmap_includes=frozenset({"service_first", "plan_the_product"}),
    roadmap_excludes=frozenset({"define_service_boundary", "move_to_retainers"}),
    subtype="e-book or guide",
    description="A PDF guide to sourdough baking, instant download.",
)

ADS_AGENCY = Persona(
    name="established ads agency on retainer",
    script=(
        ("stage", "Established"),
        ("offering_kind", "marketing"),
        ("effort", "Working for each client"),
        ("repeat_problems", "yes"),
        ("income", "A monthly retainer"),
        ("scalability", "5"),
        ("customization", "5"),
        ("engagement", "Regular back-and-forth"),
        ("value_source", "My expertise"),
        ("delivery", "As work delivered over time"),
        ("lifecycle", "It adapts to each client"),
        ("after_sale", "4"),
        ("goal", "More income without more hours"),
        ("description", "We run Facebook and Instagram ads for online shops on a monthly retainer."),
    ),
    verdict=Verdict.DIGITAL_SERVICE,
    shape=None,
    owner="provider",
    readings={factor: "service" for factor in Factor},
    # Repeated problems plus a goal of scale: productize the repeated fix (seed 001); they
    # know the problems already, so they are not told to start logging them; they are on
    # a retainer already, so they are not told to move to one.
    roadmap_includes=frozenset({"productize_repeat_fix", "measure_capacity"}),
    roadmap_excludes=frozenset(
        {"service_first", "plan_the_product", "log_repeat_problems", "move_to_retainers"}
    ),
    subtype="digital marketing",
    description="We run Facebook and Instagram ads for online shops on a monthly retainer.",
)

SAAS_FOUNDER = Persona(
    name="SaaS founder hosting what customers log in to",
    script=(
        ("stage", "Established"),
        ("offering_kind", "Hosted software or online platform"),
        ("effort", "A big build, then work per customer"),
        ("income", "A subscription or membership"),
        ("subscription_contents", "2, 4"),
        ("scalability", "2"),
        ("customization", "2"),
        ("engagement", "Now and then, with a question"),
        ("value_source", "The thing I made"),
        ("delivery", "3"),
        ("lifecycle", "Updates released for everyone"),
        ("after_sale", "1, 2, 3"),
        ("goal", "More income without more hours"),
        ("description", None),
    ),
    verdict=Verdict.HYBRID,
    shape=HybridShape.PRODUCT_AS_A_SERVICE,
    owner="provider",
    readings={
        Factor.EFFORT: "both",
        Factor.VALUE_SOURCE: "product",
        Factor.SCALABILITY: "product",
        Factor.CUSTOMIZATION: "product",
        Factor.LIFECYCLE: "product",
        Factor.DELIVERY: "both",
        Factor.OWNERSHIP: "service",
    },
    # They run it for their customers: a service level says what running it promises.
    roadmap_includes=frozenset({"set_service_level"}),
    roadmap_excludes=frozenset({"service_first", "add_subscription"}),
    subtype="digital platform or SaaS",
)

COURSE_WITH_COACHING = Persona(
    name="course creator selling coaching alongside",
    script=(
        ("stage", "A few paying customers"),
        ("offering_kind", "Recorded course or video lessons"),
        ("effort", "Building it once"),
        ("extra_help", "Yes"),
        ("income", "1"),
        ("scalability", "2"),
        ("customization", "2"),
        ("engagement", "now and then"),
        ("value_source", "the thing i made"),
        ("delivery", "All at once, as a download or access"),
        ("lifecycle", "updates"),
        ("after_sale", "Ongoing advice, training or coaching"),
        ("goal", "A clearer offer I can explain"),
        ("description", "A recorded photography course, plus weekly coaching calls for those who want them."),
    ),
    verdict=Verdict.HYBRID,
    shape=HybridShape.PRODUCT_WITH_SERVICE_LAYER,
    owner="shared",  # the course is the buyer's; only the coaching stays with the provider
    readings={
        Factor.EFFORT: "product",
        Factor.VALUE_SOURCE: "product",
        Factor.DELIVERY: "product",
        Factor.ENGAGEMENT: "both",
        Factor.OWNERSHIP: "service",
    },
    # The bike and its classes (seed 004): price the thing and the help apart.
    roadmap_includes=frozenset({"price_layers_separately", "define_service_boundary"}),
    subtype="online course",
    description=("A recorded photography course, plus weekly coaching calls for those who want them."),
)

LOGO_PACKAGE = Persona(
    name="designer selling a fixed-price logo package",
    script=(
        ("stage", "2"),
        ("offering_kind", "Design or creative work to a brief"),
        ("effort", "per_client"),
        ("repeat_problems", "Yes"),
        ("income", "A fixed price for a set package of work"),
        ("scalability", "4"),
        ("customization", "3"),
        ("engagement", "Now and then, with a question"),
        ("value_source", "2"),
        ("delivery", "As work delivered over time"),
        ("lifecycle", "It adapts to each client"),
        ("after_sale", "none"),
        ("goal", "scale"),
        ("description", None),
    ),
    verdict=Verdict.HYBRID,
    shape=HybridShape.PRODUCTIZED_SERVICE,
    owner="customer",
    readings={
        Factor.EFFORT: "service",
        Factor.VALUE_SOURCE: "service",
        Factor.INCOME: "service",
        Factor.OWNERSHIP: "product",
    },
    # Seed 001's hybrid strategy: standardise the package.
    roadmap_includes=frozenset({"fix_package_scope"}),
    subtype="design and creative work",
)

PERSONAS = (EBOOK_BEGINNER, ADS_AGENCY, SAAS_FOUNDER, COURSE_WITH_COACHING, LOGO_PACKAGE)


def script(persona: Persona) -> list[tuple[str, str | None]]:
    return list(persona.script)


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda persona: persona.name)
def test_persona_gets_the_right_verdict_and_advice(persona: Persona) -> None:
    t = Transcript()
    t.walk(script(persona))
    result = t.expect_finished()

    assert result.verdict is persona.verdict
    assert result.hybrid_shape is persona.shape
    assert 0 < result.confidence < 1
    assert result.subtype == persona.subtype
    assert result.description == persona.description
    assert result.itil.cost_and_risk_owner == persona.owner

    by_factor = {reading.factor: reading for reading in result.factors}
    assert set(by_factor) == set(Factor)
    for factor, expected in persona.readings.items():
        assert by_factor[factor].reading == expected, (factor, by_factor[factor].why)
    for reading in result.factors:
        # Every factor line says why, in the bot's words, quoting what the member chose.
        assert reading.why.strip()
        assert reading.source.strip()
        if reading.reading != "unknown":
            line = text(f"reason.{reading.reasons[0].phrase}", "en")
            assert reading.why.casefold().startswith(line.casefold()), reading.why
            assert "you said “" in reading.why or "you wrote “" in reading.why

    roadmap = [step.id for step in result.roadmap]
    assert 3 <= len(roadmap) <= 6
    assert len(set(roadmap)) == len(roadmap)
    for step in result.roadmap:
        assert isinstance(step.factor, Factor)
        assert step.title and step.detail and step.source
    assert persona.roadmap_includes <= set(roadmap), roadmap
    assert not persona.roadmap_excludes & set(roadmap), roadmap

    # The headline a member sees names the shape of a hybrid.
    if persona.shape is not None:
        assert render(wording.verdict_title(result.verdict, result.hybrid_shape), "en").startswith(
            "Hybrid: a "
        )


def test_ebook_ownership_line_quotes_the_after_sale_answer() -> None:
    t = Transcript()
    t.walk(script(EBOOK_BEGINNER))
    result = t.expect_finished()
    ownership = next(r for r in result.factors if r.factor is Factor.OWNERSHIP)
    assert "None: the customer takes it from there" in ownership.why
    assert result.itil.relationship == "one-directional"


def test_saas_hybrid_reads_as_a_service_in_itil_terms() -> None:
    t = Transcript()
    t.walk(script(SAAS_FOUNDER))
    result = t.expect_finished()
    assert result.itil.relationship == "two-way"
    assert "ITIL" in result.itil.text
    # A SaaS founder's answers kept the optional subscription step and skipped the text.
    assert t.answers["subscription_contents"].options == ("hosted_access", "support")
    assert t.answers["description"].skipped
    assert result.description is None


def test_resuming_a_completed_interview_shows_the_same_result() -> None:
    t = Transcript()
    t.walk(script(ADS_AGENCY))
    result = t.expect_finished()
    resumed = ENGINE.resume(stored(t.session))
    assert resumed.kind is TurnKind.FINISHED
    assert resumed.result == result


def test_finished_interview_refuses_further_answers() -> None:
    t = Transcript()
    t.walk(script(EBOOK_BEGINNER))
    t.expect_finished()
    done = stored(t.session)
    with pytest.raises(EngineError):
        ENGINE.answer(done, "1")
    with pytest.raises(EngineError):
        ENGINE.back(done)
    with pytest.raises(EngineError):
        ENGINE.skip(done)
    with pytest.raises(EngineError):
        ENGINE.edit(done, "stage")


# --- moving around -----------------------------------------------------------------------


def test_first_prompt_shows_the_stage_question_and_cannot_go_back() -> None:
    t = Transcript()
    prompt = t.expect_step("stage")
    assert prompt.position == 1
    assert prompt.total >= 10
    assert not prompt.can_go_back
    assert [option.number for option in prompt.options] == [1, 2, 3]
    assert prompt.kind is StepKind.SINGLE
    assert prompt.current_answer is None


def test_back_undoes_the_last_answer() -> None:
    t = Transcript()
    t.say("Just starting")
    t.say("Templates")
    prompt = t.expect_step("effort")
    assert prompt.position == 3 and prompt.can_go_back
    t.back()
    prompt = t.expect_step("offering_kind")
    assert set(t.answers) == {"stage"}
    assert prompt.current_answer is None
    t.back()
    t.expect_step("stage")
    assert t.answers == {}
    assert t.session.trail == ()


def test_back_after_a_branch_drops_the_follow_up_answer() -> None:
    t = Transcript()
    t.walk([("stage", "1"), ("offering_kind", "1"), ("effort", "Building it once"), ("extra_help", "no")])
    t.expect_step("income")
    t.back()
    t.expect_step("extra_help")
    assert "extra_help" not in t.answers
    assert t.answers["effort"].options == ("once",)


def test_back_at_the_first_step_is_refused_and_changes_nothing() -> None:
    t = Transcript()
    t.back()
    error = t.expect_rejected("first question")
    assert readable(error)
    assert t.session.current == "stage"


def test_skip_on_a_required_step_is_refused() -> None:
    t = Transcript()
    t.say("2")
    t.skip()
    t.expect_rejected("can't be skipped")
    assert t.session.current == "offering_kind"
    assert set(t.answers) == {"stage"}


def test_skip_on_the_optional_description_finishes_the_interview() -> None:
    t = Transcript()
    t.walk(script(EBOOK_BEGINNER)[:-1])
    prompt = t.expect_step("description")
    assert prompt.optional and prompt.kind is StepKind.TEXT
    assert prompt.position == prompt.total
    t.skip()
    result = t.expect_finished()
    assert t.answers["description"] == Answer(skipped=True)
    assert result.description is None
    assert result.verdict is Verdict.DIGITAL_PRODUCT


def test_optional_multiple_choice_can_be_skipped() -> None:
    t = Transcript()
    t.walk([("stage", "1"), ("offering_kind", "platform"), ("effort", "3"), ("income", "subscription")])
    t.expect_step("subscription_contents")
    t.skip()
    t.expect_step("scalability")
    assert t.answers["subscription_contents"].skipped


# --- invalid answers ---------------------------------------------------------------------

HUGE = "x" * 100_000

BAD_CHOICE_INPUTS = {
    "empty": "",
    "whitespace": " \t  ",
    "huge": HUGE,
    "nul": "1\x00",
    "control": "1\x1b[2J",
    "emoji": "🙂🙂🙂",
    "rtl-override": "\u202e1",
    "markdown-mention": "@everyone **bold**",
    "other-language": "je ne sais pas",
    "superscript-digit": "²",
}


@pytest.mark.parametrize("raw", BAD_CHOICE_INPUTS.values(), ids=BAD_CHOICE_INPUTS.keys())
def test_invalid_answer_to_a_choice_step_is_rejected_without_change(raw: str) -> None:
    t = Transcript()
    t.say("Just starting")
    t.expect_step("offering_kind")
    t.say(raw)
    error = t.expect_rejected()
    assert readable(error), repr(error)
    assert HUGE not in error
    # Every rejection tells the member what would work instead.
    assert "Pick a number from 1 to 13" in error
    assert set(t.answers) == {"stage"}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        ("   \n  ", "empty"),
        (HUGE, "1,000"),
        ("I sell \x00 templates", "NUL"),
        ("I sell \x07 templates", "control characters"),
        ("🙂🚀✨", "words"),
        ("I sell \u202etemplates", "direction"),
    ],
    ids=["empty", "whitespace", "huge", "nul", "control", "emoji", "rtl-override"],
)
def test_bad_description_is_rejected_with_a_clear_message(raw: str, fragment: str) -> None:
    t = Transcript()
    t.walk(script(EBOOK_BEGINNER)[:-1])
    t.expect_step("description")
    t.say(raw)
    error = t.expect_rejected(fragment)
    assert readable(error), repr(error)
    assert "description" not in t.answers


@pytest.mark.parametrize(
    "raw",
    [
        "@everyone **bold** templates for _designers_ <@123456789>",
        "je ne sais pas",
        "Je vends des modèles Notion aux graphistes indépendants.",
        "ملف PDF للتنزيل",
        "Line one.\nLine two\twith a tab.",
    ],
    ids=["markdown-mention", "french-short", "french", "arabic", "multiline"],
)
def test_description_keeps_what_the_member_wrote_verbatim(raw: str) -> None:
    t = Transcript()
    t.walk(script(EBOOK_BEGINNER)[:-1])
    t.expect_step("description")
    t.say(raw)
    result = t.expect_finished()
    assert t.answers["description"].text == raw
    assert result.description == raw


def test_three_invalid_answers_in_a_row_bring_an_explanation() -> None:
    t = Transcript()
    step = default_bank().step("stage")
    t.say("banana")
    assert t.expect_rejected() and t.turn.explanation is None
    t.say("kiwi")
    assert t.expect_rejected() and t.turn.explanation is None
    t.say("mango")
    t.expect_rejected()
    assert t.turn.explanation is not None
    explanation = str(t.turn.explanation)
    assert step.example in explanation
    assert "For example" in explanation
    # A valid answer ends the run of failures.
    t.say("1")
    t.expect_step("offering_kind")
    t.say("banana")
    t.expect_rejected()
    assert t.turn.explanation is None


def test_explanation_comes_when_failed_before_reaches_two() -> None:
    session = ENGINE.new_session()
    assert ENGINE.answer(session, "zzz", failed_before=1).explanation is None
    turn = ENGINE.answer(session, "zzz", failed_before=2)
    assert turn.kind is TurnKind.REJECTED
    assert turn.explanation is not None
    assert default_bank().step("stage").example in str(turn.explanation)
    skipped = ENGINE.skip(session, failed_before=2)
    assert skipped.kind is TurnKind.REJECTED and skipped.explanation is not None


def test_help_gives_the_help_text_and_an_example() -> None:
    t = Transcript()
    t.say("1")
    text = str(ENGINE.help(stored(t.session)))
    step = default_bank().step("offering_kind")
    assert step.help in text and step.example in text


# --- how answers are understood ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "option"),
    [
        ("1", "starting"),
        ("3", "established"),
        (" 2 ", "some_clients"),
        ("Just starting", "starting"),
        ("JUST STARTING", "starting"),
        ("  just   starting ", "starting"),
        ("established", "established"),
        ("Just", "starting"),
        ("a few", "some_clients"),
        ("estab", "established"),
    ],
)
def test_stage_accepts_number_text_and_unique_prefix(raw: str, option: str) -> None:
    t = Transcript()
    t.say(raw)
    t.expect_step("offering_kind")
    assert t.answers["stage"].options == (option,)


@pytest.mark.parametrize("raw", ["0", "4", "-1", "1.0", "one", "ju", "host"])
def test_out_of_range_short_or_ambiguous_answers_are_rejected(raw: str) -> None:
    t = Transcript()
    if raw == "host":  # "Hosted software ..." and "Hosting, managed IT ..." both begin so
        t.say("1")
    t.say(raw)
    error = t.expect_rejected("not one of the options")
    assert readable(error)


def test_unique_prefix_among_many_options() -> None:
    t = Transcript()
    t.say("1")
    t.say("templ")
    t.expect_step("effort")
    assert t.answers["offering_kind"].options == ("template",)


@pytest.mark.parametrize(
    ("raw", "option"), [("y", "yes"), ("NO", "no"), ("Yes", "yes"), ("1", "yes"), ("2", "no")]
)
def test_yes_no_step_accepts_yes_and_no(raw: str, option: str) -> None:
    t = Transcript()
    t.walk([("stage", "1"), ("offering_kind", "1"), ("effort", "once")])
    t.expect_step("extra_help")
    t.say(raw)
    t.expect_step("income")
    assert t.answers["extra_help"].options == (option,)


def test_yes_no_step_rejects_maybe() -> None:
    t = Transcript()
    t.walk([("stage", "1"), ("offering_kind", "1"), ("effort", "once")])
    t.say("maybe")
    t.expect_rejected("yes or no")


def walk_to_after_sale(t: Transcript) -> None:
    t.walk(
        [
            (step, raw)
            for step, raw in script(EBOOK_BEGINNER)
            if step not in ("after_sale", "goal", "description")
        ]
    )
    t.expect_step("after_sale")


@pytest.mark.parametrize(
    ("raw", "options"),
    [
        ("1, 3", ("running", "support")),
        ("1 3", ("running", "support")),
        ("1;3", ("running", "support")),
        ("3, 1", ("support", "running")),
        ("1, 1, 3", ("running", "support")),
        ("running or hosting it, backups", ("running", "backups")),
        # Labels that contain a comma are read whole, not split at it.
        ("Ongoing advice, training or coaching", ("advice",)),
        ("Backups and data, ongoing advice, training or coaching", ("backups", "advice")),
        (["running", "backups"], ("running", "backups")),
        ("None", ("none",)),
    ],
)
def test_multiple_choice_accepts_several_options(raw: str | list[str], options: tuple[str, ...]) -> None:
    t = Transcript()
    walk_to_after_sale(t)
    t.say(raw)
    t.expect_step("goal")
    assert t.answers["after_sale"].options == options


@pytest.mark.parametrize("raw", ["5, 1", "none, running", "1 5", "3, None", ["none", "advice"]])
def test_exclusive_none_cannot_be_combined(raw: str | list[str]) -> None:
    t = Transcript()
    walk_to_after_sale(t)
    t.say(raw)
    error = t.expect_rejected("can't be combined")
    assert "None: the customer takes it from there" in error


def test_subscription_label_with_commas_is_read_whole() -> None:
    t = Transcript()
    t.walk([("stage", "1"), ("offering_kind", "1"), ("effort", "3"), ("income", "subscription")])
    t.say("New content or updates, Time with you: calls, reviews, Q&A")
    t.expect_step("scalability")
    assert t.answers["subscription_contents"].options == ("new_content", "time_with_you")


def test_multiple_choice_rejects_an_unknown_number_among_good_ones() -> None:
    t = Transcript()
    walk_to_after_sale(t)
    t.say("1, 9")
    t.expect_rejected("“9”", "1 to 5")


def test_single_choice_rejects_two_options() -> None:
    t = Transcript()
    t.say(["starting", "established"])
    t.expect_rejected("just one")


# --- changing earlier answers ------------------------------------------------------------


def test_edit_returns_to_the_first_unanswered_step_and_keeps_later_answers() -> None:
    t = Transcript()
    t.walk(script(EBOOK_BEGINNER)[:6])
    t.expect_step("customization")
    kept = {key: value for key, value in t.answers.items() if key != "stage"}

    t.edit("stage")
    prompt = t.expect_step("stage")
    assert prompt.current_answer == Answer(options=("starting",))
    assert prompt.can_go_back
    t.say("Established")
    t.expect_step("customization")
    assert t.answers["stage"].options == ("established",)
    assert {key: value for key, value in t.answers.items() if key != "stage"} == kept

    # The result reflects the changed stage.
    t.walk(script(EBOOK_BEGINNER)[6:])
    result = t.expect_finished()
    assert result.stage == "established"
    assert "service_first" not in [step.id for step in result.roadmap]


def test_back_while_editing_returns_without_changing_the_answer() -> None:
    t = Transcript()
    t.walk([("stage", "1"), ("offering_kind", "2"), ("effort", "2")])
    t.expect_step("repeat_problems")
    answers = t.answers
    t.edit("offering_kind")
    t.expect_step("offering_kind")
    t.back()
    t.expect_step("repeat_problems")
    assert t.answers == answers


def test_edit_of_an_unanswered_step_is_refused() -> None:
    t = Transcript()
    t.say("1")
    t.edit("income")
    t.expect_rejected("already answered")


def test_changing_a_branching_answer_asks_the_new_follow_up() -> None:
    t = Transcript()
    t.walk(
        [
            ("stage", "1"),
            ("offering_kind", "1"),
            ("effort", "Building it once"),
            ("extra_help", "yes"),
            ("income", "1"),
            ("scalability", "2"),
        ]
    )
    before_total = t.expect_step("customization").total

    t.edit("effort")
    t.say("Working for each client")
    prompt = t.expect_step("repeat_problems")
    assert "extra_help" not in t.answers
    assert "extra_help" not in t.session.trail
    # Answers outside the branch survive the change.
    assert t.answers["income"].options == ("one_time",)
    assert t.answers["scalability"].options == ("2",)
    assert prompt.total == before_total

    t.say("no")
    t.expect_step("customization")


def test_changing_income_away_from_subscription_drops_its_follow_up() -> None:
    t = Transcript()
    t.walk(
        [
            ("stage", "1"),
            ("offering_kind", "1"),
            ("effort", "3"),
            ("income", "subscription"),
            ("subscription_contents", "1"),
        ]
    )
    t.expect_step("scalability")
    t.edit("income")
    t.say("retainer")
    t.expect_step("scalability")
    assert "subscription_contents" not in t.answers


# --- restart, cancel ------------------------------------------------------------------------


def test_restart_gives_a_fresh_session() -> None:
    t = Transcript()
    t.walk(script(ADS_AGENCY)[:5])
    t.restart()
    t.expect_step("stage")
    assert t.session == ENGINE.new_session()
    assert t.answers == {} and t.session.trail == ()


def test_cancel_ends_the_interview() -> None:
    t = Transcript()
    t.walk(script(ADS_AGENCY)[:3])
    t.cancel()
    assert t.turn.kind is TurnKind.CANCELLED
    assert t.session.status is Status.CANCELLED
    assert t.session.current is None
    with pytest.raises(EngineError):
        ENGINE.answer(stored(t.session), "1")
    assert ENGINE.resume(stored(t.session)).kind is TurnKind.CANCELLED


# --- stored sessions from other releases --------------------------------------------------


def old_session_data() -> dict[str, Any]:
    """A session saved under bank version 0, before a step was removed and options renamed."""
    return {
        "schema_version": 1,
        "dialog_id": "offering",
        "bank_version": 0,
        "status": "active",
        "current": "scalability",
        "answers": {
            "stage": {"options": ["some_clients"]},
            "offering_kind": {"options": ["course"]},
            "budget": {"options": ["low"]},  # a step that no longer exists
            "effort": {"options": ["once"]},
            "extra_help": {"options": ["no"]},
            "income": {"options": ["pay_what_you_want"]},  # an option that no longer exists
        },
        "trail": ["stage", "offering_kind", "budget", "effort", "extra_help", "income"],
    }


def test_session_from_an_older_bank_keeps_valid_answers_and_resumes_at_the_gap() -> None:
    old = load_session(old_session_data())
    t = Transcript(resume=old)
    t.expect_step("income")
    assert t.answers == {
        "stage": Answer(options=("some_clients",)),
        "offering_kind": Answer(options=("course",)),
        "effort": Answer(options=("once",)),
        "extra_help": Answer(options=("no",)),
    }
    assert t.session.bank_version == default_bank().version
    assert t.session.trail == ("stage", "offering_kind", "effort", "extra_help")
    t.say("1")
    t.expect_step("scalability")


def test_session_from_an_older_bank_with_a_vanished_current_step() -> None:
    data = old_session_data()
    data["current"] = "budget"
    t = Transcript(resume=load_session(data))
    t.expect_step("income")


def test_completed_session_with_a_dropped_answer_is_reopened_at_it() -> None:
    t = Transcript()
    t.walk(script(EBOOK_BEGINNER))
    t.expect_finished()
    data = t.session.model_dump(mode="json")
    data["bank_version"] = 0
    data["answers"]["delivery"] = {"options": ["carrier_pigeon"]}
    t = Transcript(resume=load_session(data))
    t.expect_step("delivery")
    assert t.session.status is Status.ACTIVE
    t.say("1")
    assert t.expect_finished().verdict is Verdict.DIGITAL_PRODUCT


def bank_with_new_question() -> QuestionBank:
    text = resources.files("dialogs").joinpath("data/questions.toml").read_text(encoding="utf-8")
    data = copy.deepcopy(tomllib.loads(text))
    data["version"] += 1
    for step in data["steps"]:
        if step["id"] == "goal":
            step["next"] = "team"
    data["steps"].append(
        {
            "id": "team",
            "kind": "single",
            "role": "profile",
            "prompt": "Who does the work?",
            "help": "Just you, or a team.",
            "example": "A solo designer: 'Just me'.",
            "next": "description",
            "options": [{"id": "solo", "label": "Just me"}, {"id": "team", "label": "A team"}],
        }
    )
    return parse_bank(data)


def test_completed_session_is_reopened_when_the_bank_gains_a_question() -> None:
    t = Transcript()
    t.walk(script(COURSE_WITH_COACHING))
    t.expect_finished()

    newer = DialogEngine(bank_with_new_question())
    t2 = Transcript(newer, resume=t.session)
    t2.expect_step("team")
    assert t2.session.bank_version == default_bank().version + 1
    assert t2.answers == t.answers
    t2.say("Just me")
    assert t2.expect_finished().hybrid_shape is HybridShape.PRODUCT_WITH_SERVICE_LAYER


def test_session_of_another_dialog_is_refused() -> None:
    session = ENGINE.new_session().model_copy(update={"dialog_id": "other"})
    with pytest.raises(EngineError):
        ENGINE.resume(session)


def test_session_from_a_newer_schema_is_refused_clearly() -> None:
    data = ENGINE.new_session().model_dump(mode="json")
    data["schema_version"] = 99
    with pytest.raises(SessionSchemaError) as caught:
        load_session(data)
    assert "99" in str(caught.value)


@pytest.mark.parametrize("data", [None, [], "session", 3])
def test_stored_data_that_is_not_a_session_is_refused(data: object) -> None:
    with pytest.raises(SessionSchemaError):
        load_session(data)


def test_current_schema_loads() -> None:
    data = ENGINE.new_session().model_dump(mode="json")
    assert data["schema_version"] == SESSION_SCHEMA_VERSION
    assert load_session(data) == ENGINE.new_session()


# --- picks from a select menu arrive as lists of option ids -----------------------------


def test_an_empty_pick_is_rejected_with_a_reason() -> None:
    session = ENGINE.new_session()
    turn = ENGINE.answer(session, [])
    assert turn.kind is TurnKind.REJECTED
    assert turn.error is not None and "choose an option" in str(turn.error)
    assert turn.session == session


def test_a_text_step_refuses_a_pick() -> None:
    turn = ENGINE.start()
    while turn.prompt is not None and turn.prompt.step_id != "description":
        turn = (
            ENGINE.answer(turn.session, "1")
            if turn.prompt.kind != "multi"
            else ENGINE.answer(turn.session, "5")
        )
    assert turn.prompt is not None
    rejected = ENGINE.answer(turn.session, ["anything"])
    assert rejected.kind is TurnKind.REJECTED
    assert str(rejected.error) == "Please type your answer as text."


def test_check_session_catches_a_tampered_session() -> None:
    session = ENGINE.answer(ENGINE.new_session(), "1").session
    ENGINE.check_session(session)
    tampered = session.model_copy(update={"trail": ()})
    with pytest.raises(EngineError, match="inconsistent session"):
        ENGINE.check_session(tampered)


def test_a_stored_trail_naming_a_step_twice_does_not_load() -> None:
    data = ENGINE.answer(ENGINE.new_session(), "1").session.model_dump(mode="json")
    data["trail"] = ["stage", "stage"]
    with pytest.raises(ValueError, match="appears twice"):
        Session.model_validate(data)
