"""Confidence intervals against the published test values of PHEindicatormethods and FunnelPlotR.

Sources (fetched from GitHub; the numbers below are copied to the precision the files give):
  PHE  = ukhsa-collaboration/PHEindicatormethods @ 093fd288d8f8949dbcfbed70049dbbf385b6141d
         tests/testthat/testdata_Byars_Wilson.xlsx (sheet testdata_B_W), used by testByars.R and
         testWilson.R; tests/testthat/testdata_Rate.xlsx (sheet testdata_Rate), used by testRates.R;
         tests/testthat/testdata_Proportion.xlsx (sheet testdata_Prop), used by testProportions.R
  FPR  = nhs-r-community/FunnelPlotR @ 9020d4972873d863e10b8a16555975f0e322adfc
         tests/testthat/test-poisson_limits.R (exact Poisson limits around an expected count)
"""

import subprocess
import sys

import pytest

from cspdash.intervals import (
    BYAR,
    EXACT,
    Interval,
    byar_interval,
    compare_to_benchmark,
    count_interval,
    exact_poisson_interval,
    proportion_interval,
    rate_interval,
    wilson_interval,
    z_value,
)

SIX_DP = 5e-7  # the xlsx files give six decimal places


# PHE testdata_Byars_Wilson.xlsx, rows with method "Byars": x, level, lowercl, uppercl
@pytest.mark.parametrize(
    "x, level, low, high",
    [
        (65, 0.95, 50.163188, 82.849139),
        (1045, 0.95, 982.593202, 1110.331213),
        (1, 0.95, 0.013072, 5.563756),
        (65, 0.998, 42.880261, 94.000291),
        (1045, 0.998, 947.940704, 1148.806161),
        (10, 0.998, 2.916318, 24.193725),
    ],
)
def test_byar_reproduces_phe(x, level, low, high):
    got = byar_interval(x, level)
    assert got[0] == pytest.approx(low, abs=SIX_DP) and got[1] == pytest.approx(high, abs=SIX_DP)


def test_byar_for_one_event_at_99_8_has_no_usable_lower_bound():
    # PHE testdata_Byars_Wilson.xlsx last row: x = 1 at 99.8%, lowercl NA (negative), uppercl 9.362180
    low, high = byar_interval(1, 0.998)
    assert low == 0.0 and high == pytest.approx(9.362180, abs=SIX_DP)


# PHE testdata_Byars_Wilson.xlsx, rows with method "Wilson": x, n, level, lowercl, uppercl
@pytest.mark.parametrize(
    "x, n, level, low, high",
    [
        (65, 100, 0.95, 0.552544, 0.736358),
        (1045, 5000, 0.95, 0.197955, 0.220491),
        (0.445, 1, 0.95, 0.043817, 0.933462),
        (65, 100, 0.998, 0.495495, 0.778354),
        (1045, 5000, 0.998, 0.191794, 0.227316),
        (0.445, 1, 0.998, 0.019347, 0.970226),
    ],
)
def test_wilson_reproduces_phe(x, n, level, low, high):
    got = wilson_interval(x, n, level)
    assert got[0] == pytest.approx(low, abs=SIX_DP) and got[1] == pytest.approx(high, abs=SIX_DP)


# PHE testdata_Rate.xlsx (sheet testdata_Rate), rate per 100,000:
# numerator, denominator, lower95, upper95, lower99.8, upper99.8, method
@pytest.mark.parametrize(
    "x, n, l95, u95, l998, u998, method",
    [
        (1, 100, 25.317808, 5571.643391, 1.000500, 9233.413476, EXACT),
        (5, 100, 1623.486390, 11668.332079, 739.371732, 16454.745204, EXACT),
        (20, 100, 12211.428835, 30889.880369, 8922.802365, 38085.035625, BYAR),
        (222, 3215, 6026.574878, 7875.729371, 5560.737695, 8461.046682, BYAR),
        (9856, 12345, 78269.490590, 81430.016543, 77375.905433, 82354.472771, BYAR),
    ],
)
def test_rate_interval_reproduces_phe_rate(x, n, l95, u95, l998, u998, method):
    ci95, ci998 = rate_interval(x, n, 100_000, 0.95), rate_interval(x, n, 100_000, 0.998)
    assert ci95.method == ci998.method == method
    for got, want in [(ci95.low, l95), (ci95.high, u95), (ci998.low, l998), (ci998.high, u998)]:
        assert got == pytest.approx(want, abs=5e-6)


# PHE testdata_Proportion.xlsx (sheet testdata_Prop), percentages: x, n, lower95, upper95, lower99.8, upper99.8
@pytest.mark.parametrize(
    "x, n, l95, u95, l998, u998",
    [
        (1, 100, 0.176743, 5.448620, 0.087307, 10.455445),
        (222, 3215, 6.079169, 7.833957, 5.647102, 8.418414),
        (999, 3456, 27.418951, 30.440390, 26.583996, 31.344754),
    ],
)
def test_percentage_interval_reproduces_phe_proportion(x, n, l95, u95, l998, u998):
    ci95, ci998 = proportion_interval(x, n, 100, 0.95), proportion_interval(x, n, 100, 0.998)
    for got, want in [(ci95.low, l95), (ci95.high, u95), (ci998.low, l998), (ci998.high, u998)]:
        assert got == pytest.approx(want, abs=SIX_DP)


# FPR test-poisson_limits.R: limits around expected counts 15, 20, 30 with target 1 are the exact
# Poisson interval of that count divided by it (rounded there to 7 and 6 decimal places)
@pytest.mark.parametrize(
    "e, l95, u95, l998, u998",
    [
        (15, 0.5596924, 1.649348, 0.3862650, 2.082907),
        (20, 0.6108260, 1.544419, 0.4479107, 1.902094),
        (30, 0.6746958, 1.427562, 0.5289724, 1.702771),
    ],
)
def test_exact_poisson_reproduces_funnelplotr(e, l95, u95, l998, u998):
    low95, high95 = exact_poisson_interval(e, 0.95)
    low998, high998 = exact_poisson_interval(e, 0.998)
    assert round(low95 / e, 7) == l95 and round(high95 / e, 6) == u95
    assert round(low998 / e, 7) == l998 and round(high998 / e, 6) == u998


def test_exact_below_ten_and_byar_from_ten():
    assert count_interval(9).method == EXACT and count_interval(10).method == BYAR
    assert count_interval(0) == Interval(0.0, pytest.approx(3.688879, abs=1e-6), EXACT)
    # exact and Byar's agree closely at 10 events
    exact, byar = exact_poisson_interval(10), byar_interval(10)
    assert exact[0] == pytest.approx(byar[0], rel=0.01) and exact[1] == pytest.approx(byar[1], rel=0.01)


def test_z_values():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.998) == pytest.approx(3.090232, abs=1e-6)


@pytest.mark.parametrize(
    "ci95, ci998, polarity, expected",
    [
        ((12, 15), (11, 16), "high is good", {"95": "better", "99.8": "better"}),
        ((12, 15), (9, 16), "high is good", {"95": "better", "99.8": "similar"}),
        ((12, 15), (9, 16), "low is good", {"95": "worse", "99.8": "similar"}),
        ((5, 8), (4, 9), "low is good", {"95": "better", "99.8": "better"}),
        ((5, 8), (4, 11), "neutral", {"95": "lower", "99.8": "similar"}),
        ((9, 11), (8, 12), "high is good", {"95": "similar", "99.8": "similar"}),
        ((10, 11), (9, 12), "high is good", {"95": "similar", "99.8": "similar"}),  # touching is similar
    ],
)
def test_compare_to_benchmark(ci95, ci998, polarity, expected):
    assert compare_to_benchmark(ci95, ci998, 10, polarity) == expected


def test_compare_takes_intervals_and_refuses_unknown_polarity():
    ci95, ci998 = rate_interval(30, 10_000, 1000), rate_interval(30, 10_000, 1000, 0.998)
    assert compare_to_benchmark(ci95, ci998, 1.0, "neutral") == {"95": "higher", "99.8": "higher"}
    with pytest.raises(ValueError, match="polarity"):
        compare_to_benchmark((1, 2), (0, 3), 1.5, "up")


def test_nonsense_is_refused():
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
    with pytest.raises(ValueError):
        byar_interval(-1)
    with pytest.raises(ValueError):
        rate_interval(3, 0)
    with pytest.raises(ValueError):
        exact_poisson_interval(3, 95)


def test_importing_does_not_import_scipy():
    code = "import sys, cspdash.intervals, cspdash.funnel; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
