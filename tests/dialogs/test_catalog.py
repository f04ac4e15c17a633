"""The catalogs: every language holds every key, with the English placeholders and plural
forms, checked when loaded; rendering writes numbers, percentages, lists and plurals the
way each language does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from enum import Enum
from pathlib import Path

import pytest

from dialogs import catalog
from dialogs.bank import StepKind, default_bank
from dialogs.catalog import CatalogError
from dialogs.lexicon import LEXICON
from dialogs.messages import Listed, Percent, Quoted, language_for, msg, percent, render, text
from dialogs.roadmap import CANDIDATES

BANK = default_bank()
LOCALES = Path(catalog.__file__).parent / "locales"
HEADER = (
    'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
)


def keys(lang: str) -> set[str]:
    return set(catalog.keys(lang))


def french(key: str) -> str:
    found = catalog.catalog("fr").entries[key]
    return found.forms[0]


# --- what ships -----------------------------------------------------------------------------


def test_every_english_text_has_a_french_translation_and_nothing_more() -> None:
    catalog.check_catalogs()
    assert keys("fr") == keys("en")
    assert len(keys("en")) > 450


def test_the_bank_and_its_families_are_the_english_source_of_their_keys() -> None:
    for step in BANK.steps:
        assert text(f"bank.{step.id}.prompt", "en") == step.prompt
        assert text(f"bank.{step.id}.help", "en") == step.help
        assert text(f"bank.{step.id}.example", "en") == step.example
        for option in step.options:
            assert text(f"bank.{step.id}.{option.id}.label", "en") == option.label
            if option.description:
                assert text(f"bank.{step.id}.{option.id}.description", "en") == option.description
    assert text("bank.title", "en") == BANK.title
    families = {o.family for s in BANK.steps for o in s.options if o.family}
    families |= {entry.family for entry in LEXICON if entry.family}
    assert {catalog.family_key(family) for family in families} <= keys("en")
    for candidate in CANDIDATES:
        # Every step has its words in the catalogs, and every variant of its detail too.
        assert text(f"roadmap.{candidate.id}.title", "en").strip()
        assert text(f"roadmap.{candidate.id}.detail", "en").strip()


def test_french_differs_from_english_where_it_should() -> None:
    # Texts that read the same in both languages: frames of placeholders, names, words
    # French shares with English.
    same = {
        "factor.effort.title",
        "factor.engagement.title",
        "reading.service",
        "why.quoted",
        "why.line",
        "sentences",
        "answer.with_hint",
        "discord.help_title",
        "discord.history_line",
        "discord.quick_phrase",
        "discord.factor_line",
        "terminal.key.reasons",
        "terminal.key.itil",
        "discord.chart_service",
        "staff.chart_service",
        "staff.verdict_with_shape",
        "staff.seconds_short",
        "terminal.title",
        "terminal.column.question",
        "terminal.review_line",
        "family.saas",
        "discord.roadmap.option",
    }
    english = catalog.catalog("en").entries
    unchanged = sorted(
        key
        for key, entry in catalog.catalog("fr").entries.items()
        if entry.forms == english[key].forms and key not in same
    )
    assert unchanged == []


def test_french_texts_fit_discords_limits() -> None:
    too_long = []
    for key in keys("fr"):
        limit = catalog.LIMITS.get(key.rsplit(".", 1)[-1])
        if limit is not None and len(french(key)) > limit:
            too_long.append(key)
    for step in BANK.steps:
        # The explanation after bad answers goes in an embed field.
        help_text = text("help.with_example", "fr", help=french(f"bank.{step.id}.help"), example="x")
        if len(help_text) + len(french(f"bank.{step.id}.example")) > 1024:
            too_long.append(f"bank.{step.id} help and example")
    assert too_long == []


def test_french_examples_quote_the_french_labels() -> None:
    for step in BANK.steps:
        labels = [french(f"bank.{step.id}.{o.id}.label").casefold() for o in step.options]
        for part in ("example", "help"):
            for quoted in re.findall(r"«\u00a0(.+?)\u00a0»", french(f"bank.{step.id}.{part}")):
                matches = [label for label in labels if label.startswith(quoted.casefold())]
                assert len(matches) == 1, (step.id, part, quoted)


def test_french_quotation_marks_never_end_up_alone_at_a_line_break() -> None:
    # French sets « and » apart from the words they hold; only a no-break space keeps a
    # narrow phone screen from wrapping a lone « at a line's end.
    for key in catalog.keys("fr"):
        entry = catalog.lookup(key, "fr", 1)
        if entry is not None:
            assert "« " not in entry and " »" not in entry, key


def test_labels_of_one_step_stay_distinct_in_french() -> None:
    for step in BANK.steps:
        labels = [french(f"bank.{step.id}.{o.id}.label").casefold() for o in step.options]
        assert len(set(labels)) == len(labels), step.id
        if step.kind is StepKind.YES_NO:
            assert sorted(labels) == ["non", "oui"]


# --- a broken catalog fails, naming the file and the key -------------------------------------


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped catalogs that a test may break; the cache is cleared around it."""
    for lang_dir in LOCALES.iterdir():
        if lang_dir.is_dir():
            (tmp_path / lang_dir.name).mkdir()
            for po in lang_dir.glob("*.po"):
                (tmp_path / lang_dir.name / po.name).write_text(
                    po.read_text(encoding="utf-8"), encoding="utf-8"
                )
    monkeypatch.setattr(catalog, "_locales", lambda: tmp_path)
    catalog.catalog.cache_clear()
    yield tmp_path
    catalog.catalog.cache_clear()


def replace_in(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, old
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def add_entry(path: Path, entry: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + entry + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("break_it", "problem"),
    [
        (
            lambda d: add_entry(d / "fr" / "bank.po", 'msgid "bank.stage.renamed.label"\nmsgstr "Je débute"'),
            "fr/bank.po: 'bank.stage.renamed.label' matches no English text",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "advisor.po",
                '"Cela va dans les deux sens : {product}, et pourtant {service}."',
                '"{product}."',
            ),
            "fr/advisor.po: 'why.both' has placeholders ['product'], the English text has "
            "['product', 'service']",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "bank.po", '"Où en êtes-vous avec', '"Où en êtes-vous {maintenant} avec'
            ),
            "'bank.stage.prompt' has placeholders ['maintenant']",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "advisor.po", '"Cela va dans les deux sens : {product}', '"Les deux : {product'
            ),
            "'why.both' is not a valid text frame",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "bank.po",
                'msgid "bank.stage.prompt"\nmsgstr "Où en êtes-vous avec cette offre aujourd\'hui ?"',
                'msgid "bank.stage.prompt"\nmsgstr ""',
            ),
            "'bank.stage.prompt' has an empty text",
        ),
        (
            lambda d: replace_in(d / "fr" / "bank.po", 'msgstr "Je débute"', f'msgstr "{"x" * 81}"'),
            "'bank.stage.starting.label' is 81 characters; the limit is 80",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "bank.po", 'msgstr "Pas encore de client payant"', f'msgstr "{"x" * 101}"'
            ),
            "is 101 characters; the limit is 100",
        ),
        (
            lambda d: add_entry(d / "fr" / "discord.po", 'msgid "bank.stage.prompt"\nmsgstr "Encore ?"'),
            "'bank.stage.prompt' is also defined in",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "bank.po", 'msgid "bank.stage.prompt"\n', '#, fuzzy\nmsgid "bank.stage.prompt"\n'
            ),
            "'bank.stage.prompt' is marked fuzzy",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "bank.po",
                'msgid "bank.stage.prompt"\nmsgstr "Où en êtes-vous avec cette offre aujourd\'hui ?"\n',
                "",
            ),
            "dialogs/locales/fr: no text for 'bank.stage.prompt'",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "advisor.po",
                'msgid "count.results"\nmsgid_plural "count.results"\n'
                'msgstr[0] "{count} résultat"\nmsgstr[1] "{count} résultats"',
                'msgid "count.results"\nmsgstr "{count} résultats"',
            ),
            "'count.results' must be plural, as the English is",
        ),
        (
            lambda d: replace_in(d / "fr" / "advisor.po", 'msgstr[1] "{count} résultats"\n', ""),
            "'count.results' has an empty text",
        ),
        (
            lambda d: replace_in(d / "fr" / "staff.po", "plural=(n > 1);", "plural=(n != 1);"),
            "dialogs/locales/fr: the catalogs disagree on Plural-Forms",
        ),
        (
            lambda d: add_entry(d / "fr" / "bank.po", "this is not a catalog line"),
            "fr/bank.po: cannot read the catalog",
        ),
        (
            lambda d: replace_in(
                d / "fr" / "commands.po",
                '"Commencer l\'entretien, ou reprendre là où vous vous étiez arrêté"',
                f'"{"x" * 101}"',
            ),
            "'commands.advisor.start.command_description' is 101 characters; the limit is 100",
        ),
    ],
)
def test_a_broken_translation_is_refused_naming_the_key(locales: Path, break_it, problem: str) -> None:  # type: ignore[no-untyped-def]
    break_it(locales)
    with pytest.raises(CatalogError, match=re.escape(problem)):
        catalog.check_catalogs()


def test_a_broken_english_catalog_fails_too(locales: Path) -> None:
    replace_in(locales / "en" / "advisor.po", '"No answer spoke to this."', '"No answer {spoke to this."')
    with pytest.raises(CatalogError, match=re.escape("en/advisor.po")):
        catalog.catalog("en")


def test_a_language_without_catalogs_or_unsupported_is_an_error(locales: Path) -> None:
    for po in (locales / "fr").glob("*.po"):
        po.unlink()
    (locales / "fr").rmdir()
    with pytest.raises(CatalogError, match="no catalogs for 'fr'"):
        catalog.catalog("fr")
    with pytest.raises(CatalogError, match="not a supported language"):
        catalog.catalog("de")


def test_start_up_fails_on_a_broken_catalog(locales: Path) -> None:
    from cli.main import main  # noqa: PLC0415 - the command line, as a member starts it

    replace_in(locales / "fr" / "bank.po", 'msgid "bank.stage.prompt"\n', 'msgid "bank.stage.gone"\n')
    assert main(["questions"]) == 1


def test_a_key_no_catalog_has_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match=re.escape("no catalog has the message 'nothing.like.this'")):
        render(msg("nothing.like.this"), "en")
    assert (
        render(msg("nothing.like.this", fallback="A custom bank's own text"), "fr")
        == "A custom bank's own text"
    )


# --- rendering in each language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "english", "french_text"),
    [
        (0, "0 results", "0 résultat"),
        (1, "1 result", "1 résultat"),
        (2, "2 results", "2 résultats"),
        (1234, "1,234 results", "1\u202f234 résultats"),
    ],
)
def test_plurals_and_numbers_follow_the_language(count: int, english: str, french_text: str) -> None:
    assert text("count.results", "en", count=count) == english
    assert text("count.results", "fr", count=count) == french_text


def test_a_plural_text_needs_its_count() -> None:
    with pytest.raises(CatalogError, match="plural and needs a count"):
        text("count.results", "en")


def test_percentages_lists_and_dates_follow_the_language() -> None:
    assert percent(0.78, "en") == "78%"
    assert percent(0.78, "fr") == "78\u00a0%"
    assert (
        render(msg("card.sureness.close", value=Percent(0.5)), "fr") == "Un résultat serré, sûr à 50\u00a0%"
    )
    assert render(msg("why.said", quoted=Quoted(("a", "b"))), "en") == "you said “a” and “b”"
    assert (
        render(msg("why.said", quoted=Quoted(("a", "b", "c"))), "fr")
        == "vous avez répondu «\u00a0a\u00a0», «\u00a0b\u00a0» et «\u00a0c\u00a0»"
    )
    things = Listed((msg("itil.service.support"), msg("itil.service.backups")))
    assert (
        render(msg("sentences", first="A.", second=things), "en")
        == "A. support and fixes and backups and the customer's data"
    )
    assert render(msg("discord.share_posted", channel=date(2026, 12, 3)), "fr") == "Publié dans 3 déc. 2026."


def test_member_text_in_a_parameter_is_never_read_as_a_frame() -> None:
    typed = "{count} {0} {__class__} }{"
    assert (
        text("answer.not_an_option", "en", option=Quoted((typed,))) == f"“{typed}” is not one of the options."
    )


class FakeLocale(Enum):
    """Like discord.py's Locale: an enum whose str() is the locale code."""

    french = "fr"
    american_english = "en-US"

    def __str__(self) -> str:
        return str(self.value)


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        (" fr ", "fr"),
        ("fr-CA", "fr"),
        ("fr_FR", "fr"),
        ("fr_FR.UTF-8", "fr"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("es-ES", "en"),
        ("es-419", "en"),
        ("pt-BR", "en"),
        ("zh-CN", "en"),
        ("de", "en"),
        ("C.UTF-8", "en"),
        (None, "en"),
        ("", "en"),
        ("français", "en"),
        ("garbage!!", "en"),
        ("-", "en"),
        (FakeLocale.french, "fr"),
        (FakeLocale.american_english, "en"),
    ],
)
def test_language_for_maps_discord_and_posix_locales(locale: object, language: str) -> None:
    assert language_for(locale) == language


def test_a_french_reason_line_keeps_its_colon_on_the_same_line() -> None:
    # On a phone a plain space before ":" lets the colon start the next line.
    for key in ("discord.factor_line", "terminal.factor_line", "terminal.card_reason"):
        line = text(key, "fr", factor="Effort", leans="produit", why="Le travail se fait une fois.")
        assert "\u00a0:" in line and " :" not in line, key
