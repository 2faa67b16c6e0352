"""Funnel plot limits against PHEindicatormethods' published test outputs (without over-dispersion)
and a hand calculation of Spiegelhalter's over-dispersion adjustment as FunnelPlotR does it.

Sources (fetched from GitHub; inputs embedded below, expected values copied as published):
  PHE = ukhsa-collaboration/PHEindicatormethods @ 093fd288d8f8949dbcfbed70049dbbf385b6141d
        tests/testthat/testdata_funnel_rate_input_funnels.csv  (inputs: ev, rate)
        tests/testthat/testdata_funnel_rate_outputs.csv        (limits for rates, dsr, 3 years)
        tests/testthat/testdata_funnel_prop_inputs.csv         (303 PCTs: numerator, denominator, significance)
        tests/testthat/testdata_funnel_prop_outputs.csv        (limits for proportions, percent)
        tests/testthat/testdata_funnel_rate_dsr_inputs.csv     (40 areas: count, pop, significance)
  FunnelPlotR (nhs-r-community/FunnelPlotR @ 9020d4972873d863e10b8a16555975f0e322adfc) publishes no
  over-dispersed worked values (its tests check only the shape of the output), so the adjustment is
  checked against an independent step-by-step calculation of R/od_adjustment.R (transformed_zscore,
  winsorisation, phi_func, tau_func) and R/calculate_limits.R below.
"""

import math
import statistics

import pytest

from cspdash.funnel import BANDS, Funnel, FunnelPoint, proportion_funnel, rate_funnel

# ---- rates: PHE testdata_funnel_rate_input_funnels.csv (ev, rate per 100,000) ------------------

EV = [414, 462, 178, 525, 194, 937, 817, 117, 298, 228, 243, 13, 373, 664, 601, 602, 767, 708, 90, 952, 347, 648, 988]
EV += [354, 839, 25, 518, 425, 648, 765, 210, 931, 589, 592, 554, 870, 372, 843, 142, 543, 489, 620, 774, 904, 936]
EV += [841, 22, 922, 955, 308]
RATE = [184, 102, 83, 118, 121, 125, 112, 190, 146, 140, 87, 70, 90, 139, 109, 65, 165, 143, 55, 135, 135, 88, 167]
RATE += [99, 83, 53, 62, 118, 176, 101, 71, 138, 74, 84, 161, 79, 189, 170, 159, 113, 191, 116, 200, 171, 128]
RATE += [134, 185, 100, 123, 155]
YEARS = 3  # calculate_funnel_limits(..., years_of_data = 3): populations in the output are per year

# testdata_funnel_rate_outputs.csv: Events, then (population per year, limit per 100,000) for the
# lower 95%, upper 95%, lower 99.8% and upper 99.8% limits
PHE_RATE_ROWS = [
    (1, (1598.675694, 20.85059119), (7.264481402, 4588.535848), (2649.348525, 12.58170943), (0.287087625, 116108.569)),
    (5, (3348.002593, 49.78092521), (465.8280129, 357.7858395), (4721.370883, 35.30048174), (212.14848, 785.6132963)),
    (
        10,
        (5276.757672, 63.17010446),
        (1375.943768, 242.2579623),
        (6924.776769, 48.13632908),
        (849.4639547, 392.4043292),
    ),
    (94, (33006.2688, 94.93146143), (21795.70245, 143.7592268), (36723.73682, 85.32174568), (19184.7108, 163.3245018)),
    (
        1360,
        (411529.9259, 110.158048),
        (369759.5622, 122.6021934),
        (424043.2424, 106.9073359),
        (358342.3275, 126.5084525),
    ),
]


def phe_rate_funnel():
    denominators = [1e5 * e / r for e, r in zip(EV, RATE, strict=True)]  # rate_type = "dsr"
    return rate_funnel([f"area {i}" for i in range(len(EV))], EV, denominators, multiplier=1e5, overdispersion=False)


def test_rate_target_is_phes_baseline():
    assert phe_rate_funnel().target == pytest.approx(116.1720835, abs=5e-8)


@pytest.mark.parametrize("row", PHE_RATE_ROWS, ids=lambda row: f"{row[0]} events")
def test_rate_limits_reproduce_phe(row):
    funnel = phe_rate_funnel()
    for key, (population_per_year, limit) in zip(("lower95", "upper95", "lower998", "upper998"), row[1:], strict=True):
        got = funnel.curve([population_per_year * YEARS])[key][0]
        assert got == pytest.approx(limit, rel=1e-5), key  # PHE solves by bisection, to about 1e-6


# PHE testdata_funnel_rate_dsr_inputs.csv: count, pop, significance "crude_per_100000_with_0"
PHE_RATE_SIGNIFICANCE = [
    (2419, 264102, "High (0.001)"), (2337, 259711, "High (0.001)"), (2291, 289247, "High (0.001)"),
    (2242, 265029, "High (0.001)"), (2218, 284649, "High (0.001)"), (2159, 293578, "High (0.001)"),
    (2130, 286718, "High (0.001)"), (2111, 307381, "Not significant"), (2105, 274145, "High (0.001)"),
    (2083, 297424, "High (0.025)"), (2078, 272628, "High (0.001)"), (2062, 269656, "High (0.001)"),
    (2061, 294692, "High (0.025)"), (2033, 277710, "High (0.001)"), (2033, 259213, "High (0.001)"),
    (2010, 285516, "High (0.025)"), (2004, 269449, "High (0.001)"), (2002, 290888, "Not significant"),
    (1977, 287112, "Not significant"), (1944, 286492, "Not significant"), (1932, 287012, "Not significant"),
    (1922, 291277, "Not significant"), (1912, 289859, "Not significant"), (1881, 289653, "Not significant"),
    (1844, 282519, "Not significant"), (1835, 274220, "Not significant"), (1833, 280271, "Not significant"),
    (1825, 284206, "Not significant"), (1816, 274508, "Not significant"), (1809, 288384, "Low (0.025)"),
    (1798, 287072, "Low (0.025)"), (1754, 282744, "Low (0.001)"), (1746, 289208, "Low (0.001)"),
    (1709, 287736, "Low (0.001)"), (1694, 296175, "Low (0.001)"), (1688, 303255, "Low (0.001)"),
    (1649, 285959, "Low (0.001)"), (1553, 274661, "Low (0.001)"), (1332, 281425, "Low (0.001)"),
    (0, 297820, "Low (0.001)"),
]  # fmt: skip
PHE_BAND = {
    "High (0.001)": "above 99.8%",
    "High (0.025)": "above 95%",
    "Not significant": "within",
    "Low (0.025)": "below 95%",
    "Low (0.001)": "below 99.8%",
}


def test_rate_bands_reproduce_phes_significance():
    counts, pops, labels = zip(*PHE_RATE_SIGNIFICANCE, strict=True)
    funnel = rate_funnel([str(i) for i in range(len(counts))], counts, pops, multiplier=1e5, overdispersion=False)
    assert [p.band for p in funnel.points] == [PHE_BAND[label] for label in labels]


# ---- proportions: PHE testdata_funnel_prop_inputs.csv / testdata_funnel_prop_outputs.csv -------

# the 303 PCTs' totals (sum of numerators, sum of denominators), so the pooled proportion is PHE's
PROP_TOTAL = (10_325_813.8504, 12_804_440)
# a few of the PCTs as published, with PHE's significance
PHE_PCTS = [
    ("New Forest PCT", 35078.4880, 41980, "High (0.001)"),
    ("Norwich PCT", 24803.6256, 31824, "Low (0.001)"),
    ("South Gloucestershire PCT", 50050.7443, 61921, "Not significant"),
    ("Central Derby PCT", 24648.7596, 30521, "Not significant"),
    ("West Norfolk PCT", 26789.2380, 33012, "High (0.025)"),
    ("North Tees PCT", 36850.0492, 45449, "High (0.025)"),
    ("North Devon PCT", 30277.5312, 37828, "Low (0.025)"),
]
# testdata_funnel_prop_outputs.csv: Population, lower 95%, upper 95%, lower 99.8%, upper 99.8% (percent)
PHE_PROP_ROWS = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (10, 56.154344, 100, 42.03259, 100),
    (83, 72.142503, 89.142393, 67.240771, 94.044125),
    (1886, 78.859312, 82.425583, 77.831017, 83.453878),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


def phe_proportion_funnel():
    rest_num = PROP_TOTAL[0] - sum(p[1] for p in PHE_PCTS)
    rest_den = PROP_TOTAL[1] - sum(p[2] for p in PHE_PCTS)
    names = [p[0] for p in PHE_PCTS] + ["the other 296 PCTs"]
    numerators = [p[1] for p in PHE_PCTS] + [rest_num]
    denominators = [p[2] for p in PHE_PCTS] + [rest_den]
    return proportion_funnel(names, numerators, denominators, overdispersion=False)


def test_proportion_target_is_phes_baseline():
    assert phe_proportion_funnel().target == pytest.approx(80.642448, abs=5e-7)


@pytest.mark.parametrize("row", PHE_PROP_ROWS, ids=lambda row: f"population {row[0]}")
def test_proportion_limits_reproduce_phe(row):
    curve = phe_proportion_funnel().curve([row[0]])
    got = [curve[key][0] for key in ("lower95", "upper95", "lower998", "upper998")]
    assert got == pytest.approx(list(row[1:]), abs=5e-6)


def test_proportion_bands_reproduce_phes_significance():
    points = phe_proportion_funnel().points[: len(PHE_PCTS)]
    assert [p.band for p in points] == [PHE_BAND[p[3]] for p in PHE_PCTS]


# ---- over-dispersion: Spiegelhalter 2005 as FunnelPlotR computes it ---------------------------

BOROUGHS = list("ABCDEFGHIJ")
COUNTS = [120, 85, 240, 60, 310, 150, 95, 40, 205, 175]
POPULATIONS = [100_000, 90_000, 150_000, 80_000, 180_000, 110_000, 120_000, 30_000, 140_000, 95_000]
Z95, Z998 = 1.959964, 3.090232


def quantile7(values, q):
    """R's quantile(type = 7), as FunnelPlotR's winsorisation uses."""
    xs = sorted(values)
    h = (len(xs) - 1) * q
    return xs[math.floor(h)] + (h - math.floor(h)) * (xs[math.ceil(h)] - xs[math.floor(h)])


def by_hand(kind, numerators, denominators):
    """FunnelPlotR's transformed_zscore → winsorisation → phi_func → tau_func, step by step."""
    target = sum(numerators) / sum(denominators)
    if kind == "rate":  # square root of observed/expected (Spiegelhalter; FunnelPlotR's "CQC")
        expected = [target * n for n in denominators]
        y = [math.sqrt(o / e) for o, e in zip(numerators, expected, strict=True)]
        centre, s = 1.0, [1 / (2 * math.sqrt(e)) for e in expected]
    else:  # arcsine square root ("PR")
        y = [math.asin(math.sqrt(r / n)) for r, n in zip(numerators, denominators, strict=True)]
        centre, s = math.asin(math.sqrt(target)), [1 / (2 * math.sqrt(n)) for n in denominators]
    z = [(yi - centre) / si for yi, si in zip(y, s, strict=True)]
    low, high = quantile7(z, 0.1), quantile7(z, 0.9)
    wz = [min(max(zi, low), high) for zi in z]
    n = len(z)
    phi = sum(v * v for v in wz) / n
    w = [1 / si**2 for si in s]
    tau2 = max(0.0, (n * phi - (n - 1)) / (sum(w) - sum(wi * wi for wi in w) / sum(w)))
    return target, phi, tau2


def test_rate_overdispersion_by_hand():
    funnel = rate_funnel(BOROUGHS, COUNTS, POPULATIONS, multiplier=1000)
    target, phi, tau2 = by_hand("rate", COUNTS, POPULATIONS)
    assert funnel.target == pytest.approx(target * 1000, rel=1e-12)
    assert (funnel.phi, funnel.tau2) == (pytest.approx(phi, rel=1e-12), pytest.approx(tau2, rel=1e-12))
    # to 3 significant figures: pooled rate 1.35 per 1,000, φ = 10.8, τ² = 0.0189
    assert (round(funnel.target, 2), round(funnel.phi, 1), round(funnel.tau2, 4)) == (1.35, 10.8, 0.0189)
    assert funnel.adjusted
    # limits on the square-root scale, 1 ± z√(s² + τ²), squared back to the ratio, times the target
    # (FunnelPlotR's "CQC" limits leave out the squaring: nhs-r-community/FunnelPlotR issue #33)
    n = 50_000
    expected = target * n
    curve = funnel.curve([n])
    for z, lower, upper in [(Z95, "lower95", "upper95"), (Z998, "lower998", "upper998")]:
        width = z * math.sqrt(1 / (4 * expected) + tau2)
        assert curve[lower][0] == pytest.approx(1000 * target * (1 - width) ** 2, rel=1e-6)
        assert curve[upper][0] == pytest.approx(1000 * target * (1 + width) ** 2, rel=1e-6)
    # 3 significant figures at 50,000: 95% 0.672 to 2.27; 99.8% 0.387 to 2.90
    assert [round(curve[k][0], 3) for k in ("lower95", "upper95", "lower998", "upper998")] == [
        0.672,
        2.266,
        0.387,
        2.901,
    ]
    assert "Spiegelhalter" in funnel.method and "φ = 10.84" in funnel.method


def test_proportion_overdispersion_by_hand():
    numerators, denominators = [45, 30, 80, 25, 60, 90, 20, 55], [120, 100, 150, 90, 200, 160, 70, 110]
    funnel = proportion_funnel(list("abcdefgh"), numerators, denominators)
    target, phi, tau2 = by_hand("proportion", numerators, denominators)
    assert funnel.target == pytest.approx(40.5) and target == pytest.approx(0.405)
    assert (funnel.phi, funnel.tau2) == (pytest.approx(phi, rel=1e-12), pytest.approx(tau2, rel=1e-12))
    assert (round(funnel.phi, 2), round(funnel.tau2, 4)) == (6.17, 0.0123)
    # FunnelPlotR's calculate_limits for "PR": 100 × sin²(asin√target ± z√(1/(4n) + τ²))
    curve = funnel.curve([100])
    for z, lower, upper in [(Z95, "lower95", "upper95"), (Z998, "lower998", "upper998")]:
        width = z * math.sqrt(1 / 400 + tau2)
        assert curve[lower][0] == pytest.approx(100 * math.sin(math.asin(math.sqrt(target)) - width) ** 2, rel=1e-6)
        assert curve[upper][0] == pytest.approx(100 * math.sin(math.asin(math.sqrt(target)) + width) ** 2, rel=1e-6)
    assert [round(curve[k][0], 1) for k in ("lower95", "upper95", "lower998", "upper998")] == [19.0, 64.1, 9.6, 76.6]


def test_adjustment_widens_and_can_be_switched_off():
    adjusted = rate_funnel(BOROUGHS, COUNTS, POPULATIONS)
    plain = rate_funnel(BOROUGHS, COUNTS, POPULATIONS, overdispersion=False)
    assert adjusted.adjusted and not plain.adjusted and plain.tau2 == 0 and plain.phi == adjusted.phi
    a, p = adjusted.curve([100_000]), plain.curve([100_000])
    assert a["lower95"][0] < p["lower95"][0] and a["upper998"][0] > p["upper998"][0]
    assert "switched off" in plain.method and "φ = 10.84" in plain.method
    # with no more variation than chance, nothing is widened
    even = rate_funnel(["x", "y", "z", "w"], [100, 101, 99, 100], [100_000] * 4)
    assert not even.adjusted and even.tau2 == 0 and even.phi <= 1
    assert even.method.startswith("Exact Poisson limits") and "not widened" in even.method
    forced = rate_funnel(["x", "y", "z", "w"], [100, 101, 99, 100], [100_000] * 4, overdispersion=True)
    assert forced.adjusted and forced.tau2 == 0


def test_the_funnel_narrows_towards_the_target():
    funnel = phe_rate_funnel()
    curve = funnel.curve([1_000, 10_000, 100_000, 1_000_000, 10_000_000])
    assert curve["lower998"] == sorted(curve["lower998"]) and curve["upper998"] == sorted(curve["upper998"])[::-1]
    for i in range(5):
        assert curve["lower998"][i] <= curve["lower95"][i] < funnel.target < curve["upper95"][i] <= curve["upper998"][i]
    assert curve["upper95"][-1] == pytest.approx(funnel.target, rel=0.02)


def test_points_and_bands():
    names, counts, pops = ["big", "small", "typical", "lowish"], [300, 2, 230, 200], [100_000, 10_000, 100_000, 100_000]
    funnel = rate_funnel(names, counts, pops, overdispersion=False)
    assert isinstance(funnel, Funnel) and funnel.kind == "rate" and funnel.multiplier == 1000
    assert funnel.target == pytest.approx(732 / 310_000 * 1000)
    big, small, typical, lowish = funnel.points
    assert isinstance(big, FunnelPoint) and big.value == pytest.approx(3.0)
    assert [p.band for p in funnel.points] == ["above 99.8%", "below 99.8%", "within", "below 95%"]
    assert all(p.band in BANDS for p in funnel.points)
    assert big.z > 0 > typical.z > lowish.z > small.z
    assert lowish.lower998 < lowish.value < lowish.lower95
    assert set(funnel.curve([5_000])) == {"lower95", "upper95", "lower998", "upper998"}


def test_proportions_in_percent_or_not():
    percent = proportion_funnel(["a", "b"], [10, 30], [100, 100], overdispersion=False)
    share = proportion_funnel(["a", "b"], [10, 30], [100, 100], percent=False, overdispersion=False)
    assert percent.target == pytest.approx(20.0) and share.target == pytest.approx(0.2)
    assert percent.points[0].value == pytest.approx(10.0) and share.points[0].value == pytest.approx(0.1)
    assert percent.curve([50])["upper95"][0] == pytest.approx(100 * share.curve([50])["upper95"][0])


def test_nonsense_is_refused():
    with pytest.raises(ValueError):
        rate_funnel(["a"], [1, 2], [10, 20])
    with pytest.raises(ValueError):
        rate_funnel(["a", "b"], [1, -2], [10, 20])
    with pytest.raises(ValueError):
        rate_funnel(["a", "b"], [1, 2], [10, 0])
    with pytest.raises(ValueError):
        proportion_funnel(["a", "b"], [11, 2], [10, 20])
    with pytest.raises(ValueError):
        rate_funnel(["a", "b"], [1, float("nan")], [10, 20])


def test_statistics_module_agrees_on_the_mean():
    # the pooled rate is the ratio of totals, not the mean of rates
    funnel = rate_funnel(BOROUGHS, COUNTS, POPULATIONS, multiplier=1000)
    mean_of_rates = statistics.mean(c / p * 1000 for c, p in zip(COUNTS, POPULATIONS, strict=True))
    assert funnel.target != pytest.approx(mean_of_rates, rel=1e-3)
