"""Charts that fit the data: p, u and Laney's p′, u′ charts for percentages and rates, g charts for
rare events, and the lockdown breaks applied from the period that contains them.

The limits reproduce PowerBI-SPC's own test values (test/Chart Types/p, u, pprime, uprime and
g.test.ts in AUS-DOH-Safety-and-Quality/PowerBI-SPC); its g chart follows qicharts2's `qic.g`.
"""

from datetime import date

import pytest

from cspdash.catalogue import Break, CatalogueError, load_catalogue, parse_catalogue
from cspdash.history import SpcPoint
from cspdash.spc import (
    CHART_KINDS,
    DEFAULT_OPTIONS,
    SpcOptions,
    attribute_chart,
    attribute_limits,
    describe_kind,
    g_chart,
    g_limits,
    gaps_between_events,
    spc_chart,
)

CATALOGUE = load_catalogue()

# PowerBI-SPC test/Chart Types/p.test.ts (limits as percentages)
P_NUMERATORS = [14,12,15,8,16,11,12,14,16,17,5,11,13,10,14,5,12,10,11,5,10,8,11,12,11,18,18,21,14,15,18,22,17,16,20,15]  # fmt: skip
P_DENOMINATORS = [52,64,70,60,67,69,67,54,79,59,49,61,41,51,56,43,57,48,69,41,40,46,59,62,57,65,75,70,76,69,64,67,84,67,69,78]  # fmt: skip
P_UL99 = [38.76,37.07,36.4,37.58,36.72,36.5,36.72,38.44,35.53,37.71,39.28,37.45,40.92,38.93,38.14,40.47,37.99,39.46,36.5,40.92,41.16,39.84,37.71,37.32,37.99,36.95,35.9,36.4,35.8,36.5,37.07,36.72,35.11,36.72,36.5,35.62]  # fmt: skip
P_UL95 = [33.05,31.93,31.48,32.26,31.69,31.55,31.69,32.84,30.9,32.35,33.4,32.18,34.49,33.16,32.64,34.19,32.54,33.52,31.55,34.49,34.65,33.77,32.35,32.09,32.54,31.85,31.14,31.48,31.08,31.55,31.93,31.69,30.62,31.69,31.55,30.96]  # fmt: skip
P_LL95 = [10.21,11.34,11.79,11,11.57,11.72,11.57,10.43,12.37,10.91,9.87,11.09,8.77,10.1,10.63,9.07,10.73,9.75,11.72,8.77,8.61,9.49,10.91,11.17,10.73,11.42,12.12,11.79,12.19,11.72,11.34,11.57,12.65,11.57,11.72,12.31]  # fmt: skip
P_LL99 = [4.5,6.19,6.87,5.69,6.54,6.76,6.54,4.82,7.74,5.55,3.99,5.82,2.34,4.34,5.13,2.8,5.27,3.8,6.76,2.34,2.1,3.42,5.55,5.95,5.27,6.31,7.37,6.87,7.46,6.76,6.19,6.54,8.16,6.54,6.76,7.65]  # fmt: skip

# PowerBI-SPC test/Chart Types/u.test.ts (rates per 10,000)
U_NUMERATORS = [575,521,585,528,507,519,457,505,494,512,543,506,509,521,549,531,509,528,419,512,495,513,454,490]  # fmt: skip
U_DENOMINATORS = [310466.8333,282346.7917,309089.7083,287977.3333,297743.375,286988.25,261120.3333,268720.75,284437.875,290449.5,288104.4583,279961.375,289803.9583,275950.5833,290824.4583,285495.75,282515.2083,273927.875,253085.625,262410.7083,275529.25,282405.0833,259530.7917,256235.4583]  # fmt: skip
U_UL99 = [20.5349,20.6467,20.5401,20.623,20.5836,20.6271,20.7428,20.7071,20.6378,20.6129,20.6225,20.657,20.6155,20.6745,20.6113,20.6334,20.646,20.6835,20.7823,20.7366,20.6764,20.6465,20.7505,20.7666]  # fmt: skip
U_LL99 = [15.9366,15.8248,15.9314,15.8485,15.8879,15.8444,15.7287,15.7644,15.8337,15.8586,15.849,15.8145,15.856,15.797,15.8602,15.8381,15.8255,15.788,15.6892,15.7349,15.7951,15.825,15.721,15.7049]  # fmt: skip
U_UL95 = [19.7685,19.8431,19.772,19.8273,19.801,19.83,19.9071,19.8833,19.8371,19.8205,19.8269,19.8499,19.8223,19.8616,19.8195,19.8342,19.8426,19.8676,19.9334,19.903,19.8628,19.8429,19.9122,19.923]  # fmt: skip

# PowerBI-SPC test/Chart Types/pprime.test.ts and uprime.test.ts (one data set, large denominators)
PRIME_NUMERATORS = [266501,264225,276532,281461,269071,261215,270409,279778,270483,270320,267923,271478,255353,256820,261835,259144,255910,260863,264465,260989]  # fmt: skip
PRIME_DENOMINATORS = [280443,276823,291681,296155,282343,275888,283867,295251,284468,282529,279618,283932,266629,268091,276803,271578,266005,273520,278574,273772]  # fmt: skip
PP_UL99 = [96.567,96.5753,96.5421,96.5326,96.5627,96.5775,96.5593,96.5345,96.5579,96.5623,96.5689,96.5591,96.5996,96.5961,96.5753,96.5877,96.6012,96.583,96.5713,96.5824]  # fmt: skip
PP_UL95 = [96.1413,96.1469,96.1247,96.1184,96.1384,96.1483,96.1362,96.1197,96.1353,96.1382,96.1426,96.1361,96.1631,96.1607,96.1469,96.1551,96.1641,96.152,96.1442,96.1516]  # fmt: skip
PP_LL95 = [94.4386,94.4331,94.4552,94.4615,94.4415,94.4316,94.4438,94.4603,94.4447,94.4418,94.4374,94.4439,94.4169,94.4192,94.4331,94.4248,94.4158,94.4279,94.4358,94.4283]  # fmt: skip
PP_LL99 = [94.013,94.0046,94.0378,94.0473,94.0173,94.0025,94.0207,94.0454,94.022,94.0177,94.0111,94.0208,93.9803,93.9839,94.0046,93.9923,93.9788,93.9969,94.0087,93.9975]  # fmt: skip
UP_UL99 = [0.9657,0.9658,0.9654,0.9653,0.9656,0.9658,0.9656,0.9653,0.9656,0.9656,0.9657,0.9656,0.966,0.966,0.9658,0.9659,0.966,0.9658,0.9657,0.9658]  # fmt: skip
UP_LL99 = [0.9401,0.940,0.9404,0.9405,0.9402,0.94,0.9402,0.9405,0.9402,0.9402,0.9401,0.9402,0.9398,0.9398,0.94,0.9399,0.9398,0.94,0.9401,0.94]  # fmt: skip

# PowerBI-SPC test/Chart Types/g.test.ts: UCL 128.17, two sigma 96.01, lower limits 0
G_GAPS = [23,39,15,34,1,49,98,29,27,13,45,7,10,27,24,14,20,38,44,11,10,3,113,183,3,47,18,18,33,15,2,38,27,27,1,52,23,7,26,82,5,49,5,17,24,44,26,2,27,46,55,97,22,22,20,4,60,51,7,21,66,36,25,72,15,5,3]  # fmt: skip


def _limits(kind, numerators, denominators, scale, width):
    centre, sigmas = attribute_limits(kind, numerators, denominators)
    ceiling = 1.0 if kind.startswith("p") else float("inf")
    return [
        (max(centre - width * s, 0.0) * scale, min(centre + width * s, ceiling) * scale) for s in sigmas
    ]  # (lower, upper)


def test_p_chart_limits_reproduce_powerbi_spc():
    three = _limits("p", P_NUMERATORS, P_DENOMINATORS, 100, 3)
    two = _limits("p", P_NUMERATORS, P_DENOMINATORS, 100, 2)
    assert [round(u, 2) for _, u in three] == pytest.approx(P_UL99, abs=0.006)
    assert [round(lo, 2) for lo, _ in three] == pytest.approx(P_LL99, abs=0.006)
    assert [round(u, 2) for _, u in two] == pytest.approx(P_UL95, abs=0.006)
    assert [round(lo, 2) for lo, _ in two] == pytest.approx(P_LL95, abs=0.006)


def test_u_chart_limits_reproduce_powerbi_spc():
    three = _limits("u", U_NUMERATORS, U_DENOMINATORS, 10_000, 3)
    assert [u for _, u in three] == pytest.approx(U_UL99, abs=6e-5)
    assert [lo for lo, _ in three] == pytest.approx(U_LL99, abs=6e-5)
    assert [u for _, u in _limits("u", U_NUMERATORS, U_DENOMINATORS, 10_000, 2)] == pytest.approx(U_UL95, abs=6e-5)


def test_laney_p_prime_limits_reproduce_powerbi_spc():
    three = _limits("p_prime", PRIME_NUMERATORS, PRIME_DENOMINATORS, 100, 3)
    two = _limits("p_prime", PRIME_NUMERATORS, PRIME_DENOMINATORS, 100, 2)
    assert [u for _, u in three] == pytest.approx(PP_UL99, abs=6e-5)
    assert [lo for lo, _ in three] == pytest.approx(PP_LL99, abs=6e-5)
    assert [u for _, u in two] == pytest.approx(PP_UL95, abs=6e-5)
    assert [lo for lo, _ in two] == pytest.approx(PP_LL95, abs=6e-5)


def test_laney_u_prime_limits_reproduce_powerbi_spc():
    three = _limits("u_prime", PRIME_NUMERATORS, PRIME_DENOMINATORS, 1, 3)
    assert [u for _, u in three] == pytest.approx(UP_UL99, abs=6e-5)
    assert [lo for lo, _ in three] == pytest.approx(UP_LL99, abs=6e-5)


def test_with_large_denominators_the_p_chart_calls_everything_special_and_p_prime_does_not():
    """Laney's point: a p chart of large, over-dispersed denominators has limits far too narrow."""
    p = attribute_chart("p", PRIME_NUMERATORS, PRIME_DENOMINATORS, "higher", scale=100)
    prime = attribute_chart("p_prime", PRIME_NUMERATORS, PRIME_DENOMINATORS, "higher", scale=100)
    beyond = sum(c in ("Above UCL", "Below LCL") for c in p.causes)
    assert beyond > len(p.causes) / 2
    assert sum(c in ("Above UCL", "Below LCL") for c in prime.causes) < beyond


def test_g_chart_limits_reproduce_powerbi_spc():
    limits = g_limits(G_GAPS)
    assert round(limits.upper, 2) == 128.17
    assert round(limits.near_upper, 2) == 96.01
    assert limits.lower == 0 and limits.near_lower == 0
    assert limits.mean == 24  # the centre line is the median gap (PowerBI-SPC and qicharts2)


# ---- a p or u chart judged with the same rules and words --------------------------------------


def test_a_p_chart_has_limits_point_by_point_and_the_same_causes_as_an_xmr_chart():
    numerators = P_NUMERATORS[:20] + [30]
    denominators = P_DENOMINATORS[:20] + [50]
    chart = attribute_chart("p", numerators, denominators, "lower", scale=100)
    assert chart.kind == "p" and chart.usable
    segment = chart.latest
    assert len(segment.uppers) == len(segment.lowers) == len(numerators)
    assert len(set(segment.uppers)) > 1  # each point's own denominator
    assert segment.limits.upper == segment.uppers[-1]  # the latest figure is judged on its own limits
    assert chart.values[-1] == pytest.approx(60.0)
    assert chart.latest_cause == "Above UCL"
    assert chart.variation == "special_cause_concern"  # higher is worse
    higher_is_better = attribute_chart("p", numerators, denominators, "higher", scale=100)
    assert higher_is_better.variation == "special_cause_improvement"
    assert all(0 <= lo <= u <= 100 for lo, u in zip(segment.lowers, segment.uppers, strict=True))


def test_a_p_chart_reads_a_target_against_the_latest_limits():
    chart = attribute_chart("p", P_NUMERATORS, P_DENOMINATORS, "higher", target=50.0, scale=100)
    assert chart.assurance == "consistent_fail"
    assert attribute_chart("p", P_NUMERATORS, P_DENOMINATORS, "higher", 20.0, scale=100).assurance == "inconsistent"


def test_a_p_chart_is_rebased_at_a_break_and_needs_enough_points():
    rebased = attribute_chart("p", P_NUMERATORS, P_DENOMINATORS, "neutral", breaks=[(20, "change")], scale=100)
    assert [s.start for s in rebased.segments] == [0, 20] and rebased.latest.note == "change"
    short = attribute_chart("p", P_NUMERATORS, P_DENOMINATORS, "neutral", breaks=[(31, "change")], scale=100)
    assert not short.usable and "p chart" in short.unusable and "since the last declared break" in short.unusable


def test_a_p_chart_refuses_a_missing_denominator():
    with pytest.raises(ValueError):
        attribute_chart("p", [1, 2], [3, 0], "higher")


# ---- g charts: gaps between rare events -----------------------------------------------------------


def test_gaps_count_each_event_once_and_events_in_one_period_are_zero_apart():
    gaps = gaps_between_events([0, 2, 0, 0, 1, 3], [10, 11, 12, 13, 14, 15], list("abcdef"))
    assert gaps.values == (0.0, 3.0, 1.0, 0.0, 0.0)
    assert gaps.labels == ("b (2)", "e", "f (1)", "f (2)", "f (3)")
    assert gaps.last_event == 5


def test_a_missing_period_is_not_taken_for_an_empty_one():
    gaps = gaps_between_events([1, 1], [0, 4], ["Q1", "Q1 a year on"])
    assert gaps.values == (4.0,)


def _quiet_then(counts_tail):
    counts = [1, 0, 1, 1, 0, 2, 0, 1, 1, 0, 1, 0, 1, 1, 2, 0, 1, *counts_tail]
    return counts, list(range(len(counts))), [f"P{i}" for i in range(len(counts))]


def test_a_g_chart_of_rare_events_is_drawn_where_an_xmr_chart_is_not():
    counts, positions, labels = _quiet_then([1])
    assert not spc_chart(counts, "lower", counts=True).usable  # too few events for XmR
    chart = g_chart(counts, positions, labels, "lower")
    assert chart.usable and chart.kind == "g"
    assert len(chart.values) == sum(counts) - 1 and len(chart.labels) == len(chart.values)
    assert chart.assurance is None  # a target is on the counts, not the gaps
    assert chart.variation == "common_cause"


def test_a_long_gap_is_improvement_when_fewer_events_are_better():
    counts, positions, labels = _quiet_then([0] * 12 + [1])
    chart = g_chart(counts, positions, labels, "lower")
    assert chart.values[-1] == 13 and chart.latest_cause == "Above UCL"
    assert chart.variation == "special_cause_improvement"
    assert g_chart(counts, positions, labels, "higher").variation == "special_cause_concern"
    assert g_chart(counts, positions, labels, "neutral").variation == "special_cause_neutral_high"


def test_the_gap_still_open_is_shown_so_far_and_judged_only_against_the_upper_limit():
    counts, positions, labels = _quiet_then([0, 0])
    chart = g_chart(counts, positions, labels, "lower")
    assert chart.labels[-1] == f"{labels[-1]} (so far)" and chart.values[-1] == 2
    assert chart.latest_cause == "Common Cause"
    assert chart.latest.limits == g_limits(chart.values[:-1])  # the open gap is not in the limits
    counts, positions, labels = _quiet_then([0] * 12)
    assert g_chart(counts, positions, labels, "lower").variation == "special_cause_improvement"


def test_a_g_chart_needs_enough_gaps():
    chart = g_chart([1, 0, 0, 1, 0, 1, 0, 0, 0], range(9), list("abcdefghi"), "lower")
    assert not chart.usable and "too few events for a g chart" in chart.unusable


# ---- each chart states its rule set ------------------------------------------------------------


@pytest.mark.parametrize("kind", CHART_KINDS)
def test_every_kind_states_its_rule_set(kind):
    text = describe_kind(kind, DEFAULT_OPTIONS, "quarter")
    name = {"xmr": "XmR", "p": "p chart", "p_prime": "p′", "u": "u chart", "u_prime": "u′", "g": "g chart"}[kind]
    assert name in text and "special cause" in text
    assert "trend of 7" in text and "two of three" in text


def test_the_chart_states_its_own_rule_set():
    counts, positions, labels = _quiet_then([1])
    assert g_chart(counts, positions, labels, "lower").describe("quarter") == describe_kind(
        "g", DEFAULT_OPTIONS, "quarter"
    )
    assert "Laney" in attribute_chart("p_prime", P_NUMERATORS, P_DENOMINATORS, "higher").describe("quarter")
    assert spc_chart(list(range(12)), "lower").describe("month") == DEFAULT_OPTIONS.describe("month")
    assert "run of 5" in describe_kind("p", SpcOptions(run_length=5))


# ---- the catalogue chooses the chart ------------------------------------------------------------


def test_the_catalogue_chooses_a_chart_per_indicator():
    chart = {ind.id: ind.chart for ind in CATALOGUE.indicators}
    assert chart["dhr_open"] == chart["lethal_barrel_discharges"] == "g"
    assert chart["yj_reoffending"] == "p" and chart["marac_repeat"] == "p_prime"
    assert chart["marac_rate"] == "u_prime"
    assert chart["mps_total"] == "xmr"
    units = {"p": "percent", "p_prime": "percent", "u": "rate", "u_prime": "rate", "g": "count"}
    for ind in CATALOGUE.indicators:
        assert ind.chart in CHART_KINDS
        assert ind.chart == "xmr" or ind.unit == units[ind.chart]


@pytest.mark.parametrize(
    "fields, message",
    [
        ('unit = "count"\npolarity = "lower"\nchart = "funnel"', "chart 'funnel'"),
        ('unit = "count"\npolarity = "lower"\nchart = "p"', "a p chart is for a percent"),
        ('unit = "percent"\npolarity = "lower"\nchart = "g"', "a g chart is for a count"),
    ],
)
def test_the_catalogue_refuses_a_chart_that_does_not_fit(fields, message):
    text = f"""
[[subgroup]]
id = "s"
name = "S"

[[indicator]]
id = "x"
name = "X"
subgroup = "s"
aggregation = "sum"
frequency = "quarter"
{fields}
"""
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text)


# ---- the lockdown breaks, from the period that contains them --------------------------------------


def test_the_lockdown_breaks_are_on_the_days_they_happened():
    starts = sorted(b.start for b in CATALOGUE.breaks)
    assert starts == [date(2020, 3, 23), date(2021, 7, 19)]


def _points(starts, values, frequency):
    from cspdash.periods import Quarter

    if frequency == "month":
        return [SpcPoint(f"{s:%b %Y}", s, float(v), False) for s, v in zip(starts, values, strict=True)]
    return [SpcPoint(Quarter.containing(s).label, s, float(v), False) for s, v in zip(starts, values, strict=True)]


def test_a_break_applies_from_the_month_or_quarter_that_contains_it():
    from cspdash.board import _chart
    from cspdash.periods import add_months

    mps = CATALOGUE.indicator("mps_total")
    months = [add_months(date(2018, 4, 1), i) for i in range(36)]  # Apr 2018 … Mar 2021
    _, notes = _chart(mps, _points(months, range(100, 136), "month"), CATALOGUE, None, DEFAULT_OPTIONS, (), "month")
    assert notes[0].startswith("Limits start afresh at Mar 2020:")
    quarters = [add_months(date(2017, 4, 1), 3 * i) for i in range(20)]  # 2017/18 Q1 … 2021/22 Q4
    chart, notes = _chart(
        mps, _points(quarters, range(100, 120), "quarter"), CATALOGUE, None, DEFAULT_OPTIONS, (), "quarter"
    )
    assert [n.split(":")[0] for n in notes] == [
        "Limits start afresh at 2019/20 Q4",  # Jan–Mar 2020 contains 23 March 2020
        "Limits start afresh at 2021/22 Q2",  # Jul–Sep 2021 contains 19 July 2021
    ]


def test_a_break_on_the_first_day_of_a_period_starts_with_that_period():
    from dataclasses import replace

    from cspdash.board import _chart
    from cspdash.periods import add_months

    catalogue = replace(CATALOGUE, breaks=(Break(date(2020, 4, 1), "a new rule", ("mps_crime",)),))
    months = [add_months(date(2018, 4, 1), i) for i in range(36)]
    _, notes = _chart(
        CATALOGUE.indicator("mps_total"),
        _points(months, range(36), "month"),
        catalogue,
        None,
        DEFAULT_OPTIONS,
        (),
        "month",
    )
    assert notes == ("Limits start afresh at Apr 2020: a new rule.",)


# ---- the sample: a rare event shows a g chart, a proportion a p chart -------------------------------


@pytest.fixture(scope="module")
def hackney(sample_store_url):
    from cspdash.board import assess_all
    from cspdash.periods import Quarter
    from cspdash.store.db import open_store
    from cspdash.store.queries import current_observations, release_observations
    from data_loaders.kinds import provisional_months

    engine = open_store(sample_store_url)
    rows = current_observations(engine, area="Hackney")
    assessed = assess_all(
        CATALOGUE, rows, Quarter(2024, 4), {}, release_observations(engine, "Hackney"), provisional_months()
    )
    engine.dispose()
    return {a.indicator.id: a for a in assessed}


def test_a_rare_event_in_the_sample_shows_a_g_chart_with_its_rule_set(hackney):
    from cspdash.charts import spc_figure

    a = hackney["dhr_open"]
    assert a.spc.kind == "g" and a.spc.usable
    assert a.rule_set().startswith("g chart rules (rare events)")
    assert any(n.startswith(("At least", "The latest event was in")) for n in a.break_notes)
    figure = spc_figure(a)
    assert figure.layout.yaxis.title.text == "Quarters between events"
    assert list(figure.data[0].x) == list(a.spc.labels)
    limits = [t for t in figure.data if t.name and t.name.startswith("Process limits")]
    assert any(t.y[-1] == pytest.approx(a.spc.latest.limits.upper) for t in limits)


def test_a_proportion_in_the_sample_shows_a_p_chart_with_its_rule_set(hackney):
    from cspdash.charts import spc_figure

    a = hackney["yj_reoffending"]
    assert a.spc.kind == "p" and a.spc.usable
    assert a.rule_set().startswith("p chart rules")
    assert a.spc.values == pytest.approx([p.value for p in a.spc_points])
    figure = spc_figure(a)
    upper = next(t for t in figure.data if t.name and t.name.startswith("Process limits"))
    assert upper.line.shape == "hvh" and len(set(upper.y)) > 1  # stepped, point by point
    prime = hackney["marac_repeat"]
    assert prime.spc.kind == "p_prime" and "Laney" in prime.rule_set()


def test_a_rate_in_the_sample_shows_a_u_prime_chart_on_the_rate_shown(hackney):
    a = hackney["marac_rate"]
    assert a.spc.kind == "u_prime" and a.spc.usable
    assert a.spc.values == pytest.approx([p.value for p in a.spc_points])


def test_a_g_chart_tells_the_board_about_gaps_between_events_not_figures():
    """Events most periods, then 30 periods without one: the long gap is the improvement the board
    is told about, in words about gaps between events."""
    from cspdash.spc import g_chart, plain_cause

    counts = [1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1] + [0] * 30 + [1]
    positions = list(range(len(counts)))
    chart = g_chart(counts, positions, [f"P{i}" for i in positions], "lower")
    assert chart.latest_cause == "Above UCL" and chart.variation == "special_cause_improvement"
    assert plain_cause(chart) == f"the longest gap between events of the last {len(chart.values)}"
