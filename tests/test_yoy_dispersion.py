"""The year-on-year change is judged against the series' own same-quarter variation.

On the real MPS borough file (../shared/reference_data, README section 1c) the app's share of
borough-quarters called 'significant' before COVID must be within 2 percentage points of an
independent quasi-Poisson test on same-quarter pairs, written here with numpy and scipy only.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cspdash import board
from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.stats import (
    MIN_YEAR_ON_YEAR_PAIRS,
    SIGNIFICANCE,
    count_change_p,
    count_dispersion,
    period_days,
    year_on_year_dispersion,
    year_on_year_pairs,
)
from cspdash.trends import SERIES_COLUMNS, Change, Reading
from tests.conftest import MPS_BOROUGH, require

HISTORICAL = MPS_BOROUGH / "mps_borough_historical_201004-202311.csv"
NOT_BOROUGHS = {"Unknown", "London Heathrow and London City Airports"}
ALL_CRIME = "ALL CRIME"
FIRST = Quarter(2010, 1)  # April–June 2010, the file's first quarter
LAST_BEFORE_COVID = Quarter(2019, 3)  # October–December 2019
CATALOGUE = load_catalogue()


def _indicator_for(major: str):
    """The catalogue's MPS indicator for a major category; fraud (no indicator of its own) and all
    crime are judged as the all-crime count, which is tested the same way."""
    wanted = "mps_" + major.lower().replace(" and ", "_").replace(" ", "_")
    ids = {i.id for i in CATALOGUE.for_subgroup("mps_crime")}
    return CATALOGUE.indicator(wanted if wanted in ids else "mps_total")


@pytest.fixture(scope="module")
def quarterly_counts() -> tuple[pd.Index, np.ndarray, list[Quarter]]:
    """Every borough × major category (and all crime) as financial-year quarterly counts."""
    require(HISTORICAL.is_file(), f"reference data not found at {HISTORICAL}")
    wide = pd.read_csv(HISTORICAL)
    wide = wide[~wide["BoroughName"].isin(NOT_BOROUGHS)]
    months = [c for c in wide.columns if c.isdigit()]
    assert months[0] == "201004"  # so that every three columns are a financial-year quarter
    by_major = wide.groupby(["BoroughName", "MajorText"])[months].sum()
    total = wide.groupby("BoroughName")[months].sum()
    total.index = pd.MultiIndex.from_product([total.index, [ALL_CRIME]])
    table = pd.concat([by_major, total]).sort_index()
    n_quarters = len(months) // 3
    counts = table.to_numpy(float)[:, : n_quarters * 3].reshape(len(table), n_quarters, 3).sum(axis=2)
    return table.index, counts, [FIRST.shift(k) for k in range(n_quarters)]


def _reference_p_values(counts: np.ndarray, quarters: list[Quarter]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Independent quasi-Poisson test of each quarter against the same quarter a year earlier.

    Each same-quarter pair is fitted with one rate (allowing for the quarters' days); the
    dispersion φ is the mean Pearson χ² of the pairs up to and including the quarter (one degree
    of freedom per pair), never below 1; the pair's own χ² / φ is referred to χ²(1) (φ taken as
    known, as the app's scaled-count test does) and to F(1, pairs) (φ's uncertainty allowed for).
    Returns p-values (series × quarters from a year in) both ways, and the number of pairs.
    """
    from scipy.stats import chi2, f

    days = np.array([(q.end - q.start).days + 1 for q in quarters], dtype=float)
    now, then = counts[:, 4:], counts[:, :-4]
    total = now + then
    share = days[4:] / (days[4:] + days[:-4])
    informative = total > 0
    pearson = np.where(
        informative, (now - total * share) ** 2 / np.where(informative, total * share * (1 - share), 1), 0
    )
    pairs = np.cumsum(informative, axis=1)
    phi = np.maximum(1.0, np.cumsum(pearson, axis=1) / np.maximum(pairs, 1))
    statistic = pearson / phi
    return chi2.sf(statistic, 1), f.sf(statistic, 1, np.maximum(pairs, 1)), pairs


def _series(counts: np.ndarray, quarters: list[Quarter]) -> pd.DataFrame:
    """A count series as `cspdash.trends.quarterly` makes it from complete quarters."""
    return pd.DataFrame(
        {
            "quarter": quarters,
            "value": counts,
            "numerator": None,
            "denominator": None,
            "suppressed": False,
            "months": 3,
            "not_applicable": False,
            "provisional": False,
        },
        columns=SERIES_COLUMNS,
    )


def _app_p_values(index: pd.Index, counts: np.ndarray, quarters: list[Quarter], last: int) -> np.ndarray:
    """The app's own verdicts: `tested_change` for each quarter, given the history up to it."""
    p_values = np.ones((len(index), last - 3))
    for row, (_, major) in enumerate(index):
        ind = _indicator_for(major)
        series = _series(counts[row], quarters)
        for k in range(4, last + 1):
            change = Change(Reading(counts[row, k]), Reading(counts[row, k - 4]))
            tested = board.tested_change(ind, change, series.iloc[: k + 1], quarters[k])
            p_values[row, k - 4] = 1.0 if tested is None else tested.p_value
    return p_values


def _successive_quarter_p_values(counts: np.ndarray, quarters: list[Quarter], last: int) -> np.ndarray:
    """What the app did before (for the record): dispersion from successive quarters."""
    p_values = np.ones((len(counts), last - 3))
    for row in range(len(counts)):
        for k in range(4, last + 1):
            days = period_days(quarters[k]) / period_days(quarters[k - 4])
            dispersion = count_dispersion(counts[row, : k + 1])
            p_values[row, k - 4] = count_change_p(counts[row, k], counts[row, k - 4], days, dispersion)
    return p_values


def test_the_significant_share_matches_a_quasi_poisson_test_on_same_quarter_pairs(quarterly_counts):
    index, counts, quarters = quarterly_counts
    last = quarters.index(LAST_BEFORE_COVID)
    chi2_p, f_p, _ = _reference_p_values(counts, quarters)
    chi2_p, f_p = chi2_p[:, : last - 3], f_p[:, : last - 3]
    app_p = _app_p_values(index, counts, quarters, last)
    before_p = _successive_quarter_p_values(counts, quarters, last)
    theft = np.array([major == "THEFT" for _, major in index])
    everything = np.array([major == ALL_CRIME for _, major in index])

    def share(p: np.ndarray, rows=slice(None)) -> float:
        return float((p[rows] < SIGNIFICANCE).mean() * 100)

    print(f"\n{app_p.size} borough-category-quarters, 2011/12 Q1 – 2019/20 Q3 (32 boroughs, 12 categories + all)")
    for label, rows in (("overall", slice(None)), ("theft", theft), ("all crime", everything)):
        print(
            f"{label:>9}: app {share(app_p, rows):.1f}% significant (before: {share(before_p, rows):.1f}%);"
            f" quasi-Poisson χ²(1) {share(chi2_p, rows):.1f}%, F(1, pairs) {share(f_p, rows):.1f}%"
        )
    assert abs(share(app_p) - share(chi2_p)) <= 2.0
    assert abs(share(app_p) - share(f_p)) <= 2.0
    assert abs(share(app_p, theft) - share(chi2_p, theft)) <= 2.0
    # the app and the reference disagree only on a few borderline quarters
    assert ((app_p < SIGNIFICANCE) != (chi2_p < SIGNIFICANCE)).mean() < 0.02


def test_westminster_all_crime_late_2019_is_within_normal_variation(quarterly_counts):
    """The issue's example: 20,795 against 18,248 was 'significant' (p = 0.025) on successive quarters."""
    index, counts, quarters = quarterly_counts
    row = list(index).index(("Westminster", ALL_CRIME))
    k = quarters.index(LAST_BEFORE_COVID)
    assert (counts[row, k], counts[row, k - 4]) == (20795, 18248)
    series = _series(counts[row], quarters).iloc[: k + 1]
    change = Change(Reading(20795.0), Reading(18248.0))
    tested = board.tested_change(CATALOGUE.indicator("mps_total"), change, series, LAST_BEFORE_COVID)
    print(f"\nWestminster all crime 2019/20 Q3: {tested.text}")
    assert not tested.significant and tested.p_value > 0.2
    assert tested.dispersion > 2 * count_dispersion(counts[row, : k + 1])  # same-quarter pairs vary more
    assert tested.text.startswith("within normal variation (p = ")


def test_pairs_across_a_declared_break_are_left_out():
    quarters = [Quarter(2018, 1).shift(k) for k in range(16)]  # 2018/19 Q1 … 2021/22 Q4
    now, then = year_on_year_pairs(quarters, [3] * 16, [date(2020, 4, 1), date(2021, 7, 1)])
    kept = {(quarters[i].label, quarters[j].label) for i, j in zip(now, then, strict=True)}
    assert ("2019/20 Q4", "2018/19 Q4") in kept  # both before the first lockdown
    assert ("2021/22 Q1", "2020/21 Q1") in kept  # both between the two breaks
    assert not any(q.startswith("2020/21") and p.startswith("2019/20") for q, p in kept)  # the first
    assert ("2021/22 Q2", "2020/21 Q2") not in kept  # the second
    assert len(kept) == 4 + 1  # 2019/20 ×4 and 2021/22 Q1


def test_a_lockdown_pair_does_not_inflate_the_dispersion():
    quarters = [Quarter(2016, 1).shift(k) for k in range(20)]  # 2016/17 Q1 … 2020/21 Q4
    counts = np.array([1000.0, 1100, 1050, 990] * 4 + [600, 700, 800, 850])  # COVID collapse
    series = _series(counts, quarters)
    ordinary = year_on_year_dispersion(series, "count", [date(2020, 4, 1)])
    naive = year_on_year_dispersion(series, "count", [])
    assert ordinary.pairs == 12 and ordinary.value == 1.0  # identical years: Poisson at most
    assert naive.pairs == 16 and naive.value > 10


def test_few_pairs_fall_back_on_successive_quarters_as_well_and_say_so():
    quarters = [Quarter(2022, 1).shift(k) for k in range(6)]
    counts = np.array([500.0, 900, 300, 800, 520, 880])  # a seasonal swing: successive quarters vary a lot
    series = _series(counts, quarters)
    spread = year_on_year_dispersion(series, "count", [])
    assert spread.pairs == 2 < MIN_YEAR_ON_YEAR_PAIRS and spread.few_pairs
    assert spread.value == pytest.approx(count_dispersion(counts))
    tested = board.tested_change(
        CATALOGUE.indicator("mps_total"), Change(Reading(880.0), Reading(900.0)), series, quarters[-1], []
    )
    assert "only 2 year-on-year changes in its history" in tested.text


def test_exposure_and_proportions_are_pearson_per_pair():
    from cspdash.stats import count_pair_pearson, proportion_pair_pearson

    # equal days: (x − y)² / (x + y)
    assert count_pair_pearson([120], [80], [1.0])[0] == pytest.approx(40**2 / 200)
    # a count in proportion to its days is no change at all
    assert count_pair_pearson([91], [90], [91 / 90])[0] == pytest.approx(0.0)
    assert period_days(Quarter(2019, 4)) == 91 and period_days(Quarter(2018, 4)) == 90  # Jan–Mar 2020: a leap year
    assert period_days(Quarter(2019, 4), 12) == 366
    # proportions: the 2×2 table's Pearson χ²; an all-or-nothing pair carries no information
    expected = (0.3 - 0.45) ** 2 / (0.375 * 0.625 * (1 / 100 + 1 / 100))
    assert proportion_pair_pearson([30], [100], [45], [100])[0] == pytest.approx(expected)
    assert np.isnan(proportion_pair_pearson([10], [10], [5], [5])[0])
