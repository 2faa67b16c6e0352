"""Build cspdash/data/census2021_ethnic_group_london.csv from ../shared/reference_data/population.

One row per London local authority (E09000001–E09000033) and high-level ethnic group (Asian, Black,
Mixed, White, Other): Census 2021 usual residents of **all ages**, the 19 detailed groups' counts
summed to the five groups (see cspdash/data/POPULATION_SOURCE.md). Run from the project root:
`python scripts/make_census_ethnicity.py [REFERENCE_POPULATION_DIR]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "cspdash" / "data" / "census2021_ethnic_group_london.csv"
SOURCE = "census2021_ethnic_group_ltla21.csv"
LONDON = [f"E09{n:06d}" for n in range(1, 34)]
# The label before ':' → the group's short name, in the ONS order
GROUPS = {
    "Asian, Asian British or Asian Welsh": "Asian",
    "Black, Black British, Black Welsh, Caribbean or African": "Black",
    "Mixed or Multiple ethnic groups": "Mixed",
    "White": "White",
    "Other ethnic group": "Other",
}
COUNT_SUFFIX = "(number)"


def broad_group(label: str) -> str:
    """'Black, Black British, …: African (number)' → 'Black'; an unknown heading is refused."""
    heading = label.split(":", 1)[0].strip()
    if heading not in GROUPS:
        raise ValueError(f"ethnic group '{label}' has no known high-level group")
    return GROUPS[heading]


def build(folder: Path) -> pd.DataFrame:
    frame = pd.read_csv(folder / SOURCE, dtype={"ltla21_code": str})
    counts = frame[frame["ltla21_code"].isin(LONDON) & frame["ethnic_group"].str.strip().str.endswith(COUNT_SUFFIX)]
    counts = counts.assign(group=counts["ethnic_group"].map(broad_group))
    table = (
        counts.groupby(["ltla21_code", "ltla21_name", "group"], as_index=False)["value"]
        .sum()
        .rename(columns={"ltla21_code": "area_code", "ltla21_name": "area_name", "value": "population"})
    )
    if sorted(table["area_code"].unique()) != LONDON or len(table) != len(LONDON) * len(GROUPS):
        raise ValueError(f"expected {len(GROUPS)} groups for each of the {len(LONDON)} London authorities")
    order = pd.Categorical(table["group"], categories=list(GROUPS.values()), ordered=True)
    table = table.assign(order=order).sort_values(["area_code", "order"]).drop(columns="order")
    return table.astype({"population": int}).reset_index(drop=True)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference_data" / "population"
    table = build(source)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False, lineterminator="\n")
    print(f"wrote {len(table)} rows to {OUT}")
