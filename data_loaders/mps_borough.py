"""MPS borough-level recorded crime (London Datastore): wide CSV, one column per month `YYYYMM`.

Three real header layouts: `MajorText, MinorText, LookUp_BoroughName`, `... BoroughName`, and
`Group, SubGroup, BOCU`. Categories come in Title Case or UPPER CASE. Each file is one vintage.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from cspdash.catalogue import Catalogue, load_catalogue
from cspdash.observations import LoadedReturn, file_sha256, tidy_frame
from cspdash.periods import month_end
from data_loaders.problems import Problem, ReturnRefused

KIND = "mps_borough"
HEADER_LAYOUTS = [
    ("MajorText", "MinorText", "LookUp_BoroughName"),
    ("MajorText", "MinorText", "BoroughName"),
    ("Group", "SubGroup", "BOCU"),
]
NON_BOROUGHS = {
    "unknown",
    "london heathrow and london city airports",
    "aviation security (so18)",
}
MONTH = re.compile(r"^\d{6}$")
ALL_CATEGORIES = "*"


def is_mps_borough_header(columns: list[str]) -> bool:
    return tuple(c.strip() for c in columns[:3]) in HEADER_LAYOUTS


def major_category_map(catalogue: Catalogue) -> dict[str, str]:
    """Case-folded MPS major category → indicator id, from the catalogue's `mps_major` lists."""
    return {
        major.casefold(): ind.id
        for ind in catalogue.indicators
        for major in ind.mps_major
        if major != ALL_CATEGORIES
    }


def _total_indicator(catalogue: Catalogue) -> str | None:
    return next((i.id for i in catalogue.indicators if ALL_CATEGORIES in i.mps_major), None)


def load_mps_borough(path: Path, catalogue: Catalogue | None = None) -> LoadedReturn:
    """Monthly counts per borough and indicator (minor categories summed into their major)."""
    catalogue = catalogue or load_catalogue()
    path = Path(path)
    wide = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    if not is_mps_borough_header(list(wide.columns)):
        raise ReturnRefused(
            [
                Problem(
                    path.name,
                    "csv",
                    "A1",
                    "unknown-layout",
                    f"header {list(wide.columns[:3])} is not one of the MPS layouts {HEADER_LAYOUTS}",
                )
            ]
        )
    major, _minor, borough = wide.columns[:3]
    months = [c for c in wide.columns if MONTH.match(c.strip())]
    long = _long_counts(wide, major, borough, months, path.name)
    mapping = major_category_map(catalogue)
    long["indicator"] = long["major"].str.strip().str.casefold().map(mapping)
    unmapped = sorted(long.loc[long["indicator"].isna(), "major"].unique())
    if unmapped:
        raise ReturnRefused(
            [
                Problem(
                    path.name,
                    "csv",
                    "A1",
                    "unknown-category",
                    f"major categories {unmapped} are not mapped in the catalogue (mps_major)",
                )
            ]
        )
    per_indicator = _sum_cells(long, ["indicator", "area", "month"])
    total_id = _total_indicator(catalogue)
    if total_id:
        totals = _sum_cells(long, ["area", "month"]).assign(indicator=total_id)
        per_indicator = pd.concat([per_indicator, totals], ignore_index=True)
    observations = _observations(per_indicator)
    kinds = {a: "non_borough" for a in observations["area"].unique() if a.casefold() in NON_BOROUGHS}
    vintage = f"MPS borough {months[0][:4]}-{months[0][4:]} to {months[-1][:4]}-{months[-1][4:]}"
    return LoadedReturn(path.name, file_sha256(path), KIND, observations, vintage, kinds)


def _long_counts(wide: pd.DataFrame, major: str, borough: str, months: list[str], name: str) -> pd.DataFrame:
    """One row per (CSV row, month) with the count and its spreadsheet cell."""
    frame = wide[[major, borough, *months]].rename(columns={major: "major", borough: "area"})
    frame["row"] = frame.index + 2  # row 1 is the header
    long = frame.melt(id_vars=["major", "area", "row"], var_name="month", value_name="count")
    counts = pd.to_numeric(long["count"].str.strip(), errors="coerce")
    bad = long[counts.isna() | (counts < 0)]
    if not bad.empty:
        letters = {m: get_column_letter(wide.columns.get_loc(m) + 1) for m in months}
        raise ReturnRefused(
            [
                Problem(
                    name,
                    "csv",
                    f"{letters[r.month]}{r.row}",
                    "type-error",
                    f"'{r.count}' is not a whole number of crimes",
                )
                for r in bad.head(50).itertuples()
            ]
        )
    letters = {m: get_column_letter(wide.columns.get_loc(m) + 1) for m in months}
    long["count"] = counts
    long["area"] = long["area"].str.strip()
    long["letter"] = long["month"].map(letters)
    return long


def cell_ranges(letter: str, rows: list[int]) -> str:
    """Cells of one column as compact ranges: rows 5, 6, 7, 9 of D → 'D5:D7,D9'."""
    parts, start, previous = [], None, None
    for row in sorted(rows) + [None]:
        if start is not None and (row is None or row != previous + 1):
            parts.append(f"{letter}{start}" if start == previous else f"{letter}{start}:{letter}{previous}")
            start = None
        if start is None:
            start = row
        previous = row
    return ",".join(parts)


def _sum_cells(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = long.groupby(keys, sort=False)
    summed = grouped.agg(value=("count", "sum"), letter=("letter", "first"), rows=("row", list))
    summed["source_cell"] = [
        cell_ranges(letter, rows) for letter, rows in zip(summed["letter"], summed["rows"], strict=True)
    ]
    return summed.drop(columns=["letter", "rows"]).reset_index()


def _observations(per_indicator: pd.DataFrame) -> pd.DataFrame:
    starts = {m: date(int(m[:4]), int(m[4:]), 1) for m in per_indicator["month"].unique()}
    frame = per_indicator.assign(
        period_start=per_indicator["month"].map(starts),
        period_end=per_indicator["month"].map(lambda m: month_end(starts[m])),
        numerator=None,
        denominator=None,
        suppressed=False,
        source_sheet="csv",
    )
    return tidy_frame(frame.to_dict("records"))
