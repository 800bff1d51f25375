"""``pii.person_name``: names of private persons, not of shops, venues, streets or people in public office."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from moderation.rules.document import Document, Span
from moderation.rules.folding import fold_term
from moderation.rules.lexicon import Lexicon
from moderation.rules.phrases import literal_alternation
from moderation.rules.pii_words import fold_word, is_street_word

# A capitalised word ("Hughes", "O'Brien", "García", "Jean-Luc"); the first letter is checked with isupper.
# Combining accents (U+0300-036F) count as letters: a phone may send "José" as "Jose" + U+0301.
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f])"
_CAPITALISED = re.compile(rf"(?<![\w'’-])[A-ZÀ-ÖØ-ÞĀ-ʯ]{_LETTER}{{0,30}}(?:['’-]{_LETTER}{{1,30}}){{0,2}}")
_WORD_AFTER = re.compile(r"[\s,:]{1,3}([^\W\d_][\w'’\u0300-\u036f-]{0,30})")
_WORD_BEFORE = re.compile(r"(?<![\w'’.\u0300-\u036f-])([^\W\d_][\w'’.\u0300-\u036f-]{0,30})[\s,]{1,3}$")
MAX_NAME_WORDS = 4

# -- names of private persons ------------------------------------------------------------------------------


@functools.cache
def _name_words(lexicons: tuple[Lexicon, ...]) -> tuple[frozenset[str], ...]:
    """Given names, titles, particles, non-name words and indefinite articles of every language.

    Names cross borders (a Karim in Ghent, a Sem in Cologne), so every language's lists apply to every report.
    """
    return (
        frozenset().union(*(lex.given_names for lex in lexicons)),
        frozenset().union(*(lex.titles for lex in lexicons)),
        frozenset().union(*(lex.name_particles for lex in lexicons)),
        frozenset().union(*(lex.not_names for lex in lexicons)),
        frozenset().union(*(lex.indefinite_articles for lex in lexicons)),
    )


@functools.cache
def _street_suffixes(lexicons: tuple[Lexicon, ...]) -> tuple[str, ...]:
    return tuple(sorted({fold_term(s) for lex in lexicons for s in lex.data["address"]["street_suffixes"]}))


@functools.cache
def _name_patterns(lexicons: tuple[Lexicon, ...]) -> re.Pattern[str]:
    """A run of capitalised words, with particles between them ("Tim de Vries")."""
    _, _, particles, _, _ = _name_words(lexicons)
    particle = literal_alternation(sorted(p for p in particles if p))
    capitalised = rf"[A-ZÀ-ÖØ-ÞĀ-ʯ]{_LETTER}{{0,30}}(?:['’-]{_LETTER}{{1,30}}){{0,2}}"
    gap = rf"\.?[ \t]{{1,2}}(?:(?i:{particle})[ \t]{{1,2}}){{0,3}}"
    return re.compile(rf"{capitalised}(?:{gap}{capitalised}){{0,{MAX_NAME_WORDS}}}")


@functools.lru_cache(maxsize=65536)
def _fold_token(word: str) -> str:
    return fold_term(word)


# Apostrophes and dashes as typed (they fold to "'" and "-"): a word boundary is not one of these.
_APOSTROPHES_DASHES = "'’ʼ`´′‐‑‒–—―−\\-"


_CAPITAL = "[A-ZÀ-ÖØ-ÞĀ-ʯ]"
# A capitalised word (the class is the one of the name runs). The pattern starts with the capital letter and
# checks the word boundary after it, so the regex engine skips from capital to capital in C.
_NAME_WORD = re.compile(rf"{_CAPITAL}(?<![\w{_APOSTROPHES_DASHES}].)[\w{_APOSTROPHES_DASHES}\u0300-\u036f]{{0,59}}")


@functools.lru_cache(maxsize=8)
def _starters(given: frozenset[str], titles: frozenset[str]) -> frozenset[str]:
    return given | titles


def _name_candidates(doc: Document, given: frozenset[str], titles: frozenset[str]) -> Iterator[int]:
    """Original positions where a name may start: a capitalised given name or title, or the capitalised word
    after a lower-case title ("la signora Ferraro", "mevrouw Jansen", "de heer Smit").

    Only capitalised words are looked at, which keeps long reports cheap: one scan in C lists them as
    strings, checked against the lists as a set, and positions are looked up only when one qualifies.
    """
    text = doc.text
    starters = _starters(given, titles)
    if not starters.isdisjoint(map(_fold_token, _NAME_WORD.findall(text))):
        for match in _NAME_WORD.finditer(text):
            if text[match.start()].isupper() and _fold_token(match.group()) in starters:
                yield match.start()
    # Lower-case titles come from the vocabulary scan, which has already read the report.
    for term in doc.vocabulary:
        if term.key != "pii.titles":
            continue
        start, end = doc.span(term.start, term.end)
        if text[start].isupper():
            continue
        after = _WORD_AFTER.match(text, end)
        if after is not None and after.group(1)[0].isupper():
            yield after.start(1)


def person_names(doc: Document) -> Iterator[Span]:
    """Private persons' names.

    A run of capitalised words is a name when it starts with a title ("Mrs Patel", "la signora Esposito"),
    or with a known given name followed by a surname ("Mark Thompson", "Tim de Vries"), or when a cue such
    as "it was", "heißt", "si chiama" introduces it. A run is never a name when it, or the word before it
    (skipping particles), or the word after it, is a place word: "rue Victor Hugo", "Victoria Station",
    "Saint-Michel", "Albert Heijn" (a shop), "lycée Jean Jaurès". Lower-case names are caught only after a
    cue word ("it was kevin").
    """
    text = doc.text
    lexicons = tuple(doc.lexicons.values())
    given, titles, particles, not_names, indefinite = _name_words(lexicons)
    suffixes = _street_suffixes(lexicons)
    run_pattern = _name_patterns(lexicons)
    cue_ends = {doc.folded.original_index(t.end) for t in doc.vocabulary if t.key == "pii.name_cues"}
    candidates: dict[int, bool] = dict.fromkeys(_name_candidates(doc, given, titles), False)
    for cue_end in cue_ends:
        after = _WORD_AFTER.match(text, cue_end)
        if after is None:
            continue
        word = after.group(1)
        if word[0].isupper():
            candidates[after.start(1)] = True
        elif fold_word(word) in given:
            # Lower-case given names are only trusted right after a cue: "it was kevin", "c'est karim".
            yield after.span(1)
    covered = -1
    for position in sorted(candidates):
        if position < covered:
            continue
        match = run_pattern.match(text, position)
        if match is None:
            continue
        covered = match.end()
        run = [m.span() for m in _CAPITALISED.finditer(text, match.start(), match.end())]
        folded = [fold_word(text[s:e]) for s, e in run]
        # "Tobias Krause vom Kiosk": a place word joined by a particle ends the name; one that starts the run
        # or follows its first word ("Albert Heijn", "Victoria Station") makes it a place.
        place = next((i for i, word in enumerate(folded) if word in not_names or is_street_word(word, suffixes)), None)
        if place is not None:
            joined_by_particle = place >= 2 and any(c.isalpha() for c in text[run[place - 1][1] : run[place][0]])
            if not joined_by_particle:
                continue
            run, folded = run[:place], folded[:place]
        if _place_context(text, run, not_names, particles):
            continue
        name = _name_in_run(text, run, folded, given, titles, indefinite)
        if name is None and len(run) >= 2 and candidates[position]:
            name = run
        if name and not _public(doc, name[0][0], name[-1][1]):
            yield name[0][0], name[-1][1]


# How far from a name a title of office or a venue word still makes it public ("the mayor, Jean Dupont").
OFFICE_REACH = 25
VENUE_REACH = 40


def _public(doc: Document, start: int, end: int) -> bool:
    """A name in public life rather than a private person's: a title of office just before or after it
    ("Bürgermeister Thomas Becker", "Marco Rossi, sindaco di…"), a shop or venue word before it with only a
    place preposition between ("shoplifting at John Lewis"), an article that persons do not take ("bij de Dirk van den
    Broek", "a la salida del Santiago Bernabéu"), or a shop or venue of the lexicons' ``public_names``."""
    text = doc.text
    for term in doc.vocabulary:
        if term.key == "pii.office_titles":
            term_start, term_end = doc.span(term.start, term.end)
            if 0 <= start - term_end <= OFFICE_REACH and not _SENTENCE_BREAK.search(text, term_end, start):
                return True
            if 0 <= term_start - end <= OFFICE_REACH and not _SENTENCE_BREAK.search(text, end, term_start):
                return True
        elif term.key == "pii.venue_words":
            # "shoplifting at John Lewis", not "the corner shop is Tyler Marsh" nor "Mrs Patel from the shop".
            term_end = doc.span(term.start, term.end)[1]
            if 0 <= start - term_end <= VENUE_REACH and _VENUE_GAP.fullmatch(text, term_end, start):
                return True
    articles = _venue_articles(tuple(doc.lexicons[lang] for lang in sorted(doc.languages)))
    before = _word_before(text, start)
    if before is not None and fold_word(before[0]) in articles and not text[before[1] + len(before[0]) : start].strip():
        return True
    name = fold_term(text[start:end])
    return any(known in name for known in _public_names(tuple(doc.lexicons.values())))


_SENTENCE_BREAK = re.compile(r"[.!?\n]")
# Between a venue word and the name: a place preposition and an article, in any of the six languages.
_VENUE_GAP = re.compile(
    r"[\s,]*(?:(?:at|in|outside|near|by|the|bij|voor|de|het|à|au|devant|le|la|bei|vor|im|am|dem|der|en|el|frente"
    r"|a|al|del|davanti|fuori|vicino|dal|nel|il|lo)[\s,]+){0,3}",
    re.IGNORECASE,
)


@functools.cache
def _venue_articles(lexicons: tuple[Lexicon, ...]) -> frozenset[str]:
    return frozenset(fold_term(word) for lex in lexicons for word in lex.data["pii"]["venue_articles"])


@functools.cache
def _public_names(lexicons: tuple[Lexicon, ...]) -> tuple[str, ...]:
    """Shops and venues named after people, of every lexicon: chains and stadiums cross borders."""
    return tuple(sorted({fold_term(name) for lex in lexicons for name in lex.data["pii"]["public_names"]}))


def _name_in_run(
    text: str,
    run: list[Span],
    folded: list[str],
    given: frozenset[str],
    titles: frozenset[str],
    indefinite: frozenset[str],
) -> list[Span] | None:
    """The part of a capitalised run that is a name: after a title, or from a given name on.

    The run may start with an unrelated capitalised word ("Yesterday Mark Thompson", "Nachbar Jonas
    Becker"), so every position is tried.
    """
    preceding = _word_before(text, run[0][0])
    if preceding is not None and fold_word(preceding[0]) in titles:
        article = _word_before(text, preceding[1])
        if article is None or fold_word(article[0]) not in indefinite:
            return run
    for index, word in enumerate(folded):
        if word in titles:
            rest = run[index + 1 :]
            article = _word_before(text, run[index][0])
            # "eine Frau Schmidt" is a title; "eine Frau mit Hund" is not, nor is "a Miss World".
            if rest and (article is None or fold_word(article[0]) not in indefinite):
                return rest
            return None
        if word in given and len(run) - index >= 2:
            return run[index:]
    return None



def _place_context(text: str, run: list[Span], not_names: frozenset[str], particles: frozenset[str]) -> bool:
    # Hyphenated to a place word: "Saint-Michel", "Sint-Niklaas".
    start = run[0][0]
    if start > 1 and text[start - 1] == "-":
        head = re.search(r"([^\W\d_]+)-$", text[max(0, start - 12) : start])
        if head is not None and fold_word(head.group(1)) in not_names:
            return True
    # The word before, skipping particles: "lycée Jean Jaurès", "rue du Général Leclerc", "piazza di Spagna".
    before = _word_before(text, start)
    for _ in range(3):
        if before is None:
            break
        word = fold_word(before[0])
        if word in not_names:
            return True
        if word not in particles:
            break
        before = _word_before(text, before[1])
    after = _WORD_AFTER.match(text, run[-1][1])
    return after is not None and fold_word(after.group(1)) in not_names


def _word_before(text: str, position: int) -> tuple[str, int] | None:
    """The word ending just before ``position`` (across spaces and commas) and where it starts."""
    match = _WORD_BEFORE.search(text, max(0, position - 34), position)
    if match is None:
        return None
    return match.group(1), match.start(1)

