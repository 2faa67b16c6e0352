"""UK financial-year quarters (Q1 = April–June) and calendar months."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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


MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_FY = r"(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})"
_QUARTER_FORMS = [
    re.compile(rf"^{_FY}\s*,?\s*Q([1-4])$", re.I),  # 2024/25 Q1, 2024-25 Q1
    re.compile(rf"^Q([1-4])\s*,?\s*{_FY}$", re.I),  # Q1 2024/25
]
_MONTH_RANGE = re.compile(r"^([a-z]{3})[a-z]*\s*[-–—]\s*([a-z]{3})[a-z]*\s*'?(\d{4}|\d{2})$", re.I)
_MONTH_TEXT = re.compile(r"^([a-z]{3})[a-z]*[\s\-–/]*'?(\d{4}|\d{2})$", re.I)
_YYYYMM = re.compile(r"^(\d{4})[-/]?(\d{2})$")


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _from_fy(start: str, end: str, q: str, original: str) -> Quarter:
    fy, fy_end = int(start), int(end)
    if fy_end % 100 != (fy + 1) % 100:
        raise PeriodError(f"'{original}': {end} does not follow {fy}")
    return Quarter(fy, int(q))


def parse_quarter(value: object) -> Quarter:
    """A quarter from the forms analysts write: '2024/25 Q1', 'Q1 2024/25', '2024-25 Q1',
    'Apr-Jun 2024', 'Apr–Jun 24', or a date inside the quarter."""
    if isinstance(value, datetime | date):
        return Quarter.containing(value.date() if isinstance(value, datetime) else value)
    text = " ".join(str(value).split())
    for number, form in enumerate(_QUARTER_FORMS):
        match = form.match(text)
        if match:
            groups = match.groups()
            if number == 0:
                return _from_fy(groups[0], groups[1], groups[2], text)
            return _from_fy(groups[1], groups[2], groups[0], text)
    match = _MONTH_RANGE.match(text)
    if match:
        first, last = MONTHS.get(match[1].lower()), MONTHS.get(match[2].lower())
        if first and last and (first - 1) % 3 == 0 and last == (first + 1) % 12 + 1 and first in (1, 4, 7, 10):
            return Quarter.containing(date(_full_year(match[3]), first, 1))
    for parser in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return Quarter.containing(parser(text[:10]))
        except ValueError:
            continue
    raise PeriodError(f"'{text}' is not a quarter (expected e.g. '2024/25 Q1', 'Q1 2024/25' or 'Apr-Jun 2024')")


def parse_month(value: object) -> date:
    """The first day of a month written as 202404, '2024-04', a date, or 'Apr-24' / 'April 2024'."""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return date(day.year, day.month, 1)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    match = _YYYYMM.match(text)
    if match and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    match = _MONTH_TEXT.match(text)
    if match and match[1].lower() in MONTHS:
        return date(_full_year(match[2]), MONTHS[match[1].lower()], 1)
    try:
        day = date.fromisoformat(text[:10])
        return date(day.year, day.month, 1)
    except ValueError:
        pass
    raise PeriodError(f"'{text}' is not a month (expected e.g. 202404, 2024-04-01 or Apr-24)")
