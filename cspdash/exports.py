"""Every table the dashboard hands out as a file (export, actions, audit log, overview, backup):
written through here, so no cell can carry a formula into someone's spreadsheet."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from cspdash.safe_text import neutralise, neutralise_cell

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV, formula-safe."""
    return neutralise(frame).to_csv(index=False).encode("utf-8")


def _cell(sheet, value: object):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=neutralise_cell(value))
        cell.data_type = "s"  # text stays text: never a formula, whatever it starts with
        return cell
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """The frame as an Excel workbook whose every text cell is plain text (no formulas from data)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append([_cell(sheet, str(column)) for column in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(frame: pd.DataFrame, path: Path, sheet_name: str = "data") -> None:
    """Write a CSV or, for a .xlsx path, an Excel workbook."""
    path = Path(path)
    path.write_bytes(xlsx_bytes(frame, sheet_name) if path.suffix.lower() == ".xlsx" else csv_bytes(frame))
