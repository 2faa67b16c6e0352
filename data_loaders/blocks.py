"""Layout `report_blocks`: published report tables with one block per area on each sheet.

Each block is an area name row, optional section rows, one row per item (e.g. a disposal type) and a
TOTAL row; columns are breakdowns (age, gender, ethnicity) headed by a group row and a label row,
with a TOTAL column. The financial year comes from the title (e.g. 'Regional Disposals 2012/13').
"""

from __future__ import annotations

import re

import pandas as pd

from cspdash.catalogue import Catalogue
from cspdash.periods import Quarter
from data_loaders.cells import read_cell
from data_loaders.kinds import Kind
from data_loaders.problems import Collector, cell_ref
from data_loaders.reading import normalise_label

FY_IN_TITLE = re.compile(r"(\d{4})\s*[/-]\s*(\d{2})")


def _header_row(grid: pd.DataFrame, total_label: str) -> int | None:
    for row in range(min(10, grid.shape[0])):
        labels = [normalise_label(v) for v in grid.iloc[row]]
        if normalise_label(total_label) in labels[1:]:
            return row
    return None


def _column_labels(grid: pd.DataFrame, header_row: int, total_label: str) -> dict[int, str]:
    """'group=label' for each breakdown column ('' for the TOTAL column); groups fill rightwards."""
    group, labels = "", {}
    for col in range(1, grid.shape[1]):
        above = str(grid.iat[header_row - 1, col]).strip() if header_row > 0 else ""
        label = str(grid.iat[header_row, col]).strip()
        if above:
            group = above.lower()
        if not label:
            continue
        labels[col] = "" if normalise_label(label) == normalise_label(total_label) else f"{group}={label}"
    return labels


def read_blocks(grid: pd.DataFrame, sheet: str, kind: Kind, catalogue: Catalogue, collector: Collector) -> list[dict]:
    collector.sheet = sheet
    title = " ".join(str(v) for v in grid.iloc[0] if str(v).strip())
    match = FY_IN_TITLE.search(title)
    header_row = _header_row(grid, kind.total_label)
    if match is None or header_row is None:
        collector.error(
            "A1",
            "missing-header",
            f"no title with a financial year and no '{kind.total_label}' column header",
        )
        return []
    fy = Quarter(int(match[1]), 1)
    start, end = fy.start, Quarter(fy.fy, 4).end
    columns = _column_labels(grid, header_row, kind.total_label)
    sections = {normalise_label(s) for s in kind.sections}
    partnership = {a.name.casefold(): a.name for a in catalogue.areas}
    rows, area, first_block = [], None, True
    for row in range(header_row + 1, grid.shape[0]):
        label = str(grid.iat[row, 0]).strip()
        numbers = {col: read_cell(grid.iat[row, col]) for col in columns}
        has_numbers = any(c.number is not None for c in numbers.values())
        if not label or (not has_numbers and normalise_label(label) in sections):
            continue
        if not has_numbers:
            area = partnership.get(label.casefold(), label)
            area_kind = "region" if first_block else ("la" if label.casefold() in partnership else kind.area_kind)
            first_block = False
            continue
        if area is None:
            collector.error(cell_ref(row, 0), "missing-detail", f"figures for '{label}' before any area name")
            continue
        is_total = normalise_label(label) == normalise_label(kind.total_label)
        for col, breakdown in columns.items():
            cell = numbers[col]
            if cell.text is not None:
                collector.error(cell_ref(row, col), "type-error", f"'{cell.text}' is not a number")
                continue
            if cell.blank:
                continue
            if not is_total and breakdown:
                continue  # items are kept by their TOTAL column; breakdowns come from the TOTAL row
            item = "" if is_total else f"{kind.row_dimension}={label}"
            rows.append(
                dict(
                    indicator=kind.indicator,
                    area=area,
                    area_kind=area_kind,
                    parent="",
                    area_code="",
                    breakdown=breakdown if is_total else item,
                    period_start=start,
                    period_end=end,
                    value=cell.number,
                    numerator=None,
                    denominator=None,
                    suppressed=cell.suppressed,
                    not_applicable=cell.not_applicable,
                    source_sheet=sheet,
                    source_cell=cell_ref(row, col),
                    unit="count",
                    value_cell=cell_ref(row, col),
                )
            )
    return rows
