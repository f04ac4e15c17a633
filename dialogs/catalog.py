"""The catalogs: every sentence a member can read, by key, in each shipped language.

Each language is a folder of gettext catalogs, ``dialogs/locales/<lang>/<domain>.po``,
read with Babel; a domain is the part of the advisor that says it (``advisor`` for the
core's verdicts, reasons, roadmap and refusals, ``discord`` and ``staff`` for the bot,
``terminal`` for the command line, ``commands`` for the slash commands' own names). The
msgid is the key, so a sentence can be reworded without touching code, and plural
entries carry one form per plural rule of the language.

The question bank (``data/questions.toml``) and the quick check's lexicon are the English
source of their own texts (``bank.*`` and ``family.*``), so a question is added in one
place; every other language translates them in its ``bank.po``.

Catalogs are checked when first loaded, and ``check_catalogs`` loads them all at
start-up: every language holds exactly the English keys, each with the English
placeholders, plural where the English is plural with as many forms as the language
has, nothing fuzzy or empty, and labels within Discord's limits. Anything else is a
``CatalogError`` naming the file and the key.
"""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.pofile import PoFileError, read_po

from dialogs.bank import default_bank
from dialogs.lexicon import LEXICON

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr")
DEFAULT_LANGUAGE = "en"

# Longest text Discord (or the bank's own checks) accepts, by the key's last part.
LIMITS = {
    "label": 80,
    "description": 100,
    "prompt": 256,
    "help": 1000,
    "example": 500,
    "title": 256,
    "placeholder": 100,
    "modal_title": 45,
    "command_name": 32,
    "command_description": 100,
}
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


class CatalogError(ValueError):
    """A catalog is broken; the message names the file and the key at fault."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One key's text: a single form, or one form per plural rule of the language."""

    forms: tuple[str, ...]
    plural: bool
    source: str


@dataclass(frozen=True, slots=True)
class Catalog:
    lang: str
    entries: Mapping[str, Entry]
    # The language's plural rule (gettext's Plural-Forms): a count -> the form to use.
    plural_index: Callable[[int], int]
    plurals: int

    def text(self, key: str, count: int | None) -> str | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if not entry.plural:
            return entry.forms[0]
        if count is None:
            raise CatalogError(f"{entry.source}: {key!r} is plural and needs a count")
        return entry.forms[min(self.plural_index(count), len(entry.forms) - 1)]


def _locales() -> Traversable:
    return resources.files("dialogs").joinpath("locales")


def _read_domain(lang: str, path: Traversable) -> tuple[dict[str, Entry], str, int]:
    """One catalog file: its entries, its plural rule (a C expression) and number of forms."""
    source = f"dialogs/locales/{lang}/{path.name}"
    try:
        with path.open("rb") as handle:
            po = read_po(handle, locale=lang, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as error:
        raise CatalogError(f"{source}: cannot read the catalog: {error}") from None
    entries: dict[str, Entry] = {}
    for message in po:
        if not message.id:
            continue  # the header
        key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
        if message.fuzzy:
            raise CatalogError(f"{source}: {key!r} is marked fuzzy; translate it or drop the flag")
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        forms = tuple(form for form in strings if isinstance(form, str) and form.strip())
        if not forms or len(forms) != len(strings):
            raise CatalogError(f"{source}: {key!r} has an empty text")
        entries[key] = Entry(forms=forms, plural=isinstance(message.id, tuple | list), source=source)
    return entries, po.plural_expr, po.num_plurals


def _english_data_entries() -> dict[str, Entry]:
    """The English texts that live with their data: the question bank and family names."""
    source = "dialogs/data/questions.toml"
    texts: dict[str, str] = {}
    bank = default_bank()
    texts["bank.title"] = bank.title
    for step in bank.steps:
        for part in ("prompt", "help", "example"):
            texts[f"bank.{step.id}.{part}"] = getattr(step, part)
        for option in step.options:
            texts[f"bank.{step.id}.{option.id}.label"] = option.label
            if option.description:
                texts[f"bank.{step.id}.{option.id}.description"] = option.description
            if option.said:
                texts[f"bank.{step.id}.{option.id}.said"] = option.said
    families = [option.family for step in bank.steps for option in step.options if option.family]
    families += [entry.family for entry in LEXICON if entry.family]
    for family in families:
        texts[family_key(family)] = family
    return {key: Entry(forms=(value,), plural=False, source=source) for key, value in texts.items()}


def family_key(family: str) -> str:
    """The key of an offering family's name: ``family.e_book_or_guide``."""
    return "family." + re.sub(r"[^a-z0-9]+", "_", family.casefold()).strip("_")


def _load(lang: str) -> Catalog:
    folder = _locales().joinpath(lang)
    if not folder.is_dir():
        raise CatalogError(f"dialogs/locales/{lang}: no catalogs for {lang!r}")
    entries: dict[str, Entry] = _english_data_entries() if lang == DEFAULT_LANGUAGE else {}
    rules: dict[tuple[str, int], str] = {}
    for path in sorted(folder.iterdir(), key=lambda item: item.name):
        if not path.name.endswith(".po"):
            continue
        domain, rule, plurals = _read_domain(lang, path)
        rules.setdefault((rule, plurals), path.name)
        for key, entry in domain.items():
            if key in entries:
                raise CatalogError(f"{entry.source}: {key!r} is also defined in {entries[key].source}")
            entries[key] = entry
    if len(rules) != 1:
        files = ", ".join(sorted(rules.values()))
        raise CatalogError(f"dialogs/locales/{lang}: the catalogs disagree on Plural-Forms ({files})")
    ((rule, plurals),) = rules
    return Catalog(lang=lang, entries=entries, plural_index=gettext.c2py(rule), plurals=plurals)


def placeholders(frame: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(frame) if field is not None}


def _check(catalog_: Catalog, english: Catalog) -> None:
    for key, entry in catalog_.entries.items():
        model = english.entries.get(key)
        if model is None:
            raise CatalogError(
                f"{entry.source}: {key!r} matches no English text (was what it translates "
                "renamed or removed?)"
            )
        if entry.plural != model.plural:
            kind = "plural" if model.plural else "not plural"
            raise CatalogError(f"{entry.source}: {key!r} must be {kind}, as the English is")
        if entry.plural and len(entry.forms) != catalog_.plurals:
            raise CatalogError(
                f"{entry.source}: {key!r} has {len(entry.forms)} plural forms; "
                f"{catalog_.lang!r} has {catalog_.plurals}"
            )
        expected = set().union(*(placeholders(form) for form in model.forms))
        for form in entry.forms:
            fields = _check_frame(key, form, entry.source)
            # A plural form may leave the count out ("un résultat"), nothing else.
            wrong = fields != expected and not (entry.plural and fields | {"count"} >= expected)
            if wrong or not fields <= expected:
                raise CatalogError(
                    f"{entry.source}: {key!r} has placeholders {sorted(fields)}, "
                    f"the English text has {sorted(expected)}"
                )
            _check_length(key, form, entry.source)
    missing = sorted(set(english.entries) - set(catalog_.entries))
    if missing:
        shown = ", ".join(repr(key) for key in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise CatalogError(f"dialogs/locales/{catalog_.lang}: no text for {shown}{more}")


def _check_frame(key: str, form: str, source: str) -> set[str]:
    """The placeholders of a text, or a CatalogError if it is not a valid frame."""
    try:
        return placeholders(form)
    except ValueError as error:
        raise CatalogError(f"{source}: {key!r} is not a valid text frame: {error}") from None


def _check_length(key: str, form: str, source: str) -> None:
    kind = key.rsplit(".", 1)[-1]
    limit = LIMITS.get(kind)
    if limit is not None and len(form) > limit:
        raise CatalogError(f"{source}: {key!r} is {len(form)} characters; the limit is {limit}")
    if kind == "command_name" and (not _COMMAND_NAME.match(form) or form != form.casefold()):
        raise CatalogError(f"{source}: {key!r} is not a valid command name (lower case, no spaces)")


@cache
def catalog(lang: str) -> Catalog:
    """One supported language's catalog, loaded and checked once per process."""
    if lang not in SUPPORTED_LANGUAGES:
        raise CatalogError(f"{lang!r} is not a supported language ({', '.join(SUPPORTED_LANGUAGES)})")
    loaded = _load(lang)
    if lang == DEFAULT_LANGUAGE:
        for key, entry in loaded.entries.items():
            for form in entry.forms:
                _check_frame(key, form, entry.source)
                _check_length(key, form, entry.source)
        return loaded
    english = catalog(DEFAULT_LANGUAGE)
    _check(loaded, english)
    return loaded


def lookup(key: str, lang: str, count: int | None) -> str | None:
    """The text of ``key`` in ``lang``, or None for a key no catalog has (a custom bank's).

    Every language holds every English key (checked at load), so there is no falling
    back to English here."""
    return catalog(lang).text(key, count)


def keys(lang: str = DEFAULT_LANGUAGE) -> Iterable[str]:
    return catalog(lang).entries.keys()


def check_catalogs() -> None:
    """Load every supported language now (at start-up), so a broken catalog fails early."""
    for lang in SUPPORTED_LANGUAGES:
        catalog(lang)


__all__ = [
    "DEFAULT_LANGUAGE",
    "LIMITS",
    "SUPPORTED_LANGUAGES",
    "Catalog",
    "CatalogError",
    "Entry",
    "catalog",
    "check_catalogs",
    "family_key",
    "keys",
    "lookup",
    "placeholders",
]
