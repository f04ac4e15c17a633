"""What the advisor says, as message keys with parameters, rendered in a member's language.

The core never holds a member-facing sentence: it builds a ``Msg`` (a key such as
``answer.not_an_option`` and its parameters) and the front end renders it with
``render(message, lang)`` when it knows who reads it. The sentences themselves live in
the catalogs (``dialogs/locales/<lang>/*.po``, loaded and checked by
``dialogs.catalog``).

A parameter is rendered by its type: another ``Msg`` in the same language, a number
with the language's separators, a ``Percent`` as the language writes percentages, a
``Quoted`` list of texts between the language's quotation marks, a ``date`` in the
language's medium form, and a plain ``str`` exactly as it is (a member's own words or a
name), which is why member text is only ever a parameter, never a key.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Union

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from dialogs import catalog

SUPPORTED_LANGUAGES = catalog.SUPPORTED_LANGUAGES
DEFAULT_LANGUAGE = catalog.DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Percent:
    """A share from 0 to 1, written as a whole percentage."""

    value: float


@dataclass(frozen=True, slots=True)
class Quoted:
    """Texts shown between quotation marks, joined as a list: a member's words as they
    are, or messages (option labels) in the reader's language."""

    texts: tuple[str | Msg, ...]
    # Joined as choices ("“a” or “b”") rather than as a list of things ("“a” and “b”").
    alternatives: bool = False


@dataclass(frozen=True, slots=True)
class Listed:
    """Messages joined as the language joins a list ("a, b and c"), by CLDR's rules."""

    items: tuple[Msg, ...]


@dataclass(frozen=True, slots=True)
class Capitalised:
    """A message that starts a sentence, so its first letter is upper case."""

    message: Msg


Param = Union[str, int, float, date, Percent, Quoted, Listed, Capitalised, "Msg"]


@dataclass(frozen=True, slots=True)
class Msg:
    """A sentence by key, with its parameters; ``fallback`` is the text for a key no
    catalog knows, which only a question bank other than the shipped one produces."""

    key: str
    params: tuple[tuple[str, Param], ...] = ()
    fallback: str | None = None

    def __str__(self) -> str:
        return render(self, DEFAULT_LANGUAGE)


def msg(key: str, /, fallback: str | None = None, **params: Param) -> Msg:
    return Msg(key, tuple(params.items()), fallback)


def language_for(locale: object) -> str:
    """The supported language for a locale code ("fr", "en-US", "fr_FR.UTF-8"), else English.

    Anything whose ``str()`` is a locale code works, so discord.py's ``Locale`` may be
    passed as it is.
    """
    if locale is None:
        return DEFAULT_LANGUAGE
    primary = re.split(r"[-_.@]", str(locale).strip(), maxsplit=1)[0].casefold()
    return primary if primary in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def render(message: Msg | str, lang: str) -> str:
    """The message in ``lang`` (a supported language code); a plain string as it is."""
    if isinstance(message, str):
        return message
    lang = language_for(lang)
    values = {name: _render_param(value, lang) for name, value in message.params}
    count = dict(message.params).get("count")
    frame = catalog.lookup(message.key, lang, count if isinstance(count, int) else None)
    if frame is None:
        if message.fallback is None:
            raise KeyError(f"no catalog has the message {message.key!r}")
        return message.fallback
    return _FORMATTER.vformat(frame, (), values)


def text(key: str, lang: str, /, **params: Param) -> str:
    """Shorthand for rendering one key at the edge: ``render(msg(key, **params), lang)``."""
    return render(Msg(key, tuple(params.items())), lang)


class _Formatter(string.Formatter):
    # Values are rendered already; format specs are not part of the catalog language.
    def format_field(self, value: object, format_spec: str) -> str:
        return str(value)


_FORMATTER = _Formatter()


def _render_param(value: Param, lang: str) -> str:
    if isinstance(value, Msg):
        return render(value, lang)
    if isinstance(value, bool):
        raise TypeError("a message parameter is never a bool; say it with a key")
    if isinstance(value, int | float):
        return format_decimal(value, locale=lang)
    if isinstance(value, Percent):
        return format_percent(value.value, locale=lang)
    if isinstance(value, Quoted):
        return quoted([render(item, lang) for item in value.texts], lang, alternatives=value.alternatives)
    if isinstance(value, Listed):
        return format_list([render(item, lang) for item in value.items], locale=language_for(lang))
    if isinstance(value, Capitalised):
        rendered = render(value.message, lang)
        return rendered[:1].upper() + rendered[1:]
    if isinstance(value, date):
        return format_date(value, format="medium", locale=lang)
    return value


def percent(value: float, lang: str) -> str:
    """A share from 0 to 1 as ``lang`` writes a percentage ("78%", "78 %")."""
    return format_percent(value, locale=language_for(lang))


def quoted(texts: Sequence[str], lang: str, *, alternatives: bool = False) -> str:
    """Each text between the language's quotation marks, joined as the language joins a
    list ("“a”, “b” and “c”") or, for ``alternatives``, a choice ("“a” or “b”")."""
    mark = catalog.lookup("quote.mark", lang, None) or "“{text}”"
    marked = [mark.format(text=text_) for text_ in texts]
    if alternatives:
        return format_list(marked, style="or", locale=language_for(lang))
    return format_list(marked, locale=language_for(lang))


def chosen(labels: Sequence[str], lang: str) -> str:
    """The options a member picked, read back: one as it is, several quoted and listed.
    Labels hold commas of their own ("Once, for a ready-made thing"), so a bare comma
    would not show where one ends."""
    if len(labels) == 1:
        return labels[0]
    return quoted(labels, lang) if labels else ""


__all__ = [
    "DEFAULT_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "Capitalised",
    "Listed",
    "Msg",
    "Param",
    "Percent",
    "Quoted",
    "chosen",
    "language_for",
    "msg",
    "percent",
    "quoted",
    "render",
    "text",
]
