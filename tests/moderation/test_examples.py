"""The product owner's labelled examples (shared/examples/moderation.jsonl), one test per line."""

from __future__ import annotations

from typing import Any

import pytest

from moderation.engine import Draft, screen
from tests.moderation.labelled import SHARED_EXAMPLES, case_id, cases_read, content_families

EXAMPLES = cases_read(SHARED_EXAMPLES)


@pytest.mark.skipif(not EXAMPLES, reason=f"no examples at {SHARED_EXAMPLES}")
@pytest.mark.parametrize(
    "case", EXAMPLES, ids=[case_id(case, line) for line, case in enumerate(EXAMPLES, start=1)] or None
)
def test_it_flags_each_flag_example_in_its_family_and_leaves_clean_ones_alone(case: dict[str, Any]) -> None:
    families = content_families(screen(Draft(text=case["text"])))
    if case["expect"] == "flag":
        assert case["family"] in families
    else:
        assert families == set()
