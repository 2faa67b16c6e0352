"""An indicator's whole history for one area, computed once (per store version) and read for any
quarter: its quarterly, rolling 12-month and year-to-date readings, the releases behind each
quarter, the points an SPC chart is drawn from, and where each quarter's figure comes from.

Assessing a quarter (`cspdash.board.assess_history`) then only slices what is here: a quarter
change recomputes nothing from the observations.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cspdash.catalogue import Indicator
from cspdash.periods import Quarter
from cspdash.trends import (
    Reading,
    quarter_index,
    quarterly,
    readings,
    rolling_twelve_months,
    year_to_date_readings,
)


@dataclass(frozen=True)
class SpcPoint:
    label: str
    start: date
    value: float
    provisional: bool
    numerator: float | None = None  # what a p or u chart is drawn from (a percent or a rate)
    denominator: float | None = None


@dataclass(frozen=True)
class Release:
    """One police release's own quarterly readings of the indicator (to compare like with like)."""

    vintage: str
    readings: dict[Quarter, Reading]


@dataclass(frozen=True)
class History:
    indicator: Indicator
    series: pd.DataFrame  # every complete quarter, oldest first
    rolling: pd.DataFrame  # every quarter's 12 months, oldest first
    quarters: tuple[Quarter, ...]  # the series' quarters, oldest first (to slice by position)
    rolling_quarters: tuple[Quarter, ...]
    by_quarter: dict[Quarter, Reading]
    rolling_by_quarter: dict[Quarter, Reading]
    year_to_date: dict[Quarter, Reading]
    vintages: dict[Quarter, frozenset[str]]  # the releases of the figures in force, by quarter
    releases: tuple[Release, ...]  # newest release first
    monthly: tuple[tuple[date, float, bool, bool], ...]  # (start, total, suppressed, provisional), oldest first
    area_codes: tuple[str, ...] | None  # None when the figures carry no area codes
    denominators: tuple[tuple[date, float], ...]  # the return's own denominators, oldest first
    provisional: tuple[tuple[date, str | None], ...]  # (start, release) of the newest months of a release
    provenance: dict[Quarter, str]

    def series_to(self, quarter: Quarter) -> pd.DataFrame:
        return self.series.iloc[: bisect_right(self.quarters, quarter)]

    def rolling_to(self, quarter: Quarter) -> pd.DataFrame:
        return self.rolling.iloc[: bisect_right(self.rolling_quarters, quarter)]

    def spc_points(self, quarter: Quarter) -> tuple[str, list[SpcPoint], list]:
        """Monthly points for a monthly source, quarterly for returns, up to the quarter; suppressed
        or missing periods left out, with the starts of the suppressed ones (a chart with holes where
        the small numbers were would be biased)."""
        ind = self.indicator
        if ind.frequency == "month" and ind.aggregation == "sum":
            inside = [m for m in self.monthly if m[0] <= quarter.end]
            points = [
                SpcPoint(f"{start:%b %Y}", start, float(value), bool(provisional))
                for start, value, suppressed, provisional in inside
                if not suppressed and pd.notna(value)
            ]
            return "month", points, [m[0] for m in inside if m[2]]
        points, suppressed = [], []
        for q in self.quarters[: bisect_right(self.quarters, quarter)]:
            reading = self.by_quarter[q]
            if reading.suppressed:
                suppressed.append(q.start)
            elif reading.value is not None:
                points.append(
                    SpcPoint(
                        q.label,
                        q.start,
                        float(reading.value),
                        bool(reading.provisional),
                        reading.numerator,
                        reading.denominator,
                    )
                )
        return "quarter", points, suppressed


def prepare(
    ind: Indicator, rows: pd.DataFrame, releases: pd.DataFrame | None = None, with_provenance: bool = False
) -> History:
    """The indicator's history from its figures in force for one area (`rows`, marked provisional by
    `cspdash.board.mark_provisional`) and the area's releases (for like-with-like comparisons)."""
    if "provisional" not in rows:
        rows = rows.assign(provisional=False)
    series = quarterly(ind, rows)
    rolling = rolling_twelve_months(ind, series)
    starts = pd.to_datetime(rows["period_start"]).dt.date if not rows.empty else pd.Series(dtype=object)
    return History(
        indicator=ind,
        series=series,
        rolling=rolling,
        quarters=tuple(series["quarter"]),
        rolling_quarters=tuple(rolling["quarter"]),
        by_quarter=readings(series),
        rolling_by_quarter=readings(rolling),
        year_to_date=year_to_date_readings(ind, series),
        vintages=_vintages(rows),
        releases=_releases(ind, releases),
        monthly=_monthly(ind, rows),
        area_codes=tuple(c for c in rows["area_code"].dropna().unique() if c) if "area_code" in rows else None,
        denominators=_denominators(rows, starts),
        provisional=tuple(
            sorted(
                (start, vintage if isinstance(vintage, str) else None)
                for start, vintage, marked in zip(
                    starts, rows.get("vintage", pd.Series(None, index=rows.index)), rows["provisional"], strict=True
                )
                if marked
            )
        ),
        provenance=_provenance(rows) if with_provenance and "source_file" in rows else {},
    )


def _vintages(rows: pd.DataFrame) -> dict[Quarter, frozenset[str]]:
    if rows.empty or "vintage" not in rows:
        return {}
    keyed = pd.DataFrame({"key": quarter_index(rows["period_start"]).to_numpy(), "vintage": rows["vintage"].to_numpy()})
    keyed = keyed[keyed["vintage"].notna() & (keyed["vintage"] != "")]
    return {
        Quarter(key // 4, key % 4 + 1): frozenset(group["vintage"]) for key, group in keyed.groupby("key", sort=True)
    }


def _releases(ind: Indicator, releases: pd.DataFrame | None) -> tuple[Release, ...]:
    """Each release of the indicator with its own quarterly readings, the newest (latest end) first."""
    if releases is None or releases.empty:
        return ()
    candidates = releases[releases["indicator"] == ind.id]
    if candidates.empty:
        return ()
    ordered = sorted(candidates.groupby("vintage"), key=lambda item: item[1]["vintage_end"].max(), reverse=True)
    return tuple(Release(vintage, readings(quarterly(ind, group))) for vintage, group in ordered)


def _monthly(ind: Indicator, rows: pd.DataFrame) -> tuple[tuple[date, float, bool, bool], ...]:
    if rows.empty or not (ind.frequency == "month" and ind.aggregation == "sum"):
        return ()
    monthly = rows.groupby("period_start", sort=True).agg(
        value=("value", "sum"), suppressed=("suppressed", "any"), provisional=("provisional", "any")
    )
    return tuple(
        (_as_date(start), value, bool(suppressed), bool(provisional))
        for start, value, suppressed, provisional in zip(
            monthly.index, monthly["value"], monthly["suppressed"], monthly["provisional"], strict=True
        )
    )


def _as_date(start) -> date:
    return start if type(start) is date else pd.Timestamp(start).date()


def _denominators(rows: pd.DataFrame, starts: pd.Series) -> tuple[tuple[date, float], ...]:
    if rows.empty or "denominator" not in rows:
        return ()
    known = rows["denominator"].notna()
    return tuple(sorted(zip(starts[known], rows.loc[known, "denominator"].astype(float), strict=True)))


def _provenance(rows: pd.DataFrame) -> dict[Quarter, str]:
    from cspdash.overview import PROVENANCE_COLUMNS, provenance_line  # the words live with the overview

    lines: dict[Quarter, list[str]] = {}
    keys = quarter_index(rows["period_start"]).tolist()
    for key, record in zip(keys, rows.reindex(columns=PROVENANCE_COLUMNS).to_dict("records"), strict=True):
        lines.setdefault(Quarter(key // 4, key % 4 + 1), []).append(provenance_line(record))
    return {quarter: "\n".join(text) for quarter, text in lines.items()}
