"""Numbers as a board member reads them: units, signs, suppressed figures, one-line findings."""

from __future__ import annotations

from cspdash.catalogue import Indicator
from cspdash.periods import Quarter
from cspdash.status import Judgement, Status
from cspdash.trends import Change, Reading

SUPPRESSED = "Suppressed"
NOT_APPLICABLE = "Not applicable"
NO_FIGURE = "–"


def format_value(ind: Indicator, value: float | None) -> str:
    if value is None:
        return NO_FIGURE
    if ind.unit == "count":
        return f"{value:,.0f}"
    if ind.unit == "percent":
        return f"{value:.1f}%"
    if ind.unit == "gbp":
        return f"£{value:,.0f}"
    return f"{value:,.1f}"


def format_reading(ind: Indicator, reading: Reading | None) -> str:
    if reading is None:
        return NO_FIGURE
    if reading.not_applicable:
        return NOT_APPLICABLE
    if reading.suppressed:
        return SUPPRESSED
    return format_value(ind, reading.value)


def format_change(ind: Indicator, change: Change) -> str:
    """`+12 (+4.1%)`, or points for a percentage: `-3.2 pts`."""
    absolute = change.absolute
    if absolute is None:
        return NO_FIGURE
    if absolute == 0:
        return "No change"
    if ind.unit == "percent":
        return f"{absolute:+.1f} pts"
    shown = f"{absolute:+,.0f}" if ind.unit == "count" else f"{absolute:+,.1f}"
    percent = change.percent
    return shown if percent is None or is_small(ind, change) else f"{shown} ({percent:+.0f}%)"


def headline(ind: Indicator, quarter: Quarter | str, change: Change, judgement: Judgement | None = None) -> str:
    """An active title stating the finding, e.g. 'Robbery: 412 in 2024/25 Q4, down 9% on a year earlier'."""
    period = quarter if isinstance(quarter, str) else quarter.label
    now = format_reading(ind, change.current)
    if change.current is None:
        return f"{ind.name}: no figure for {period}"
    text = f"{ind.name}: {now} in {period}"
    absolute = change.absolute
    if absolute is not None:
        if absolute == 0:
            text += ", the same as a year earlier"
        else:
            direction = "up" if absolute > 0 else "down"
            text += f", {direction} {_size_of_change(ind, change)} on a year earlier"
    if judgement is not None and judgement.status is not Status.NOT_RATED:
        said = judgement.sentence.rstrip(".")
        text += f" — {judgement.status.word.lower()}: {said[0].lower()}{said[1:]}"
    return text


SMALL_COUNT = 20


def _size_of_change(ind: Indicator, change: Change) -> str:
    """Points for a percentage; for small counts the numbers themselves, not a misleading percent."""
    absolute = abs(change.absolute)
    if ind.unit == "percent":
        return f"{absolute:.1f} points"
    previous = change.previous.value
    if change.percent is None or is_small(ind, change):
        shown = f"{absolute:,.0f}" if ind.unit == "count" else f"{absolute:,.1f}"
        return f"{shown} (from {format_value(ind, previous)})"
    return f"{abs(change.percent):.0f}%"


def is_small(ind: Indicator, change: Change) -> bool:
    """A change between small counts, where a percentage would mislead (3 → 5 is not '+67%')."""
    previous = change.previous
    if ind.unit == "count":
        return previous.value < SMALL_COUNT
    if ind.unit == "rate" and previous.numerator is not None:
        return previous.numerator < SMALL_COUNT
    return False
