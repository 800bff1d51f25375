"""An empirical check of a mechanism's privacy loss on two neighbouring inputs.

ε-differential privacy promises that for every set of outputs S, P[M(D) ∈ S] ≤ e^ε · P[M(D') ∈ S]
for neighbours D, D'. Sampling both sides many times estimates those probabilities. For each event (each
output value seen, and each tail "output ≥ t" / "output ≤ t" when outputs are numbers) and each
direction, a one-sided binomial bound gives a *lower* confidence bound on ln(P[S|D] / P[S|D']):

    ε_lower = ln( lower bound of P[S|D]  /  upper bound of P[S|D'] )

If the mechanism is ε-DP, the chance that any event's ε_lower exceeds ε is at most 1 − confidence
(the bounds are Bonferroni-corrected over every event and direction). So ``ε_lower > ε`` is evidence,
at that confidence, that the mechanism leaks more than ε; ``ε_lower ≤ ε`` means the samples are
consistent with the guarantee. The point estimate ``epsilon_hat`` (events seen at least ``min_count``
times on both sides) says how tight the mechanism is.

The binomial bounds are Chernoff bounds in relative-entropy form: valid for any sample size, with no
normal approximation. Pure Python, no randomness of its own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LossEstimate:
    epsilon_hat: float  # point estimate of the largest |ln ratio| over well-observed events
    epsilon_lower: float  # lower confidence bound of the largest loss over all events
    confidence: float
    worst_event: str
    events: int
    samples: int  # per side


def _kl(p: float, q: float) -> float:
    """Relative entropy of Bernoulli(p) from Bernoulli(q)."""
    total = 0.0
    if p > 0:
        total += p * math.log(p / q)
    if p < 1:
        total += (1 - p) * math.log((1 - p) / (1 - q))
    return total


def binomial_bounds(successes: int, trials: int, *, delta: float) -> tuple[float, float]:
    """(lower, upper) such that each side fails with probability at most ``delta`` (Chernoff–KL)."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError("need 0 <= successes <= trials and trials > 0")
    p_hat = successes / trials
    budget = math.log(1 / delta) / trials

    def solve(low: float, high: float, upper: bool) -> float:
        for _ in range(100):
            middle = (low + high) / 2
            inside = _kl(p_hat, middle) <= budget
            if upper:
                low, high = (middle, high) if inside else (low, middle)
            else:
                low, high = (low, middle) if inside else (middle, high)
        return high if upper else low

    lower = 0.0 if successes == 0 else solve(0.0, p_hat, upper=False)
    upper = 1.0 if successes == trials else solve(p_hat, 1.0, upper=True)
    return lower, upper


def _events(outputs: Sequence[Hashable]) -> list[tuple[str, frozenset[Hashable] | tuple[str, float]]]:
    values = sorted(set(outputs), key=repr)
    events: list[tuple[str, frozenset[Hashable] | tuple[str, float]]] = [
        (f"= {value!r}", frozenset([value])) for value in values
    ]
    numbers = sorted({value for value in values if isinstance(value, int | float) and not isinstance(value, bool)})
    for threshold in numbers:
        events.append((f">= {threshold}", (">=", threshold)))
        events.append((f"<= {threshold}", ("<=", threshold)))
    return events


def _count(counter: Counter[Hashable], event: frozenset[Hashable] | tuple[str, float]) -> int:
    if isinstance(event, frozenset):
        return sum(counter[value] for value in event)
    operator, threshold = event
    return sum(
        n for value, n in counter.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
        and (value >= threshold if operator == ">=" else value <= threshold)
    )


def privacy_loss_estimate(
    outputs_d: Sequence[Hashable], outputs_neighbour: Sequence[Hashable], *, confidence: float = 0.999,
    min_count: int = 1000,
) -> LossEstimate:
    """Estimate the privacy loss between samples of M(D) and M(D'), as described above."""
    if len(outputs_d) != len(outputs_neighbour) or not outputs_d:
        raise ValueError("both sides need the same, non-zero number of samples")
    trials = len(outputs_d)
    counts_d, counts_n = Counter(outputs_d), Counter(outputs_neighbour)
    events = _events([*counts_d, *counts_n])
    # Two bounds per event and direction; Bonferroni over all of them.
    delta = (1 - confidence) / (4 * len(events))
    epsilon_hat, epsilon_lower, worst = 0.0, -math.inf, ""
    for name, event in events:
        a, b = _count(counts_d, event), _count(counts_n, event)
        if min(a, b) >= min_count:
            epsilon_hat = max(epsilon_hat, abs(math.log(a / b)))
        a_low, a_high = binomial_bounds(a, trials, delta=delta)
        b_low, b_high = binomial_bounds(b, trials, delta=delta)
        for top, bottom, label in ((a_low, b_high, "D/D'"), (b_low, a_high, "D'/D")):
            if top <= 0:
                continue
            bound = math.log(top / bottom)
            if bound > epsilon_lower:
                epsilon_lower, worst = bound, f"P[{name}] {label}"
    return LossEstimate(
        epsilon_hat=epsilon_hat, epsilon_lower=max(epsilon_lower, 0.0), confidence=confidence,
        worst_event=worst, events=len(events), samples=trials,
    )
