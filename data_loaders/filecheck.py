"""Checks made before a file is parsed: what it really is, and that it is within the declared limits.

No parser sees a file until it has passed: size, emptiness, real format, encryption; for a workbook,
its unpacked size, how many sheets it declares, its parts' XML (no document type declarations) and
every sheet's declared and real extent; for an Excel 97 file, its sheets and records; for a CSV, its
encoding, line lengths and columns, and that it is whole (`cut_off`: a file cut short in a download
or copy ends without a line break, inside quotes, or with a short last row); for a parquet file, its
rows, columns and sizes from its metadata. What is learnt on the way (a
CSV's encoding, formula cells with no value) is returned so the file is read only once more.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from data_loaders.limits import Limits, current_limits
from data_loaders.problems import Collector
from data_loaders.xls_scan import XlsProblem, scan_xls
from data_loaders.xls_scan import declared_size as xls_declared_size
from data_loaders.xlsx_scan import (
    MAX_PARTS,
    SheetExtent,
    WorkbookProblem,
    directory_size,
    scan_workbook,
    sheet_count,
    zip_entry_count,
)
from data_loaders.xlsx_scan import declared_size as xlsx_declared_size

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PARQUET_MAGIC = b"PAR1"
EXCEL_ZIP = {".xlsx", ".xlsm"}
FORMATS = {".xlsx", ".xlsm", ".xls", ".csv", ".parquet"}
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (big-endian)"),
]


@dataclass
class FileFacts:
    """What the checks learnt: a CSV's encoding and delimiter; formula cells with no value by sheet."""

    encoding: str = ""
    encoding_name: str = ""
    delimiter: str = ","
    formulas_without_values: dict[str, list[str]] = field(default_factory=dict)


def _what_it_is(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "a zip archive"
    if head.startswith(OLE_MAGIC):
        return "an Excel 97 (OLE) file"
    if head.startswith(PARQUET_MAGIC):
        return "a parquet file"
    if head.startswith(b"%PDF"):
        return "a PDF"
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "a web page"
    if any(head.startswith(bom) for bom, _, _ in BOMS) or _looks_like_utf16(head):
        return "text"
    if b"\x00" in head:
        return "a binary file"
    return "text"


def check_file(path: Path, collector: Collector, limits: Limits | None = None) -> FileFacts:
    """Record file-level problems; after any of them the file is not parsed."""
    limits = limits or current_limits()
    facts = FileFacts()
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix not in FORMATS:
        collector.error(
            "",
            "unknown-kind",
            f"'{suffix or 'no extension'}' files are not a known return; expected one of {sorted(FORMATS)}",
        )
        return facts
    if size == 0:
        collector.error("", "empty-file", "the file is empty (0 bytes)")
        return facts
    if size > limits.max_file_bytes:
        collector.error(
            "",
            "file-too-large",
            f"the file is {size / 1048576:.1f} MB; the limit is {limits.max_file_bytes / 1048576:.0f} MB",
        )
        return facts
    with path.open("rb") as handle:
        head = handle.read(4096)
    found = _what_it_is(head)
    if suffix in EXCEL_ZIP:
        _check_xlsx(path, head, found, collector, limits, facts)
    elif suffix == ".xls":
        _check_xls(path, head, found, collector, limits)
    elif suffix == ".parquet":
        if found != "a parquet file":
            collector.error("", "wrong-format", f"a .parquet file should be a parquet file, but this is {found}")
        else:
            _check_parquet(path, collector, limits)
    elif found != "text":
        collector.error("", "wrong-format", f"a .csv file should be text, but this is {found}")
    else:
        _check_csv(path, collector, limits, facts)
    return facts


def _too_big(collector: Collector, sheet: str, extent: SheetExtent, limits: Limits) -> bool:
    """Refuse a sheet whose cells reach beyond the limits, naming the farthest cell."""
    box = extent.rows * extent.columns
    if extent.rows <= limits.max_rows and extent.columns <= limits.max_columns and box <= limits.max_cells:
        return False
    cell = extent.row_cell if extent.rows > limits.max_rows else extent.column_cell
    collector.error(
        cell,
        "too-big",
        f"the sheet's cells reach {cell}, making it {extent.rows:,} rows by {extent.columns:,} columns "
        f"({box:,} cells); the limit is {limits.describe()}: delete whatever lies beyond the table "
        "(select the empty rows and columns, Delete, save) and upload again",
        sheet=sheet,
    )
    return True


def _declared_too_big(collector: Collector, sheet: str, declared: str, size, limits: Limits) -> bool:
    if size is None:
        return False
    rows, columns = size
    if rows <= limits.max_rows and columns <= limits.max_columns and rows * columns <= limits.max_cells:
        return False
    collector.error(
        "",
        "too-big",
        f"the sheet declares its used range as {declared} ({rows:,} rows by {columns:,} columns); the limit "
        f"is {limits.describe()}: save it again from Excel, or delete whatever lies beyond the table",
        sheet=sheet,
    )
    return True


def _check_sheets(collector: Collector, sheets: dict[str, SheetExtent], limits: Limits, declared_size) -> None:
    for name, extent in sheets.items():
        size = declared_size(extent.declared) if extent.declared else None
        if _declared_too_big(collector, name, extent.declared, size, limits) or _too_big(
            collector, name, extent, limits
        ):
            return
    total = sum(extent.rows * extent.columns for extent in sheets.values())
    if total > limits.max_cells:
        collector.error(
            "",
            "too-big",
            f"the workbook's sheets hold {total:,} cells between them; the limit is {limits.max_cells:,}",
        )


def _check_xlsx(path: Path, head: bytes, found: str, collector: Collector, limits: Limits, facts: FileFacts) -> None:
    if head.startswith(OLE_MAGIC):
        if _is_encrypted_ole(path):
            collector.error(
                "",
                "encrypted",
                "the workbook is password-protected (encrypted): save it without a password and upload again",
            )
        else:
            collector.error(
                "",
                "wrong-format",
                "this is an Excel 97 (.xls) file with an .xlsx name: rename it to .xls or save it as .xlsx",
            )
        return
    if found != "a zip archive":
        collector.error("", "wrong-format", f"an {path.suffix} workbook should be a zip archive, but this is {found}")
        return
    try:
        if not _unpacked_size_ok(path, collector, limits):
            return
        with zipfile.ZipFile(path) as archive:
            if _too_many_sheets(sheet_count(archive), collector, limits):
                return
        scan = scan_workbook(path)
    except WorkbookProblem as problem:
        collector.error(problem.cell, problem.code, problem.message, sheet=problem.sheet)
        return
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        collector.error("", "corrupt-file", f"the workbook is damaged or truncated ({str(error)[:120]})")
        return
    _check_sheets(collector, scan.sheets, limits, xlsx_declared_size)
    facts.formulas_without_values = {
        name: extent.formulas_without_values for name, extent in scan.sheets.items() if extent.formulas_without_values
    }


def _too_many_sheets(count: int, collector: Collector, limits: Limits) -> bool:
    if count <= limits.max_sheets:
        return False
    collector.error(
        "",
        "too-big",
        f"the workbook has {count:,} sheets; the limit is {limits.max_sheets:,} (a return has 3, the YJB "
        "regional tables 11): copy the sheets with the table into a new workbook and upload that",
    )
    return True


PRECHECK_DIRECTORY_BYTES = 1024 * 1024
PRECHECK_WORKBOOK_BYTES = 64 * 1024 * 1024


def precheck(path: Path, collector: Collector, limits: Limits | None = None) -> None:
    """The few checks cheap and bounded enough to make before a worker is started for the file: its
    size and, for an .xlsx workbook, the number of sheets it declares (read from its zip directory
    and xl/workbook.xml alone). Anything odd is left to `check_file` in the worker, which names it."""
    limits = limits or current_limits()
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix not in FORMATS or size == 0 or size > limits.max_file_bytes:
        check_file(path, collector, limits)  # refused on the name or size alone, never opened
        return
    if suffix not in EXCEL_ZIP:
        return
    with path.open("rb") as handle:
        if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
            return
    try:
        if zip_entry_count(path) > MAX_PARTS or directory_size(path) > PRECHECK_DIRECTORY_BYTES:
            return
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > PRECHECK_WORKBOOK_BYTES or info.file_size > limits.max_zip_ratio * max(
                info.compress_size, 1
            ):
                return
            count = sheet_count(archive)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        return
    _too_many_sheets(count, collector, limits)


def _unpacked_size_ok(path: Path, collector: Collector, limits: Limits) -> bool:
    parts = zip_entry_count(path)
    if parts > MAX_PARTS:
        collector.error("", "too-big", f"the workbook holds {parts:,} parts; a workbook has at most {MAX_PARTS:,}")
        return False
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > limits.max_unzipped_bytes or total / packed > limits.max_zip_ratio:
        collector.error(
            "",
            "zip-bomb",
            f"the workbook unpacks to {total / 1048576:.0f} MB from {packed / 1048576:.1f} MB: refused as a possible zip bomb",
        )
        return False
    if "xl/workbook.xml" not in names:
        collector.error("", "wrong-format", "the zip archive is not an Excel workbook (no xl/workbook.xml)")
        return False
    return True


def _check_xls(path: Path, head: bytes, found: str, collector: Collector, limits: Limits) -> None:
    if head.startswith(ZIP_MAGIC):
        collector.error("", "wrong-format", "this is an .xlsx workbook with an .xls name: rename it to .xlsx")
        return
    if not head.startswith(OLE_MAGIC):
        collector.error("", "wrong-format", f"an .xls file should be an Excel 97 workbook, but this is {found}")
        return
    try:
        scan = scan_xls(path, max_sheets=limits.max_sheets)
    except XlsProblem as problem:
        collector.error("", problem.code, problem.message)
        return
    if _too_many_sheets(scan.sheet_count, collector, limits):
        return
    _check_sheets(collector, scan.sheets, limits, xls_declared_size)


def _is_encrypted_ole(path: Path) -> bool:
    """Office encrypts an .xlsx by wrapping it in an OLE file with these streams."""
    data = path.read_bytes()
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def _looks_like_utf16(data: bytes) -> str | None:
    """'little-endian' or 'big-endian' for UTF-16 text without a byte-order mark (mostly ASCII)."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    if odd_nuls > 0.6 and even_nuls < 0.1:
        return "little-endian"
    if even_nuls > 0.6 and odd_nuls < 0.1:
        return "big-endian"
    return None


def decode_csv(data: bytes) -> tuple[str, str, str]:
    """(text, codec, name) of a CSV's bytes: by byte-order mark, else UTF-8, else Windows-1252.

    Raises UnicodeError (with a message that names the encoding) when it is none of these."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec, name
            except UnicodeDecodeError as error:
                raise UnicodeError(
                    f"the CSV starts with a {name} byte-order mark but is not {name} text ({error.reason})"
                ) from None
    if b"\x00" in data[:4096]:
        order = _looks_like_utf16(data)
        if order:
            raise UnicodeError(
                f"the CSV looks like UTF-16 ({order}) text without a byte-order mark: save it as "
                "'CSV UTF-8' and upload again"
            )
        raise UnicodeError("the CSV holds NUL bytes: it is a binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", "Windows-1252"
    except UnicodeDecodeError:
        raise UnicodeError("the CSV is not UTF-8, UTF-16 or Windows-1252 text") from None


def _delimiter(text: str) -> str:
    """Comma, or tab for Excel's 'Unicode text' export (tabs and no commas in the first lines)."""
    head = text[:8192]
    return "\t" if "\t" in head and "," not in head else ","


def _check_csv(path: Path, collector: Collector, limits: Limits, facts: FileFacts) -> None:
    try:
        text, facts.encoding, facts.encoding_name = decode_csv(path.read_bytes())
    except UnicodeError as error:
        code = "wrong-format" if "binary" in str(error) else "encoding"
        collector.error("", code, str(error))
        return
    facts.delimiter = _delimiter(text)
    lines = text.splitlines()
    if len(lines) > limits.max_rows:
        collector.error("", "too-big", f"the CSV has {len(lines):,} lines; the limit is {limits.max_rows:,} rows")
        return
    counts = [line.count(facts.delimiter) for line in lines]
    widest = max(range(len(counts)), key=counts.__getitem__, default=0)
    if counts and counts[widest] + 1 > limits.max_columns:
        collector.error(
            f"A{widest + 1}",
            "too-big",
            f"line {widest + 1:,} has {counts[widest] + 1:,} columns; the limit is {limits.max_columns:,}",
            sheet="csv",
        )
        return
    longest = max(range(len(lines)), key=lambda i: len(lines[i]), default=0)
    if lines and len(lines[longest]) > limits.max_line_chars:
        collector.error(
            f"A{longest + 1}",
            "too-big",
            f"line {longest + 1:,} is {len(lines[longest]):,} characters long; the limit is {limits.max_line_chars:,}",
            sheet="csv",
        )
        return
    cells = sum(counts) + len(counts)
    if cells > limits.max_cells:
        collector.error("", "too-big", f"the CSV has {cells:,} cells; the limit is {limits.max_cells:,}")
        return
    if cut := cut_off(text, facts.delimiter):
        row, message = cut
        collector.error(f"A{row}", "truncated", message, sheet="csv")


EXPORT_AGAIN = "Export it again and upload the whole file."


def _records(text: str, delimiter: str):
    """(row, fields, offset of the row's first character) for each record of a CSV, quotes respected."""
    consumed = 0

    def lines():
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += len(line)
            yield line

    start = 0
    for row, fields in enumerate(csv.reader(lines(), delimiter=delimiter), start=1):
        yield row, fields, start
        start = consumed


def _ends_inside_quotes(record: str, delimiter: str) -> bool:
    try:
        for _ in csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def cut_off(text: str, delimiter: str = ",") -> tuple[int, str] | None:
    """(row, message) when a CSV looks cut short, as a failed download or copy leaves it: its last
    row (1-based, as a spreadsheet numbers it) ends inside quotes, or without the line break every
    exported file ends with, or with fewer columns than the rows of the table above it (a note of
    one cell under the table is fine)."""
    widths: Counter = Counter()
    last = None
    try:
        for last in _records(text, delimiter):
            if len(last[1]) > 1:
                widths[len(last[1])] += 1
    except csv.Error:
        return None  # the reader names what is wrong with it
    if last is None:
        return None
    row, fields, start = last
    width = widths.most_common(1)[0][0] if widths else len(fields)
    short = 1 < len(fields) < width
    has = f"has {len(fields)} of the {width} columns of the rows above it"
    if row > 1:
        start_of = f"the file seems cut off after row {row - 1}: its last row, row {row},"
    else:
        start_of = "the file seems cut off in its first row, which"
    if _ends_inside_quotes(text[start:], delimiter):
        return row, f"{start_of} ends inside a quoted value that never closes. {EXPORT_AGAIN}"
    if not text.endswith(("\n", "\r")):
        if short:
            return row, f"{start_of} {has} and ends without a line break. {EXPORT_AGAIN}"
        return row, (
            f"{start_of} ends without the line break every exported file ends with, so its last value may be "
            f"cut short. {EXPORT_AGAIN}"
        )
    if short:
        return row, f"{start_of} {has} (a note under the table belongs in one cell). {EXPORT_AGAIN}"
    return None


def _check_parquet(path: Path, collector: Collector, limits: Limits) -> None:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except Exception as error:  # pyarrow raises several types for a damaged footer
        collector.error("", "corrupt-file", f"the parquet file is damaged ({str(error).splitlines()[0][:120]})")
        return
    rows, columns = meta.num_rows, meta.num_columns
    unpacked = sum(
        meta.row_group(g).column(c).total_uncompressed_size
        for g in range(meta.num_row_groups)
        for c in range(meta.row_group(g).num_columns)
    )
    if rows > limits.max_rows or columns > limits.max_columns or rows * columns > limits.max_cells:
        collector.error(
            "",
            "too-big",
            f"the parquet file declares {rows:,} rows by {columns:,} columns; the limit is {limits.describe()}",
        )
    elif unpacked > limits.max_unzipped_bytes:
        collector.error(
            "",
            "zip-bomb",
            f"the parquet file unpacks to {unpacked / 1048576:.0f} MB; the limit is "
            f"{limits.max_unzipped_bytes / 1048576:.0f} MB",
        )
