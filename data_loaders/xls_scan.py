"""Measuring an Excel 97 (.xls) workbook without parsing it: a walk over its BIFF records.

An .xls file is an OLE container whose `Workbook` stream is a sequence of records (type, length,
data). Each sheet starts with a BOF record, declares its size in DIMENSIONS and holds one record
per cell (or run of cells) with its row and column. Walking the records gives each sheet's declared
and real extent before a reader allocates a grid for it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import olefile

from data_loaders.xlsx_scan import SheetExtent

BOF, EOF, DIMENSIONS, FILEPASS, BOUNDSHEET = 0x0809, 0x000A, 0x0200, 0x002F, 0x0085
SINGLE_CELLS = {0x0203, 0x00FD, 0x027E, 0x0201, 0x0006, 0x0205, 0x0204, 0x00D6}  # NUMBER … RSTRING
CELL_RUNS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, …, last column
WORKSHEET = 0x0010


class XlsProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class XlsScan:
    sheets: dict[str, SheetExtent]
    sheet_count: int = 0  # every sheet the workbook declares (BOUNDSHEET records), charts included


def sheet_count(data: bytes) -> int:
    """How many sheets a Workbook stream declares: its BOUNDSHEET records, found by walking the
    records (the walk stops at the first sheet's BOF, after the workbook's globals)."""
    count, offset, end, seen_bof = 0, 0, len(data), False
    while offset + 4 <= end:
        kind, length = struct.unpack_from("<HH", data, offset)
        offset += 4 + length
        if kind == BOF:
            if seen_bof:
                break
            seen_bof = True
        elif kind == BOUNDSHEET:
            count += 1
    return count


def _stream(path: Path) -> bytes:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            for name in ("Workbook", "Book"):
                if ole.exists(name):
                    return ole.openstream(name).read()
    except OSError as error:
        raise XlsProblem("corrupt-file", f"the Excel 97 file is damaged ({error})") from None
    raise XlsProblem("corrupt-file", "the Excel 97 file holds no workbook stream")


def _reach(extent: SheetExtent, row: int, first: int, last: int) -> None:
    extent.cells += max(last - first + 1, 1)
    extent.reach(row + 1, last + 1)


def _dimensions(data: bytes, biff8: bool) -> str:
    if biff8 and len(data) >= 12:
        rows, columns = struct.unpack_from("<I", data, 4)[0], struct.unpack_from("<H", data, 10)[0]
    elif len(data) >= 8:
        rows, columns = struct.unpack_from("<H", data, 2)[0], struct.unpack_from("<H", data, 6)[0]
    else:
        return ""
    return f"{rows}x{columns}"


def _sheet_name(body: bytes, biff8: bool) -> str | None:
    """A worksheet's name from its BOUNDSHEET record (None for charts and macro sheets)."""
    if len(body) < 8 or body[5] != 0:
        return None
    length = body[6]
    if not biff8:
        return body[7 : 7 + length].decode("cp1252", "replace")
    wide = body[7] & 1
    raw = body[8 : 8 + length * (2 if wide else 1)]
    return raw.decode("utf-16-le" if wide else "latin-1", "replace")


def scan_xls(path: Path, max_sheets: int | None = None) -> XlsScan:
    """Each worksheet's declared and real extent, by name; refuses encrypted workbooks. With
    `max_sheets`, a workbook that declares more sheets is not walked further (`sheets` is empty)."""
    data = _stream(path)
    count = sheet_count(data)
    if max_sheets is not None and count > max_sheets:
        return XlsScan({}, count)
    return XlsScan(scan_records(data), count)


def scan_records(data: bytes) -> dict[str, SheetExtent]:
    """Walk a Workbook stream's records: each worksheet's extent, named from its BOUNDSHEET record."""
    names: list[str] = []
    sheets: list[SheetExtent] = []
    current: SheetExtent | None = None
    biff8 = True
    offset, end = 0, len(data)
    while offset + 4 <= end:
        kind, length = struct.unpack_from("<HH", data, offset)
        body = data[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if kind == BOF and len(body) >= 4:
            version, substream = struct.unpack_from("<HH", body, 0)
            biff8 = version == 0x0600
            current = SheetExtent() if substream == WORKSHEET else None
            if current is not None:
                sheets.append(current)
        elif kind == FILEPASS:
            raise XlsProblem(
                "encrypted", "the workbook is password-protected: save it without a password and upload again"
            )
        elif kind == BOUNDSHEET and (name := _sheet_name(body, biff8)) is not None:
            names.append(name)
        elif current is None:
            continue
        elif kind == DIMENSIONS:
            current.declared = _dimensions(body, biff8)
        elif kind in SINGLE_CELLS and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body, 0)
            _reach(current, row, column, column)
        elif kind in CELL_RUNS and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body, 0)
            last = struct.unpack_from("<H", body, len(body) - 2)[0]
            _reach(current, row, first, max(first, last))
    return {names[n] if n < len(names) else f"sheet {n + 1}": extent for n, extent in enumerate(sheets)}


def declared_size(declared: str) -> tuple[int, int] | None:
    """(rows, columns) from the DIMENSIONS record as scanned ('rows x columns', one past the last)."""
    if "x" not in declared:
        return None
    rows, columns = declared.split("x")
    return int(rows), int(columns)
