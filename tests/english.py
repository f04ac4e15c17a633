"""Finding English catalog text in what a French member was shown.

Every English sentence frame whose French differs is cut at its placeholders; each
literal piece of a dozen characters or more is a fragment that must never reach a French
member. Shorter pieces ("Effort", "(optional)") are left out: they are words French
shares, or too short to tell apart from a member's own text; so are names the French
text of the same key says as well.
"""

from __future__ import annotations

import string
from functools import cache

from dialogs import catalog

MIN_FRAGMENT = 12
_PUNCTUATION = " .,:;()!?\n\t“”«»*`-"


@cache
def english_fragments() -> frozenset[str]:
    english, french = catalog.catalog("en").entries, catalog.catalog("fr").entries
    found = set()
    for key, entry in english.items():
        if french[key].forms == entry.forms:
            continue
        for form in entry.forms:
            for literal, _, _, _ in string.Formatter().parse(form):
                piece = literal.strip(_PUNCTUATION)
                # A name the French says too ("Offering Advisor") is not English.
                if len(piece) >= MIN_FRAGMENT and not any(piece in form for form in french[key].forms):
                    found.add(piece)
    return frozenset(found)


def english_in(shown: str) -> list[str]:
    """The English catalog fragments in ``shown``, longest first."""
    return sorted((piece for piece in english_fragments() if piece in shown), key=lambda p: -len(p))
