"""Resident populations for rates: ONS mid-year estimates for every London local authority,
shipped with the app (cspdash/data/population_london.csv; its source and licence are in
cspdash/data/POPULATION_SOURCE.md). A rate always says which population and year it uses; the
nearest available year is used, and named, when the exact one is missing."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Population:
    area_code: str
    measure: str
    value: int
    year: int
    wanted_year: int
    source: str

    @property
    def description(self) -> str:
        """E.g. 'ONS mid-2020 estimate of residents (all ages), the nearest year to 2024 available'."""
        text = f"ONS mid-{self.year} estimate of {MEASURES[self.measure]}"
        if self.year != self.wanted_year:
            text += f", the nearest year to {self.wanted_year} available"
        return text


@cache
def population_table(path: Path = TABLE) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"area_code": str})


@cache
def population_for(area_code: str, measure: str, year: int) -> Population | None:
    """The estimate for `year`, else the nearest year there is (the earlier one on a tie)."""
    if measure not in MEASURES:
        raise KeyError(f"unknown population measure '{measure}' (one of {sorted(MEASURES)})")
    rows = _estimates_by_area().get(area_code)
    if not rows:
        return None
    nearest = min(rows, key=lambda row: abs(row["year"] - year) * 2 + (row["year"] > year))
    return Population(area_code, measure, int(nearest[measure]), int(nearest["year"]), year, nearest["source"])


@cache
def _estimates_by_area() -> dict[str, list[dict]]:
    """Each area's estimates (one per year, in the table's order), to look up without a scan."""
    by_area: dict[str, list[dict]] = {}
    for row in population_table().to_dict("records"):
        by_area.setdefault(row["area_code"], []).append(row)
    return by_area


def per_thousand(count: float, population: Population) -> float:
    return count / population.value * 1000.0
