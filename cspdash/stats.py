"""Significance tests for a change between two periods, allowing for the over-dispersion real
series show, and 95% intervals for a single figure. scipy is imported by the functions that use it,
so that importing this module (and the command line's start) stays cheap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SIGNIFICANCE = 0.05


def count_dispersion(counts: Sequence[float]) -> float:
    """How much more a count series varies than pure Poisson counts would (1 = Poisson).

    Estimated from successive differences, which a slow trend or a level change barely moves:
    for Poisson counts with mean m, (x[t] - x[t-1])² averages 2m. Never below 1.
    """
    x = np.asarray([c for c in counts if c is not None and not np.isnan(c)], dtype=float)
    if len(x) < 4 or x.mean() <= 0:
        return 1.0
    return max(1.0, float(np.mean(np.diff(x) ** 2) / (2.0 * x.mean())))


def proportion_dispersion(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The same for proportions: successive differences against their binomial variance."""
    pairs = [(n, d) for n, d in zip(numerators, denominators, strict=True) if d and not np.isnan(n) and not np.isnan(d)]
    if len(pairs) < 4:
        return 1.0
    num, den = (np.asarray(v, dtype=float) for v in zip(*pairs, strict=True))
    overall = num.sum() / den.sum()
    if overall <= 0 or overall >= 1:
        return 1.0
    p = num / den
    expected = overall * (1 - overall) * (1 / den[1:] + 1 / den[:-1])
    return max(1.0, float(np.mean((np.diff(p) ** 2) / expected)))


def count_change_p(current: float, previous: float, exposure_ratio: float = 1.0, dispersion: float = 1.0) -> float:
    """Two-sided p-value that two counts share one rate (conditional binomial test).

    `exposure_ratio` is current exposure / previous exposure (days, or population × days).
    `dispersion` (≥ 1) scales the counts down to the information they really carry (quasi-Poisson):
    3 → 5 gives p ≈ 0.73; 2,600 → 2,400 gives p ≈ 0.005 as Poisson but p ≈ 0.3 at dispersion 20.
    """
    from scipy.stats import binomtest

    scale = max(dispersion, 1.0)
    current, previous = round(current / scale), round(previous / scale)
    total = current + previous
    if total == 0:
        return 1.0
    share = exposure_ratio / (1.0 + exposure_ratio)
    return float(binomtest(current, total, share).pvalue)


def proportion_change_p(
    num_now: float, den_now: float, num_then: float, den_then: float, dispersion: float = 1.0
) -> float:
    """Two-sided p-value (Fisher's exact test) that two proportions are the same; cells are
    scaled down by `dispersion` when the history varies more than binomial sampling explains."""
    from scipy.stats import fisher_exact

    scale = max(dispersion, 1.0)
    table = [
        [round(num_now / scale), round((den_now - num_now) / scale)],
        [round(num_then / scale), round((den_then - num_then) / scale)],
    ]
    if min(min(row) for row in table) < 0 or not den_now or not den_then:
        return 1.0
    return float(fisher_exact(table).pvalue)


def proportion_interval(numerator: float, denominator: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as percentages."""
    from scipy.stats import binomtest

    result = binomtest(round(numerator), round(denominator)).proportion_ci(confidence, method="wilson")
    return result.low * 100.0, result.high * 100.0


def count_interval(count: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) Poisson interval for a count."""
    from scipy.stats import chi2

    alpha = 1 - confidence
    k = round(count)
    low = 0.0 if k == 0 else chi2.ppf(alpha / 2, 2 * k) / 2
    high = chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return float(low), float(high)
