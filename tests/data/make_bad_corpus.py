"""Write the bad-input corpus: one file per failure mode, each derived from a valid sample file.

    python tests/data/make_bad_corpus.py      (needs requirements-dev.txt: msoffcrypto-tool)

The expected (sheet, cell, code) of each file is asserted in tests/test_bad_corpus.py.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
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
