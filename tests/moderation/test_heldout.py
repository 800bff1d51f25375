"""Lantern's own held-out cases (tests/moderation/cases/heldout.jsonl), written before the lexicons.

They are not tuning material: when one fails, fix the rule or lexicon in a way that generalises (a class
of phrases, a grammar shape), never by adding the case's exact words. See docs/moderation.md.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from moderation.engine import Draft, screen
from moderation.language import SUPPORTED_LANGUAGES
from tests.moderation.labelled import HELDOUT, case_id, cases_read, content_families

HELDOUT_CASES = cases_read(HELDOUT)
FAMILIES = ("pii", "vigilantism", "threat", "hate", "profiling")


@pytest.mark.parametrize("case", HELDOUT_CASES, ids=[case_id(c, n) for n, c in enumerate(HELDOUT_CASES, start=1)])
def test_it_flags_each_heldout_flag_case_in_its_family_and_leaves_clean_ones_alone(case: dict[str, Any]) -> None:
    families = content_families(screen(Draft(text=case["text"])))
    if case["expect"] == "flag":
        assert case["family"] in families
    else:
        assert families == set()


def test_the_heldout_set_has_every_family_and_tricky_clean_texts_in_every_language() -> None:
    per_language = Counter(case["lang"] for case in HELDOUT_CASES)
    assert set(per_language) == set(SUPPORTED_LANGUAGES)
    assert min(per_language.values()) >= 25
    for language in SUPPORTED_LANGUAGES:
        cases = [case for case in HELDOUT_CASES if case["lang"] == language]
        assert {case["family"] for case in cases if case["expect"] == "flag"} == set(FAMILIES)
        assert sum(case["expect"] == "clean" for case in cases) >= 7
