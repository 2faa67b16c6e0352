"""Reading any supported file: checked, its kind detected (or given), read by its layout, validated.

`load_file` returns the file's tidy observations, or raises ReturnRefused listing every problem
(file, sheet, cell, code, message); warnings ride along on the result.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd

from cspdash.catalogue import Catalogue, load_catalogue
from cspdash.observations import LoadedReturn, tidy_frame
from data_loaders.blocks import read_blocks
from data_loaders.filecheck import FileFacts, check_file
from data_loaders.kinds import Kind, load_kinds
from data_loaders.limits import Limits
from data_loaders.problems import Collector, cell_ref
from data_loaders.reading import (
    CSV_SHEET,
    HEADER_SEARCH_ROWS,
    Table,
    excel_sheet_names,
    header_labels,
    normalise_label,
    read_csv_grid,
    read_excel_grid,
    read_parquet_table,
    table_from_grid,
)
from data_loaders.rows import find_detail, read_indicator_rows
from data_loaders.tables import aggregate, header_matches, read_long, read_wide
from data_loaders.validation import check_duplicates, check_rules, check_values

EXCEL = {".xlsx", ".xlsm", ".xls"}


def load_file(
    path: Path,
    catalogue: Catalogue | None = None,
    kind: str | None = None,
    today: date | None = None,
    name: str | None = None,
    facts: FileFacts | None = None,
    limits: Limits | None = None,
) -> LoadedReturn:
    """Read and check one file; raise ReturnRefused naming every problem.

    `name` is the file's name as its owner knows it (default: the path's). The file is first checked
    against `limits` (default: those in force) unless `facts` says the checks have already run."""
    path, catalogue, today = Path(path), catalogue or load_catalogue(), today or date.today()
    collector = Collector(name or path.name)
    if facts is None:
        facts = check_file(path, collector, limits)
        collector.raise_if_errors()
    kinds = load_kinds()
    if kind is not None and kind not in kinds:
        collector.error("", "unknown-kind", f"'{kind}' is not a known kind: {', '.join(sorted(kinds))}")
        collector.raise_if_errors()
    frame, chosen = _read(path, kinds[kind] if kind else None, kinds, catalogue, collector, today, facts)
    if collector.errors:
        _formula_warnings(facts, collector, {(p.sheet, p.cell) for p in collector.errors})
        collector.raise_if_errors()
    if frame.empty:
        collector.error("", "no-data", "no figures found in the file")
        collector.raise_if_errors()
    _formula_warnings(facts, collector, set(frame["source_sheet"].unique()))
    observations = tidy_frame(frame)
    vintage = None
    if chosen.vintage:
        vintage = (
            f"{chosen.vintage} {min(observations['period_start']):%Y-%m} to {max(observations['period_start']):%Y-%m}"
        )
    content = path.read_bytes()
    return LoadedReturn(
        collector.file,
        hashlib.sha256(content).hexdigest(),
        chosen.id,
        observations,
        vintage,
        collector.warnings,
        content,
    )


def _read(
    path: Path,
    kind: Kind | None,
    kinds: dict[str, Kind],
    catalogue: Catalogue,
    collector: Collector,
    today: date,
    facts: FileFacts,
):
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = read_parquet_table(path, collector)
        kind = kind or _kind_from_header(table.header, kinds, collector, table.sheet)
        return _by_layout_table(table, kind, catalogue, collector, today), kind
    if suffix == ".csv":
        sheets = {CSV_SHEET: read_csv_grid(path, collector, facts.delimiter)}
    else:
        sheets = {name: None for name in excel_sheet_names(path, collector)}
    kind, sheet_name, grid = _detect(path, kind, kinds, sheets, collector)
    if kind is None:
        return pd.DataFrame(), None
    if kind.layout == "report_blocks":
        frames = []
        for name in sheets:
            grid = sheets[name] if sheets[name] is not None else read_excel_grid(path, name, collector)
            frames.extend(read_blocks(grid, name, kind, catalogue, collector))
        return _checked(pd.DataFrame(frames), kind, catalogue, collector), kind
    if kind.layout == "indicator_rows":
        rows = read_indicator_rows(grid, sheet_name, kind, catalogue, collector, today)
        return _checked(pd.DataFrame(rows), kind, catalogue, collector), kind
    header = _signature_row(grid, kind)
    if header is None:
        collector.error(
            "A1",
            "missing-column",
            f"no header row with the columns of {kind.name}: {list(kind.detect[0]) if kind.detect else ''}",
            sheet=sheet_name,
        )
        return pd.DataFrame(), kind
    table = table_from_grid(grid, sheet_name, header)
    return _by_layout_table(table, kind, catalogue, collector, today), kind


def _checked(frame: pd.DataFrame, kind: Kind, catalogue: Catalogue, collector: Collector) -> pd.DataFrame:
    if frame.empty:
        return frame
    if "breakdown" not in frame:
        frame["breakdown"] = ""
    for column in ("parent", "area_code"):
        if column not in frame:
            frame[column] = ""
    check_values(frame, kind, collector)
    check_rules(frame, kind, catalogue, collector)
    check_duplicates(frame, collector)
    return frame


def _by_layout_table(table: Table, kind: Kind, catalogue: Catalogue, collector: Collector, today: date) -> pd.DataFrame:
    reader = read_wide if kind.layout == "wide" else read_long
    cells = reader(table, kind, catalogue, collector, today)
    if cells.empty:
        return cells
    if not kind.count_rows and not kind.sum_rows:
        _duplicate_source_rows(table, cells, collector)
    return aggregate(cells, kind, table.sheet)


def _duplicate_source_rows(table: Table, cells: pd.DataFrame, collector: Collector) -> None:
    key = ["indicator", "subcategory", "area", "area_kind", "parent", "period_start"]
    if "measure" in cells:
        key.append("measure")
    duplicated = cells[cells.duplicated(key, keep="first")]
    for row in duplicated.head(20).itertuples():
        collector.error(
            row.cell,
            "duplicate-row",
            f"a second row for {row.indicator} {row.subcategory} in {row.area}, {row.period_start:%Y-%m}".replace(
                "  ", " "
            ),
            sheet=table.sheet,
        )


def _detect(path: Path, kind: Kind | None, kinds: dict[str, Kind], sheets: dict, collector: Collector):
    """(kind, sheet name, grid) for a workbook or CSV."""

    def grid_of(name):
        if sheets[name] is None:
            sheets[name] = read_excel_grid(path, name, collector)
        return sheets[name]

    candidates = [kind] if kind else list(kinds.values())
    for candidate in (k for k in candidates if k.layout == "indicator_rows"):
        for name in sheets:
            if name == CSV_SHEET or any(normalise_label(name) == normalise_label(s) for s in candidate.sheets):
                grid = grid_of(name)
                detail = find_detail(grid, candidate.detail_aliases("kind"))
                if kind is not None or (
                    detail
                    and normalise_label(detail[2]) in {normalise_label(candidate.id), normalise_label(candidate.name)}
                ):
                    return candidate, name, grid
    if kind is not None and kind.layout == "indicator_rows":
        collector.error(
            "",
            "missing-sheet",
            f"no sheet named {' or '.join(repr(s) for s in kind.sheets)} (sheets found: {', '.join(sheets)})",
        )
        return None, None, None
    if kind is None and _unknown_return_kind(sheets, grid_of, kinds, collector):
        return None, None, None
    first = next(iter(sheets))
    grid = grid_of(first)
    title = " ".join(str(v) for v in grid.iloc[0]) if len(grid) else ""
    for candidate in (k for k in candidates if k.layout == "report_blocks"):
        if candidate.detect_title and candidate.detect_title.casefold() in title.casefold():
            return candidate, first, grid
    for name in sheets:
        grid = grid_of(name)
        found = _kind_from_grid(grid, [k for k in candidates if k.detect])
        if found:
            return found, name, grid
    names = ", ".join(sorted(kinds))
    collector.error(
        "A1",
        "unknown-kind",
        f"not a known return or publication: no 'Return kind' detail and no known header (kinds: {names})",
        sheet=first,
    )
    return None, None, None


def _unknown_return_kind(sheets: dict, grid_of, kinds: dict[str, Kind], collector: Collector) -> bool:
    """A return whose 'Return kind' names no known kind: say which cell and what is known."""
    aliases = {normalise_label(s) for k in kinds.values() for s in k.sheets}
    returns = [k for k in kinds.values() if k.is_return]
    for name in sheets:
        if name != CSV_SHEET and normalise_label(name) not in aliases:
            continue
        detail = find_detail(grid_of(name), returns[0].detail_aliases("kind")) if returns else None
        if detail and str(detail[2]).strip():
            row, col, value = detail
            known = ", ".join(k.id for k in returns)
            collector.error(
                cell_ref(row, col),
                "unknown-kind",
                f"return kind '{value}' is not known (expected one of: {known})",
                sheet=name,
            )
            return True
    return False


def _kind_from_grid(grid: pd.DataFrame, kinds: list[Kind]) -> Kind | None:
    best, best_size = None, 0
    for row in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        labels = header_labels(grid, row)
        for kind in kinds:
            for signature in kind.detect:
                if len(signature) > best_size and header_matches(labels, signature):
                    best, best_size = kind, len(signature)
        if best:
            return best
    return None


def _kind_from_header(header: list[str], kinds: dict[str, Kind], collector: Collector, sheet: str) -> Kind | None:
    found = _kind_from_grid(pd.DataFrame([header]), list(kinds.values()))
    if found is None:
        collector.error("A1", "unknown-kind", f"columns {header[:6]} are not those of a known publication", sheet=sheet)
        collector.raise_if_errors()
    return found


def _signature_row(grid: pd.DataFrame, kind: Kind) -> int | None:
    for row in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        labels = header_labels(grid, row)
        if any(header_matches(labels, signature) for signature in kind.detect):
            return row
    return None


def _formula_warnings(facts: FileFacts, collector: Collector, where: set) -> None:
    """Formula cells Excel never calculated: their value is unknown (read as blank). `where` holds
    the sheets read, or (sheet, cell) pairs: the cells already in error, so their cause is named."""
    for sheet, cells in facts.formulas_without_values.items():
        wanted = [c for c in cells if (sheet, c) in where] if sheet not in where else cells
        for cell in wanted[:20]:
            collector.warn(
                cell,
                "formula-no-value",
                "a formula with no calculated value: open the file in Excel, let it calculate, save, and upload again",
                sheet=sheet,
            )
