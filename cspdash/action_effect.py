"""Did the action work? Whether an indicator's process shifted after an action linked to it started.

The same points the board's SPC chart is drawn from (`History.spc_points`), read as the board reads
them, never a before/after of two quarters:

- the baseline is the points before the start (since the last declared break, the newest
  `options.window` at most); it needs `MIN_BASELINE` of them: 12 months (a year, so every season is
  in it once) or 8 quarters (the board's `minimum_points`, two years of seasons);
- the limits come from the baseline only (the board's chart kind: XmR, or a p or u chart when the
  catalogue asks for one), and the board's four rules (`cspdash.spc.special_cause_type`: a point
  beyond a limit, a trend, two of three near a limit, a run on one side of the centre) read the
  points from the start on (up to the next declared break) against them;
- with no rule fired, it is too early to tell until `options.run_length` points (the run the board's
  rules need to see a shift) have come in since the start;
- the step in the mean (after − before) is given with a 95% interval: for counts quasi-Poisson (the
  variance of each period's count is φ × its mean, φ ≥ 1 estimated from both periods, so
  over-dispersion widens it), otherwise Welch's interval on the points. Points next to each other
  move together (seasons, drift), which neither allows for: the interval sizes the step, the rules
  make the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cspdash.annotations import index_at, months_of
from cspdash.catalogue import Indicator
from cspdash.history import SpcPoint
from cspdash.spc import (
    DEFAULT_OPTIONS,
    SpcOptions,
    attribute_limits,
    close_to_limits,
    outside_limits,
    relative_to_mean,
    special_cause_type,
    xmr_limits,
)

MIN_BASELINE = {"month": 12, "quarter": 8}
CHANGE, NO_CHANGE, TOO_EARLY, CANNOT_TELL = "change", "no change", "too early", "cannot tell"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Step:
    """The mean after the start minus the mean before, with its 95% interval (in the indicator's
    units); for counts also the ratio after / before with its interval."""

    before: float
    after: float
    low: float
    high: float
    method: str  # "quasi-Poisson (dispersion 2.1)" or "Welch"
    ratio: float | None = None
    ratio_low: float | None = None
    ratio_high: float | None = None

    @property
    def difference(self) -> float:
        return self.after - self.before

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class ActionEffect:
    """Whether an indicator's process shifted after an action started: `verdict` (one of CHANGE,
    NO_CHANGE, TOO_EARLY, CANNOT_TELL), the sentence a board reads, and for analysts the rule that
    fired, where, and the step in the mean with its interval."""

    action_id: int
    indicator_id: str
    start: date
    verdict: str
    sentence: str
    frequency: str = "month"
    direction: str | None = None  # "better", "worse" or "neither" (an indicator with no better direction)
    moved: str | None = None  # "higher" or "lower"
    rule: str | None = None  # the cause as the SPC chart names it: "7 Points Above CL"
    rule_at: str | None = None  # the label of the first point it fired on
    step: Step | None = None
    before: int = 0  # points in the baseline
    after: int = 0  # points since the start
    baseline: tuple[str, str] | None = None  # labels of the baseline's first and last points
    provisional: bool = False  # limits from fewer points than the board's `baseline`

    @property
    def detail(self) -> str:
        """How it was judged, in statistics (analysts)."""
        parts = []
        if self.baseline:
            parts.append(
                f"Limits from the {self.before} {self.frequency}s before the start ({self.baseline[0]}–"
                f"{self.baseline[1]}{', provisional' if self.provisional else ''}); {self.after} since."
            )
        if self.rule and self.verdict == CHANGE:
            parts.append(f"Rule fired: {self.rule} at {self.rule_at}.")
        elif self.rule:
            parts.append(
                f"Rule fired: {self.rule} at {self.rule_at}, a passing one: neither a run nor a trend, and the "
                "step's interval includes no change."
            )
        elif self.verdict in (NO_CHANGE, TOO_EARLY):
            parts.append("No rule fired since the start.")
        if self.step is not None:
            parts.append(step_words(self.step))
        return " ".join(parts)


def step_words(step: Step) -> str:
    """'Step in the mean +93.4 (95% interval +75.2 to +111.6; quasi-Poisson (dispersion 2.1)); ratio 1.58 (1.46 to 1.71).'"""
    text = (
        f"Step in the mean {step.difference:+,.1f} ({step.before:,.1f} → {step.after:,.1f}; 95% interval "
        f"{step.low:+,.1f} to {step.high:+,.1f}; {step.method})"
    )
    if step.ratio is not None:
        text += f"; ratio {step.ratio:.2f} ({step.ratio_low:.2f} to {step.ratio_high:.2f})"
    return text + "."


def count_step(before: Sequence[float], after: Sequence[float]) -> Step:
    """Quasi-Poisson step between two runs of counts: φ = Pearson χ² around each run's own mean over
    its degrees of freedom (never below 1); var(mean) = φ × mean / n; a t quantile on those degrees."""
    from scipy.stats import t

    n0, n1 = len(before), len(after)
    m0, m1 = sum(before) / n0, sum(after) / n1
    chi2 = sum((v - m0) ** 2 / m0 for v in before if m0 > 0) + sum((v - m1) ** 2 / m1 for v in after if m1 > 0)
    dof = max(n0 + n1 - 2, 1)
    phi = max(1.0, chi2 / dof)
    q = float(t.ppf(0.5 + CONFIDENCE / 2, dof))
    half = q * math.sqrt(phi * (m0 / n0 + m1 / n1))
    ratio = low = high = None
    if m0 > 0 and m1 > 0:
        ratio = m1 / m0
        spread = q * math.sqrt(phi * (1 / (m0 * n0) + 1 / (m1 * n1)))  # var(log ratio) by the delta method
        low, high = ratio * math.exp(-spread), ratio * math.exp(spread)
    return Step(m0, m1, m1 - m0 - half, m1 - m0 + half, f"quasi-Poisson (dispersion {phi:.1f})", ratio, low, high)


def welch_step(before: Sequence[float], after: Sequence[float]) -> Step:
    """Welch's interval for the difference of two means (unequal variances, Welch–Satterthwaite
    degrees of freedom)."""
    from scipy.stats import t

    n0, n1 = len(before), len(after)
    m0, m1 = sum(before) / n0, sum(after) / n1
    v0 = sum((v - m0) ** 2 for v in before) / max(n0 - 1, 1) / n0
    v1 = sum((v - m1) ** 2 for v in after) / max(n1 - 1, 1) / n1
    se = math.sqrt(v0 + v1)
    dof = (v0 + v1) ** 2 / (v0**2 / max(n0 - 1, 1) + v1**2 / max(n1 - 1, 1)) if se > 0 else 1.0
    half = float(t.ppf(0.5 + CONFIDENCE / 2, dof)) * se
    return Step(m0, m1, m1 - m0 - half, m1 - m0 + half, "Welch")


def _period(frequency: str, n: int = 1) -> str:
    return frequency if n == 1 else f"{frequency}s"


def _first_cause(causes: Sequence[str]) -> int | None:
    return next((i for i, c in enumerate(causes) if c != "Common Cause"), None)


def _lasting(causes: Sequence[str], step: Step | None) -> int | None:
    """The first point of a lasting change: a run or a trend, or a point beyond a limit (or two of
    three near one) when the step in the mean agrees, its interval wholly on that side of no change.
    One unusual month on its own is not a shift of the process."""
    for i, cause in enumerate(causes):
        if cause == "Common Cause":
            continue
        if "Trend" in cause or "Points" in cause:
            return i
        if step is not None and (step.low > 0 if _moved(cause) > 0 else step.high < 0):
            return i
    return None


def _moved(cause: str) -> int:
    return 1 if ("Above" in cause or "Increasing" in cause) else -1


def _where(cause: str, label: str, frequency: str, run_length: int) -> str:
    """The rule that fired, in words a board reads: 'seven months in a row above the usual level, from Jun 2024'."""
    high = _moved(cause) > 0
    plural = _period(frequency, 2)
    if cause.startswith(("Above UCL", "Below LCL")):
        return f"a {frequency} far {'above' if high else 'below'} the usual range, in {label}"
    if "Trend" in cause:
        return f"{run_length} {plural} in a row each {'higher' if high else 'lower'} than the last, from {label}"
    if cause.startswith("2 in 3"):
        return f"two of three {plural} close to the {'top' if high else 'bottom'} of the usual range, from {label}"
    return f"{run_length} {plural} in a row {'above' if high else 'below'} the usual level, from {label}"


def _chart_kind(ind: Indicator, points: Sequence[SpcPoint], months: int):
    """(kind, numerators, denominators, scale) as the board's chart reads them: a p or u chart when
    the catalogue asks for one and every point has its parts, else an XmR chart."""
    from cspdash.board import _attribute_parts  # the board's own reading of a point's parts

    if ind.chart in ("p", "p_prime", "u", "u_prime"):
        parts = _attribute_parts(ind, points, months)
        if parts is not None:
            return ind.chart, *parts
    return "xmr", None, None, 1.0


def _causes(ind, points, first, start, stop, months, options) -> list[str]:
    """The board's rules on the points [start, stop) against limits from [first, start)."""
    kind, numerators, denominators, scale = _chart_kind(ind, points[first:stop], months)
    after = [p.value for p in points[start:stop]]
    if kind == "xmr":
        limits = xmr_limits([p.value for p in points[first:start]], options.screen_outliers)
        sides = relative_to_mean(after, limits.mean)
        return special_cause_type(
            after, sides, close_to_limits(after, limits), outside_limits(after, limits), options.run_length
        )
    centre, sigmas = attribute_limits(kind, numerators, denominators, options.screen_outliers, (0, start - first))
    centre, sigmas = centre * scale, [s * scale for s in sigmas[start - first :]]
    ceiling = scale if kind.startswith("p") else math.inf
    outside = [
        v > min(centre + 3 * s, ceiling) or v < max(centre - 3 * s, 0.0) for v, s in zip(after, sigmas, strict=True)
    ]
    close = [
        not out and (v > min(centre + 2 * s, ceiling) or v < max(centre - 2 * s, 0.0))
        for v, s, out in zip(after, sigmas, outside, strict=True)
    ]
    return special_cause_type(after, relative_to_mean(after, centre), close, outside, options.run_length)


def effect(
    ind: Indicator,
    points: Sequence[SpcPoint],
    frequency: str,
    start: date,
    polarity: str,
    action_id: int = 0,
    breaks: Sequence[date] = (),
    suppressed: Sequence[date] = (),
    options: SpcOptions = DEFAULT_OPTIONS,
) -> ActionEffect:
    """Whether the indicator's process shifted after `start`, from its SPC points (oldest first, as
    `History.spc_points` gives them, every point to the latest), its declared breaks (their start
    dates) and the starts of its suppressed periods."""
    months = months_of(frequency)
    starts = [p.start for p in points]
    name = ind.name[0].lower() + ind.name[1:] if not ind.name[:2].isupper() else ind.name
    base = dict(action_id=action_id, indicator_id=ind.id, start=start, frequency=frequency)
    at = index_at(starts, start, months)
    at = len(points) if at is None else at
    cuts = sorted({i for b in breaks if (i := index_at(starts, b, months)) is not None and i > 0})
    first = max([i for i in cuts if i <= at], default=0)
    stop = min([i for i in cuts if i > at], default=len(points))
    first = max(first, at - options.window)
    before, after = at - first, stop - at
    needed = MIN_BASELINE.get(frequency, MIN_BASELINE["quarter"])
    base.update(before=before, after=after)
    if ind.chart == "g":
        return ActionEffect(
            **base, verdict=CANNOT_TELL, sentence="Cannot tell: these events are too rare to judge a change from."
        )
    if before < needed:
        since = " since the last break in the series" if first > 0 and first in cuts else ""
        return ActionEffect(
            **base,
            verdict=CANNOT_TELL,
            sentence=f"Cannot tell: only {before} {_period(frequency, before)} of figures before it started{since} "
            f"({needed} needed to know what was usual).",
        )
    span = (starts[first], starts[stop - 1] if after else starts[at - 1])
    if any(span[0] <= s <= span[1] for s in suppressed):
        return ActionEffect(
            **base,
            verdict=CANNOT_TELL,
            sentence="Cannot tell: some of its figures are too small to publish, so no fair judgement can be made.",
        )
    values = [p.value for p in points]
    counts = ind.unit == "count"
    if counts and sum(values[first:at]) / before < options.minimum_mean_count:
        return ActionEffect(
            **base,
            verdict=CANNOT_TELL,
            sentence="Cannot tell: too few events each period to tell a change from chance.",
        )
    base.update(
        baseline=(points[first].label, points[at - 1].label),
        provisional=before < options.baseline,
    )
    if after == 0:
        return ActionEffect(
            **base,
            verdict=TOO_EARLY,
            sentence=f"Too early to tell: 0 of {options.run_length} {_period(frequency, 2)} since it started.",
        )
    causes = _causes(ind, points, first, at, stop, months, options)
    step = (count_step if counts else welch_step)(values[first:at], values[at:stop]) if after >= 2 else None
    fired = _lasting(causes, step)
    if fired is not None:
        cause = causes[fired]
        up = _moved(cause)
        improvement = {"higher": 1, "lower": -1}.get(polarity, 0)
        direction = "neither" if improvement == 0 else "better" if up == improvement else "worse"
        judged = "" if direction == "neither" else f" That is {direction}."
        where = _where(cause, points[at + fired].label, frequency, options.run_length)
        since = values[at + fired : stop]
        average = (
            f" On average {step.before:,.0f} a {frequency} before it started, {sum(since) / len(since):,.0f} from "
            f"{points[at + fired].label}."
            if step is not None and counts
            else ""
        )
        return ActionEffect(
            **base,
            verdict=CHANGE,
            sentence=f"Followed by a real change: {name} {'rose' if up > 0 else 'fell'} after it started "
            f"({where}).{judged}{average}",
            direction=direction,
            moved="higher" if up > 0 else "lower",
            rule=cause,
            rule_at=points[at + fired].label,
            step=step,
        )
    passing = _first_cause(causes)
    aside = ""
    if passing is not None:
        high = _moved(causes[passing]) > 0
        aside = (
            f" One {frequency} was unusually {'high' if high else 'low'} ({points[at + passing].label}), "
            "but the level did not change."
        )
        base.update(rule=causes[passing], rule_at=points[at + passing].label)
    if after < options.run_length:
        return ActionEffect(
            **base,
            verdict=TOO_EARLY,
            sentence=f"Too early to tell: {after} of {options.run_length} {_period(frequency, 2)} since it started."
            + aside.replace("but the level did not change", "too soon to say whether the level changed"),
            step=step,
        )
    return ActionEffect(
        **base,
        verdict=NO_CHANGE,
        sentence=f"No change beyond the usual ups and downs since it started ({after} {_period(frequency, after)}).{aside}",
        step=step,
    )


def action_effects(actions, histories: dict, catalogue, targets: dict, quarter=None) -> dict[int, ActionEffect]:
    """Each action linked to an indicator (all but dropped ones) with whether the indicator's process
    shifted after it started, by action number: `actions` as the store lists them (`records.actions`,
    with `start_date`), `histories` the indicators' prepared histories (`BoardAt.histories`), figures
    up to the end of `quarter` (every figure when None); the polarity is the year's target's, if set."""
    from cspdash.board import target_for
    from cspdash.status import polarity_of

    if actions is None or actions.empty:
        return {}
    linked = actions[actions["indicator"].notna() & (actions["status"] != "dropped")]
    out = {}
    for row in linked.itertuples():
        history = histories.get(row.indicator)
        if history is None or not history.quarters or row.start_date is None:
            continue
        upto = quarter or history.quarters[-1]
        frequency, points, suppressed = history.spc_points(upto)
        ind = history.indicator
        polarity = polarity_of(ind, target_for(ind, upto.fy, targets))
        breaks = [b.start for b in catalogue.breaks_for(ind)]
        out[int(row.id)] = effect(ind, points, frequency, row.start_date, polarity, int(row.id), breaks, suppressed)
    return out
