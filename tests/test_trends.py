from datetime import date

import pandas as pd
import pytest

from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter, month_end
from cspdash.trends import quarterly, rolling_twelve_months, year_on_year

CATALOGUE = load_catalogue()


def monthly(values: dict[str, float]) -> pd.DataFrame:
    rows = []
    for month, value in values.items():
        start = date(int(month[:4]), int(month[4:]), 1)
        rows.append(
            dict(
                period_start=start,
                period_end=month_end(start),
                value=value,
                numerator=None,
                denominator=None,
                suppressed=False,
            )
        )
    return pd.DataFrame(rows)


def quarterly_rows(values: list[tuple[Quarter, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                period_start=q.start,
                period_end=q.end,
                value=None,
                numerator=n,
                denominator=d,
                suppressed=False,
            )
            for q, n, d in values
        ]
    )


def test_months_sum_to_quarters_and_incomplete_quarters_are_left_out():
    robbery = CATALOGUE.indicator("mps_robbery")
    series = quarterly(robbery, monthly({"202404": 10, "202405": 20, "202406": 30, "202407": 5}))
    assert list(series["quarter"]) == [Quarter(2024, 1)]
    assert series["value"].iloc[0] == 60


def test_percentages_are_recomputed_from_numerator_and_denominator_never_averaged():
    ete = CATALOGUE.indicator("yj_kpi2_ete")
    quarters = [Quarter(2024, q) for q in range(1, 5)]
    series = quarterly(
        ete,
        quarterly_rows([(quarters[0], 1, 2), (quarters[1], 9, 10), (quarters[2], 5, 10), (quarters[3], 5, 10)]),
    )
    rolling = rolling_twelve_months(ete, series)
    assert list(rolling["quarter"]) == [Quarter(2024, 4)]
    # (1 + 9 + 5 + 5) / (2 + 10 + 10 + 10) = 62.5%, not the mean of the four percentages (60%)
    assert rolling["value"].iloc[0] == pytest.approx(62.5)


def test_a_rates_population_is_averaged_not_summed_over_a_year():
    fte = CATALOGUE.indicator("yj_fte_rate")
    quarters = [Quarter(2024, q) for q in range(1, 5)]
    series = quarterly(fte, quarterly_rows([(q, 5, 20_000) for q in quarters]))
    assert series["value"].iloc[0] == pytest.approx(100.0)  # 5 a quarter = 20 a year per 20,000
    rolling = rolling_twelve_months(fte, series)
    assert rolling["value"].iloc[0] == pytest.approx(100.0)


def test_a_suppressed_month_makes_its_quarter_suppressed():
    robbery = CATALOGUE.indicator("mps_robbery")
    frame = monthly({"202404": 1, "202405": 2, "202406": 3})
    frame.loc[1, "suppressed"] = True
    series = quarterly(robbery, frame)
    assert bool(series["suppressed"].iloc[0]) and series["value"].iloc[0] is None


def test_year_on_year_change():
    custody = CATALOGUE.indicator("yj_custody")
    rows = pd.DataFrame(
        [
            dict(
                period_start=q.start,
                period_end=q.end,
                value=v,
                numerator=None,
                denominator=None,
                suppressed=False,
            )
            for q, v in [(Quarter(2023, 2), 8), (Quarter(2024, 1), 3), (Quarter(2024, 2), 6)]
        ]
    )
    change = year_on_year(quarterly(custody, rows), Quarter(2024, 2))
    assert (change.current.value, change.previous.value) == (6, 8)
    assert change.absolute == -2 and change.percent == pytest.approx(-25.0)
    assert year_on_year(quarterly(custody, rows), Quarter(2024, 1)).previous is None
