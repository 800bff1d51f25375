"""The evasions and look-alikes of issue 15 and their variants (tests/moderation/cases/obfuscation.jsonl).

Spelled or split phone numbers, spelled e-mail addresses, look-alike and invisible characters, house numbers
in words, plates in lower case or split, indirect vigilantism and threats, leetspeak slurs; and harmless
reports with institutions' numbers, shops, stadiums and people in office. Tuning material, not a measure:
docs/moderation.md says which sets are.
"""

from __future__ import annotations

from typing import Any

import pytest

from moderation.engine import Draft, screen
from tests.moderation.labelled import CASES_DIR, case_id, cases_read, content_families

CASES = cases_read(CASES_DIR / "obfuscation.jsonl")
# A name written all in lower case with no cue word before it: the engine has no dictionary of surnames.
KNOWN_MISSES = {"its that kid ryan whitfield from the flats who does it"}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, marks=pytest.mark.xfail(strict=True)) if case["text"] in KNOWN_MISSES else case
        for case in CASES
    ],
    ids=[case_id(case, line) for line, case in enumerate(CASES, start=1)],
)
def test_it_sees_through_each_evasion_and_leaves_each_look_alike_alone(case: dict[str, Any]) -> None:
    families = content_families(screen(Draft(text=case["text"])))
    if case["expect"] == "flag":
        assert case["family"] in families
    else:
        assert families == set()
