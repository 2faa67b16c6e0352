"""Quarterly series from stored observations: quarters from months, rolling 12 months, YoY."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from cspdash.catalogue import Indicator
from cspdash.periods import Quarter

SERIES_COLUMNS = [
    "quarter",
    "value",
    "numerator",
    "denominator",
    "suppressed",
    "months",
    "not_applicable",
    "provisional",
]


@dataclass(frozen=True)
class Reading:
    """One indicator's figure for one period, with what it was computed from."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    suppressed: bool = False
    months: int = 3
    not_applicable: bool = False
    provisional: bool = False  # from a release's newest months, which the next release revises

    @property
    def known(self) -> bool:
        return self.value is not None and not self.suppressed and not math.isnan(self.value)


@dataclass(frozen=True)
class Change:
    """A figure compared with the same period a year earlier."""

    current: Reading | None
    previous: Reading | None

    @property
    def absolute(self) -> float | None:
        if self.current and self.previous and self.current.known and self.previous.known:
            return self.current.value - self.previous.value
        return None

    @property
    def percent(self) -> float | None:
        if self.absolute is None or not self.previous.value:
            return None
        return self.absolute / abs(self.previous.value) * 100.0


def _nan_to_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _flags(rows: pd.DataFrame) -> dict:
    """Not applicable when every period is; provisional when any period is."""
    not_applicable = "not_applicable" in rows and all(v is True or v == 1 for v in rows["not_applicable"].tolist())
    provisional = "provisional" in rows and any(v is True or v == 1 for v in rows["provisional"].tolist())
    return dict(not_applicable=not_applicable, provisional=provisional)


def _combine(ind: Indicator, rows: pd.DataFrame, months: int) -> dict:
    """One reading from several periods' rows, by the indicator's aggregation rule."""
    suppressed = bool(rows["suppressed"].any())
    if ind.aggregation == "sum":
        value = None if suppressed else float(rows["value"].sum())
        return dict(value=value, numerator=None, denominator=None, suppressed=suppressed, **_flags(rows))
    numerator = rows["numerator"].sum(min_count=len(rows))
    denominators = rows["denominator"]
    denominator = denominators.mean() if ind.denominator_is_population else denominators.sum(min_count=len(rows))
    value = None
    if not suppressed and not pd.isna(numerator) and not pd.isna(denominator):
        value = ind.value_from(float(numerator), float(denominator), months)
    elif not suppressed and len(rows) == 1:
        value = _nan_to_none(rows["value"].iloc[0])
    return dict(
        value=value,
        numerator=_nan_to_none(numerator),
        denominator=_nan_to_none(denominator),
        suppressed=suppressed,
        **_flags(rows),
    )


def quarterly(ind: Indicator, observations: pd.DataFrame) -> pd.DataFrame:
    """One row per complete quarter for one indicator and area, oldest first.

    `observations` has period_start, period_end, value, numerator, denominator, suppressed.
    Monthly figures make a quarter only when all three months are present.
    """
    if observations.empty or ind.frequency == "year":
        return pd.DataFrame(columns=SERIES_COLUMNS)
    obs = observations.assign(
        quarter=[Quarter.containing(d) for d in pd.to_datetime(observations["period_start"]).dt.date]
    )
    rows = []
    for quarter, group in obs.groupby("quarter", sort=True):
        months = 3 if ind.frequency == "quarter" else len(group)
        if months < 3:
            continue
        rows.append(dict(quarter=quarter, months=3, **_combine(ind, group, 3)))
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def year_to_date(ind: Indicator, series: pd.DataFrame, quarter: Quarter) -> Change | None:
    """The financial year to date (Q1 to the quarter) against the same quarters a year earlier,
    when every one of those quarters is there on both sides."""
    if quarter.q == 1:
        return None
    by_quarter = {row.quarter: row for row in series.itertuples(index=False)}
    now = [Quarter(quarter.fy, q) for q in range(1, quarter.q + 1)]
    then = [q.year_earlier() for q in now]
    if not all(q in by_quarter for q in now + then):
        return None
    months = 3 * len(now)

    def reading(quarters: list[Quarter]) -> Reading:
        combined = _combine(ind, pd.DataFrame([by_quarter[q]._asdict() for q in quarters]), months)
        return Reading(months=months, **combined)

    return Change(reading(now), reading(then))


def rolling_twelve_months(ind: Indicator, series: pd.DataFrame) -> pd.DataFrame:
    """For each quarter with the three before it, the figure over those 12 months."""
    by_quarter = {row.quarter: row for row in series.itertuples(index=False)}
    rows = []
    for quarter in by_quarter:
        window = [quarter.shift(-k) for k in range(4)]
        if all(q in by_quarter for q in window):
            frame = pd.DataFrame([by_quarter[q]._asdict() for q in window])
            rows.append(dict(quarter=quarter, months=12, **_combine(ind, frame, 12)))
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def reading_for(series: pd.DataFrame, quarter: Quarter) -> Reading | None:
    """The series' reading for one quarter, or None if it has none."""
    match = series[series["quarter"] == quarter]
    if match.empty:
        return None
    row = match.iloc[0]
    return Reading(
        value=_nan_to_none(row["value"]),
        numerator=_nan_to_none(row["numerator"]),
        denominator=_nan_to_none(row["denominator"]),
        suppressed=bool(row["suppressed"]),
        months=int(row["months"]),
        not_applicable=bool(row.get("not_applicable", False)),
        provisional=bool(row.get("provisional", False)),
    )


def year_on_year(series: pd.DataFrame, quarter: Quarter) -> Change:
    """The quarter against the same quarter of the previous financial year."""
    return Change(reading_for(series, quarter), reading_for(series, quarter.year_earlier()))
