"""Words as words: a description split into tokens, each with its lemma and its place.

The quick check matches its phrases on the text as written and on the same text with
every word replaced by its lemma (simplemma: "designed" → "design", "modèles" →
"modèle"), so a phrase written once covers the forms a word takes. Offsets map every
lemma back to the words it came from, so a signal quotes what the member wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import simplemma

# A word: letters and digits, with the joiners a word can hold inside it ("e-book",
# "don't", "24/7", "$49", "itch.io"); a trailing joiner is punctuation, not the word.
_WORD = re.compile(r"[\w$][\w$'&/.-]*(?<![.'/&-])")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    lemma: str
    start: int
    end: int


# Bounded: members paste any words at all, and a long-running bot must not keep them all.
@lru_cache(maxsize=50_000)
def lemma(word: str, lang: str) -> str:
    """The word's lemma in ``lang``, casefolded; the word itself where it has none."""
    if not word.isalpha():
        return word
    return simplemma.lemmatize(word, lang=lang).casefold()


# French elides a small word into the next one ("l'abonnement", "d'un", "qu'il"); the
# two are separate words, or "l'abonnement" and "abonnement" would read as different ones.
_ELISION = re.compile(r"(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)'(?=\w)")
# "the client's files": the owner's word is the word, not a new one.
_POSSESSIVE = "'s"


def tokenize(text: str, lang: str) -> list[Token]:
    """The words of casefolded ``text``, in order, with their lemmas."""
    tokens: list[Token] = []
    for match in _WORD.finditer(text):
        word, start = match.group(), match.start()
        if lang == "fr" and (elided := _ELISION.match(word)):
            small = elided.group()
            tokens.append(Token(small, small, start, start + len(small)))
            word, start = word[len(small) :], start + len(small)
        base = word.removesuffix(_POSSESSIVE) if lang == "en" else word
        tokens.append(Token(word, lemma(base, lang), start, start + len(word)))
    return tokens


@dataclass(frozen=True, slots=True)
class LemmaText:
    """The text with each word replaced by its lemma, and where each lemma came from."""

    text: str
    # For each lemma: its span in ``text`` and the span of the words it stands for.
    spans: tuple[tuple[int, int, int, int], ...]

    def original(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of the written words a match over lemmas ``start:end`` covers."""
        covered = [span for span in self.spans if span[0] < end and start < span[1]]
        if not covered or covered[0][0] != start or covered[-1][1] != end:
            return None
        return covered[0][2], covered[-1][3]


def lemma_text(tokens: list[Token]) -> LemmaText:
    parts: list[str] = []
    spans: list[tuple[int, int, int, int]] = []
    position = 0
    for token in tokens:
        # Elided words stay joined ("l'heure"), so phrases are written as French writes them.
        if parts and not parts[-1].endswith("'"):
            parts.append(" ")
            position += 1
        parts.append(token.lemma)
        spans.append((position, position + len(token.lemma), token.start, token.end))
        position += len(token.lemma)
    return LemmaText("".join(parts), tuple(spans))


_FRENCH_HINTS = frozenset(
    {
        "je",
        "nous",
        "vous",
        "le",
        "la",
        "les",
        "des",
        "un",
        "une",
        "et",
        "pour",
        "avec",
        "sur",
        "mes",
        "nos",
        "vos",
    }
)
_ENGLISH_HINTS = frozenset(
    {"i", "we", "you", "the", "a", "an", "and", "for", "with", "on", "my", "our", "your", "to", "of", "is"}
)


def language_of(text: str) -> str:
    """English or French, by the small words that only one of them uses; English on a tie.

    ``text`` is casefolded already."""
    words = _WORD.findall(text)
    french = sum(word in _FRENCH_HINTS for word in words)
    english = sum(word in _ENGLISH_HINTS for word in words)
    return "fr" if french > english else "en"
