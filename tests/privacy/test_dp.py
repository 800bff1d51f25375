"""The privacy maths of the maps, one rule at a time."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from privacy import dp


def test_counts_under_the_threshold_are_shown_as_under_five_whatever_their_sign():
    assert [dp.count_shown(n) for n in (-3, 0, 4, 5, 17)] == ["<5", "<5", "<5", "5", "17"]
    assert dp.count_shown(9, threshold=10) == "<10"


def test_a_layers_epsilon_is_split_exactly_between_counts_and_perception():
    split = dp.epsilon_split(Decimal("1"), perception_share="0.25")
    assert (split.counts, split.perception, split.total) == (Decimal("0.75"), Decimal("0.25"), Decimal("1"))
    assert dp.epsilon_split(Decimal("0.7"), perception_share="0.3").total == Decimal("0.7")
    assert dp.epsilon_split(Decimal("1")).perception == 0
    with pytest.raises(dp.PrivacyError):
        dp.epsilon_split(Decimal("1"), perception_share="1")


@pytest.mark.parametrize("value", ["0", "-0.5", "10.001", "inf", "nan", "one", ""])
def test_an_impossible_epsilon_is_refused(value):
    with pytest.raises(dp.PrivacyError):
        dp.epsilon_parse(value)


def test_epsilons_add_up_exactly_in_the_ledger():
    spent = [dp.epsilon_parse("0.1"), dp.epsilon_parse("0.2")]
    assert dp.ledger_remaining(cap=Decimal("0.3"), spent=spent) == 0
    assert dp.ledger_charge(cap=Decimal("4"), spent=[Decimal("1"), Decimal("2")], epsilon=Decimal("1")) == 4
    with pytest.raises(dp.PrivacyBudgetExceeded) as refused:
        dp.ledger_charge(cap=Decimal("4"), spent=[Decimal("3")], epsilon=Decimal("1.001"))
    assert refused.value.spent == 3 and refused.value.cap == 4


def test_a_perception_moves_its_sum_by_at_most_the_declared_sensitivity():
    terms = [dp.perception_centred(score) for score in (None, -7, 0, 1, 2, 3, 4, 5, 99)]
    assert terms == [0, -2, -2, -2, -1, 0, 1, 2, 2]
    assert max(abs(term) for term in terms) == dp.PERCEPTION_SENSITIVITY


def test_a_mean_comes_only_from_a_large_enough_noisy_count_and_stays_on_the_scale():
    assert dp.perception_mean(noisy_sum=10, noisy_count=19, min_count=20) is None
    assert dp.perception_mean(noisy_sum=10, noisy_count=20, min_count=20) == 3.5
    assert dp.perception_mean(noisy_sum=500, noisy_count=20, min_count=20) == 5
    assert dp.perception_mean(noisy_sum=-500, noisy_count=20, min_count=20) == 1


def test_opendp_confirms_the_privacy_cost_of_each_mechanism():
    counts = dp._discrete_laplace(1 / 0.5)
    assert counts.map(1) == pytest.approx(0.5)
    sums = dp._discrete_laplace(dp.PERCEPTION_SENSITIVITY / 0.25)
    assert sums.map(dp.PERCEPTION_SENSITIVITY) == pytest.approx(0.25)


def test_noise_is_integer_and_every_count_gets_some():
    noisy = dp.counts_release([0] * 2000, epsilon=Decimal("1"))
    assert all(isinstance(n, int) for n in noisy)
    assert any(n != 0 for n in noisy) and any(n < 0 for n in noisy), "zeros are noised too, negatives included"
    assert dp.counts_release([], epsilon=Decimal("1")) == []


def test_the_discrete_laplace_has_the_variance_of_its_scale():
    # Var = 2·e^(−1/b)/(1 − e^(−1/b))² for scale b; with b = 1, about 1.841. With 20 000 draws the sample
    # variance has a standard error of about 0.03 and the mean about 0.01: both bounds are over 5 of them.
    noisy = dp.counts_release([0] * 20_000, epsilon=Decimal("1"))
    mean = sum(noisy) / len(noisy)
    variance = sum((n - mean) ** 2 for n in noisy) / len(noisy)
    assert abs(mean) < 0.06
    assert abs(variance - 1.841) < 0.15


def test_the_privacy_modules_use_no_seedable_randomness():
    for path in Path(dp.__file__).parent.glob("dp*.py"):
        tree = ast.parse(path.read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not imported & {"random", "numpy", "django"}, path.name
