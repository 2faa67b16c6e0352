"""Confidence intervals as public-health analysts compute them: the conventions of OHID/UKHSA
Fingertips and the PHEindicatormethods R package (Wilson score for proportions, exact Poisson below
10 events and Byar's approximation from 10 for counts and rates), and Fingertips' comparison of a
value with a benchmark at 95% and 99.8%.

scipy is imported inside the functions that need it, so importing this module stays cheap."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

EXACT = "exact Poisson"
BYAR = "Byar"
WILSON = "Wilson score"
EXACT_BELOW = 10  # Fingertips: exact Poisson intervals for fewer than 10 events, Byar's from 10

POLARITIES = ("high is good", "low is good", "neutral")


@dataclass(frozen=True)
class Interval:
    """A confidence interval and the method that gave it (e.g. 'exact Poisson', 'Byar')."""

    low: float
    high: float
    method: str


@cache
def z_value(level: float = 0.95) -> float:
    """The two-sided normal quantile: 1.959964 for 95%, 3.090232 for 99.8% (worked out once a level:
    a funnel asks for it at every point)."""
    from scipy.stats import norm

    _check_level(level)
    return float(norm.ppf(0.5 + level / 2))


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"a confidence level is between 0 and 1 (e.g. 0.95), not {level}")


def _check_count(count: float) -> None:
    if count is None or math.isnan(count) or count < 0:
        raise ValueError(f"a count must be zero or more, not {count}")


def wilson_interval(numerator: float, denominator: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion, on the 0–1 scale (PHEindicatormethods' wilson_lower
    and wilson_upper): (2x + z² ∓ z√(z² + 4x(1 − x/n))) / 2(n + z²)."""
    _check_count(numerator)
    if not denominator or denominator < 0 or math.isnan(denominator):
        raise ValueError(f"a proportion needs a denominator above zero, not {denominator}")
    if numerator > denominator:
        raise ValueError(f"the numerator ({numerator:g}) exceeds the denominator ({denominator:g})")
    x, n, z = numerator, denominator, z_value(level)
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / 2 / (n + z * z), (2 * x + z * z + root) / 2 / (n + z * z)


def byar_interval(count: float, level: float = 0.95) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson interval for a count (PHEindicatormethods'
    byars_lower and byars_upper): x(1 − 1/9x − z/3√x)³ and (x+1)(1 − 1/9(x+1) + z/3√(x+1))³.
    The lower bound is 0 for no events (Byar's formula is undefined there)."""
    _check_count(count)
    z = z_value(level)
    low = 0.0 if count == 0 else count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    x1 = count + 1
    high = x1 * (1 - 1 / (9 * x1) + z / (3 * math.sqrt(x1))) ** 3
    return max(0.0, low), high


def exact_poisson_interval(count: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) Poisson interval for a count: χ²(α/2; 2x)/2 to χ²(1 − α/2; 2x + 2)/2."""
    from scipy.stats import chi2

    _check_count(count)
    _check_level(level)
    alpha = 1 - level
    low = 0.0 if count == 0 else float(chi2.ppf(alpha / 2, 2 * count)) / 2
    return low, float(chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2


def count_interval(count: float, level: float = 0.95) -> Interval:
    """The interval Fingertips uses for a count: exact Poisson below 10 events, Byar's from 10."""
    if count is not None and not math.isnan(count) and count < EXACT_BELOW:
        return Interval(*exact_poisson_interval(count, level), EXACT)
    return Interval(*byar_interval(count, level), BYAR)


def rate_interval(count: float, denominator: float, multiplier: float = 100_000.0, level: float = 0.95) -> Interval:
    """A crude rate's interval (count ÷ denominator × multiplier), from `count_interval` scaled to
    the rate, as PHEindicatormethods' phe_rate does."""
    if not denominator or denominator < 0 or math.isnan(denominator):
        raise ValueError(f"a rate needs a denominator above zero, not {denominator}")
    counts = count_interval(count, level)
    scale = multiplier / denominator
    return Interval(counts.low * scale, counts.high * scale, counts.method)


def proportion_interval(numerator: float, denominator: float, multiplier: float = 1.0, level: float = 0.95) -> Interval:
    """A proportion's Wilson score interval, times `multiplier` (100 for a percentage)."""
    low, high = wilson_interval(numerator, denominator, level)
    return Interval(low * multiplier, high * multiplier, WILSON)


def _compare_one(interval: tuple[float, float], benchmark: float, polarity: str) -> str:
    low, high = interval
    if low > benchmark:
        side = "higher"
    elif high < benchmark:
        side = "lower"
    else:
        return "similar"
    if polarity == "neutral":
        return side
    return "better" if (side == "higher") == (polarity == "high is good") else "worse"


def compare_to_benchmark(
    value_interval_95: tuple[float, float],
    value_interval_998: tuple[float, float],
    benchmark: float,
    polarity: str = "high is good",
) -> dict[str, str]:
    """Fingertips' comparison with a benchmark value: a value is significantly different when its
    interval excludes the benchmark. Returns {'95': ..., '99.8': ...}, each 'better', 'similar' or
    'worse' ('higher', 'similar' or 'lower' when the polarity is 'neutral').

    `polarity`: 'high is good', 'low is good' or 'neutral'. An interval is a (low, high) pair or
    an `Interval`."""
    if polarity not in POLARITIES:
        raise ValueError(f"polarity is one of {', '.join(POLARITIES)}, not '{polarity}'")
    pairs = [(i.low, i.high) if isinstance(i, Interval) else tuple(i) for i in (value_interval_95, value_interval_998)]
    return {"95": _compare_one(pairs[0], benchmark, polarity), "99.8": _compare_one(pairs[1], benchmark, polarity)}
