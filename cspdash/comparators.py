"""Is it us or everyone? An area's crime rate beside London's and its similar boroughs', with its
rank among the London boroughs, from a police release that covers every borough."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cspdash.catalogue import Indicator
from cspdash.population import Population, population_for, population_table

if TYPE_CHECKING:
    from cspdash.against_london import LondonFunnel

SIMILAR = Path(__file__).with_name("data") / "similar_areas_london.csv"
MINIMUM_BOROUGHS = 30  # a release with fewer boroughs is not London-wide


@cache
def similar_areas(area_code: str, path: Path = SIMILAR) -> tuple[str, ...]:
    """ONS 'similar areas' (demographic neighbours) that are London boroughs, nearest first."""
    frame = pd.read_csv(path, dtype=str)
    return tuple(
        frame[frame["area_code"] == area_code].sort_values("rank", key=lambda r: r.astype(int))["neighbour_code"]
    )


@cache
def code_for(name: str) -> str | None:
    table = population_table()
    match = table[table["area_name"].str.casefold() == name.casefold()]
    return None if match.empty else str(match["area_code"].iloc[0])


def borough_rates(observations: pd.DataFrame, indicator: str, start: date, end: date, year: int) -> pd.DataFrame:
    """Per borough: the count over `start`..`end` (months the release has for every borough) and the
    rate per 1,000 residents, with the population year used. Ranked 1 = highest rate."""
    starts = _starts(observations)
    rows = observations[
        (observations["indicator"] == indicator)
        & (observations["breakdown"] == "")
        & (starts >= start)
        & (starts <= end)
        & ~observations["suppressed"].astype(bool)
    ]
    months = rows.groupby("area")["period_start"].nunique()
    complete = months[months == months.max()].index  # a borough missing a month is left out, not undercounted
    counts = rows[rows["area"].isin(complete)].groupby("area")["value"].sum()
    return pd.DataFrame(ranked(dict(counts.items()), year), columns=RATE_COLUMNS)


RATE_COLUMNS = ["area", "area_code", "count", "residents", "year", "rate", "rank"]


def ranked(counts: dict[str, float], year: int) -> list[dict]:
    """Each borough's count as a rate per 1,000 residents, ranked 1 = highest (boroughs in name order
    within a rank), on one year's population base (`population_for` `year`: Census 2021 from 2021 on),
    never a mix of years or vintages."""
    out = []
    for area, count in sorted(counts.items()):
        code = code_for(area)
        population = population_for(code, "all_ages", year) if code else None
        if population is not None:
            out.append(dict(area=area, area_code=code, count=count, residents=population.value, year=population.year))
    years = Counter(row["year"] for row in out)
    if len(years) > 1:  # never rank boroughs on different years' estimates
        most = max(years.values())
        commonest = max(y for y, n in years.items() if n == most)
        out = [row for row in out if row["year"] == commonest]
    for row in out:
        row["rate"] = row["count"] / row["residents"] * 1000.0
    for row in out:
        row["rank"] = 1 + sum(other["rate"] > row["rate"] for other in out)
    return sorted(out, key=lambda row: row["rank"])


@dataclass(frozen=True)
class Comparison:
    area: str
    rate: float
    rank: int
    boroughs: int
    london_rate: float
    similar_rate: float | None
    similar_names: tuple[str, ...]
    population: Population
    period: str
    funnel: LondonFunnel | None = None  # every borough on a funnel plot: the verdict the board reads

    @property
    def sentence(self) -> str:
        similar = (
            f"; similar boroughs ({', '.join(self.similar_names)}: ONS demographic neighbours) {self.similar_rate:,.1f}"
            if self.similar_rate is not None
            else ""
        )
        return (
            f"{self.period}: {self.area} {self.rate:,.1f} per 1,000 residents, {ordinal(self.rank)} highest of "
            f"{self.boroughs} London boroughs; London {self.london_rate:,.1f}{similar} "
            f"({self.population.description})"
        )


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class LondonIndicator:
    """One indicator of a London-wide release as month-by-borough tables (months oldest first),
    as running totals so that any window of months is one subtraction."""

    months: list[date]
    areas: list[str]  # in name order
    reported: np.ndarray  # running count of months in which a borough has any figure
    counted: np.ndarray  # running count of months with a figure that counts (the whole, not suppressed)
    counts: np.ndarray  # running sum of those figures

    def window(self, start: date, end: date) -> tuple[int, int]:
        return bisect_left(self.months, start), bisect_right(self.months, end)

    def months_reported(self, area: str, start: date, end: date) -> int:
        first, last = self.window(start, end)
        column = self.areas.index(area)
        return int(self.reported[last, column] - self.reported[first, column])

    def rates(self, start: date, end: date, year: int) -> list[dict]:
        """`borough_rates` for the months `start`..`end`."""
        first, last = self.window(start, end)
        months = self.counted[last] - self.counted[first]
        if not months.any():
            return []
        complete = months == months.max()  # a borough missing a month is left out, not undercounted
        totals = self.counts[last] - self.counts[first]
        return ranked({a: float(t) for a, t, keep in zip(self.areas, totals, complete, strict=True) if keep}, year)


@dataclass(frozen=True)
class LondonFigures:
    """A London-wide release, each indicator as month-by-borough tables: built once when the figures
    change, then read for any quarter."""

    by_indicator: dict[str, LondonIndicator]


def london_figures(observations: pd.DataFrame) -> LondonFigures:
    if observations.empty:
        return LondonFigures({})
    dated = observations.assign(start=pd.to_datetime(observations["period_start"]).dt.date)
    return LondonFigures({indicator: _tables(rows) for indicator, rows in dated.groupby("indicator")})


def _tables(rows: pd.DataFrame) -> LondonIndicator:
    reported = rows.groupby(["start", "area"]).size().unstack(fill_value=0).sort_index().sort_index(axis=1) > 0
    counting = rows[(rows["breakdown"] == "") & ~rows["suppressed"].astype(bool)]
    sums = counting.groupby(["start", "area"])["value"].agg(["sum", "size"]).unstack()
    sums = sums.reindex(index=reported.index, columns=pd.MultiIndex.from_product([["sum", "size"], reported.columns]))

    def running(table: pd.DataFrame) -> np.ndarray:
        values = table.to_numpy(dtype=float)
        return np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])

    return LondonIndicator(
        list(reported.index),
        list(reported.columns),
        running(reported),
        running(sums["size"].fillna(0) > 0),
        running(sums["sum"].fillna(0.0)),
    )


def _starts(observations: pd.DataFrame) -> pd.Series:
    if "start" in observations:
        return observations["start"]
    return pd.to_datetime(observations["period_start"]).dt.date


def twelve_month_comparison(
    observations: pd.DataFrame | LondonFigures, indicator: str | Indicator, area: str, quarter
) -> Comparison | None:
    """The 12 months to the end of a quarter, when the release has every one of them; given the
    catalogue's `Indicator` (not only its id), with every borough on a funnel plot."""
    ind = indicator if isinstance(indicator, Indicator) else None
    indicator = indicator.id if isinstance(indicator, Indicator) else indicator
    start = quarter.shift(-3).start
    period = f"12 months to the end of {quarter.label}"
    if isinstance(observations, LondonFigures):
        tables = observations.by_indicator.get(indicator)
        if tables is None or area not in tables.areas or tables.months_reported(area, start, quarter.end) < 12:
            return None
        return compared(tables.rates(start, quarter.end, quarter.end.year), area, quarter.end.year, period, ind)
    months = observations[(observations["indicator"] == indicator) & (observations["area"] == area)]
    have = {d for d in _starts(months) if start <= d <= quarter.end}
    if len(have) < 12:
        return None
    return compare(observations, indicator, area, start, quarter.end, period, ind)


def compare(
    observations: pd.DataFrame,
    indicator: str,
    area: str,
    start: date,
    end: date,
    period: str,
    ind: Indicator | None = None,
) -> Comparison | None:
    """The area beside London (every borough in the release) and its similar boroughs."""
    rates = borough_rates(observations, indicator, start, end, end.year).to_dict("records")
    return compared(rates, area, end.year, period, ind)


def compared(rates: list[dict], area: str, year: int, period: str, ind: Indicator | None = None) -> Comparison | None:
    """The area beside London from every borough's rate (`ranked`); with the indicator, every
    borough on a funnel plot (`cspdash.against_london`)."""
    if area not in {row["area"] for row in rates} or len(rates) < MINIMUM_BOROUGHS:
        return None  # not a London-wide release: a rank among a few areas would mislead
    mine = next(row for row in rates if row["area"] == area)
    neighbours = set(similar_areas(mine["area_code"]))
    similar = [row for row in rates if row["area_code"] in neighbours]
    population = population_for(mine["area_code"], "all_ages", year)
    return Comparison(
        area=area,
        rate=float(mine["rate"]),
        rank=int(mine["rank"]),
        boroughs=len(rates),
        london_rate=float(sum(r["count"] for r in rates) / sum(r["residents"] for r in rates) * 1000.0),
        similar_rate=float(sum(r["count"] for r in similar) / sum(r["residents"] for r in similar) * 1000.0)
        if similar
        else None,
        similar_names=tuple(row["area"] for row in similar),
        population=population,
        period=period,
        funnel=None if ind is None else _funnel(ind, area, period, rates, neighbours, population),
    )


def _funnel(ind: Indicator, area: str, period: str, rates: list[dict], neighbours, population) -> LondonFunnel | None:
    from cspdash.against_london import london_funnel

    base = f"{population.label} residents (all ages) for every borough"
    return london_funnel(ind.name, ind.polarity, area, period, rates, neighbours, base, population.label)


# ---- published annual comparators (e.g. DfE LAIT: the area, London and England) -----------------

PUBLISHED_PLACES = ("London", "England")


def _year_label(start: date, end: date) -> str:
    if start.month == 1 and end.month == 12 and start.year == end.year:
        return str(start.year)
    if start.month == 4 and end.month == 3 and end.year == start.year + 1:
        return f"{start.year}/{str(end.year)[2:]}"
    return f"{start:%b %Y} to {end:%b %Y}"


def published_comparators(observations: pd.DataFrame, indicators, area: str) -> pd.DataFrame:
    """For each published annual indicator: its latest year with a figure for the area, the area's
    figure, London's and England's from the same publication and year. A comparator published on a
    different scale (over 5× apart from the area and London) is shown as not comparable."""
    columns = ["Indicator", "Year", area, *PUBLISHED_PLACES, "Source"]
    if observations.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    wanted = {ind.id: ind for ind in indicators if ind.frequency == "year"}
    frame = observations[observations["indicator"].isin(wanted) & (observations["breakdown"] == "")]
    for indicator_id, group in frame.groupby("indicator", sort=False):
        ours = group[(group["area"] == area) & ~group["suppressed"].astype(bool) & group["value"].notna()]
        if ours.empty:
            continue
        latest = ours.sort_values("period_end").iloc[-1]
        same_year = group[
            (group["period_start"] == latest["period_start"]) & (group["period_end"] == latest["period_end"])
        ]
        values = {
            place: same_year.loc[same_year["area"] == place, "value"].dropna().tolist() for place in PUBLISHED_PLACES
        }
        row = {
            "Indicator": wanted[indicator_id].name,
            "Year": _year_label(latest["period_start"], latest["period_end"]),
            area: _shown(latest["value"]),
        }
        reference = [float(latest["value"]), *(values["London"][:1])]
        for place in PUBLISHED_PLACES:
            if not values[place]:
                row[place] = "–"
                continue
            value = float(values[place][0])
            apart = any(r and (value / r > 5 or value / r < 0.2) for r in reference if place != "London" or r != value)
            row[place] = f"{_shown(value)} (not comparable: published on a different scale)" if apart else _shown(value)
        row["Source"] = ", ".join(sorted({v for v in same_year.get("vintage", pd.Series(dtype=str)).dropna() if v}))
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _shown(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
