"""The sub-groups' quarterly return workbook: a details block, then one row per indicator.

Layout (as `sample_data/generate.py` writes it, sheet "Return"):

    Youth Justice Service quarterly return        <- title
    Return kind | youth_justice
    Area        | Hackney
    Quarter     | 2024/25 Q1
    Prepared by | ...
    Indicator ID | Indicator | Numerator | Denominator | Value | Notes   <- header
    yj_fte_rate  | First time entrants ... | 12 | 21000 | | ...
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cspdash.catalogue import Catalogue, Indicator, load_catalogue
from cspdash.observations import LoadedReturn, file_sha256, tidy_frame
from cspdash.periods import PeriodError, Quarter
from data_loaders.cells import read_cell
from data_loaders.problems import Problem, ReturnRefused, cell_ref

SHEET = "Return"
HEADER = ["Indicator ID", "Indicator", "Numerator", "Denominator", "Value", "Notes"]
DETAILS = ("Return kind", "Area", "Quarter", "Prepared by")
SEARCH_ROWS = 30


@dataclass(frozen=True)
class ReturnKind:
    id: str
    subgroup: str
    title: str


RETURN_KINDS = {
    "youth_justice": ReturnKind("youth_justice", "youth_justice", "Youth Justice Service quarterly return"),
    "vawg": ReturnKind("vawg", "vawg", "VAWG and domestic abuse quarterly return"),
}


class _Reader:
    """Collects problems while reading one sheet, so the analyst sees them all at once."""

    def __init__(self, name: str, sheet: pd.DataFrame):
        self.name, self.sheet, self.problems = name, sheet, []

    def problem(self, row: int, col: int, code: str, message: str) -> None:
        self.problems.append(Problem(self.name, SHEET, cell_ref(row, col), code, message))

    def cell(self, row: int, col: int) -> object:
        if row >= self.sheet.shape[0] or col >= self.sheet.shape[1]:
            return None
        return self.sheet.iat[row, col]

    def find_in_first_column(self, label: str) -> int | None:
        for row in range(min(SEARCH_ROWS, self.sheet.shape[0])):
            value = self.cell(row, 0)
            if isinstance(value, str) and value.strip().casefold() == label.casefold():
                return row
        return None


def read_return_sheet(path: Path) -> pd.DataFrame:
    """The "Return" sheet as raw cells (no header), read with calamine."""
    return pd.read_excel(
        path, sheet_name=SHEET, header=None, engine="calamine", dtype=object, keep_default_na=False
    )


def load_quarterly_return(path: Path, catalogue: Catalogue | None = None) -> LoadedReturn:
    """Read and check a quarterly return; raise ReturnRefused listing every problem."""
    catalogue = catalogue or load_catalogue()
    path = Path(path)
    reader = _Reader(path.name, read_return_sheet(path))
    details = _details(reader, catalogue)
    header_row = reader.find_in_first_column(HEADER[0])
    if header_row is None:
        reader.problem(
            0, 0, "missing-header", f"no '{HEADER[0]}' header in column A of the first {SEARCH_ROWS} rows"
        )
    if reader.problems:
        raise ReturnRefused(reader.problems)
    kind, area, quarter = details
    rows = _indicator_rows(reader, header_row, catalogue.for_subgroup(kind.subgroup), area, quarter)
    if reader.problems:
        raise ReturnRefused(reader.problems)
    return LoadedReturn(path.name, file_sha256(path), kind.id, tidy_frame(rows))


def _details(reader: _Reader, catalogue: Catalogue) -> tuple[ReturnKind, str, Quarter] | None:
    found = {}
    for label in DETAILS[:3]:
        row = reader.find_in_first_column(label)
        if row is None:
            reader.problem(
                0, 0, "missing-detail", f"no '{label}' label in column A of the first {SEARCH_ROWS} rows"
            )
        else:
            found[label] = (row, str(reader.cell(row, 1) or "").strip())
    if len(found) < 3:
        return None
    (kind_row, kind_text), (area_row, area_text), (q_row, q_text) = found.values()
    kind = RETURN_KINDS.get(kind_text)
    if kind is None:
        reader.problem(
            kind_row, 1, "unknown-kind", f"return kind '{kind_text}' is not one of {sorted(RETURN_KINDS)}"
        )
    area = catalogue.area_named(area_text)
    if area is None:
        names = [a.name for a in catalogue.areas]
        reader.problem(
            area_row, 1, "unknown-area", f"area '{area_text}' is not in the partnership ({', '.join(names)})"
        )
    try:
        quarter = Quarter.parse(q_text)
    except PeriodError as error:
        reader.problem(q_row, 1, "bad-quarter", str(error))
        quarter = None
    if kind is None or area is None or quarter is None:
        return None
    return kind, area.name, quarter


def _indicator_rows(
    reader: _Reader, header_row: int, indicators: list[Indicator], area: str, quarter: Quarter
) -> list[dict]:
    known = {ind.id: ind for ind in indicators}
    rows, seen = [], set()
    for row in range(header_row + 1, reader.sheet.shape[0]):
        raw_id = reader.cell(row, 0)
        if read_cell(raw_id).blank:
            break
        indicator = known.get(str(raw_id).strip())
        if indicator is None:
            reader.problem(row, 0, "unknown-indicator", f"'{raw_id}' is not an indicator of this return")
            continue
        if indicator.id in seen:
            reader.problem(row, 0, "duplicate-row", f"'{indicator.id}' appears twice")
            continue
        seen.add(indicator.id)
        observation = _observation(reader, row, indicator)
        if observation is not None:
            rows.append(
                dict(
                    indicator=indicator.id,
                    area=area,
                    period_start=quarter.start,
                    period_end=quarter.end,
                    source_sheet=SHEET,
                    **observation,
                )
            )
    return rows


def _number(reader: _Reader, row: int, col: int, label: str):
    value = read_cell(reader.cell(row, col))
    if value.text is not None:
        reader.problem(
            row,
            col,
            "type-error",
            f"{label} '{value.text}' is not a number or a suppression marker like '<5'",
        )
    elif value.number is not None and value.number < 0:
        reader.problem(row, col, "negative", f"{label} {value.number:g} is negative")
    return value


def _observation(reader: _Reader, row: int, ind: Indicator) -> dict | None:
    numerator = _number(reader, row, 2, "numerator")
    denominator = _number(reader, row, 3, "denominator")
    value = _number(reader, row, 4, "value")
    suppressed = numerator.suppressed or denominator.suppressed or value.suppressed
    if numerator.number is not None and denominator.number is not None:
        if numerator.number > denominator.number and ind.unit == "percent":
            reader.problem(
                row,
                2,
                "numerator-above-denominator",
                f"numerator {numerator.number:g} is above denominator {denominator.number:g}",
            )
            return None
        computed = ind.value_from(numerator.number, denominator.number)
        return dict(
            value=computed,
            numerator=numerator.number,
            denominator=denominator.number,
            suppressed=False,
            source_cell=cell_ref(row, 2) + ":" + cell_ref(row, 3),
        )
    if value.number is not None or suppressed:
        return dict(
            value=value.number,
            numerator=numerator.number,
            denominator=denominator.number,
            suppressed=suppressed,
            source_cell=cell_ref(row, 4),
        )
    if not (numerator.text or denominator.text or value.text):
        reader.problem(
            row, 4, "missing-cell", "no value, and no numerator and denominator to compute it from"
        )
    return None
