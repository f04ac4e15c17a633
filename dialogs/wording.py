"""What the advisor's results, questions and quick checks say, as messages, and in a language.

Each part of a result is worded from its ids (verdict, shape, factor, reading, the options
a line of why quotes, the roadmap step): the functions below give the ``Msg`` for a
part, and ``localize_result``, ``localize_prompt`` and ``localize_quick_check`` give
the whole object with its texts in one language. English is rendered the same way as
every other language, so a stored result reads in the member's language, whatever
language it was first shown in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from dialogs.catalog import family_key, lookup
from dialogs.factors import Factor, Pole
from dialogs.messages import DEFAULT_LANGUAGE, Capitalised, Listed, Msg, Quoted, msg, render
from dialogs.verdict import (
    Classification,
    FactorReading,
    HybridShape,
    Owner,
    Quote,
    Reading,
    Reason,
    Relationship,
    RoadmapStep,
    Verdict,
)

if TYPE_CHECKING:
    from dialogs.engine import Prompt, PromptOption
    from dialogs.quickcheck import Cue, QuickCheck, Signal

# The quick check quotes at most this many phrases for each side.
QUICK_PHRASES_PER_SIDE = 6


# --- single names ---------------------------------------------------------------------------


def verdict_title(verdict: Verdict, shape: HybridShape | None = None) -> Msg:
    """The verdict as a title, with its hybrid shape where there is one."""
    title = msg(f"verdict.{verdict.value}")
    if shape is None:
        return title
    return msg("headline", verdict=title, shape=shape_title(shape))


def shape_title(shape: HybridShape) -> Msg:
    return msg(f"shape.{shape.value}")


def factor_title(factor: Factor) -> Msg:
    return msg(f"factor.{factor.value}.title")


def factor_line(factor: Factor, pole: Pole) -> Msg:
    """What a reading of ``factor`` towards ``pole`` means, as a phrase."""
    return msg(f"factor.{factor.value}.{pole.value}")


def reading_title(reading: Reading) -> Msg:
    return msg(f"reading.{reading}")


def owner_title(owner: Owner) -> Msg:
    return msg(f"itil.owner.{owner}")


def relationship_title(relationship: Relationship) -> Msg:
    return msg(f"itil.relationship.{relationship}")


def family_name(family: str) -> Msg:
    """An offering family (Classification.subtype, QuickCheck.family)."""
    return msg(family_key(family), fallback=family)


def bank_title() -> Msg:
    return msg("bank.title")


def question(step_id: str, fallback: str | None = None) -> Msg:
    """A question's text; ``fallback`` is a custom bank's own."""
    return msg(f"bank.{step_id}.prompt", fallback=fallback)


def option_label(step_id: str, option_id: str, fallback: str | None = None) -> Msg:
    return msg(f"bank.{step_id}.{option_id}.label", fallback=fallback)


def summary(verdict: Verdict, shape: HybridShape | None) -> Msg:
    if shape is None:
        return msg(f"summary.{verdict.value}")
    return msg("summary.with_shape", summary=msg(f"summary.{verdict.value}"), shape=shape_title(shape))


def itil_text(owner: Owner) -> Msg:
    return msg(f"itil.text.{owner}")


def itil_reading(
    owner: Owner, shape: HybridShape | None, product_part: str | None, service_parts: Sequence[str]
) -> Msg:
    """The ITIL reading: who carries the costs and risks, and for a hybrid which part is
    the product and which the service, each with its owner."""
    base = itil_text(owner)
    if not service_parts:
        return base
    if shape is None or product_part is None:
        carried = Listed(tuple(msg(f"itil.service.{part}") for part in service_parts))
        return msg("sentences", first=base, second=msg("itil.carried", service=carried))
    split = msg(
        f"itil.split.{shape.value}",
        product=msg(f"itil.product.{product_part}"),
        service=Listed(tuple(msg(f"itil.service.{part}") for part in service_parts)),
    )
    return msg("sentences", first=base, second=split)


def step_help(step_id: str, help_text: str | None = None, example: str | None = None) -> Msg:
    """A question's help with its example; the texts given are a custom bank's own."""
    return msg(
        "help.with_example",
        help=msg(f"bank.{step_id}.help", fallback=help_text),
        example=msg(f"bank.{step_id}.example", fallback=example),
    )


# --- lines of why ---------------------------------------------------------------------------


def said_all(quotes: Sequence[Quote], labels: Mapping[tuple[str, str], str] | None = None) -> Msg:
    """What the member said across one or more answers: the options' labels together, or
    the phrases they wrote in their description."""
    phrases = tuple(quote.phrase for quote in quotes if quote.phrase is not None)
    if phrases:
        return msg("why.wrote", quoted=Quoted(phrases))
    known = labels or {}
    return msg(
        "why.said",
        quoted=Quoted(
            tuple(
                _said_option(quote.step, option, known.get((quote.step, option)))
                for quote in quotes
                for option in quote.options
            )
        ),
    )


def _said_option(step_id: str, option_id: str, fallback: str | None) -> Msg:
    """An answer as a line of why quotes it: its own wording out of context, where the
    bank gives one ("Yes" alone says nothing), else its label."""
    key = f"bank.{step_id}.{option_id}.said"
    if lookup(key, DEFAULT_LANGUAGE, None) is not None:
        return msg(key)
    return option_label(step_id, option_id, fallback)


def reason_line(reason: Reason, labels: Mapping[tuple[str, str], str] | None = None) -> tuple[Msg, Msg]:
    """What one reason means, and what the member said that means it."""
    return msg(f"reason.{reason.phrase}"), said_all(reason.quotes, labels)


def why_from_reasons(reasons: Sequence[Reason], labels: Mapping[tuple[str, str], str] | None = None) -> Msg:
    """A factor's line of why, built only from the answers that set it."""
    if not reasons:
        return msg("why.unknown")
    line, said_it = reason_line(reasons[0], labels)
    if len(reasons) == 1:
        return msg("why.quoted", line=Capitalised(line), said=said_it)
    other, said_other = reason_line(reasons[1], labels)
    if reasons[1].contrary:
        return msg("why.though", line=Capitalised(line), said=said_it, other=other, other_said=said_other)
    return msg("why.both_ways", line=line, said=said_it, other=other, other_said=said_other)


def why(factor: Factor, reading: Reading, quote: Quote | None) -> Msg:
    """The line of why of a result stored before reasons: one line per factor and pole,
    quoting the one answer it kept."""
    if reading == "unknown":
        return msg("why.unknown")
    if reading == "both":
        return msg(
            "why.both",
            product=factor_line(factor, Pole.PRODUCT),
            service=factor_line(factor, Pole.SERVICE),
        )
    line = Capitalised(factor_line(factor, Pole(reading)))
    if quote is None:
        return msg("why.line", line=line)
    return msg("why.quoted", line=line, said=said_all((quote,)))


def _why_in(reading: FactorReading, lang: str) -> str:
    if reading.reasons:
        if not all(_labels_known(quote) for reason in reading.reasons for quote in reason.quotes):
            # Quoting an option the bank no longer has: the stored English stands.
            return reading.why if lang == DEFAULT_LANGUAGE else render(msg("why.unknown"), lang)
        return render(why_from_reasons(reading.reasons), lang)
    quote = reading.quote
    if reading.reading in ("product", "service") and (
        quote is None or (quote.options and not _labels_known(quote))
    ):
        # A result stored before lines kept their quote, or quoting an option the bank no
        # longer has: its English line stands as written; another language says the line
        # without the quote, never a reading of the English back into parts.
        if lang == DEFAULT_LANGUAGE:
            return reading.why
        return render(why(reading.factor, reading.reading, None), lang)
    return render(why(reading.factor, reading.reading, quote), lang)


def _labels_known(quote: Quote) -> bool:
    return all(lookup(f"bank.{quote.step}.{option}.label", "en", None) for option in quote.options)


def roadmap_step(step: RoadmapStep) -> dict[str, Msg]:
    """A roadmap step's title, detail (in its variant for the member's offering, where it
    has one) and the sentence saying why it was chosen; a step this release no longer
    knows keeps its stored words."""
    detail = f"roadmap.{step.id}.detail" + (f".{step.variant}" if step.variant else "")
    words = {
        "title": msg(f"roadmap.{step.id}.title", fallback=step.title),
        "detail": msg(detail, fallback=step.detail),
    }
    if step.because:
        words["why"] = msg("roadmap.because", said=said_all(step.because))
    elif step.for_verdict is not None:
        words["why"] = msg(f"roadmap.because.{step.for_verdict.value}")
    return words


# --- whole objects --------------------------------------------------------------------------


def localize_result(result: Classification, lang: str) -> Classification:
    """The result with its texts in ``lang``, rebuilt from its ids; numbers unchanged.

    A roadmap step this release no longer knows keeps its stored text.
    """
    roadmap = tuple(
        step.model_copy(update={key: render(words, lang) for key, words in roadmap_step(step).items()})
        for step in result.roadmap
    )
    itil = result.itil
    return result.model_copy(
        update={
            "summary": render(summary(result.verdict, result.hybrid_shape), lang),
            "subtype": render(family_name(result.subtype), lang) if result.subtype else result.subtype,
            "factors": tuple(
                reading.model_copy(
                    update={
                        "title": render(factor_title(reading.factor), lang),
                        "why": _why_in(reading, lang),
                    }
                )
                for reading in result.factors
            ),
            "itil": itil.model_copy(
                update={
                    "text": render(
                        itil_reading(
                            itil.cost_and_risk_owner,
                            result.hybrid_shape,
                            itil.product_part,
                            itil.service_parts,
                        ),
                        lang,
                    )
                }
            ),
            "roadmap": roadmap,
        }
    )


def localize_prompt(prompt: Prompt, lang: str) -> Prompt:
    """The question's text, help and options in ``lang``; ids, numbers and the answer unchanged."""
    base = f"bank.{prompt.step_id}"
    return replace(
        prompt,
        text=render(msg(f"{base}.prompt", fallback=prompt.text), lang),
        help=render(msg(f"{base}.help", fallback=prompt.help), lang),
        options=tuple(_localize_option(option, base, lang) for option in prompt.options),
    )


def _localize_option(option: PromptOption, base: str, lang: str) -> PromptOption:
    description = option.description
    if description:
        description = render(msg(f"{base}.{option.id}.description", fallback=description), lang)
    return replace(
        option,
        label=render(msg(f"{base}.{option.id}.label", fallback=option.label), lang),
        description=description,
    )


def quick_explanation(
    verdict: Verdict,
    signals: Iterable[Signal],
    cues: Iterable[Cue] = (),
    *,
    unread_language: bool,
) -> Msg:
    """What the quick check read, quoting the phrases that decided it.

    The lexicon's phrases come first on each side, then the words the learned model
    weighed most (``cues``)."""
    signals = tuple(signals)
    cues = tuple(cues)
    if verdict is Verdict.UNCLEAR:
        reason = msg("quick.unclear.faint" if signals else "quick.unclear.nothing")
        if unread_language:
            reason = msg("quick.unclear.unread_language", reason=reason)
        return msg("quick.unclear.advice", reason=reason)
    # The verdict itself is the front end's heading: the explanation says why.
    parts: list[Msg] = []
    sides: list[tuple[str, list[str]]] = [
        ("quick.product_side", [signal.phrase for signal in signals if signal.leans is Pole.PRODUCT]),
        ("quick.service_side", [signal.phrase for signal in signals if signal.leans is Pole.SERVICE]),
        ("quick.mixed_side", []),
    ]
    for cue in cues:
        sides[{Pole.PRODUCT: 0, Pole.SERVICE: 1, None: 2}[cue.leans]][1].append(cue.phrase)
    everything = [phrase for _, phrases in sides for phrase in phrases]
    quoted: set[str] = set()
    for key, phrases in sides:
        # A phrase inside a longer one already quoted ("sessions" in "with weekly sessions")
        # says nothing more, and one phrase is quoted once, on the first side it is on.
        kept = tuple(
            phrase
            for phrase in dict.fromkeys(phrases)
            if phrase not in quoted and not any(phrase != other and phrase in other for other in everything)
        )
        quoted.update(kept)
        if kept:
            parts.append(msg(key, quoted=Quoted(kept[:QUICK_PHRASES_PER_SIDE])))
    return _joined(parts or [msg(f"summary.{verdict.value}")])


def _joined(parts: Sequence[Msg]) -> Msg:
    joined = parts[0]
    for part in parts[1:]:
        joined = msg("sentences", first=joined, second=part)
    return joined


def localize_quick_check(check: QuickCheck, lang: str) -> QuickCheck:
    """The check with its explanation in ``lang``; the phrases it quotes stay as written."""
    explanation = quick_explanation(
        check.verdict, check.signals, check.cues, unread_language=check.unread_language
    )
    return check.model_copy(update={"explanation": render(explanation, lang)})


__all__ = [
    "QUICK_PHRASES_PER_SIDE",
    "bank_title",
    "factor_line",
    "factor_title",
    "family_name",
    "itil_reading",
    "itil_text",
    "localize_prompt",
    "localize_quick_check",
    "localize_result",
    "option_label",
    "owner_title",
    "question",
    "quick_explanation",
    "reading_title",
    "reason_line",
    "relationship_title",
    "roadmap_step",
    "said_all",
    "shape_title",
    "step_help",
    "summary",
    "verdict_title",
    "why",
    "why_from_reasons",
]
