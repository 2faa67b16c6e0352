"""Build cspdash/data/population_london.csv from the ONS files in ../shared/reference_data/population.

One row per London local authority and year: all ages, aged 10–17 and females aged 16+ from the ONS
mid-year estimates for 2011, 2019 and 2020, and all ages from the Census 2021 count of usual
residents (the census table held has no ages, so its other measures are left empty); see
cspdash/data/POPULATION_SOURCE.md. Run from the project root:
`python scripts/make_population.py [REFERENCE_POPULATION_DIR]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "cspdash" / "data" / "population_london.csv"
SIMILAR = ROOT / "cspdash" / "data" / "similar_areas_london.csv"


def mid_2011(folder: Path) -> pd.DataFrame:
    frame = pd.read_csv(folder / "mye_mid2011_london_syoa_sex.csv")
    by_area = frame.groupby("GEOGRAPHY_CODE")
    return pd.DataFrame(
        {
            "all_ages": by_area["OBS_VALUE"].sum(),
            "aged_10_17": frame[frame["age"].between(10, 17)].groupby("GEOGRAPHY_CODE")["OBS_VALUE"].sum(),
            "females_16_plus": frame[(frame["GENDER"] == 2) & (frame["age"] >= 16)]
            .groupby("GEOGRAPHY_CODE")["OBS_VALUE"]
            .sum(),
        }
    ).assign(year=2011, source="ONS mid-2011 population estimates (nomis NM_2002_1)")


def mid_year(folder: Path, year: int, persons: str, lsoa: str) -> pd.DataFrame:
    people = pd.read_csv(folder / persons)
    code = people.columns[0]
    people = people[people[code].str.startswith("E09")].set_index(code)
    ages = [str(a) for a in range(10, 18)]
    females = pd.read_csv(folder / lsoa)
    bands = ["Females_16-29", "Females_30-44", "Females_45-64", "Females_65+"]
    female_16 = females.groupby("LAD11CD")[bands].sum().sum(axis=1)
    return pd.DataFrame(
        {
            "all_ages": people["total_population"],
            "aged_10_17": people[ages].sum(axis=1),
            "females_16_plus": female_16,
        }
    ).assign(
        year=year, source=f"ONS mid-{year} population estimates (original vintage, before the 2021 Census revision)"
    )


CENSUS_2021_SOURCE = "ONS Census 2021 usual residents (21 March 2021)"


def census_2021(folder: Path) -> pd.DataFrame:
    """All usual residents on Census day: the 19 ethnic groups' counts summed (every usual resident is
    in exactly one group). No census table by age is held, so aged 10–17 and females 16+ stay empty."""
    frame = pd.read_csv(folder / "census2021_ethnic_group_ltla21.csv")
    counts = frame[frame["ethnic_group"].str.endswith("(number)") & frame["ltla21_code"].str.startswith("E09")]
    return pd.DataFrame({"all_ages": counts.groupby("ltla21_code")["value"].sum()}).assign(
        aged_10_17=pd.NA, females_16_plus=pd.NA, year=2021, source=CENSUS_2021_SOURCE
    )


def build(folder: Path) -> pd.DataFrame:
    parts = [
        mid_2011(folder),
        mid_year(folder, 2019, "mye2_persons_mid2019_ltla19_syoa.csv", "london_lsoa_mid2019_pop_broad_ages.csv"),
        mid_year(folder, 2020, "mye2_persons_mid2020_ltla21_syoa.csv", "london_lsoa_mid2020_pop_broad_ages.csv"),
        census_2021(folder),
    ]
    frame = pd.concat(parts).rename_axis("area_code").reset_index()
    names = pd.read_csv(folder / "mye2_persons_mid2020_ltla21_syoa.csv").set_index("ltla21_code")["ltla21_name"]
    frame["area_name"] = frame["area_code"].map(names)
    columns = ["area_code", "area_name", "year", "all_ages", "aged_10_17", "females_16_plus", "source"]
    return (
        frame[columns]
        .astype({"all_ages": int, "aged_10_17": "Int64", "females_16_plus": "Int64"})
        .sort_values(["area_code", "year"])
    )


def similar_areas(folder: Path) -> pd.DataFrame:
    """ONS 'similar areas' (demographic neighbours) of each London borough, nearest first."""
    frame = pd.read_csv(folder / "ons_els_demographic_neighbours.csv", encoding="utf-8-sig")
    frame = frame[frame["AREACD"].str.startswith("E09")]
    long = frame.melt(id_vars="AREACD", var_name="rank", value_name="neighbour_code").dropna()
    long = long.rename(columns={"AREACD": "area_code"}).astype({"rank": int})
    return long.sort_values(["area_code", "rank"])[["area_code", "rank", "neighbour_code"]]


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference_data" / "population"
    table = build(source)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False, lineterminator="\n")
    similar_areas(source).to_csv(SIMILAR, index=False, lineterminator="\n")
    print(f"wrote {len(table)} rows to {OUT} and the similar areas to {SIMILAR}")
