"""Checks made before a file is parsed: size, emptiness, real format, encryption, zip bombs."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from data_loaders.problems import Collector

DEFAULT_MAX_MB = 20.0
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_ZIP_RATIO = 100
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PARQUET_MAGIC = b"PAR1"
EXCEL_ZIP = {".xlsx", ".xlsm"}
FORMATS = {".xlsx", ".xlsm", ".xls", ".csv", ".parquet"}


def max_file_bytes() -> int:
    """The size cap: DASHBOARD_MAX_UPLOAD_MB, default 20 MB."""
    return int(float(os.environ.get("DASHBOARD_MAX_UPLOAD_MB", DEFAULT_MAX_MB)) * 1024 * 1024)


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
    if b"\x00" in head:
        return "a binary file"
    return "text"


def check_file(path: Path, collector: Collector) -> None:
    """Record file-level problems; after any of them the file is not parsed."""
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix not in FORMATS:
        collector.error(
            "",
            "unknown-kind",
            f"'{suffix or path.name}' files are not a known return; expected one of {sorted(FORMATS)}",
        )
        return
    if size == 0:
        collector.error("", "empty-file", "the file is empty (0 bytes)")
        return
    if size > max_file_bytes():
        collector.error(
            "",
            "file-too-large",
            f"the file is {size / 1048576:.1f} MB; the limit is {max_file_bytes() / 1048576:.0f} MB",
        )
        return
    with path.open("rb") as handle:
        head = handle.read(4096)
    found = _what_it_is(head)
    if suffix in EXCEL_ZIP:
        _check_xlsx(path, head, found, collector)
    elif suffix == ".xls":
        _check_xls(path, head, found, collector)
    elif suffix == ".parquet" and found != "a parquet file":
        collector.error("", "wrong-format", f"a .parquet file should be a parquet file, but this is {found}")
    elif suffix == ".csv" and found != "text":
        collector.error("", "wrong-format", f"a .csv file should be text, but this is {found}")


def _check_xlsx(path: Path, head: bytes, found: str, collector: Collector) -> None:
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
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            total = sum(info.file_size for info in infos)
            packed = sum(info.compress_size for info in infos) or 1
            if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
                collector.error(
                    "",
                    "zip-bomb",
                    f"the workbook unpacks to {total / 1048576:.0f} MB from {packed / 1048576:.1f} MB: refused as a possible zip bomb",
                )
                return
            if "xl/workbook.xml" not in names:
                collector.error("", "wrong-format", "the zip archive is not an Excel workbook (no xl/workbook.xml)")
                return
            bad = archive.testzip()
            if bad:
                collector.error("", "corrupt-file", f"the workbook is damaged ({bad} is corrupt)")
    except zipfile.BadZipFile as error:
        collector.error("", "corrupt-file", f"the workbook is damaged or truncated ({error})")


def _check_xls(path: Path, head: bytes, found: str, collector: Collector) -> None:
    if head.startswith(ZIP_MAGIC):
        collector.error("", "wrong-format", "this is an .xlsx workbook with an .xls name: rename it to .xlsx")
    elif not head.startswith(OLE_MAGIC):
        collector.error("", "wrong-format", f"an .xls file should be an Excel 97 workbook, but this is {found}")


def _is_encrypted_ole(path: Path) -> bool:
    """Office encrypts an .xlsx by wrapping it in an OLE file with these streams."""
    data = path.read_bytes()
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


_CELL = re.compile(rb"<c r=\"([A-Z]+\d+)\"[^>]*?>(.*?)</c>", re.S)


def formulas_without_values(path: Path) -> dict[str, list[str]]:
    """Cells holding a formula but no cached value (never calculated), by sheet XML part name."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/sheet") and name.endswith(".xml")):
                continue
            xml = archive.read(name)
            if b"<f" not in xml:
                continue
            cells = [
                ref.decode()
                for ref, body in _CELL.findall(xml)
                if b"<f" in body and (b"<v>" not in body or b"<v></v>" in body)
            ]
            if cells:
                found[name] = cells
    return found


def sheet_part_names(path: Path) -> dict[str, str]:
    """Sheet name → its XML part, read from the workbook's relationships."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    parts = {}
    for name, rel_id in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
        target = targets.get(rel_id, "")
        parts[name] = "xl/" + target.removeprefix("/xl/").removeprefix("xl/")
    return parts
