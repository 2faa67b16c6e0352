"""What is marked on an indicator's SPC chart, each with its reason: a declared break (limits start
afresh), a baseline (limits fixed from its points) and the start of an action linked to the indicator.

Each mark is placed by its date, so it lands on the right point whichever points the chart has: a
break or an action at the first month or quarter that contains its date or follows it, a baseline
over the points that start within it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from cspdash.periods import Quarter, add_months

KINDS = ("break", "baseline", "action")


@dataclass(frozen=True)
class Annotation:
    """One mark on a chart: `label` is the short text drawn beside it, `reason` the full text (on
    hover, and in the words under the chart). A baseline runs from `start` to `end`."""

    kind: str  # one of KINDS
    start: date
    label: str
    reason: str
    end: date | None = None


def shorten(text: str, width: int = 40) -> str:
    """'Action 3: Extra patrols on the …' — whole words, an ellipsis when cut."""
    return textwrap.shorten(" ".join(str(text).split()), width, placeholder=" …")


def period_end(start: date, months: int) -> date:
    return add_months(start, months) - timedelta(days=1)


def months_of(frequency: str) -> int:
    return 1 if frequency == "month" else 3


def index_at(starts: Sequence[date], when: date, months: int) -> int | None:
    """The first point whose period contains `when` or follows it; None after the last point's period."""
    return next((i for i, start in enumerate(starts) if period_end(start, months) >= when), None)


def indexes_within(starts: Sequence[date], first: date, last: date) -> tuple[int, int] | None:
    """(first, one past the last) of the points that start within [first, last], if any."""
    inside = [i for i, start in enumerate(starts) if first <= start <= last]
    return (inside[0], inside[-1] + 1) if inside else None


def break_mark(start: date, short: str, note: str) -> Annotation:
    return Annotation("break", start, short, f"Limits start afresh: {note}")


def baseline_mark(start: date, end: date, reason: str) -> Annotation:
    return Annotation("baseline", start, f"Baseline: {shorten(reason, 48)}", f"Baseline: {reason}", end)


def _present(value) -> bool:
    return value is not None and value != "" and not bool(pd.isna(value))


def _when(row: dict) -> date | None:
    """An action's start: its `start_date` (the store's listing gives the day it was added when none
    was set: what "did it work?" reads from), else its quarter (`quarter_start`, or a `quarter`
    label), else when it was created."""
    if _present(row.get("start_date")):
        return pd.Timestamp(row["start_date"]).date()
    if _present(row.get("quarter_start")):
        return pd.Timestamp(row["quarter_start"]).date()
    if _present(row.get("quarter")):
        try:
            return Quarter.parse(str(row["quarter"])).start
        except (ValueError, KeyError, IndexError):
            pass
    if _present(row.get("created_at")):
        return pd.Timestamp(row["created_at"]).date()
    return None


def action_marks(indicator_id: str, actions: pd.DataFrame | None) -> tuple[Annotation, ...]:
    """The actions linked to the indicator (all but dropped ones), oldest first: 'Action 3: Extra
    patrols …' at its start, its full title on hover. `actions` has `id`, `title`, `indicator` (or
    `indicator_id`), `status` and `quarter_start`, a `quarter` label or `created_at`."""
    if actions is None or actions.empty:
        return ()
    column = "indicator" if "indicator" in actions else "indicator_id"
    if column not in actions:
        return ()
    linked = actions[actions[column] == indicator_id]
    if "status" in linked:
        linked = linked[linked["status"] != "dropped"]
    marks = []
    for row in linked.to_dict(orient="records"):
        when = _when(row)
        if when is None:
            continue
        title = " ".join(str(row.get("title") or "").split())
        name = f"Action {row.get('id')}"
        status = f" ({row['status']})" if row.get("status") else ""
        marks.append(
            Annotation(
                "action", when, shorten(f"{name}: {title}", 42), f"{name}: {title}{status}, from {when:%-d %b %Y}"
            )
        )
    return tuple(sorted(marks, key=lambda m: m.start))


def placed(
    marks: Sequence[Annotation], starts: Sequence[date], frequency: str
) -> list[tuple[Annotation, int, int | None]]:
    """Each mark with the point it starts at (and, for a baseline, one past its last point); marks
    outside the chart's points are left out, and so is a break at the chart's first point."""
    months = months_of(frequency)
    out = []
    for mark in marks:
        if mark.kind == "baseline":
            span = indexes_within(starts, mark.start, mark.end or mark.start)
            if span is not None:
                out.append((mark, span[0], span[1]))
            continue
        index = index_at(starts, mark.start, months)
        if index is None or (index == 0 and (mark.kind == "break" or mark.start < starts[0])):
            continue
        out.append((mark, index, None))
    return out
