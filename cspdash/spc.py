"""Statistical process control as NHS England's "Making Data Count" does it.

An XmR chart (individuals and moving range) with the four rules in precedence order, read by the
indicator's polarity, and an assurance reading against a target. The reference implementation is
NHSRplotthedots (`ptd_spc_standard`, `ptd_calculate_point_type`, `ptd_calculate_assurance_type`);
each rule below is a small function of the same name and behaviour, and `tests/test_spc.py`
reproduces that package's own test cases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

LIMIT = 2.66  # 3 sigma, sigma estimated as mean moving range / 1.128
NEAR_LIMIT = 2 * LIMIT / 3  # 2 sigma
MOVING_RANGE_SCREEN = 3.267  # moving ranges this many times the mean are left out of it


@dataclass(frozen=True)
class SpcOptions:
    """The rule set. `run_length` is the points in a trend or a shift (Making Data Count: 7);
    limits are provisional with fewer than `baseline` points; fewer than `minimum_points` get no
    limits at all; a count whose mean is below `minimum_mean_count` is too small for an XmR chart."""

    run_length: int = 7
    baseline: int = 13
    minimum_points: int = 8
    minimum_mean_count: float = 5.0
    screen_outliers: bool = True
    window: int = 36  # the chart uses the newest points only (three years of months)

    def describe(self, period_word: str = "point") -> str:
        """The rule set in one sentence, stated under every SPC chart."""
        plural = f"{period_word}s"
        return (
            "Making Data Count XmR rules: limits at the mean ± 2.66 × the mean moving range "
            f"(moving ranges over {MOVING_RANGE_SCREEN} × the mean left out); special cause is a {period_word} beyond "
            f"a limit, a trend of {self.run_length} {plural} each higher (or lower) than the last, two of three "
            f"{plural} beyond two sigma on the same side, or a run of {self.run_length} {plural} on one side of the "
            f"mean (in that order of precedence); limits from the newest {self.window} {plural} at most, provisional "
            f"below {self.baseline}."
        )


DEFAULT_OPTIONS = SpcOptions()


@dataclass(frozen=True)
class Limits:
    mean: float
    mean_moving_range: float
    lower: float
    upper: float
    near_lower: float
    near_upper: float


def xmr_limits(values: Sequence[float], screen_outliers: bool = True) -> Limits:
    """Mean ± 2.66 × mean moving range; moving ranges ≥ 3.267 × their mean are screened out first."""
    y = np.asarray(values, dtype=float)
    mean = float(np.mean(y))
    ranges = np.abs(np.diff(y))
    average = float(np.mean(ranges)) if len(ranges) else 0.0
    if screen_outliers and len(ranges):
        kept = ranges[ranges < MOVING_RANGE_SCREEN * average]
        average = float(np.mean(kept)) if len(kept) else 0.0
    return Limits(
        mean,
        average,
        mean - LIMIT * average,
        mean + LIMIT * average,
        mean - NEAR_LIMIT * average,
        mean + NEAR_LIMIT * average,
    )


# ---- the rules, one small function each (names follow NHSRplotthedots) -------------------------


def relative_to_mean(values: Sequence[float], mean: float) -> list[int]:
    """+1 above the mean, -1 below, 0 exactly on it."""
    return [int(np.sign(v - mean)) for v in values]


def outside_limits(values: Sequence[float], limits: Limits) -> list[bool]:
    return [v > limits.upper or v < limits.lower for v in values]


def close_to_limits(values: Sequence[float], limits: Limits) -> list[bool]:
    """Beyond two sigma but not beyond the limits."""
    return [
        not (v > limits.upper or v < limits.lower) and (v < limits.near_lower or v > limits.near_upper) for v in values
    ]


def run_one_side_of_mean(sides: Sequence[int], run_length: int = 7) -> list[int]:
    """At each point: ±1 if it and the `run_length - 1` before it are all on that side of the mean."""
    padded = [0] * (run_length - 1) + list(sides)
    out = []
    for i in range(run_length - 1, len(padded)):
        window = padded[i - run_length + 1 : i + 1]
        out.append(padded[i] if padded[i] != 0 and all(s == padded[i] for s in window) else 0)
    return out


def trend(values: Sequence[float], run_length: int = 7) -> list[int]:
    """At each point: +1 if it ends `run_length` points each strictly higher than the last, -1 if
    each strictly lower; a tie breaks a trend."""
    y = list(values)
    if len(y) < run_length:
        return [0] * len(y)
    out = [0] * (run_length - 1)
    for i in range(run_length - 1, len(y)):
        steps = [np.sign(y[j] - y[j - 1]) for j in range(i - run_length + 2, i + 1)]
        out.append(1 if all(s == 1 for s in steps) else -1 if all(s == -1 for s in steps) else 0)
    return out


def part_of_run(ends: Sequence[int], run_length: int = 7) -> list[bool]:
    """A point belongs to a run if a run ends at it or within the `run_length - 1` points after it."""
    padded = list(ends) + [0] * (run_length - 1)
    return [any(abs(padded[i + k]) == 1 for k in range(run_length)) for i in range(len(ends))]


def two_in_three(close: Sequence[bool], sides: Sequence[int]) -> list[bool]:
    """At each point: is it in a window of three with two or more near the limits, all three on
    one side of the mean?"""
    flags = [0, 0, *[int(c) for c in close], 0, 0]
    signs = [0, 0, *sides, 0, 0]

    def window(start: int) -> bool:
        return sum(flags[start : start + 3]) >= 2 and abs(sum(signs[start : start + 3])) == 3

    return [window(i) or window(i + 1) or window(i + 2) for i in range(len(close))]


def part_of_two_in_three(windows: Sequence[bool], close: Sequence[bool]) -> list[bool]:
    """Only the points near the limits are marked, not the third point of the window."""
    return [bool(w) and bool(c) for w, c in zip(windows, close, strict=True)]


def special_cause_type(
    values: Sequence[float], sides: Sequence[int], close: Sequence[bool], outside: Sequence[bool], run_length: int = 7
) -> list[str]:
    """Each point's special cause, by precedence: beyond a limit, trend, two of three, shift."""
    in_trend = part_of_run(trend(values, run_length), run_length)
    in_two_of_three = part_of_two_in_three(two_in_three(close, sides), close)
    in_shift = part_of_run(run_one_side_of_mean(sides, run_length), run_length)
    steps = [0, *[int(np.sign(b - a)) for a, b in zip(values, values[1:], strict=False)]]
    types = []
    for i, _ in enumerate(values):
        side = "Above" if sides[i] > 0 else "Below"
        if outside[i]:
            types.append("Above UCL" if sides[i] == 1 else "Below LCL")
        elif in_trend[i]:
            # a point inside a trend reads the step after it (its own step for the trend's last point)
            step = steps[i + 1] if i + 1 < len(values) and in_trend[i + 1] else steps[i]
            types.append(f"{run_length} Point Trend ({'In' if step == 1 else 'De'}creasing)")
        elif in_two_of_three[i]:
            types.append(f"2 in 3 {side} CL")
        elif in_shift[i]:
            types.append(f"{run_length} Points {side} CL")
        else:
            types.append("Common Cause")
    return types


def point_type(cause: str, improvement: int) -> str:
    """improvement: +1 higher is better, -1 lower is better, 0 neutral."""
    direction = (
        1 if ("Above" in cause or "Increasing" in cause) else -1 if ("Below" in cause or "Decreasing" in cause) else 0
    )
    if direction == 0:
        return "common_cause"
    if improvement == 0:
        return "special_cause_neutral_high" if direction > 0 else "special_cause_neutral_low"
    return "special_cause_improvement" if direction * improvement > 0 else "special_cause_concern"


def assurance_type(target: float | None, lower: float, upper: float, improvement: int) -> str | None:
    """Against the latest limits: a target outside them is consistently passed or failed."""
    if target is None or improvement == 0:
        return None
    if target > upper:
        return "consistent_fail" if improvement > 0 else "consistent_pass"
    if target < lower:
        return "consistent_pass" if improvement > 0 else "consistent_fail"
    return "inconsistent"


# ---- a whole chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """Points between two declared breaks, with their own limits. A p or u chart's limits differ
    point by point (`uppers`, `lowers`, one per point of the segment); its `limits` are then those
    of the segment's last point (what the latest figure is judged against)."""

    start: int  # index of the first point
    stop: int  # one past the last
    limits: Limits
    provisional: bool
    note: str = ""
    uppers: tuple[float, ...] = ()  # per-point upper limits (p, p′, u, u′ charts); empty: `limits` throughout
    lowers: tuple[float, ...] = ()
    baseline: tuple[int, int] | None = None  # (first, one past the last) of the points the limits come from

    def upper_at(self, i: int) -> float:
        """The upper limit at point `i` (an index into the whole chart)."""
        return self.uppers[i - self.start] if self.uppers else self.limits.upper

    def lower_at(self, i: int) -> float:
        return self.lowers[i - self.start] if self.lowers else self.limits.lower


@dataclass(frozen=True)
class SpcChart:
    """An SPC chart of one series (an XmR chart unless `kind` says otherwise), or the reason it has
    none (`unusable`)."""

    values: tuple[float, ...]
    segments: tuple[Segment, ...] = ()
    causes: tuple[str, ...] = ()
    point_types: tuple[str, ...] = ()
    assurance: str | None = None
    unusable: str | None = None
    options: SpcOptions = field(default=DEFAULT_OPTIONS)
    kind: str = "xmr"  # one of CHART_KINDS: xmr, p, p_prime, u, u_prime, g
    labels: tuple[str, ...] = ()  # a g chart's points are gaps between events: each one's label
    since_last: str | None = None  # a g chart: "At least 183 days since the last (in 2023/24 Q4)."
    fallback: str = ""  # why the chart is not the kind the catalogue asks for
    baseline_note: str = ""  # "Limits fixed from the baseline 2019/20 Q1–2021/22 Q4 …: <reason>."

    def describe(self, period_word: str = "point") -> str:
        """The chart's own rule set in one sentence, stated under it (with its baseline, if fixed)."""
        text = describe_kind(self.kind, self.options, period_word)
        text = f"{self.fallback} {text}" if self.fallback else text
        return f"{text} {self.baseline_note}" if self.baseline_note else text

    @property
    def usable(self) -> bool:
        return self.unusable is None

    @property
    def variation(self) -> str | None:
        """The latest point's variation (the Making Data Count variation icon)."""
        return self.point_types[-1] if self.point_types else None

    @property
    def latest(self) -> Segment | None:
        return self.segments[-1] if self.segments else None

    @property
    def latest_cause(self) -> str | None:
        return self.causes[-1] if self.causes else None


def _improvement(polarity: str) -> int:
    return {"higher": 1, "lower": -1}.get(polarity, 0)


def spc_chart(
    values: Sequence[float],
    polarity: str,
    target: float | None = None,
    breaks: Sequence[tuple[int, str]] = (),
    options: SpcOptions = DEFAULT_OPTIONS,
    counts: bool = False,
    baseline: tuple[int, int] | None = None,
) -> SpcChart:
    """The chart of `values` (oldest first, no gaps). `breaks` are (index of the first point of a
    new segment, note); `counts` says the values are counts of events (checked for size).
    `baseline` (first index, one past the last) fixes the limits of the segment it starts in: they
    come from the baseline's points only and extend over the rest of the segment, and the rules
    read every point of it against them (NHSRplotthedots' `fix_after_n_points`, from any start);
    the limits are provisional when the baseline has fewer than `options.baseline` points."""
    y = tuple(float(v) for v in values)
    if any(math.isnan(v) for v in y):
        raise ValueError("an SPC series has no missing values; leave gaps out first")
    _check_baseline(baseline, len(y))
    cuts = sorted({i for i, _ in breaks if 0 < i < len(y)})
    notes = {i: note for i, note in breaks}
    bounds = list(zip([0, *cuts], [*cuts, len(y)], strict=True))
    start, stop = bounds[-1]
    if stop - start < options.minimum_points:
        return SpcChart(y, unusable=_too_short(stop - start, options, bool(cuts)), options=options)
    if counts and np.mean(y[start:stop]) < options.minimum_mean_count:
        return SpcChart(
            y,
            unusable=f"too few events for an XmR chart (on average {np.mean(y[start:stop]):.1f} a period; "
            f"limits need at least {options.minimum_mean_count:g})",
            options=options,
        )
    improvement = _improvement(polarity)
    segments, causes, types = [], [], []
    for first, last in bounds:
        part = y[first:last]
        fixed = _fixed_in(baseline, first, last)
        basis = y[fixed[0] : fixed[1]] if fixed else part
        if len(basis) < 2:
            limits = Limits(basis[0], 0.0, basis[0], basis[0], basis[0], basis[0]) if basis else None
        else:
            limits = xmr_limits(basis, options.screen_outliers)
        segments.append(
            Segment(first, last, limits, len(basis) < options.baseline, notes.get(first, ""), baseline=fixed)
        )
        sides = relative_to_mean(part, limits.mean)
        segment_causes = special_cause_type(
            part, sides, close_to_limits(part, limits), outside_limits(part, limits), options.run_length
        )
        causes.extend(segment_causes)
        types.extend(point_type(c, improvement) for c in segment_causes)
    return _charted(y, segments, causes, types, target, improvement, options)


def _charted(y, segments, causes, types, target, improvement: int, options: SpcOptions, kind: str = "xmr"):
    """The finished chart: its segments, each point's cause and type, and assurance against the target
    read from the latest segment's limits."""
    latest = segments[-1].limits
    return SpcChart(
        y,
        tuple(segments),
        tuple(causes),
        tuple(types),
        assurance_type(target, latest.lower, latest.upper, improvement),
        options=options,
        kind=kind,
    )


def _check_baseline(baseline: tuple[int, int] | None, length: int) -> None:
    if baseline is not None and not (baseline[0] >= 0 and baseline[0] + 2 <= baseline[1] <= length):
        raise ValueError(f"a baseline is two or more points of the series: {baseline} of {length} points")


def _fixed_in(baseline: tuple[int, int] | None, first: int, last: int) -> tuple[int, int] | None:
    """The baseline's points inside the segment [first, last), if the baseline starts in it."""
    if baseline is None or not first <= baseline[0] < last:
        return None
    return baseline[0], min(baseline[1], last)


# ---- charts that fit the data: p, u (and Laney's p′, u′) and g charts ------------------------------

CHART_KINDS = ("xmr", "p", "p_prime", "u", "u_prime", "g")
CHART_NAMES = {
    "xmr": "XmR chart",
    "p": "p chart",
    "p_prime": "Laney p′ chart",
    "u": "u chart",
    "u_prime": "Laney u′ chart",
    "g": "g chart",
}
D2 = 1.128  # the mean moving range of two standard normal points


def _rules_tail(options: SpcOptions, period_word: str) -> str:
    plural = f"{period_word}s"
    return (
        f"special cause (the Making Data Count rules) is a {period_word} beyond a limit, a trend of {options.run_length} {plural} each higher (or "
        f"lower) than the last, two of three {plural} beyond two sigma on the same side, or a run of "
        f"{options.run_length} {plural} on one side of the centre line (in that order of precedence); limits from "
        f"the newest {options.window} {plural} at most, provisional below {options.baseline}."
    )


def describe_kind(kind: str, options: SpcOptions = DEFAULT_OPTIONS, period_word: str = "point") -> str:
    """The rule set of a chart of `kind` in one sentence (the XmR one is `SpcOptions.describe`)."""
    if kind in ("p", "p_prime", "u", "u_prime"):
        proportion = kind.startswith("p")
        sigma = "√(p̄(1 − p̄)/n)" if proportion else "√(ū/n)"
        laney = (
            f", multiplied by Laney's σz (the mean moving range of the standardised {period_word}s / 1.128, moving "
            f"ranges over {MOVING_RANGE_SCREEN} × the mean left out) to allow for variation beyond chance"
            if kind.endswith("prime")
            else ""
        )
        return (
            f"{CHART_NAMES[kind]} rules: the centre line is the pooled {'proportion' if proportion else 'rate'} (every "
            f"numerator over every denominator); each {period_word}'s limits are 3 sigma either side of it, sigma = "
            f"{sigma} from that {period_word}'s own denominator{laney}; " + _rules_tail(options, period_word)
        )
    if kind == "g":
        plural = f"{period_word}s"
        return (
            f"g chart rules (rare events): each point is the number of {plural} from one event to the next (each event "
            f"counted once; events in the same {period_word} are 0 apart, since dates within a {period_word} are not "
            f"known); centre line the median gap, upper limit ḡ + 3√(ḡ(ḡ + 1)) on the mean gap ḡ (geometric "
            f"distribution, as the g charts of qicharts2 and PowerBI-SPC), lower limit 0; a long gap is fewer events, "
            f"gaps of 0 again and again are events close together; the gap still open since the last event is shown "
            f"as 'so far' and judged only against the upper limit; special cause (the Making Data Count rules) is a "
            f"gap beyond a limit, a trend of "
            f"{options.run_length} gaps each longer (or shorter) than the last, two of three gaps beyond two sigma, "
            f"or a run of {options.run_length} gaps on one side of the centre line (in that order of precedence); "
            f"limits from the gaps in the newest {options.window} {plural} at most, need {options.minimum_points} "
            f"gaps, and are provisional below {options.baseline}."
        )
    return options.describe(period_word)


def _judged(
    part: Sequence[float],
    centre: float,
    lowers: Sequence[float],
    uppers: Sequence[float],
    near_lowers: Sequence[float],
    near_uppers: Sequence[float],
    run_length: int,
) -> list[str]:
    """The four rules with per-point limits (the same causes as the XmR chart)."""
    sides = relative_to_mean(part, centre)
    outside = [v > u or v < lo for v, lo, u in zip(part, lowers, uppers, strict=True)]
    close = [
        not out and (v < nl or v > nu) for v, out, nl, nu in zip(part, outside, near_lowers, near_uppers, strict=True)
    ]
    return special_cause_type(list(part), sides, close, outside, run_length)


def attribute_limits(
    kind: str,
    numerators: Sequence[float],
    denominators: Sequence[float],
    screen_outliers: bool = True,
    fit: tuple[int, int] | None = None,
) -> tuple[float, list[float]]:
    """(centre line, each point's sigma) of a p, p′, u or u′ chart, in the units of numerator /
    denominator. p: p̄ = Σx/Σn, σᵢ = √(p̄(1 − p̄)/nᵢ); u: ū = Σx/Σn, σᵢ = √(ū/nᵢ); the prime
    charts multiply σᵢ by σz = the mean moving range of zᵢ = (yᵢ − centre)/σᵢ over 1.128 (moving
    ranges of 3.267 × their mean or more screened out first, as PowerBI-SPC and qicharts2 do).
    `fit` (first, one past the last): the centre and σz come from those points only (a baseline)."""
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    a, b = fit or (0, len(x))
    centre = float(x[a:b].sum() / n[a:b].sum())
    spread = centre * (1 - centre) if kind.startswith("p") else centre
    sigmas = np.sqrt(max(spread, 0.0) / n)
    if kind.endswith("prime") and b - a > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(sigmas > 0, (x / n - centre) / sigmas, 0.0)
        ranges = np.abs(np.diff(z[a:b]))
        average = float(np.mean(ranges))
        if screen_outliers:
            kept = ranges[ranges < MOVING_RANGE_SCREEN * average]
            average = float(np.mean(kept)) if len(kept) else 0.0
        sigmas = sigmas * (average / D2)
    return centre, [float(v) for v in sigmas]


def attribute_chart(
    kind: str,
    numerators: Sequence[float],
    denominators: Sequence[float],
    polarity: str,
    target: float | None = None,
    breaks: Sequence[tuple[int, str]] = (),
    options: SpcOptions = DEFAULT_OPTIONS,
    scale: float = 1.0,
    baseline: tuple[int, int] | None = None,
) -> SpcChart:
    """A p, p′, u or u′ chart: each point is numerator / denominator × `scale` (100 for a
    percentage; for a rate, the denominators are the exposure that makes numerator / denominator
    the rate shown). Limits are per point; a proportion's are kept within 0 and 100%. A `baseline`
    fixes the centre line (and Laney's σz) from its points, as `spc_chart` does; each point's limits
    still come from its own denominator."""
    if kind not in ("p", "p_prime", "u", "u_prime"):
        raise ValueError(f"not a p or u chart: {kind}")
    x = [float(v) for v in numerators]
    n = [float(v) for v in denominators]
    if len(x) != len(n) or any(math.isnan(v) for v in x + n) or any(v <= 0 for v in n):
        raise ValueError("a p or u chart needs a numerator and a positive denominator for every point")
    y = tuple(a / b * scale for a, b in zip(x, n, strict=True))
    _check_baseline(baseline, len(y))
    cuts = sorted({i for i, _ in breaks if 0 < i < len(y)})
    notes = {i: note for i, note in breaks}
    bounds = list(zip([0, *cuts], [*cuts, len(y)], strict=True))
    start, stop = bounds[-1]
    if stop - start < options.minimum_points:
        short = _too_short(stop - start, options, bool(cuts)).replace("an XmR chart", f"a {CHART_NAMES[kind]}")
        return SpcChart(y, unusable=short, options=options, kind=kind)
    improvement = _improvement(polarity)
    ceiling = scale if kind.startswith("p") else math.inf
    segments, causes, types = [], [], []
    for first, last in bounds:
        part = y[first:last]
        fixed = _fixed_in(baseline, first, last)
        fit = (fixed[0] - first, fixed[1] - first) if fixed else None
        centre, sigmas = attribute_limits(kind, x[first:last], n[first:last], options.screen_outliers, fit)
        centre *= scale
        sigmas = [s * scale for s in sigmas]
        uppers = tuple(min(centre + 3 * s, ceiling) for s in sigmas)
        lowers = tuple(max(centre - 3 * s, 0.0) for s in sigmas)
        near_uppers = [min(centre + 2 * s, ceiling) for s in sigmas]
        near_lowers = [max(centre - 2 * s, 0.0) for s in sigmas]
        limits = Limits(centre, 0.0, lowers[-1], uppers[-1], near_lowers[-1], near_uppers[-1])
        fitted = fixed[1] - fixed[0] if fixed else len(part)
        segments.append(
            Segment(first, last, limits, fitted < options.baseline, notes.get(first, ""), uppers, lowers, fixed)
        )
        segment_causes = _judged(part, centre, lowers, uppers, near_lowers, near_uppers, options.run_length)
        causes.extend(segment_causes)
        types.extend(point_type(c, improvement) for c in segment_causes)
    return _charted(y, segments, causes, types, target, improvement, options, kind)


def g_limits(gaps: Sequence[float]) -> Limits:
    """The g chart's limits (PowerBI-SPC `gLimits`, qicharts2 `qic.g`): centre line the median gap;
    upper limit ḡ + 3√(ḡ(ḡ + 1)) and two sigma ḡ + 2√(ḡ(ḡ + 1)) on the mean gap ḡ; lower limits 0."""
    g = np.asarray(gaps, dtype=float)
    mean = float(np.mean(g))
    sigma = math.sqrt(mean * (mean + 1))
    return Limits(float(np.median(g)), 0.0, 0.0, mean + 3 * sigma, 0.0, mean + 2 * sigma)


@dataclass(frozen=True)
class Gaps:
    """The gaps between successive events in counts per period: each event is a unit, events in the
    same period are 0 periods apart."""

    values: tuple[float, ...]  # periods from one event to the next, oldest first
    closes: tuple[int, ...]  # the index of the period of the event that ends each gap
    labels: tuple[str, ...]  # that period's label (numbered when a period has several events)
    last_event: int | None  # the index of the latest period with an event


def gaps_between_events(counts: Sequence[float], positions: Sequence[int], labels: Sequence[str]) -> Gaps:
    """`counts` per period, `positions` each period's number (months or quarters from any origin, so
    that a missing period is not taken for an empty one), `labels` each period's label."""
    events: list[tuple[int, int, int]] = []  # (position, period index, its number in the period), one per event
    for index, (count, position) in enumerate(zip(counts, positions, strict=True)):
        if count < 0 or count != int(count):
            raise ValueError("a g chart counts whole events")
        events.extend((position, index, k + 1) for k in range(int(count)))
    values, closes, names = [], [], []
    for (before, _, _), (after, index, number) in zip(events, events[1:], strict=False):
        values.append(float(after - before))
        closes.append(index)
        names.append(f"{labels[index]} ({number})" if counts[index] > 1 else labels[index])
    return Gaps(tuple(values), tuple(closes), tuple(names), events[-1][1] if events else None)


def g_chart(
    counts: Sequence[float],
    positions: Sequence[int],
    labels: Sequence[str],
    polarity: str,
    breaks: Sequence[tuple[int, str]] = (),
    options: SpcOptions = DEFAULT_OPTIONS,
    since_last: str | None = None,
) -> SpcChart:
    """A g chart of rare events from counts per period: the gaps between successive events (in
    periods), judged by the four rules against the g chart's limits, read the other way round from
    the counts (when fewer events are better, a long gap is improvement). `breaks` are indexes of
    periods; a gap belongs to the segment of the event that ends it. When the latest period has no
    event, the gap still open is the last point, marked "so far", outside the limits' calculation,
    and judged only against the upper limit (its final length is at least that)."""
    gaps = gaps_between_events(counts, positions, labels)
    values, closes, names = list(gaps.values), list(gaps.closes), list(gaps.labels)
    open_gap = None
    if gaps.last_event is not None and gaps.last_event < len(counts) - 1:
        open_gap = float(positions[-1] - positions[gaps.last_event])
        values.append(open_gap)
        closes.append(len(counts) - 1)
        names.append(f"{labels[-1]} (so far)")
    cuts = sorted({i for i, _ in breaks if 0 < i < len(counts)})
    notes = {i: note for i, note in breaks}
    gap_cuts = sorted({next((k for k, c in enumerate(closes) if c >= cut), len(closes)) for cut in cuts})
    gap_cuts = [k for k in gap_cuts if 0 < k < len(closes)]
    cut_notes = {next((k for k, c in enumerate(closes) if c >= cut), -1): notes[cut] for cut in cuts}
    bounds = list(zip([0, *gap_cuts], [*gap_cuts, len(values)], strict=True))
    y = tuple(values)
    start, stop = bounds[-1] if bounds else (0, 0)
    complete = stop - start - (1 if open_gap is not None else 0)
    if complete < options.minimum_points:
        since = " since the last declared break" if cuts else ""
        return SpcChart(
            y,
            unusable=f"too few events for a g chart ({max(complete, 0)} gap{'s' if complete != 1 else ''} between "
            f"events{since}; limits need {options.minimum_points})",
            options=options,
            kind="g",
            labels=tuple(names),
            since_last=since_last,
        )
    improvement = -_improvement(polarity)  # gaps read the other way round from the counts
    segments, causes, types = [], [], []
    for first, last in bounds:
        closed = last - (1 if open_gap is not None and last == len(values) else 0)
        part = y[first:closed]
        limits = g_limits(part) if part else Limits(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        segments.append(Segment(first, last, limits, len(part) < options.baseline, cut_notes.get(first, "")))
        n = len(part)
        segment_causes = _judged(
            part, limits.mean, [0.0] * n, [limits.upper] * n, [0.0] * n, [limits.near_upper] * n, options.run_length
        )
        if closed < last:  # the open gap: a lower bound on the gap it will be
            segment_causes.append("Above UCL" if open_gap > limits.upper else "Common Cause")
        causes.extend(segment_causes)
        types.extend(point_type(c, improvement) for c in segment_causes)
    return SpcChart(
        y,
        tuple(segments),
        tuple(causes),
        tuple(types),
        None,  # a target is set on the counts, not on the gaps between them
        options=options,
        kind="g",
        labels=tuple(names),
        since_last=since_last,
    )


def _too_short(points: int, options: SpcOptions, rebased: bool) -> str:
    since = " since the last declared break" if rebased else ""
    return f"too short for an XmR chart ({points} point{'s' if points != 1 else ''}{since}; limits need {options.minimum_points})"


VARIATION_WORDS = {
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: unusually high",
    "special_cause_neutral_low": "Special cause: unusually low",
    "common_cause": "Common cause",
}

VARIATION_PLAIN = {  # what a board reads beside the variation icon
    "special_cause_improvement": "Better than usual",
    "special_cause_concern": "Worse than usual",
    "special_cause_neutral_high": "Unusually high",
    "special_cause_neutral_low": "Unusually low",
    "common_cause": "Nothing unusual",
}

ASSURANCE_PLAIN = {  # what a board reads beside the assurance icon
    "consistent_pass": "Reliably meets target",
    "consistent_fail": "Reliably misses target",
    "inconsistent": "Hit and miss",
}

ASSURANCE_WORDS = {
    "consistent_pass": "Target: consistently passing",
    "consistent_fail": "Target: consistently failing",
    "inconsistent": "Target: hit and miss",
}


def cause_sentence(cause: str) -> str:
    """'Below LCL' → 'the latest point is below the lower limit', for a reason a board reads."""
    if cause.startswith(("Above UCL", "Below LCL")):
        return f"the latest point is {'above the upper' if cause.startswith('Above') else 'below the lower'} limit"
    if "Trend" in cause:
        run = cause.split()[0]
        return f"{run} points in a row each {'higher' if 'Increasing' in cause else 'lower'} than the last"
    if cause.startswith("2 in 3"):
        return f"two of the last three points near the {'upper' if 'Above' in cause else 'lower'} limit"
    if "Points" in cause:
        run = cause.split()[0]
        return f"{run} points in a row {'above' if 'Above' in cause else 'below'} the mean"
    return "no special cause"


def plain_cause(chart: SpcChart) -> str:
    """What made the latest point special, in words a board reads: 'the highest of the last 36
    figures', 'seven figures in a row above the usual level'."""
    cause, values = chart.latest_cause or "", chart.values
    run = cause.split()[0] if cause[:1].isdigit() else ""
    if chart.kind == "g":
        return _plain_gap_cause(cause, values, run)
    if cause.startswith(("Above UCL", "Below LCL")):
        high = cause.startswith("Above")
        if values and values[-1] == (max(values) if high else min(values)):
            return f"the {'highest' if high else 'lowest'} of the last {len(values)} figures"
        return f"the latest figure is far {'above' if high else 'below'} its usual range"
    if "Trend" in cause:
        return f"{run} figures in a row, each {'higher' if 'Increasing' in cause else 'lower'} than the last"
    if cause.startswith("2 in 3"):
        return (
            f"two of the last three figures close to the {'top' if 'Above' in cause else 'bottom'} of the usual range"
        )
    if "Points" in cause:
        return f"{run} figures in a row {'above' if 'Above' in cause else 'below'} the usual level"
    return "a change from the usual pattern"


def _plain_gap_cause(cause: str, values: Sequence[float], run: str) -> str:
    """`plain_cause` for a g chart, whose points are the gaps between events, not figures."""
    if cause.startswith(("Above UCL", "Below LCL")):
        long = cause.startswith("Above")
        if long and values and values[-1] == max(values):
            return f"the longest gap between events of the last {len(values)}"
        return f"the latest gap between events is far {'longer' if long else 'shorter'} than usual"
    if "Trend" in cause:
        return (
            f"{run} gaps between events in a row, each {'longer' if 'Increasing' in cause else 'shorter'} than the last"
        )
    if cause.startswith("2 in 3"):
        return f"two of the last three gaps between events close to the {'longest' if 'Above' in cause else 'shortest'} usual"
    if "Points" in cause:
        return f"{run} gaps between events in a row {'longer' if 'Above' in cause else 'shorter'} than usual"
    return "a change from the usual pattern of events"


PLAIN_RULES = {  # what a viewer reads under a chart, by the chart's kind (analysts read `describe`)
    "xmr": "The lines mark the figure's usual range over its last three years; a point outside it, or a long "
    "run on one side, is unusual (statistical process control: see the Glossary).",
    "p": "The lines mark the usual range of the percentage, wider for a period with fewer cases; a point outside "
    "it, or a long run on one side, is unusual (statistical process control: see the Glossary).",
    "u": "The lines mark the usual range of the rate, wider for a period with a smaller base; a point outside it, "
    "or a long run on one side, is unusual (statistical process control: see the Glossary).",
    "g": "Each point is the number of periods from one event to the next: a long gap means fewer events, gaps of "
    "0 again and again mean events close together; a gap above the line is unusually long (see the Glossary).",
}


def plain_rules(kind: str | None) -> str:
    """The chart's rules in plain words for a viewer: `PLAIN_RULES` by kind (p′ and u′ read as p and u)."""
    return PLAIN_RULES.get((kind or "xmr").removesuffix("_prime"), PLAIN_RULES["xmr"])
