"""Significance tests for a change between two periods: is it more than random variation?"""

from __future__ import annotations

from scipy.stats import binomtest, fisher_exact

SIGNIFICANCE = 0.05


def count_change_p(current: float, previous: float, exposure_ratio: float = 1.0) -> float:
    """Two-sided p-value that two Poisson counts share one rate (conditional binomial test).

    `exposure_ratio` is current exposure / previous exposure (e.g. population now / then).
    3 → 5 gives p ≈ 0.73: within normal variation, not "+67%".
    """
    current, previous = round(current), round(previous)
    total = current + previous
    if total == 0:
        return 1.0
    share = exposure_ratio / (1.0 + exposure_ratio)
    return float(binomtest(current, total, share).pvalue)


def proportion_change_p(num_now: float, den_now: float, num_then: float, den_then: float) -> float:
    """Two-sided p-value (Fisher's exact test) that two proportions are the same."""
    table = [
        [round(num_now), round(den_now - num_now)],
        [round(num_then), round(den_then - num_then)],
    ]
    if min(min(row) for row in table) < 0 or not den_now or not den_then:
        return 1.0
    return float(fisher_exact(table).pvalue)


def proportion_interval(numerator: float, denominator: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as percentages."""
    result = binomtest(round(numerator), round(denominator)).proportion_ci(confidence, method="wilson")
    return result.low * 100.0, result.high * 100.0
