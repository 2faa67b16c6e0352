"""Annotations on an indicator's SPC chart: a declared break, a baseline and the start of each action
linked to the indicator, each drawn with its reason; a baseline fixes the limits from its points
(NHSRplotthedots' `fix_after_n_points`, tests/testthat/test-ptd_spc_standard.R)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cspdash.annotations import Annotation, action_marks, placed
from cspdash.catalogue import CATALOGUE_PATH, CatalogueError, load_catalogue, parse_catalogue
from cspdash.spc import DEFAULT_OPTIONS, attribute_chart, attribute_limits, spc_chart, xmr_limits

CATALOGUE = load_catalogue()

# R: set.seed(123); rnorm(20) (the data of NHSRplotthedots' test-ptd_spc_standard.R)
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
    -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
    0.49785048, -1.96661716, 0.70135590, -0.47279140,
]  # fmt: skip

BASELINE = """
[[baseline]]
indicator = "da_offences"
start = 2021-07-01
end = 2023-06-30
reason = "the two years after the restrictions ended, before the new DA strategy"
"""


def _ptd_fixed(y, n):
    """ptd_spc_standard with fix_after_n_points = n, line by line: mean and screened mean moving
    range of the first n points, limits at ± 2.66 of it, for every point."""
    fix_y = np.array([v if i < n else np.nan for i, v in enumerate(y)])
    mean = np.nanmean(fix_y)
    mr = np.concatenate([[np.nan], np.abs(np.diff(fix_y))])
    amr = np.nanmean(mr)
    mr = np.where(mr < 3.267 * amr, mr, np.nan)
    amr = np.nanmean(mr)
    return mean, mean - 2.66 * amr, mean + 2.66 * amr


# ---- the limits from a baseline ----------------------------------------------------------------------


def test_fix_after_12_points_computes_the_limits_from_those_points_as_nhsrplotthedots_does():
    """'setting fix_after_n_points changes the calculations': the limits differ from the whole
    series' and are the first 12 points' own, carried over all 20."""
    whole = spc_chart(RNORM_123, "higher")
    fixed = spc_chart(RNORM_123, "higher", baseline=(0, 12))
    mean, lower, upper = _ptd_fixed(RNORM_123, 12)
    limits = fixed.latest.limits
    assert (limits.mean, limits.lower, limits.upper) == pytest.approx((mean, lower, upper), abs=1e-9)
    assert limits.lower != whole.latest.limits.lower and limits.upper != whole.latest.limits.upper
    assert fixed.latest.baseline == (0, 12) and (fixed.latest.start, fixed.latest.stop) == (0, 20)
    assert len(fixed.point_types) == 20


def test_later_points_are_read_against_the_fixed_limits():
    """Twelve steady points, then eight much higher: against the baseline's limits each later point
    is beyond the upper limit (improvement when higher is better), and the baseline is common cause."""
    steady = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 12, 11]
    values = steady + [16, 15, 16, 17, 15, 16, 16, 17]
    fixed = spc_chart(values, "higher", baseline=(0, 12))
    assert fixed.latest.limits == xmr_limits(steady)
    assert fixed.causes[12:] == ("Above UCL",) * 8
    assert fixed.variation == "special_cause_improvement"
    whole = spc_chart(values, "higher")  # the baseline's points are no longer read as special
    assert whole.latest.limits != fixed.latest.limits and whole.causes[:9] != fixed.causes[:9]
    assert fixed.causes[:9] == ("Common Cause",) * 9  # the later shift runs back over the last three
    assert spc_chart(values, "lower", baseline=(0, 12)).variation == "special_cause_concern"


def test_a_baseline_fixes_only_the_segment_it_falls_in():
    values = list(range(10)) + [50 + (i % 3) for i in range(20)]
    chart = spc_chart(values, "neutral", breaks=[(10, "a new rule")], baseline=(12, 24))
    first, last = chart.segments
    assert first.baseline is None and first.limits == xmr_limits(values[:10])
    assert last.baseline == (12, 24) and last.limits == xmr_limits(values[12:24])
    assert last.provisional is True  # 12 baseline points: fewer than 13


def test_a_baseline_needs_two_points_inside_the_series():
    with pytest.raises(ValueError):
        spc_chart(RNORM_123, "higher", baseline=(5, 6))
    with pytest.raises(ValueError):
        spc_chart(RNORM_123, "higher", baseline=(15, 25))


def test_a_p_chart_baseline_fixes_its_centre_line_and_keeps_each_points_own_limits():
    numerators = [10, 12, 9, 11, 10, 13, 12, 11, 10, 9, 30, 32, 31, 29]
    denominators = [100, 110, 90, 100, 105, 120, 100, 95, 100, 100, 100, 110, 90, 100]
    chart = attribute_chart("p", numerators, denominators, "lower", baseline=(0, 10), scale=100.0)
    centre = sum(numerators[:10]) / sum(denominators[:10])
    assert chart.latest.limits.mean == pytest.approx(centre * 100)
    _, sigmas = attribute_limits("p", numerators, denominators, fit=(0, 10))
    assert chart.latest.uppers == pytest.approx([min(100.0, (centre + 3 * s) * 100) for s in sigmas])
    assert chart.causes[-4:] == ("Above UCL",) * 4 and chart.variation == "special_cause_concern"


# ---- the catalogue ------------------------------------------------------------------------------------


def test_the_catalogue_reads_a_baseline_for_an_indicator_or_a_subgroup():
    catalogue = parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8") + BASELINE)
    (baseline,) = catalogue.baselines_for(catalogue.indicator("da_offences"))
    assert (baseline.start, baseline.end) == (date(2021, 7, 1), date(2023, 6, 30))
    assert baseline.reason.startswith("the two years")
    assert catalogue.baselines_for(catalogue.indicator("sexual_offences")) == []
    grouped = parse_catalogue(
        CATALOGUE_PATH.read_text(encoding="utf-8")
        + '\n[[baseline]]\napplies_to = ["vawg"]\nstart = 2022-04-01\nend = 2024-03-31\nreason = "r"\n'
    )
    vawg = [i for i in grouped.indicators if grouped.baselines_for(i)]
    assert vawg and all(i.subgroup == "vawg" for i in vawg)


@pytest.mark.parametrize(
    "entry",
    [
        'indicator = "da_offences"\nstart = 2023-06-30\nend = 2021-07-01\nreason = "backwards"',
        'indicator = "da_offences"\nstart = 2021-07-01\nend = 2023-06-30\nreason = ""',
        'start = 2021-07-01\nend = 2023-06-30\nreason = "for nothing"',
        'indicator = "da_offences"\nstart = 2021-07-01\nreason = "no end"',
    ],
)
def test_a_baseline_without_dates_a_reason_or_an_indicator_is_refused(entry):
    with pytest.raises(CatalogueError):
        parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8") + "\n[[baseline]]\n" + entry + "\n")


def test_the_lockdown_breaks_have_short_labels():
    assert [b.short for b in CATALOGUE.breaks] == ["Lockdown 23 Mar 2020", "Restrictions end 19 Jul 2021"]


# ---- placing marks ---------------------------------------------------------------------------------


def test_marks_are_placed_at_the_period_that_contains_their_date():
    starts = [date(2020, m, 1) for m in range(1, 13)]
    marks = [
        Annotation("break", date(2020, 3, 23), "b", "r"),
        Annotation("action", date(2020, 6, 1), "a", "r"),
        Annotation("action", date(2021, 6, 1), "later", "r"),  # after the chart: left out
        Annotation("action", date(2019, 6, 1), "earlier", "r"),  # before it: left out
        Annotation("baseline", date(2020, 4, 1), "base", "r", date(2020, 9, 30)),
    ]
    assert [(m.label, i, stop) for m, i, stop in placed(marks, starts, "month")] == [
        ("b", 2, None),
        ("a", 5, None),
        ("base", 3, 9),
    ]


# ---- on the sample's charts ------------------------------------------------------------------------------


def _assessed(url, catalogue):
    from cspdash.board import assess_all
    from cspdash.periods import Quarter
    from cspdash.store.db import open_store
    from cspdash.store.queries import current_observations, release_observations
    from data_loaders.kinds import provisional_months

    engine = open_store(url)
    rows = current_observations(engine, area="Hackney")
    assessed = assess_all(
        catalogue, rows, Quarter(2024, 4), {}, release_observations(engine, "Hackney"), provisional_months()
    )
    engine.dispose()
    return {a.indicator.id: a for a in assessed}


@pytest.fixture(scope="module")
def hackney(sample_store_url):
    return _assessed(sample_store_url, CATALOGUE)


@pytest.fixture(scope="module")
def with_baseline(sample_store_url):
    return _assessed(sample_store_url, parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8") + BASELINE))


def _labels(figure) -> dict[str, object]:
    return {note.text: note for note in figure.layout.annotations}


def _lines(figure) -> list:
    return [s for s in figure.layout.shapes if s.type == "line"]


def test_a_declared_break_is_a_dashed_line_with_its_reason_at_the_first_point_of_the_new_limits(hackney):
    from cspdash.charts import spc_figure

    a = hackney["da_offences"]
    labels = [p.label for p in a.spc_points]
    figure = spc_figure(a)
    lockdown = _labels(figure)["Lockdown 23 Mar 2020"]
    at = labels.index("2019/20 Q4")  # Jan–Mar 2020 contains 23 March 2020
    assert lockdown.x == at and lockdown.hovertext.endswith("the first national lockdown began on 23 March 2020")
    assert lockdown.font.color == "#0b0c0c" and lockdown.bgcolor == "#ffffff"
    assert any(s.x0 == s.x1 == at and s.line.dash == "dash" for s in _lines(figure))
    assert [s.start for s in a.spc.segments][1] == at  # where the limits start afresh
    assert "Restrictions end 19 Jul 2021" in _labels(figure)
    assert any(n.startswith("Limits start afresh at 2019/20 Q4") for n in a.break_notes)  # said under the chart too


def test_a_break_before_the_charted_points_is_not_drawn(hackney):
    from cspdash.charts import spc_figure

    a = hackney["mps_total"]  # monthly: 36 months to March 2025, after both breaks
    assert a.spc_frequency == "month"
    assert not any(note.text.startswith(("Lockdown", "Restrictions")) for note in spc_figure(a).layout.annotations)


def test_a_baseline_fixes_the_limits_and_the_rule_set_names_it_with_its_reason(with_baseline, hackney):
    from cspdash.charts import spc_figure

    a = with_baseline["da_offences"]
    labels = [p.label for p in a.spc_points]
    first, last = labels.index("2021/22 Q2"), labels.index("2023/24 Q1") + 1
    latest = a.spc.latest
    assert latest.baseline == (first, last) and latest.stop == len(labels)
    assert latest.limits == xmr_limits([p.value for p in a.spc_points[first:last]])
    assert latest.limits != hackney["da_offences"].spc.latest.limits
    assert (
        "Limits fixed from the baseline 2021/22 Q2–2023/24 Q1 (8 points) and extended over the later points: "
        "the two years after the restrictions ended, before the new DA strategy." in a.rule_set()
    )
    assert "baseline 2021/22" not in hackney["da_offences"].rule_set()
    figure = spc_figure(a)
    (band,) = [s for s in figure.layout.shapes if s.type == "rect"]
    assert (band.x0, band.x1) == (first - 0.5, last - 0.5)
    label = next(n for n in figure.layout.annotations if n.text.startswith("Baseline: "))
    assert label.hovertext == "Baseline: the two years after the restrictions ended, before the new DA strategy"
    assert label.font.color == "#0b0c0c"


def test_a_baseline_with_too_few_points_is_said_and_not_applied(sample_store_url):
    text = BASELINE.replace("end = 2023-06-30", "end = 2022-06-30")  # four quarters
    a = _assessed(sample_store_url, parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8") + text))["da_offences"]
    assert a.spc.latest.baseline is None and "fixed from the baseline" not in a.rule_set()
    assert any("has 4 points in the chart since the last break" in n for n in a.break_notes)


ACTIONS = pd.DataFrame(
    [
        dict(id=3, title="Extra patrols on the Narrow Way estate after dark every weekend", owner="Inspector Lee",
             status="open", indicator="da_offences", area="Hackney", quarter="2023/24 Q2"),
        dict(id=4, title="Street drinking dispersal order", owner="ASB team", status="done",
             indicator="sexual_offences", area="Hackney", quarter="2022/23 Q1"),
        dict(id=5, title="A dropped idea", owner="x", status="dropped", indicator="da_offences", area="Hackney",
             quarter="2022/23 Q1"),
    ]
)  # fmt: skip


def test_an_action_shows_on_its_indicators_chart_with_its_title_and_not_on_another(hackney):
    from cspdash.charts import annotations_for, spc_figure

    a, other = hackney["da_offences"], hackney["sexual_offences"]
    figure = spc_figure(a, annotations_for(a, ACTIONS))
    labels = [p.label for p in a.spc_points]
    actions = [n for n in figure.layout.annotations if n.text.startswith("Action")]
    assert [n.text for n in actions] == ["Action 3: Extra patrols on the Narrow …"]
    assert actions[0].x == labels.index("2023/24 Q2")
    assert "Extra patrols on the Narrow Way estate after dark every weekend" in actions[0].hovertext
    assert any(s.x0 == labels.index("2023/24 Q2") and s.line.dash == "dot" for s in _lines(figure))
    assert "Lockdown 23 Mar 2020" in _labels(figure)  # the breaks stay
    elsewhere = spc_figure(other, annotations_for(other, ACTIONS))
    texts = [n.text for n in elsewhere.layout.annotations]
    assert not any(t.startswith("Action 3") for t in texts)
    assert "Action 4: Street drinking dispersal order" in texts


def test_an_action_starts_at_its_quarter_else_when_it_was_created():
    frame = pd.DataFrame(
        [
            dict(id=1, title="t", indicator="x", status="open", quarter_start=date(2024, 7, 1)),
            dict(
                id=2, title="t", indicator="x", status="open", quarter_start=None, created_at=pd.Timestamp(2024, 2, 9)
            ),
        ]
    )
    assert [m.start for m in action_marks("x", frame)] == [date(2024, 2, 9), date(2024, 7, 1)]
    assert action_marks("y", frame) == () and action_marks("x", None) == ()


def test_the_board_packs_chart_marks_the_actions_of_its_indicator(hackney):
    from cspdash.charts import annotations_for, chart_of

    a = hackney["da_offences"]
    drawn = chart_of(a, annotations_for(a, ACTIONS)).to_json()
    assert "Action 3: Extra patrols" in drawn and "Lockdown 23 Mar 2020" in drawn
    assert "Lockdown 23 Mar 2020" in chart_of(a).to_json()  # breaks and baselines by default
    assert DEFAULT_OPTIONS.minimum_points == 8


def test_the_words_under_the_chart_say_what_it_marks(with_baseline):
    """A viewer's plain rule set still names the baseline; the breaks and each action drawn are said."""
    from cspdash.charts import annotations_for, chart_caption

    a = with_baseline["da_offences"]
    words = chart_caption(a, "The lines mark the usual range.", annotations_for(a, ACTIONS))
    assert "Limits fixed from the baseline 2021/22 Q2–2023/24 Q1" in words
    assert "Limits start afresh at 2019/20 Q4" in words
    assert "Action 3: Extra patrols on the Narrow Way estate after dark every weekend (open)" in words
    assert "marked at 2023/24 Q2" in words and "dropped" not in words
    assert words.count("Limits fixed from the baseline") == 1
    assert chart_caption(a, a.rule_set()).count("Limits fixed from the baseline") == 1


def test_an_action_title_is_drawn_as_text_not_markup(hackney):
    from cspdash.charts import annotations_for, spc_figure

    a = hackney["da_offences"]
    frame = ACTIONS.assign(title=['<a href="https://example.org">Click</a> <b>me</b>', "x", "y"])
    notes = spc_figure(a, annotations_for(a, frame)).layout.annotations
    assert not any("<a " in f"{n.text}{n.hovertext}" or "<b>" in f"{n.text}{n.hovertext}" for n in notes)
    (action,) = [n for n in notes if n.text.startswith("Action 3: &lt;a")]
    assert "&lt;b&gt;me&lt;/b&gt;" in action.hovertext
