import pytest

from cspdash.catalogue import load_catalogue
from cspdash.rag import Status, Target, judge
from cspdash.stats import count_change_p, proportion_change_p
from cspdash.trends import Change, Reading

CATALOGUE = load_catalogue()
CUSTODY = CATALOGUE.indicator("yj_custody")  # count, lower is better, direction rule
ETE = CATALOGUE.indicator("yj_kpi2_ete")  # percent, higher is better, target 75 ± 5
REOFFENDING = CATALOGUE.indicator("yj_reoffending")  # percent, lower is better, target 35 ± 3
MARAC = CATALOGUE.indicator("marac_cases")  # neutral
FTE = CATALOGUE.indicator("yj_fte_rate")  # rate per 100,000, annualised


def change(now, then):
    return Change(Reading(now), Reading(then))


def test_three_to_five_is_within_normal_variation_not_red():
    """DOMAIN.md: 3 → 5 is not '+67%, red'."""
    judgement = judge(CUSTODY, change(5, 3))
    assert judgement.status is Status.AMBER
    assert "normal variation" in judgement.reason
    assert count_change_p(5, 3) == pytest.approx(0.7265625)


@pytest.mark.parametrize(
    "now, then, status",
    [(80, 40, Status.RED), (40, 80, Status.GREEN), (52, 48, Status.AMBER), (10, 10, Status.AMBER)],
)
def test_direction_rule_judges_significant_changes_by_polarity(now, then, status):
    assert judge(CUSTODY, change(now, then)).status is status


@pytest.mark.parametrize(
    "value, status",
    [
        (75.0, Status.GREEN),
        (80.0, Status.GREEN),
        (71.0, Status.AMBER),
        (70.0, Status.AMBER),
        (60.0, Status.RED),
    ],
)
def test_target_rule_higher_is_better(value, status):
    reading = Reading(value, numerator=value * 2, denominator=200)
    assert judge(ETE, Change(reading, None)).status is status


@pytest.mark.parametrize("value, status", [(35.0, Status.GREEN), (37.0, Status.AMBER), (45.0, Status.RED)])
def test_target_rule_lower_is_better(value, status):
    reading = Reading(value, numerator=value * 4, denominator=400)
    assert judge(REOFFENDING, Change(reading, None)).status is status


def test_a_target_for_the_financial_year_overrides_the_catalogue():
    reading = Reading(77.0, numerator=154, denominator=200)
    assert judge(ETE, Change(reading, None)).status is Status.GREEN
    assert judge(ETE, Change(reading, None), Target(85.0, 5.0)).status is Status.AMBER
    lower = Reading(70.0, numerator=140, denominator=200)
    assert judge(ETE, Change(lower, None), Target(85.0, 5.0)).status is Status.RED


def test_a_small_group_below_target_is_amber_not_red():
    """2 of 5 is 40%, far below 75%, but 5 children cannot show the service is off track."""
    small = Reading(40.0, numerator=2, denominator=5)
    judgement = judge(ETE, Change(small, None))
    assert judgement.status is Status.AMBER
    assert "with 5 cases" in judgement.reason and "not clearly off track" in judgement.reason
    large = Reading(40.0, numerator=80, denominator=200)
    assert judge(ETE, Change(large, None)).status is Status.RED


def test_neutral_suppressed_and_missing_figures_are_not_rated():
    assert judge(MARAC, change(100, 50)).status is Status.NOT_RATED
    assert judge(CUSTODY, Change(Reading(None, suppressed=True), Reading(4))).status is Status.NOT_RATED
    assert judge(CUSTODY, Change(None, Reading(4))).status is Status.NOT_RATED
    assert judge(CUSTODY, Change(Reading(4), None)).reason == "No comparable figure a year earlier"


def test_rates_are_tested_on_counts_with_their_populations():
    now = Reading(FTE.value_from(30, 25_000), numerator=30, denominator=25_000)
    then = Reading(FTE.value_from(60, 25_000), numerator=60, denominator=25_000)
    assert now.value == pytest.approx(480.0)
    assert judge(FTE, Change(now, then)).status is Status.GREEN


def test_proportion_test_is_fishers_exact():
    assert proportion_change_p(30, 100, 45, 100) == pytest.approx(0.0405, abs=1e-3)
    assert proportion_change_p(0, 0, 1, 2) == 1.0


def test_every_status_has_a_word_and_a_shape_not_only_a_colour():
    words = {s.word for s in Status}
    shapes = {s.shape for s in Status}
    assert len(words) == len(shapes) == len(Status)


def test_headline_for_a_small_count_gives_numbers_and_variation_not_a_big_percent():
    from cspdash.formatting import headline
    from cspdash.periods import Quarter

    marac = CATALOGUE.indicator("marac_cases")
    small = change(6, 2)
    text = headline(marac, Quarter(2023, 2), small, judge(marac, small))
    assert text == (
        "MARAC cases discussed: 6 in 2023/24 Q2, up 4 (from 2) on a year earlier"
        " — within normal variation on a year earlier (p = 0.289)"
    )
    big = change(130, 100)
    assert "up 30% on a year earlier" in headline(marac, Quarter(2023, 2), big, judge(marac, big))
