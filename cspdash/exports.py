"""Every table the dashboard hands out as a file (export, actions, audit log, overview, backup):
written through here, so no cell can carry a formula into someone's spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from cspdash.safe_text import neutralise, neutralise_cell

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV, formula-safe: `neutralise(frame).to_csv(index=False)`, encoded. A frame of
    text, numbers, true/false and dates (an export) is written column by column with pyarrow instead, to
    the same bytes; anything else by pandas."""
    safe = neutralise(frame)
    try:
        written = _columnwise_csv(safe)
    except (pa.ArrowException, TypeError, ValueError):  # e.g. text pyarrow will not take: pandas writes it
        written = None
    return written if written is not None else safe.to_csv(index=False).encode("utf-8")


def _csv_quoting() -> tuple[str, str]:
    """The characters that make Python's csv writer (as pandas' `to_csv` uses it: minimal quoting, lines
    ending in "\n") put a field in quotes, as a regular expression, and what the writer checks first."""
    special = []
    for code in [*range(128), 0x85, 0x2028, 0x2029]:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(["a" + chr(code) + "b", "c"])
        if out.getvalue().startswith('"'):
            special.append(chr(code))
    return "[" + "".join(re.escape(c) for c in special) + "]", "".join(special)


_QUOTED, _QUOTED_CHARACTERS = _csv_quoting()
_EMPTY = pa.scalar("", pa.large_string())


def _columnwise_csv(frame: pd.DataFrame) -> bytes | None:
    """The frame as `frame.to_csv(index=False)` writes it, UTF-8, built a column at a time; None when a
    column is of a kind not handled here (or the frame has under two columns or no rows)."""
    if frame.shape[1] < 2 or frame.shape[0] == 0 or not all(isinstance(c, str) for c in frame.columns):
        return None
    if set(_QUOTED_CHARACTERS) != {",", '"', "\n"}:
        return None  # a csv writer that quotes differently from the one this was checked against
    columns = []
    for position in range(frame.shape[1]):
        written = _csv_column(frame.iloc[:, position])
        if written is None:
            return None
        text, typed = written
        if typed and pc.any(quote := pc.match_substring_regex(text, _QUOTED)).as_py():
            mark = pa.scalar('"', pa.large_string())
            text = pc.if_else(
                quote, pc.binary_join_element_wise(mark, pc.replace_substring(text, '"', '""'), mark, _EMPTY), text
            )
        columns.append(text)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(list(frame.columns))
    lines = pc.binary_join_element_wise(*columns, pa.scalar(",", pa.large_string()))
    lines = pc.binary_join_element_wise(lines, _EMPTY, pa.scalar("\n", pa.large_string()))  # each line + "\n"
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    body = lines.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()
    return header.getvalue().encode("utf-8") + body


_TRUE_FALSE = pa.array(["False", "True"], type=pa.large_string())


def _csv_column(column: pd.Series) -> tuple[pa.Array, bool] | None:
    """A column's cells as `to_csv` writes them before quoting (large strings), and whether they are text
    that may need quoting (numbers, true/false and dates never do); None when not handled here."""
    dtype = column.dtype
    numpy = isinstance(dtype, np.dtype)
    if isinstance(dtype, pd.StringDtype):
        text = pa.array(column.array)
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        return pc.fill_null(text.cast(pa.large_string()), _EMPTY), True
    if numpy and (dtype == np.float64 or dtype.kind in "iu"):
        values = column.to_numpy()
        text = pa.array(values.astype(str), type=pa.large_string())  # pandas writes numbers as numpy spells them
        if dtype.kind == "f" and np.isnan(values).any():
            text = pc.if_else(pa.array(np.isnan(values)), _EMPTY, text)
        return text, False
    if numpy and dtype.kind == "b":
        return _TRUE_FALSE.take(pa.array(column.to_numpy().astype(np.int8))), False
    if pd.api.types.is_object_dtype(dtype):
        kind = pd.api.types.infer_dtype(column, skipna=True)
        if kind in ("string", "empty"):
            return pc.fill_null(pa.array(column.to_numpy(), type=pa.large_string(), from_pandas=True), _EMPTY), True
        if kind == "date":
            codes, dates = pd.factorize(column, use_na_sentinel=True)
            spelt = pa.array([str(d) for d in dates] + [""], type=pa.large_string())  # the csv writer's str(date)
            return spelt.take(pa.array(np.where(codes < 0, len(dates), codes))), False
    return None


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
