"""The question bank: the interview declared as data and checked when it is loaded.

The bank lives in ``data/questions.toml``; the models below validate its shape and
``validate_bank`` its graph (one start, unique ids, every target exists, every step
reachable, every path ends). A broken bank raises ``BankError`` naming the step, so a
mistake fails at start-up rather than halfway through a member's interview.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dialogs.factors import Factor, Lean

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
# Option ids may start with a digit: a scale's options are "1".."N".
OptionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,31}$")]


class BankError(ValueError):
    """The question bank is broken; the message names the step at fault."""


class StepKind(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    YES_NO = "yes_no"
    SCALE = "scale"
    TEXT = "text"


class StepRole(StrEnum):
    """What the answer is used for: scoring, or shaping the roadmap."""

    FACTOR = "factor"
    STAGE = "stage"
    GOAL = "goal"
    PROFILE = "profile"
    DESCRIPTION = "description"


class Tag(StrEnum):
    """Facts an answer establishes that the verdict and the roadmap look for."""

    PROVIDER_RUNS_IT = "provider_runs_it"
    SERVICE_LAYER = "service_layer"
    FIXED_SCOPE = "fixed_scope"
    REPEAT_PROBLEMS = "repeat_problems"
    RECURRING_REVENUE = "recurring_revenue"
    LIVE_WORK = "live_work"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Frozen):
    id: OptionId
    label: Annotated[str, Field(min_length=1, max_length=80)]
    description: Annotated[str, Field(max_length=100)] = ""
    # How a quote of this answer reads away from its question ("Yes" alone says nothing
    # in a line of why); the label is quoted where this is empty.
    said: Annotated[str, Field(max_length=100)] = ""
    signals: dict[Factor, Lean] = {}
    family: str | None = None
    tags: tuple[Tag, ...] = ()
    exclusive: bool = False


class Branch(_Frozen):
    when: tuple[OptionId, ...] = Field(min_length=1)
    goto: Identifier


class Step(_Frozen):
    id: Identifier
    kind: StepKind
    role: StepRole = StepRole.FACTOR
    prompt: Annotated[str, Field(min_length=1, max_length=256)]
    help: Annotated[str, Field(min_length=1, max_length=1000)]
    example: Annotated[str, Field(min_length=1, max_length=500)]
    optional: bool = False
    options: tuple[Option, ...] = ()
    next: Identifier | None = None
    branches: tuple[Branch, ...] = ()
    max_length: int = Field(default=500, ge=1, le=4000)
    max_choices: int | None = None

    @model_validator(mode="after")
    def _check_kind(self) -> Step:
        ids = [option.id for option in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"step {self.id!r}: option ids repeat")
        if self.kind is StepKind.TEXT:
            if self.options:
                raise ValueError(f"step {self.id!r}: a text step has no options")
        elif self.kind is StepKind.YES_NO:
            if sorted(ids) != ["no", "yes"]:
                raise ValueError(f"step {self.id!r}: a yes/no step has options 'yes' and 'no'")
        elif self.kind is StepKind.SCALE:
            expected = [str(n) for n in range(1, len(ids) + 1)]
            if ids != expected or not 3 <= len(ids) <= 10:
                raise ValueError(f"step {self.id!r}: a scale has options '1'..'N', N from 3 to 10")
        elif len(ids) < 2:
            raise ValueError(f"step {self.id!r}: a choice step needs at least two options")
        if len(self.options) > 25:
            raise ValueError(f"step {self.id!r}: at most 25 options fit a select menu")
        for branch in self.branches:
            unknown = [value for value in branch.when if value not in ids]
            if unknown:
                raise ValueError(f"step {self.id!r}: branch on unknown option {unknown[0]!r}")
        return self

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def targets(self) -> Iterator[str]:
        yield from (branch.goto for branch in self.branches)
        if self.next is not None:
            yield self.next

    def follow(self, chosen: tuple[str, ...]) -> str | None:
        """The step after this one, given the chosen option ids (first branch wins)."""
        for branch in self.branches:
            if any(value in chosen for value in branch.when):
                return branch.goto
        return self.next


class QuestionBank(_Frozen):
    id: Identifier
    version: int = Field(ge=1)
    title: str
    start: Identifier
    steps: tuple[Step, ...]

    @model_validator(mode="after")
    def _check_graph(self) -> QuestionBank:
        validate_bank(self)
        return self

    @property
    def by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


def validate_bank(bank: QuestionBank) -> None:
    """Raise BankError, naming the step, unless the bank is a well-formed interview."""
    seen: set[str] = set()
    for step in bank.steps:
        if step.id in seen:
            raise BankError(f"step {step.id!r} is defined twice")
        seen.add(step.id)
    steps = {step.id: step for step in bank.steps}
    if bank.start not in steps:
        raise BankError(f"the start step {bank.start!r} does not exist")
    for step in bank.steps:
        for target in step.targets():
            if target not in steps:
                raise BankError(f"step {step.id!r} leads to {target!r}, which does not exist")

    reachable: set[str] = set()
    frontier = [bank.start]
    while frontier:
        step_id = frontier.pop()
        if step_id in reachable:
            continue
        reachable.add(step_id)
        frontier.extend(steps[step_id].targets())
    for step in bank.steps:
        if step.id not in reachable:
            raise BankError(f"step {step.id!r} cannot be reached from {bank.start!r}")

    # Every path must end: the graph may not loop back on itself (a loop would be an
    # interview that never finishes), and a step without any target is the end.
    state: dict[str, Literal["visiting", "done"]] = {}

    def visit(step_id: str) -> None:
        state[step_id] = "visiting"
        for target in steps[step_id].targets():
            if state.get(target) == "visiting":
                raise BankError(f"step {step_id!r} loops back to {target!r}; the interview would never end")
            if target not in state:
                visit(target)
        state[step_id] = "done"

    visit(bank.start)


def parse_bank(data: dict[str, object], *, source: str = "question bank") -> QuestionBank:
    """Validate raw bank data, turning pydantic's report into one readable BankError."""
    try:
        return QuestionBank.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        # Our own checks already name the step; pydantic's field errors need it added.
        if not message.startswith("step "):
            message = f"{_describe_location(data, first['loc'])}: {message}"
        raise BankError(f"{source}: {message}") from None


def _describe_location(data: dict[str, object], loc: tuple[int | str, ...]) -> str:
    """Name the step an error sits in (by id, not index) so the author can find it."""
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        steps = data.get("steps")
        step_id = "?"
        if isinstance(steps, list) and loc[1] < len(steps) and isinstance(steps[loc[1]], dict):
            step_id = str(steps[loc[1]].get("id", f"#{loc[1] + 1}"))
        rest = ".".join(str(part) for part in loc[2:])
        return f"step {step_id!r}" + (f" ({rest})" if rest else "")
    return ".".join(str(part) for part in loc) or "the bank"


def load_bank_file(path: Path) -> QuestionBank:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise BankError(f"{path}: cannot read the question bank: {error}") from None
    return parse_bank(data, source=str(path))


@cache
def default_bank() -> QuestionBank:
    """The bank that ships with the advisor, loaded and validated once per process."""
    text = resources.files("dialogs").joinpath("data/questions.toml").read_text(encoding="utf-8")
    return parse_bank(tomllib.loads(text), source="dialogs/data/questions.toml")
