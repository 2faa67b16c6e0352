"""Funnel plots for comparing areas (e.g. boroughs) with the pooled rate or proportion of them all.

Control limits, at 95% and 99.8%, as a function of the denominator:

* without over-dispersion, the limits of PHEindicatormethods' Funnels.R (Fingertips): for rates,
  exact Poisson limits — at a population N with expected count E = target × N, the upper limit is
  the rate whose exact lower confidence bound is E, the lower limit the rate whose exact upper
  bound is E; for proportions, the same inversion of the Wilson score interval (`sigma_adjustment`);
* with over-dispersion, Spiegelhalter's additive random-effects limits (Spiegelhalter 2005,
  "Handling over-dispersion of performance indicators", as in FunnelPlotR): z-scores on a variance-
  stabilising scale (square root of observed/expected for rates, arcsine square root for
  proportions, s = 1/(2√E) or 1/(2√n)), Winsorised at the 10th and 90th percentiles, φ = mean(z²),
  τ² = max(0, (nφ − (n − 1)) / (Σw − Σw²/Σw)) with w = 1/s², and limits target ± z√(s² + τ²) on that
  scale, transformed back (for rates, squared back: FunnelPlotR's square-root "CQC" limits omit
  that step, nhs-r-community/FunnelPlotR issue #33). As in FunnelPlotR, when left to decide, the
  limits are widened when φ > 1.

scipy is imported inside the functions that use it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cspdash.intervals import z_value

LEVELS = {"95": 0.95, "998": 0.998}
TRIM = 0.1  # Winsorise at the 10th and 90th percentiles (FunnelPlotR's default trim_by)
BANDS = ("above 99.8%", "above 95%", "within", "below 95%", "below 99.8%")
KEYS = ("lower95", "upper95", "lower998", "upper998")


@dataclass(frozen=True)
class FunnelPoint:
    """One area: its numerator and denominator, its value on the display scale (rate × multiplier,
    or a proportion × 100 when in percent), its z-score on the transformed scale (allowing for
    over-dispersion when the limits do), the limits at its denominator and where it falls."""

    name: str
    numerator: float
    denominator: float
    value: float
    z: float
    lower95: float
    upper95: float
    lower998: float
    upper998: float
    band: str


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: the target (pooled value, display scale), each area, the dispersion ratio φ
    (Winsorised), the between-area variance τ² used for the limits (0 when not widened), and a
    sentence saying which limits these are."""

    kind: str  # "rate" | "proportion"
    target: float
    multiplier: float
    points: tuple[FunnelPoint, ...]
    phi: float
    tau2: float
    adjusted: bool
    method: str

    def curve(self, denominators: Sequence[float]) -> dict[str, list[float]]:
        """The limits at the given denominators, for drawing: lower95, upper95, lower998, upper998."""
        limits = _limits(self.kind, self.target / self.multiplier, denominators, self.adjusted, self.tau2)
        return {key: [float(v) * self.multiplier for v in values] for key, values in limits.items()}


# ---- limits without over-dispersion (PHEindicatormethods' Funnels.R) ---------------------------


def _solve_count(expected: float, bound, start: float) -> float:
    """The (continuous) count whose exact bound `bound(count)` equals `expected`; `bound` rises."""
    from scipy.optimize import brentq

    high = max(start, 1.0)
    while bound(high) < expected:
        high *= 2
    return brentq(lambda x: bound(x) - expected, 0.0, high, xtol=1e-12, rtol=1e-12, maxiter=500)


def poisson_limits(target: float, denominator: float, level: float) -> tuple[float, float]:
    """Exact Poisson funnel limits (on the rate scale, per 1) at a denominator for a target rate.

    Upper: O/N where the exact lower bound of O (χ²(α/2; 2O)/2) equals E = target × N; lower: O/N
    where the exact upper bound (χ²(1 − α/2; 2O + 2)/2) equals E, or 0 if even no events would
    have an upper bound above E. At whole counts this is PHEindicatormethods' `poisson_funnel`."""
    from scipy.special import gammaincinv

    expected = target * denominator
    if expected <= 0:
        return 0.0, 0.0
    alpha = 1 - level
    start = expected + 10 * math.sqrt(expected) + 20

    def lower_bound(o: float) -> float:  # exact lower bound of a count o; 0 at o = 0
        return 0.0 if o <= 0 else float(gammaincinv(o, alpha / 2))

    def upper_bound(o: float) -> float:
        return float(gammaincinv(o + 1, 1 - alpha / 2))

    upper = _solve_count(expected, lower_bound, start)
    lower = 0.0 if upper_bound(0.0) >= expected else _solve_count(expected, upper_bound, start)
    return lower / denominator, upper / denominator


def wilson_limits(target: float, denominator: float, level: float) -> tuple[float, float]:
    """Funnel limits (0–1 scale) for a target proportion: the proportions whose Wilson score
    interval just reaches the target (PHEindicatormethods' `sigma_adjustment`), within 0 to 1."""
    z2 = z_value(level) ** 2
    p, n = target, denominator
    first = p * (n / z2 + 1)
    root = (-8 * p * (n / z2 + 1)) ** 2 - 64 * (1 / z2 + 1 / n) * p * (n * (p * (n / z2 + 2) - 1) + z2 * (p - 1))
    adj = math.sqrt(max(0.0, root))
    last = 1 / z2 + 1 / n
    low, high = (first - adj / 8) / last / n, (first + adj / 8) / last / n
    return max(0.0, low), min(1.0, high)


# ---- over-dispersion (Spiegelhalter 2005; FunnelPlotR) ------------------------------------------


def _transformed(kind: str, target: float, numerators: np.ndarray, denominators: np.ndarray):
    """(Y − target) and s on the variance-stabilising scale, per area."""
    if kind == "rate":
        expected = target * denominators
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.where(expected > 0, np.sqrt(numerators / expected), 1.0)
            s = np.where(expected > 0, 1 / (2 * np.sqrt(expected)), np.inf)
        return y - 1.0, s
    y = np.arcsin(np.sqrt(numerators / denominators))
    return y - math.asin(math.sqrt(target)), 1 / (2 * np.sqrt(denominators))


def winsorise(z: np.ndarray, trim: float = TRIM) -> np.ndarray:
    """z-scores below the `trim` quantile (R's default, type 7) set to it; above 1 − trim likewise."""
    low, high = np.quantile(z, trim), np.quantile(z, 1 - trim)
    return np.clip(z, low, high)


def dispersion(z: np.ndarray, s: np.ndarray, trim: float = TRIM) -> tuple[float, float]:
    """φ (mean of the squared Winsorised z-scores) and the additive τ², as FunnelPlotR's phi_func
    and tau_func: τ² = max(0, (nφ − (n − 1)) / (Σw − Σw²/Σw)), w = 1/s²; 0 when nφ < n − 1."""
    n = len(z)
    if n == 0:
        return 0.0, 0.0
    phi = float(np.mean(winsorise(z, trim) ** 2))
    w = 1 / s**2
    if n < 2 or n * phi < n - 1 or not w.sum() > 0:
        return phi, 0.0
    spread = w.sum() - (w**2).sum() / w.sum()
    if not spread > 0:
        return phi, 0.0
    return phi, max(0.0, float((n * phi - (n - 1)) / spread))


def _spiegelhalter(kind: str, target: float, denominator: float, level: float, tau2: float) -> tuple[float, float]:
    z = z_value(level)
    if kind == "rate":
        expected = target * denominator
        if expected <= 0:
            return 0.0, 0.0
        width = z * math.sqrt(1 / (4 * expected) + tau2)
        return target * max(0.0, 1 - width) ** 2, target * (1 + width) ** 2
    width = z * math.sqrt(1 / (4 * denominator) + tau2)
    centre = math.asin(math.sqrt(target))
    return (
        math.sin(max(0.0, centre - width)) ** 2,
        math.sin(min(math.pi / 2, centre + width)) ** 2,
    )


def _limits(kind: str, target: float, denominators: Sequence[float], adjusted: bool, tau2: float):
    """Limits (per 1, not the display scale) at each denominator."""
    out: dict[str, list[float]] = {key: [] for key in KEYS}
    for denominator in denominators:
        denominator = float(denominator)
        if not denominator > 0:
            raise ValueError(f"a denominator must be above zero, not {denominator:g}")
        for tag, level in LEVELS.items():
            if adjusted:
                low, high = _spiegelhalter(kind, target, denominator, level, tau2)
            elif kind == "rate":
                low, high = poisson_limits(target, denominator, level)
            else:
                low, high = wilson_limits(target, denominator, level)
            out[f"lower{tag}"].append(low)
            out[f"upper{tag}"].append(high)
    return out


def _band(value: float, lower95: float, upper95: float, lower998: float, upper998: float) -> str:
    if value > upper998:
        return BANDS[0]
    if value > upper95:
        return BANDS[1]
    if value < lower998:
        return BANDS[4]
    if value < lower95:
        return BANDS[3]
    return BANDS[2]


def _inputs(names, numerators, denominators, kind: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    names = [str(n) for n in names]
    num = np.asarray(numerators, dtype=float)
    den = np.asarray(denominators, dtype=float)
    if not len(names) == len(num) == len(den):
        raise ValueError("names, numerators and denominators must be the same length")
    if len(names) == 0:
        raise ValueError("a funnel needs at least one area")
    if np.isnan(num).any() or np.isnan(den).any():
        raise ValueError("every area needs a numerator and a denominator (leave out suppressed areas)")
    if (num < 0).any():
        raise ValueError("a count cannot be negative")
    if not (den > 0).all():
        raise ValueError("every denominator must be above zero")
    if kind == "proportion" and (num > den).any():
        raise ValueError("a numerator cannot exceed its denominator")
    return names, num, den


def _build(kind, names, numerators, denominators, multiplier, overdispersion, what) -> Funnel:
    names, num, den = _inputs(names, numerators, denominators, kind)
    target = float(num.sum() / den.sum())
    deviation, s = _transformed(kind, target, num, den)
    z = np.where(np.isfinite(s), deviation / s, 0.0)
    phi, tau2 = dispersion(z, s) if len(z) > 1 else (float(np.mean(z**2)), 0.0)
    adjusted = overdispersion if overdispersion is not None else phi > 1
    if not adjusted:
        tau2 = 0.0
    exact = "Exact Poisson" if kind == "rate" else "Wilson score"
    if adjusted:
        method = (
            f"Limits widened for over-dispersion (Spiegelhalter's additive random-effects method, "
            f"10% Winsorised; φ = {phi:.2f}, τ² = {tau2:.3g}) around the pooled {what}."
        )
    elif overdispersion is False and phi > 1:
        method = (
            f"{exact} limits around the pooled {what}, not widened although the areas vary more than "
            f"chance alone would suggest (φ = {phi:.2f}): over-dispersion adjustment switched off."
        )
    else:
        method = (
            f"{exact} limits around the pooled {what}, not widened: the areas vary no more than "
            f"chance alone would suggest (φ = {phi:.2f})."
        )
    limits = _limits(kind, target, den, adjusted, tau2)
    zs = np.where(np.isfinite(s), deviation / np.sqrt(s**2 + tau2), 0.0)
    points = []
    for i, name in enumerate(names):
        bounds = [limits[key][i] * multiplier for key in KEYS]
        value = num[i] / den[i] * multiplier
        band = _band(value, *bounds)
        points.append(FunnelPoint(name, float(num[i]), float(den[i]), float(value), float(zs[i]), *bounds, band))
    return Funnel(kind, target * multiplier, float(multiplier), tuple(points), phi, tau2, bool(adjusted), method)


def rate_funnel(
    names: Sequence[str],
    counts: Sequence[float],
    denominators: Sequence[float],
    multiplier: float = 1000.0,
    overdispersion: bool | None = None,
) -> Funnel:
    """A funnel of rates (count ÷ denominator × multiplier) around the pooled rate.

    `overdispersion`: None decides from the data (widen when φ > 1, as FunnelPlotR does), True
    always uses Spiegelhalter's limits with the estimated τ², False always the exact limits."""
    return _build("rate", names, counts, denominators, multiplier, overdispersion, "rate")


def proportion_funnel(
    names: Sequence[str],
    numerators: Sequence[float],
    denominators: Sequence[float],
    percent: bool = True,
    overdispersion: bool | None = None,
) -> Funnel:
    """A funnel of proportions around the pooled proportion; values and limits in percent unless
    `percent` is False. `overdispersion` as for `rate_funnel`."""
    multiplier = 100.0 if percent else 1.0
    return _build("proportion", names, numerators, denominators, multiplier, overdispersion, "proportion")
