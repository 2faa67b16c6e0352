"""One meaning per status, small numbers both ways, targets for every rule, honest labels."""

import pandas as pd
import pytest

from cspdash.board import assess, mark_provisional
from cspdash.catalogue import load_catalogue
from cspdash.formatting import format_reading, headline
from cspdash.periods import Quarter
from cspdash.spc import spc_chart
from cspdash.stats import count_change_p, count_dispersion, proportion_change_p
from cspdash.status import MEANINGS, Status, Target, judge
from cspdash.trends import Change, Reading

CATALOGUE = load_catalogue()
CUSTODY = CATALOGUE.indicator("yj_custody")  # count, lower is better
ETE = CATALOGUE.indicator("yj_kpi2_ete")  # percent, higher is better, indicative target 75 ± 5
BOARD = CATALOGUE.indicator("yj_kpi8_board_attendance")  # a census
MARAC = CATALOGUE.indicator("marac_cases")  # neutral
FTE = CATALOGUE.indicator("yj_fte_rate")  # rate per 100,000, 12-month headline
TOTAL = CATALOGUE.indicator("mps_total")  # monthly count


FIRST = Quarter(2018, 1)


def quarterly_rows(indicator, values, first=FIRST, numerators=None, denominators=None, **extra):
    rows = []
    for i, value in enumerate(values):
        quarter = first.shift(i)
        rows.append(
            dict(
                indicator=indicator.id,
                period_start=quarter.start,
                period_end=quarter.end,
                value=value,
                numerator=None if numerators is None else numerators[i],
                denominator=None if denominators is None else denominators[i],
                suppressed=value is None,
                not_applicable=False,
                **extra,
            )
        )
    return pd.DataFrame(rows)


def assessed(indicator, rows, quarter, target=None, releases=None):
    return assess(indicator, mark_provisional(rows, {"mps_borough": 3}), quarter, target, CATALOGUE, releases)


def test_every_status_has_one_meaning_a_word_and_a_shape():
    assert set(MEANINGS) == set(Status)
    assert len({s.word for s in Status}) == len({s.shape for s in Status}) == len(Status)


def test_common_cause_is_no_signal_not_amber():
    values = [40, 44, 38, 41, 45, 39, 42, 40, 43, 41, 38, 44]
    a = assessed(CUSTODY, quarterly_rows(CUSTODY, values), Quarter(2018, 1).shift(11))
    assert a.judgement.status is Status.NO_SIGNAL
    assert "no special cause" in a.judgement.reason  # how it was judged
    assert a.judgement.plain.startswith("No change beyond the usual ups and downs")  # what a board reads


def test_special_cause_by_polarity_without_a_target():
    rising = [40, 44, 38, 41, 45, 39, 42, 40, 43, 41, 38, 44, 80]
    a = assessed(CUSTODY, quarterly_rows(CUSTODY, rising), Quarter(2018, 1).shift(12))
    assert a.judgement.status is Status.RED and "above the upper limit" in a.judgement.reason
    assert a.spc.variation == "special_cause_concern"


def test_a_target_on_a_direction_indicator_is_honoured():
    """First time entrants are rated on SPC, but a target of 150 ± 10 set for the year decides."""
    numerators = [40, 42, 39, 41, 40, 42, 41, 39, 40, 42, 41, 40]
    population = [20_000] * 12
    values = [FTE.value_from(n, d) for n, d in zip(numerators, population, strict=True)]
    rows = quarterly_rows(FTE, values, numerators=numerators, denominators=population)
    quarter = Quarter(2018, 1).shift(11)
    without = assessed(FTE, rows, quarter)
    assert without.judgement.status is Status.NO_SIGNAL
    with_target = assessed(FTE, rows, quarter, Target(150.0, 10.0))
    assert with_target.judgement.status is Status.RED  # ~800 per 100,000, limits wholly above 150
    assert "Consistently misses the target of 150" in with_target.judgement.reason


def test_zero_of_one_and_one_of_one_are_both_too_few_to_judge():
    spc = spc_chart([70, 75, 72, 78, 74, 71, 76, 73, 75], "higher")
    for numerator in (0, 1):
        reading = Reading(numerator * 100.0, numerator=numerator, denominator=1)
        judgement = judge(ETE, reading, spc, Target(75.0, 5.0))
        assert judgement.status is Status.NOT_RATED
        assert judgement.reason.startswith("Too few cases to judge")


def test_small_groups_get_uncertainty_for_good_news_and_bad_news_alike():
    """Without an SPC chart, a target is judged on the 95% interval: 11 of 12 does not prove 'meets 75%'."""
    good, bad = Reading(91.7, numerator=11, denominator=12), Reading(58.3, numerator=7, denominator=12)
    target = Target(75.0, 5.0)
    assert judge(ETE, good, None, target).status is Status.AMBER
    assert judge(ETE, bad, None, target).status is Status.AMBER
    assert judge(ETE, Reading(95.0, numerator=190, denominator=200), None, target).status is Status.GREEN
    assert judge(ETE, Reading(40.0, numerator=80, denominator=200), None, target).status is Status.RED


def test_a_census_gets_no_sampling_interval():
    target = Target(90.0, 10.0)
    assert judge(BOARD, Reading(91.7, numerator=11, denominator=12), None, target).status is Status.GREEN
    missed = judge(BOARD, Reading(83.3, numerator=10, denominator=12), None, target)
    assert missed.status is Status.RED and "interval" not in missed.reason


def test_a_census_change_is_not_given_a_sampling_test():
    from cspdash.board import tested_change
    from cspdash.trends import quarterly

    values = [90.0, 80.0, 100.0, 90.0, 80.0]
    rows = quarterly_rows(BOARD, values, numerators=[9, 8, 10, 9, 8], denominators=[10] * 5)
    series = quarterly(BOARD, rows)
    change = Change(Reading(80.0, 8, 10), Reading(90.0, 9, 10))
    assert tested_change(BOARD, change, series, Quarter(2019, 1)) is None
    assert tested_change(ETE, change, series, Quarter(2019, 1)) is not None


def test_an_indicative_target_is_labelled():
    reading = Reading(80.0, numerator=160, denominator=200)
    judgement = judge(ETE, reading, None, Target(75.0, 5.0, confirmed=False))
    assert "(indicative)" in judgement.reason
    assert "(indicative)" not in judge(ETE, reading, None, Target(75.0, 5.0)).reason


def test_not_applicable_is_shown_apart_from_suppressed():
    assert format_reading(ETE, Reading(None, suppressed=True, not_applicable=True)) == "Not applicable"
    assert format_reading(ETE, Reading(None, suppressed=True)) == "Suppressed"
    assert (
        judge(ETE, Reading(None, suppressed=True, not_applicable=True), None).reason
        == "Not applicable for this quarter"
    )
    assert judge(ETE, Reading(None, suppressed=True), None).reason == "Figure suppressed (small number)"


def test_na_and_z_cells_are_read_as_not_applicable():
    from data_loaders.cells import read_cell

    assert read_cell("n/a").not_applicable and read_cell("[z]").not_applicable
    assert read_cell("<5").suppressed and not read_cell("<5").not_applicable


def test_neutral_indicators_are_monitored_never_red_or_green():
    values = [100, 104, 98, 101, 105, 99, 102, 100, 103, 101, 98, 104, 200]
    first = Quarter(2021, 2)  # after the declared COVID-19 breaks
    a = assessed(MARAC, quarterly_rows(MARAC, values, first=first), first.shift(12))
    assert a.judgement.status is Status.UNUSUAL


def test_first_time_entrants_headline_the_twelve_month_rate_with_the_quarter_count():
    numerators = [10, 12, 9, 11, 10, 12, 11, 9]
    population = [20_000] * 8
    values = [FTE.value_from(n, d) for n, d in zip(numerators, population, strict=True)]
    a = assessed(FTE, quarterly_rows(FTE, values, numerators=numerators, denominators=population), Quarter(2019, 4))
    assert a.reading.months == 12
    assert a.reading.value == pytest.approx(sum(numerators[4:]) / 20_000 * 100_000)
    assert a.quarter_reading.numerator == 9
    assert a.headline_label == "12 months to the end of 2019/20 Q4"


def test_rolling_title_names_the_window_it_really_covers():
    from cspdash.charts import rolling_twelve
    from cspdash.trends import quarterly, rolling_twelve_months

    values = [40, 44, 38, 41, 45, 39, 42, None, 43]  # 2019/20 Q4 return missing
    rows = quarterly_rows(CUSTODY, values)
    rows = rows[rows["value"].notna()]
    series = quarterly(CUSTODY, rows)
    title = rolling_twelve(CUSTODY, rolling_twelve_months(CUSTODY, series), Quarter(2020, 1)).layout.title.text
    assert "2020/21 Q1" not in title.split("(")[0].replace("<br>", " ")
    assert "12 months to the end of 2019/20 Q3" in title.replace("<br>", " ")
    assert "no complete 12 months to 2020/21 Q1" in title.replace("<br>", " ")


def test_immature_kpi_data_carry_the_yjb_caveat_until_2025_26_q1():
    values = [70.0 + (i % 3) for i in range(12)]
    rows = quarterly_rows(
        ETE, values, first=Quarter(2022, 1), numerators=[v * 2 for v in values], denominators=[200] * 12
    )
    early = assessed(ETE, rows, Quarter(2024, 4), Target(75.0, 5.0))
    assert any("immature" in c for c in early.caveats)
    later = assessed(ETE, rows, Quarter(2025, 1), Target(75.0, 5.0))
    assert later is None or not later.caveats


def monthly_rows(values_by_month: dict, vintage: str, vintage_end):
    return pd.DataFrame(
        [
            dict(
                indicator=TOTAL.id,
                period_start=start,
                period_end=(pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date(),
                value=value,
                numerator=None,
                denominator=None,
                suppressed=False,
                not_applicable=False,
                vintage=vintage,
                vintage_end=pd.Timestamp(vintage_end),
                kind="mps_borough",
            )
            for start, value in values_by_month.items()
        ]
    )


def _months(first: str, count: int):
    return [d.date() for d in pd.date_range(first, periods=count, freq="MS")]


def test_a_change_across_two_releases_is_not_tested_and_says_why():
    old = monthly_rows(dict.fromkeys(_months("2022-04-01", 20), 2500), "MPS 2023-11", "2023-11-01")
    new = monthly_rows(dict.fromkeys(_months("2023-12-01", 16), 2700), "MPS 2025-03", "2025-03-01")
    in_force = pd.concat([old, new], ignore_index=True)
    a = assessed(TOTAL, in_force, Quarter(2024, 3), releases=pd.concat([old, new], ignore_index=True))
    assert a.change_test is None
    assert "no single release covers both" in a.release_note


def test_a_change_is_the_figure_shown_minus_a_comparator_from_its_own_release():
    old = monthly_rows(dict.fromkeys(_months("2022-04-01", 24), 2500), "MPS 2024-03", "2024-03-01")
    newer = monthly_rows(dict.fromkeys(_months("2023-03-01", 25), 2600), "MPS 2025-03", "2025-03-01")
    in_force = pd.concat([old[old["period_start"] < newer["period_start"].min()], newer], ignore_index=True)
    a = assessed(TOTAL, in_force, Quarter(2023, 4), releases=pd.concat([old, newer], ignore_index=True))
    # 2023/24 Q4 is from the newer release, which has only March of 2022/23 Q4: no change is given (the
    # older release's 7,500 against 7,500 would not be the difference of the figures shown)
    assert a.reading.value == 7800 and a.comparator.value == 2500 * 2 + 2600
    assert a.change.absolute is None and a.change_test is None
    assert "no single release covers both" in a.release_note
    assert "In MPS 2024-03, 2023/24 Q4 was 7,500 and 2022/23 Q4 7,500." in a.release_note
    later = assessed(TOTAL, in_force, Quarter(2024, 4), releases=pd.concat([old, newer], ignore_index=True))
    assert later.change.absolute == later.reading.value - later.comparator.value == 0
    assert later.change_test is not None


def test_the_newest_months_of_a_release_are_provisional():
    rows = monthly_rows(dict.fromkeys(_months("2023-04-01", 24), 2500), "MPS 2025-03", "2025-03-01")
    a = assessed(TOTAL, rows, Quarter(2024, 4))
    assert a.reading.provisional
    assert "Jan 2025 to Mar 2025" in a.provisional_note
    assert [p.provisional for p in a.spc_points][-4:] == [False, True, True, True]


def test_year_on_year_significance_allows_for_over_dispersion():
    """2,600 against 2,400 is 'significant' for pure Poisson counts, not for a series that varies 20×."""
    assert count_change_p(2600, 2400) < 0.01
    assert count_change_p(2600, 2400, dispersion=20) > 0.2
    assert count_dispersion([100, 101, 99, 100, 102, 98]) == 1.0
    assert count_dispersion([2400, 2700, 2300, 2800, 2350, 2750]) > 20


def test_unequal_period_lengths_are_allowed_for():
    """Jan–Mar 2024 had 91 days, Jan–Mar 2025 had 90: the same daily rate is no change."""
    assert count_change_p(900, 910, exposure_ratio=90 / 91) > 0.95


def test_proportion_test_is_fishers_exact():
    assert proportion_change_p(30, 100, 45, 100) == pytest.approx(0.0405, abs=1e-3)
    assert proportion_change_p(0, 0, 1, 2) == 1.0


def test_three_to_five_is_within_normal_variation():
    assert count_change_p(5, 3) == pytest.approx(0.7265625)


def test_headline_for_a_small_count_gives_numbers_not_a_big_percent():
    small = Change(Reading(6), Reading(2))
    assert (
        headline(MARAC, Quarter(2023, 2), small)
        == "MARAC cases discussed: 6 in 2023/24 Q2, up 4 (from 2) on a year earlier"
    )
    big = Change(Reading(130), Reading(100))
    assert "up 30% on a year earlier" in headline(MARAC, Quarter(2023, 2), big)
