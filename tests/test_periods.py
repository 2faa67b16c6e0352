from datetime import date

import pytest

from cspdash.periods import PeriodError, Quarter, add_months, month_end, quarter_range


@pytest.mark.parametrize(
    "day, label",
    [
        (date(2024, 4, 1), "2024/25 Q1"),
        (date(2024, 6, 30), "2024/25 Q1"),
        (date(2024, 7, 1), "2024/25 Q2"),
        (date(2024, 12, 31), "2024/25 Q3"),
        (date(2025, 1, 1), "2024/25 Q4"),
        (date(2025, 3, 31), "2024/25 Q4"),
        (date(2000, 2, 29), "1999/00 Q4"),
    ],
)
def test_quarter_containing_a_date(day, label):
    assert Quarter.containing(day).label == label


@pytest.mark.parametrize(
    "label, start, end",
    [
        ("2024/25 Q1", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024/25 Q2", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024/25 Q3", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024/25 Q4", date(2025, 1, 1), date(2025, 3, 31)),
    ],
)
def test_quarter_bounds(label, start, end):
    quarter = Quarter.parse(label)
    assert (quarter.start, quarter.end) == (start, end)
    assert quarter.months()[0] == start and month_end(quarter.months()[-1]) == end


def test_year_on_year_is_the_same_quarter_of_the_previous_financial_year():
    assert Quarter.parse("2024/25 Q1").year_earlier().label == "2023/24 Q1"
    assert Quarter.parse("2024/25 Q4").year_earlier().label == "2023/24 Q4"


def test_next_previous_and_shift_cross_financial_years():
    q4 = Quarter(2024, 4)
    assert q4.next() == Quarter(2025, 1)
    assert Quarter(2025, 1).previous() == q4
    assert q4.shift(-4) == Quarter(2023, 4)
    assert q4.shift(-5) == Quarter(2023, 3)


@pytest.mark.parametrize("bad", ["2024/26 Q1", "2024-25 Q1", "2024/25 Q5", "Q1", ""])
def test_bad_labels_are_refused(bad):
    with pytest.raises(PeriodError):
        Quarter.parse(bad)


def test_quarter_range_and_months():
    assert [q.label for q in quarter_range(Quarter(2023, 3), Quarter(2024, 1))] == [
        "2023/24 Q3",
        "2023/24 Q4",
        "2024/25 Q1",
    ]
    assert add_months(date(2024, 11, 1), 3) == date(2025, 2, 1)
    assert Quarter(1999, 4).label == "1999/00 Q4"
