"""Write the bad-input corpus: one file per failure mode, each derived from a valid sample file.

    python tests/data/make_bad_corpus.py      (needs requirements-dev.txt: msoffcrypto-tool)

The expected (sheet, cell, code) of each file is asserted in tests/test_bad_corpus.py.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import openpyxl.styles

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "bad"
RETURNS = ROOT / "sample_data" / "returns"
YJ = RETURNS / "2024-25_Q4_hackney_youth_justice.xlsx"
VAWG = RETURNS / "2024-25_Q4_hackney_vawg.xlsx"
NTE = RETURNS / "2024-25_Q4_hackney_night_time_economy.xlsx"
SVG = RETURNS / "2024-25_Q4_hackney_serious_violence.xlsx"
MPS_HEADER = "MajorText,MinorText,BoroughName,202401,202402,202403"


def edit(source: Path, name: str, edits: dict[str, object] | None = None, change=None) -> None:
    book = openpyxl.load_workbook(source)
    sheet = book["Return"]
    sheet.protection.sheet = False
    for ref, value in (edits or {}).items():
        sheet[ref] = value
    if change:
        change(book, sheet)
    book.save(OUT / name)


def row_of(sheet, indicator: str) -> int:
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == indicator)


def duplicate_custody(book, sheet) -> None:
    row = row_of(sheet, "yj_custody")
    sheet.append([sheet.cell(row, c).value for c in range(1, 7)])


def drop_custody(book, sheet) -> None:
    sheet.delete_rows(row_of(sheet, "yj_custody"))


def rename_return_sheet(book, sheet) -> None:
    sheet.title = "Summary"


def remove_value_header(book, sheet) -> None:
    sheet["E8"] = "Figures"


def remove_area_label(book, sheet) -> None:
    sheet["A4"] = None
    sheet["B4"] = None


def write(name: str, data: bytes | str) -> None:
    path = OUT / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def zip_bomb() -> bytes:
    """A zip named .xlsx whose one member unpacks 1000:1 (a small, safe stand-in for a zip bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with YJ.open("rb") as source:
        OOXMLFile(source).encrypt("secret", out)
    return out.getvalue()


MINIMAL_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        "</Relationships>"
    ),
}
SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>'
    "{rows}</sheetData></worksheet>"
)


def minimal_xlsx(rows: str, dimension: str = "") -> bytes:
    """A workbook with one sheet and nothing else, written part by part (about 1.5 KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in MINIMAL_PARTS.items():
            archive.writestr(name, xml)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET.format(dimension=dimension, rows=rows))
    return buffer.getvalue()


def sparse_far_cell() -> bytes:
    """Cells only at A1 and XFD1048576: a reader allocates the 17-billion-cell grid between them."""
    return minimal_xlsx('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def huge_declared_range() -> bytes:
    """Two cells, but a used range declared as the whole sheet."""
    return minimal_xlsx('<row r="1"><c r="A1"><v>1</v></c></row>', '<dimension ref="A1:XFD1048576"/>')


def rewrite_part(source: Path, part: str, change) -> bytes:
    """A copy of a workbook with one XML part changed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            copy.writestr(info.filename, change(data) if info.filename == part else data)
    return buffer.getvalue()


def entity_bomb() -> bytes:
    """The return with a 'billion laughs' document type declared in its Return sheet."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )

    def change(xml: bytes) -> bytes:
        xml = xml.replace(b"<t>Hackney</t>", b"<t>&lol9;</t>", 1)
        return f"<!DOCTYPE worksheet [{entities}]>".encode() + xml

    return rewrite_part(YJ, "xl/worksheets/sheet2.xml", change)


def formula_without_value_among_styled_blanks(path: Path) -> None:
    """The return with 60,000 styled blank cells and the custody count typed as a formula Excel never
    calculated: once took minutes to check, and named the wrong cell."""
    book = openpyxl.load_workbook(YJ)
    sheet = book["Return"]
    sheet.protection.sheet = False
    sheet["E11"] = "=SUM(C11:D11)"
    fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    for row in range(40, 60_040):
        sheet.cell(row, 8).fill = fill
    book.save(path)


def parquet_bomb(path: Path) -> None:
    """100 million rows of nothing in a few hundred KB: the metadata says how many before reading."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 100_000_000
    columns = ["month_year", "borough_snt", "crime_type", "measure", "count"]
    table = pa.table({name: pa.nulls(rows, pa.string()) for name in columns})
    pq.write_table(table, path, row_group_size=10_000_000)


HOSTILE_FILES = [
    "sparse_far_cell.xlsx",
    "huge_declared_range.xlsx",
    "entity_bomb.xlsx",
    "formula_among_styled_blanks.xlsx",
    "parquet_bomb.parquet",
    "million_columns.csv",
    "utf16_without_bom.csv",
    "zip_bomb.xlsx",
]  # made to hurt a reader rather than to be wrong (the zip bomb is written by main)


def hostile() -> None:
    """Files made to hurt the server rather than to be wrong: each must be refused before parsing."""
    write("sparse_far_cell.xlsx", sparse_far_cell())
    write("huge_declared_range.xlsx", huge_declared_range())
    write("entity_bomb.xlsx", entity_bomb())
    formula_without_value_among_styled_blanks(OUT / "formula_among_styled_blanks.xlsx")
    parquet_bomb(OUT / "parquet_bomb.parquet")
    write("million_columns.csv", ",".join(["1"] * 1_000_000) + "\n")
    write(
        "utf16_without_bom.csv",
        (MPS_HEADER + "\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1,2,3\n").encode("utf-16-le"),
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    hostile()
    edit(YJ, "return_text_in_count.xlsx", {"E11": "three"})
    edit(YJ, "return_negative_count.xlsx", {"E11": -2})
    edit(YJ, "return_fraction_count.xlsx", {"E11": 2.5})
    edit(YJ, "return_numerator_above_denominator.xlsx", {"C12": 50, "D12": 35})
    edit(YJ, "return_percent_over_100.xlsx", {"C10": None, "D10": None, "E10": 130})
    edit(YJ, "return_unknown_area.xlsx", {"B4": "Atlantis"})
    edit(YJ, "return_impossible_quarter.xlsx", {"B5": "2024/25 Q5"})
    edit(YJ, "return_future_quarter.xlsx", {"B5": "2030/31 Q1"})
    edit(YJ, "return_unknown_kind.xlsx", {"B3": "youth_justise"})
    edit(YJ, "return_unknown_indicator.xlsx", change=lambda b, s: s.append(["yj_made_up", "Made up", None, None, 4]))
    edit(YJ, "return_duplicate_row.xlsx", change=duplicate_custody)
    edit(YJ, "return_missing_indicator.xlsx", change=drop_custody)
    edit(YJ, "return_missing_sheet.xlsx", change=rename_return_sheet)
    edit(YJ, "return_missing_value_column.xlsx", change=remove_value_header)
    edit(YJ, "return_missing_area.xlsx", change=remove_area_label)
    edit(YJ, "return_figures_without_id.xlsx", change=lambda b, s: s.append([None, None, None, None, 7]))
    edit(NTE, "nte_parts_do_not_sum.xlsx", {"E12": 3})
    edit(VAWG, "vawg_share_of_wrong_whole.xlsx", {"D11": 999})
    edit(SVG, "svg_negative_percentage_part.xlsx", {"C13": -1})
    write("encrypted.xlsx", encrypted())
    write("truncated.xlsx", YJ.read_bytes()[:3000])
    write("empty.xlsx", b"")
    write("pdf_named_xlsx.xlsx", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    write("csv_named_xlsx.xlsx", "Return kind,youth_justice\nArea,Hackney\n")
    write("xlsx_named_xls.xls", YJ.read_bytes())
    write("zip_bomb.xlsx", zip_bomb())
    write("binary.csv", b"MajorText,MinorText\x00\x01\x02\x00")
    write("notes.docx", b"PK\x03\x04 a word document")
    write("too_large.csv", MPS_HEADER + "\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1,2,3\n" * 40)
    write("mps_unknown_category.csv", MPS_HEADER + "\nSHOUTING,LOUD SHOUTING,Hackney,1,2,3\n")
    write("mps_text_count.csv", MPS_HEADER + "\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1,lots,3\n")
    write("mps_negative_count.csv", MPS_HEADER + "\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1,2,-3\n")
    write(
        "mps_duplicate_row.csv",
        MPS_HEADER
        + "\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1,2,3\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1,2,3\n",
    )
    write(
        "mps_no_month_columns.csv",
        "MajorText,MinorText,BoroughName,Jan,Feb\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1,2\n",
    )
    write(
        "mps_future_month.csv",
        "MajorText,MinorText,BoroughName,203001\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1\n",
    )
    write(
        "mps_unknown_header.csv", "Category,Subcategory,Place,202401\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,1\n"
    )
    write("mps_header_only.csv", MPS_HEADER + "\n")
    write(
        "knife_bad_month.csv",
        "month_year,area_type,borough_snt,area_name,area_code,crime_type,crime_subtype,measure,count\n"
        "2025-13-01,Borough,Hackney,Hackney,E09000012,Knife Crime,Knife Crime,Offences,53\n",
    )
    write(
        "street_unknown_crime_type.csv",
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"
        "abc,2023-11,City of London Police,City of London Police,-0.1,51.5,On or near X,E01000916,Camden 027B,Jaywalking,,\n",
    )
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT}")


if __name__ == "__main__":
    main()
