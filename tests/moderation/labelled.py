"""Labelled report texts for the moderation tests: the shared examples and Lantern's own held-out set.

Each case is ``{"lang", "expect": "flag"|"clean", "family", "text"}``. A ``flag`` case must get at least one
content hit of its ``family`` (a ``pii`` case a ``pii.*`` hit); a ``clean`` case must get no content hit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from moderation.engine import Screening
from moderation.rules.reasons import CONTENT_PREFIXES

CASES_DIR = Path(__file__).resolve().parent / "cases"
HELDOUT = CASES_DIR / "heldout.jsonl"
# shared/ sits beside the main repository (in CI too); the examples are the product owner's, not ours.
SHARED_EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples" / "moderation.jsonl"


def cases_read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def content_families(screening: Screening) -> set[str]:
    return {hit.code.split(".")[0] for hit in screening.hits if hit.code.startswith(CONTENT_PREFIXES)}


def case_id(case: dict[str, Any], line: int) -> str:
    return f"{line:02d}-{case['lang']}-{case['expect']}-{case['family'] or 'clean'}"
