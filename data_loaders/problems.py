"""The error model: every problem names the file, sheet and cell, what was found and what was expected."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from openpyxl.utils import get_column_letter


def cell_ref(row_index: int, column_index: int) -> str:
    """A1-style reference from 0-based row and column positions in the sheet."""
    return f"{get_column_letter(column_index + 1)}{row_index + 1}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, located as the analyst sees it in Excel."""

    file: str
    sheet: str
    cell: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{self.file} {where}: {self.message}".replace("  ", " ")

    def as_dict(self) -> dict:
        return asdict(self)


class ReturnRefused(Exception):
    """A file that cannot be loaded; `problems` lists everything found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
