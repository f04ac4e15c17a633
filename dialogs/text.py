"""Checking free text before the advisor reads or stores it.

Anything typed by a member passes through ``clean_text`` first. It either returns the
text normalised (NFC, trimmed) or a ``TextProblem`` with a message a member can act
on (a ``Msg``, worded in the catalogs); nothing partial is ever stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dialogs.messages import Msg, msg

# Direction overrides and isolates can make stored text display differently from what
# it says (the "Trojan source" trick); ordinary right-to-left text never needs them.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Unicode's control characters (category Cc) are exactly these two ranges; a line break
# and a tab are allowed where the text may span lines.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
    if _BIDI_CONTROLS.search(text):
        return TextProblem(msg("text.direction_controls"))
    if (_CONTROLS_BUT_LINES if multiline else _CONTROLS).search(text):
        return TextProblem(msg("text.control_characters"))
    if not any(char.isalnum() for char in text):
        return TextProblem(msg("text.no_words"))
    return text
