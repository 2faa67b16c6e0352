"""Significance tests for a change between two periods, allowing for the over-dispersion real
series show, and 95% intervals for a single figure. scipy is imported by the functions that use it,
so that importing this module (and the command line's start) stays cheap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from cspdash.periods import Quarter

if TYPE_CHECKING:
    import pandas as pd

SIGNIFICANCE = 0.05
MIN_YEAR_ON_YEAR_PAIRS = 4  # fewer same-period pairs than this: successive periods are consulted too


def count_dispersion(counts: Sequence[float]) -> float:
    """How much more a count series varies than pure Poisson counts would (1 = Poisson).

    Estimated from successive differences, which a slow trend or a level change barely moves:
    for Poisson counts with mean m, (x[t] - x[t-1])² averages 2m. Never below 1. It understates
    the variation a year-on-year change is subject to (seasonality, a year's drift), so the change
    test uses it only as a floor while a series has few year-on-year pairs
    (`year_on_year_dispersion`).
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


@dataclass(frozen=True)
class YearOnYearDispersion:
    """How much more a series' year-on-year changes vary than chance alone (1 = pure Poisson or
    binomial sampling), and how many year-on-year pairs of its own history that was judged from."""

    value: float
    pairs: int

    @property
    def few_pairs(self) -> bool:
        """Too few pairs to rely on alone: successive periods were consulted as well."""
        return self.pairs < MIN_YEAR_ON_YEAR_PAIRS


@cache
def period_days(quarter: Quarter, months: int = 3) -> int:
    """Days in the 3 months of a quarter, or in the 12 months ending with it (`months` = 12)."""
    first = quarter.shift(-(months // 3 - 1)).start if months > 3 else quarter.start
    return (quarter.end - first).days + 1


def year_on_year_pairs(
    quarters: Sequence[Quarter], months: Sequence[int], breaks: Sequence[date] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (now, then) of each period in a series and of the same period a year earlier.

    A pair is left out when a declared break (a lockdown, a new recording rule) falls between the
    start of the earlier period and the end of the later one: a change across a break is not the
    series' ordinary year-on-year variation, and would inflate it.
    """
    keys = [(q.fy * 4 + q.q, int(m)) for q, m in zip(quarters, months, strict=True)]
    where = {key: i for i, key in enumerate(keys)}
    # a break starting in quarter k (partway through it, or at its start) falls between the start
    # of a span of quarters first…last and its end when first < k (or first = k, partway) ≤ last
    cuts = [(c.fy * 4 + c.q, b > c.start) for b in breaks for c in [Quarter.containing(b)]]
    now, then = [], []
    for i, (index, m) in enumerate(keys):
        j = where.get((index - 4, m))
        if j is None:
            continue
        first = index - 4 - (m // 3 - 1)
        if any((first < k or (first == k and partway)) and k <= index for k, partway in cuts):
            continue
        now.append(i)
        then.append(j)
    return np.asarray(now, dtype=int), np.asarray(then, dtype=int)


def count_pair_pearson(now: Sequence[float], then: Sequence[float], exposure_ratio: Sequence[float]) -> np.ndarray:
    """Each year-on-year pair's Pearson χ² against one rate for the pair (NaN where the pair carries
    no information): (x − n·s)² / (n·s·(1 − s)), n = x + y, s = e / (1 + e) the current period's
    share of the exposure; (x − y)² / (x + y) for periods of equal length."""
    x, y, e = (np.asarray(v, dtype=float) for v in (now, then, exposure_ratio))
    n = x + y
    share = e / (1.0 + e)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = (x - n * share) ** 2 / (n * share * (1.0 - share))
    return np.where((n > 0) & np.isfinite(pearson), pearson, np.nan)


def proportion_pair_pearson(
    num_now: Sequence[float], den_now: Sequence[float], num_then: Sequence[float], den_then: Sequence[float]
) -> np.ndarray:
    """Each year-on-year pair's Pearson χ² against one proportion for the pair (the 2×2 table's):
    (p₁ − p₂)² / (p̄(1 − p̄)(1/d₁ + 1/d₂)); NaN where the pair carries no information."""
    a, b, c, d = (np.asarray(v, dtype=float) for v in (num_now, den_now, num_then, den_then))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (a + c) / (b + d)
        pearson = (a / b - c / d) ** 2 / (pooled * (1.0 - pooled) * (1.0 / b + 1.0 / d))
    informative = (b > 0) & (d > 0) & (pooled > 0) & (pooled < 1) & np.isfinite(pearson)
    return np.where(informative, pearson, np.nan)


def year_on_year_dispersion(series: pd.DataFrame, unit: str, breaks: Sequence[date] = ()) -> YearOnYearDispersion:
    """Over-dispersion of a series' year-on-year changes, from its own same-period pairs.

    `series` is a quarterly (or rolling 12-month) series as `cspdash.trends` makes it: columns
    quarter, months, value, numerator, denominator, suppressed; `unit` is the indicator's (count,
    rate or percent); `breaks` are the starts of its declared breaks.

    Each pair of a period and the same period a year earlier is fitted with one rate (counts,
    with each period's days, and population for a rate) or one proportion (percentages), and the
    dispersion is the mean Pearson χ² per pair (a quasi-Poisson or quasi-binomial fit with one
    mean per pair: one degree of freedom each), never below 1. Same-quarter pairs hold the
    seasonality and a year's drift that a year-on-year change is subject to, which successive
    quarters understate (on the MPS borough file before COVID the median estimate is about twice the
    successive-quarter one), and which made the test call too many changes significant.

    Suppressed or missing periods are left out, and so are pairs a declared break (a lockdown, a new
    recording rule) falls between: such a pair is a change of regime, not the series' ordinary
    variation, and would inflate the estimate for years (on the MPS file to November 2023, the
    eight lockdown pairs triple Westminster's all-crime estimate). The change being judged is still
    tested if it spans a break; its pair just does not feed the estimate. The series includes the
    period being judged, whose own pair counts, as in a quasi-Poisson fit (leaving it out makes
    short histories call too many changes).
    With fewer than MIN_YEAR_ON_YEAR_PAIRS pairs the estimate is too unsteady to use alone, and the
    larger of it and the successive-period estimate (`count_dispersion`, `proportion_dispersion`)
    is used; `YearOnYearDispersion.few_pairs` says so, and the change's text says it.
    """
    shown = ~series["suppressed"].to_numpy(bool)
    quarters = [q for q, keep in zip(series["quarter"].tolist(), shown.tolist(), strict=True) if keep]
    months = series["months"].to_numpy(int)[shown]

    def column(name: str) -> np.ndarray:
        values = series[name].to_numpy()[shown]
        if values.dtype == object:
            values = np.asarray([np.nan if v is None else v for v in values], dtype=float)
        return values.astype(float)

    now, then = year_on_year_pairs(quarters, months, breaks)
    if unit == "percent":
        numerator, denominator = column("numerator"), column("denominator")
        pearson = proportion_pair_pearson(numerator[now], denominator[now], numerator[then], denominator[then])
        successive = lambda: proportion_dispersion(numerator, denominator)  # noqa: E731
    else:
        counts = column("value" if unit == "count" else "numerator")
        days = np.asarray([period_days(q, m) for q, m in zip(quarters, months, strict=True)], dtype=float)
        exposure = days
        if unit == "rate":
            population = column("denominator")
            exposure = days * np.where(np.isnan(population), 1.0, population)
        pearson = count_pair_pearson(counts[now], counts[then], exposure[now] / exposure[then])
        successive = lambda: count_dispersion(counts)  # noqa: E731
    pearson = pearson[~np.isnan(pearson)]
    pairs = len(pearson)
    value = float(pearson.mean()) if pairs else 1.0
    if pairs < MIN_YEAR_ON_YEAR_PAIRS:
        value = max(value, successive())
    return YearOnYearDispersion(max(1.0, value), pairs)


def count_change_p(current: float, previous: float, exposure_ratio: float = 1.0, dispersion: float = 1.0) -> float:
    """Two-sided p-value that two counts share one rate (conditional binomial test).

    `exposure_ratio` is current exposure / previous exposure (days, or population × days).
    `dispersion` (≥ 1) scales the counts down to the information they really carry (quasi-Poisson):
    3 → 5 gives p ≈ 0.73; 2,600 → 2,400 gives p ≈ 0.005 as Poisson but p ≈ 0.3 at dispersion 20.
    """
    scale = max(dispersion, 1.0)
    current, previous = round(current / scale), round(previous / scale)
    total = current + previous
    if total == 0:
        return 1.0
    return _binomial_two_sided(current, total, exposure_ratio / (1.0 + exposure_ratio))


def _binomial_two_sided(k: int, n: int, share: float) -> float:
    """Exact two-sided binomial p-value, as scipy's `binomtest` gives it (the outcomes no likelier
    than k, to a relative 1e-7), from one vectorised pmf: several times faster than `binomtest`,
    which matters when a board tests hundreds of changes."""
    from scipy.stats import binom

    if k == share * n:
        return 1.0
    pmf = binom.pmf(np.arange(n + 1), n, share)
    return float(min(1.0, pmf[pmf <= pmf[k] * (1 + 1e-7)].sum()))


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
