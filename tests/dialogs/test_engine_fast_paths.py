"""The engine's shortcuts give exactly what the plain way gave.

A turn reads option answers through per-step lookup tables, walks the path once, builds
its prompt on first read, and a stored session is read straight from its JSON text. Each
shortcut is checked here against the straightforward computation it replaced.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.bank import Option, Step, StepKind, default_bank
from dialogs.engine import DialogEngine, Turn, TurnKind, _normalise, parse_answer
from dialogs.messages import text as catalog_text
from dialogs.session import Answer, Session, SessionSchemaError, load_session, load_session_json
from dialogs.text import TextProblem, clean_text

ENGINE = DialogEngine()
BANK = default_bank()
CHOICE_STEPS = [step for step in BANK.steps if step.kind is not StepKind.TEXT]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- reading an answer: the tables against the scan they replaced -----------------------


def reference_resolve(step: Step, token: str) -> str | None:
    """How an option was found before the tables: normalise and scan every option."""
    wanted = _normalise(token)
    if step.kind is StepKind.YES_NO:
        if wanted in {"y", "yes", "yeah", "yep", "true", "oui", "si", "ja"}:
            return "yes"
        if wanted in {"n", "no", "nope", "false", "non", "nein"}:
            return "no"
    if wanted.isdecimal():
        number = int(wanted)
        return step.options[number - 1].id if 1 <= number <= len(step.options) else None
    for option in step.options:
        if wanted == option.id:
            return option.id
    labels = [
        (_normalise(label(step, option, lang)), option.id) for lang in ("en", "fr") for option in step.options
    ]
    for text_, option_id in labels:
        if wanted == text_:
            return option_id
    if len(wanted) >= 3:
        matches = {option_id for text_, option_id in labels if text_.startswith(wanted)}
        if len(matches) == 1:
            return matches.pop()
    return None


def label(step: Step, option: Option, lang: str) -> str:
    """An option's label as a member reads it in ``lang``: the catalog's, by its key."""
    return catalog_text(f"bank.{step.id}.{option.id}.label", lang)


def english(parsed: Answer | TextProblem) -> Answer | str:
    """An answer as it is, a refusal as an English member reads it."""
    return str(parsed.message) if isinstance(parsed, TextProblem) else parsed


def reference_picks(step: Step, picks: Sequence[str]) -> Answer | str:
    """The scan's answer to a list of picks (the path the Discord front end takes), with
    its refusal in English."""
    tokens = []
    for pick in picks:
        cleaned = clean_text(str(pick), max_length=200, multiline=False)
        if isinstance(cleaned, TextProblem):
            return f"{cleaned.message} {hint(step)}"
        tokens.append(cleaned)
    chosen: list[str] = []
    for token in tokens:
        option_id = reference_resolve(step, token)
        if option_id is None:
            shown = token if len(token) <= 40 else token[:40] + "…"
            return f"“{shown}” is not one of the options. {hint(step)}"
        if option_id not in chosen:
            chosen.append(option_id)
    if not chosen:
        return f"Please choose an option. {hint(step)}"
    if step.kind is not StepKind.MULTI and len(chosen) > 1:
        return f"Please choose just one option. {hint(step)}"
    limit = step.max_choices or len(step.options)
    if len(chosen) > limit:
        return f"Please choose at most {limit} options."
    exclusive = [option_id for option_id in chosen if step.option(option_id).exclusive]
    if exclusive and len(chosen) > 1:
        return f"“{step.option(exclusive[0]).label}” can't be combined with other options."
    return Answer(options=tuple(chosen))


def hint(step: Step) -> str:
    if step.kind is StepKind.YES_NO:
        return "Answer yes or no."
    if step.kind is StepKind.MULTI:
        return f"Pick one or more numbers from 1 to {len(step.options)}, separated by commas."
    return f"Pick a number from 1 to {len(step.options)}, or type the option's text."


def _tokens(step: Step) -> st.SearchStrategy[str]:
    """Tokens near the options: ids, labels, their beginnings and case changes, noise."""
    near = [option.id for option in step.options] + [
        label(step, option, lang) for lang in ("en", "fr") for option in step.options
    ]
    return st.one_of(
        st.sampled_from(near),
        st.sampled_from(near).map(str.upper),
        st.tuples(st.sampled_from(near), st.integers(0, 12)).map(lambda pair: pair[0][: pair[1]]),
        st.sampled_from(near).map(lambda text: f"  {text} "),
        st.integers(-1, 30).map(str),
        st.sampled_from(["yes", "No", "oui", "", " ", "\x00", "\u202e1", "²", "1 2"]),
        st.text(max_size=12),
    )


@st.composite
def _step_and_picks(draw: st.DrawFn) -> tuple[Step, list[str]]:
    step = draw(st.sampled_from(CHOICE_STEPS))
    return step, draw(st.lists(_tokens(step), max_size=4))


@FAST
@given(_step_and_picks())
def test_picks_read_as_the_option_scan_read_them(case: tuple[Step, list[str]]) -> None:
    step, picks = case
    assert english(parse_answer(step, picks)) == reference_picks(step, picks)
    # The engine's own tables (built once) agree with a fresh build.
    session = Session(dialog_id=BANK.id, bank_version=BANK.version, current=step.id)
    if step.id in ENGINE.path({}):
        turn = ENGINE.answer(session, picks)
        expected = reference_picks(step, picks)
        if isinstance(expected, str):
            assert turn.kind is TurnKind.REJECTED and str(turn.error) == expected
        else:
            assert turn.session.answers[step.id] == expected


@FAST
@given(st.sampled_from(CHOICE_STEPS).flatmap(lambda step: st.tuples(st.just(step), _tokens(step))))
def test_typed_choices_read_as_the_option_scan_read_them(case: tuple[Step, str]) -> None:
    step, token = case
    if step.kind is StepKind.MULTI:
        return  # a typed list is split first; the picks test covers its tokens
    cleaned = clean_text(token, max_length=200, multiline=False)
    expected: Answer | str
    if isinstance(cleaned, TextProblem):
        expected = f"{cleaned.message} {hint(step)}"
    else:
        expected = reference_picks(step, [cleaned])
    assert english(parse_answer(step, token)) == expected


# --- the path walked once per answer -----------------------------------------------------


def reference_path(answers: dict[str, Answer]) -> list[str]:
    path: list[str] = []
    step_id: str | None = BANK.start
    while step_id is not None:
        path.append(step_id)
        step = BANK.by_id[step_id]
        answer = answers.get(step_id)
        step_id = step.follow(answer.options) if answer is not None else step.next
    return path


@FAST
@given(st.lists(st.tuples(st.sampled_from(CHOICE_STEPS), st.data()), max_size=8))
def test_path_is_the_plain_walk(picks: list[tuple[Step, st.DataObject]]) -> None:
    answers = {
        step.id: Answer(
            options=tuple(
                data.draw(
                    st.lists(
                        st.sampled_from([o.id for o in step.options]), min_size=1, max_size=3, unique=True
                    )
                )
            )
        )
        for step, data in picks
    }
    assert ENGINE.path(answers) == reference_path(answers)


# --- the prompt built on first read ------------------------------------------------------


def _walked(answers: int) -> Turn:
    turn = ENGINE.start()
    for _ in range(answers):
        assert turn.prompt is not None
        turn = ENGINE.answer(turn.session, [turn.prompt.options[0].id])
    return turn


@pytest.mark.parametrize("answers", [0, 1, 3, 6])
def test_a_deferred_prompt_is_the_prompt_of_its_session(answers: int) -> None:
    turn = _walked(answers)
    assert turn.kind is TurnKind.ASK
    assert turn.prompt == ENGINE.prompt(turn.session)
    assert turn.prompt is turn.prompt  # built once


def test_a_rejected_turn_still_shows_the_step() -> None:
    turn = ENGINE.answer(_walked(2).session, ["not-an-option"])
    assert turn.kind is TurnKind.REJECTED
    assert turn.prompt == ENGINE.prompt(turn.session)


def test_a_turn_is_a_frozen_value_whose_prompt_follows_its_session() -> None:
    turn = _walked(2)
    # Turns compare by what they say; the prompt is built from the session, not compared.
    assert turn == Turn(turn.kind, turn.session)
    assert turn != Turn(turn.kind, _walked(3).session)
    assert turn != Turn(TurnKind.REJECTED, turn.session, error=ENGINE.help(turn.session))
    # Hashing fails on the session's answers dict, as for any dataclass holding one.
    with pytest.raises(TypeError):
        hash(turn)
    assert repr(turn).startswith("Turn(kind=<TurnKind.ASK: 'ask'>, session=Session(")
    assert "recipe" not in repr(turn)
    with pytest.raises(dataclasses.FrozenInstanceError):
        turn.kind = TurnKind.FINISHED  # type: ignore[misc]
    for clone in (pickle.loads(pickle.dumps(turn)), copy.copy(turn), copy.deepcopy(turn)):
        assert clone == turn
        assert clone.prompt == turn.prompt
    unread = _walked(1)
    assert pickle.loads(pickle.dumps(unread)).prompt == unread.prompt  # the recipe travels too
    match turn:
        case Turn(TurnKind.ASK, session):
            assert session == turn.session
        case _:
            pytest.fail("Turn no longer matches positionally")


def test_a_session_off_its_path_still_fails_in_the_operation() -> None:
    # "extra_help" is on a branch these answers do not take: asking it cannot place it.
    stray = Session(
        dialog_id=BANK.id,
        bank_version=BANK.version,
        current="extra_help",
        answers={"extra_help": Answer(options=(BANK.by_id["extra_help"].options[0].id,))},
        trail=("extra_help",),
    )
    with pytest.raises(ValueError, match="not in list"):
        ENGINE.edit(stray, "extra_help")


# --- reading stored JSON -----------------------------------------------------------------


def _read_both(text: str) -> tuple[object, object]:
    def outcome(read: object) -> object:
        try:
            return read()  # type: ignore[operator]
        except (ValueError, SessionSchemaError) as error:
            return (type(error), str(error))

    return outcome(lambda: load_session_json(text)), outcome(lambda: load_session(json.loads(text)))


def test_stored_sessions_read_the_same_from_text() -> None:
    texts = [ENGINE.new_session().model_dump_json()]
    turn = ENGINE.start()
    while turn.kind is TurnKind.ASK:
        prompt = turn.prompt
        assert prompt is not None
        texts.append(turn.session.model_dump_json())
        if prompt.kind is StepKind.TEXT:
            turn = ENGINE.skip(turn.session)
        else:
            turn = ENGINE.answer(turn.session, [prompt.options[-1].id])
    texts.append(turn.session.model_dump_json())
    texts.append(ENGINE.cancel(ENGINE.new_session()).session.model_dump_json())
    for text in texts:
        fast, slow = _read_both(text)
        assert isinstance(fast, Session) and fast == slow


SESSION = '{"schema_version":%s,"dialog_id":%s,"bank_version":%s,"current":null,"trail":%s}'


@pytest.mark.parametrize(
    "text",
    [
        SESSION % ("1", '"offering"', "1", "[]"),
        SESSION % ("1.0", '"offering"', "1", "[]"),  # not an integer: refused as before
        SESSION % ("1e0", '"offering"', "1", "[]"),
        SESSION % ("true", '"offering"', "1", "[]"),
        SESSION % ("2", '"offering"', "1", "[]"),  # from a newer release
        SESSION % ("0", '"offering"', "1", "[]"),
        SESSION % ('"1"', '"offering"', "1", "[]"),
        SESSION % ("1", '"off\\ud800ering"', "1", "[]"),  # a lone surrogate
        SESSION % ("1", '"offering"', "1.0", "[]"),
        SESSION % ("1", '"offering"', '"1"', "[]"),
        SESSION % ("1", '"offering"', "1", '["a", "a"]'),
        SESSION % ("1", "3", "1", "[]"),
        SESSION % ("01", '"offering"', "1", "[]"),  # not JSON
        '{"dialog_id":"a","dialog_id":"offering","bank_version":1,"current":null}',
        '{"dialog_id":"offering","bank_version":1,"current":null,"extra":1}',
        '{"dialog_id":"offering","bank_version":1,"current":null,"answers":{"x":{"options":"ab"}}}',
        '{"dialog_id":"offering","bank_version":NaN,"current":null}',
        "[]",
        "null",
        '"session"',
        "",
    ],
)
def test_odd_stored_text_reads_as_it_did(text: str) -> None:
    fast, slow = _read_both(text)
    assert fast == slow


_JSON_SCALARS = (
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.text(max_size=6)
)
_JSON_VALUES = (
    _JSON_SCALARS
    | st.lists(_JSON_SCALARS, max_size=3)
    | st.dictionaries(st.text(max_size=6), _JSON_SCALARS, max_size=3)
)


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "schema_version": st.sampled_from([1, 1.0, True, 2, 0, "1"]) | _JSON_VALUES,
            "dialog_id": st.just("offering") | _JSON_VALUES,
            "bank_version": st.just(1) | _JSON_VALUES,
            "status": st.sampled_from(["active", "completed", "cancelled", "ACTIVE"]) | _JSON_VALUES,
            "current": st.sampled_from([None, "stage", "goal"]) | _JSON_VALUES,
            "answers": st.dictionaries(
                st.sampled_from(["stage", "goal", "x"]),
                st.fixed_dictionaries(
                    {},
                    optional={
                        "options": st.lists(st.sampled_from(["a", "1"]), max_size=2) | _JSON_VALUES,
                        "text": st.none() | _JSON_VALUES,
                        "skipped": st.booleans() | _JSON_VALUES,
                    },
                ),
                max_size=2,
            )
            | _JSON_VALUES,
            "trail": st.lists(st.sampled_from(["stage", "goal"]), max_size=3) | _JSON_VALUES,
        },
    )
)
def test_any_stored_object_reads_as_it_did(data: dict[str, object]) -> None:
    fast, slow = _read_both(json.dumps(data))
    assert fast == slow
