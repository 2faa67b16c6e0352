"""Fillable templates for every kind: instructions, indicator definitions, a protected header and
data validation (whole numbers ≥ 0, percentages 0–100, drop-downs for area and quarter)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cspdash.catalogue import Catalogue, Indicator, load_catalogue
from cspdash.periods import Quarter, add_months
from data_loaders.kinds import Kind, load_kinds

HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
UNLOCKED = Protection(locked=False)
RETURN_HEADER = ["Indicator ID", "Indicator", "Numerator", "Denominator", "Value", "Notes"]
DETAILS_ROW = {"kind": 3, "area": 4, "quarter": 5, "prepared_by": 6}
HEADER_ROW = 8
QUARTERS_OFFERED = 12


def quarters_offered(today: date) -> list[str]:
    """The current quarter and the eleven before it, newest first."""
    latest = Quarter.containing(today)
    return [latest.shift(-k).label for k in range(QUARTERS_OFFERED)]


def _instructions(book: Workbook, kind: Kind, lines: list[str]) -> None:
    sheet = book.active
    sheet.title = "Instructions"
    sheet["A1"] = kind.name
    sheet["A1"].font = Font(bold=True, size=14)
    for number, line in enumerate(lines, start=3):
        sheet.cell(number, 1, line)
    sheet.column_dimensions["A"].width = 120


def _definitions(book: Workbook, indicators: list[Indicator]) -> None:
    sheet = book.create_sheet("Definitions")
    sheet.append(["Indicator ID", "Indicator", "Unit", "Better when", "Numerator", "Denominator", "Notes"])
    better = {"higher": "higher", "lower": "lower", "neutral": "not rated"}
    for ind in indicators:
        sheet.append(
            [
                ind.id,
                ind.name,
                ind.unit_label,
                better[ind.polarity],
                ind.numerator,
                ind.denominator,
                ind.description,
            ]
        )
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for column, width in zip("ABCDEFG", (30, 55, 12, 12, 50, 45, 50), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.protection.sheet = True


def return_workbook(
    kind: Kind,
    catalogue: Catalogue | None = None,
    today: date | None = None,
    area: str | None = None,
    quarter: str | None = None,
    prepared_by: str | None = None,
) -> Workbook:
    """The quarterly return template of an indicator_rows kind (optionally with its details filled)."""
    catalogue, today = catalogue or load_catalogue(), today or date.today()
    indicators = [i for i in catalogue.for_subgroup(kind.subgroup) if i.frequency == "quarter"]
    book = Workbook()
    _instructions(
        book,
        kind,
        [
            "1. Fill in the yellow cells on the 'Return' sheet: area, quarter, your name, then each indicator's figures.",
            "2. For a percentage or a rate, give the numerator and the denominator: the dashboard works the value out.",
            "   For a count, give the value. Whole numbers only, 0 or more.",
            "3. Where a count is too small to share, type <5 (it is stored as suppressed, not as zero).",
            "4. Do not change the Indicator ID column, the header row or the sheet names.",
            "5. Upload the file on the dashboard's Upload page, or: python -m data_loaders validate FILE",
            f"Due {kind.due_days} days after the end of the quarter. Definitions are on the 'Definitions' sheet.",
        ],
    )
    sheet = book.create_sheet("Return")
    sheet["A1"] = kind.name
    sheet["A1"].font = Font(bold=True, size=14)
    details = {
        "kind": ("Return kind", kind.id),
        "area": ("Area", area),
        "quarter": ("Quarter", quarter),
        "prepared_by": ("Prepared by", prepared_by),
    }
    for role, (label, value) in details.items():
        row = DETAILS_ROW[role]
        sheet.cell(row, 1, label).font = Font(bold=True)
        cell = sheet.cell(row, 2, value)
        if role != "kind":
            cell.protection, cell.fill = UNLOCKED, INPUT_FILL
    _list_validation(
        sheet,
        f"B{DETAILS_ROW['area']}",
        [a.name for a in catalogue.areas],
        "Choose an area of the partnership",
    )
    _list_validation(
        sheet,
        f"B{DETAILS_ROW['quarter']}",
        quarters_offered(today),
        "Choose the financial-year quarter, e.g. 2024/25 Q1",
    )
    for col, label in enumerate(RETURN_HEADER, start=1):
        cell = sheet.cell(HEADER_ROW, col, label)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    whole = _validation(sheet, "whole", "greaterThanOrEqual", 0, "Whole number, 0 or more (or <5 where suppressed)")
    percent = _validation(sheet, "decimal", "between", 0, "A percentage between 0 and 100", 100)
    for offset, ind in enumerate(indicators, start=1):
        row = HEADER_ROW + offset
        sheet.cell(row, 1, ind.id)
        sheet.cell(row, 2, ind.name)
        for col in (3, 4, 5, 6):
            cell = sheet.cell(row, col)
            cell.protection, cell.fill = UNLOCKED, INPUT_FILL
        if ind.unit == "count":
            whole.add(f"E{row}")
        else:
            whole.add(f"C{row}:D{row}")
            if ind.unit == "percent":
                percent.add(f"E{row}")
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 55
    for column in "CDE":
        sheet.column_dimensions[column].width = 14
    sheet.column_dimensions["F"].width = 40
    sheet.protection.sheet = True
    book.active = book.index(sheet)
    _definitions(book, indicators)
    return book


def _validation(sheet: Worksheet, kind: str, operator: str, low, message: str, high=None) -> DataValidation:
    rule = DataValidation(
        type=kind,
        operator=operator,
        formula1=str(low),
        formula2=None if high is None else str(high),
        allow_blank=True,
        showErrorMessage=False,
        showInputMessage=True,
        prompt=message,
    )
    sheet.add_data_validation(rule)
    return rule


def _list_validation(sheet: Worksheet, ref: str, options: list[str], message: str) -> None:
    rule = DataValidation(
        type="list",
        formula1='"' + ",".join(options) + '"',
        allow_blank=True,
        showErrorMessage=True,
        error=message,
        showInputMessage=True,
        prompt=message,
    )
    sheet.add_data_validation(rule)
    rule.add(ref)


def publication_workbook(kind: Kind, catalogue: Catalogue | None = None, today: date | None = None) -> Workbook:
    """For a publication's kind: the columns the loader expects, so a hand-made extract can be loaded."""
    catalogue, today = catalogue or load_catalogue(), today or date.today()
    book = Workbook()
    columns: list[str] = []
    if kind.detect:
        columns = list(kind.detect[0])
    months: list[str] = []
    if kind.layout == "wide":
        last = add_months(date(today.year, today.month, 1), -1)
        months = [f"{add_months(last, -k):%Y%m}" for k in reversed(range(24))]
    categories = sorted({k.split("|")[0] for k in kind.category_map}) if kind.category_map else []
    _instructions(
        book,
        kind,
        [
            f"Layout: {kind.layout}. The loader finds the header row (below any title rows) by these columns: {', '.join(columns) or '(see kinds file)'}.",
            "Month columns are headed 202404, 2024-04-01 or Apr-24. Counts are whole numbers, 0 or more; '<5' or '*' marks a suppressed cell.",
            f"Categories it knows (others are refused until mapped in data_loaders/kinds/): {', '.join(categories[:20]) or 'n/a'}.",
            "Check a file with: python -m data_loaders validate FILE",
        ],
    )
    sheet = book.create_sheet("Data")
    for col, label in enumerate(columns + months, start=1):
        cell = sheet.cell(1, col, label)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    if months:
        rule = _validation(sheet, "whole", "greaterThanOrEqual", 0, "Whole number, 0 or more")
        first = len(columns) + 1
        rule.add(f"{_letter(first)}2:{_letter(first + len(months) - 1)}5000")
    for col in range(1, len(columns) + len(months) + 1):
        sheet.column_dimensions[_letter(col)].protection = UNLOCKED  # data rows stay editable
        sheet.cell(1, col).protection = Protection(locked=True)
    sheet.protection.sheet = True
    _definitions(book, [i for i in catalogue.for_subgroup(kind.subgroup)])
    return book


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def template_bytes(kind_id: str, today: date | None = None) -> bytes:
    """The template workbook of a kind, as .xlsx bytes."""
    kind = load_kinds()[kind_id]
    book = return_workbook(kind, today=today) if kind.is_return else publication_workbook(kind, today=today)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(kind_id: str, path: Path, today: date | None = None) -> None:
    Path(path).write_bytes(template_bytes(kind_id, today))
