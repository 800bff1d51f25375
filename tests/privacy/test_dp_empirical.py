"""The count mechanism, measured: on neighbouring inputs its privacy loss stays under ε, and the same
measurement catches mechanisms that leak (the negative controls).

Method (privacy/dp_audit.py): draw the mechanism SAMPLES times on a cell count c and on c + 1 (one more
reporter), then for every output value and every tail, bound ln(P[S | c] / P[S | c+1]) from below with
Chernoff–KL binomial bounds, Bonferroni-corrected. With CONFIDENCE = 1 − 10⁻⁶ an ε-DP mechanism has at
most a one-in-a-million chance of showing a lower bound above ε; a leaking one shows it at once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from privacy.dp import count_shown, counts_release
from privacy.dp_audit import binomial_bounds, privacy_loss_estimate

EPSILON = Decimal("1")
SAMPLES = 100_000
CONFIDENCE = 1 - 1e-6
# Just under the display threshold, so the neighbour can cross it: where a leak would show.
COUNT = 4


@pytest.fixture(scope="module")
def draws() -> tuple[list[int], list[int]]:
    # Each coordinate of the vector is an independent draw of the same mechanism on the same count.
    return counts_release([COUNT] * SAMPLES, epsilon=EPSILON), counts_release([COUNT + 1] * SAMPLES, epsilon=EPSILON)


def test_the_noisy_count_loses_no_more_than_epsilon_on_neighbouring_counts(draws):
    estimate = privacy_loss_estimate(*draws, confidence=CONFIDENCE)
    assert estimate.epsilon_lower <= float(EPSILON), estimate
    # And the mechanism is not needlessly noisy: the discrete Laplace spends its ε on the tails exactly.
    assert 0.9 <= estimate.epsilon_hat <= 1.1, estimate


def test_what_is_shown_after_the_threshold_loses_no_more_than_epsilon(draws):
    shown = [[count_shown(n) for n in side] for side in draws]
    estimate = privacy_loss_estimate(*shown, confidence=CONFIDENCE)
    assert estimate.epsilon_lower <= float(EPSILON), estimate


def test_negative_control_thresholding_the_true_count_is_caught(draws):
    """The broken mechanism others ship: hide true counts under 5, add noise to the rest. Whether a
    number is shown at all then says whether the true count reached 5, whatever the noise."""

    def broken(true_count: int, noisy: int) -> str:
        return "<5" if true_count < 5 else count_shown(noisy)

    below, above = draws
    estimate = privacy_loss_estimate(
        [broken(COUNT, n) for n in below], [broken(COUNT + 1, n) for n in above], confidence=CONFIDENCE
    )
    assert estimate.epsilon_lower > 3 * float(EPSILON), estimate


def test_negative_control_half_the_noise_is_caught():
    too_little = Decimal(2) * EPSILON
    estimate = privacy_loss_estimate(
        counts_release([COUNT] * SAMPLES, epsilon=too_little),
        counts_release([COUNT + 1] * SAMPLES, epsilon=too_little),
        confidence=CONFIDENCE,
    )
    assert estimate.epsilon_lower > float(EPSILON), estimate


def test_the_binomial_bounds_hold_their_confidence():
    low, high = binomial_bounds(500, 1000, delta=1e-3)
    assert low < 0.5 < high and high - low < 0.13
    assert binomial_bounds(0, 1000, delta=1e-3)[0] == 0 and binomial_bounds(1000, 1000, delta=1e-3)[1] == 1
