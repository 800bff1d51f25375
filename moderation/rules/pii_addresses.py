"""``pii.address``: a house number with a street word in the language's order ("7 Mill Lane", "via Roma 3")."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator

from moderation.rules.document import Document, Span
from moderation.rules.folding import fold_term
from moderation.rules.lexicon import Lexicon
from moderation.rules.pii_words import fold_word, is_street_word

# A house number as written: "7", "12a", "8bis", "8 bis", "14-2", "21/B" (in folded text, so lower case).
_HOUSE_NUMBER = re.compile(
    r"\d(?<![\w:.,/€$£#+-]\d)\d{0,3}(?:[a-z](?!\w)|\s?(?:bis|ter|quater)(?!\w))?(?:[/-](?:\d{1,3}|[a-z]|bis|ter)(?!\w))?"
    r"(?![\w:]|[.,]\d)"
)
_ADDRESS_WINDOW = 80
# A report is at most a few thousand characters; this cap keeps the cost of a pathological one bounded.
MAX_NUMBERS_CHECKED = 60

def addresses(doc: Document) -> Iterator[Span]:
    folded = doc.lowered
    # Streets keep their own language inside a report in another ("he lives at Veldstraat 17", in a city with
    # two languages): every lexicon's street grammar is tried, and one of a language the report is not in
    # counts only where the street is written as a name (a capitalised street word), so that English "via 3
    # stops" is no Italian address.
    grammars = [
        (doc.lexicons[language], doc.lexicons[language].address, language not in doc.languages)
        for language in sorted(doc.lexicons)
    ]
    for count, number in enumerate(_HOUSE_NUMBER.finditer(folded)):
        if count >= MAX_NUMBERS_CHECKED:
            break
        start, end = number.span()
        best: Span | None = None
        for lexicon, grammar, foreign in grammars:
            if grammar.not_after.match(folded, end, end + _ADDRESS_WINDOW):
                continue
            found_start, found_end = start, end
            if grammar.before is not None:
                before = grammar.before.search(folded, max(0, start - _ADDRESS_WINDOW), start)
                if before is not None:
                    trimmed = _street_name_start(doc, before.start(), start, lexicon)
                    if trimmed is not None:
                        found_start = trimmed
            if grammar.after is not None:
                after = grammar.after.match(folded, end, end + _ADDRESS_WINDOW)
                if after is not None:
                    found_end = _street_name_end(doc, end, after.end(), lexicon) or end
            if (found_start, found_end) == (start, end):
                continue
            if foreign and not _street_named(doc, found_start, found_end, lexicon):
                continue
            word = grammar.number_word.search(folded, max(0, found_start - 20), found_start)
            if word is not None:
                found_start = word.start()
            if best is None or found_end - found_start > best[1] - best[0]:
                best = (found_start, found_end)
        if best is not None:
            yield doc.span(*best)


_ADDRESS_WORD = re.compile(r"[^\W\d_][\w'’\u0300-\u036f-]*")


def _street_name_start(doc: Document, start: int, end: int, lexicon: Lexicon) -> int | None:
    """Where a street address found in folded text really starts, judged by capitals in the original.

    The patterns match lower-cased text, so "wohnt in der Berliner Straße 5" matches as a whole and "calle
    Alcalá hubo 3 robos" looks like "calle <name> 3". Capitals tell them apart: words before the street
    word are trimmed up to the first capitalised one ("Berliner Straße"), and a capitalised street name
    followed by a lower-case word ("Alcalá hubo") is no street name. All-lower-case text is taken as typed.
    None means "not an address".
    """
    original_start, original_end = doc.span(start, end)
    words = [m for m in _ADDRESS_WORD.finditer(doc.text, original_start, original_end)]
    suffixes = tuple(fold_term(s) for s in lexicon.data["address"]["street_suffixes"])
    street_at = next(
        (
            i
            for i, m in enumerate(words)
            if fold_word(m.group()) in lexicon.street_words or is_street_word(fold_word(m.group()), suffixes)
        ),
        None,
    )
    if street_at is None:
        return start
    particles = {fold_term(p) for p in lexicon.data["address"]["particles"]}
    if street_at > 0:
        # Name before the street word: start at its first capitalised word, else at the last word.
        leading = words[:street_at]
        first = next((m for m in leading if m.group()[0].isupper()), leading[-1])
        return _folded_position(doc, first.start())
    number_words = _folded_words(lexicon, "number_words")
    content = [m.group() for m in words[1:] if fold_word(m.group()) not in particles | number_words]
    if content and content[0][0].isupper() and any(word[0].islower() for word in content[1:]):
        return None
    return start


def _street_name_end(doc: Document, start: int, end: int, lexicon: Lexicon) -> int | None:
    """Where a street address found after a house number really ends, judged by capitals in the original.

    "du 14 rue des Lilas vend de la drogue": the street name is the capitalised run after the street word
    ("des Lilas"), and stops at the first lower-case word after it. "50, bald, green parka": when the
    street word comes last (English "7 Mill Lane"), a text written with capitals needs a capital in the
    street name; all-lower-case text is taken as typed. None means "not an address".
    """
    original_start, original_end = doc.span(start, end)
    words = list(_ADDRESS_WORD.finditer(doc.text, original_start, original_end))
    suffixes = tuple(fold_term(s) for s in lexicon.data["address"]["street_suffixes"])
    street_at = next(
        (
            i
            for i, m in enumerate(words)
            if fold_word(m.group()) in lexicon.street_words or is_street_word(fold_word(m.group()), suffixes)
        ),
        None,
    )
    if street_at is None or not words:
        return end
    particles = {fold_term(p) for p in lexicon.data["address"]["particles"]} | _HOUSE_NUMBER_WORDS
    # Words before the street word that only join it to the number ("di via Garibaldi", "bis rue Pasteur")
    # are not a street name before a street word ("7 Mill Lane").
    named_before = any(fold_word(m.group()) not in particles for m in words[:street_at])
    if named_before or len(words) == 1:
        # "3 big green bins", "20 anyway": a street word that is also an ordinary word (or a compound that
        # ends in one, "Kingsway") needs a capital somewhere in the street name, unless the whole text is
        # written without capitals.
        street = fold_word(words[street_at].group())
        common_words = _folded_words(lexicon, "common_word_types")
        common = street in common_words or (
            street not in lexicon.street_words and any(street.endswith(word) for word in common_words)
        )
        if common and _has_capitals(doc.text) and not any(m.group()[0].isupper() for m in words[: street_at + 1]):
            return None
        return end
    content = [m for m in words[street_at + 1 :] if fold_word(m.group()) not in particles]
    if not content or not content[0].group()[0].isupper():
        return end
    last = content[0]
    for m in content[1:]:
        if not m.group()[0].isupper():
            break
        last = m
    return _folded_position(doc, last.end())


def _street_named(doc: Document, start: int, end: int, lexicon: Lexicon) -> bool:
    """Whether a capitalised word of the span is one of the lexicon's street words ("Veldstraat", "Rue")."""
    original_start, original_end = doc.span(start, end)
    suffixes = tuple(fold_term(s) for s in lexicon.data["address"]["street_suffixes"])
    return any(
        m.group()[0].isupper()
        and (fold_word(m.group()) in lexicon.street_words or is_street_word(fold_word(m.group()), suffixes))
        for m in _ADDRESS_WORD.finditer(doc.text, original_start, original_end)
    )


_HOUSE_NUMBER_WORDS = frozenset({"bis", "ter", "quater", "di", "de", "del", "du", "des", "la", "of", "the"})


@functools.lru_cache(maxsize=64)
def _folded_words(lexicon: Lexicon, key: str) -> frozenset[str]:
    """A list of the address section, folded; with the letters alone too ("n°" is also "n")."""
    words = {fold_word(w) for w in lexicon.data["address"][key]}
    words |= {re.sub(r"[\W_]+", "", word) for word in words}
    return frozenset(word for word in words if word)


def _has_capitals(text: str) -> bool:
    """Whether the text is written with capitals at all (not an all-lower-case message)."""
    return not text.islower()


def _folded_position(doc: Document, original: int) -> int:
    if doc.folded.starts is None:
        return original
    return bisect.bisect_left(doc.folded.starts, original)

