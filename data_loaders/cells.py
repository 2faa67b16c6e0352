"""Reading one spreadsheet cell as a number, a suppressed figure or nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass

SUPPRESSION_MARKERS = {"*", "<5", "< 5", "under 5", "5 or under", "c", "x", "-", "..", "n/a", "[c]"}


@dataclass(frozen=True)
class CellValue:
    number: float | None = None
    suppressed: bool = False
    blank: bool = False
    text: str | None = None  # text that is neither a number nor a suppression marker


def read_cell(raw: object) -> CellValue:
    """Interpret a cell: numbers (also '1,234' and ' 12 '), suppression markers, blanks."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return CellValue(blank=True)
    if isinstance(raw, bool):
        return CellValue(text=str(raw))
    if isinstance(raw, int | float):
        return CellValue(number=float(raw))
    text = str(raw).strip()
    if not text:
        return CellValue(blank=True)
    if text.casefold() in SUPPRESSION_MARKERS:
        return CellValue(suppressed=True)
    try:
        return CellValue(number=float(text.replace(",", "")))
    except ValueError:
        return CellValue(text=text)
