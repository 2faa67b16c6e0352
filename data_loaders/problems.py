"""The error model: every problem names the file, sheet and cell, what was found and what was expected.

Codes are stable (tests and the `--json` output use them). File-level codes mean the file could not
be read at all (exit 2 from `validate`); the rest mean it was read and is wrong (exit 1). Warnings
never block a load.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from openpyxl.utils import get_column_letter

UNREADABLE = {
    "file-too-large",
    "empty-file",
    "wrong-format",
    "encrypted",
    "corrupt-file",
    "truncated",
    "zip-bomb",
    "too-big",
    "unsafe-xml",
    "encoding",
    "resource-limit",
    "bad-name",
    "reader-unavailable",
}


def cell_ref(row_index: int, column_index: int) -> str:
    """A1-style reference from 0-based row and column positions in the sheet."""
    return f"{get_column_letter(column_index + 1)}{row_index + 1}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or worth noting about) a file, located as the analyst sees it."""

    file: str
    sheet: str
    cell: str
    code: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        location = f"{self.file} {where}".rstrip()
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{location}: {prefix}{self.message}"

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def as_dict(self) -> dict:
        return asdict(self)


class ReturnRefused(Exception):
    """A file that cannot be loaded; `problems` lists everything found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def unreadable(self) -> bool:
        return any(p.code in UNREADABLE for p in self.problems)


class Collector:
    """Gathers problems for one file and sheet while it is read."""

    def __init__(self, file: str, sheet: str = ""):
        self.file, self.sheet = file, sheet
        self.problems: list[Problem] = []

    def error(self, cell: str, code: str, message: str, sheet: str | None = None) -> None:
        self.problems.append(Problem(self.file, self.sheet if sheet is None else sheet, cell, code, message))

    def warn(self, cell: str, code: str, message: str, sheet: str | None = None) -> None:
        self.problems.append(Problem(self.file, self.sheet if sheet is None else sheet, cell, code, message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.is_warning]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ReturnRefused(self.problems)
