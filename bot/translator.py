"""The slash commands' descriptions, options and choices in each member's Discord language.

Commands are declared with ``command_text(key)``: the English from the catalog, which
Discord shows by default, carrying its catalog key. When the tree is synced, discord.py
asks ``CatalogTranslator`` for every other locale, and Discord shows members the text for
their language. Command and option names stay the same in every language, so the
``/advisor start`` quoted in the bot's own messages is always the one a member can type.
"""

from __future__ import annotations

import discord
from discord import app_commands

from dialogs.messages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, language_for, text


def command_text(key: str) -> app_commands.locale_str:
    """A command's (or option's, or choice's) text in English, keyed for translation."""
    return app_commands.locale_str(text(key, DEFAULT_LANGUAGE), key=key)


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        lang = language_for(locale)
        # Only a language we ship, named by its own locale (fr, not an unsupported "es-ES"
        # that would fall back to English and repeat the default).
        if key is None or lang == DEFAULT_LANGUAGE or lang not in SUPPORTED_LANGUAGES:
            return None
        if not str(locale).casefold().startswith(lang):
            return None
        return text(key, lang)
