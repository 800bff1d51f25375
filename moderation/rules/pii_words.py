"""Word helpers shared by the personal-data detectors (names, addresses, plates)."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from moderation.rules.document import Document, Span
from moderation.rules.folding import fold_term


def overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


@functools.lru_cache(maxsize=65536)
def is_street_word(word: str, suffixes: tuple[str, ...]) -> bool:
    """ "Pieterszoonplein", "Goethestraße": a compound ending in a street word names a street, not a person."""
    return any(word.endswith(suffix) and len(word) > len(suffix) + 2 for suffix in suffixes)


# Elided articles and prepositions: in "l'école" or "dell'ospedale" the word after them is what counts
# (but not in "c'est" or "qu'il", where the part after the apostrophe is a verb or pronoun).
_ELIDED = frozenset({"l", "d", "dell", "all", "nell", "sull", "dall", "un", "de l"})


@functools.lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    folded = fold_term(word).strip(".'’-")
    head, apostrophe, tail = folded.rpartition("'")
    return tail if apostrophe and head in _ELIDED else folded


def stopwords(doc: Document) -> frozenset[str]:
    return frozenset().union(*(doc.lexicons[lang].stopwords for lang in doc.languages if lang in doc.lexicons))
