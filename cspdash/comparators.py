"""Is it us or everyone? An area's crime rate beside London's and its similar boroughs', with its
rank among the London boroughs, from a police release that covers every borough."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from cspdash.population import Population, population_for, population_table

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
    return ranked(rows[rows["area"].isin(complete)].groupby("area")["value"].sum(), year)


def ranked(counts: pd.Series, year: int) -> pd.DataFrame:
    """Each borough's count (indexed by borough) as a rate per 1,000 residents, ranked 1 = highest."""
    out = []
    for area, count in counts.items():
        code = code_for(area)
        population = population_for(code, "all_ages", year) if code else None
        if population is not None:
            out.append(dict(area=area, area_code=code, count=count, residents=population.value, year=population.year))
    frame = pd.DataFrame(out, columns=["area", "area_code", "count", "residents", "year"])
    if frame["year"].nunique() > 1:  # never rank boroughs on different years' estimates
        frame = frame[frame["year"] == frame["year"].mode().max()]
    frame["rate"] = frame["count"] / frame["residents"] * 1000.0
    frame["rank"] = frame["rate"].rank(ascending=False, method="min").astype(int)
    return frame.sort_values("rank").reset_index(drop=True)


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
    """One indicator of a London-wide release as month-by-borough tables (months oldest first)."""

    months: list[date]
    reported: pd.DataFrame  # a borough has any figure for the month
    counted: pd.DataFrame  # a borough has a figure that counts (the whole, not suppressed)
    counts: pd.DataFrame  # the sum of those figures

    def rates(self, start: date, end: date, year: int) -> pd.DataFrame:
        """`borough_rates` for the months `start`..`end`."""
        window = slice(bisect_left(self.months, start), bisect_right(self.months, end))
        months = self.counted.iloc[window].sum()
        months = months[months > 0]
        complete = months[months == months.max()].index  # a borough missing a month is left out
        return ranked(self.counts.iloc[window][complete].sum(), year)


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
    return LondonIndicator(list(reported.index), reported, sums["size"].fillna(0) > 0, sums["sum"].fillna(0.0))


def _starts(observations: pd.DataFrame) -> pd.Series:
    if "start" in observations:
        return observations["start"]
    return pd.to_datetime(observations["period_start"]).dt.date


def twelve_month_comparison(
    observations: pd.DataFrame | LondonFigures, indicator: str, area: str, quarter
) -> Comparison | None:
    """The 12 months to the end of a quarter, when the release has every one of them."""
    start = quarter.shift(-3).start
    period = f"12 months to the end of {quarter.label}"
    if isinstance(observations, LondonFigures):
        tables = observations.by_indicator.get(indicator)
        if tables is None or area not in tables.reported.columns:
            return None
        window = slice(bisect_left(tables.months, start), bisect_right(tables.months, quarter.end))
        if tables.reported[area].iloc[window].sum() < 12:
            return None
        return compared(tables.rates(start, quarter.end, quarter.end.year), area, quarter.end.year, period)
    months = observations[(observations["indicator"] == indicator) & (observations["area"] == area)]
    have = {d for d in _starts(months) if start <= d <= quarter.end}
    if len(have) < 12:
        return None
    return compare(observations, indicator, area, start, quarter.end, period)


def compare(
    observations: pd.DataFrame, indicator: str, area: str, start: date, end: date, period: str
) -> Comparison | None:
    """The area beside London (every borough in the release) and its similar boroughs."""
    return compared(borough_rates(observations, indicator, start, end, end.year), area, end.year, period)


def compared(rates: pd.DataFrame, area: str, year: int, period: str) -> Comparison | None:
    """The area beside London from every borough's rate (`borough_rates`)."""
    if area not in set(rates["area"]) or len(rates) < MINIMUM_BOROUGHS:
        return None  # not a London-wide release: a rank among a few areas would mislead
    mine = rates[rates["area"] == area].iloc[0]
    similar = rates[rates["area_code"].isin(similar_areas(mine["area_code"]))]
    population = population_for(mine["area_code"], "all_ages", year)
    return Comparison(
        area=area,
        rate=float(mine["rate"]),
        rank=int(mine["rank"]),
        boroughs=len(rates),
        london_rate=float(rates["count"].sum() / rates["residents"].sum() * 1000.0),
        similar_rate=float(similar["count"].sum() / similar["residents"].sum() * 1000.0) if len(similar) else None,
        similar_names=tuple(similar["area"]),
        population=population,
        period=period,
    )


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
    return pd.DataFrame(rows, columns=["Indicator", "Year", area, *PUBLISHED_PLACES, "Source"])


def _shown(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
