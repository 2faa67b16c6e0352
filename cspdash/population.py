"""Resident populations for rates: ONS mid-year estimates (mid-2011, mid-2019, mid-2020) and the
Census 2021 count of usual residents for every London local authority, shipped with the app
(cspdash/data/population_london.csv; its source and licence are in cspdash/data/POPULATION_SOURCE.md).

A rate always says which population it uses (`Population.label`, `Population.description`). For a
wanted year the nearest base that has the measure is used, and named when it is not that year's own:
Census 2021 for 2021 onward where the census table has the measure (all ages), otherwise the nearest
mid-year estimate. The mid-2019 and mid-2020 estimates are the original vintage, as first published,
before the ONS revised them against Census 2021 (which found far fewer residents in central London:
Westminster's mid-2020 estimate is 32% above its census count), so a rate on them says so."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

TABLE = Path(__file__).with_name("data") / "population_london.csv"
MEASURES = {
    "all_ages": "residents (all ages)",
    "aged_10_17": "residents aged 10–17",
    "females_16_plus": "female residents aged 16 and over",
}
CENSUS = "ONS Census"  # how a census row's source begins (a mid-year estimate's begins "ONS mid-")
ORIGINAL_VINTAGE = "original vintage"  # in the source of the mid-2019/2020 estimates, before revision


@dataclass(frozen=True)
class Population:
    area_code: str
    measure: str
    value: int
    year: int
    wanted_year: int
    source: str

    @property
    def is_census(self) -> bool:
        return self.source.startswith(CENSUS)

    @property
    def label(self) -> str:
        """The base in a few words, to name beside a rate: 'Census 2021' or 'mid-2020'."""
        return f"Census {self.year}" if self.is_census else f"mid-{self.year}"

    @property
    def description(self) -> str:
        """E.g. 'ONS Census 2021 count of residents (all ages), the nearest to 2025 available', or
        'ONS mid-2020 estimate (original vintage) of residents aged 10–17, the nearest year to 2025
        available'."""
        if self.is_census:
            text = f"ONS Census {self.year} count of {MEASURES[self.measure]}"
            nearest = f", the nearest to {self.wanted_year} available"
        else:
            vintage = f" ({ORIGINAL_VINTAGE})" if ORIGINAL_VINTAGE in self.source else ""
            text = f"ONS mid-{self.year} estimate{vintage} of {MEASURES[self.measure]}"
            nearest = f", the nearest year to {self.wanted_year} available"
        return text + (nearest if self.year != self.wanted_year else "")


@cache
def population_table(path: Path = TABLE) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"area_code": str})


@cache
def population_for(area_code: str, measure: str, year: int) -> Population | None:
    """The base for `year` that has the measure, else the nearest year that has it (the earlier one
    on a tie): Census 2021 for 2021 onward where the census gives the measure."""
    if measure not in MEASURES:
        raise KeyError(f"unknown population measure '{measure}' (one of {sorted(MEASURES)})")
    rows = [row for row in _estimates_by_area().get(area_code, []) if _has(row[measure])]
    if not rows:
        return None
    nearest = min(rows, key=lambda row: abs(row["year"] - year) * 2 + (row["year"] > year))
    return Population(area_code, measure, int(nearest[measure]), int(nearest["year"]), year, nearest["source"])


def _has(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


@cache
def _estimates_by_area() -> dict[str, list[dict]]:
    """Each area's estimates (one per year, in the table's order), to look up without a scan."""
    by_area: dict[str, list[dict]] = {}
    for row in population_table().to_dict("records"):
        by_area.setdefault(row["area_code"], []).append(row)
    return by_area


def per_thousand(count: float, population: Population) -> float:
    return count / population.value * 1000.0
