"""The moderation transparency report's figures: their fixed layout, and the document made from noisy values.

Every figure is a count of reports received in the month, per district: received, held for review,
rejected (by one rule family each), appeals upheld, and decisions by how long a moderator took. The layout
is fixed before any report is read (every district of the service area, every family, every band, zeros
included), so which rows exist says nothing about the reports. One report adds at most one to each of
its five kinds of figure: the vector's L1 sensitivity is ``SENSITIVITY``. The shown values and the median
band are computed from the noisy counts only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from privacy import dp

# Counts below this are shown as "<10": a small count reads like "a few people" even when it is noisy.
THRESHOLD = 10
SENSITIVITY = 5
# The rule families of the reason-code contract, "moderator" for a moderator's own reasons, and "other"
# for any family a later rule set adds, so that the layout never depends on the data.
FAMILIES = ("pii", "vigilantism", "threat", "hate", "profiling", "trust", "flood", "rate", "moderator", "other")
# Time from the case opening to a moderator's first decision, in minutes: (code, upper bound).
BANDS: tuple[tuple[str, float], ...] = (
    ("under_1h", 60), ("1h_to_4h", 240), ("4h_to_24h", 1440), ("1d_to_3d", 4320), ("over_3d", float("inf")),
)
FIGURES = ("received", "held", *(f"rejected.{f}" for f in FAMILIES), "appeals_upheld", *(f"band.{b}" for b, _ in BANDS))
NO_DISTRICT = ""


class Contribution(Protocol):
    district: str | None
    held: bool
    rejected_family: str | None
    appeal_upheld: bool
    decision_minutes: float | None


def band_of(minutes: float) -> str:
    return next(code for code, upper in BANDS if minutes < upper)


def true_counts(contributions: Sequence[Contribution], *, districts: Sequence[str]) -> list[int]:
    """The true figures as one vector: ``len(districts) + 1`` rows (the last for reports in no district
    of the service area) of ``len(FIGURES)`` counts each."""
    rows = {name: i for i, name in enumerate(districts)}
    width = len(FIGURES)
    position = {figure: i for i, figure in enumerate(FIGURES)}
    counts = [0] * ((len(districts) + 1) * width)
    for one in contributions:
        base = rows.get(one.district or NO_DISTRICT, len(districts)) * width
        counts[base + position["received"]] += 1
        counts[base + position["held"]] += one.held
        if one.rejected_family is not None:
            family = one.rejected_family if one.rejected_family in FAMILIES else "other"
            counts[base + position[f"rejected.{family}"]] += 1
        counts[base + position["appeals_upheld"]] += one.appeal_upheld
        if one.decision_minutes is not None:
            counts[base + position[f"band.{band_of(one.decision_minutes)}"]] += 1
    return counts


def _shown(noisy: int) -> int | str:
    text = dp.count_shown(noisy, threshold=THRESHOLD)
    return int(text) if text.isdigit() else text


def _median_band(noisy_bands: list[int]) -> str | None:
    # Post-processing of the noisy band counts: negative noise cannot make a band count below zero.
    counts = [max(0, n) for n in noisy_bands]
    total = sum(counts)
    if total < THRESHOLD:
        return None
    seen = 0
    for (code, _upper), count in zip(BANDS, counts, strict=True):
        seen += count
        if seen * 2 >= total:
            return code
    return BANDS[-1][0]


@dataclass(frozen=True)
class Document:
    body: bytes
    content_hash: str
    noisy: dict[str, Any]


def document_build(
    *, month: date, districts: Sequence[str], noisy_counts: Sequence[int], epsilon: Decimal, published_at: datetime,
) -> Document:
    """The JSON served for the month, byte for byte, from the noisy counts."""
    width = len(FIGURES)
    rows, noisy = [], {}
    for i, name in enumerate([*districts, NO_DISTRICT]):
        values = dict(zip(FIGURES, noisy_counts[i * width:(i + 1) * width], strict=True))
        noisy[name] = values
        bands = [values[f"band.{code}"] for code, _upper in BANDS]
        rows.append({
            "district": name or None,
            "received": _shown(values["received"]),
            "held": _shown(values["held"]),
            "rejected": {family: _shown(values[f"rejected.{family}"]) for family in FAMILIES},
            "appeals_upheld": _shown(values["appeals_upheld"]),
            "decisions_by_time": {code: _shown(values[f"band.{code}"]) for code, _upper in BANDS},
            "median_time_to_decision": _median_band(bands),
        })
    document = {
        "month": f"{month:%Y-%m}",
        "published_at": published_at.isoformat(),
        "epsilon": str(epsilon),
        "threshold": THRESHOLD,
        "districts": rows,
    }
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Document(body=body, content_hash=hashlib.sha256(body).hexdigest(), noisy=noisy)
