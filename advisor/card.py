"""A result as a card: what a member reads first, on a phone, before asking for detail.

The full result (every factor, the ITIL reading, the whole roadmap) runs to three phone
screens. The card keeps what a member acts on: the verdict in plain words, how sure it
is in words and as a number, the three factors that weighed most in it, and the first
roadmap step. Both front ends draw it from here and open the rest on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dialogs import weights, wording
from dialogs.factors import Factor, Pole
from dialogs.messages import Capitalised, Listed, Msg, Percent, msg, render
from dialogs.progress import Progress, StepState, current_step
from dialogs.verdict import Classification, FactorReading, Reading, RoadmapStep, Verdict

CARD_REASONS = 3
# Interview confidence runs from 0.4 to 0.95; most results a member sees are 0.8 or more,
# so the words separate a decided result from one the answers only just tipped.
CLEAR_FROM = 0.85
FAIRLY_CLEAR_FROM = 0.7


class Sureness(StrEnum):
    CLEAR = "clear"
    FAIRLY_CLEAR = "fairly_clear"
    CLOSE = "close"


def sureness(confidence: float) -> Sureness:
    if confidence >= CLEAR_FROM:
        return Sureness.CLEAR
    if confidence >= FAIRLY_CLEAR_FROM:
        return Sureness.FAIRLY_CLEAR
    return Sureness.CLOSE


@dataclass(frozen=True)
class CardReason:
    """One factor that weighed in the verdict, said in a short line without the quote."""

    factor: Factor
    title: str
    reading: Reading
    leans: str
    line: str


@dataclass(frozen=True)
class ResultCard:
    """A result's card in one language; every text is ready to show."""

    verdict: Verdict
    headline: str
    sureness: Sureness
    confidence: str
    kind: str | None
    gist: str
    reasons: tuple[CardReason, ...]
    # The step to act on next: the first one, or after a retake that carried done steps
    # over, the step the member is on (``step_number`` counts from 1).
    first_step: RoadmapStep
    steps: int
    step_number: int = 1

    @property
    def subtitle(self) -> str:
        """How sure, then the kind of offering: "A clear result, 95% sure · e-book or guide"."""
        return self.confidence + (f" · {self.kind}" if self.kind else "")


def _weight(reading: FactorReading) -> float:
    return weights.FACTOR_WEIGHTS[reading.factor] * abs(reading.lean)


def deciding_factors(result: Classification, count: int = CARD_REASONS) -> list[FactorReading]:
    """The factors that weighed most in the verdict, strongest first.

    A product or a service is explained by the factors on its own side. A hybrid is
    explained by both of its sides, so its strongest product factor and its strongest
    service factor come first, whatever else weighed more.
    """
    answered = [reading for reading in result.factors if reading.reading != "unknown"]
    by_weight = sorted(answered, key=_weight, reverse=True)
    if result.verdict is Verdict.HYBRID:
        first = [
            next(reading for reading in by_weight if reading.reading == side)
            for side in ("product", "service")
            if any(reading.reading == side for reading in by_weight)
        ]
    else:
        side = "product" if result.verdict is Verdict.DIGITAL_PRODUCT else "service"
        first = [reading for reading in by_weight if reading.reading == side]
    rest = [reading for reading in by_weight if reading not in first]
    return (first + rest)[:count]


def short_reason(reading: FactorReading) -> Msg:
    """What a factor's reading means, as one sentence, without quoting the answer: the
    card is read right after the answers, and the full reasons quote them."""
    if reading.reasons:
        line = msg(f"reason.{reading.reasons[0].phrase}")
    elif reading.reading in ("product", "service"):
        line = wording.factor_line(reading.factor, Pole(reading.reading))
    else:
        line = msg("card.both_ways")
    return msg("why.line", line=Capitalised(line))


def gist(result: Classification) -> Msg:
    """The verdict in plain words: for a hybrid, which part is the product and which the
    service, where the answers named them."""
    itil = result.itil
    if result.verdict is Verdict.HYBRID and itil.product_part and itil.service_parts:
        return msg(
            "card.gist.hybrid",
            product=msg(f"itil.product.{itil.product_part}"),
            service=Listed(tuple(msg(f"itil.service.{part}") for part in itil.service_parts)),
        )
    return wording.summary(result.verdict, None)


def result_card(result: Classification, lang: str, progress: Progress | None = None) -> ResultCard:
    localized = wording.localize_result(result, lang)
    on = current_step(result.roadmap, progress or {}) or 0
    reasons = tuple(
        CardReason(
            factor=reading.factor,
            title=render(wording.factor_title(reading.factor), lang),
            reading=reading.reading,
            leans=render(wording.reading_title(reading.reading), lang),
            line=render(short_reason(reading), lang),
        )
        for reading in deciding_factors(result)
    )
    level = sureness(result.confidence)
    return ResultCard(
        verdict=result.verdict,
        headline=render(wording.verdict_title(result.verdict, result.hybrid_shape), lang),
        sureness=level,
        confidence=render(msg(f"card.sureness.{level.value}", value=Percent(result.confidence)), lang),
        kind=localized.subtype,
        gist=render(gist(result), lang),
        reasons=reasons,
        first_step=localized.roadmap[on],
        steps=len(localized.roadmap),
        step_number=on + 1,
    )


def what_changed(previous: Classification, latest: Classification, lang: str) -> str:
    """What moved between a member's previous result and their latest, in one sentence:
    the verdict (with its shape) and each factor whose reading changed side."""
    before = wording.verdict_title(previous.verdict, previous.hybrid_shape)
    after = wording.verdict_title(latest.verdict, latest.hybrid_shape)
    old_readings = {reading.factor: reading.reading for reading in previous.factors}
    moved = tuple(
        msg(
            "card.moved",
            factor=wording.factor_title(reading.factor),
            before=wording.reading_title(old_readings[reading.factor]),
            after=wording.reading_title(reading.reading),
        )
        for reading in latest.factors
        if old_readings.get(reading.factor, reading.reading) != reading.reading
        and "unknown" not in (reading.reading, old_readings[reading.factor])
    )
    if (previous.verdict, previous.hybrid_shape) == (latest.verdict, latest.hybrid_shape):
        verdict = msg("card.same_verdict", verdict=after)
    else:
        verdict = msg("card.new_verdict", before=before, after=after)
    if not moved:
        return render(msg("card.changed_nothing_else", verdict=verdict), lang)
    return render(msg("card.changed", verdict=verdict, moved=Listed(moved)), lang)


def since_last_time(previous: Classification, latest: Classification, carried: Progress, lang: str) -> str:
    """What a retake says first: what moved since the member's previous result, and how
    many of the steps they had done came along to the new roadmap."""
    moved = what_changed(previous, latest, lang)
    kept = sum(1 for state in carried.values() if state is StepState.DONE)
    return moved if not kept else f"{moved} {render(msg('card.carried', count=kept), lang)}"


__all__ = [
    "CARD_REASONS",
    "CardReason",
    "ResultCard",
    "Sureness",
    "deciding_factors",
    "result_card",
    "since_last_time",
    "what_changed",
]
