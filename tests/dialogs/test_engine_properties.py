"""Property-based tests of the dialog engine: whatever a member does, in any order, the
session stays one the engine could have produced, and the interview can still finish."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dialogs.bank import StepKind
from dialogs.engine import DialogEngine, EngineError, Turn, TurnKind
from dialogs.session import Session, Status
from dialogs.verdict import Classification

ENGINE = DialogEngine()
MAX_TURNS_TO_FINISH = 30

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TRICKY_TEXT = [
    "",
    " ",
    "1",
    "0",
    "99",
    "1, 3",
    "1 2 3",
    "none, 1",
    "yes",
    "no",
    "Just",
    "host",
    "templ",
    "x" * 5000,
    "\x00",
    "\u202e1",
    "🙂",
    "@everyone **bold**",
    "je ne sais pas",
    "1\n2",
    "Ongoing advice, training or coaching",
    "I sell Notion templates, pay once.",
]


@dataclass(frozen=True)
class Op:
    name: str
    pick: int = 0
    text: str = ""
    form: int = 0
    extra: tuple[int, ...] = ()


_valid = st.builds(
    Op,
    name=st.just("valid"),
    pick=st.integers(0, 50),
    form=st.integers(0, 2),
    extra=st.lists(st.integers(0, 50), max_size=3).map(tuple),
)
# Valid answers are drawn most often, so that runs reach deep into the interview, through
# its branches and past its end, rather than circling the first questions.
operations = st.one_of(
    _valid,
    _valid,
    _valid,
    _valid,
    _valid,
    _valid,
    st.builds(Op, name=st.just("text"), text=st.one_of(st.text(max_size=300), st.sampled_from(TRICKY_TEXT))),
    st.builds(Op, name=st.sampled_from(["back", "back", "skip", "skip", "help", "restart"])),
    st.builds(Op, name=st.just("edit"), pick=st.integers(0, 50)),
)
# A run of valid answers first (up to a whole interview and beyond), then anything.
action_sequences = st.builds(
    lambda head, tail: head + tail, st.lists(_valid, max_size=20), st.lists(operations, max_size=60)
)


def stored(session: Session) -> Session:
    return Session.model_validate_json(session.model_dump_json())


def valid_answer(session: Session, op: Op) -> str:
    """A valid answer to the current step, typed by number, by id or by label."""
    assert session.current is not None
    step = ENGINE.bank.step(session.current)
    if step.kind is StepKind.TEXT:
        return [
            "I sell Notion templates, pay once.",
            "Logo design for each client.",
            "Hosted scheduling software, monthly subscription.",
        ][op.form]
    count = len(step.options)
    picks = [op.pick % count]
    if step.kind is StepKind.MULTI:
        picks += [index % count for index in op.extra]
        picks = [index for index in dict.fromkeys(picks) if not step.options[index].exclusive] or picks[:1]
    options = [step.options[index] for index in picks]
    if op.form == 0:
        return ", ".join(str(index + 1) for index in picks)
    if op.form == 1:
        return ", ".join(option.id for option in options)
    return ", ".join(option.label.upper() for option in options)


def apply(turn: Turn, op: Op) -> Turn:
    """One member action, on the session as a store hands it back."""
    session = stored(turn.session)
    if op.name == "restart":
        return ENGINE.restart()
    if not session.is_active:
        # Nothing but a restart is allowed once the interview has ended.
        with pytest.raises(EngineError):
            if op.name == "help":
                ENGINE.help(session)
            elif op.name == "back":
                ENGINE.back(session)
            elif op.name == "skip":
                ENGINE.skip(session)
            elif op.name == "edit":
                ENGINE.edit(session, "stage")
            else:
                ENGINE.answer(session, "1")
        return turn
    if op.name == "valid":
        after = ENGINE.answer(session, valid_answer(session, op))
        assert after.kind in (TurnKind.ASK, TurnKind.FINISHED), after.error
        return after
    if op.name == "text":
        return ENGINE.answer(session, op.text)
    if op.name == "back":
        return ENGINE.back(session)
    if op.name == "skip":
        return ENGINE.skip(session)
    if op.name == "edit":
        answered = sorted(session.answers)
        target = answered[op.pick % len(answered)] if answered else "stage"
        return ENGINE.edit(session, target)
    text = str(ENGINE.help(session))  # as an English member reads it
    assert "For example" in text
    return turn


def check(before: Turn, after: Turn) -> None:
    ENGINE.check_session(after.session)
    if after.kind is TurnKind.REJECTED:
        assert after.error
        assert after.session == before.session
    if after.prompt is not None:
        assert after.session.is_active
        assert after.prompt.step_id == after.session.current
        assert 1 <= after.prompt.position <= after.prompt.total
    if after.kind is TurnKind.FINISHED:
        assert isinstance(after.result, Classification)
        assert after.session.status is Status.COMPLETED


def finish(turn: Turn) -> Classification:
    """Answer "1" (the first option, or the text "1") until the interview ends."""
    for _ in range(MAX_TURNS_TO_FINISH):
        session = stored(turn.session)
        if session.status is Status.COMPLETED:
            resumed = ENGINE.resume(session)
            assert resumed.kind is TurnKind.FINISHED and resumed.result is not None
            return resumed.result
        after = ENGINE.answer(session, "1")
        check(turn, after)
        assert after.kind is not TurnKind.REJECTED, after.error
        turn = after
    raise AssertionError(f"not finished after {MAX_TURNS_TO_FINISH} turns: {turn.session}")


@PROPERTY_SETTINGS
@given(action_sequences)
def test_any_sequence_of_actions_keeps_the_session_consistent(ops: list[Op]) -> None:
    turn = ENGINE.start()
    for op in ops:
        after = apply(turn, op)
        check(turn, after)
        turn = after
    result = finish(turn)
    assert 3 <= len(result.roadmap) <= 6
    assert 0 < result.confidence < 1


@PROPERTY_SETTINGS
@given(action_sequences)
def test_resuming_a_stored_session_changes_nothing(ops: list[Op]) -> None:
    turn = ENGINE.start()
    for op in ops:
        turn = apply(turn, op)
    session = stored(turn.session)
    resumed = ENGINE.resume(session)
    assert resumed.session == session
    if session.status is Status.ACTIVE:
        assert resumed.kind is TurnKind.ASK
        assert resumed.prompt is not None and resumed.prompt.step_id == session.current


@PROPERTY_SETTINGS
@given(st.text(max_size=2000) | st.sampled_from(TRICKY_TEXT), st.integers(0, 40))
@example(text="²", steps_in=0)  # a digit that int() refuses once crashed the engine
def test_random_text_on_any_step_is_answered_or_rejected(text: str, steps_in: int) -> None:
    turn = ENGINE.start()
    for _ in range(steps_in):
        if turn.kind is TurnKind.FINISHED:
            break
        turn = ENGINE.answer(stored(turn.session), "1")
    if turn.kind is TurnKind.FINISHED:
        return
    after = ENGINE.answer(stored(turn.session), text)
    check(turn, after)
    assert after.kind in (TurnKind.ASK, TurnKind.REJECTED, TurnKind.FINISHED)
    if after.kind is TurnKind.REJECTED:
        assert after.prompt is not None and after.prompt.step_id == turn.session.current
