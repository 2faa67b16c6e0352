"""Layout `indicator_rows`: a sub-group's quarterly return.

A details block (return kind, area, quarter) somewhere in the first rows, then a table with one row
per indicator: ID, name, numerator, denominator, value, notes (header aliases in kinds.py). Title
rows, logos, blank spacer rows and columns, notes under the table and totals rows are tolerated.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cspdash.catalogue import Catalogue, Indicator
from cspdash.periods import PeriodError, parse_quarter
from data_loaders.cells import CellValue, read_cell
from data_loaders.kinds import Kind
from data_loaders.problems import Collector, cell_ref
from data_loaders.reading import HEADER_SEARCH_ROWS, find_header, normalise_label

TOTAL_LABELS = {"total", "grand total", "all", "totals"}
VALUE_ROLES = ("numerator", "denominator", "value")


def find_detail(grid: pd.DataFrame, aliases: tuple[str, ...]) -> tuple[int, int, object] | None:
    """(row, column, value) of a 'Label | value' pair in the first rows; value is the next non-blank cell."""
    wanted = {normalise_label(a) for a in aliases}
    cells = grid.iloc[:HEADER_SEARCH_ROWS].to_numpy(dtype=object)  # the cells as read, without pandas per cell
    for row in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        for col in range(min(grid.shape[1], 6)):
            label = cells[row, col]
            if isinstance(label, str) and normalise_label(label).rstrip(":") in wanted:
                for value_col in range(col + 1, grid.shape[1]):
                    value = cells[row, value_col]
                    if not read_cell(value).blank:
                        return row, value_col, value
                return row, col + 1, ""
    return None


def read_details(grid: pd.DataFrame, kind: Kind, catalogue: Catalogue, collector: Collector, today: date):
    """The return's area and quarter, refusing unknown ones; None if they cannot be read."""
    found = {}
    for role in ("kind", "area", "quarter"):
        detail = find_detail(grid, kind.detail_aliases(role))
        if detail is None:
            collector.error(
                "A1",
                "missing-detail",
                f"no '{kind.detail_aliases(role)[0]}' label in the first {HEADER_SEARCH_ROWS} rows",
            )
        found[role] = detail
    if found["kind"] is not None:
        row, col, value = found["kind"]
        if normalise_label(value) not in {normalise_label(kind.id), normalise_label(kind.name)}:
            collector.error(cell_ref(row, col), "wrong-kind", f"return kind '{value}' does not match '{kind.id}'")
    area = quarter = None
    if found["area"] is not None:
        row, col, value = found["area"]
        area = catalogue.area_named(str(value))
        if area is None:
            names = ", ".join(a.name for a in catalogue.areas)
            collector.error(
                cell_ref(row, col),
                "unknown-area",
                f"area '{value}' is not in the partnership (expected one of: {names})",
            )
    if found["quarter"] is not None:
        row, col, value = found["quarter"]
        try:
            quarter = parse_quarter(value)
        except PeriodError as error:
            collector.error(cell_ref(row, col), "bad-quarter", str(error))
        else:
            if quarter.start > today:
                collector.error(
                    cell_ref(row, col),
                    "future-quarter",
                    f"{quarter.label} starts on {quarter.start:%-d %B %Y}, after today",
                )
                quarter = None
    return (area.name if area else None), quarter


def read_indicator_rows(
    grid: pd.DataFrame, sheet: str, kind: Kind, catalogue: Catalogue, collector: Collector, today: date
) -> list[dict]:
    """Canonical observation rows (with their cells) from a return sheet."""
    collector.sheet = sheet
    area, quarter = read_details(grid, kind, catalogue, collector, today)
    roles = {role: kind.aliases(role) for role in ("indicator", "name", *VALUE_ROLES, "notes")}
    header = find_header(grid, {"indicator": roles["indicator"], "value": roles["value"]}, roles)
    if header is None:
        collector.error(
            "A1",
            "missing-header",
            f"no header row with '{roles['indicator'][0]}' and '{roles['value'][0]}' columns in the first {HEADER_SEARCH_ROWS} rows",
        )
        return []
    header_row, columns, _labels = header
    indicators = {ind.id.casefold(): ind for ind in catalogue.for_subgroup(kind.subgroup)}
    rows, seen = [], {}
    wanted = {col for role, col in columns.items() if role in VALUE_ROLES or role == "indicator"}
    column = {col: grid.iloc[:, col].tolist() for col in wanted}  # the cells as read, without pandas per cell
    for row in range(header_row + 1, grid.shape[0]):
        cells = {role: read_cell(column[col][row]) for role, col in columns.items() if role in VALUE_ROLES}
        key = column[columns["indicator"]][row]
        key_text = str(key).strip()
        if read_cell(key).blank:
            if any(not c.blank for c in cells.values()):
                collector.error(
                    cell_ref(row, columns["indicator"]),
                    "missing-cell",
                    "figures with no indicator ID beside them",
                )
            continue
        indicator = indicators.get(key_text.casefold())
        if indicator is None:
            if key_text.casefold() in TOTAL_LABELS or all(c.blank for c in cells.values()):
                continue  # a totals row, or a note or footnote under the table
            collector.error(
                cell_ref(row, columns["indicator"]),
                "unknown-indicator",
                f"'{key_text}' is not an indicator of the {kind.name}",
            )
            continue
        if indicator.id in seen:
            collector.error(
                cell_ref(row, columns["indicator"]),
                "duplicate-row",
                f"'{indicator.id}' appears twice (first in row {seen[indicator.id] + 1})",
            )
            continue
        seen[indicator.id] = row
        observation = _observation(indicator, cells, columns, row, collector)
        if observation is not None and area and quarter:
            rows.append(
                dict(
                    observation,
                    indicator=indicator.id,
                    area=area,
                    area_kind="la",
                    period_start=quarter.start,
                    period_end=quarter.end,
                    source_sheet=sheet,
                )
            )
    for ind, row in missing_rows(list(indicators.values()), seen, header_row):
        where = cell_ref(row, columns["indicator"])
        collector.error(
            where, "missing-indicator", f"{ind.name} ({ind.id}) is missing: its row should be at {sheet}!{where}"
        )
    _percent_fractions(rows)
    return rows


def missing_rows(template: list[Indicator], seen: dict[str, int], header_row: int) -> list[tuple[Indicator, int]]:
    """Each quarterly indicator with no row, and the sheet row (0-based) where it belongs: in the
    template's order, just after the row of the indicator before it (the header's, for the first)."""
    missing, expected = [], header_row + 1
    for ind in template:
        if ind.id in seen:
            expected = seen[ind.id] + 1
        elif ind.frequency == "quarter":
            missing.append((ind, expected))
            expected += 1
    return missing


def _observation(
    ind: Indicator, cells: dict[str, CellValue], columns: dict[str, int], row: int, collector: Collector
) -> dict | None:
    for role, cell in cells.items():
        if cell.text is not None:
            collector.error(
                cell_ref(row, columns[role]),
                "type-error",
                f"{role} '{cell.text}' is not a number (or a suppression marker such as '<5')",
            )
    if any(c.text is not None for c in cells.values()):
        return None
    blank = CellValue(blank=True)
    numerator, denominator, value = (cells.get(role, blank) for role in VALUE_ROLES)
    ref = {role: cell_ref(row, columns[role]) if role in columns else "" for role in VALUE_ROLES}
    suppressed = numerator.suppressed or denominator.suppressed or value.suppressed
    base = dict(
        numerator=numerator.number,
        denominator=denominator.number,
        suppressed=suppressed,
        not_applicable=value.not_applicable or (numerator.not_applicable and not value.number),
        unit=ind.unit,
        value_cell=ref["value"],
        numerator_cell=ref["numerator"],
        denominator_cell=ref["denominator"],
        percent_sign=value.percent_sign,
    )
    if numerator.number is not None and denominator.number is not None and not suppressed:
        computed = ind.value_from(numerator.number, denominator.number)
        return dict(
            base,
            value=computed,
            source_cell=f"{ref['numerator']}:{ref['denominator']}",
            value_cell=ref["numerator"],
        )
    if value.number is not None or suppressed:
        return dict(base, value=None if suppressed else value.number, source_cell=ref["value"])
    collector.error(
        ref["value"] or cell_ref(row, 0),
        "missing-cell",
        "no value, and no numerator and denominator to work it out from",
    )
    return None


def _percent_fractions(rows: list[dict]) -> None:
    """Percentages typed as fractions (0.31 for 31%): if every typed percentage is ≤ 1, scale by 100."""
    typed = [r for r in rows if r["unit"] == "percent" and r["numerator"] is None and r["value"] is not None]
    if typed and all(r["value"] <= 1 and not r["percent_sign"] for r in typed) and any(r["value"] > 0 for r in typed):
        for r in typed:
            r["value"] *= 100
