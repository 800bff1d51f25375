"""Which language a report is written in: offline, fast, from the lexicon files alone.

Each lexicon lists its language's stopwords and common report words (``detection.words``) and the letters
or letter groups typical of it (``detection.marks``: "ß", "ñ", "ij"...). A text scores one point per word
it shares with a language's lists, split between the languages that share the word ("de" is French,
Spanish and Dutch), and half a point per occurrence of a mark, split the same way. The best language wins when it scores at least
``MIN_SCORE`` and leads the runner-up by ``MIN_LEAD``; otherwise the text is too short or too mixed to
tell, and the caller's fallback (the phone's locale) decides.

Why not a model or a library: reports are one or two sentences in six known languages, the answer must be
the same offline and on every machine, and an NGO adding a language should only have to add a file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from moderation.rules.folding import fold_term
from moderation.rules.lexicon import available_languages, lexicons

SUPPORTED_LANGUAGES: tuple[str, ...] = available_languages()
DEFAULT_LANGUAGE = "en"
MIN_SCORE = 2.0
MIN_LEAD = 1.5
# The first couple of sentences decide; scoring a whole 2,000-character report adds time, not accuracy.
DETECTION_PREFIX = 600
MARK_WEIGHT = 0.5

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str | None  # best-scoring language, None when no word or letter matched at all
    confident: bool
    scores: Mapping[str, float]


@functools.cache
def _indexes() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    words: dict[str, set[str]] = {}
    letters: dict[str, set[str]] = {}
    for language, lexicon in lexicons().items():
        for word in lexicon.stopwords | lexicon.detection_words:
            words.setdefault(word, set()).add(language)
        for mark in lexicon.marks:
            letters.setdefault(mark, set()).add(language)
    return (
        {word: tuple(sorted(langs)) for word, langs in words.items()},
        {letter: tuple(sorted(langs)) for letter, langs in letters.items()},
    )


def language_guess(text: str) -> LanguageGuess:
    """Scores of every supported language for ``text``, and whether the best one is a confident answer."""
    word_index, letter_index = _indexes()
    sample = text[:DETECTION_PREFIX]
    scores: dict[str, float] = dict.fromkeys(SUPPORTED_LANGUAGES, 0.0)
    for word in _WORD.findall(fold_term(sample)):
        languages = word_index.get(word)
        if languages is None and "'" in word:
            # "l'école", "dell'auto": the elided article is the evidence.
            languages = word_index.get(word.split("'", 1)[0] + "'")
        if languages:
            share = 1.0 / len(languages)
            for language in languages:
                scores[language] += share
    lowered = sample.lower()
    for mark, languages in letter_index.items():
        count = lowered.count(mark)
        if count:
            share = MARK_WEIGHT * count / len(languages)
            for language in languages:
                scores[language] += share
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score <= 0:
        return LanguageGuess(None, False, scores)
    confident = best_score >= MIN_SCORE and best_score >= MIN_LEAD * runner_up
    return LanguageGuess(best, confident, scores)


def detect_language(text: str, *, fallback: str | None = None) -> str:
    """The language of ``text`` among ``SUPPORTED_LANGUAGES``.

    When the text is inconclusive, ``fallback`` (a language or a locale such as "nl-BE") is used if
    supported; failing that the best guess, and failing that English.
    """
    guess = language_guess(text)
    if guess.confident and guess.language is not None:
        return guess.language
    base = base_language(fallback)
    if base in SUPPORTED_LANGUAGES:
        return base
    return guess.language or DEFAULT_LANGUAGE


def base_language(locale: str | None) -> str | None:
    """ "nl-BE" -> "nl", "pt_BR" -> "pt"; None for an empty locale."""
    if not locale:
        return None
    return locale.replace("_", "-").split("-")[0].strip().lower() or None


def locale_region(locale: str | None) -> str | None:
    """ "nl-BE" -> "BE"; None when the locale names no region."""
    if not locale:
        return None
    parts = locale.replace("_", "-").split("-")
    region = parts[-1].upper() if len(parts) > 1 else ""
    return region if len(region) == 2 and region.isalpha() else None
