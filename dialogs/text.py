"""Checking free text before the advisor reads or stores it.

Anything typed by a member passes through ``clean_text`` first. It either returns the
text normalised (NFC, trimmed) or a ``TextProblem`` with a message a member can act
on (a ``Msg``, worded in the catalogs); nothing partial is ever stored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from dialogs.messages import Msg, msg

# Direction overrides and isolates can make stored text display differently from what
# it says (the "Trojan source" trick); ordinary right-to-left text never needs them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ALLOWED_CONTROLS = frozenset("\n\t")


@dataclass(frozen=True)
class TextProblem:
    message: Msg


def clean_text(raw: str, *, max_length: int, multiline: bool = True) -> str | TextProblem:
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        return TextProblem(msg("text.empty"))
    if len(text) > max_length:
        return TextProblem(msg("text.too_long", length=len(text), limit=max_length))
    if "\x00" in text:
        return TextProblem(msg("text.nul"))
    if any(char in _BIDI_CONTROLS for char in text):
        return TextProblem(msg("text.direction_controls"))
    allowed = _ALLOWED_CONTROLS if multiline else frozenset()
    if any(unicodedata.category(char) == "Cc" and char not in allowed for char in text):
        return TextProblem(msg("text.control_characters"))
    if not any(char.isalnum() for char in text):
        return TextProblem(msg("text.no_words"))
    return text
