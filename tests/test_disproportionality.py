"""Relative rate index by ethnic group: the arithmetic against a hand calculation, zero counts, when
a group is flagged, the sentences, and the shipped Census 2021 base against the reference README."""

import importlib.util
import math

import pandas as pd
import pytest

from cspdash.disproportionality import (
    BASE_CAVEAT,
    EXACT,
    KATZ,
    NO_CASES,
    TABLE,
    census_base,
    exact_conditional_interval,
    katz_interval,
    relative_rates,
    words,
    z_value,
)
from tests.conftest import REFERENCE, ROOT, require

HACKNEY, CITY = "E09000012", "E09000001"


def by_group(rates):
    return {r.group: r for r in rates}


def test_the_index_and_its_interval_by_hand():
    # Black 30 of 10,000 (3.0 per 1,000); White 20 of 20,000 (1.0 per 1,000): RRI = 3.0 / 1.0 = 3.0
    # SE of log RRI (Katz) = sqrt(1/30 - 1/10000 + 1/20 - 1/20000)
    #                      = sqrt(0.0333333 - 0.0001 + 0.05 - 0.00005) = sqrt(0.0831833) = 0.2884152
    # 95%: z = 1.959964, z × SE = 0.5652834; log 3 = 1.0986123
    # interval = exp(1.0986123 ∓ 0.5652834) = exp(0.5333289), exp(1.6638957) = 1.70460, 5.27984
    rates = by_group(relative_rates({"Black": 30, "White": 20}, {"Black": 10_000, "White": 20_000}))
    black = rates["Black"]
    assert black.rate == pytest.approx(3.0) and black.rri == pytest.approx(3.0)
    assert black.lower == pytest.approx(1.70460, abs=5e-5) and black.upper == pytest.approx(5.27984, abs=5e-5)
    assert black.flagged and black.note == ""
    se = math.sqrt(1 / 30 - 1 / 10_000 + 1 / 20 - 1 / 20_000)
    assert black.lower == pytest.approx(3 * math.exp(-1.959964 * se), rel=1e-6)
    assert black.upper == pytest.approx(3 * math.exp(1.959964 * se), rel=1e-6)
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_the_reference_row():
    white = by_group(relative_rates({"Black": 30, "White": 20}, {"Black": 10_000, "White": 20_000}))["White"]
    assert (white.rri, white.lower, white.upper, white.flagged) == (1.0, None, None, False)
    assert white.note == "reference group" and white.rate == pytest.approx(1.0)


def test_a_narrower_level_gives_a_narrower_interval():
    counts, pops = {"Black": 30, "White": 20}, {"Black": 10_000, "White": 20_000}
    wide = by_group(relative_rates(counts, pops))["Black"]
    narrow = by_group(relative_rates(counts, pops, level=0.80))["Black"]
    assert wide.lower < narrow.lower < narrow.rri < narrow.upper < wide.upper
    assert narrow.level == 0.80


def test_a_group_with_no_cases_has_no_index():
    rates = by_group(
        relative_rates({"Asian": 0, "Black": 30, "White": 20}, {"Asian": 5_000, "Black": 10_000, "White": 20_000})
    )
    asian = rates["Asian"]
    assert (asian.rri, asian.lower, asian.upper, asian.flagged) == (None, None, None, False)
    assert asian.note == NO_CASES == "no cases: the index cannot be estimated"
    assert asian.rate == 0.0
    assert rates["Black"].rri == pytest.approx(3.0)  # the others are unaffected


def test_no_cases_in_the_reference_group_means_no_index_for_anyone():
    rates = relative_rates({"Black": 30, "Mixed": 4, "White": 0}, {"Black": 10_000, "Mixed": 2_000, "White": 20_000})
    assert all(r.rri is None and r.lower is None and not r.flagged for r in rates)
    assert all("no cases in the White group" in r.note for r in rates)
    assert by_group(rates)["White"].note.startswith("reference group")


def test_suppressed_and_unknown_groups_are_said_not_guessed():
    rates = by_group(relative_rates({"Black": None, "Not known": 6, "White": 20}, {"Black": 10_000, "White": 20_000}))
    assert rates["Black"].rri is None and "suppressed" in rates["Black"].note
    assert rates["Not known"].rri is None and "no population" in rates["Not known"].note
    unknown_reference = relative_rates({"Black": 30, "White": None}, {"Black": 10_000, "White": 20_000})
    assert all(r.rri is None and not r.flagged for r in unknown_reference)
    assert unknown_reference[0].note == "the White count is suppressed: no index can be estimated"


def test_nonsense_is_refused():
    with pytest.raises(ValueError, match="reference group"):
        relative_rates({"Black": 3}, {"Black": 100})
    with pytest.raises(ValueError, match="cases in a population"):
        relative_rates({"Black": 300, "White": 2}, {"Black": 100, "White": 100})
    with pytest.raises(ValueError, match="negative"):
        relative_rates({"Black": -1, "White": 2}, {"Black": 100, "White": 100})


@pytest.mark.parametrize(
    "count, population, flagged, why",
    [
        (30, 10_000, True, "3.0, interval 1.70 to 5.28: above 1"),
        # fewer than 10 cases: the exact conditional interval (Katz gave 0.89 to 10.1 and 0.047 to 0.86)
        (3, 1_000, False, "3.0, exact interval 0.57 to 10.1: a big index, but few cases"),
        (12, 10_000, False, "1.2, interval 0.59 to 2.45: includes 1"),
        (2, 10_000, True, "0.2, exact interval 0.023 to 0.82: below 1"),
    ],
)
def test_flagged_only_when_the_interval_excludes_1(count, population, flagged, why):
    group = by_group(relative_rates({"Black": count, "White": 20}, {"Black": population, "White": 20_000}))["Black"]
    assert group.flagged is flagged, why
    assert group.flagged == (group.lower > 1 or group.upper < 1)


def test_the_sentences():
    rates = by_group(
        relative_rates(
            {"Black": 30, "Mixed": 3, "Asian": 2, "Other": 0, "White": 20},
            {"Black": 10_000, "Mixed": 1_000, "Asian": 10_000, "Other": 3_000, "White": 20_000},
        )
    )
    assert words(rates["Black"]) == (
        "Black children: 3.0 times the White rate (95% interval 1.7 to 5.3) — higher, and the interval excludes 1"
    )
    assert words(rates["Mixed"]) == (
        "Mixed children: 3.0 times the White rate (95% interval 0.57 to 10.1, exact: few cases) — the interval includes 1: "
        "not distinguishable from the White rate"
    )
    assert words(rates["Asian"]) == (
        "Asian children: 0.2 times the White rate (95% interval 0.023 to 0.82, exact: few cases) — lower, and the interval excludes 1"
    )
    assert words(rates["Other"], people="people") == "Other people: no cases: the index cannot be estimated"
    assert words(rates["White"]) == "White children: the reference group (1.0 per 1,000)"


def test_few_cases_get_the_exact_conditional_interval_not_katz():
    # Hackney first time entrants: Asian 4 against White 5, Census 2021 base (26,885 Asian, 137,709
    # White residents). RRI = (4/26,885)/(5/137,709) = 4.10. Katz's log interval, 1.10 to 15.3, would
    # flag it; the exact interval conditional on the 9 cases, a ~ Binomial(9, π) with Clopper–Pearson
    # bounds on π turned into R = π/(1 − π) × 137,709/26,885, is 0.81 to 19.0 and does not.
    base = census_base(HACKNEY).set_index("group")["population"].to_dict()
    assert (base["Asian"], base["White"]) == (26_885, 137_709)
    katz = katz_interval(4, base["Asian"], 5, base["White"])
    assert katz == (pytest.approx(1.10, abs=0.005), pytest.approx(15.3, abs=0.05))
    exact = exact_conditional_interval(4, base["Asian"], 5, base["White"])
    assert exact == (pytest.approx(0.81, abs=0.005), pytest.approx(19.0, abs=0.05))
    asian = by_group(relative_rates({"Asian": 4, "White": 5}, base))["Asian"]
    assert asian.rri == pytest.approx(4.10, abs=0.005)
    assert (asian.lower, asian.upper) == exact and asian.method == EXACT
    assert not asian.flagged
    assert words(asian).endswith("the interval includes 1: not distinguishable from the White rate")


def test_the_exact_interval_by_hand_and_which_method():
    # 3 of 1,000 against 20 of 20,000: conditional on 23 cases, π's Clopper–Pearson bounds are the
    # 2.5% point of Beta(3, 21) and the 97.5% point of Beta(4, 20); R = π/(1 − π) × 20,000/1,000
    from scipy.stats import beta

    low_pi, high_pi = beta.ppf(0.025, 3, 21), beta.ppf(0.975, 4, 20)
    mixed = by_group(relative_rates({"Mixed": 3, "White": 20}, {"Mixed": 1_000, "White": 20_000}))["Mixed"]
    assert mixed.method == EXACT
    assert mixed.lower == pytest.approx(low_pi / (1 - low_pi) * 20, rel=1e-9)
    assert mixed.upper == pytest.approx(high_pi / (1 - high_pi) * 20, rel=1e-9)
    # 10 or more in both groups: Katz
    black = by_group(relative_rates({"Black": 30, "White": 20}, {"Black": 10_000, "White": 20_000}))["Black"]
    assert black.method == KATZ
    # few cases in the reference group alone is enough for the exact interval
    few_white = by_group(relative_rates({"Black": 30, "White": 9}, {"Black": 10_000, "White": 20_000}))["Black"]
    assert few_white.method == EXACT
    # the reference row and unestimated rows say no method
    white = by_group(relative_rates({"Black": 30, "White": 20}, {"Black": 10_000, "White": 20_000}))["White"]
    assert white.method == ""


def test_exact_and_katz_agree_for_many_cases():
    exact = exact_conditional_interval(400, 100_000, 300, 100_000)
    katz = katz_interval(400, 100_000, 300, 100_000)
    assert exact[0] == pytest.approx(katz[0], rel=0.01) and exact[1] == pytest.approx(katz[1], rel=0.01)


def test_a_bound_near_1_does_not_read_as_1():
    # 1,090 of 100,000 against 1,000 of 100,000: RRI 1.09, interval 1.001 to 1.19; at one decimal
    # place the lower bound would read "1.0" while the sentence says the interval excludes 1
    black = by_group(relative_rates({"Black": 1_090, "White": 1_000}, {"Black": 100_000, "White": 100_000}))["Black"]
    assert black.flagged and 1 < black.lower < 1.005
    assert "(95% interval 1.001 to 1.2)" in words(black)


@pytest.mark.parametrize(
    "code, total, black",
    [(HACKNEY, 259_147, 54_645), (CITY, 8_584, 232)],
)
def test_the_readme_facts(code, total, black):
    base = census_base(code).set_index("group")["population"]
    assert list(base.index) == ["Asian", "Black", "Mixed", "White", "Other"]
    assert base.sum() == total and base["Black"] == black


def test_every_london_authority_and_the_london_total():
    table = pd.read_csv(TABLE)
    assert list(table.columns) == ["area_code", "area_name", "group", "population"]
    assert table["area_code"].nunique() == 33 and len(table) == 33 * 5
    assert table["population"].sum() == 8_799_736
    with pytest.raises(KeyError):
        census_base("E09999999")


def test_the_caveat_says_all_ages_not_the_cohort():
    assert "all ages" in BASE_CAVEAT and "10–17" in BASE_CAVEAT and "age structure" in BASE_CAVEAT


def test_an_index_against_the_census_base():
    base = census_base(HACKNEY).set_index("group")["population"].to_dict()
    rates = by_group(relative_rates({"Black": 54, "White": 53}, base))
    # 54 of 54,645 Black residents against 53 of 137,709 White: 2.6 times the White rate
    assert rates["Black"].rri == pytest.approx((54 / 54_645) / (53 / base["White"]))
    assert rates["Black"].flagged
    assert words(rates["White"]) == "White children: the reference group (0.38 per 1,000)"  # 53 / 137,709 × 1,000


def test_the_shipped_table_is_what_the_script_builds_from_the_reference_file():
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    path = ROOT / "scripts" / "make_census_ethnicity.py"
    spec = importlib.util.spec_from_file_location("make_census_ethnicity", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build(REFERENCE / "population")
    pd.testing.assert_frame_equal(built, pd.read_csv(TABLE), check_dtype=False)


def test_an_unknown_heading_is_refused():
    spec = importlib.util.spec_from_file_location(
        "make_census_ethnicity", ROOT / "scripts" / "make_census_ethnicity.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.broad_group("Mixed or Multiple ethnic groups: White and Black African  (percent)") == "Mixed"
    with pytest.raises(ValueError, match="no known high-level group"):
        module.broad_group("Gypsy: Roma (number)")


# ---- the cohort view, from a loaded file -----------------------------------------------------

COHORT_CSV = """Area,Area code,Cohort,Ethnic group,2024-04,2024-05,2024-06,2024-07,2024-08,2024-09,2024-10,2024-11,2024-12,2025-01,2025-02,2025-03
Hackney,E09000012,Youth justice starts,Black,3,2,4,3,2,3,4,2,3,3,2,3
Hackney,E09000012,Youth justice starts,White,1,1,2,1,1,1,2,1,1,1,1,1
Hackney,E09000012,Youth justice starts,Mixed,1,0,1,0,1,0,1,0,1,0,1,0
Hackney,E09000012,Youth justice starts,Not known,0,0,0,0,0,1,0,0,0,0,0,0
"""
POPULATION_CSV = """Area,Area code,Cohort,Ethnic group,2024-06
Hackney,E09000012,Population aged 10–17,Black,6000
Hackney,E09000012,Population aged 10–17,White,7000
Hackney,E09000012,Population aged 10–17,Mixed,3000
"""


def _loaded(tmp_path, *texts: str) -> pd.DataFrame:
    from cspdash.store.db import open_store
    from cspdash.store.queries import current_observations
    from data_loaders.ingest import ingest_files

    paths = []
    for i, text in enumerate(texts):
        path = tmp_path / f"cohort_{i}.csv"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    engine = open_store(f"sqlite:///{tmp_path / 'cohort.db'}")
    ingest_files(engine, paths, kind="ethnic_group_counts", submitted_by="test")
    return current_observations(engine, area="Hackney", subgroup="youth_justice", breakdown=None)


def test_a_cohort_file_gives_each_groups_index_against_the_white_group(tmp_path):
    from datetime import date

    from cspdash.disclosure import DEFAULT_POLICY
    from cspdash.disproportionality import cohort_view

    stored = _loaded(tmp_path, COHORT_CSV)
    starts = stored[(stored["indicator"] == "yj_starts") & stored["breakdown"].str.startswith("ethnic_group=")]
    view = cohort_view("yj_starts", "Starts", starts, "E09000012", date(2025, 3, 31), DEFAULT_POLICY, False)
    black = next(r for r in view.rates if r.group == "Black")
    # 34 Black starts of 54,645 residents against 14 White of 137,709 (Census 2021, all ages)
    assert black.count == 34 and view.period == "12 months April 2024 to March 2025"
    assert black.rri == pytest.approx((34 / 54_645) / (14 / 137_709))
    assert black.flagged and view.not_known == 1 and view.total == 34 + 14 + 6 + 1
    # a viewer: Not known (1) is hidden, and so is the next smallest group, so that it cannot be subtracted
    viewer = cohort_view("yj_starts", "Starts", starts, "E09000012", date(2025, 3, 31), DEFAULT_POLICY, True)
    assert viewer.not_known is None and "Mixed" in viewer.withheld
    mixed = next(r for r in viewer.rates if r.group == "Mixed")
    assert mixed.count is None and mixed.rri is None


def test_an_analysts_10_to_17_base_replaces_the_census_and_is_named(tmp_path):
    from datetime import date

    from cspdash.disclosure import DEFAULT_POLICY
    from cspdash.disproportionality import cohort_view, supplied_base

    stored = _loaded(tmp_path, COHORT_CSV, POPULATION_CSV)
    base, note = supplied_base(stored[stored["indicator"] == "yj_population_10_17"], date(2025, 3, 31))
    assert base == {"Black": 6000, "White": 7000, "Mixed": 3000}
    assert "aged 10–17" in note and "June 2024" in note and "cohort_1.csv" in note
    starts = stored[(stored["indicator"] == "yj_starts") & stored["breakdown"].str.startswith("ethnic_group=")]
    view = cohort_view("yj_starts", "Starts", starts, "E09000012", date(2025, 3, 31), DEFAULT_POLICY, False, base, note)
    black = next(r for r in view.rates if r.group == "Black")
    assert black.rri == pytest.approx((34 / 6000) / (14 / 7000)) and view.base_note == note
