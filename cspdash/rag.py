"""Red/amber/green status: against a target with a tolerance, or on a tested direction of travel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from cspdash.catalogue import Indicator
from cspdash.stats import SIGNIFICANCE, count_change_p, proportion_change_p, proportion_interval
from cspdash.trends import Change, Reading


class Status(Enum):
    """A RAG status; each carries a word, a shape and colours so colour is never the only cue."""

    RED = ("Red", "◆", "#d4351c", "#ffffff", 0)
    AMBER = ("Amber", "▲", "#ffbf47", "#0b0c0c", 1)
    GREEN = ("Green", "●", "#00703c", "#ffffff", 2)
    NOT_RATED = ("Not rated", "○", "#f3f2f1", "#0b0c0c", 3)

    def __init__(self, word: str, shape: str, colour: str, text_colour: str, severity: int):
        self.word = word
        self.shape = shape
        self.colour = colour
        self.text_colour = text_colour
        self.severity = severity


@dataclass(frozen=True)
class Target:
    """What an indicator should reach in one financial year (and, if set, which way is better)."""

    value: float
    tolerance: float
    polarity: str | None = None


@dataclass(frozen=True)
class Judgement:
    status: Status
    reason: str


def catalogue_target(ind: Indicator) -> Target | None:
    if ind.target is None:
        return None
    return Target(ind.target, ind.tolerance or 0.0)


def judge(ind: Indicator, change: Change, target: Target | None = None) -> Judgement:
    """The RAG status of `change.current`, by the indicator's rule."""
    current = change.current
    if current is None:
        return Judgement(Status.NOT_RATED, "No figure for this quarter")
    if current.suppressed:
        return Judgement(Status.NOT_RATED, "Figure suppressed (small number)")
    if target is not None and target.polarity:
        ind = replace(ind, polarity=target.polarity, rag_rule="target" if ind.rag_rule == "none" else ind.rag_rule)
    if ind.rag_rule == "none" or ind.polarity == "neutral":
        return Judgement(Status.NOT_RATED, _monitored_reason(ind, change))
    if ind.rag_rule == "target":
        return against_target(ind, current, target or catalogue_target(ind))
    return on_direction(ind, change)


def against_target(ind: Indicator, current: Reading, target: Target | None) -> Judgement:
    """Green at or beyond target, amber within tolerance of it, red beyond that."""
    if target is None:
        return Judgement(Status.NOT_RATED, "No target set")
    shortfall = target.value - current.value
    if ind.polarity == "lower":
        shortfall = -shortfall
    shown = f"{target.value:g}{'%' if ind.unit == 'percent' else ''}"
    if shortfall <= 1e-9:
        return Judgement(Status.GREEN, f"Meets target of {shown}")
    if shortfall <= target.tolerance + 1e-9:
        return Judgement(Status.AMBER, f"Within {target.tolerance:g} of target {shown}")
    if _could_be_within_tolerance(ind, current, target):
        return Judgement(
            Status.AMBER,
            f"Below target of {shown}, but with {current.denominator:,.0f} case{'s' if current.denominator != 1 else ''} its 95% interval "
            "reaches the tolerance: not clearly off track",
        )
    return Judgement(Status.RED, f"Misses target of {shown} by more than {target.tolerance:g}")


def _could_be_within_tolerance(ind: Indicator, current: Reading, target: Target) -> bool:
    """For a percentage of a small group: does its 95% interval reach the tolerance band?"""
    if ind.unit != "percent" or not current.denominator or current.numerator is None:
        return False
    low, high = proportion_interval(current.numerator, current.denominator)
    if ind.polarity == "lower":
        return low <= target.value + target.tolerance
    return high >= target.value - target.tolerance


def change_p_value(ind: Indicator, change: Change) -> float | None:
    """p-value of the year-on-year change by the test that fits the indicator's unit."""
    now, then = change.current, change.previous
    if now is None or then is None or not now.known or not then.known:
        return None
    has_parts = None not in (now.numerator, now.denominator, then.numerator, then.denominator)
    if ind.unit == "count":
        return count_change_p(now.value, then.value)
    if ind.unit == "percent" and has_parts:
        return proportion_change_p(now.numerator, now.denominator, then.numerator, then.denominator)
    if ind.unit == "rate" and has_parts and then.denominator:
        return count_change_p(now.numerator, then.numerator, now.denominator / then.denominator)
    return None


def _monitored_reason(ind: Indicator, change: Change) -> str:
    """Not rated, but still say whether the change is more than random variation."""
    p_value = change_p_value(ind, change)
    if p_value is None:
        return "Monitored, not rated"
    verdict = "within normal variation" if p_value >= SIGNIFICANCE else "a significant change"
    return f"Monitored, not rated: {verdict} on a year earlier ({_p_text(p_value)})"


def _p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def on_direction(ind: Indicator, change: Change) -> Judgement:
    """Green if significantly better than a year earlier, red if significantly worse, else amber."""
    p_value = change_p_value(ind, change)
    if p_value is None:
        return Judgement(Status.NOT_RATED, "No comparable figure a year earlier")
    if p_value >= SIGNIFICANCE or change.absolute == 0:
        return Judgement(
            Status.AMBER,
            f"Within normal variation: no significant change on a year earlier ({_p_text(p_value)})",
        )
    better = (change.absolute < 0) == (ind.polarity == "lower")
    if better:
        return Judgement(Status.GREEN, f"Significant improvement on a year earlier ({_p_text(p_value)})")
    return Judgement(Status.RED, f"Significant deterioration on a year earlier ({_p_text(p_value)})")
