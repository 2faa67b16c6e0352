"""Populations shipped with the app: the reference README's checked facts, the nearest year named,
and a crime rate per 1,000 residents recomputed independently from a real MPS release."""

import pandas as pd
import pytest

from cspdash.board import assess, mark_provisional
from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.population import TABLE, population_for
from cspdash.store.db import open_store
from cspdash.store.queries import current_observations, release_observations
from data_loaders.ingest import ingest_files
from data_loaders.kinds import provisional_months
from tests.conftest import MPS_BOROUGH, REFERENCE, ROOT, require
from tests.streamlit_app import open_page

HACKNEY, CITY = "E09000012", "E09000001"


@pytest.mark.parametrize(
    "code, year, all_ages, aged_10_17, females_16_plus",
    [
        (HACKNEY, 2011, 247_182, 21_874, 99_287),
        (HACKNEY, 2019, 281_120, 25_155, 112_451),
        (HACKNEY, 2020, 280_941, 25_531, 112_024),
        (CITY, 2011, 7_412, 265, 2_967),
        (CITY, 2019, 9_721, 615, 3_686),
        (CITY, 2020, 10_938, 705, 4_153),
    ],
)
def test_the_readme_facts(code, year, all_ages, aged_10_17, females_16_plus):
    assert population_for(code, "all_ages", year).value == all_ages
    assert population_for(code, "aged_10_17", year).value == aged_10_17
    assert population_for(code, "females_16_plus", year).value == females_16_plus


def test_london_totals_and_every_borough():
    table = pd.read_csv(TABLE)
    assert table.groupby("year")["area_code"].nunique().tolist() == [33, 33, 33, 33]
    totals = table.groupby("year")[["all_ages", "aged_10_17", "females_16_plus"]].sum()
    assert totals.loc[2011].tolist() == [8_204_407, 735_143, 3_353_495]
    assert totals.loc[2019, "all_ages"] == 8_961_989 and totals.loc[2020, "females_16_plus"] == 3_585_548
    assert totals.loc[2021, "all_ages"] == 8_799_736  # README section 4: Census 2021, London
    census = table[table["year"] == 2021]
    assert census[["aged_10_17", "females_16_plus"]].isna().all().all()  # no census table by age is held


def test_the_nearest_year_is_used_and_named():
    exact = population_for(HACKNEY, "all_ages", 2020)
    assert exact.description == "ONS mid-2020 estimate (original vintage) of residents (all ages)"
    assert exact.label == "mid-2020"
    later = population_for(HACKNEY, "aged_10_17", 2024)  # Census 2021 has no ages: mid-2020 is the nearest
    assert later.year == 2020 and later.description.endswith("the nearest year to 2024 available")
    assert population_for(HACKNEY, "all_ages", 2024).label == "Census 2021"
    assert population_for(HACKNEY, "all_ages", 2015).year == 2011  # 4 years either way: the earlier
    assert population_for("E09999999", "all_ages", 2020) is None


def test_the_shipped_table_is_what_the_script_builds_from_the_reference_files():
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_population", ROOT / "scripts" / "make_population.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build(REFERENCE / "population").reset_index(drop=True)
    pd.testing.assert_frame_equal(built, pd.read_csv(TABLE), check_dtype=False)


def test_a_crime_rate_per_thousand_recomputed_independently(tmp_path):
    """README: Hackney, all categories, 2019/20 = 33,141; mid-2020 residents 280,941."""
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    engine = open_store(f"sqlite:///{tmp_path / 'rate.db'}")
    ingest_files(engine, [MPS_BOROUGH / "mps_borough_historical_201004-202311.csv"], submitted_by="test")
    rows = current_observations(engine, area="Hackney")
    rows = mark_provisional(rows[rows["indicator"] == "mps_total"], provisional_months())
    catalogue = load_catalogue()
    a = assess(
        catalogue.indicator("mps_total"),
        rows,
        Quarter(2019, 4),
        None,
        catalogue,
        release_observations(engine, "Hackney"),
    )
    rate, population = a.resident_rate
    assert rate == pytest.approx(33_141 / 280_941 * 1000)
    assert "mid-2020" in a.resident_rate_words and "33,141" not in a.resident_rate_words


def test_hackneys_rank_among_london_boroughs_matches_an_independent_calculation(tmp_path):
    """Violence against the person in April 2024 (README: Hackney 636), per 1,000 residents (ONS
    Census 2021, the nearest base to 2024), every borough in the release ranked, 1 = highest."""
    from datetime import date

    from cspdash.comparators import compare, similar_areas

    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    release = MPS_BOROUGH / "mps_borough_24m_202312-202511.csv"
    engine = open_store(f"sqlite:///{tmp_path / 'london.db'}")
    ingest_files(engine, [release], submitted_by="test")
    london = current_observations(engine, area=None, subgroup="mps_crime")
    got = compare(
        london, "mps_violence_against_the_person", "Hackney", date(2024, 4, 1), date(2024, 4, 30), "April 2024"
    )

    raw = pd.read_csv(release)
    vap = raw[raw["MajorText"] == "VIOLENCE AGAINST THE PERSON"].groupby("BoroughName")["202404"].sum()
    census = pd.read_csv(REFERENCE / "population" / "census2021_ethnic_group_ltla21.csv")
    census = census[census["ethnic_group"].str.endswith("(number)") & census["ltla21_code"].str.startswith("E09")]
    people = census.groupby("ltla21_name")["value"].sum()  # usual residents: every one is in one group
    rates = (vap[vap.index.isin(people.index)] / people * 1000).dropna().sort_values(ascending=False)
    assert vap["Hackney"] == 636
    assert got.rate == pytest.approx(rates["Hackney"])
    assert got.rank == list(rates.index).index("Hackney") + 1
    assert got.boroughs == len(rates) == 32  # the City is not in this release
    assert got.london_rate == pytest.approx(vap[rates.index].sum() / people[rates.index].sum() * 1000)
    assert set(got.similar_names) <= set(rates.index) and got.similar_names
    assert all(code_in(similar_areas(HACKNEY), name) for name in got.similar_names)
    assert "ONS Census 2021 count of residents" in got.sentence and "highest of 32 London boroughs" in got.sentence
    assert "mid-2020" not in got.sentence


def code_in(codes, name):
    from cspdash.comparators import code_for

    return code_for(name) in codes


def test_the_mps_page_puts_hackney_beside_london_from_a_real_release(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    url = f"sqlite:///{tmp_path / 'page.db'}"
    ingest_files(open_store(url), [MPS_BOROUGH / "mps_borough_24m_202312-202511.csv"], submitted_by="test")
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
    at.query_params["area"], at.query_params["quarter"] = "Hackney", "2024/25 Q4"
    at.run()
    open_page(at, "mps_crime").run()
    assert not at.exception
    lines = [m.value.replace("\\", "") for m in at.markdown if "than London" in m.value or "to London" in m.value]
    assert lines and "what chance explains for a borough its size" in lines[0]
    assert "highest rate of 32 boroughs" in lines[0]  # the rank, as information under the verdict
    assert "residents on Census 2021" in lines[0]  # the base named beside the rate


def test_a_rate_says_which_population_it_uses():
    from tests.test_status import FTE, quarterly_rows

    numerators = [30, 32, 29, 31, 30, 32, 31, 29]
    values = [FTE.value_from(n, 24_500) for n in numerators]
    rows = quarterly_rows(FTE, values, numerators=numerators, denominators=[24_500] * 8, area_code=HACKNEY)
    catalogue = load_catalogue()
    a = assess(FTE, mark_provisional(rows, {}), Quarter(2019, 4), None, catalogue)
    # the headline is the 12 months to the quarter: 30 + 32 + 31 + 29 = 122 first time entrants
    assert a.denominator_note == (
        "Rate on the return's own population (24,500); the ONS mid-2020 estimate (original vintage) of "
        "residents aged 10–17 is 25,531, which gives 477.9."  # 122 / 25,531 × 100,000
    )
    no_population = quarterly_rows(FTE, values, numerators=numerators, area_code=HACKNEY)
    b = assess(FTE, mark_provisional(no_population, {}), Quarter(2019, 4), None, catalogue)
    assert b.denominator_note == (
        "The return gives no population: on the ONS mid-2020 estimate (original vintage) of residents aged "
        "10–17 (25,531) the rate is 477.9."
    )


def test_a_population_carried_unchanged_for_years_is_questioned():
    from tests.test_status import FTE, quarterly_rows

    numerators = [30 + (i % 3) for i in range(16)]
    values = [FTE.value_from(n, 24_500) for n in numerators]
    rows = quarterly_rows(FTE, values, numerators=numerators, denominators=[24_500] * 16, area_code=HACKNEY)
    a = assess(FTE, mark_provisional(rows, {}), Quarter(2021, 4), None, load_catalogue())
    assert a.denominator_note.endswith(
        "The return has given 24,500 every quarter since 2018/19 Q1; populations change, so check its source."
    )


def test_published_comparators_give_london_and_england_with_their_year(tmp_path, monkeypatch):
    """README facts: FirstYJS 2024 Hackney 255, London 157, England 1258 (on a different scale)."""
    from streamlit.testing.v1 import AppTest

    from cspdash.comparators import published_comparators

    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    url = f"sqlite:///{tmp_path / 'lait.db'}"
    engine = open_store(url)
    ingest_files(engine, [REFERENCE / "youth_justice" / "lait_youth_justice_indicators_extract.csv"], submitted_by="t")
    everywhere = current_observations(engine, area=None, subgroup="youth_justice", area_kind=None)
    table = published_comparators(everywhere, load_catalogue().indicators, "Hackney").set_index("Indicator")
    fte = table.loc["First time entrants per 100,000 aged 10–17 (published, calendar year)"]
    assert (fte["Year"], fte["Hackney"], fte["London"]) == ("2024", "255", "157")
    assert fte["England"] == "1,258 (not comparable: published on a different scale)"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
    at.query_params["area"] = "Hackney"
    at.run()
    open_page(at, "youth_justice").run()
    assert not at.exception
    assert "Published comparators" in [h.value for h in at.subheader]


def test_a_borough_missing_months_of_the_window_is_left_out_not_undercounted():
    from datetime import date

    from cspdash.comparators import borough_rates

    months = [date(2024, m, 1) for m in range(1, 4)]
    rows = [
        dict(indicator="mps_total", breakdown="", area=area, period_start=month, value=100.0, suppressed=False)
        for area in ("Hackney", "Camden")
        for month in months
    ] + [
        dict(
            indicator="mps_total", breakdown="", area="Islington", period_start=months[0], value=100.0, suppressed=False
        )
    ]
    rates = borough_rates(pd.DataFrame(rows), "mps_total", months[0], date(2024, 3, 31), 2024)
    assert sorted(rates["area"]) == ["Camden", "Hackney"]


def test_boroughs_are_never_ranked_on_different_years_estimates(monkeypatch):
    """If one borough's estimate were from another year, it is left out of the ranking rather than mixed in."""
    from datetime import date

    from cspdash import comparators
    from cspdash.population import Population

    def population_for(code, measure, year):
        return Population(code, measure, 100_000, 2019 if code == "E09000012" else 2020, year, "test")

    monkeypatch.setattr(comparators, "population_for", population_for)
    rows = [
        dict(area=a, indicator="mps_total", breakdown="", period_start=date(2024, 4, 1), value=v, suppressed=False)
        for a, v in (("Hackney", 900), ("Camden", 800), ("Islington", 700))
    ]
    rates = comparators.borough_rates(pd.DataFrame(rows), "mps_total", date(2024, 4, 1), date(2024, 4, 30), 2024)
    assert set(rates["area"]) == {"Camden", "Islington"} and set(rates["year"]) == {2020}
