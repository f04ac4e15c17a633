"""Which language a Discord reply is in, and its words from the catalogs.

A reply to a member is in their Discord language; a message that others read (a shared
result, a public summary, the weekly digest) is in the server's language.
"""

from __future__ import annotations

from typing import Any

import discord

from dialogs.messages import Msg, Param, language_for, render, text


def language_of(interaction: discord.Interaction[Any]) -> str:
    """The member's language, from their Discord locale."""
    return language_for(interaction.locale)


def server_language(interaction: discord.Interaction[Any]) -> str:
    """The language of what the whole server reads: its preferred locale, else the member's."""
    if interaction.guild_locale is None:
        return language_of(interaction)
    return language_for(interaction.guild_locale)


def say(interaction: discord.Interaction[Any], key: str, /, **params: Param) -> str:
    """The catalog's text for ``key``, in the language of the member who interacted."""
    return text(key, language_of(interaction), **params)


def render_for(interaction: discord.Interaction[Any], message: Msg) -> str:
    """A message of the core, in the language of the member who interacted."""
    return render(message, language_of(interaction))
