"""UK financial-year quarters (Q1 = April–June) and calendar months."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_LABEL = re.compile(r"^\s*(\d{4})/(\d{2})\s+Q([1-4])\s*$")


class PeriodError(ValueError):
    """A period label or date that is not a valid financial-year quarter."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a UK financial year; `fy` is the year the financial year starts in."""

    fy: int
    q: int

    def __post_init__(self) -> None:
        if self.q not in (1, 2, 3, 4):
            raise PeriodError(f"quarter number must be 1–4, not {self.q}")

    @classmethod
    def containing(cls, day: date) -> Quarter:
        """The quarter a date falls in."""
        fy = day.year if day.month >= 4 else day.year - 1
        return cls(fy, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def parse(cls, label: str) -> Quarter:
        """Parse a label such as `2024/25 Q1`."""
        match = _LABEL.match(str(label))
        if not match:
            raise PeriodError(f"'{label}' is not a quarter label like '2024/25 Q1'")
        fy, fy_end, q = int(match[1]), int(match[2]), int(match[3])
        if (fy + 1) % 100 != fy_end:
            raise PeriodError(f"'{label}': {fy_end:02d} does not follow {fy}")
        return cls(fy, q)

    @property
    def label(self) -> str:
        return f"{fy_label(self.fy)} Q{self.q}"

    @property
    def start(self) -> date:
        month = (self.q - 1) * 3 + 4
        return date(self.fy + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def months(self) -> list[date]:
        """First day of each of the quarter's three months."""
        first = self.start
        return [add_months(first, i) for i in range(3)]

    def next(self) -> Quarter:
        return Quarter(self.fy + self.q // 4, self.q % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.fy - (self.q == 1), (self.q - 2) % 4 + 1)

    def year_earlier(self) -> Quarter:
        """The same quarter of the previous financial year (the year-on-year comparator)."""
        return Quarter(self.fy - 1, self.q)

    def shift(self, quarters: int) -> Quarter:
        index = self.fy * 4 + self.q - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def __str__(self) -> str:
        return self.label


def fy_label(fy: int) -> str:
    """`2024` → `2024/25`."""
    return f"{fy}/{(fy + 1) % 100:02d}"


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from `first` to `last` inclusive."""
    quarters = []
    current = first
    while current <= last:
        quarters.append(current)
        current = current.next()
    return quarters
