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
    """Points between two declared breaks, with their own limits."""

    start: int  # index of the first point
    stop: int  # one past the last
    limits: Limits
    provisional: bool
    note: str = ""


@dataclass(frozen=True)
class SpcChart:
    """An XmR chart of one series, or the reason it has none (`unusable`)."""

    values: tuple[float, ...]
    segments: tuple[Segment, ...] = ()
    causes: tuple[str, ...] = ()
    point_types: tuple[str, ...] = ()
    assurance: str | None = None
    unusable: str | None = None
    options: SpcOptions = field(default=DEFAULT_OPTIONS)

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
) -> SpcChart:
    """The chart of `values` (oldest first, no gaps). `breaks` are (index of the first point of a
    new segment, note); `counts` says the values are counts of events (checked for size)."""
    y = tuple(float(v) for v in values)
    if any(math.isnan(v) for v in y):
        raise ValueError("an SPC series has no missing values; leave gaps out first")
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
        if len(part) < 2:
            limits = Limits(part[0], 0.0, part[0], part[0], part[0], part[0]) if part else None
        else:
            limits = xmr_limits(part, options.screen_outliers)
        segments.append(Segment(first, last, limits, len(part) < options.baseline, notes.get(first, "")))
        sides = relative_to_mean(part, limits.mean)
        segment_causes = special_cause_type(
            part, sides, close_to_limits(part, limits), outside_limits(part, limits), options.run_length
        )
        causes.extend(segment_causes)
        types.extend(point_type(c, improvement) for c in segment_causes)
    latest = segments[-1].limits
    return SpcChart(
        y,
        tuple(segments),
        tuple(causes),
        tuple(types),
        assurance_type(target, latest.lower, latest.upper, improvement),
        options=options,
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
