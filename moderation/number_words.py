"""Numbers written in words, for the digits layer of ``moderation.normal_form``: each language's number words
(compiled from its lexicon), the runs of them in a report worth a look, and those runs written in digits
(``text2num``)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from text_to_num import alpha2digit


# eq=False: compared and hashed by identity (one per lexicon), which caches keyed on them need to be cheap.
@dataclass(frozen=True, eq=False)
class NumberWords:
    """One language's number words, for finding numbers written in words before ``text2num`` reads them."""

    language: str
    token: re.Pattern[str]  # one word made of number morphemes ("dreiundzwanzig", "vingt-trois")
    small: frozenset[str]  # words too common alone to be a number ("one", "un", "ein", "een")
    joiners: frozenset[str]  # words that join two number words ("et", "y")
    # The morphemes and the words of two (or two joined by a third: "drei|und|zwanzig") of them, as typed and
    # without accents: a report is checked against this set before any pattern runs.
    words: frozenset[str]


def number_words_compile(
    language: str, morphemes: Iterable[str], small: Iterable[str], joiners: Iterable[str]
) -> NumberWords:
    parts = sorted({m.lower() for m in morphemes}, key=len, reverse=True)
    alternation = "|".join(re.escape(m) for m in parts)
    token = re.compile(rf"(?:{alternation})(?:-?(?:{alternation}))*", re.IGNORECASE)
    # Joining morphemes ("drei|und|zwanzig", "drie|ën|twintig") are common words of their own: only inside.
    inner = [m for m in parts if m in _COMPOUND_JOINERS]
    standalone = [m for m in parts if m not in inner]
    words = {*standalone, *(a + b for a in parts for b in parts)}
    words |= {a + j + b for a in parts for j in inner for b in parts}
    words |= {_unaccented(word) for word in words}
    return NumberWords(
        language,
        token,
        frozenset(w.lower() for w in small),
        frozenset(w.lower() for w in joiners),
        frozenset(words),
    )


_COMPOUND_JOINERS = frozenset({"und", "en", "ën"})


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


# Between two number words of one run: spaces, a comma or a hyphen, and maybe a joining word ("et", "y").
_RUN_GAP = re.compile(r"[ \t,.\-/]{1,3}")


@functools.lru_cache(maxsize=64)
def _number_vocabulary(numbers: tuple[NumberWords, ...]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Every language's number words that are worth a look alone, the small ones, and all with joiners."""
    small = frozenset().union(*(grammar.small for grammar in numbers))
    words = frozenset().union(*(grammar.words for grammar in numbers))
    known = words | frozenset().union(*(grammar.joiners for grammar in numbers))
    # "un", "ein", "een", "one" are articles more often than numbers: they do not count towards three.
    return words - small, small - _ARTICLES, known


_ARTICLES = frozenset({"one", "un", "une", "uno", "una", "ein", "eine", "een"})


def _number_runs(
    text: str, numbers: tuple[NumberWords, ...], folded: str | None = None, seen: Sequence[str] | None = None
) -> list[tuple[int, int, str]]:
    """Runs of number words (start, end, language): two or more words, or one that is not a small word.

    A word that is a number alone ("twenty", "dreiundzwanzig"), or three different small ones (a phone
    number read out digit by digit), make a report worth a look; "two cars and one man" does not."""
    big, small, known = _number_vocabulary(numbers)
    if seen is not None and len(set(seen) & small) < 3 and not any(word not in small for word in seen):
        # The phrase scan found no number word worth a look: no need to split the report into words.
        return []
    tokens = words_of(folded if folded is not None else text.lower())
    if tokens.isdisjoint(big) and len(tokens & small) < 3:
        return []
    # Number words and their positions, in order; runs are made of neighbours among them.
    found = [m for m in _LETTERS.finditer(text) if m.group().lower() in known]
    runs: list[tuple[int, int, str]] = []
    index = 0
    while index < len(found):
        last = index
        while last + 1 < len(found) and _RUN_GAP.fullmatch(text, found[last].end(), found[last + 1].start()):
            last += 1
        group = [match.group().lower() for match in found[index : last + 1]]
        for grammar in numbers:
            # Joining words ("et", "y") count inside a run, not at its ends.
            inside = [word for word in group if word not in grammar.joiners]
            edges = group[0] not in grammar.joiners and group[-1] not in grammar.joiners
            if edges and inside and all(word in grammar.words for word in inside):
                if len(inside) >= 2 or inside[0] not in grammar.small:
                    runs.append((found[index].start(), found[last].end(), grammar.language))
                break
        index = last + 1
    return runs


_LETTERS = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=4)
def words_of(lowered: str) -> frozenset[str]:
    """The words of a lower-case text, also without the punctuation around them; remembered for the few
    texts being screened, as both spelled-out checks ask."""
    tokens = set(lowered.replace("-", " ").split())
    tokens |= {token.strip(_PUNCTUATION) for token in tokens if not token[-1].isalpha()}
    return frozenset(tokens)
_PUNCTUATION = ".,;:!?()[]{}\"'«»"


_GROUPED_DIGITS = re.compile(r"\d+(?:[ ,.\-]{1,3}\d+)+")
_GROUP_SEPARATOR = re.compile(r"[ ,.\-]{1,3}")


def numbers_spelled(
    text: str, numbers: tuple[NumberWords, ...], folded: str | None, seen: Sequence[str] | None = None
) -> list[tuple[int, int, str]]:
    """Edits (start, end, digits) that write ``text``'s runs of number words in digits (``folded`` and ``seen``
    as for ``digits_layer`` in ``moderation.normal_form``)."""
    edits: list[tuple[int, int, str]] = []
    for start, end, language in _number_runs(text, numbers, folded, seen):
        piece = text[start:end]
        try:
            converted = alpha2digit(piece, language)
        except (ValueError, KeyError):
            continue
        if converted != piece and any(char.isdigit() for char in converted):
            # "zéro six, douze, trente-quatre…": a phone number read out in groups is one number.
            if _GROUPED_DIGITS.fullmatch(converted) and len(_GROUP_SEPARATOR.split(converted)) >= 3:
                converted = _GROUP_SEPARATOR.sub("", converted)
            edits.append((start, end, converted))
    return edits
