"""Which language a report is written in: offline, fast, from the lexicon files alone.

Each lexicon lists its language's stopwords and common report words (``detection.words``) and the
letters or letter groups typical of it (``detection.marks``: "ß", "ñ", "ij"...). A text scores one
point per word it shares with a language's lists, split between the languages that share the word ("de"
is French, Spanish and Dutch), and half a point per occurrence of a mark, split the same way. The best
language wins when it scores at least ``MIN_SCORE`` and leads the runner-up by ``MIN_LEAD``; otherwise
the text is too short or too mixed to tell by stopwords, and a second stage scores the text's character
trigrams against trigram frequencies learnt from the lexicon files themselves (explanations, phrases,
word lists: a few thousand words per language). When that is not decisive either
(``MIN_TRIGRAM_MARGIN``), the caller's fallback (the phone's locale) decides.

Why not a model or a library: reports are one or two sentences in six known languages, the answer must be
the same offline and on every machine, and an NGO adding a language should only have to add a file.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from moderation.rules.folding import fold_term
from moderation.rules.lexicon import available_languages, lexicons

SUPPORTED_LANGUAGES: tuple[str, ...] = available_languages()
DEFAULT_LANGUAGE = "en"
MIN_SCORE = 2.0
MIN_LEAD = 1.5
# The first couple of sentences decide; scoring a whole 2,000-character report adds time, not accuracy.
DETECTION_PREFIX = 320
# A first look at fewer characters decides when its lead is EARLY_FACTOR times as clear as needed.
EARLY_PREFIX = 160
EARLY_FACTOR = 2.0
MARK_WEIGHT = 0.5

# Log-likelihood lead (natural log) the best language needs over the runner-up in the trigram stage: e^8
# is about 3,000 to one. Measured on the labelled cases, correct answers lead by 5 to 60.
MIN_TRIGRAM_MARGIN = 8.0
TRIGRAM_PREFIX = 300

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NARROW_WORD = re.compile(r"[a-z\xdf-\u024f]+(?:'[a-z\xdf-\u024f]+)?")
_LETTERS = re.compile(r"[^\W\d_]+")


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


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


@functools.cache
def _trigram_models() -> dict[str, tuple[dict[str, float], float]]:
    """Per language: log-probability of each character trigram of its lexicon's words, and of an unseen one."""
    models: dict[str, tuple[dict[str, float], float]] = {}
    for language, lexicon in lexicons().items():
        data = lexicon.data
        counts: Counter[str] = Counter()
        sources = [data["explanations"], data["detection"], data["rules"], data["profiling"], data["classes"]]
        for text in _strings([*sources, data["reported_speech"], data["address"]["street_types"]]):
            for word in _LETTERS.findall(fold_term(text)):
                padded = f" {word} "
                counts.update(padded[i : i + 3] for i in range(len(padded) - 2))
        # Add-one smoothing over the seen trigrams plus room for unseen ones.
        total = sum(counts.values()) + len(counts) + 1000
        models[language] = ({tri: math.log((n + 1) / total) for tri, n in counts.items()}, math.log(1 / total))
    return models


def _trigram_guess(folded: str) -> tuple[str | None, float]:
    words = _LETTERS.findall(folded[:TRIGRAM_PREFIX])
    if not words:
        return None, 0.0
    trigrams = [padded[i : i + 3] for word in words for padded in (f" {word} ",) for i in range(len(padded) - 2)]
    scores = {
        language: sum(model.get(tri, unseen) for tri in trigrams)
        for language, (model, unseen) in _trigram_models().items()
    }
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    margin = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else math.inf
    return ranked[0][0], margin


_MarkPoints = tuple[tuple[str, tuple[float, ...]], ...]


@functools.cache
def _score_tables() -> tuple[re.Pattern[str], dict[str, tuple[float, ...]], tuple[_MarkPoints, _MarkPoints]]:
    """Precomputed once: the word pattern, and the points per supported language of each word and mark
    (the ASCII marks, and all of them).

    Points are vectors in ``SUPPORTED_LANGUAGES`` order, so a text's scores are column sums done in C.
    """
    words, letters = _indexes()
    index = {language: i for i, language in enumerate(SUPPORTED_LANGUAGES)}

    def vector(languages: tuple[str, ...], weight: float) -> tuple[float, ...]:
        points = [0.0] * len(SUPPORTED_LANGUAGES)
        for language in languages:
            points[index[language]] = weight / len(languages)
        return tuple(points)

    # Detection words are folded, so nearly always plain letters: a narrow class scans faster than [^\W\d_].
    narrow = all(_NARROW_WORD.fullmatch(word) for word in words)
    return (
        _NARROW_WORD if narrow else _WORD,
        {word: vector(languages, 1.0) for word, languages in words.items()},
        (
            tuple((mark, vector(languages, MARK_WEIGHT)) for mark, languages in letters.items() if mark.isascii()),
            tuple((mark, vector(languages, MARK_WEIGHT)) for mark, languages in letters.items()),
        ),
    )


def _totals(text: str, folded: str, limit: int) -> list[float]:
    """Points per supported language (in ``SUPPORTED_LANGUAGES`` order) for the first ``limit`` characters."""
    word_pattern, word_points, mark_points = _score_tables()
    words = word_pattern.findall(folded, 0, limit)
    vectors = [points for points in map(word_points.get, words) if points is not None]
    for word in words if "'" in folded[:limit] else ():
        # "l'école", "dell'auto": the elided article is the evidence.
        if "'" in word and word not in word_points:
            points = word_points.get(word.split("'", 1)[0] + "'")
            if points is not None:
                vectors.append(points)
    sample = text[:limit]
    lowered = sample.lower()
    # Most marks are accented letters, which an ASCII text cannot hold.
    for mark, points in mark_points[0] if sample.isascii() else mark_points[1]:
        count = lowered.count(mark)
        if count:
            vectors.extend([points] * count)
    return [sum(column) for column in zip(*vectors, strict=True)] if vectors else [0.0] * len(SUPPORTED_LANGUAGES)


def _ranked(totals: list[float]) -> tuple[int, float, float]:
    """Index and score of the best language, and the runner-up's score. A stable sort of the alphabetical
    languages by score: ties go to the first language alphabetically."""
    ranked = sorted(range(len(totals)), key=lambda i: -totals[i])
    return ranked[0], totals[ranked[0]], totals[ranked[1]] if len(ranked) > 1 else 0.0


def language_guess(text: str, *, folded: str | None = None) -> LanguageGuess:
    """Scores of every supported language for ``text``, and whether the best one is a confident answer.

    ``folded`` is ``text`` already folded (``moderation.rules.folding``), when the caller has it.
    """
    folded_text = fold_term(text[: max(DETECTION_PREFIX, TRIGRAM_PREFIX)]) if folded is None else folded
    # Most reports say which language they are in within a sentence: when the first EARLY_PREFIX characters
    # already give a lead twice as clear as needed, the rest of the prefix cannot change the answer in
    # practice (measured: no disagreement on ~3,700 labelled and benchmark texts), so it is not read.
    totals = _totals(text, folded_text, EARLY_PREFIX)
    best, best_score, runner_up = _ranked(totals)
    strong = best_score >= EARLY_FACTOR * MIN_SCORE and best_score >= EARLY_FACTOR * MIN_LEAD * runner_up
    if not strong and len(text) > EARLY_PREFIX:
        totals = _totals(text, folded_text, DETECTION_PREFIX)
        best, best_score, runner_up = _ranked(totals)
    scores = dict(zip(SUPPORTED_LANGUAGES, totals, strict=True))
    if best_score >= MIN_SCORE and best_score >= MIN_LEAD * runner_up:
        return LanguageGuess(SUPPORTED_LANGUAGES[best], True, scores)
    # Too few stopwords to tell: the trigram stage decides, if it is decisive.
    trigram_best, margin = _trigram_guess(folded_text)
    if trigram_best is not None and margin >= MIN_TRIGRAM_MARGIN:
        return LanguageGuess(trigram_best, True, scores)
    return LanguageGuess(SUPPORTED_LANGUAGES[best] if best_score > 0 else trigram_best, False, scores)


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
