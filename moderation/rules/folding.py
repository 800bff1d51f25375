"""Folding: lower-case, accent-free text whose positions map back to the citizen's original text.

Rules match lexicon phrases against folded text ("Türke", "turke" and "TÜRKE" compare equal), but every
span a rule reports must index into the original text, because the redacted copy shown to others is cut
from the original. Folding is therefore one character in, one character out wherever Unicode allows it,
so that in the common case a folded position *is* an original position; only when a character folds to
nothing (a stray combining accent typed separately) is an explicit position map kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Phones type curly apostrophes, typographic quotes and assorted dashes; lexicons use the ASCII ones.
# Quotes fold to '"' so that quote detection needs one character, not seven.
_PUNCTUATION: dict[str, str] = {
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00b4": "'",
    "\u2032": "'",
    "\u00ab": '"',
    "\u00bb": '"',
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2039": '"',
    "\u203a": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}


class _FoldTable(dict[int, str]):
    """``str.translate`` table computed on first use of each character, then remembered."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        folded = _PUNCTUATION.get(char)
        if folded is None:
            decomposed = unicodedata.normalize("NFKD", char.lower())
            stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
            # One character out keeps positions aligned: "ﬁ" becomes "f", "½" becomes "1". A lone
            # combining mark folds to nothing, which the slow path below accounts for.
            folded = stripped[:1]
        self[codepoint] = folded
        return folded


_FOLD_TABLE = _FoldTable()


@dataclass(frozen=True, slots=True)
class Folded:
    """The original text, its folded form, and (only when they differ in length) the position map."""

    original: str
    folded: str
    # starts[i] is the original index of folded character i; starts[len(folded)] == len(original).
    starts: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of folded characters ``start:end``."""
        if self.starts is None:
            return start, end
        return self.starts[start], self.starts[end]

    def original_index(self, index: int) -> int:
        return index if self.starts is None else self.starts[index]


# Only these characters need the table once the text is lower-cased: everything outside ASCII, and the
# backtick (an apostrophe). Most reports are nearly all ASCII, so substituting just these characters is
# several times faster than translating every character through a Python mapping.
_NEEDS_TABLE = re.compile(r"[^\x00-\x5f\x61-\x7f]")


def _fold_match(match: re.Match[str]) -> str:
    return _FOLD_TABLE[ord(match.group())]


def _fold_string(text: str) -> str:
    lowered = text.lower()
    # lower() keeps the length except for a few letters ("İ" becomes two characters), and lowers a capital
    # sigma by its context, unlike the table: those texts take the table for every character.
    if len(lowered) != len(text) or "\u03a3" in text:
        return text.translate(_FOLD_TABLE)
    if lowered.isascii() and "`" not in lowered:
        return lowered
    return _NEEDS_TABLE.sub(_fold_match, lowered)


def fold(text: str) -> Folded:
    """Fold ``text``; see the module docstring."""
    folded = _fold_string(text)
    # Every character folds to at most one, so equal lengths mean a one-to-one alignment.
    if len(folded) == len(text):
        return Folded(text, folded)
    starts: list[int] = []
    pieces: list[str] = []
    for index, char in enumerate(text):
        piece = _FOLD_TABLE[ord(char)]
        if piece:
            starts.append(index)
            pieces.append(piece)
    starts.append(len(text))
    return Folded(text, "".join(pieces), tuple(starts))


def fold_term(term: str) -> str:
    """Fold a lexicon term (or a piece of report text whose positions do not matter) like report text."""
    return _fold_string(term)
