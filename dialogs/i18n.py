"""Member-facing text in the member's language: English, and French where a translation exists.

English is the source. Its catalog is built from the texts the advisor already holds (the
question bank, verdict and shape titles, factor titles and lines, the sentence frames of
``dialogs.scoring``, the roadmap, the quick check's frames), each under a stable, flat,
dotted key such as ``bank.stage.prompt`` or ``roadmap.plan_updates.title``. Every other
language is a TOML file, ``data/locales/<lang>.toml``, holding the same keys; it is
checked when it is loaded, once per process: a key that names no English text (a step or
option renamed or removed), a value that is not text, a placeholder that differs from the
English one, or a label over Discord's limit is a ``CatalogError`` naming the key. A key
the file lacks falls back to English.

Results are rebuilt from their stable parts (verdict, shape, factor, reading, the options
a line of why quotes, the roadmap step ids), never by replacing English words, so a stored
result reads in the member's language too. For English every function returns its input
unchanged.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from importlib import resources
from types import MappingProxyType

from dialogs import scoring
from dialogs.bank import default_bank
from dialogs.engine import Prompt, PromptOption
from dialogs.factors import FACTOR_LINES, FACTOR_TITLES, Factor, Pole
from dialogs.lexicon import LEXICON
from dialogs.quickcheck import QuickCheck
from dialogs.roadmap import CANDIDATES
from dialogs.verdict import (
    SHAPE_TITLES,
    VERDICT_TITLES,
    Classification,
    FactorReading,
    HybridShape,
    Owner,
    Quote,
    Reading,
    Relationship,
    Verdict,
)

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr")
DEFAULT_LANGUAGE = "en"

# The engine's help() and its explanation after repeated bad answers (dialogs/engine.py).
HELP_WITH_EXAMPLE = "{help}\nFor example: {example}"
# A verdict with its hybrid shape, as in Classification.headline.
HEADLINE = "{verdict}: {shape}"

# The quick check's explanation frames (dialogs/quickcheck.py, ``_explain``).
QUICK_READS_AS = "Reads as: {title}."
QUICK_TITLE_WITH_SHAPE = "{verdict}, {shape}"
QUICK_PRODUCT_SIDE = "Built once and sold as is: {quoted}."
QUICK_SERVICE_SIDE = "Ongoing work for the customer: {quoted}."
QUICK_UNCLEAR_NOTHING = "I found nothing that says what you sell or how it reaches your customers"
QUICK_UNCLEAR_FAINT = "I found only a faint hint of what you sell"
QUICK_UNCLEAR_ENGLISH_ONLY = "{reason} (the quick check reads English descriptions)"
QUICK_UNCLEAR_ADVICE = (
    "{reason}. Say what the customer gets and how: for example, “a recorded course, "
    "pay once” or “logo design for each client”. Or take the full interview."
)
_QUICK_PHRASES_PER_SIDE = 6

# How the front ends name a reading, the owner of costs and risks and the relationship.
READING_TITLES: dict[Reading, str] = {
    "product": "product",
    "service": "service",
    "both": "both",
    "unknown": "unknown",
}
OWNER_TITLES: dict[Owner, str] = {
    "customer": "Your customer carries them",
    "provider": "You carry them",
    "shared": "Shared between you and your customer",
}
RELATIONSHIP_TITLES: dict[Relationship, str] = {
    "one-directional": "one-directional",
    "two-way": "two-way",
    "mixed": "mixed",
}

# Longest text Discord (or the bank's own checks) accepts, by the key's last part.
_LIMITS = {"label": 80, "description": 100, "prompt": 256, "help": 1000, "example": 500, "title": 256}


class CatalogError(ValueError):
    """A translation file is broken; the message names the file and the key at fault."""


def language_for(locale: str | None) -> str:
    """The supported language for a Discord locale ("fr", "en-US", "es-ES"), else English.

    Anything with a ``str()`` of a locale code works, so discord.py's ``Locale`` may be
    passed as it is.
    """
    if locale is None:
        return DEFAULT_LANGUAGE
    primary = re.split(r"[-_]", str(locale).strip(), maxsplit=1)[0].casefold()
    return primary if primary in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


# --- the catalogs ---------------------------------------------------------------------------


def family_key(family: str) -> str:
    """The key of an offering family's name: ``family.e_book_or_guide``."""
    return "family." + re.sub(r"[^a-z0-9]+", "_", family.casefold()).strip("_")


def _families() -> Iterable[str]:
    for step in default_bank().steps:
        yield from (option.family for option in step.options if option.family)
    yield from (entry.family for entry in LEXICON if entry.family)


@cache
def english_catalog() -> Mapping[str, str]:
    """Every English text a member can see, by its stable key."""
    texts: dict[str, str] = {}

    def put(key: str, value: str) -> None:
        if texts.setdefault(key, value) != value:
            raise CatalogError(f"English key {key!r} names two different texts")

    bank = default_bank()
    put("bank.title", bank.title)
    for step in bank.steps:
        for part in ("prompt", "help", "example"):
            put(f"bank.{step.id}.{part}", getattr(step, part))
        for option in step.options:
            put(f"bank.{step.id}.{option.id}.label", option.label)
            if option.description:
                put(f"bank.{step.id}.{option.id}.description", option.description)
    put("help.with_example", HELP_WITH_EXAMPLE)

    for verdict, title in VERDICT_TITLES.items():
        put(f"verdict.{verdict.value}", title)
    for shape, title in SHAPE_TITLES.items():
        put(f"shape.{shape.value}", title)
    put("headline", HEADLINE)
    for verdict, summary in scoring.SUMMARIES.items():
        put(f"summary.{verdict.value}", summary)
    put("summary.with_shape", scoring.SUMMARY_WITH_SHAPE)

    for factor in Factor:
        put(f"factor.{factor.value}.title", FACTOR_TITLES[factor])
        for pole, line in FACTOR_LINES[factor].items():
            put(f"factor.{factor.value}.{pole.value}", line)
    put("why.unknown", scoring.WHY_UNKNOWN)
    put("why.both", scoring.WHY_BOTH)
    put("why.quoted", scoring.WHY_QUOTED)
    put("why.said", scoring.SAID_OPTIONS)
    put("why.wrote", scoring.SAID_WROTE)
    put("quote.mark", scoring.QUOTE)
    put("quote.separator", scoring.QUOTE_SEPARATOR)
    for reading, title in READING_TITLES.items():
        put(f"reading.{reading}", title)

    for owner, text_ in scoring.ITIL_TEXTS.items():
        put(f"itil.text.{owner}", text_)
    for owner, title in OWNER_TITLES.items():
        put(f"itil.owner.{owner}", title)
    for relationship, title in RELATIONSHIP_TITLES.items():
        put(f"itil.relationship.{relationship}", title)

    for candidate in CANDIDATES:
        put(f"roadmap.{candidate.step.id}.title", candidate.step.title)
        put(f"roadmap.{candidate.step.id}.detail", candidate.step.detail)
    for family in _families():
        put(family_key(family), family)

    put("quick.reads_as", QUICK_READS_AS)
    put("quick.title_with_shape", QUICK_TITLE_WITH_SHAPE)
    put("quick.product_side", QUICK_PRODUCT_SIDE)
    put("quick.service_side", QUICK_SERVICE_SIDE)
    put("quick.unclear.nothing", QUICK_UNCLEAR_NOTHING)
    put("quick.unclear.faint", QUICK_UNCLEAR_FAINT)
    put("quick.unclear.english_only", QUICK_UNCLEAR_ENGLISH_ONLY)
    put("quick.unclear.advice", QUICK_UNCLEAR_ADVICE)
    return MappingProxyType(texts)


def _placeholders(value: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}


def _flatten(data: Mapping[str, object], prefix: str = "") -> Iterable[tuple[str, object]]:
    # Quoted keys ("bank.stage.prompt" = ...) are the norm; bare dotted keys make tables.
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def validate_catalog(data: Mapping[str, object], *, source: str) -> dict[str, str]:
    """Check a translation against the English catalog; raise CatalogError naming the key."""
    english = english_catalog()
    entries: dict[str, str] = {}
    for key, value in _flatten(data):
        if key in entries:
            raise CatalogError(f"{source}: key {key!r} is defined twice")
        if key not in english:
            raise CatalogError(
                f"{source}: key {key!r} matches no English text (was the step, option or "
                "text it translates renamed or removed?)"
            )
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(f"{source}: key {key!r} must be a non-empty string")
        try:
            fields = _placeholders(value)
        except ValueError as error:
            raise CatalogError(f"{source}: key {key!r} is not a valid text frame: {error}") from None
        expected = _placeholders(english[key])
        if fields != expected:
            raise CatalogError(
                f"{source}: key {key!r} has placeholders {sorted(fields)}, "
                f"the English text has {sorted(expected)}"
            )
        limit = _LIMITS.get(key.rsplit(".", 1)[-1])
        if limit is not None and len(value) > limit:
            raise CatalogError(f"{source}: key {key!r} is {len(value)} characters; the limit is {limit}")
        entries[key] = value
    return entries


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """The texts of one supported language, loaded and checked once per process."""
    if lang == DEFAULT_LANGUAGE:
        return english_catalog()
    if lang not in SUPPORTED_LANGUAGES:
        raise CatalogError(f"{lang!r} is not a supported language ({', '.join(SUPPORTED_LANGUAGES)})")
    source = f"dialogs/data/locales/{lang}.toml"
    try:
        raw = resources.files("dialogs").joinpath(f"data/locales/{lang}.toml").read_text(encoding="utf-8")
        data = tomllib.loads(raw)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{source}: cannot read the translation: {error}") from None
    return MappingProxyType(validate_catalog(data, source=source))


def check_catalogs() -> None:
    """Load every supported language now (at start-up), so a broken file fails early."""
    for lang in SUPPORTED_LANGUAGES:
        catalog(lang)


def text(key: str, lang: str, default: str) -> str:
    """The translation of ``key`` in ``lang``, or ``default`` (the English) where there is none."""
    lang = language_for(lang)
    if lang == DEFAULT_LANGUAGE:
        return default
    return catalog(lang).get(key, default)


def _current(key: str, lang: str) -> str:
    """The text of a key in ``lang``, falling back to the current English text."""
    return text(key, lang, english_catalog()[key])


def _translate(key: str, english: str, lang: str) -> str:
    """Translate ``english`` only if it is the text ``key`` names: a custom bank's own
    texts, or anything else the catalog does not know, are left as they are."""
    if english_catalog().get(key) != english:
        return english
    return text(key, lang, english)


# --- single names ---------------------------------------------------------------------------


def verdict_title(verdict: Verdict, shape: HybridShape | None, lang: str) -> str:
    """The verdict as a title, with its hybrid shape: what Classification.headline says."""
    title = _current(f"verdict.{verdict.value}", lang)
    if shape is None:
        return title
    return _current("headline", lang).format(verdict=title, shape=_current(f"shape.{shape.value}", lang))


def shape_title(shape: HybridShape, lang: str) -> str:
    return _current(f"shape.{shape.value}", lang)


def factor_title(factor: Factor, lang: str) -> str:
    return _current(f"factor.{factor.value}.title", lang)


def reading_title(reading: Reading, lang: str) -> str:
    return _current(f"reading.{reading}", lang)


def owner_title(owner: Owner, lang: str) -> str:
    return _current(f"itil.owner.{owner}", lang)


def relationship_title(relationship: Relationship, lang: str) -> str:
    return _current(f"itil.relationship.{relationship}", lang)


def family_name(family: str, lang: str) -> str:
    """An offering family (Classification.subtype, QuickCheck.family) in ``lang``."""
    return _translate(family_key(family), family, lang)


# --- the interview --------------------------------------------------------------------------


def localize_prompt(prompt: Prompt, lang: str) -> Prompt:
    """The prompt's text, help and options in ``lang``; ids, numbers and the answer unchanged."""
    if language_for(lang) == DEFAULT_LANGUAGE:
        return prompt
    base = f"bank.{prompt.step_id}"
    return replace(
        prompt,
        text=_translate(f"{base}.prompt", prompt.text, lang),
        help=_translate(f"{base}.help", prompt.help, lang),
        options=tuple(_localize_option(option, base, lang) for option in prompt.options),
    )


def _localize_option(option: PromptOption, base: str, lang: str) -> PromptOption:
    return replace(
        option,
        label=_translate(f"{base}.{option.id}.label", option.label, lang),
        description=_translate(f"{base}.{option.id}.description", option.description, lang),
    )


def step_help(step_id: str, lang: str) -> str:
    """A step's help and example, as the engine's help() puts them, in ``lang``."""
    base = f"bank.{step_id}"
    return _current("help.with_example", lang).format(
        help=_current(f"{base}.help", lang), example=_current(f"{base}.example", lang)
    )


def localize_help(help_text: str, step_id: str, lang: str) -> str:
    """The engine's help() (or a rejected turn's explanation) for ``step_id`` in ``lang``.

    Text that is not the current bank's help for that step is returned as it is.
    """
    if language_for(lang) == DEFAULT_LANGUAGE or f"bank.{step_id}.help" not in english_catalog():
        return help_text
    if help_text == step_help(step_id, DEFAULT_LANGUAGE):
        return step_help(step_id, lang)
    return _translate(f"bank.{step_id}.help", help_text, lang)


# --- the result -----------------------------------------------------------------------------


def localize_result(result: Classification, lang: str) -> Classification:
    """The result's texts in ``lang``, rebuilt from its ids; verdict, ids and numbers unchanged.

    A part this release no longer knows (a roadmap step since removed, say) keeps its
    stored English text.
    """
    if language_for(lang) == DEFAULT_LANGUAGE:
        return result
    summary = _current(f"summary.{result.verdict.value}", lang)
    if result.hybrid_shape is not None:
        summary = _current("summary.with_shape", lang).format(
            summary=summary, shape=shape_title(result.hybrid_shape, lang)
        )
    itil = result.itil
    roadmap = tuple(
        step.model_copy(
            update={
                "title": text(f"roadmap.{step.id}.title", lang, step.title),
                "detail": text(f"roadmap.{step.id}.detail", lang, step.detail),
            }
        )
        for step in result.roadmap
    )
    return result.model_copy(
        update={
            "summary": summary,
            "subtype": family_name(result.subtype, lang) if result.subtype else result.subtype,
            "factors": tuple(_localize_reading(reading, lang) for reading in result.factors),
            "itil": itil.model_copy(
                update={"text": text(f"itil.text.{itil.cost_and_risk_owner}", lang, itil.text)}
            ),
            "roadmap": roadmap,
        }
    )


def _localize_reading(reading: FactorReading, lang: str) -> FactorReading:
    return reading.model_copy(
        update={"title": factor_title(reading.factor, lang), "why": _why(reading, lang)}
    )


def _line(factor: Factor, pole: Pole, lang: str) -> str:
    return _current(f"factor.{factor.value}.{pole.value}", lang)


def _quoted(texts: Iterable[str], lang: str) -> str:
    return scoring.quoted(
        texts, quote=_current("quote.mark", lang), separator=_current("quote.separator", lang)
    )


def _why(reading: FactorReading, lang: str) -> str:
    factor = reading.factor
    if reading.reading == "unknown":
        return _current("why.unknown", lang)
    if reading.reading == "both":
        return _current("why.both", lang).format(
            product=_line(factor, Pole.PRODUCT, lang), service=_line(factor, Pole.SERVICE, lang)
        )
    pole = Pole(reading.reading)
    said = _said(reading.quote, lang) if reading.quote is not None else None
    if said is None:
        said = _said_in_old_result(reading, pole, lang)
    if said is None:
        return reading.why
    return _current("why.quoted", lang).format(line=scoring.capitalised(_line(factor, pole, lang)), said=said)


def _said(quote: Quote, lang: str) -> str | None:
    """What the member said, in ``lang``: the labels of the options they chose, or their words."""
    if quote.phrase is not None:
        return _current("why.wrote", lang).format(quoted=_quoted([quote.phrase], lang))
    keys = [f"bank.{quote.step}.{option}.label" for option in quote.options]
    if not keys or any(key not in english_catalog() for key in keys):
        return None  # an option this bank no longer has
    return _current("why.said", lang).format(quoted=_quoted((_current(key, lang) for key in keys), lang))


def _said_in_old_result(reading: FactorReading, pole: Pole, lang: str) -> str | None:
    """A result stored before lines of why kept their Quote: read the quote back from the
    English line, which scoring built from known frames, and find the options it names."""
    english = scoring.WHY_QUOTED.split("{said}")
    head = english[0].format(line=scoring.capitalised(FACTOR_LINES[reading.factor][pole]))
    if not (reading.why.startswith(head) and reading.why.endswith(english[1])):
        return None
    said = reading.why[len(head) : len(reading.why) - len(english[1])]
    open_, close = scoring.QUOTE.split("{text}")
    for frame, key in ((scoring.SAID_WROTE, "why.wrote"), (scoring.SAID_OPTIONS, "why.said")):
        prefix = frame.split("{quoted}")[0] + open_
        if not (said.startswith(prefix) and said.endswith(close)):
            continue
        inner = said[len(prefix) : len(said) - len(close)]
        if key == "why.wrote":
            return _current(key, lang).format(quoted=_quoted([inner], lang))
        labels = inner.split(close + scoring.QUOTE_SEPARATOR + open_)
        translated = [_label_for(label, reading.factor, lang) for label in labels]
        if any(label is None for label in translated):
            return None
        return _current(key, lang).format(quoted=_quoted((t for t in translated if t is not None), lang))
    return None


def _label_for(label: str, factor: Factor, lang: str) -> str | None:
    """The translation of an option label that spoke to ``factor``, if only one fits."""
    found = {
        _current(f"bank.{step.id}.{option.id}.label", lang)
        for step in default_bank().steps
        for option in step.options
        if option.label == label and factor in option.signals
    }
    return found.pop() if len(found) == 1 else None


# --- the quick check ------------------------------------------------------------------------


def _quick_explanation(check: QuickCheck, lang: str, *, english_only_note: bool) -> str:
    if check.verdict is Verdict.UNCLEAR:
        reason = _current("quick.unclear.faint" if check.signals else "quick.unclear.nothing", lang)
        if english_only_note:
            reason = _current("quick.unclear.english_only", lang).format(reason=reason)
        return _current("quick.unclear.advice", lang).format(reason=reason)
    title = _current(f"verdict.{check.verdict.value}", lang)
    if check.hybrid_shape is not None:
        title = _current("quick.title_with_shape", lang).format(
            verdict=title, shape=shape_title(check.hybrid_shape, lang)
        )
    parts = [_current("quick.reads_as", lang).format(title=title)]
    for pole, key in ((Pole.PRODUCT, "quick.product_side"), (Pole.SERVICE, "quick.service_side")):
        phrases = list(dict.fromkeys(signal.phrase for signal in check.signals if signal.leans is pole))
        if phrases:
            quoted = _quoted(phrases[:_QUICK_PHRASES_PER_SIDE], lang)
            parts.append(_current(key, lang).format(quoted=quoted))
    return " ".join(parts)


def localize_quick_check(check: QuickCheck, lang: str) -> QuickCheck:
    """The explanation in ``lang``; the phrases it quotes stay as the member wrote them.

    The sentence is rebuilt from the verdict, shape and signals; an explanation this
    module cannot rebuild in English first is returned as it is.
    """
    if language_for(lang) == DEFAULT_LANGUAGE:
        return check
    for note in (False, True):
        if _quick_explanation(check, DEFAULT_LANGUAGE, english_only_note=note) == check.explanation:
            explanation = _quick_explanation(check, lang, english_only_note=note)
            return check.model_copy(update={"explanation": explanation})
    return check


__all__ = [
    "DEFAULT_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "CatalogError",
    "catalog",
    "check_catalogs",
    "english_catalog",
    "factor_title",
    "family_name",
    "language_for",
    "localize_help",
    "localize_prompt",
    "localize_quick_check",
    "localize_result",
    "owner_title",
    "reading_title",
    "relationship_title",
    "shape_title",
    "step_help",
    "text",
    "validate_catalog",
    "verdict_title",
]
