"""No input can make the engine slow: every pattern is bounded, checked on the compiled expressions.

Benchmarks measure speed (benchmarks/moderation.py); these tests check structure, so they cannot be flaky.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import pytest

from moderation import language
from moderation.engine import Draft, screen
from moderation.language import SUPPORTED_LANGUAGES
from moderation.rules import document, folding, lexicon, phrases, pii, profiling
from moderation.rules.lexicon import content_matcher, descriptor_matcher, lexicons, signal_matcher, vocabulary_matcher

_SINGLE = {
    sre_constants.LITERAL,
    sre_constants.NOT_LITERAL,
    sre_constants.IN,
    sre_constants.ANY,
    sre_constants.CATEGORY,
}


def _unbounded_repeats_of_groups(parsed: sre_parse.SubPattern) -> Iterator[str]:
    """Unbounded repeats (*, +, {n,}) of anything but one character: the shapes that can backtrack."""
    for op, value in parsed.data:
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            _low, high, item = value
            if high == sre_constants.MAXREPEAT and not (len(item.data) == 1 and item.data[0][0] in _SINGLE):
                yield str(item)[:80]
            yield from _unbounded_repeats_of_groups(item)
        elif op == sre_constants.SUBPATTERN:
            yield from _unbounded_repeats_of_groups(value[-1])
        elif op == sre_constants.BRANCH:
            for branch in value[1]:
                yield from _unbounded_repeats_of_groups(branch)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            yield from _unbounded_repeats_of_groups(value[1])


def _module_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for module in (pii, profiling, document, phrases, language, lexicon, folding):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                yield f"{module.__name__}.{name}", value


def _lexicon_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    for code in SUPPORTED_LANGUAGES:
        content = content_matcher(code)
        yield f"{code} content", content.pattern
        if content.first_opaque is not None:
            yield f"{code} content recheck", content.first_opaque.pattern
        yield f"{code} signals", signal_matcher(code).pattern
        yield f"{code} vocabulary", vocabulary_matcher(code).pattern
        yield f"{code} descriptors", descriptor_matcher(code).pattern
        grammar = lexicons()[code].address
        for name in ("before", "after", "number_word", "not_after"):
            pattern = getattr(grammar, name)
            if pattern is not None:
                yield f"{code} address {name}", pattern


@pytest.mark.parametrize(("name", "pattern"), [*_module_patterns(), *_lexicon_patterns()], ids=lambda v: str(v)[:40])
def test_no_pattern_repeats_a_group_without_bound(name: str, pattern: re.Pattern[str]) -> None:
    assert list(_unbounded_repeats_of_groups(sre_parse.parse(pattern.pattern, pattern.flags))) == []


ADVERSARIAL = [
    "a" * 2000,
    "@" * 2000,
    "a@" * 1000,
    "1 " * 1000,
    "0" * 2000,
    "+" + "1-" * 999,
    "Mr " * 666,
    "Mark Thompson " * 142,
    "rue de la " * 200,
    "Straße " * 285,
    "'" * 2000,
    '"a' * 1000,
    "I will " * 285,
    "www." + "a." * 998,
    "AB-" * 666,
    "é" * 2000,
    "e\u0301" * 1000,
    ("call me on 0612345678 " * 100)[:2000],
    ("black guy " * 200)[:2000],
    "\x00a" * 1000,
    ("who's up for we'll find " * 100)[:2000],
    ("1a rue de la " * 200)[:2000],
    ("İstanbul Σ " * 200)[:2000],
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:12]))
def test_it_screens_pathological_2000_character_texts(text: str) -> None:
    screening = screen(Draft(text=text))
    assert screening.verdict in {"allow", "redact", "hold", "reject"}
    for hit in screening.hits:
        assert all(0 <= start < end <= len(text) for start, end in hit.spans)
