"""Reading a file's cells: Excel with calamine, CSV in the encodings analysts' tools write, parquet.

A sheet is read as a raw grid (no header), so that every value keeps the row and column the analyst
sees; `find_header` then locates the table under any title rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data_loaders.problems import Collector, ReturnRefused, cell_ref

HEADER_SEARCH_ROWS = 30
CSV_SHEET = "csv"
PARQUET_SHEET = "parquet"


@dataclass
class Table:
    """A table's header and data rows; `first_row` is the sheet row (0-based) of data row 0."""

    sheet: str
    header: list[str]
    data: pd.DataFrame
    first_row: int

    def cell(self, position: int, column: int) -> str:
        return cell_ref(self.first_row + position, column)


def normalise_label(value: object) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def excel_sheet_names(path: Path, collector: Collector) -> list[str]:
    try:
        return list(pd.ExcelFile(path, engine="calamine").sheet_names)
    except Exception as error:  # calamine raises several types for damaged files
        _refuse_unreadable(path, error, collector)


def _refuse_unreadable(path: Path, error: Exception, collector: Collector):
    text = str(error)
    if isinstance(error, MemoryError) or type(error).__name__ == "ArrowMemoryError" or "malloc of size" in text:
        raise MemoryError(text) from error  # the worker's memory cap, not a damaged file
    if "password" in text.lower() or "encrypt" in text.lower():
        collector.error(
            "", "encrypted", "the workbook is password-protected: save it without a password and upload again"
        )
    else:
        collector.error(
            "",
            "corrupt-file",
            f"the file could not be read as {path.suffix} ({text.splitlines()[0][:120] if text else type(error).__name__})",
        )
    raise ReturnRefused(collector.problems)


def read_excel_grid(path: Path, sheet: str, collector: Collector) -> pd.DataFrame:
    """One sheet as a grid of raw cell values ('' for empty cells)."""
    try:
        grid = pd.read_excel(
            path,
            sheet_name=sheet,
            header=None,
            engine="calamine",
            dtype=object,
            keep_default_na=False,
            na_values=[],
        )
    except Exception as error:
        _refuse_unreadable(path, error, collector)
    grid.columns = range(grid.shape[1])
    return grid


def decode_text(path: Path, collector: Collector) -> str:
    """CSV text in UTF-8 or UTF-16 (by byte-order mark) or Windows-1252; CRLF or LF."""
    from data_loaders.filecheck import decode_csv

    try:
        return decode_csv(path.read_bytes())[0]
    except UnicodeError as error:
        collector.error("", "encoding", str(error))
        raise ReturnRefused(collector.problems) from None


def read_csv_grid(path: Path, collector: Collector, delimiter: str = ",") -> pd.DataFrame:
    """A CSV as a grid of text cells; ragged rows (a title line above the table) are padded."""
    text = decode_text(path, collector)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        collector.error("", "corrupt-file", f"the CSV could not be read ({error})", sheet=CSV_SHEET)
        raise ReturnRefused(collector.problems) from None
    width = max((len(row) for row in rows), default=0)
    if width == 0:
        collector.error("", "empty-file", "the CSV has no cells", sheet=CSV_SHEET)
        raise ReturnRefused(collector.problems)
    grid = pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)
    grid.columns = range(width)
    return grid


def read_parquet_table(path: Path, collector: Collector) -> Table:
    try:
        frame = pd.read_parquet(path)
    except Exception as error:
        _refuse_unreadable(path, error, collector)
    header = [str(c) for c in frame.columns]
    frame.columns = range(frame.shape[1])
    return Table(PARQUET_SHEET, header, frame, first_row=1)


def header_labels(grid: pd.DataFrame, row: int) -> list[str]:
    """The labels of a header row; a blank cell takes the label above it (a header merged down)."""
    labels = []
    for col in range(grid.shape[1]):
        label = grid.iat[row, col]
        if (label is None or str(label).strip() == "") and row > 0:
            label = grid.iat[row - 1, col]
        labels.append("" if label is None else " ".join(str(label).split()))
    return labels


def match_columns(labels: list[str], roles: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Column position of each role whose alias appears among the labels."""
    found = {}
    normalised = [normalise_label(label) for label in labels]
    for role, aliases in roles.items():
        for alias in aliases:
            wanted = normalise_label(alias)
            if wanted in normalised:
                found[role] = normalised.index(wanted)
                break
    return found


def find_header(grid: pd.DataFrame, required: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]]):
    """The header row in the first 30 rows that names every required role: (row, {role: column})."""
    best = None
    for row in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        labels = header_labels(grid, row)
        found = match_columns(labels, {**required, **optional})
        if all(role in found for role in required):
            if best is None or len(found) > len(best[1]):
                best = (row, found, labels)
            if len(found) == len(required) + len(optional):
                break
    return best


def table_from_grid(grid: pd.DataFrame, sheet: str, header_row: int) -> Table:
    data = grid.iloc[header_row + 1 :].reset_index(drop=True)
    return Table(sheet, header_labels(grid, header_row), data, first_row=header_row + 1)
