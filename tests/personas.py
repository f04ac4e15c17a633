"""The persona suite: members written from the seed articles' examples and beyond, each
with the answers they would give and what the advice must say to them.

tests/data/personas.toml holds them; tests/dialogs/test_personas.py and
tests/bot/test_persona_on_discord.py check the advice, and ``make evaluate`` prints the
roadmap-diversity figure over them (scripts/evaluate_advice.py).
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogs.bank import Step, default_bank
from dialogs.engine import DialogEngine, TurnKind
from dialogs.factors import Factor, Lean
from dialogs.session import Session
from dialogs.verdict import Classification, FactorReading
from dialogs.weights import LEAN_PARTS

PERSONAS_FILE = Path(__file__).parent / "data" / "personas.toml"
# Written apart from the code and never tuned on: make evaluate measures it, no test gates it.
HOLDOUT_FILE = Path(__file__).parent / "data" / "personas_holdout.toml"


@dataclass(frozen=True)
class Persona:
    id: str
    who: str
    source: str
    answers: dict[str, list[str]]
    verdict: str
    shape: str | None
    service_parts: tuple[str, ...]
    roadmap_must: tuple[str, ...]
    roadmap_must_not: tuple[str, ...]
    description: str | None

    @property
    def stage(self) -> str:
        return self.answers["stage"][0]

    @property
    def goal(self) -> str:
        return self.answers["goal"][0]


def load_personas(path: Path = PERSONAS_FILE) -> list[Persona]:
    raw: list[dict[str, Any]] = tomllib.loads(path.read_text(encoding="utf-8"))["persona"]
    return [
        Persona(
            id=row["id"],
            who=row["who"],
            source=row["source"],
            answers={
                step: value if isinstance(value, list) else [value] for step, value in row["answers"].items()
            },
            verdict=row["verdict"],
            shape=row.get("shape"),
            service_parts=tuple(row.get("service_parts", ())),
            roadmap_must=tuple(row.get("roadmap_must", ())),
            roadmap_must_not=tuple(row["roadmap_must_not"]),
            description=row.get("description"),
        )
        for row in raw
    ]


def interview(persona: Persona, *, with_description: bool = True) -> Classification:
    """Take the interview as the persona would, through the engine and stored JSON."""
    engine = DialogEngine()
    turn = engine.start()
    for _ in range(40):
        if turn.kind is TurnKind.FINISHED:
            assert turn.result is not None
            return turn.result
        assert turn.kind is not TurnKind.REJECTED, (persona.id, turn.session.current, turn.error)
        session = Session.model_validate_json(turn.session.model_dump_json())
        step = session.current
        assert step is not None
        if step == "description":
            text = persona.description if with_description else None
            turn = engine.skip(session) if text is None else engine.answer(session, text)
        else:
            assert step in persona.answers, f"{persona.id}: no answer for {step!r}"
            turn = engine.answer(session, persona.answers[step])
    raise AssertionError(f"{persona.id}: the interview did not finish")


def contradictions(persona: Persona, result: Classification) -> list[str]:
    """Every place a line of why says something an answer does not: it quotes an option
    the member did not choose, quotes an option as meaning the opposite of what it leans
    to, or leads with a reason against the factor's own reading."""
    bank = default_bank()
    problems: list[str] = []
    for reading in result.factors:
        for index, reason in enumerate(reading.reasons):
            phrase_side = _phrase_side(reason.phrase, bank, reading.factor)
            if index == 0 and not reason.contrary and not _leads_with_reading(reading, phrase_side):
                problems.append(f"{reading.factor}: reads {reading.reading} but leads with {reason.phrase}")
            for quote in reason.quotes:
                if quote.phrase is not None:
                    if (
                        persona.description is None
                        or quote.phrase.casefold() not in persona.description.casefold()
                    ):
                        problems.append(
                            f"{reading.factor}: quotes {quote.phrase!r}, which they did not write"
                        )
                    continue
                for option_id in quote.options:
                    if option_id not in persona.answers.get(quote.step, []):
                        problems.append(
                            f"{reading.factor}: quotes {quote.step}={option_id}, not their answer"
                        )
                        continue
                    lean = bank.step(quote.step).option(option_id).signals.get(reading.factor)
                    if lean is None:
                        problems.append(
                            f"{reading.factor}: quotes {quote.step}={option_id}, which says nothing of it"
                        )
                    elif _side(*LEAN_PARTS[lean]) != phrase_side:
                        said = f"{quote.step}={option_id} ({lean})"
                        problems.append(f"{reading.factor}: says {reason.phrase} quoting {said}")
    return problems


def _side(product: float, service: float) -> int:
    return (service > product) - (product > service)


def _phrase_side(phrase: str, bank: Any, factor: Factor) -> int:
    """Which way a reason phrase points: by its lean, or by the option it belongs to."""
    parts = phrase.split(".")
    if len(parts) == 2:
        return _side(*LEAN_PARTS[Lean(parts[1])])
    step: Step = bank.step(parts[1])
    return _side(*LEAN_PARTS[step.option(parts[2]).signals[factor]])


def _leads_with_reading(reading: FactorReading, side: int) -> bool:
    if reading.reading == "product":
        return side == -1
    if reading.reading == "service":
        return side == 1
    return True


def answered_factors(persona: Persona) -> set[Factor]:
    """The factors at least one of the persona's button answers speaks to."""
    bank = default_bank()
    factors: set[Factor] = set()
    for step_id, options in persona.answers.items():
        step = bank.step(step_id)
        for option_id in options:
            factors.update(step.option(option_id).signals)
    return factors


def jaccard(first: set[str], second: set[str]) -> float:
    union = first | second
    return len(first & second) / len(union) if union else 1.0


@dataclass(frozen=True)
class Diversity:
    mean_overlap: float
    pairs: int
    # Pairs of personas with a different stage or goal whose roadmaps are the same list.
    identical: tuple[tuple[str, str], ...]


def roadmap_diversity(roadmaps: dict[str, tuple[str, ...]], personas: list[Persona]) -> Diversity:
    """The mean Jaccard overlap of two different members' roadmaps (as sets of step ids)."""
    by_id = {persona.id: persona for persona in personas}
    overlaps: list[float] = []
    identical: list[tuple[str, str]] = []
    for first, second in itertools.combinations(sorted(roadmaps), 2):
        overlaps.append(jaccard(set(roadmaps[first]), set(roadmaps[second])))
        a, b = by_id[first], by_id[second]
        if roadmaps[first] == roadmaps[second] and (a.stage, a.goal) != (b.stage, b.goal):
            identical.append((first, second))
    return Diversity(sum(overlaps) / len(overlaps), len(overlaps), tuple(identical))


__all__ = [
    "Diversity",
    "Persona",
    "answered_factors",
    "contradictions",
    "interview",
    "jaccard",
    "load_personas",
    "roadmap_diversity",
]
