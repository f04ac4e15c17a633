"""Fuzzing the pure core: whatever arrives, the outcome is a valid state or a clear error.

* The dialog engine is driven by a hypothesis state machine through random member actions
  (valid picks in every form, garbage text and lists, huge inputs, skip, back, change an
  answer, restart, cancel, a JSON round trip of the stored session, help), and checked
  after every step against what a member or a store would notice.
* The quick check gets random unicode, mentions, markdown, invisible and direction
  characters, emoji and megabyte inputs: a verdict with echoed text taken only from the
  cleaned input, or ``UnusableDescription`` with a short message; the Discord rendering of
  any result stays within Discord's limits with the member's markdown escaped.
* ``clean_text`` is idempotent, bounded and lets no control character through.

tests/dialogs/test_engine_properties.py checks consistency over flat action lists; this file adds
the stateful machine, garbage picks, cancel, version-bumped resumes, the "explained after
three failures" rule and the prompt details a front end renders.
"""

from __future__ import annotations

import json
import random
import re
import time
import unicodedata
from collections.abc import Callable

import discord
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.embeds import quick_check_embed, safe
from dialogs.bank import Option, Step, StepKind
from dialogs.engine import EXPLAIN_AFTER_FAILURES, DialogEngine, EngineError, Turn, TurnKind
from dialogs.messages import SUPPORTED_LANGUAGES, Msg, render
from dialogs.quickcheck import MAX_DESCRIPTION_LENGTH, QuickCheck, UnusableDescription, quick_check
from dialogs.session import Answer, Session, SessionSchemaError, Status, load_session
from dialogs.text import TextProblem, clean_text
from dialogs.verdict import Classification, Verdict

ENGINE = DialogEngine()
BANK = ENGINE.bank
STEPS = BANK.by_id
STEP_IDS = sorted(STEPS)
ALL_OPTION_IDS = sorted({option.id for step in BANK.steps for option in step.options})
ALL_LABELS = sorted({option.label for step in BANK.steps for option in step.options})

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A reason or a quick-check message is one or two sentences, never a wall of text.
MAX_MESSAGE_LENGTH = 400


class Huge(str):
    """A big input with a short repr, so that hypothesis's step log stays small and fast."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Huge({str.__repr__(self[:24])}… {len(self):,} chars)"


# Big inputs are built once: hypothesis only picks among them.
_rng = random.Random(20240521)
HUGE_INPUTS = tuple(
    Huge(text)
    for text in (
        ("I sell Notion templates, no calls. " * 3000)[:100_000],
        ("coaching course @everyone <@123> **bold** \u202e " * 25_000)[:1_000_000],
        "".join(chr(_rng.randrange(0x20, 0xD7FF)) for _ in range(100_000)),
        "9" * 1_000_000,
        "1" * 5_000,  # more digits than int() accepts from a string
        " \u200b" * 50_000,
    )
)
TRICKY = (
    "",
    " ",
    "\t\n \r",
    "\x00",
    "1\x00",
    "\x1b[31m1",
    "\u202e1",
    "\u2066yes\u2069",
    "\u200b",
    "1\u200b",
    "\u200f1",
    "\ufeff1",
    "0",
    "-1",
    "+1",
    "1.0",
    "1e3",
    "²",
    "٣",
    "١٢",
    "99999999999999999999",
    "1,,,,2",
    ",",
    ";;",
    "1 2 3 4 5 6 7 8 9 10 11 12",
    "none, 1",
    "yes no",
    "maybe",
    "<@123>",
    "<@&456>",
    "@everyone",
    "@here **1**",
    "`1`",
    "||1||",
    "🙂",
    "👍🏽",
    "שלום",
    "مرحبا 1",
    "I sell Notion templates, pay once.",
)

garbage_text = st.one_of(
    st.text(max_size=300),
    st.text(
        alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "So", "Nd", "No"]),
        max_size=60,
    ),
    st.sampled_from(TRICKY),
    st.sampled_from(ALL_OPTION_IDS + ALL_LABELS + STEP_IDS),
    st.sampled_from(HUGE_INPUTS),
    st.builds(
        lambda word, times: Huge(word * times),
        st.sampled_from(["1, ", "templ", "no ", "é"]),
        st.integers(1, 30_000),
    ),
)
garbage_lists = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(ALL_OPTION_IDS + ALL_LABELS + list(TRICKY)),
        st.sampled_from(HUGE_INPUTS),
        st.integers(-3, 30).map(str),
    ),
    max_size=6,
)


def reject_reason_is_readable(reason: Msg | None) -> None:
    """A refusal, in every language a member may read it in."""
    assert reason is not None, "a rejection must say why"
    for lang in SUPPORTED_LANGUAGES:
        shown = render(reason, lang)
        assert shown.strip(), "a rejection must say why"
        assert len(shown) <= MAX_MESSAGE_LENGTH, shown[:200]
        assert not any(unicodedata.category(char) == "Cc" for char in shown), repr(shown)
        assert not BIDI_CONTROLS & set(shown), repr(shown)


def stored(session: Session) -> Session:
    """The session as a store writes and reads it back."""
    return load_session(json.loads(session.model_dump_json()))


def first_unanswered(session: Session) -> str | None:
    return next((s for s in ENGINE.path(session.answers) if s not in session.answers), None)


def answer_fits(step: Step, answer: Answer) -> None:
    """What the interview would accept at this step, as a member could have given it."""
    if answer.skipped:
        assert step.optional, f"{step.id} is not optional but was skipped"
        assert answer.options == () and answer.text is None
        return
    if step.kind is StepKind.TEXT:
        assert answer.options == ()
        assert answer.text is not None
        assert clean_text(answer.text, max_length=step.max_length) == answer.text, repr(answer.text[:80])
        return
    assert answer.text is None
    ids = [option.id for option in step.options]
    assert answer.options, f"{step.id}: a choice with no option"
    assert len(set(answer.options)) == len(answer.options)
    assert set(answer.options) <= set(ids), (step.id, answer.options)
    if step.kind is StepKind.MULTI:
        assert len(answer.options) <= (step.max_choices or len(ids))
        if any(step.option(option_id).exclusive for option_id in answer.options):
            assert len(answer.options) == 1, (step.id, answer.options)
    else:
        assert len(answer.options) == 1, (step.id, answer.options)


def valid_pick(step: Step, data: st.DataObject) -> tuple[str | list[str], tuple[str, ...]]:
    """A correct answer to a choice step in one of the forms a member uses, and the ids it picks."""
    options = list(step.options)
    if step.kind is StepKind.MULTI:
        exclusive = [option for option in options if option.exclusive]
        plain = [option for option in options if not option.exclusive]
        limit = min(step.max_choices or len(options), len(plain))
        picked: list[Option]
        only_exclusive: bool = bool(exclusive) and data.draw(st.booleans(), label="exclusive")
        if only_exclusive:
            picked = [data.draw(st.sampled_from(exclusive), label="only")]
        else:
            picked = data.draw(
                st.lists(st.sampled_from(plain), min_size=1, max_size=limit, unique_by=lambda o: o.id),
                label="picked",
            )
    else:
        picked = [data.draw(st.sampled_from(options), label="picked")]
    numbers = [str(options.index(option) + 1) for option in picked]
    form = data.draw(st.sampled_from(["numbers", "spaced", "ids", "labels", "menu"]), label="form")
    raw: str | list[str]
    if form == "numbers":
        raw = ", ".join(numbers)
    elif form == "spaced":
        raw = "  " + " ".join(numbers) + " \n"
    elif form == "ids":
        raw = "; ".join(option.id.upper() for option in picked)
    elif form == "labels":
        raw = ", ".join(option.label.swapcase() for option in picked)
    else:
        raw = [option.id for option in picked]  # a select menu sends option ids
    return raw, tuple(option.id for option in picked)


class EngineMachine(RuleBasedStateMachine):
    """One member's interview, with a store that keeps only what the engine hands back."""

    def __init__(self) -> None:
        super().__init__()
        self.turn: Turn = ENGINE.start()
        # Rejected answers or skips in a row at the current step, as the bot counts them.
        self.failed = 0

    # --- helpers ------------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.turn.session

    def step(self) -> Step:
        assert self.session.current is not None
        return STEPS[self.session.current]

    def accept(self, after: Turn, *, counted: bool = False) -> Turn:
        """Check what every operation promises, then keep the turn as the bot would."""
        before = self.turn
        assert after.kind in set(TurnKind)
        event(f"turn {after.kind.value}")  # shown by --hypothesis-show-statistics
        if after.kind is TurnKind.REJECTED:
            assert after.session == before.session, "a rejected action changed the session"
            reject_reason_is_readable(after.error)
            assert after.prompt is not None and after.prompt.step_id == before.session.current
            if counted and self.failed + 1 >= EXPLAIN_AFTER_FAILURES:
                assert after.explanation is not None and "For example" in str(after.explanation)
            else:
                assert after.explanation is None
        else:
            assert after.error is None and after.explanation is None
        # Like the bot: rejected answers and skips in a row count, anything else starts over.
        self.failed = self.failed + 1 if counted and after.kind is TurnKind.REJECTED else 0
        self.turn = after
        return after

    # --- answers --------------------------------------------------------------------------

    @precondition(lambda self: self.session.is_active)
    @rule(data=st.data())
    def answer_validly(self, data: st.DataObject) -> None:
        step = self.step()
        if step.kind is StepKind.TEXT:
            text = data.draw(
                st.sampled_from(["A PDF guide to sourdough, pay once", "  Logo design\tfor each client \n"])
            )
            cleaned = clean_text(text, max_length=step.max_length)
            assert isinstance(cleaned, str)
            raw: str | list[str] = text
            expected = Answer(text=cleaned)
        else:
            raw, ids = valid_pick(step, data)
            expected = Answer(options=ids)
        after = self.accept(ENGINE.answer(self.session, raw, failed_before=self.failed), counted=True)
        assert after.kind in (TurnKind.ASK, TurnKind.FINISHED), after.error
        assert after.session.answers[step.id] == expected
        assert after.session.trail[-1] == step.id

    @precondition(lambda self: self.session.is_active)
    @rule(data=st.data(), count=st.integers(1, len(STEPS)))
    def answer_a_run_validly(self, data: st.DataObject, count: int) -> None:
        """Several good answers in a row, so that runs reach the branches and the end."""
        for _ in range(count):
            if not self.session.is_active:
                break
            self.answer_validly(data)
            self.session_is_one_the_engine_could_produce()
            self.turn_shows_what_the_session_says()

    @precondition(lambda self: self.session.is_active)
    @rule(raw=garbage_text)
    def answer_with_text(self, raw: str) -> None:
        step = self.step()
        after = self.accept(ENGINE.answer(self.session, raw, failed_before=self.failed), counted=True)
        if after.kind is not TurnKind.REJECTED:
            # It happened to be a real answer: it is stored for this step, and cleaned.
            stored_answer = after.session.answers[step.id]
            assert after.session.trail[-1] == step.id
            if step.kind is StepKind.TEXT:
                assert stored_answer.text == clean_text(raw, max_length=step.max_length)

    @precondition(lambda self: self.session.is_active)
    @rule(values=garbage_lists)
    def answer_with_a_list(self, values: list[str]) -> None:
        step = self.step()
        after = self.accept(ENGINE.answer(self.session, values, failed_before=self.failed), counted=True)
        if step.kind is StepKind.TEXT:
            assert after.kind is TurnKind.REJECTED, "a text step took a pick"
        if not values:
            assert after.kind is TurnKind.REJECTED

    @precondition(lambda self: self.session.is_active)
    @rule()
    def skip(self) -> None:
        step = self.step()
        after = self.accept(ENGINE.skip(self.session, failed_before=self.failed), counted=True)
        if step.optional:
            assert after.kind is not TurnKind.REJECTED
            assert after.session.answers[step.id] == Answer(skipped=True)
        else:
            assert after.kind is TurnKind.REJECTED
            assert "skip" in str(after.error or "")

    # --- moving around ----------------------------------------------------------------

    @precondition(lambda self: self.session.is_active)
    @rule()
    def back(self) -> None:
        shown = ENGINE.prompt(self.session)
        before = self.session
        after = self.accept(ENGINE.back(before))
        # The Back button a front end shows is exactly when going back does something.
        assert (after.kind is TurnKind.ASK) == shown.can_go_back, (shown.can_go_back, after.error)
        if after.kind is TurnKind.ASK and before.current not in before.answers:
            # Back undoes the latest answer given to a question before this one and asks it
            # again; answers are never undone past an earlier unanswered question.
            assert before.current is not None
            path = ENGINE.path(before.answers)
            earlier = set(path[: path.index(before.current)]) & set(before.answers)
            undone = next(step_id for step_id in reversed(before.trail) if step_id in earlier)
            assert after.session.current == undone
            assert undone not in after.session.answers
            assert set(after.session.answers) < set(before.answers)

    @precondition(lambda self: self.session.is_active and bool(self.session.answers))
    @rule(data=st.data())
    def change_an_answer(self, data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(sorted(self.session.answers)), label="target")
        before = self.session
        after = self.accept(ENGINE.edit(before, target))
        assert after.kind is TurnKind.ASK
        assert after.session.current == target
        assert after.session.answers == before.answers, "changing one answer dropped others"
        assert after.prompt is not None and after.prompt.current_answer == before.answers[target]

    @precondition(lambda self: self.session.is_active)
    @rule(step_id=st.one_of(st.sampled_from(STEP_IDS), st.text(max_size=40), st.sampled_from(TRICKY)))
    def change_any_step(self, step_id: str) -> None:
        before = self.session
        after = self.accept(ENGINE.edit(before, step_id))
        if step_id in before.answers:
            assert after.kind is TurnKind.ASK and after.session.current == step_id
        else:
            # Unknown ids and questions not answered yet are refused, whatever the text.
            assert after.kind is TurnKind.REJECTED

    @rule()
    def restart(self) -> None:
        after = self.accept(ENGINE.restart())
        assert after.kind is TurnKind.ASK
        assert after.session == ENGINE.new_session()
        self.failed = 0

    @rule()
    def start_again(self) -> None:
        after = self.accept(ENGINE.start())
        assert after.session == ENGINE.new_session()
        assert after.prompt is not None and after.prompt.step_id == BANK.start
        self.failed = 0

    @precondition(lambda self: self.session.is_active)
    @rule()
    def cancel(self) -> None:
        before = self.session
        after = self.accept(ENGINE.cancel(before))
        assert after.kind is TurnKind.CANCELLED
        assert after.session.answers == before.answers

    @precondition(lambda self: self.session.is_active)
    @rule()
    def help(self) -> None:
        step = self.step()
        text = str(ENGINE.help(self.session))  # as an English member reads it
        assert step.help in text and f"For example: {step.example}" in text

    # --- the store ------------------------------------------------------------------------

    @rule()
    def resume_from_the_store(self) -> None:
        before = self.turn
        session = stored(before.session)
        assert session == before.session
        after = ENGINE.resume(session)
        assert after.session == before.session, "resuming a stored session changed it"
        expected = {
            Status.ACTIVE: TurnKind.ASK,
            Status.COMPLETED: TurnKind.FINISHED,
            Status.CANCELLED: TurnKind.CANCELLED,
        }[session.status]
        assert after.kind is expected
        if after.kind is TurnKind.FINISHED:
            # The same answers give the same result, however often it is shown.
            assert after.result == ENGINE.classify(before.session)
        if before.kind is TurnKind.FINISHED:
            assert after.result == before.result
        self.turn = after

    @rule(offset=st.sampled_from([1, 7]))
    def resume_under_another_bank_version(self, offset: int) -> None:
        data = json.loads(self.session.model_dump_json())
        data["bank_version"] = BANK.version + offset  # saved under another release
        after = ENGINE.resume(load_session(data))
        # Every answer still fits this bank, so nothing may be lost or asked again.
        assert after.session == self.session
        if self.session.is_active:
            assert after.kind is TurnKind.ASK
        self.turn = after

    @precondition(lambda self: not self.session.is_active)
    @rule(action=st.sampled_from(["answer", "list", "skip", "back", "edit", "cancel", "help", "prompt"]))
    def an_ended_interview_refuses_everything_but_a_restart(self, action: str) -> None:
        session = self.session
        calls: dict[str, Callable[[], object]] = {
            "answer": lambda: ENGINE.answer(session, "1"),
            "list": lambda: ENGINE.answer(session, ["yes"]),
            "skip": lambda: ENGINE.skip(session),
            "back": lambda: ENGINE.back(session),
            "edit": lambda: ENGINE.edit(session, BANK.start),
            "cancel": lambda: ENGINE.cancel(session),
            "help": lambda: ENGINE.help(session),
            "prompt": lambda: ENGINE.prompt(session),
        }
        event("ended interview refused an action")
        with pytest.raises(EngineError, match="start a new one"):
            calls[action]()

    # --- after every step -------------------------------------------------------------

    @invariant()
    def session_is_one_the_engine_could_produce(self) -> None:
        turn, session = self.turn, self.turn.session
        assert turn.kind in set(TurnKind)
        assert stored(session) == session
        assert Session.model_validate_json(session.model_dump_json()) == session
        ENGINE.check_session(session)
        assert len(set(session.trail)) == len(session.trail)
        assert set(session.trail) == set(session.answers)
        for step_id, answer in session.answers.items():
            assert step_id in STEPS, step_id
            answer_fits(STEPS[step_id], answer)
        if session.status is Status.ACTIVE:
            assert session.current in STEPS
            path = ENGINE.path(session.answers)
            assert session.current in path
            if session.current not in session.answers:
                # Not changing an earlier answer: the next question is the first open one.
                assert session.current == first_unanswered(session)
        else:
            assert session.current is None

    @invariant()
    def turn_shows_what_the_session_says(self) -> None:
        turn, session = self.turn, self.turn.session
        if turn.kind in (TurnKind.ASK, TurnKind.REJECTED):
            assert session.is_active
            prompt = turn.prompt
            assert prompt is not None and prompt == ENGINE.prompt(session)
            step = STEPS[prompt.step_id]
            assert prompt.step_id == session.current
            path = ENGINE.path(session.answers)
            # The counter's total is the longest interview, whatever was answered; the
            # number only grows along the path (a branch not taken is passed over).
            assert 1 <= prompt.position <= prompt.total == ENGINE.most_steps <= len(BANK.steps)
            assert len(path) <= prompt.total and prompt.step_id in path
            numbers = [
                ENGINE.prompt(session.model_copy(update={"current": s})).position
                for s in path
                if s in session.answers or s == prompt.step_id
            ]
            assert numbers == sorted(set(numbers)), numbers
            assert [option.id for option in prompt.options] == [option.id for option in step.options]
            assert [option.number for option in prompt.options] == list(range(1, len(step.options) + 1))
            assert prompt.current_answer == session.answers.get(step.id)
            earlier = path[: path.index(prompt.step_id)]
            assert prompt.can_go_back == (
                step.id in session.answers or any(s in session.answers for s in earlier)
            )
            assert prompt.optional == step.optional and prompt.text
            if step.kind is StepKind.MULTI:
                assert 1 <= prompt.max_choices <= len(step.options)
            else:
                assert prompt.max_choices == 1
            assert prompt.max_length >= 1
        elif turn.kind is TurnKind.FINISHED:
            assert session.status is Status.COMPLETED and turn.prompt is None
            result = turn.result
            assert isinstance(result, Classification)
            assert result.verdict in set(Verdict)
            assert 3 <= len(result.roadmap) <= 6
            assert all(step.title.strip() and step.detail.strip() for step in result.roadmap)
            assert 0 <= result.confidence <= 1 and result.summary.strip()
        else:
            assert turn.kind is TurnKind.CANCELLED
            assert session.status is Status.CANCELLED and turn.prompt is None and turn.result is None


EngineMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestEngineFuzz = EngineMachine.TestCase


def test_back_after_changing_a_later_answer_undoes_the_question_before_this_one() -> None:
    """A sequence the machine reaches rarely: a changed branch, then a changed later answer."""
    turn = ENGINE.start()
    for raw in ["1", "1", "Building it once", "no", "1", "1"]:
        turn = ENGINE.answer(turn.session, raw)
    turn = ENGINE.answer(ENGINE.edit(turn.session, "effort").session, "Working for each client")
    assert turn.session.current == "repeat_problems" and "income" in turn.session.answers
    turn = ENGINE.answer(ENGINE.edit(turn.session, "income").session, "1")
    assert turn.session.current == "repeat_problems" and turn.session.trail[-1] == "income"
    back = ENGINE.back(stored(turn.session))
    assert back.kind is TurnKind.ASK and back.session.current == "effort"
    assert "effort" not in back.session.answers and "income" in back.session.answers
    ENGINE.check_session(back.session)
    assert stored(back.session) == back.session


@pytest.mark.parametrize("raw", [["1" * 5_000], ["9" * 1_000_000], ["\x00yes"], ["\u202eyes"], ["a" * 10**6]])
def test_a_monstrous_pick_is_rejected_with_a_readable_reason(raw: list[str]) -> None:
    session = ENGINE.new_session()
    turn = ENGINE.answer(session, raw)
    assert turn.kind is TurnKind.REJECTED and turn.session == session
    reject_reason_is_readable(turn.error)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    base=st.sampled_from(["fresh", "answered"]),
    key=st.sampled_from(
        ["schema_version", "dialog_id", "bank_version", "status", "current", "answers", "trail", "extra"]
    ),
    value=json_values,
)
@example(base="answered", key="schema_version", value=2)
@example(base="answered", key="trail", value=["stage", "stage"])
def test_damaged_stored_sessions_load_or_fail_clearly(base: str, key: str, value: object) -> None:
    session = ENGINE.new_session()
    if base == "answered":
        session = ENGINE.answer(session, "1").session
    data = json.loads(session.model_dump_json())
    data[key] = value
    try:
        loaded = load_session(data)
    except SessionSchemaError as error:
        assert "schema" in str(error)
        return
    except ValueError as error:  # pydantic's ValidationError names the field at fault
        assert str(error).strip()
        return
    assert stored(loaded) == loaded


# --- the quick check ----------------------------------------------------------------------

FRAGMENTS = [
    "I sell",
    "Notion templates",
    "a recorded course",
    "no calls",
    "weekly coaching",
    "hosted software",
    "monthly subscription",
    "logo design for each client",
    "used to",
    "but now",
    "for coaches",
    "<@123>",
    "<@!456>",
    "<#789>",
    "@everyone",
    "@here",
    "**bold**",
    "__under__",
    "`code`",
    "||spoiler||",
    "> quote",
    "# heading",
    "[link](https://example.com)",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2067",
    "🙂",
    "👩‍💻",
    "🇫🇷",
    "שלום",
    "مرحبا",
    "ﷺ",
    "ﬁ",
    "Ⅻ",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "\x07",
    ",",
    ".",
    ";",
    "—",
]
descriptions = st.one_of(
    st.text(max_size=2500),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=80).map(" ".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=300).map("".join),
)
CONTROL_OR_DIRECTION = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNESCAPED_MARKDOWN = re.compile(r"(?<!\\)[*_~|`]")


def normalised(text: str) -> str:
    """The text as the quick check reads it (NFKC, casefolded, single spaces)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("’", "'").split())


def check_quick_check(text: str) -> QuickCheck | None:
    cleaned = clean_text(text, max_length=MAX_DESCRIPTION_LENGTH)
    try:
        result = quick_check(text)
    except UnusableDescription as error:
        # The documented error, for exactly the input clean_text refuses, said plainly.
        assert isinstance(cleaned, TextProblem), f"refused readable text: {text[:80]!r}"
        assert error.problem == cleaned.message
        for lang in SUPPORTED_LANGUAGES:
            message = render(error.problem, lang)
            assert message.strip() and len(message) <= MAX_MESSAGE_LENGTH
            assert not CONTROL_OR_DIRECTION.search(message)
            assert "@everyone" not in message and "<@" not in message
        return None
    assert isinstance(cleaned, str), f"read unreadable text: {text[:80]!r}"
    assert result.verdict in set(Verdict)
    assert 0 <= result.confidence <= 1
    assert (result.verdict is Verdict.UNCLEAR) == (result.confidence == 0)
    assert (result.hybrid_shape is not None) == (result.verdict is Verdict.HYBRID)
    assert result.explanation.strip()
    read = normalised(cleaned)
    for signal in result.signals:
        # Echoed phrases come from the member's own cleaned text: nothing invented, no
        # control or direction characters, never longer than what was read.
        assert signal.phrase and signal.phrase in read, (signal.phrase, read[:200])
        assert not CONTROL_OR_DIRECTION.search(signal.phrase)
    assert not CONTROL_OR_DIRECTION.search(result.explanation)
    quoted = {signal.phrase for signal in result.signals}
    assert len(result.explanation) <= 600 + sum(len(phrase) + 4 for phrase in quoted)
    data = json.loads(result.model_dump_json())
    assert set(data) == {"verdict", "confidence", "signals", "explanation"}
    return result


def check_discord_rendering(result: QuickCheck, lang: str) -> None:
    """What a member sees on Discord fits Discord's limits and their markdown is inert.

    Mentions cannot ping: the result is an embed (embeds never notify) and the bot sends
    everything with AllowedMentions.none() (tests/bot/test_discord_bot.py checks that).
    """
    embed = quick_check_embed(result, lang)
    assert isinstance(embed, discord.Embed)
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert len(field.name or "") <= 256 and len(field.value or "") <= 1024
    for signal in result.signals[:6]:
        assert not UNESCAPED_MARKDOWN.search(safe(signal.phrase)), signal.phrase


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descriptions, st.sampled_from(SUPPORTED_LANGUAGES))
@example("no <@123> coaching, **just** the course @everyone", "en")
@example("no __calls__ || `coaching` ||, a recorded course", "fr")
@example("\u200bno calls\u200b, templates 🙂", "en")
@example("\u202eno calls", "en")
@example("ﷺ" * 200 + " course", "en")
@example("a" * MAX_DESCRIPTION_LENGTH, "en")
@example("course " * 285 + "cours", "fr")
def test_any_description_gives_a_clean_verdict_or_a_clear_error(text: str, lang: str) -> None:
    result = check_quick_check(text)
    if result is not None:
        check_discord_rendering(result, lang)


@pytest.mark.parametrize("text", HUGE_INPUTS, ids=lambda text: f"{len(text)}-chars")
def test_huge_descriptions_are_refused_before_they_are_read(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UnusableDescription) as caught:
        quick_check(text)
    elapsed = time.perf_counter() - started
    message = str(caught.value)
    # Refused for its size (or for having no words), without echoing any of it back.
    assert f"{MAX_DESCRIPTION_LENGTH:,}" in message or "words" in message, message
    assert len(message) <= MAX_MESSAGE_LENGTH
    assert elapsed < 5, f"{elapsed:.1f}s to refuse {len(text):,} characters"


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.sampled_from([*FRAGMENTS[:11], ",", "no", "and", "(", "used to sell"]), min_size=1, max_size=400
    )
)
def test_the_longest_readable_description_is_read_quickly(words: list[str]) -> None:
    text = " ".join(words)
    text = (text * (MAX_DESCRIPTION_LENGTH // len(text) + 1))[:MAX_DESCRIPTION_LENGTH]
    started = time.perf_counter()
    check_quick_check(text)
    assert time.perf_counter() - started < 5


# --- clean_text -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300), st.sampled_from(TRICKY), st.lists(st.sampled_from(FRAGMENTS)).map("".join)
    ),
    st.integers(1, 400),
    st.booleans(),
)
@example("\u0041\u030a" * 3, 3, True)  # NFC shortens before the length check
@example("x" * 5_000, 4000, True)
def test_clean_text_is_idempotent_bounded_and_control_free(raw: str, limit: int, multiline: bool) -> None:
    cleaned = clean_text(raw, max_length=limit, multiline=multiline)
    if isinstance(cleaned, TextProblem):
        for lang in SUPPORTED_LANGUAGES:
            message = render(cleaned.message, lang)
            assert message.strip() and len(message) <= MAX_MESSAGE_LENGTH
            assert not CONTROL_OR_DIRECTION.search(message)
        # Refusing is stable too: the same input is refused with the same message.
        assert clean_text(raw, max_length=limit, multiline=multiline) == cleaned
        return
    assert clean_text(cleaned, max_length=limit, multiline=multiline) == cleaned
    assert 0 < len(cleaned) <= limit
    assert cleaned == cleaned.strip() and unicodedata.is_normalized("NFC", cleaned)
    assert any(char.isalnum() for char in cleaned)
    allowed = {"\n", "\t"} if multiline else set()
    assert all(unicodedata.category(char) != "Cc" or char in allowed for char in cleaned), repr(cleaned)
    assert not BIDI_CONTROLS & set(cleaned)
