"""One report as the rules see it: folded once, scanned once per phrase layer, shared by every rule."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from moderation.normal_form import leet_folded
from moderation.rules.folding import Folded, fold
from moderation.rules.lexicon import Lexicon, content_matcher, descriptor_matcher, is_signal_key
from moderation.rules.phrase_matchers import PhraseMatch

Span = tuple[int, int]

# Quoted speech, in folded text where every kind of double quote is '"'. A single quote opens only after a
# space and closes only before a non-letter, so apostrophes ("I'll", "l'école") are not taken for quotes.
_QUOTED = re.compile(r"\"[^\"\n]{1,400}\"|(?<![\w'])'(?:[^'\n]|'(?=\w)){1,400}'(?!\w)")
_SENTENCE_END = re.compile(r"[.!?\n]")
# How far back a reported-speech cue ("he shouted", "er schrie") still covers what follows it.
REPORTED_SPEECH_REACH = 60


@dataclass(frozen=True, slots=True)
class Term:
    """A lexicon phrase found in the folded text, for one language and key."""

    start: int
    end: int
    key: str
    language: str


@dataclass(frozen=True, slots=True)
class Finding:
    """What a content rule found: a reason code and the original-text spans that triggered it."""

    code: str
    spans: tuple[Span, ...]


class Document:
    """A report's text prepared for the rules.

    ``languages`` are the lexicons whose phrases count: the detected language, the locale's, and all of
    them when detection was unsure. Phrase scans are lazy, so a rule family that needs no scan costs nothing.
    """

    def __init__(
        self,
        text: str,
        *,
        languages: Iterable[str],
        lexicons: Mapping[str, Lexicon],
        region: str | None,
        folded: Folded | None = None,
    ):
        self.text = text
        self.folded: Folded = fold(text) if folded is None else folded
        self.languages = frozenset(language for language in languages if language in lexicons)
        self.lexicons = lexicons
        self.region = region

    @property
    def lowered(self) -> str:
        return self.folded.folded

    def span(self, start: int, end: int) -> Span:
        """Original-text span of folded positions ``start:end``."""
        return self.folded.original_span(start, end)

    @cached_property
    def padded(self) -> str:
        """The folded text after one space, leetspeak undone inside words ("p1keys"): what the phrase layers
        scan (see ``PhraseMatcher``). Same length as the folded text, so positions are shared."""
        return " " + leet_folded(self.lowered)

    @cached_property
    def _content(self) -> tuple[list[Term], list[Term]]:
        terms = self._terms(lambda language: content_matcher(language).scan(self.padded))
        signals = [term for term in terms if is_signal_key(term.key)]
        vocabulary = [term for term in terms if not is_signal_key(term.key)]
        return signals, vocabulary

    @property
    def signals(self) -> list[Term]:
        return self._content[0]

    @property
    def vocabulary(self) -> list[Term]:
        return self._content[1]

    @cached_property
    def descriptors(self) -> list[Term]:
        return self._terms(lambda language: descriptor_matcher(language).scan(self.padded))

    def _terms(self, scan: Callable[[str], list[PhraseMatch]]) -> list[Term]:
        terms: list[Term] = []
        seen: set[tuple[int, int, str]] = set()
        for language in sorted(self.languages):
            for match in scan(language):
                for entry in match.entries:
                    if entry.capitalised and not self.text[self.folded.original_index(match.start)].isupper():
                        continue
                    marker = (match.start, match.end, entry.key)
                    if marker not in seen:
                        seen.add(marker)
                        terms.append(Term(match.start, match.end, entry.key, entry.language))
        terms.sort(key=lambda term: (term.start, term.end))
        return terms

    @cached_property
    def quoted(self) -> list[Span]:
        """Folded-text spans of quoted speech."""
        if '"' not in self.lowered and "'" not in self.lowered:
            return []
        return [match.span() for match in _QUOTED.finditer(self.lowered)]

    def is_quoted(self, start: int, end: int) -> bool:
        return any(q_start <= start and end <= q_end for q_start, q_end in self.quoted)

    def is_reported_speech(self, start: int, end: int) -> bool:
        """True when ``start:end`` is inside quotes or follows a reported-speech cue in the same sentence."""
        if self.is_quoted(start, end):
            return True
        for term in self.signals:
            if term.key != "reported_speech" or term.end > start or start - term.end > REPORTED_SPEECH_REACH:
                continue
            if _SENTENCE_END.search(self.lowered, term.end, start) is None:
                return True
        return False

    def terms(self, *keys: str, source: str = "vocabulary") -> list[Term]:
        pool = self.vocabulary if source == "vocabulary" else self.signals
        return [term for term in pool if term.key in keys]


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted spans with overlapping ones joined."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def findings_by_code(doc: Document, terms: Iterable[Term], code_of: Mapping[str, str] | None = None) -> list[Finding]:
    """Group terms into one finding per code, with original-text spans."""
    spans: dict[str, list[Span]] = {}
    for term in terms:
        code = code_of.get(term.key, term.key) if code_of else term.key
        spans.setdefault(code, []).append(doc.span(term.start, term.end))
    return [Finding(code, merge_spans(code_spans)) for code, code_spans in spans.items()]
