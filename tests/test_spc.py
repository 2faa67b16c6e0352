"""SPC rules as NHSRplotthedots implements them: its own test cases, table-driven.

Cases are taken from NHSRplotthedots' tests/testthat (test-ptd_calculate_point_type.R,
test-ptd_calculate_assurance_type.R, test-ptd_spc_standard.R and its snapshot).
"""

import pytest

from cspdash.spc import (
    assurance_type,
    close_to_limits,
    outside_limits,
    part_of_run,
    part_of_two_in_three,
    point_type,
    relative_to_mean,
    run_one_side_of_mean,
    spc_chart,
    special_cause_type,
    trend,
    two_in_three,
    xmr_limits,
)

# R: set.seed(123); rnorm(20)
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
    -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
    0.49785048, -1.96661716, 0.70135590, -0.47279140,
]  # fmt: skip


@pytest.mark.parametrize(
    "sides, expected",
    [
        ([], []),
        ([1] * 6, [0] * 6),
        ([1] * 6 + [-1], [0] * 7),
        ([1] * 8 + [-1], [0, 0, 0, 0, 0, 0, 1, 1, 0]),
        ([-1] * 8 + [1], [0, 0, 0, 0, 0, 0, 1, 1, 0]),
    ],
)
def test_seven_points_one_side_of_the_mean(sides, expected):
    # NHSRplotthedots returns all(...) & v != 0, i.e. 1 for a run on either side
    assert [abs(v) for v in run_one_side_of_mean(sides)] == expected


def test_a_point_exactly_on_the_mean_breaks_a_shift():
    assert run_one_side_of_mean([1, 1, 1, 0, 1, 1, 1, 1]) == [0] * 8
    assert run_one_side_of_mean([1] * 7)[-1] == 1


@pytest.mark.parametrize(
    "ends, expected",
    [
        ([], []),
        ([0] * 6, [False] * 6),
        ([0] * 6 + [1, 0], [True] * 7 + [False]),
        ([0] * 7 + [1, 0], [False] + [True] * 7 + [False]),
        ([0] * 6 + [-1, 0], [True] * 7 + [False]),
        ([0] * 7 + [-1, 0], [False] + [True] * 7 + [False]),
    ],
)
def test_part_of_a_seven_point_run(ends, expected):
    assert part_of_run(ends) == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        ([], []),
        ([1, 2, 3, 4, 5, 6], [0] * 6),
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7),  # a tie breaks a trend
        ([1, 2, 3, 4, 5, 6, 7], [0] * 6 + [1]),
        ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0] * 7 + [1, 0]),
        ([7, 6, 5, 4, 3, 2, 1], [0] * 6 + [-1]),
        ([2, 7, 6, 5, 4, 3, 2, 1, 3], [0] * 7 + [-1, 0]),
    ],
)
def test_seven_point_trend(values, expected):
    assert trend(values) == expected


@pytest.mark.parametrize(
    "close, sides, expected",
    [
        ([0, 0, 0], [0, 0, 0], [0, 0, 0]),
        ([1, 0, 1], [1, 1, 1], [1, 1, 1]),
        ([0, 1, 1], [1, 1, 1], [1, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 1]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 1, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 1, 1, 1, 1, 0, 0]),
        # opposite sides of the mean never count
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
        ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
        ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
    ],
)
def test_two_in_three_beyond_two_sigma_on_one_side(close, sides, expected):
    assert two_in_three([bool(c) for c in close], sides) == [bool(e) for e in expected]


@pytest.mark.parametrize(
    "close, sides, expected",
    [
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
        ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
    ],
)
def test_only_the_points_near_the_limits_are_marked(close, sides, expected):
    close = [bool(c) for c in close]
    assert part_of_two_in_three(two_in_three(close, sides), close) == [bool(e) for e in expected]


def test_precedence_when_several_rules_fire():
    """Beyond a limit, then a trend, then two in three, then a shift (NHSRplotthedots' order)."""
    values = [1, 2, 3, 4, 5, 6, 7, 8]
    sides = [1, 1, 1, 1, 1, 1, 1, 1]
    # the last point is beyond the upper limit and also ends a trend and a shift
    close = [False] * 6 + [True, False]
    outside = [False] * 7 + [True]
    causes = special_cause_type(values, sides, close, outside)
    assert causes[-1] == "Above UCL"
    assert causes[:7] == ["7 Point Trend (Increasing)"] * 7


def test_two_in_three_outranks_a_shift_and_a_trend_outranks_both():
    values = [10, 10, 10, 10, 10, 10, 10]
    sides = [1] * 7
    close = [False, False, False, False, False, True, True]
    causes = special_cause_type(values, sides, close, [False] * 7)
    assert causes == ["7 Points Above CL"] * 5 + ["2 in 3 Above CL"] * 2


@pytest.mark.parametrize(
    "cause, direction, expected",
    [
        ("Above UCL", 1, "special_cause_improvement"),
        ("Above UCL", -1, "special_cause_concern"),
        ("Below LCL", -1, "special_cause_improvement"),
        ("7 Point Trend (Decreasing)", 1, "special_cause_concern"),
        ("7 Points Above CL", 0, "special_cause_neutral_high"),
        ("2 in 3 Below CL", 0, "special_cause_neutral_low"),
        ("Common Cause", 1, "common_cause"),
    ],
)
def test_special_cause_is_read_by_polarity(cause, direction, expected):
    assert point_type(cause, direction) == expected


@pytest.mark.parametrize(
    "lower, upper, improvement, expected",
    [
        (1, 3, 1, "consistent_fail"),
        (5, 7, 1, "consistent_pass"),
        (1, 5, 1, "inconsistent"),
        (1, 3, -1, "consistent_pass"),
        (5, 7, -1, "consistent_fail"),
        (1, 5, -1, "inconsistent"),
        (1, 3, 0, None),
    ],
)
def test_assurance_against_a_target_of_four(lower, upper, improvement, expected):
    assert assurance_type(4, lower, upper, improvement) == expected


def test_no_target_no_assurance():
    assert assurance_type(None, 1, 3, 1) is None


def test_limits_match_the_reference_snapshot():
    """ptd_spc_standard snapshot: mean 0.1416238, limits -3.01138 and 3.294627."""
    limits = xmr_limits(RNORM_123)
    assert limits.mean == pytest.approx(0.1416238, abs=1e-7)
    assert limits.lower == pytest.approx(-3.01138, abs=1e-5)
    assert limits.upper == pytest.approx(3.294627, abs=1e-6)


def test_screening_moving_ranges_matches_the_reference_snapshot():
    """y[15] = 10: screened limits -2.383666 … 3.722497; unscreened -4.596625 … 5.935457."""
    values = list(RNORM_123)
    values[14] = 10
    screened, unscreened = xmr_limits(values, True), xmr_limits(values, False)
    assert screened.mean == pytest.approx(0.6694159, abs=1e-7)
    assert (screened.lower, screened.upper) == pytest.approx((-2.383666, 3.722497), abs=1e-6)
    assert (unscreened.lower, unscreened.upper) == pytest.approx((-4.596625, 5.935457), abs=1e-6)


def test_random_normal_series_is_all_common_cause():
    """ptd_spc snapshot: 20 points, 20 common cause."""
    chart = spc_chart(RNORM_123, "higher")
    assert set(chart.point_types) == {"common_cause"}
    assert chart.variation == "common_cause" and not chart.latest.provisional


def test_two_close_points_on_opposite_sides_are_common_cause():
    values = [1, -1] * 8
    values[14], values[15] = 5.5, -5.5
    chart = spc_chart(values, "higher")
    assert chart.point_types[-2:] == ("common_cause", "common_cause")


def test_limits_are_provisional_below_thirteen_points_and_absent_below_the_minimum():
    assert spc_chart(RNORM_123[:12], "higher").latest.provisional
    assert not spc_chart(RNORM_123[:13], "higher").latest.provisional
    short = spc_chart(RNORM_123[:5], "higher")
    assert not short.usable and "too short" in short.unusable


def test_counts_too_small_for_an_xmr_chart_are_said_so():
    chart = spc_chart([0, 1, 0, 2, 0, 0, 1, 3, 0, 1, 0, 2], "lower", counts=True)
    assert not chart.usable and "too few events" in chart.unusable


def test_a_declared_break_rebases_the_limits():
    before, after = [10, 12, 11, 9, 10, 11, 12, 10, 9, 11], [30, 32, 31, 29, 30, 31, 32, 30, 29, 31]
    joined = spc_chart(before + after, "lower")
    assert joined.variation == "special_cause_concern"
    rebased = spc_chart(before + after, "lower", breaks=[(10, "lockdown")])
    assert rebased.variation == "common_cause"
    assert rebased.latest.limits.mean == pytest.approx(30.5) and rebased.latest.note == "lockdown"


def test_run_length_is_configurable():
    from cspdash.spc import SpcOptions

    values = [5, 7, 4, 6, 5, 3, 6, 4, 5, 6, 7, 8]
    assert trend(values[-5:], run_length=5)[-1] == 1
    assert spc_chart(values, "higher", options=SpcOptions(run_length=5)).causes[-1] == "5 Point Trend (Increasing)"
    assert spc_chart(values, "higher").causes[-1] != "7 Point Trend (Increasing)"


def test_rules_read_from_values():
    values = [10.0] * 12 + [30.0]
    limits = xmr_limits(values)
    assert outside_limits(values, limits)[-1]
    assert relative_to_mean(values, limits.mean)[-1] == 1
    assert not close_to_limits(values, limits)[-1]
