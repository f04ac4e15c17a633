"""Section 3: the dialog engine against the state-machine libraries a developer would pick.

The same 12-step interview runs on three contenders: our ``DialogEngine``,
python-statemachine and transitions. A bot keeps no machine in memory between member
messages, so one *turn* here is what the bot does for each message:

1. restore the machine from stored state (a JSON string, as read from the database; our
   engine reads it with ``load_session_json``, the session reader meant for storage);
2. apply the answer: check it is one of the step's options, record it, move on;
3. serialise the state and the answers back to a JSON string (as written back).

Every contender starts each interview from its stored JSON and carries only that string
from one turn to the next. The figure is answered turns per second (median of
``repeats`` timed runs of ``interviews`` interviews each), and the ratio is our engine's
throughput divided by the library's, measured in the same process and run. The goal is
at least 5x transitions and 20x python-statemachine.

The 12 steps are a real path through ``dialogs/data/questions.toml``: the shortest one
(``effort = both`` takes no branch, ``income = one_time`` skips the subscription step).
That path has 13 steps and the 13th, ``description``, is an optional free-text
question, so 12 option answers never finish the interview: no turn in the timed loop
runs the scoring (``classify``), which a finished interview would. The check after
timing confirms the engine's session is still active and waiting at ``description``.

Answers are passed the way the Discord front end passes them (``bot/interview/views.py``): a
list of option ids from a button or a select menu. Our engine does more per turn than
the libraries here: it parses the answer (duplicates, exclusive options, the choice
limit), walks the answer-dependent path to find the next step, keeps a trail for
"back", and validates the whole session model when restoring it. The libraries get the
minimum equivalent work: option membership (and a single choice except on the multi
step), record, advance, serialise.

Each library uses the fastest documented pattern for restoring per turn:

* python-statemachine: a machine instance per turn over a domain model whose ``state``
  field already holds the stored value ("domain models" in its docs); with the state
  already set, the constructor skips the initial activation. Creating the instance is
  unavoidable: an instance binds one model.
* transitions: one ``Machine(model=None, ...)`` built once at start-up, and per turn
  ``add_model(model, initial=stored_state)`` then ``remove_model(model)``, the
  documented way to drive many models through one machine. Building a ``Machine`` per
  turn is also measured, for information, but the ratio uses the faster pattern.

One more transitions pattern is measured for information only: a single model object
added once and reused for every member, its state overwritten per turn with
``Machine.set_state``. It is much faster, but it restores no machine at all: it leans on
one mutable object shared by every member's interview (safe only while no two turns
ever overlap), which is why it is not the headline.

The machine this runs on may be shared and noisy, so beside the ratio of the medians
the result carries the lowest and highest per-repeat ratio (each from contenders timed
back to back in the same repeat).
"""

from __future__ import annotations

import gc
import json
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any

from statemachine import State, StateMachine
from transitions import Machine

from dialogs.bank import StepKind, default_bank
from dialogs.engine import DialogEngine, TurnKind
from dialogs.session import Status, load_session_json

# The interview: (step id, the option id the member picks), in the order asked.
PATH: tuple[tuple[str, str], ...] = (
    ("stage", "some_clients"),
    ("offering_kind", "template"),
    ("effort", "both"),
    ("income", "one_time"),
    ("scalability", "2"),
    ("customization", "1"),
    ("engagement", "occasional"),
    ("value_source", "artifact"),
    ("delivery", "instant"),
    ("lifecycle", "updates"),
    ("after_sale", "support"),
    ("goal", "scale"),
)
STEPS: tuple[str, ...] = tuple(step_id for step_id, _ in PATH)
# Where the 12 answers leave the interview: the optional text step, still unanswered.
END_STATE = "description"
ANSWERS: tuple[list[str], ...] = tuple([option_id] for _, option_id in PATH)

_BANK = default_bank()
_STEP_BY_ID = _BANK.by_id
# What the libraries validate against: each step's option ids, read from the bank.
OPTIONS: dict[str, frozenset[str]] = {
    step_id: frozenset(option.id for option in _STEP_BY_ID[step_id].options) for step_id in STEPS
}
MULTI: frozenset[str] = frozenset(step_id for step_id in STEPS if _STEP_BY_ID[step_id].kind is StepKind.MULTI)
NEXT: dict[str, str] = dict(zip(STEPS, (*STEPS[1:], END_STATE), strict=True))


def _valid_choice(step_id: str, value: Sequence[str]) -> bool:
    """The libraries' validation: known options, one of them unless the step is multi."""
    if not value or (len(value) > 1 and step_id not in MULTI):
        return False
    options = OPTIONS[step_id]
    return all(option_id in options for option_id in value)


# --- our engine ---------------------------------------------------------------------------


def _engine_contender() -> tuple[str, Callable[[str, list[str]], str]]:
    engine = DialogEngine(_BANK)

    def turn(stored: str, value: list[str]) -> str:
        session = load_session_json(stored)
        result = engine.answer(session, value)
        if result.kind is not TurnKind.ASK:
            raise RuntimeError(f"engine did not move on: {result.kind} {result.error}")
        return result.session.model_dump_json()

    return engine.new_session().model_dump_json(), turn


def _check_engine(stored: str) -> None:
    session = load_session_json(stored)
    got = {step_id: list(answer.options) for step_id, answer in session.answers.items()}
    expected = dict(zip(STEPS, ANSWERS, strict=True))
    if got != expected or session.status is not Status.ACTIVE or session.current != END_STATE:
        raise RuntimeError(f"engine contender ended wrong: {stored}")


# --- python-statemachine ------------------------------------------------------------------


class InterviewChart(StateMachine):
    """The 12 steps plus the state they lead to, one ``answer`` event along them."""

    # The end state is an ordinary waiting state (the engine's interview is not finished
    # either), so the trap-state check is off rather than marking it final.
    validate_trap_states = False

    stage = State(initial=True)
    offering_kind = State()
    effort = State()
    income = State()
    scalability = State()
    customization = State()
    engagement = State()
    value_source = State()
    delivery = State()
    lifecycle = State()
    after_sale = State()
    goal = State()
    description = State()

    answer = (
        stage.to(offering_kind, cond="is_option", on="record")
        | offering_kind.to(effort, cond="is_option", on="record")
        | effort.to(income, cond="is_option", on="record")
        | income.to(scalability, cond="is_option", on="record")
        | scalability.to(customization, cond="is_option", on="record")
        | customization.to(engagement, cond="is_option", on="record")
        | engagement.to(value_source, cond="is_option", on="record")
        | value_source.to(delivery, cond="is_option", on="record")
        | delivery.to(lifecycle, cond="is_option", on="record")
        | lifecycle.to(after_sale, cond="is_option", on="record")
        | after_sale.to(goal, cond="is_option", on="record")
        | goal.to(description, cond="is_option", on="record")
    )

    def is_option(self, source: State, value: list[str]) -> bool:
        return _valid_choice(source.value, value)

    def record(self, source: State, value: list[str]) -> None:
        self.model.answers[source.value] = list(value)


class ChartModel:
    """The stored record the python-statemachine machine runs over."""

    def __init__(self, state: str, answers: dict[str, list[str]]) -> None:
        self.state = state
        self.answers = answers


def _statemachine_contender() -> tuple[str, Callable[[str, list[str]], str]]:
    def turn(stored: str, value: list[str]) -> str:
        data = json.loads(stored)
        model = ChartModel(data["state"], data["answers"])
        machine = InterviewChart(model)
        machine.send("answer", value=value)  # raises TransitionNotAllowed if the guard fails
        return json.dumps({"state": model.state, "answers": model.answers})

    return json.dumps({"state": STEPS[0], "answers": {}}), turn


# --- transitions --------------------------------------------------------------------------


class TransitionsModel:
    """The stored record a transitions machine runs over; the machine adds ``state``."""

    state: str
    # Bound by Machine.add_model; declared so the type checker knows it (as transitions'
    # documentation suggests for typed models).
    trigger: Callable[..., bool]

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def is_option(self, value: list[str]) -> bool:
        return _valid_choice(self.state, value)

    def record(self, value: list[str]) -> None:
        # A "before" callback: ``state`` still names the step being answered.
        self.answers[self.state] = list(value)


def _transitions_definition() -> dict[str, Any]:
    return {
        "states": [*STEPS, END_STATE],
        "transitions": [
            {
                "trigger": "answer",
                "source": step_id,
                "dest": NEXT[step_id],
                "conditions": "is_option",
                "before": "record",
            }
            for step_id in STEPS
        ],
        "auto_transitions": False,
    }


def _transitions_contender() -> tuple[str, Callable[[str, list[str]], str]]:
    machine = Machine(model=None, initial=STEPS[0], **_transitions_definition())

    def turn(stored: str, value: list[str]) -> str:
        data = json.loads(stored)
        model = TransitionsModel(data["answers"])
        machine.add_model(model, initial=data["state"])
        try:
            if not model.trigger("answer", value):
                raise RuntimeError(f"transitions refused {value!r} at {model.state}")
        finally:
            machine.remove_model(model)
        return json.dumps({"state": model.state, "answers": model.answers})

    return json.dumps({"state": STEPS[0], "answers": {}}), turn


def _transitions_per_turn_machine_contender() -> tuple[str, Callable[[str, list[str]], str]]:
    definition = _transitions_definition()

    def turn(stored: str, value: list[str]) -> str:
        data = json.loads(stored)
        model = TransitionsModel(data["answers"])
        Machine(model=model, initial=data["state"], **definition)
        if not model.trigger("answer", value):
            raise RuntimeError(f"transitions refused {value!r} at {model.state}")
        return json.dumps({"state": model.state, "answers": model.answers})

    return json.dumps({"state": STEPS[0], "answers": {}}), turn


def _transitions_shared_model_contender() -> tuple[str, Callable[[str, list[str]], str]]:
    machine = Machine(model=None, initial=STEPS[0], **_transitions_definition())
    model = TransitionsModel({})
    machine.add_model(model)

    def turn(stored: str, value: list[str]) -> str:
        data = json.loads(stored)
        machine.set_state(data["state"], model=model)
        model.answers = data["answers"]
        if not model.trigger("answer", value):
            raise RuntimeError(f"transitions refused {value!r} at {model.state}")
        return json.dumps({"state": model.state, "answers": model.answers})

    return json.dumps({"state": STEPS[0], "answers": {}}), turn


def _check_library(name: str, stored: str) -> None:
    data = json.loads(stored)
    if data != {"state": END_STATE, "answers": dict(zip(STEPS, ANSWERS, strict=True))}:
        raise RuntimeError(f"{name} contender ended wrong: {stored}")


# --- timing -------------------------------------------------------------------------------


def _interview(initial: str, turn: Callable[[str, list[str]], str]) -> str:
    stored = initial
    for value in ANSWERS:
        stored = turn(stored, value)
    return stored


def _time(initial: str, turn: Callable[[str, list[str]], str], interviews: int) -> tuple[float, str]:
    """Turns per second over ``interviews`` whole interviews, and the last final state."""
    final = initial
    gc.collect()
    started = time.perf_counter()
    for _ in range(interviews):
        final = _interview(initial, turn)
    elapsed = time.perf_counter() - started
    return interviews * len(ANSWERS) / elapsed, final


def _versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "pydantic": metadata.version("pydantic"),
        "python-statemachine": metadata.version("python-statemachine"),
        "transitions": metadata.version("transitions"),
    }


def run(*, repeats: int = 5, interviews: int = 200) -> dict[str, Any]:
    """Time the three contenders on the same interview; report medians and ratios."""
    if repeats < 1 or interviews < 1:
        raise ValueError("repeats and interviews must be at least 1")
    if tuple(InterviewChart.states_map) != (*STEPS, END_STATE):
        raise RuntimeError("the python-statemachine chart does not match the interview's steps")

    contenders = {
        "engine": (_engine_contender(), _check_engine),
        "statemachine": (_statemachine_contender(), lambda s: _check_library("python-statemachine", s)),
        "transitions": (_transitions_contender(), lambda s: _check_library("transitions", s)),
        "transitions_machine_per_turn": (
            _transitions_per_turn_machine_contender(),
            lambda s: _check_library("transitions (machine per turn)", s),
        ),
        "transitions_shared_model": (
            _transitions_shared_model_contender(),
            lambda s: _check_library("transitions (shared model)", s),
        ),
    }
    # The bank must agree that these 12 answers leave the interview open at END_STATE.
    (engine_initial, engine_turn), _ = contenders["engine"]
    _check_engine(_interview(engine_initial, engine_turn))

    warmup = max(5, interviews // 10)
    for (initial, turn), check in contenders.values():
        for _ in range(warmup):
            check(_interview(initial, turn))

    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        # Interleaved, so drift in the machine's speed touches every contender alike.
        for name, ((initial, turn), check) in contenders.items():
            rate, final = _time(initial, turn, interviews)
            check(final)  # a broken contender must not look fast
            samples[name].append(rate)

    median = {name: statistics.median(rates) for name, rates in samples.items()}

    def spread(library: str) -> list[float]:
        ratios = [ours / theirs for ours, theirs in zip(samples["engine"], samples[library], strict=True)]
        return [min(ratios), max(ratios)]

    return {
        "steps": len(STEPS),
        "repeats": repeats,
        "interviews": interviews,
        "engine_turns_per_s": median["engine"],
        "transitions_turns_per_s": median["transitions"],
        "statemachine_turns_per_s": median["statemachine"],
        "transitions_machine_per_turn_turns_per_s": median["transitions_machine_per_turn"],
        "ratio_vs_transitions": median["engine"] / median["transitions"],
        "ratio_vs_statemachine": median["engine"] / median["statemachine"],
        "ratio_vs_transitions_range": spread("transitions"),
        "ratio_vs_statemachine_range": spread("statemachine"),
        "transitions_shared_model_turns_per_s": median["transitions_shared_model"],
        "ratio_vs_transitions_shared_model": median["engine"] / median["transitions_shared_model"],
        "goal_ratio_vs_transitions": 5.0,
        "goal_ratio_vs_statemachine": 20.0,
        "versions": _versions(),
    }


def main() -> None:
    result = run()
    print(
        f"{result['steps']}-step interview, {result['interviews']} interviews x {result['repeats']} repeats"
    )
    for label, key in (
        ("dialog engine", "engine_turns_per_s"),
        ("transitions (add_model)", "transitions_turns_per_s"),
        ("transitions (Machine per turn)", "transitions_machine_per_turn_turns_per_s"),
        ("transitions (shared model, info)", "transitions_shared_model_turns_per_s"),
        ("python-statemachine", "statemachine_turns_per_s"),
    ):
        print(f"  {label:32} {result[key]:>12,.0f} turns/s")
    for label, key, goal in (
        ("engine / transitions", "ratio_vs_transitions", 5),
        ("engine / python-statemachine", "ratio_vs_statemachine", 20),
    ):
        low, high = result[f"{key}_range"]
        verdict = "met" if result[key] >= goal else "MISSED"
        print(
            f"  {label:32} {result[key]:>12.2f}x  (per repeat {low:.2f}-{high:.2f}x; goal {goal}x: {verdict})"
        )
    print(f"  engine / transitions (shared)    {result['ratio_vs_transitions_shared_model']:>12.2f}x  (info)")
    print("  versions: " + ", ".join(f"{name} {version}" for name, version in result["versions"].items()))


if __name__ == "__main__":
    main()
