"""The dialog engine: a pure state machine over the question bank.

Every operation takes a ``Session`` and returns a ``Turn`` holding the next session
and what to show; nothing is mutated, nothing is written. Front ends (the terminal,
Discord, the tests) store the session and render the ``Prompt``.

The state stays simple enough to check (``check_session``): the answers and the trail
hold exactly the answered steps, all of them on the path the answers choose, and the
current step is on that path. The current step is the first unanswered one, except
while the member changes an earlier answer.

A bot runs one operation per member message on a session it has just read from
storage, so the engine keeps that cheap: what depends only on the bank (option
lookups, the prompt's options, the default next steps) is built once per engine, an
answer walks the path once, and a turn's prompt is built when it is first read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, partial

from dialogs.bank import Option, QuestionBank, Step, StepKind, StepRole, default_bank
from dialogs.catalog import SUPPORTED_LANGUAGES
from dialogs.messages import Msg, Quoted, msg, render
from dialogs.scoring import classify
from dialogs.session import Answer, Session, Status
from dialogs.text import TextProblem, clean_text
from dialogs.verdict import Classification
from dialogs.wording import option_label, step_help

# After this many invalid answers in a row to one step, explain it with an example.
EXPLAIN_AFTER_FAILURES = 3
_CHOICE_INPUT_LIMIT = 200
_YES = frozenset({"y", "yes", "yeah", "yep", "true", "oui", "si", "ja"})
_NO = frozenset({"n", "no", "nope", "false", "non", "nein"})


class TurnKind(StrEnum):
    ASK = "ask"
    REJECTED = "rejected"
    FINISHED = "finished"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PromptOption:
    id: str
    label: str
    description: str
    number: int


@dataclass(frozen=True)
class Prompt:
    """Everything a front end needs to ask one step, with no transport types."""

    step_id: str
    kind: StepKind
    text: str
    help: str
    options: tuple[PromptOption, ...]
    optional: bool
    position: int
    total: int
    can_go_back: bool
    max_length: int
    max_choices: int
    current_answer: Answer | None


@dataclass(frozen=True)
class Turn:
    """What an operation gives back: the next session, and what to show or why not.

    The engine hands over the prompt as a recipe that runs on the first read of
    ``prompt``, so an operation whose prompt is never shown (a replayed or imported
    answer, a turn the front end drops) does not pay for building it. Everything that can
    fail is checked before the recipe is made, so reading ``prompt`` never raises. The
    prompt follows from the session, so turns compare by what they say, not by it.
    """

    kind: TurnKind
    session: Session
    error: Msg | None = None
    explanation: Msg | None = None
    result: Classification | None = None
    recipe: Callable[[], Prompt] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def prompt(self) -> Prompt | None:
        return None if self.recipe is None else self.recipe()


class EngineError(ValueError):
    """An operation that the session's state does not allow (a programming error)."""


@dataclass(frozen=True, slots=True)
class _StepLookup:
    """One step's options indexed for reading answers, built once per engine.

    Reading an answer looks the typed text up in these tables instead of normalising
    every option label and scanning the options on each call; where several options
    match, the first in the bank's order wins, as a scan would find it.
    """

    step: Step
    # Option id -> option, for the exclusive check.
    options: Mapping[str, Option]
    # Normalised option id or label -> option id; the first option in order wins.
    by_text: Mapping[str, str]
    # (normalised label, option id) in option order, for unique-prefix matching.
    labels: tuple[tuple[str, str], ...]
    # The normalised labels holding a comma or semicolon, which a typed list must not split.
    split_labels: tuple[tuple[str, str], ...]
    # A token as front ends send it (an option id, as picked from a button or a menu)
    # -> the option id that cleaning and resolving it gives: precomputed by running
    # exactly that at build time, so a hit skips the work and cannot change the result.
    known: Mapping[str, str]
    prompt_options: tuple[PromptOption, ...]
    max_length: int
    max_choices: int
    limit: int

    @classmethod
    def build(cls, step: Step) -> _StepLookup:
        by_text: dict[str, str] = {}
        for option in step.options:
            by_text.setdefault(option.id, option.id)
        # A member may type an option's label in any shipped language.
        labels = tuple(
            dict.fromkeys(
                (_normalise(render(option_label(step.id, option.id, option.label), lang)), option.id)
                for lang in SUPPORTED_LANGUAGES
                for option in step.options
            )
        )
        for label, option_id in labels:
            by_text.setdefault(label, option_id)
        known: dict[str, str] = {}
        lookup = cls(
            step=step,
            options={option.id: option for option in step.options},
            by_text=by_text,
            labels=labels,
            split_labels=tuple(
                (label, option_id) for label, option_id in labels if "," in label or ";" in label
            ),
            known=known,
            prompt_options=tuple(
                PromptOption(option.id, option.label, option.description, number)
                for number, option in enumerate(step.options, start=1)
            ),
            max_length=step.max_length if step.kind is StepKind.TEXT else _CHOICE_INPUT_LIMIT,
            max_choices=(step.max_choices or len(step.options)) if step.kind is StepKind.MULTI else 1,
            limit=step.max_choices or len(step.options),
        )
        if step.kind is not StepKind.TEXT:
            for option in step.options:
                cleaned = clean_text(option.id, max_length=_CHOICE_INPUT_LIMIT, multiline=False)
                if cleaned == option.id:  # a token that cleaning leaves as it is
                    resolved = _resolve_option(lookup, cleaned)
                    if resolved is not None:
                        known[option.id] = resolved
        return lookup


class DialogEngine:
    def __init__(self, bank: QuestionBank | None = None) -> None:
        self.bank = bank or default_bank()
        self._steps = self.bank.by_id
        self._lookups = {step.id: _StepLookup.build(step) for step in self.bank.steps}
        # For walking the path: each step's default next step, and the steps whose answer
        # can choose another (most steps have no branches, so their answer is not read).
        self._next = {step.id: step.next for step in self.bank.steps}
        self._branching = {step.id: step for step in self.bank.steps if step.branches}
        # The step counter counts every branch from the start, so its total never changes
        # mid-way: a step's number is the longest interview's length less the most steps
        # that can still follow it; a branch not taken is passed over, never added later.
        self._longest_from = _longest_paths(self.bank)
        self._longest = self._longest_from[self.bank.start]

    def shown_position(self, step_id: str) -> int:
        """The step number a member sees on this step ("Step 7 of 15"): counted back from the
        end of the longest path, so it is the same on every path through the step."""
        return self._longest - self._longest_from[step_id] + 1

    @property
    def most_steps(self) -> int:
        """The longest interview this bank can ask: the step counter's total."""
        return self._longest

    # --- operations -----------------------------------------------------------------

    def new_session(self) -> Session:
        return Session(dialog_id=self.bank.id, bank_version=self.bank.version, current=self.bank.start)

    def start(self) -> Turn:
        return self._ask(self.new_session())

    def resume(self, session: Session) -> Turn:
        """Show where a stored session stands, after fitting it to the current bank."""
        session = self.reconcile(session)
        if session.status is Status.COMPLETED:
            return Turn(TurnKind.FINISHED, session, result=self.classify(session))
        if session.status is Status.CANCELLED:
            return Turn(TurnKind.CANCELLED, session)
        return self._ask(session)

    def answer(self, session: Session, raw: str | Sequence[str], *, failed_before: int = 0) -> Turn:
        step = self._current_step(session)
        parsed = _parse(self._lookups[step.id], raw)
        if isinstance(parsed, TextProblem):
            return self._reject(session, parsed.message, failed_before=failed_before)
        return self._advance(session, step, parsed)

    def skip(self, session: Session, *, failed_before: int = 0) -> Turn:
        step = self._current_step(session)
        if not step.optional:
            return self._reject(session, msg("engine.cannot_skip"), failed_before=failed_before)
        return self._advance(session, step, Answer(skipped=True))

    def back(self, session: Session) -> Turn:
        """Undo the latest answer; while changing an earlier answer, return instead."""
        step = self._current_step(session)
        if step.id in session.answers:
            return self._ask(session.model_copy(update={"current": self._first_unanswered(session.answers)}))
        earlier = self._answered_before(session)
        if not earlier:
            return self._reject(session, msg("engine.at_first_question"))
        # The latest answer before this question: after a changed answer the trail can end
        # with a later step, and undoing that would leave an earlier question unanswered.
        last = next(step_id for step_id in reversed(session.trail) if step_id in earlier)
        answers = {key: value for key, value in session.answers.items() if key != last}
        answers, trail = self._prune(answers, tuple(step_id for step_id in session.trail if step_id != last))
        return self._ask(session.model_copy(update={"answers": answers, "trail": trail, "current": last}))

    def edit(self, session: Session, step_id: str) -> Turn:
        """Ask an earlier step again; the later answers are kept."""
        self._current_step(session)
        if step_id not in session.answers:
            return self._reject(session, msg("engine.change_unanswered"))
        return self._ask(session.model_copy(update={"current": step_id}))

    def restart(self) -> Turn:
        """Start over: a restart keeps nothing of the old interview."""
        return self.start()

    def cancel(self, session: Session) -> Turn:
        self._current_step(session)
        return Turn(
            TurnKind.CANCELLED, session.model_copy(update={"status": Status.CANCELLED, "current": None})
        )

    def help(self, session: Session) -> Msg:
        step = self._current_step(session)
        return step_help(step.id, step.help, step.example)

    # --- queries ----------------------------------------------------------------------

    def classify(self, session: Session) -> Classification:
        return classify(self.answered_on_path(session))

    def answered_on_path(self, session: Session) -> list[tuple[Step, Answer]]:
        return [
            (self._steps[step_id], session.answers[step_id])
            for step_id in self.path(session.answers)
            if step_id in session.answers
        ]

    def path(self, answers: Mapping[str, Answer]) -> list[str]:
        """The steps this interview passes through, given the answers so far.

        Unanswered steps follow their default ``next``; the bank has no loops, so the
        walk ends.
        """
        path: list[str] = []
        step_id: str | None = self.bank.start
        branching_steps, default_next = self._branching, self._next  # locals: this loop is hot
        while step_id is not None:
            path.append(step_id)
            # Only a step with branches can leave its default next step, and only once
            # answered (Step.follow gives ``next`` otherwise).
            branching = branching_steps.get(step_id)
            answer = answers.get(step_id) if branching is not None else None
            if branching is not None and answer is not None:
                step_id = branching.follow(answer.options)
            else:
                step_id = default_next[step_id]
        return path

    def prompt(self, session: Session) -> Prompt:
        return self._prompt_recipe(session, None)()

    def reconcile(self, session: Session) -> Session:
        """Fit a stored session to this bank: drop answers the bank no longer accepts.

        A session saved under an older bank version keeps every answer that still
        names an existing step and option; the member is asked only what is missing.
        """
        if session.dialog_id != self.bank.id:
            raise EngineError(f"session belongs to dialog {session.dialog_id!r}, not {self.bank.id!r}")
        if session.bank_version == self.bank.version and self._is_consistent(session):
            return session
        answers = {
            step_id: answer
            for step_id, answer in session.answers.items()
            if step_id in self._steps and _still_valid(self._steps[step_id], answer)
        }
        answers, trail = self._prune(answers, tuple(s for s in session.trail if s in answers))
        status, current = session.status, session.current
        first_open = self._first_unanswered(answers)
        if status is Status.COMPLETED and first_open is not None:
            # The bank gained a question this member has not answered yet.
            status, current = Status.ACTIVE, first_open
        elif status is Status.ACTIVE and (current not in answers or current not in self.path(answers)):
            # Resume at the first question still open, unless an earlier answer was being
            # changed: a dropped answer before the saved step must not be passed over.
            current = first_open
            if current is None:
                status = Status.COMPLETED
        return session.model_copy(
            update={
                "answers": answers,
                "trail": trail,
                "current": current,
                "bank_version": self.bank.version,
                "status": status,
            }
        )

    def check_session(self, session: Session) -> None:
        """Raise EngineError unless the session is one the engine could have produced."""
        if not self._is_consistent(session):
            # Named by its steps only: the answers are the member's, and errors are logged.
            raise EngineError(
                f"inconsistent session: at {session.current!r} after steps "
                f"{', '.join(session.trail) or 'none'}"
            )

    # --- internals ----------------------------------------------------------------------

    def _is_consistent(self, session: Session) -> bool:
        if any(step_id not in self._steps for step_id in session.answers):
            return False
        path = self.path(session.answers)
        if set(session.trail) != set(session.answers) or not set(session.answers) <= set(path):
            return False
        if session.status is Status.ACTIVE:
            return session.current is not None and session.current in path
        if session.status is Status.COMPLETED:
            return session.current is None and _first_unanswered_on(path, session.answers) is None
        return session.current is None

    def _answered_before(self, session: Session) -> set[str]:
        """The answered steps that come before the current one on the path."""
        path = self.path(session.answers)
        before = path[: path.index(session.current)] if session.current in path else path
        return {step_id for step_id in before if step_id in session.answers}

    def _current_step(self, session: Session) -> Step:
        if session.status is not Status.ACTIVE or session.current is None:
            raise EngineError(f"the interview is {session.status.value}; start a new one")
        return self._steps[session.current]

    def _first_unanswered(self, answers: dict[str, Answer]) -> str | None:
        return _first_unanswered_on(self.path(answers), answers)

    def _prune(
        self, answers: dict[str, Answer], trail: tuple[str, ...]
    ) -> tuple[dict[str, Answer], tuple[str, ...]]:
        """Drop answers that a changed branch has taken off the path."""
        on_path = set(self.path(answers))
        kept = {step_id: answer for step_id, answer in answers.items() if step_id in on_path}
        # Removing an answer can move the path again, so repeat until it settles.
        if len(kept) != len(answers):
            return self._prune(kept, trail)
        return kept, tuple(step_id for step_id in trail if step_id in kept)

    def _advance(self, session: Session, step: Step, answer: Answer) -> Turn:
        answers = {**session.answers, step.id: answer}
        if step.id in session.trail:
            trail = (*(s for s in session.trail if s != step.id), step.id)
        else:
            trail = (*session.trail, step.id)
        path = self.path(answers)
        # Usually every answer stays on the path (no branch changed) and the trail names
        # only answered steps: then pruning would change nothing, and this one walk also
        # finds the next step and the prompt's position. Otherwise prune, which walks again.
        if not (answers.keys() <= set(path) and answers.keys() >= set(trail)):
            answers, trail = self._prune(answers, trail)
            path = self.path(answers)
        following = _first_unanswered_on(path, answers)
        if following is None:
            done = session.model_copy(
                update={"answers": answers, "trail": trail, "current": None, "status": Status.COMPLETED}
            )
            return Turn(TurnKind.FINISHED, done, result=self.classify(done))
        return self._ask(
            session.model_copy(update={"answers": answers, "trail": trail, "current": following}), path
        )

    def _ask(self, session: Session, path: list[str] | None = None) -> Turn:
        """An ASK turn; ``path`` is the session's path when the caller has walked it."""
        return Turn(TurnKind.ASK, session, recipe=self._prompt_recipe(session, path))

    def _reject(self, session: Session, reason: Msg, *, failed_before: int = 0) -> Turn:
        explanation = None
        if failed_before + 1 >= EXPLAIN_AFTER_FAILURES:
            step = self._current_step(session)
            explanation = step_help(step.id, step.help, step.example)
        return Turn(
            TurnKind.REJECTED,
            session,
            error=reason,
            explanation=explanation,
            recipe=self._prompt_recipe(session, None),
        )

    def _prompt_recipe(self, session: Session, path: list[str] | None) -> Callable[[], Prompt]:
        """What ``prompt(session)`` would build, checked now and built on first read.

        Everything that could raise (an inactive session, a step off the path) runs
        here, so that a broken session fails in the operation, as it always has.
        """
        step = self._current_step(session)
        if path is None:
            path = self.path(session.answers)
        path.index(step.id)  # a step off the path fails here, in the operation
        position, total = self.shown_position(step.id), self._longest
        # A partial, not a closure, so a turn can be pickled and copied.
        return partial(self._make_prompt, session, step, position, total)

    def _make_prompt(self, session: Session, step: Step, position: int, total: int) -> Prompt:
        lookup = self._lookups[step.id]
        return Prompt(
            step_id=step.id,
            kind=step.kind,
            text=step.prompt,
            help=step.help,
            # Shared between prompts: PromptOption is frozen.
            options=lookup.prompt_options,
            optional=step.optional,
            position=position,
            total=total,
            can_go_back=step.id in session.answers or bool(self._answered_before(session)),
            max_length=lookup.max_length,
            max_choices=lookup.max_choices,
            current_answer=session.answers.get(step.id),
        )


def _longest_paths(bank: QuestionBank) -> dict[str, int]:
    """For each step, the most steps an interview can still ask from it, itself included."""
    steps = bank.by_id
    longest: dict[str, int] = {}

    def walk(step_id: str) -> int:
        if step_id not in longest:
            # The bank is checked to have no loops, so this recursion ends.
            longest[step_id] = 1 + max((walk(target) for target in steps[step_id].targets()), default=0)
        return longest[step_id]

    for step in bank.steps:
        walk(step.id)
    return longest


def _first_unanswered_on(path: list[str], answers: Mapping[str, Answer]) -> str | None:
    for step_id in path:
        if step_id not in answers:
            return step_id
    return None


def parse_answer(step: Step, raw: str | Sequence[str]) -> Answer | TextProblem:
    """Turn what a member typed or picked into an Answer, or say what is wrong."""
    return _parse(_StepLookup.build(step), raw)


def _parse(lookup: _StepLookup, raw: str | Sequence[str]) -> Answer | TextProblem:
    step = lookup.step
    if step.kind is StepKind.TEXT:
        if not isinstance(raw, str):
            return TextProblem(msg("answer.type_text"))
        cleaned = clean_text(raw, max_length=step.max_length)
        if isinstance(cleaned, TextProblem):
            if step.optional:
                return TextProblem(
                    msg("answer.with_hint", problem=cleaned.message, hint=msg("answer.can_skip"))
                )
            return cleaned
        return Answer(text=cleaned)

    if isinstance(raw, str):
        cleaned = clean_text(raw, max_length=_CHOICE_INPUT_LIMIT, multiline=False)
        if isinstance(cleaned, TextProblem):
            return TextProblem(_with_hint(cleaned.message, step))
        tokens = _split_choices(lookup, cleaned) if step.kind is StepKind.MULTI else [cleaned]
    else:
        # Picks get the same checks as typed text: a huge or control-laden value would
        # otherwise reach int() (which refuses over 4,300 digits) or be echoed raw.
        tokens = []
        for pick in raw:
            token = str(pick)
            if token in lookup.known:  # a known token is one that cleaning leaves as it is
                tokens.append(token)
                continue
            cleaned = clean_text(token, max_length=_CHOICE_INPUT_LIMIT, multiline=False)
            if isinstance(cleaned, TextProblem):
                return TextProblem(_with_hint(cleaned.message, step))
            tokens.append(cleaned)

    chosen: list[str] = []
    for token in tokens:
        option_id = _resolve_option(lookup, token)
        if option_id is None:
            shown = token if len(token) <= 40 else token[:40] + "…"
            return TextProblem(_with_hint(msg("answer.not_an_option", option=Quoted((shown,))), step))
        if option_id not in chosen:
            chosen.append(option_id)

    if not chosen:
        return TextProblem(_with_hint(msg("answer.choose_an_option"), step))
    if step.kind is not StepKind.MULTI and len(chosen) > 1:
        return TextProblem(_with_hint(msg("answer.just_one"), step))
    if len(chosen) > lookup.limit:
        return TextProblem(msg("answer.at_most", count=lookup.limit))
    exclusive = [option_id for option_id in chosen if lookup.options[option_id].exclusive]
    if exclusive and len(chosen) > 1:
        option = lookup.options[exclusive[0]]
        label = option_label(step.id, option.id, option.label)
        return TextProblem(msg("answer.exclusive", option=Quoted((label,))))
    return Answer(options=tuple(chosen))


def _split_choices(lookup: _StepLookup, text: str) -> list[str]:
    # A label may itself contain a comma ("Ongoing advice, training or coaching"): read
    # whole labels as their option ids first, so that typing a label never splits it.
    folded = _normalise(text)
    for label, option_id in lookup.split_labels:
        if label in folded:
            text = folded = folded.replace(label, option_id)
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if len(parts) == 1 and all(piece.isdecimal() for piece in parts[0].split()):
        return parts[0].split()  # "1 3 4" picks three options
    return parts


def _normalise(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def _resolve_option(lookup: _StepLookup, token: str) -> str | None:
    known = lookup.known.get(token)
    if known is not None:
        return known
    step = lookup.step
    wanted = _normalise(token)
    if step.kind is StepKind.YES_NO:
        if wanted in _YES:
            return "yes"
        if wanted in _NO:
            return "no"
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if wanted.isdecimal():
        number = int(wanted)
        return step.options[number - 1].id if 1 <= number <= len(step.options) else None
    found = lookup.by_text.get(wanted)
    if found is not None:
        return found
    # A unique beginning of a label is enough ("templ" for "Templates, assets ...").
    if len(wanted) >= 3:
        matches = {option_id for label, option_id in lookup.labels if label.startswith(wanted)}
        if len(matches) == 1:
            return matches.pop()
    return None


def _with_hint(problem: Msg, step: Step) -> Msg:
    return msg("answer.with_hint", problem=problem, hint=_choices_hint(step))


def _choices_hint(step: Step) -> Msg:
    if step.kind is StepKind.YES_NO:
        return msg("hint.yes_no")
    if step.kind is StepKind.MULTI:
        return msg("hint.pick_many", count=len(step.options))
    return msg("hint.pick_one", count=len(step.options))


def _still_valid(step: Step, answer: Answer) -> bool:
    if answer.skipped:
        return step.optional
    if step.kind is StepKind.TEXT:
        return answer.text is not None and not answer.options
    ids = {option.id for option in step.options}
    if not answer.options or not set(answer.options) <= ids:
        return False
    return step.kind is StepKind.MULTI or len(answer.options) == 1


__all__ = [
    "DialogEngine",
    "EngineError",
    "Prompt",
    "PromptOption",
    "StepRole",
    "Turn",
    "TurnKind",
    "parse_answer",
]
