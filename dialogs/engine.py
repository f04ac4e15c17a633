"""The dialog engine: a pure state machine over the question bank.

Every operation takes a ``Session`` and returns a ``Turn`` holding the next session
and what to show; nothing is mutated, nothing is written. Front ends (the terminal,
Discord, the tests) store the session and render the ``Prompt``.

The state stays simple enough to check (``check_session``): the answers and the trail
hold exactly the answered steps, all of them on the path the answers choose, and the
current step is on that path. The current step is the first unanswered one, except
while the member changes an earlier answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from dialogs.bank import QuestionBank, Step, StepKind, StepRole, default_bank
from dialogs.scoring import classify
from dialogs.session import Answer, Session, Status
from dialogs.text import TextProblem, clean_text
from dialogs.verdict import Classification

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
    kind: TurnKind
    session: Session
    prompt: Prompt | None = None
    error: str | None = None
    explanation: str | None = None
    result: Classification | None = None


class EngineError(ValueError):
    """An operation that the session's state does not allow (a programming error)."""


class DialogEngine:
    def __init__(self, bank: QuestionBank | None = None) -> None:
        self.bank = bank or default_bank()
        self._steps = self.bank.by_id

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
        parsed = parse_answer(step, raw)
        if isinstance(parsed, TextProblem):
            return self._reject(session, parsed.message, failed_before=failed_before)
        return self._advance(session, step, parsed)

    def skip(self, session: Session, *, failed_before: int = 0) -> Turn:
        step = self._current_step(session)
        if not step.optional:
            return self._reject(
                session,
                "This question is needed for your result, so it can't be skipped.",
                failed_before=failed_before,
            )
        return self._advance(session, step, Answer(skipped=True))

    def back(self, session: Session) -> Turn:
        """Undo the latest answer; while changing an earlier answer, return instead."""
        step = self._current_step(session)
        if step.id in session.answers:
            return self._ask(session.model_copy(update={"current": self._first_unanswered(session.answers)}))
        if not session.trail:
            return self._reject(session, "You are at the first question; there is nothing to go back to.")
        last = session.trail[-1]
        answers = {key: value for key, value in session.answers.items() if key != last}
        answers, trail = self._prune(answers, session.trail[:-1])
        return self._ask(session.model_copy(update={"answers": answers, "trail": trail, "current": last}))

    def edit(self, session: Session, step_id: str) -> Turn:
        """Ask an earlier step again; the later answers are kept."""
        self._current_step(session)
        if step_id not in session.answers:
            return self._reject(session, "You can only change a question you have already answered.")
        return self._ask(session.model_copy(update={"current": step_id}))

    def restart(self, session: Session) -> Turn:
        del session  # a restart keeps nothing of the old interview
        return self.start()

    def cancel(self, session: Session) -> Turn:
        self._current_step(session)
        return Turn(
            TurnKind.CANCELLED, session.model_copy(update={"status": Status.CANCELLED, "current": None})
        )

    def help(self, session: Session) -> str:
        step = self._current_step(session)
        return f"{step.help}\nFor example: {step.example}"

    # --- queries ----------------------------------------------------------------------

    def classify(self, session: Session) -> Classification:
        return classify(self.bank, self.answered_on_path(session))

    def answered_on_path(self, session: Session) -> list[tuple[Step, Answer]]:
        return [
            (self._steps[step_id], session.answers[step_id])
            for step_id in self.path(session.answers)
            if step_id in session.answers
        ]

    def path(self, answers: dict[str, Answer]) -> list[str]:
        """The steps this interview passes through, given the answers so far.

        Unanswered steps follow their default ``next``; the bank has no loops, so the
        walk ends.
        """
        path: list[str] = []
        step_id: str | None = self.bank.start
        while step_id is not None:
            path.append(step_id)
            step = self._steps[step_id]
            answer = answers.get(step_id)
            step_id = step.follow(answer.options) if answer is not None else step.next
        return path

    def prompt(self, session: Session) -> Prompt:
        step = self._current_step(session)
        path = self.path(session.answers)
        return Prompt(
            step_id=step.id,
            kind=step.kind,
            text=step.prompt,
            help=step.help,
            options=tuple(
                PromptOption(option.id, option.label, option.description, number)
                for number, option in enumerate(step.options, start=1)
            ),
            optional=step.optional,
            position=path.index(step.id) + 1,
            total=len(path),
            can_go_back=bool(session.trail) or step.id in session.answers,
            max_length=step.max_length if step.kind is StepKind.TEXT else _CHOICE_INPUT_LIMIT,
            max_choices=(step.max_choices or len(step.options)) if step.kind is StepKind.MULTI else 1,
            current_answer=session.answers.get(step.id),
        )

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
            raise EngineError(f"inconsistent session: {session.model_dump_json()}")

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
            return session.current is None and self._first_unanswered(session.answers) is None
        return session.current is None

    def _current_step(self, session: Session) -> Step:
        if session.status is not Status.ACTIVE or session.current is None:
            raise EngineError(f"the interview is {session.status.value}; start a new one")
        return self._steps[session.current]

    def _first_unanswered(self, answers: dict[str, Answer]) -> str | None:
        return next((step_id for step_id in self.path(answers) if step_id not in answers), None)

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
        trail = (*(s for s in session.trail if s != step.id), step.id)
        answers, trail = self._prune(answers, trail)
        following = self._first_unanswered(answers)
        if following is None:
            done = session.model_copy(
                update={"answers": answers, "trail": trail, "current": None, "status": Status.COMPLETED}
            )
            return Turn(TurnKind.FINISHED, done, result=self.classify(done))
        return self._ask(
            session.model_copy(update={"answers": answers, "trail": trail, "current": following})
        )

    def _ask(self, session: Session) -> Turn:
        return Turn(TurnKind.ASK, session, prompt=self.prompt(session))

    def _reject(self, session: Session, reason: str, *, failed_before: int = 0) -> Turn:
        explanation = None
        if failed_before + 1 >= EXPLAIN_AFTER_FAILURES:
            step = self._current_step(session)
            explanation = f"{step.help}\nFor example: {step.example}"
        return Turn(
            TurnKind.REJECTED, session, prompt=self.prompt(session), error=reason, explanation=explanation
        )


def parse_answer(step: Step, raw: str | Sequence[str]) -> Answer | TextProblem:
    """Turn what a member typed or picked into an Answer, or say what is wrong."""
    if step.kind is StepKind.TEXT:
        if not isinstance(raw, str):
            return TextProblem("Please type your answer as text.")
        cleaned = clean_text(raw, max_length=step.max_length)
        if isinstance(cleaned, TextProblem):
            hint = " You can also skip this question." if step.optional else ""
            return TextProblem(cleaned.message + hint)
        return Answer(text=cleaned)

    if isinstance(raw, str):
        cleaned = clean_text(raw, max_length=_CHOICE_INPUT_LIMIT, multiline=False)
        if isinstance(cleaned, TextProblem):
            return TextProblem(f"{cleaned.message} {_choices_hint(step)}")
        tokens = _split_choices(step, cleaned) if step.kind is StepKind.MULTI else [cleaned]
    else:
        tokens = [str(token) for token in raw]

    chosen: list[str] = []
    for token in tokens:
        option_id = _resolve_option(step, token)
        if option_id is None:
            shown = token if len(token) <= 40 else token[:40] + "…"
            return TextProblem(f"“{shown}” is not one of the options. {_choices_hint(step)}")
        if option_id not in chosen:
            chosen.append(option_id)

    if not chosen:
        return TextProblem(f"Please choose an option. {_choices_hint(step)}")
    if step.kind is not StepKind.MULTI and len(chosen) > 1:
        return TextProblem(f"Please choose just one option. {_choices_hint(step)}")
    limit = step.max_choices or len(step.options)
    if len(chosen) > limit:
        return TextProblem(f"Please choose at most {limit} options.")
    exclusive = [option_id for option_id in chosen if step.option(option_id).exclusive]
    if exclusive and len(chosen) > 1:
        label = step.option(exclusive[0]).label
        return TextProblem(f"“{label}” can't be combined with other options.")
    return Answer(options=tuple(chosen))


def _split_choices(step: Step, text: str) -> list[str]:
    # A label may itself contain a comma ("Ongoing advice, training or coaching"): read
    # whole labels as their option ids first, so that typing a label never splits it.
    folded = _normalise(text)
    for option in step.options:
        label = _normalise(option.label)
        if ("," in label or ";" in label) and label in folded:
            text = folded = folded.replace(label, option.id)
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if len(parts) == 1 and all(piece.isdecimal() for piece in parts[0].split()):
        return parts[0].split()  # "1 3 4" picks three options
    return parts


def _normalise(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def _resolve_option(step: Step, token: str) -> str | None:
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
    for option in step.options:
        if wanted in (option.id, _normalise(option.label)):
            return option.id
    # A unique beginning of a label is enough ("templ" for "Templates, assets ...").
    if len(wanted) >= 3:
        matches = [option.id for option in step.options if _normalise(option.label).startswith(wanted)]
        if len(matches) == 1:
            return matches[0]
    return None


def _choices_hint(step: Step) -> str:
    if step.kind is StepKind.YES_NO:
        return "Answer yes or no."
    count = len(step.options)
    if step.kind is StepKind.MULTI:
        return f"Pick one or more numbers from 1 to {count}, separated by commas."
    return f"Pick a number from 1 to {count}, or type the option's text."


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
