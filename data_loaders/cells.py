"""Reading one spreadsheet cell as a number, a suppressed figure or nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

SUPPRESSION_MARKERS = {
    "*",
    "<5",
    "< 5",
    "under 5",
    "5 or under",
    "c",
    "x",
    "-",
    "–",
    "..",
    "n/a",
    "[c]",
    "[x]",
    "[z]",
    "supp",
}
# "Not applicable" is not a small number withheld: it is stored and shown apart from suppression.
NOT_APPLICABLE_MARKERS = {"n/a", "na", "[z]", "not applicable"}
SUPPRESSION_MARKERS |= NOT_APPLICABLE_MARKERS


@dataclass(frozen=True)
class CellValue:
    number: float | None = None
    suppressed: bool = False
    not_applicable: bool = False
    blank: bool = False
    text: str | None = None  # text that is neither a number nor a suppression marker
    percent_sign: bool = False


def read_cell(raw: object) -> CellValue:
    """Interpret a cell: numbers (also '1,234', ' 12 ', '31%'), suppression markers, blanks."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return CellValue(blank=True)
    if isinstance(raw, bool | datetime | date):
        return CellValue(text=str(raw))
    if isinstance(raw, int | float):
        return CellValue(number=float(raw))
    text = str(raw).strip().replace("\u00a0", "")
    if not text:
        return CellValue(blank=True)
    if text.casefold() in NOT_APPLICABLE_MARKERS:
        return CellValue(suppressed=True, not_applicable=True)
    if text.casefold() in SUPPRESSION_MARKERS:
        return CellValue(suppressed=True)
    percent = text.endswith("%")
    cleaned = text.removesuffix("%").replace(",", "").strip()
    try:
        number = float(cleaned)
    except ValueError:
        return CellValue(text=text)
    if math.isnan(number) or math.isinf(number):
        return CellValue(text=text)
    return CellValue(number=number, percent_sign=percent)
