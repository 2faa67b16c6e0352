"""Measuring an .xlsx workbook without parsing it: one streaming pass over every XML part.

A workbook is a zip of XML parts. Before any spreadsheet reader sees one, every part is
decompressed in bounded chunks and scanned (never parsed) for:

- each sheet's declared size (`<dimension ref=…>`) and its real cell extent: a reader allocates a
  grid from the first cell to the farthest, so one cell at XFD1048576 asks for 17 billion cells;
- document type declarations (`<!DOCTYPE`, `<!ENTITY`), which Excel never writes and which an
  "entity bomb" needs;
- formula cells Excel never calculated (a formula with no cached value), named by their cell.

The number of sheets the workbook declares is counted first, from `xl/workbook.xml` alone
(`sheet_count`), so that a workbook of 100,000 sheets is refused before anything reads one.

The scan is linear in the size of the XML: each chunk is cut after a closed cell or row, so no
pattern ever searches past the cell it started in.
"""

from __future__ import annotations

import html
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1024 * 1024
MAX_CARRY = 8 * 1024 * 1024
MAX_PARTS = 10_000
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix, as some writers use (x:c)
_CELL = re.compile(rb"<" + _NS + rb"c\b[^>]*>")
_CELL_WITH_REF = re.compile(rb"<" + _NS + rb"c\b[^>]*?\sr\s*=\s*[\"']([A-Za-z]{1,4})([0-9]{1,9})[\"']")
_ROW_OR_CELL = re.compile(rb"<" + _NS + rb"(row|c)\b([^>]*)>")
_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]{0,4})([0-9]{1,9})[\"']")
_DIMENSION = re.compile(rb"<" + _NS + rb"dimension\b[^>]*?\sref\s*=\s*[\"']([^\"']*)[\"']")
_CELL_END = re.compile(rb"</" + _NS + rb"(?:c|row|sheetData)\s*>")
_FORMULA_CELL = re.compile(
    rb"<" + _NS + rb"c\b([^>]*[^/>])?>((?:(?!<" + _NS + rb"c\b).){0,1048576}?)</" + _NS + rb"c\s*>", re.S
)
_FORMULA = re.compile(rb"<" + _NS + rb"f\b")
_VALUE = re.compile(rb"<" + _NS + rb"v\b[^>/]*>\s*[^<\s]")
_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?sheet\b")
_SHEET_OVERLAP = 48  # longer than any match of _SHEET, so a chunk's tail is looked at again
SHEET_PART = re.compile(r"^xl/(?:worksheets|macrosheets|dialogsheets)/[^/]+\.xml$", re.I)


class WorkbookProblem(Exception):
    """A workbook refused before parsing: (code, message, sheet, cell)."""

    def __init__(self, code: str, message: str, sheet: str = "", cell: str = ""):
        super().__init__(message)
        self.code, self.message, self.sheet, self.cell = code, message, sheet, cell


def column_number(letters: bytes | str) -> int:
    """'A' → 1, 'XFD' → 16384 (no upper bound: a hostile reference is just large)."""
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class SheetExtent:
    """How far a sheet's cells reach, and where (1-based)."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    row_cell: str = ""  # a cell on the last row
    column_cell: str = ""  # a cell in the last column
    declared: str = ""  # the <dimension ref> as written
    formulas_without_values: list[str] = field(default_factory=list)

    def reach(self, row: int, column: int) -> None:
        if row > self.rows:
            self.rows, self.row_cell = row, f"{column_letters(column)}{row}"
        if column > self.columns:
            self.columns, self.column_cell = column, f"{column_letters(column)}{row}"


@dataclass
class WorkbookScan:
    sheets: dict[str, SheetExtent]  # by sheet name (parts not named in the workbook by part name)
    unzipped_bytes: int


def _end_record(path: Path) -> tuple[bytes, int]:
    """The zip's last 66,000 bytes and where its end-of-central-directory record starts in them."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 66_000))
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        raise zipfile.BadZipFile("no end of central directory")
    return tail, end


def zip_entry_count(path: Path) -> int:
    """The number of parts a zip's end record declares, read before opening it (zip64 too)."""
    tail, end = _end_record(path)
    count = struct.unpack_from("<H", tail, end + 10)[0]
    locator = end - 20
    if count == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        offset = struct.unpack_from("<Q", tail, locator + 8)[0]
        with path.open("rb") as handle:
            handle.seek(offset)
            record = handle.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) >= 40:
            count = struct.unpack_from("<Q", record, 32)[0]
    return count


def directory_size(path: Path) -> int:
    """The size in bytes of a zip's central directory, as its end record declares it."""
    tail, end = _end_record(path)
    return struct.unpack_from("<I", tail, end + 12)[0]


def sheet_count(archive: zipfile.ZipFile) -> int:
    """How many sheets the workbook declares: its `<sheet>` elements, counted in one streaming pass
    over xl/workbook.xml (never parsed)."""
    count, carry = 0, b""
    with archive.open("xl/workbook.xml") as stream:
        while chunk := stream.read(CHUNK):
            buffer = carry + chunk
            cut = max(len(buffer) - _SHEET_OVERLAP, 0)
            count += sum(1 for match in _SHEET.finditer(buffer) if match.start() < cut)
            carry = buffer[cut:]
    return count + len(_SHEET.findall(carry))


def sheet_names_by_part(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet XML part → the sheet's name, from the workbook and its relationships."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for attributes in re.findall(r"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        rel_id = re.search(r"\bId\s*=\s*[\"']([^\"']*)[\"']", attributes)
        target = re.search(r"\bTarget\s*=\s*[\"']([^\"']*)[\"']", attributes)
        if rel_id and target:
            targets[rel_id[1]] = target[1]
    names = {}
    for attributes in re.findall(r"<(?:\w+:)?sheet\b([^>]*)>", workbook):
        name = re.search(r"\bname\s*=\s*[\"']([^\"']*)[\"']", attributes)
        rel_id = re.search(r"\b\w+:id\s*=\s*[\"']([^\"']*)[\"']", attributes)
        if name and rel_id and rel_id[1] in targets:
            target = targets[rel_id[1]]
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            names[part] = html.unescape(name[1])
    return names


def _refs_in(part: bytes, extent: SheetExtent, position: list[int]) -> None:
    """Update the extent from the cells in a piece of sheet XML; `position` is the [row, column]
    reached so far (cells without an r attribute follow the previous one, as readers place them)."""
    refs = _CELL_WITH_REF.findall(part)
    total = len(_CELL.findall(part))
    extent.cells += total
    if total == len(refs):
        if refs:
            rows = list(map(int, (row for _, row in refs)))
            last_row = max(rows)
            numbers = {letters: column_number(letters) for letters in set(col for col, _ in refs)}
            last_column = max(numbers.values())
            if last_row > extent.rows:
                extent.reach(last_row, numbers[refs[rows.index(last_row)][0]])
            if last_column > extent.columns:
                letters = max(numbers, key=numbers.get)
                extent.reach(int(next(row for col, row in refs if col == letters)), last_column)
            position[:] = [int(refs[-1][1]), numbers[refs[-1][0]]]
        return
    for match in _ROW_OR_CELL.finditer(part):
        ref = _REF.search(match[2])
        if match[1] == b"row":
            position[:] = [int(ref[2]) if ref else position[0] + 1, 0]
            continue
        if ref and ref[1]:
            position[:] = [int(ref[2]), column_number(ref[1])]
        else:
            position[1] += 1
        extent.reach(*position)


def _formulas_in(part: bytes, extent: SheetExtent) -> None:
    if not _FORMULA.search(part):
        return
    for match in _FORMULA_CELL.finditer(part):
        body = match[2]
        if _FORMULA.search(body) and not _VALUE.search(body):
            ref = _REF.search(match[1] or b"")
            extent.formulas_without_values.append(ref[1].decode() + ref[2].decode() if ref else "")


def _cut(buffer: bytes, final: bool) -> int:
    """Where to end this piece: after the last closed cell or row, so no cell is split."""
    if final:
        return len(buffer)
    tail_start = max(0, len(buffer) - 65_536)
    for start in (tail_start, 0):
        ends = [m.end() for m in _CELL_END.finditer(buffer, start)]
        if ends:
            return ends[-1]
    if len(buffer) > MAX_CARRY:
        return buffer.rfind(b">") + 1
    return 0


def _refuse_dtd(name: str, sheet: str = "") -> None:
    where = "the sheet" if sheet else f"the workbook's part {name}"
    raise WorkbookProblem(
        "unsafe-xml",
        f"{where} declares a document type or entities, which Excel never writes: refused as a possible entity bomb",
        sheet=sheet,
    )


def _check_no_dtd(archive: zipfile.ZipFile, name: str) -> None:
    """Read a part through (so its CRC is checked) looking for a document type declaration."""
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(CHUNK):
            if _DOCTYPE.search(tail + chunk):
                _refuse_dtd(name)
            tail = chunk[-32:]


def _pieces(archive: zipfile.ZipFile, name: str, sheet: str):
    """A sheet's XML in pieces that end after a closed cell or row (and checked for DTDs)."""
    carry = b""
    with archive.open(name) as stream:
        while True:
            chunk = stream.read(CHUNK)
            buffer = carry + chunk
            cut = _cut(buffer, final=not chunk)
            piece, carry = buffer[:cut], buffer[cut:]
            if _DOCTYPE.search(piece):
                _refuse_dtd(name, sheet)
            if piece:
                yield piece
            if not chunk:
                return


def scan_sheet(archive: zipfile.ZipFile, part: str, sheet: str) -> SheetExtent:
    extent = SheetExtent()
    position = [0, 0]
    for number, piece in enumerate(_pieces(archive, part, sheet)):
        if number == 0 and (declared := _DIMENSION.search(piece)):
            extent.declared = declared[1].decode("ascii", "replace")
        _refs_in(piece, extent, position)
        _formulas_in(piece, extent)
    return extent


def scan_workbook(path: Path) -> WorkbookScan:
    """Every part scanned once: sheet extents, formulas without values, and no DTD anywhere
    (call after checking `zip_entry_count` and the declared unpacked sizes)."""
    with zipfile.ZipFile(path) as archive:
        names = sheet_names_by_part(archive)
        sheets, unzipped = {}, 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            if SHEET_PART.match(info.filename):
                sheet = names.get(info.filename, info.filename)
                sheets[sheet] = scan_sheet(archive, info.filename, sheet)
            else:
                _check_no_dtd(archive, info.filename)
            unzipped += info.file_size
    return WorkbookScan(sheets, unzipped)


def declared_size(ref: str) -> tuple[int, int] | None:
    """(rows, columns) of a declared range such as 'A1:XFD1048576' (measured from A1)."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,4})\$?(\d{1,9})(?::\$?([A-Za-z]{1,4})\$?(\d{1,9}))?", ref.strip())
    if not match:
        return None
    letters, row = (match[3], match[4]) if match[3] else (match[1], match[2])
    return int(row), column_number(letters)
