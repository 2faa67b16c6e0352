"""The right population for each period, from the user's side, on the real releases and ONS files in
../shared/reference_data: rates for 2021 onward are per Census 2021 resident where the census gives the
measure, earlier rates use that year's mid-year estimate, and every rate names its base.

The issue: every rate from 2020 to 2026 divided by the original mid-2020 estimate, which against
Census 2021 is 32% too high for Westminster, 33% for Camden, 27% for the City, 8% for Hackney and 7%
too low for Ealing; Westminster's all crime for 2024/25 Q4 showed 337.7 per 1,000 (446.2 on Census
2021)."""

from datetime import date

import pandas as pd
import pytest

from cspdash.board import assess, mark_provisional
from cspdash.catalogue import load_catalogue
from cspdash.comparators import borough_rates, twelve_month_comparison
from cspdash.periods import Quarter
from cspdash.population import population_for, population_table
from cspdash.store.db import open_store
from cspdash.store.queries import current_observations, release_observations
from data_loaders.ingest import ingest_files
from data_loaders.kinds import provisional_months
from tests.conftest import MPS_BOROUGH, REFERENCE, require

WESTMINSTER, CAMDEN, CITY, HACKNEY, EALING = "E09000033", "E09000007", "E09000001", "E09000012", "E09000009"
EARLIER = MPS_BOROUGH / "mps_borough_24m_202312-202511.csv"  # December 2023 to November 2025
LATER = MPS_BOROUGH / "mps_borough_24m_202407-202606_Group_SubGroup_BOCU.csv"  # July 2024 to June 2026
HISTORICAL = MPS_BOROUGH / "mps_borough_historical_201004-202311.csv"


def census_2021_residents() -> pd.Series:
    """Independently of the app: usual residents by borough code, the Census 2021 ethnic group counts summed."""
    frame = pd.read_csv(REFERENCE / "population" / "census2021_ethnic_group_ltla21.csv")
    counts = frame[frame["ethnic_group"].str.endswith("(number)") & frame["ltla21_code"].str.startswith("E09")]
    return counts.groupby("ltla21_code")["value"].sum()


def mid_2020_residents() -> pd.Series:
    frame = pd.read_csv(REFERENCE / "population" / "mye2_persons_mid2020_ltla21_syoa.csv")
    return frame[frame["ltla21_code"].str.startswith("E09")].set_index("ltla21_code")["total_population"]


@pytest.fixture(scope="module")
def london(tmp_path_factory):
    """Both 24-month MPS releases, as a partnership would load them: the later one revises the months
    they share (July 2024 onward), so the store holds each month's latest figure."""
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('vintage') / 'london.db'}")
    ingest_files(engine, [EARLIER, LATER], submitted_by="test")
    return engine


@pytest.fixture(scope="module")
def historical(tmp_path_factory):
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('vintage') / 'historical.db'}")
    ingest_files(engine, [HISTORICAL], submitted_by="test")
    return engine


def all_crime_2024_25(borough: str) -> int:
    """The raw files summed by hand: April–June 2024 from the earlier release, July 2024–March 2025 from
    the later one (its revision of those months)."""
    earlier, later = pd.read_csv(EARLIER), pd.read_csv(LATER)
    first = earlier.loc[earlier["BoroughName"] == borough, ["202404", "202405", "202406"]].sum().sum()
    months = ["202407", "202408", "202409", "202410", "202411", "202412", "202501", "202502", "202503"]
    rest = later.loc[later["BOCU"] == borough, months].sum().sum()
    return int(first + rest)


def test_census_2021_ships_for_every_borough_and_matches_the_reference_counts():
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    table = population_table()
    census = table[table["year"] == 2021].set_index("area_code")
    expected = census_2021_residents()
    assert len(census) == 33 and set(census.index) == set(expected.index)
    assert (census["all_ages"] == expected.loc[census.index].astype(int)).all()
    assert census["all_ages"].sum() == 8_799_736  # the reference README, section 4
    assert census.loc[WESTMINSTER, "all_ages"] == 204_236 and census.loc[HACKNEY, "all_ages"] == 259_147
    assert set(census["source"]) == {"ONS Census 2021 usual residents (21 March 2021)"}


@pytest.mark.parametrize(
    "code, percent",
    [(WESTMINSTER, 32), (CAMDEN, 33), (CITY, 27), (HACKNEY, 8), (EALING, -7)],
)
def test_mid_2020_against_census_2021_is_as_far_out_as_the_issue_says(code, percent):
    mid_2020, census = population_for(code, "all_ages", 2020), population_for(code, "all_ages", 2021)
    assert (mid_2020.label, census.label) == ("mid-2020", "Census 2021")
    assert (mid_2020.value / census.value - 1) * 100 == pytest.approx(percent, abs=1)


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024, 2025, 2026])
def test_rates_for_2021_onward_use_census_2021(year):
    population = population_for(WESTMINSTER, "all_ages", year)
    assert (population.year, population.value, population.label) == (2021, 204_236, "Census 2021")
    named = "ONS Census 2021 count of residents (all ages)"
    assert population.description == (named if year == 2021 else f"{named}, the nearest to {year} available")


def test_earlier_periods_keep_their_own_mid_year_estimate():
    assert population_for(WESTMINSTER, "all_ages", 2019).label == "mid-2019"
    assert population_for(WESTMINSTER, "all_ages", 2019).value == 261_317
    assert population_for(WESTMINSTER, "all_ages", 2020).label == "mid-2020"
    assert population_for(WESTMINSTER, "all_ages", 2020).description == (
        "ONS mid-2020 estimate (original vintage) of residents (all ages)"
    )
    assert population_for(WESTMINSTER, "all_ages", 2011).description == "ONS mid-2011 estimate of residents (all ages)"


def test_a_measure_the_census_table_lacks_uses_the_nearest_estimate_that_has_it_and_says_so():
    for measure, words in (("aged_10_17", "residents aged 10–17"), ("females_16_plus", "female residents aged 16")):
        population = population_for(HACKNEY, measure, 2025)
        assert population.year == 2020 and population.label == "mid-2020"
        assert population.description.startswith(f"ONS mid-2020 estimate (original vintage) of {words}")
        assert population.description.endswith("the nearest year to 2025 available")
    assert population_for(HACKNEY, "aged_10_17", 2025).value == 25_531


def test_westminster_all_crime_2024_25_q4_is_per_census_2021_resident_and_says_so(london):
    observations = current_observations(london, area=None, subgroup="mps_crime")
    got = twelve_month_comparison(observations, "mps_total", "Westminster", Quarter(2024, 4))
    count = all_crime_2024_25("Westminster")
    assert count == 91_138
    assert got.rate == pytest.approx(count / census_2021_residents()[WESTMINSTER] * 1000)
    assert round(got.rate, 1) == 446.2  # it was 337.7 on the original mid-2020 estimate
    assert round(count / mid_2020_residents()[WESTMINSTER] * 1000, 1) == 337.7
    assert got.population.label == "Census 2021" and got.population.value == 204_236
    assert "Westminster 446.2 per 1,000 residents" in got.sentence
    assert got.sentence.endswith("(ONS Census 2021 count of residents (all ages), the nearest to 2025 available)")
    assert "mid-2020" not in got.sentence


def test_every_borough_in_the_2024_25_ranking_is_on_census_2021(london):
    observations = current_observations(london, area=None, subgroup="mps_crime")
    rates = borough_rates(observations, "mps_total", date(2024, 4, 1), date(2025, 3, 31), 2025)
    census = census_2021_residents()
    assert set(rates["year"]) == {2021} and len(rates) == 32  # the City is not in these releases
    assert (rates["residents"] == census.loc[rates["area_code"]].to_numpy()).all()


def test_a_partnership_areas_own_rate_for_2024_25_is_per_census_2021_resident(london):
    """Hackney (a partnership area, so its figures carry its code) on its own page."""
    rows = current_observations(london, area="Hackney")
    rows = mark_provisional(rows[rows["indicator"] == "mps_total"], provisional_months())
    catalogue = load_catalogue()
    a = assess(
        catalogue.indicator("mps_total"),
        rows,
        Quarter(2024, 4),
        None,
        catalogue,
        release_observations(london, "Hackney"),
    )
    rate, population = a.resident_rate
    assert rate == pytest.approx(all_crime_2024_25("Hackney") / census_2021_residents()[HACKNEY] * 1000)
    assert population.label == "Census 2021" and population.value == 259_147
    assert "(259,147 residents: ONS Census 2021 count of residents (all ages)" in a.resident_rate_words


@pytest.mark.parametrize(
    "quarter, label, described",
    [
        (Quarter(2018, 4), "mid-2019", "ONS mid-2019 estimate (original vintage) of residents (all ages)"),
        (Quarter(2019, 4), "mid-2020", "ONS mid-2020 estimate (original vintage) of residents (all ages)"),
        (Quarter(2020, 4), "Census 2021", "ONS Census 2021 count of residents (all ages)"),
    ],
)
def test_each_period_is_on_the_base_nearest_it_and_ranked_on_one_base(historical, quarter, label, described):
    """2018/19 Q4 (ending March 2019) on mid-2019, 2019/20 Q4 on mid-2020, 2020/21 Q4 (ending March
    2021, the month of the census) on Census 2021."""
    observations = current_observations(historical, area=None, subgroup="mps_crime")
    got = twelve_month_comparison(observations, "mps_total", "Westminster", quarter)
    assert got.population.label == label
    assert got.sentence.endswith(f"({described})")
    start = quarter.shift(-3).start
    rates = borough_rates(observations, "mps_total", start, quarter.end, quarter.end.year)
    assert rates["year"].nunique() == 1 and rates["year"].iloc[0] == got.population.year


def test_the_overview_and_side_by_side_name_census_2021_beside_the_rate(london):
    """What a board member reads for Westminster in 2024/25 Q4: the rate beside London on Census 2021,
    and the base named in the overview and the side-by-side table, never 'mid-2020'."""
    from cspdash.compare import side_by_side_frame
    from cspdash.overview import beside_london, overview_html, overview_rows

    catalogue = load_catalogue()
    quarter = Quarter(2024, 4)
    rows = overview_rows(
        catalogue,
        current_observations(london, area="Westminster"),
        quarter,
        {},
        releases=release_observations(london, "Westminster"),
        provisional_months=provisional_months(),
    )
    rows = beside_london(rows, current_observations(london, area=None, subgroup="mps_crime"), "Westminster", quarter)
    total = next(row for row in rows if row.indicator.id == "mps_total")
    assert round(total.london.rate, 1) == 446.2 and total.london.population.label == "Census 2021"
    html = overview_html([total], quarter)
    assert "446.2 per 1,000 residents a year: worse than London" in html
    assert "Census 2021 population)" in html and "mid-20" not in html
    frame = side_by_side_frame({"Westminster": [total]}, {("Westminster", "mps_total"): total.london})
    assert frame.loc[0, "Westminster: per 1,000 residents"].startswith("446.2 per 1,000: worse than London")
    assert frame.loc[0, "Westminster: per 1,000 residents"].endswith("(Census 2021 population)")
    assert "mid-20" not in " ".join(frame.astype(str).to_numpy().ravel())


def test_an_areas_own_rate_without_a_london_rank_names_census_2021(london):
    from cspdash.compare import side_by_side_frame
    from cspdash.overview import overview_html, overview_rows

    catalogue = load_catalogue()
    quarter = Quarter(2024, 4)
    rows = overview_rows(
        catalogue,
        current_observations(london, area="Hackney"),
        quarter,
        {},
        releases=release_observations(london, "Hackney"),
        provisional_months=provisional_months(),
    )
    total = next(row for row in rows if row.indicator.id == "mps_total")
    rate = all_crime_2024_25("Hackney") / 259_147 * 1000
    assert f"{rate:,.1f} per 1,000 residents a year (Census 2021 population)" in overview_html([total], quarter)
    alone = side_by_side_frame({"Hackney": [total]}, {})
    assert alone.loc[0, "Hackney: per 1,000 residents"] == f"{rate:,.1f} per 1,000 (Census 2021 population)"
