"""Layouts `wide` (one column per month, as the MPS publishes) and `long` (one row per figure, or one
row per crime to be counted). Both map source categories to catalogue indicators through the kind's
explicit mapping table and report on one or more geographies (levels)."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from cspdash.catalogue import Catalogue
from cspdash.periods import PeriodError, month_end, parse_month, parse_quarter
from data_loaders.cells import SUPPRESSION_MARKERS
from data_loaders.kinds import Kind, Level
from data_loaders.problems import Collector
from data_loaders.reading import Table, match_columns, normalise_label

MAX_REPORTED = 50  # problems of one kind listed per file before summarising


def cell_ranges(letter: str, rows: list[int]) -> str:
    """Cells of one column as compact ranges: rows 5, 6, 7, 9 of D → 'D5:D7,D9'."""
    parts, start, previous = [], None, None
    for row in [*sorted(rows), None]:
        if start is not None and (row is None or row != previous + 1):
            parts.append(f"{letter}{start}" if start == previous else f"{letter}{start}:{letter}{previous}")
            start = None
        if start is None:
            start = row
        previous = row
    return ",".join(parts)


def parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(numbers, suppressed, bad) for a column of cells: numbers, '1,234', suppression markers."""
    if pd.api.types.is_numeric_dtype(raw):
        numbers = raw.astype(float)
        return numbers, pd.Series(False, index=raw.index), pd.Series(False, index=raw.index)
    text = raw.astype(str).str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    lowered = text.str.casefold()
    suppressed = lowered.isin(SUPPRESSION_MARKERS)
    blank = text.eq("") | lowered.isin({"nan", "none", "na"})
    bad = numbers.isna() & ~suppressed & ~blank
    return numbers, suppressed, bad


def _column(table: Table, aliases: tuple[str, ...]) -> int | None:
    return match_columns(table.header, {"x": aliases}).get("x") if aliases else None


def _text(table: Table, col: int) -> pd.Series:
    values = table.data[col]
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.replace({"nan": "", "None": "", "<NA>": ""})


def _refs(table: Table, positions: np.ndarray | pd.Index, col: int) -> pd.Series:
    rows = np.asarray(positions) + table.first_row + 1
    return get_column_letter(col + 1) + pd.Series(rows, dtype="int64").astype(str).to_numpy()


def _row_filter(table: Table, filters: dict[str, tuple[str, ...]], collector: Collector) -> pd.Series:
    keep = pd.Series(True, index=table.data.index)
    for column, allowed in filters.items():
        col = _column(table, (column,))
        if col is None:
            continue  # an extract that already holds only the wanted rows
        keep &= _text(table, col).str.casefold().isin({a.casefold() for a in allowed})
    return keep


def _categories(table: Table, kind: Kind, keep: pd.Series, collector: Collector) -> pd.Series:
    """Indicator id for each row (NaN where unmapped and the kind ignores unmapped rows)."""
    if kind.indicator:
        return pd.Series(kind.indicator, index=table.data.index)
    cat_col = _column(table, kind.columns.get("category", ()))
    if cat_col is None:
        collector.error(
            "A1",
            "missing-column",
            f"no category column (expected one of {list(kind.columns.get('category', ()))})",
            sheet=table.sheet,
        )
        return pd.Series(np.nan, index=table.data.index)
    key = _text(table, cat_col)
    measure_col = _column(table, kind.columns.get("measure", ()))
    if measure_col is not None:
        key = key + "|" + _text(table, measure_col)
    mapped = key.str.casefold().map(kind.category_map)
    unmapped = mapped.isna() & keep & key.ne("")
    if unmapped.any() and kind.unmapped != "ignore":
        for name, positions in key[unmapped].groupby(key[unmapped]).groups.items():
            first = positions[0]
            collector.error(
                table.cell(first, cat_col),
                "unknown-category",
                f"category '{name}' is not in the mapping table for {kind.name}: add it (or map it to an indicator) before loading",
                sheet=table.sheet,
            )
    return mapped


class AreaResolver:
    """Area names, kinds, codes and parents for one level of a file."""

    def __init__(self, catalogue: Catalogue):
        self.partnership = {a.name.casefold(): a.name for a in catalogue.areas}
        self.by_code = {a.code: a.name for a in catalogue.areas}

    def resolve(self, table: Table, level: Level, collector: Collector) -> pd.DataFrame | None:
        index = table.data.index
        if level.fixed_area:
            frame = pd.DataFrame({"area": level.fixed_area, "area_code": "", "parent": ""}, index=index)
        else:
            col = _column(table, level.area)
            if col is None:
                collector.error(
                    "A1",
                    "missing-column",
                    f"no area column (expected one of {list(level.area)})",
                    sheet=table.sheet,
                )
                return None
            frame = pd.DataFrame({"area": _text(table, col)}, index=index)
            code_col = _column(table, level.code)
            frame["area_code"] = _text(table, code_col) if code_col is not None else ""
            frame["parent"] = self._parents(table, level, frame["area"])
        frame["area_kind"] = level.kind
        if level.kind == "la":
            frame["area"] = frame["area"].map(lambda a: self.partnership.get(a.casefold(), a))
        if level.non_areas:
            non = frame["area"].str.casefold().isin({n.casefold() for n in level.non_areas})
            frame.loc[non, "area_kind"] = "non_borough"
        for name, area_kind in level.area_kinds.items():
            frame.loc[frame["area"].str.casefold() == name.casefold(), "area_kind"] = area_kind
        return frame

    def _parents(self, table: Table, level: Level, areas: pd.Series) -> pd.Series:
        parent_col = _column(table, level.parent)
        if parent_col is not None:
            return _text(table, parent_col).map(lambda p: self.partnership.get(p.casefold(), p))
        code_col = _column(table, level.parent_code)
        if code_col is not None:
            return _text(table, code_col).map(lambda c: self.by_code.get(c, c))
        if level.parent_pattern:
            pattern = re.compile(level.parent_pattern)
            return areas.map(lambda a: m[1] if (m := pattern.match(a)) else "")
        return pd.Series("", index=areas.index)

    def in_scope(self, frame: pd.DataFrame, level: Level) -> pd.Series:
        if level.scope != "partnership":
            return pd.Series(True, index=frame.index)
        home = frame["parent"] if level.kind != "la" else frame["area"]
        return home.str.casefold().isin(self.partnership)


def parse_year_period(value: object) -> tuple[date, date]:
    """'2024' (calendar year), '2024-25' / '2024/25' / '2024-25 (OT)' (financial year), '2014-16' (years)."""
    text = str(value).strip()
    match = re.match(r"^(?:fy)?(\d{2}|\d{4})\s*[-/]\s*(\d{2}|\d{4})(?:\s*\(.*\))?$", text, re.I)
    if match:
        first = int(match[1]) + (2000 if len(match[1]) == 2 else 0)
        last = int(match[2]) % 100
        if last == (first + 1) % 100:
            return date(first, 4, 1), date(first + 1, 3, 31)
        span = (last - first % 100) % 100
        if 1 < span < 10:
            return date(first, 1, 1), date(first + span, 12, 31)
        raise PeriodError(f"'{text}' is not a year or financial year")
    if re.fullmatch(r"\d{4}(\.0)?", text):
        year = int(float(text))
        return date(year, 1, 1), date(year, 12, 31)
    raise PeriodError(f"'{text}' is not a year (expected e.g. 2024, 2024-25 or 2024/25)")


def _parse_periods(values: pd.Series, kind: Kind) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(start, end, bad) for a period column, parsing each distinct value once."""
    starts, ends, bad = {}, {}, set()
    for value in values.unique():
        try:
            if kind.period_kind == "year":
                starts[value], ends[value] = parse_year_period(value)
            elif kind.period_kind == "quarter":
                quarter = parse_quarter(value)
                starts[value], ends[value] = quarter.start, quarter.end
            else:
                start = parse_month(value)
                starts[value], ends[value] = start, month_end(start)
        except PeriodError:
            bad.add(value)
    return values.map(starts), values.map(ends), values.isin(bad)


def _month_columns(table: Table) -> list[tuple[int, date]]:
    months = []
    for col, label in enumerate(table.header):
        text = str(label).strip()
        if (
            re.fullmatch(r"\d{6}(\.0)?", text)
            or re.fullmatch(r"\d{4}-\d{2}(-\d{2})?( 00:00:00)?", text)
            or re.fullmatch(r"[A-Za-z]{3}[- ]\d{2}", text)
        ):
            try:
                months.append((col, parse_month(text.removesuffix(".0").removesuffix(" 00:00:00"))))
            except PeriodError:
                continue
    return months


def _report_bad_cells(table: Table, frame: pd.DataFrame, collector: Collector, what: str) -> None:
    bad = frame[frame["bad"]]
    for row in bad.head(MAX_REPORTED).itertuples():
        collector.error(row.cell, "type-error", f"'{row.raw}' is not {what}", sheet=table.sheet)
    if len(bad) > MAX_REPORTED:
        collector.error("", "type-error", f"… and {len(bad) - MAX_REPORTED} more cells like these", sheet=table.sheet)


def _checked_cells(table: Table, parts: list[pd.DataFrame], collector: Collector, expected: str) -> pd.DataFrame:
    """All the cells read, with text where a number should be and negative counts reported."""
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    _report_bad_cells(table, frame, collector, expected)
    negative = frame[frame["value"] < 0]
    for row in negative.head(MAX_REPORTED).itertuples():
        collector.error(row.cell, "negative", f"{row.value:g} is negative: a count cannot be", sheet=table.sheet)
    return frame


def read_wide(table: Table, kind: Kind, catalogue: Catalogue, collector: Collector, today: date) -> pd.DataFrame:
    """Cells of a wide table as long rows: one per (source row, month)."""
    months = _month_columns(table)
    if not months:
        collector.error(
            "A1",
            "missing-column",
            "no month columns (headed like 202404, 2024-04-01 or Apr-24)",
            sheet=table.sheet,
        )
        return pd.DataFrame()
    keep = _row_filter(table, kind.filter, collector)
    indicators = _categories(table, kind, keep, collector)
    sub_col = _column(table, kind.columns.get("subcategory", ()))
    subcategory = _text(table, sub_col) if sub_col is not None else pd.Series("", index=table.data.index)
    future = [table.cell(-1, col) for col, month in months if month > today]
    if future:
        collector.error(future[0], "future-period", f"month column {future[0]} is after today", sheet=table.sheet)
    parts = []
    for level in kind.levels:
        areas = AreaResolver(catalogue).resolve(table, level, collector)
        if areas is None:
            continue
        rows = keep & indicators.notna() & AreaResolver(catalogue).in_scope(areas, level)
        if level.skip_blank:
            rows &= areas["area"].ne("")
        base = areas[rows].assign(indicator=indicators[rows], subcategory=subcategory[rows])
        if base.empty:
            parts.extend(_month_parts(table, base, rows, months))
        else:
            parts.append(_months_at_once(table, base, rows, months))
    return _checked_cells(table, parts, collector, "a whole number of crimes")


def _month_parts(table: Table, base: pd.DataFrame, rows: pd.Series, months: list[tuple[int, date]]) -> list:
    """One frame of cells per month column: the source rows (`base`) beside that month's cells."""
    parts = []
    for col, month in months:
        numbers, suppressed, bad = parse_numbers(table.data.loc[rows, col])
        parts.append(
            base.assign(
                period_start=month,
                period_end=month_end(month),
                value=numbers,
                suppressed=suppressed,
                bad=bad,
                raw=table.data.loc[rows, col],
                cell=_refs(table, base.index, col),
                letter=get_column_letter(col + 1),
                row=base.index + table.first_row + 1,
            )
        )
    return parts


def _months_at_once(table: Table, base: pd.DataFrame, rows: pd.Series, months: list[tuple[int, date]]) -> pd.DataFrame:
    """`_month_parts` concatenated, built in one go: every month's cells stacked (month after month, as
    the parts are), their numbers parsed once for each dtype of column (as parse_numbers parses each
    column by its dtype), and the source rows repeated once per month."""
    block = table.data.loc[rows, [col for col, _month in months]]
    size, count = len(base), len(months)
    raws = [block[col] for col, _month in months]
    numbers = [None] * count
    suppressed = np.zeros((count, size), dtype=bool)
    bad = np.zeros((count, size), dtype=bool)
    by_dtype: dict[str, list[int]] = {}
    for position, raw in enumerate(raws):
        by_dtype.setdefault(str(raw.dtype), []).append(position)
    for positions in by_dtype.values():
        stacked = pd.concat([raws[p] for p in positions], ignore_index=True)
        parsed, hidden, wrong = parse_numbers(stacked)
        values = parsed.to_numpy()
        for i, position in enumerate(positions):
            numbers[position] = values[i * size : (i + 1) * size]
        suppressed[positions] = hidden.to_numpy(dtype=bool).reshape(len(positions), size)
        bad[positions] = wrong.to_numpy(dtype=bool).reshape(len(positions), size)
    frame = pd.concat([base] * count, ignore_index=True)
    rows_in_sheet = base.index.to_numpy() + table.first_row + 1
    return frame.assign(
        period_start=np.repeat(np.array([month for _col, month in months], dtype=object), size),
        period_end=np.repeat(np.array([month_end(month) for _col, month in months], dtype=object), size),
        value=np.concatenate(numbers),
        suppressed=suppressed.ravel(),
        bad=bad.ravel(),
        raw=pd.concat(raws, ignore_index=True),
        cell=np.concatenate([_refs(table, base.index, col) for col, _month in months]),
        letter=np.repeat(np.array([get_column_letter(col + 1) for col, _month in months], dtype=object), size),
        row=np.tile(rows_in_sheet, count),
    )


def read_long(table: Table, kind: Kind, catalogue: Catalogue, collector: Collector, today: date) -> pd.DataFrame:
    """Rows of a long table: one per (source row, level)."""
    period_col = _column(table, kind.columns.get("period", ()))
    value_col = _column(table, kind.columns.get("value", ()))
    if period_col is None or (value_col is None and not kind.count_rows):
        missing = "period" if period_col is None else "value"
        collector.error(
            "A1",
            "missing-column",
            f"no {missing} column (expected one of {list(kind.columns.get(missing, ()))})",
            sheet=table.sheet,
        )
        return pd.DataFrame()
    keep = _row_filter(table, kind.filter, collector)
    indicators = _categories(table, kind, keep, collector)
    raw_periods = table.data[period_col]
    starts, ends, bad_period = _parse_periods(raw_periods, kind)
    for position in np.flatnonzero((bad_period & keep & indicators.notna()).to_numpy())[:MAX_REPORTED]:
        collector.error(
            table.cell(position, period_col),
            "bad-period",
            f"'{raw_periods.iat[position]}' is not a {kind.period_kind}",
            sheet=table.sheet,
        )
    late = (
        keep & indicators.notna() & starts.notna() & (starts.map(lambda d: d > today if isinstance(d, date) else False))
    )
    for position in np.flatnonzero(late.to_numpy())[:5]:
        collector.error(
            table.cell(position, period_col),
            "future-period",
            f"{raw_periods.iat[position]} is after today",
            sheet=table.sheet,
        )
    if kind.count_rows:
        numbers = pd.Series(1.0, index=table.data.index)
        suppressed = bad = pd.Series(False, index=table.data.index)
        cell_col = _column(table, kind.columns.get("category", ())) or period_col
    else:
        numbers, suppressed, bad = parse_numbers(table.data[value_col])
        cell_col = value_col
    parts = []
    for level in kind.levels:
        areas = AreaResolver(catalogue).resolve(table, level, collector)
        if areas is None:
            continue
        rows = keep & indicators.notna() & ~bad_period & AreaResolver(catalogue).in_scope(areas, level)
        rows &= _row_filter(table, level.filter, collector)
        if level.skip_blank:
            rows &= areas["area"].ne("")
        parts.append(
            areas[rows].assign(
                indicator=indicators[rows],
                subcategory="",
                period_start=starts[rows],
                period_end=ends[rows],
                value=numbers[rows],
                suppressed=suppressed[rows],
                bad=bad[rows],
                raw=table.data.loc[rows, cell_col],
                cell=_refs(table, areas.index[rows], cell_col),
                letter=get_column_letter(cell_col + 1),
                row=areas.index[rows] + table.first_row + 1,
            )
        )
    return _checked_cells(table, parts, collector, "a number")


KEYS = ["indicator", "area", "area_kind", "parent", "period_start", "period_end"]


def aggregate(frame: pd.DataFrame, kind: Kind, sheet: str) -> pd.DataFrame:
    """Sum rows into observations per indicator, area and period (and the breakdown and total the
    kind declares), recording the cells each figure came from."""
    frame = frame[~frame["bad"]]
    if frame.empty:
        return frame
    outputs = [_sum(frame, KEYS)]
    if kind.breakdown:
        minor = frame[frame["subcategory"].ne("")]
        outputs.append(
            _sum(
                minor.assign(breakdown=kind.breakdown + "=" + minor["subcategory"].str.upper()),
                [*KEYS, "breakdown"],
            )
        )
    if kind.total_indicator:
        outputs.append(_sum(frame.assign(indicator=kind.total_indicator), KEYS))
    result = pd.concat(outputs, ignore_index=True)
    result["source_sheet"] = sheet
    if "breakdown" not in result:
        result["breakdown"] = ""
    result["breakdown"] = result["breakdown"].fillna("")
    return result


def _sum(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(keys, sort=False, dropna=False)
    summed = grouped.agg(
        value=("value", "sum"),
        suppressed=("suppressed", "any"),
        n=("row", "size"),
        letter=("letter", "first"),
        first_row=("row", "first"),
        area_code=("area_code", "first"),
    )
    summed["source_cell"] = summed["letter"] + summed["first_row"].astype(str)
    several = np.flatnonzero(summed["n"].to_numpy() > 1)
    if len(several):
        groups = grouped.ngroup().to_numpy()
        rows = frame["row"].to_numpy()
        order = np.lexsort((rows, groups))
        bounds = np.flatnonzero(np.diff(groups[order])) + 1
        in_order = rows[order]  # each group's rows together, group after group (slices, not split arrays)
        starts, ends = np.r_[0, bounds], np.r_[bounds, len(in_order)]
        letters = summed["letter"].to_numpy()
        cells = summed["source_cell"].to_numpy(dtype=object)
        for position in several:
            cells[position] = cell_ranges(letters[position], in_order[starts[position] : ends[position]].tolist())
        summed["source_cell"] = cells
    summed.loc[summed["suppressed"], "value"] = np.nan
    return summed.drop(columns=["n", "letter", "first_row"]).reset_index()


def header_matches(header: list[str], signature: tuple[str, ...]) -> bool:
    labels = {normalise_label(label) for label in header}
    return all(normalise_label(column) in labels for column in signature)
