"""Differential privacy for the insecurity maps: pure functions, no Django, no ``random``.

The unit of privacy is a reporter (a device). Neighbouring data sets differ by everything one reporter
sent in a month. Before any of these functions run, the caller has bounded each reporter's contribution
to one report per layer and month, so that one reporter moves exactly one count of a layer's vector by
one (L1 sensitivity 1) and one clamped perception sum by at most ``PERCEPTION_SENSITIVITY``.

Noise is OpenDP's discrete Laplace (the two-sided geometric mechanism): exact integer sampling from
OpenDP's own cryptographically seeded generator, whose privacy maps are proven in OpenDP's proof
documents. Every function here draws fresh noise; the caller stores what it draws and never asks twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

import opendp.prelude as dp

# ε is a policy quantity: written by people, added up in a ledger. Decimals keep 0.1 + 0.2 == 0.3.
EPSILON_MAX = Decimal("10")
CAP_MAX = Decimal("100")
EPSILON_PLACES = Decimal("0.001")
# Perception scores are 1..5; the sum is kept centred on 3 so that one reporter moves it by at most 2.
PERCEPTION_MIN, PERCEPTION_MAX, PERCEPTION_CENTRE = 1, 5, 3
PERCEPTION_SENSITIVITY = max(PERCEPTION_MAX - PERCEPTION_CENTRE, PERCEPTION_CENTRE - PERCEPTION_MIN)
SUPPRESSED = "<{threshold}"
# OpenDP computes the privacy map in floating point; this is the slack allowed against the planned ε.
_MAP_TOLERANCE = 1e-9


class PrivacyError(ValueError):
    """A request that would break the privacy guarantee; nothing was drawn."""


class PrivacyBudgetExceeded(PrivacyError):
    def __init__(self, *, requested: Decimal, spent: Decimal, cap: Decimal) -> None:
        super().__init__(f"ε {requested} would bring the month to {spent + requested}, over the cap of {cap}")
        self.requested, self.spent, self.cap = requested, spent, cap


# --- ε as a quantity -------------------------------------------------------------------------------


def epsilon_parse(value: str | int | float | Decimal, *, maximum: Decimal = EPSILON_MAX) -> Decimal:
    """A validated ε: positive, finite, at most ``maximum``, rounded to thousandths."""
    try:
        epsilon = Decimal(str(value)).quantize(EPSILON_PLACES, rounding=ROUND_HALF_EVEN)
    except (InvalidOperation, ValueError) as exc:
        raise PrivacyError(f"ε must be a number, not {value!r}") from exc
    if not epsilon.is_finite() or epsilon <= 0 or epsilon > maximum:
        raise PrivacyError(f"ε must be above 0 and at most {maximum}, not {value!r}")
    return epsilon


@dataclass(frozen=True)
class EpsilonSplit:
    """How one layer's ε is divided between its counts and its perception sum (sequential composition)."""

    counts: Decimal
    perception: Decimal

    @property
    def total(self) -> Decimal:
        return self.counts + self.perception


def epsilon_split(epsilon: Decimal, *, perception_share: Decimal | str = "0") -> EpsilonSplit:
    """Split ``epsilon`` so that the two parts add up to exactly ``epsilon``; share 0 means no perception."""
    share = Decimal(str(perception_share))
    if not Decimal(0) <= share < 1:
        raise PrivacyError(f"the perception share must be in [0, 1), not {perception_share!r}")
    perception = (epsilon * share).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
    return EpsilonSplit(counts=epsilon - perception, perception=perception)


# --- the mechanisms --------------------------------------------------------------------------------


@cache
def _discrete_laplace(scale: float) -> dp.Measurement:
    dp.enable_features("contrib")
    # i64 so that sums never saturate; make_laplace over an integer domain samples the discrete Laplace.
    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")
    return dp.m.make_laplace(*space, scale=scale)


def _release(values: Sequence[int], *, epsilon: Decimal, sensitivity: int) -> list[int]:
    if sensitivity < 1:
        raise PrivacyError("the sensitivity must be at least 1")
    planned = float(epsilon)
    measurement = _discrete_laplace(sensitivity / planned)
    # Ask OpenDP, not our own arithmetic, what this measurement costs for this sensitivity.
    realised = measurement.map(sensitivity)
    if realised > planned * (1 + _MAP_TOLERANCE):
        raise PrivacyError(f"OpenDP's privacy map gives ε={realised}, more than the planned {planned}")
    if not values:
        return []
    return [int(value) for value in measurement([int(value) for value in values])]


def counts_release(counts: Sequence[int], *, epsilon: Decimal) -> list[int]:
    """Noisy counts, discrete Laplace of scale 1/ε each, for a vector in which every reporter adds at
    most one to one count. Zeros are noised like any other count: which cells are empty stays private."""
    return _release(counts, epsilon=epsilon, sensitivity=1)


def bounded_sums_release(sums: Sequence[int], *, epsilon: Decimal, sensitivity: int) -> list[int]:
    """Noisy sums, discrete Laplace of scale sensitivity/ε, for a vector in which every reporter moves
    one sum by at most ``sensitivity`` (the caller clamped each value)."""
    return _release(sums, epsilon=epsilon, sensitivity=sensitivity)


# --- what a reporter puts into a sum, and what comes out ----------------------------------------------


def perception_centred(score: int | None) -> int:
    """One reporter's term of a cell's perception sum: the score clamped to 1..5, minus 3.

    A report without a score counts as neutral (0), so it still adds to the count that divides the sum.
    """
    if score is None:
        return 0
    return min(max(int(score), PERCEPTION_MIN), PERCEPTION_MAX) - PERCEPTION_CENTRE


def perception_mean(*, noisy_sum: int, noisy_count: int, min_count: int) -> float | None:
    """Mean perception from a noisy centred sum and a noisy count: post-processing only.

    Below ``min_count`` (a noisy count, never a true one) the ratio is mostly noise, so it is withheld.
    """
    if noisy_count < min_count:
        return None
    mean = PERCEPTION_CENTRE + noisy_sum / noisy_count
    return round(min(max(mean, PERCEPTION_MIN), PERCEPTION_MAX), 1)


def count_shown(noisy_count: int, *, threshold: int = 5) -> str:
    """What the public sees of a noisy count: the number, or ``<5`` when the *noisy* count is below the
    threshold. Thresholding the true count instead would make "shown or not" a non-private function of
    the data (see tests/privacy/test_dp_empirical.py, the negative control)."""
    if noisy_count < threshold:
        return SUPPRESSED.format(threshold=threshold)
    return str(noisy_count)


# --- the ledger ------------------------------------------------------------------------------------


def ledger_remaining(*, cap: Decimal, spent: Iterable[Decimal]) -> Decimal:
    """Budget left in a month. Under sequential composition a reporter who could appear in every release
    of the month has lost the sum of their ε."""
    return cap - sum(spent, Decimal(0))


def ledger_charge(*, cap: Decimal, spent: Iterable[Decimal], epsilon: Decimal) -> Decimal:
    """The month's new total after spending ``epsilon``; refuses a spend that would pass the cap."""
    already = sum(spent, Decimal(0))
    if epsilon <= 0:
        raise PrivacyError("a spend must be positive")
    if already + epsilon > cap:
        raise PrivacyBudgetExceeded(requested=epsilon, spent=already, cap=cap)
    return already + epsilon
