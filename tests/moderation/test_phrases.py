"""The phrase machinery: one scan for two layers, and folding, give the same answers as the plain way."""

from __future__ import annotations

import random
import re

import pytest

from moderation.language import SUPPORTED_LANGUAGES
from moderation.rules.folding import _FOLD_TABLE, fold
from moderation.rules.lexicon import content_matcher, lexicons, signal_matcher, vocabulary_matcher
from tests.moderation.labelled import HELDOUT, SHARED_EXAMPLES, cases_read


def _word_soup(language: str, count: int, seed: int) -> list[str]:
    """Texts made of the lexicon's own words in random order: phrases start everywhere and overlap."""
    data = lexicons()[language].data
    words: list[str] = []
    for phrases in [*data["rules"].values(), data["reported_speech"], *data["classes"].values()]:
        for phrase in phrases:
            words.extend(w for w in re.findall(r"[^\s{}~#?!^*]+", phrase))
    rng = random.Random(seed)
    endings = ["", ".", " 12 euros", "!"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(3, 30))) + rng.choice(endings) for _ in range(count)]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_one_scan_reports_what_the_signal_and_vocabulary_layers_report_on_their_own(language: str) -> None:
    texts = _word_soup(language, 150, seed=7) + [c["text"] for c in cases_read(HELDOUT) + cases_read(SHARED_EXAMPLES)]
    for text in texts:
        folded = fold(text).folded
        scanned = content_matcher(language).scan(" " + folded)
        together = {(m.start, m.end, e.key, e.phrase) for m in scanned for e in m.entries}
        apart = {
            (m.start, m.end, e.key, e.phrase)
            for matcher in (signal_matcher(language), vocabulary_matcher(language))
            for m in matcher.find(folded)
            for e in m.entries
        }
        assert together == apart, text


def test_folding_a_whole_text_gives_what_folding_each_character_gives() -> None:
    rng = random.Random(3)
    alphabet = "abcXYZ `'’«»—éÉèÀÇçßẞñÑİıŁłøØæÆœŒ\u0301\u0308ﬁ½ÿŸΣσςЖж中 .,!?\n0123"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        expected = "".join(_FOLD_TABLE[ord(char)] for char in text)
        folded = fold(text)
        assert folded.folded == expected
        # Positions map back: each folded character comes from the original character it points at.
        for index, char in enumerate(folded.folded):
            assert _FOLD_TABLE[ord(text[folded.original_index(index)])] == char
