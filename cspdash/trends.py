"""Quarterly series from stored observations: quarters from months, rolling 12 months, YoY."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
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


def _missing(value: object) -> bool:
    return value is None or value != value  # None or NaN


def _truthy(value: object) -> bool:
    return value is True or value == 1


def combine(ind: Indicator, records: list[dict], months: int) -> dict:
    """One reading from several periods' figures (dicts with value, numerator, denominator,
    suppressed and, optionally, not_applicable and provisional), by the indicator's aggregation
    rule: a sum of counts; a rate or percentage recomputed from the summed parts, never averaged.
    Not applicable when every period is; provisional when any period is."""
    suppressed = any(bool(r["suppressed"]) for r in records)
    flags = dict(
        not_applicable=all(_truthy(r.get("not_applicable", False)) for r in records),
        provisional=any(_truthy(r.get("provisional", False)) for r in records),
    )
    if ind.aggregation == "sum":
        value = None if suppressed else float(sum(r["value"] for r in records if not _missing(r["value"])))
        return dict(value=value, numerator=None, denominator=None, suppressed=suppressed, **flags)
    numerators = [r["numerator"] for r in records]
    numerator = None if any(map(_missing, numerators)) else float(sum(numerators))
    denominators = [r["denominator"] for r in records]
    if ind.denominator_is_population:
        known = [d for d in denominators if not _missing(d)]
        denominator = float(sum(known) / len(known)) if known else None
    else:
        denominator = None if any(map(_missing, denominators)) else float(sum(denominators))
    value = None
    if not suppressed and numerator is not None and denominator is not None:
        value = ind.value_from(numerator, denominator, months)
    elif not suppressed and len(records) == 1:
        value = _nan_to_none(records[0]["value"])
    return dict(value=value, numerator=numerator, denominator=denominator, suppressed=suppressed, **flags)


def quarter_index(starts: pd.Series) -> pd.Series:
    """Each date's financial-year quarter as one integer (fy * 4 + q - 1), for grouping."""
    starts = pd.to_datetime(starts)
    fy = starts.dt.year - (starts.dt.month < 4)
    return fy * 4 + (starts.dt.month - 4) % 12 // 3


def _quarter_of(index: int) -> Quarter:
    return Quarter(index // 4, index % 4 + 1)


def quarterly(ind: Indicator, observations: pd.DataFrame) -> pd.DataFrame:
    """One row per complete quarter for one indicator and area, oldest first.

    `observations` has period_start, period_end, value, numerator, denominator, suppressed.
    Monthly figures make a quarter only when all three months are present. The periods are grouped
    in one vectorised step; only each quarter's few totals are combined in Python.
    """
    if observations.empty or ind.frequency == "year":
        return pd.DataFrame(columns=SERIES_COLUMNS)
    keys = quarter_index(observations["period_start"]).to_numpy()
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    firsts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    totals = pd.DataFrame(
        {
            "size": np.diff(np.r_[firsts, len(keys)]),
            **_sums(observations, "value", order, firsts),
            "first": _numbers(observations, "value")[order][firsts],
            **_sums(observations, "numerator", order, firsts),
            **_sums(observations, "denominator", order, firsts),
            "suppressed": np.logical_or.reduceat(observations["suppressed"].astype(bool).to_numpy()[order], firsts),
            "not_applicable": np.logical_and.reduceat(_flag_column(observations, "not_applicable")[order], firsts),
            "provisional": np.logical_or.reduceat(_flag_column(observations, "provisional")[order], firsts),
        },
        index=keys[firsts],
    )
    totals["mean_denominator"] = totals["denominator"] / totals["denominators"].where(totals["denominators"] > 0)
    has_flags = "not_applicable" in observations, "provisional" in observations
    rows = []
    for key, t in zip(totals.index.tolist(), totals.itertuples(index=False), strict=True):
        if ind.frequency != "quarter" and t.size < 3:
            continue
        rows.append(dict(quarter=_quarter_of(key), months=3, **_quarter_reading(ind, t, has_flags)))
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def _numbers(observations: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(observations[column], errors="coerce").to_numpy(float)


def _sums(observations: pd.DataFrame, column: str, order: np.ndarray, firsts: np.ndarray) -> dict[str, np.ndarray]:
    """Each group's sum of a column (missing figures count as nothing) and how many figures it has."""
    values = _numbers(observations, column)[order]
    known = ~np.isnan(values)
    return {
        column: np.add.reduceat(np.where(known, values, 0.0), firsts),
        column + "s": np.add.reduceat(known.astype(int), firsts),
    }


def _flag_column(observations: pd.DataFrame, column: str) -> np.ndarray:
    if column not in observations:
        return np.zeros(len(observations), dtype=bool)
    return observations[column].isin([1]).to_numpy(bool)


def _quarter_reading(ind: Indicator, t, has_flags: tuple[bool, bool]) -> dict:
    """A quarter's reading from its grouped totals (the same rule as `combine`)."""
    suppressed = bool(t.suppressed)
    flags = dict(
        not_applicable=bool(has_flags[0] and t.not_applicable), provisional=bool(has_flags[1] and t.provisional)
    )
    if ind.aggregation == "sum":
        value = None if suppressed else float(t.value)
        return dict(value=value, numerator=None, denominator=None, suppressed=suppressed, **flags)
    numerator = float(t.numerator) if t.numerators == t.size else None
    if ind.denominator_is_population:
        denominator = _nan_to_none(t.mean_denominator)
    else:
        denominator = float(t.denominator) if t.denominators == t.size else None
    value = None
    if not suppressed and numerator is not None and denominator is not None:
        value = ind.value_from(numerator, denominator, 3)
    elif not suppressed and t.size == 1:
        value = _nan_to_none(t.first)
    return dict(value=value, numerator=numerator, denominator=denominator, suppressed=suppressed, **flags)


def _records(series: pd.DataFrame) -> dict[Quarter, dict]:
    return {row["quarter"]: row for row in series.to_dict("records")}


def year_to_date_readings(ind: Indicator, series: pd.DataFrame) -> dict[Quarter, Reading]:
    """For every quarter after Q1 whose financial year so far is complete: the year to date."""
    by_quarter = _records(series)
    out = {}
    for quarter in by_quarter:
        wanted = [Quarter(quarter.fy, q) for q in range(1, quarter.q + 1)]
        if quarter.q > 1 and all(q in by_quarter for q in wanted):
            months = 3 * len(wanted)
            out[quarter] = Reading(months=months, **combine(ind, [by_quarter[q] for q in wanted], months))
    return out


def year_to_date_change(readings: dict[Quarter, Reading], quarter: Quarter) -> Change | None:
    now, then = readings.get(quarter), readings.get(quarter.year_earlier())
    return Change(now, then) if now is not None and then is not None else None


def rolling_twelve_months(ind: Indicator, series: pd.DataFrame) -> pd.DataFrame:
    """For each quarter with the three before it, the figure over those 12 months."""
    by_quarter = _records(series)
    rows = []
    for quarter in by_quarter:
        window = [quarter.shift(-k) for k in range(4)]
        if all(q in by_quarter for q in window):
            rows.append(dict(quarter=quarter, months=12, **combine(ind, [by_quarter[q] for q in window], 12)))
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def readings(series: pd.DataFrame) -> dict[Quarter, Reading]:
    """Every quarter's reading in a series, by quarter."""
    return {quarter: _reading(row) for quarter, row in _records(series).items()}


def _reading(row) -> Reading:
    """A reading from one row of a series (a dict, or a pandas row)."""
    return Reading(
        value=_nan_to_none(row["value"]),
        numerator=_nan_to_none(row["numerator"]),
        denominator=_nan_to_none(row["denominator"]),
        suppressed=bool(row["suppressed"]),
        months=int(row["months"]),
        not_applicable=bool(row.get("not_applicable", False)),
        provisional=bool(row.get("provisional", False)),
    )


def reading_for(series: pd.DataFrame, quarter: Quarter) -> Reading | None:
    """The series' reading for one quarter, or None if it has none."""
    match = series[series["quarter"] == quarter]
    return None if match.empty else _reading(match.iloc[0])


def year_on_year(series: pd.DataFrame, quarter: Quarter) -> Change:
    """The quarter against the same quarter of the previous financial year."""
    return Change(reading_for(series, quarter), reading_for(series, quarter.year_earlier()))
