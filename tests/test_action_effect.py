"""Did the action work? After an action linked to an indicator starts, the board's SPC rules read the
points since against limits from the points before, and the step in the mean is sized with its
95% interval (cspdash/action_effect.py, `BoardAt.action_effects`)."""

import random
import shutil
import subprocess
import sys
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.action_effect import CANNOT_TELL, CHANGE, NO_CHANGE, TOO_EARLY, count_step, effect, welch_step
from cspdash.catalogue import load_catalogue
from cspdash.history import SpcPoint
from cspdash.periods import add_months
from cspdash.service import Audience, BoardService
from cspdash.store import records
from cspdash.store.db import open_store
from tests.conftest import MPS_BOROUGH, ROOT, require
from tests.tables import as_read
from tests.test_app_roles import AUTH

CATALOGUE = load_catalogue()
ROBBERY = CATALOGUE.indicator("mps_robbery")


def monthly(values, first=date(2021, 7, 1)) -> list[SpcPoint]:
    return [
        SpcPoint(f"{add_months(first, i):%b %Y}", add_months(first, i), float(v), False) for i, v in enumerate(values)
    ]


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


# ---- the pure function ---------------------------------------------------------------------------


def test_a_step_up_in_a_lower_is_better_count_is_a_real_change_for_the_worse():
    rng = random.Random(42)
    points = monthly([poisson(rng, 40) for _ in range(30)] + [poisson(rng, 60) for _ in range(10)])
    found = effect(ROBBERY, points, "month", points[30].start, "lower", action_id=7)
    assert found.verdict == CHANGE and found.direction == "worse" and found.moved == "higher"
    assert found.sentence.startswith("Followed by a real change: robbery rose")
    assert found.rule is not None and found.rule_at is not None and found.before == 30 and found.after == 10
    assert "Rule fired" in found.detail and "95% interval" in found.detail


def test_the_steps_interval_contains_the_true_step():
    """Counts (quasi-Poisson) and other figures (Welch), each from a series with a known step."""
    rng = random.Random(42)
    before, after = [poisson(rng, 30) for _ in range(24)], [poisson(rng, 38) for _ in range(12)]
    step = count_step(before, after)
    assert step.contains(8.0) and not step.contains(0.0)
    assert step.ratio_low < 38 / 30 < step.ratio_high
    shares = [rng.gauss(50, 4) for _ in range(24)], [rng.gauss(44, 4) for _ in range(12)]
    welch = welch_step(*shares)
    assert welch.contains(-6.0) and welch.high < 0 and welch.method == "Welch"


def test_over_dispersion_widens_the_interval():
    calm = count_step([100, 101, 99, 100] * 6, [110, 111, 109, 110] * 3)
    wild = count_step([60, 140, 80, 120] * 6, [70, 150, 90, 130] * 3)
    assert wild.high - wild.low > 2 * (calm.high - calm.low)
    assert "dispersion 1.0" in calm.method  # never below Poisson


def test_common_cause_only_is_no_change_and_few_points_is_too_early():
    rng = random.Random(7)
    values = [poisson(rng, 50) for _ in range(40)]
    points = monthly(values)
    calm = effect(ROBBERY, points, "month", points[30].start, "lower")
    assert calm.verdict in (NO_CHANGE,) and calm.rule is None, calm.detail
    assert calm.sentence == "No change beyond the usual ups and downs since it started (10 months)."
    early = effect(ROBBERY, points, "month", points[37].start, "lower")
    assert early.verdict == TOO_EARLY and early.sentence == "Too early to tell: 3 of 7 months since it started."
    short = effect(ROBBERY, points, "month", points[5].start, "lower")
    assert short.verdict == CANNOT_TELL and "only 5 months" in short.sentence


def test_a_percentage_is_judged_on_its_p_chart_quarter_by_quarter():
    """A percentage the catalogue charts as a p chart: the baseline's pooled proportion and each
    quarter's own limits, 8 quarters of baseline needed (the board's minimum)."""
    ind = CATALOGUE.indicator("yj_reoffending")
    assert ind.chart == "p" and ind.polarity == "lower"
    rng = random.Random(5)
    shares = [0.30] * 12 + [0.45] * 8
    quarters = [add_months(date(2019, 4, 1), 3 * i) for i in range(20)]
    points = []
    for start, share in zip(quarters, shares, strict=True):
        cases = 200
        hits = sum(rng.random() < share for _ in range(cases))
        points.append(SpcPoint(f"{start:%Y-%m}", start, 100 * hits / cases, False, hits, cases))
    found = effect(ind, points, "quarter", quarters[12], "lower")
    assert found.verdict == CHANGE and found.direction == "worse" and found.step.method == "Welch"
    assert found.step.contains(15.0)
    short = effect(ind, points, "quarter", quarters[7], "lower")
    assert short.verdict == CANNOT_TELL and "only 7 quarters" in short.sentence and "8 needed" in short.sentence


def test_a_declared_break_starts_the_baseline_afresh():
    rng = random.Random(3)
    points = monthly([poisson(rng, 50) for _ in range(40)])
    found = effect(ROBBERY, points, "month", points[30].start, "lower", breaks=[points[25].start])
    assert found.verdict == CANNOT_TELL and "only 5 months" in found.sentence and "break" in found.sentence


# ---- through the board service, on the sample ---------------------------------------------------


@pytest.fixture
def sample_copy(sample_store_url, tmp_path, monkeypatch):
    """A private copy of the sample store (the shared one is never written to), opened by the app too."""
    target = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\nadmin = ["chair@hackney.gov.uk"]\nviewer = ["@cityoflondon.gov.uk"]\n')
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))
    return url


def add(engine, indicator: str, start: date, title: str = "Extra patrols") -> int:
    return records.add_action(engine, "chair", title, "Inspector Lee", None, indicator, "Hackney", start_date=start)


def test_the_samples_robbery_action_is_followed_by_a_shift_and_a_common_cause_one_is_not(sample_copy):
    engine = open_store(sample_copy)
    robbery = add(engine, "mps_robbery", date(2024, 6, 1), "Robbery patrols")
    vehicles = add(engine, "mps_vehicle_offences", date(2024, 6, 1), "Car crime week")
    early = add(engine, "mps_vehicle_offences", date(2025, 1, 10), "Second car crime week")
    unlinked = records.add_action(engine, "chair", "Write the strategy", "Chair", None, None, "Hackney")
    effects = BoardService(engine, Audience.PUBLIC).at().action_effects("Hackney")
    assert unlinked not in effects
    shifted = effects[robbery]
    assert shifted.verdict == CHANGE and shifted.direction == "worse" and shifted.moved == "higher", shifted.sentence
    assert shifted.start == date(2024, 6, 1) and shifted.rule_at == "Jun 2024"
    assert shifted.step.low > 0 and shifted.step.ratio_low > 1.3  # the sample raises robbery by 60%
    assert effects[vehicles].verdict == NO_CHANGE and effects[vehicles].rule is None
    assert effects[vehicles].step.contains(0.0)
    assert effects[early].sentence == "Too early to tell: 3 of 7 months since it started."


def test_an_action_with_no_start_date_starts_the_day_it_was_added(sample_copy):
    engine = open_store(sample_copy)
    number = records.add_action(engine, "chair", "Later", "Lee", None, "mps_robbery", "Hackney")
    table = records.actions(engine).set_index("id")
    added = table.loc[number, "start_date"]
    assert added == date.today()  # created now: after every figure of the sample
    found = BoardService(engine, Audience.PUBLIC).at().action_effects("Hackney")[number]
    assert found.verdict == TOO_EARLY and found.sentence.startswith("Too early to tell: 0 of 7 months")


def test_the_indicators_chart_marks_the_start_and_its_section_says_the_verdict(sample_copy):
    from cspdash.charts import annotations_for, spc_figure
    from tests.streamlit_app import open_page

    engine = open_store(sample_copy)
    add(engine, "mps_robbery", date(2024, 6, 1), "Robbery patrols")
    board = BoardService(engine, Audience.PUBLIC).at()
    quarter = board.quarters("Hackney")[-1]
    view = next(v for v in board.views("Hackney", quarter, "mps_crime") if v.indicator.id == "mps_robbery")
    figure = spc_figure(view.assessment, annotations_for(view.assessment, board.actions("Hackney")))
    labels = [p.label for p in view.assessment.spc_points]
    (mark,) = [n for n in figure.layout.annotations if n.text.startswith("Action 1")]
    assert mark.x == labels.index("Jun 2024")
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90).run()
    open_page(at, "mps_crime").run()
    assert not at.exception
    said = as_read(" ".join(m.value for m in at.markdown))
    assert "Did it work? Action 1" in said and "Followed by a real change: robbery rose" in said


def test_the_actions_page_says_whether_each_action_worked(sample_copy):
    engine = open_store(sample_copy)
    add(engine, "mps_robbery", date(2024, 6, 1), "Robbery patrols")
    add(engine, "mps_vehicle_offences", date(2024, 6, 1), "Car crime week")
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
    at.run()
    at.switch_page("../pages/actions.py").run()
    assert not at.exception
    said = as_read(" ".join(m.value for m in at.markdown))
    assert "Followed by a real change: robbery rose" in said
    assert "No change beyond the usual ups and downs since it started" in said
    assert "95% interval" in as_read(" ".join(c.value for c in at.caption))  # an admin sees the statistics
    viewer = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
    viewer.secrets["auth"] = AUTH
    viewer.user = {"is_logged_in": True, "email": "member@cityoflondon.gov.uk", "email_verified": True}
    viewer.run()
    viewer.switch_page("../pages/actions.py").run()
    assert not viewer.exception
    log = viewer.dataframe[0].value.set_index("id")
    assert log.loc[1, "did it work?"].startswith("Followed by a real change: robbery rose")
    assert log.loc[2, "did it work?"].startswith("No change beyond the usual ups and downs")
    assert "95% interval" not in as_read(" ".join(c.value for c in viewer.caption))  # a board member: words only


def test_a_start_date_edit_is_audited_and_a_stale_one_refused(fresh_db):
    number = records.add_action(fresh_db, "chair", "Patrols", "Lee", None, None, "Hackney", start_date=date(2024, 6, 1))
    fields = ["title", "owner", "due_date", "status", "start_date"]
    seen = records.actions(fresh_db).set_index("id").loc[number, fields].to_dict()
    assert seen["start_date"] == date(2024, 6, 1)
    records.update_action(fresh_db, number, "analyst", seen=seen, start_date=date(2024, 7, 15))
    assert records.actions(fresh_db).set_index("id").loc[number, "start_date"] == date(2024, 7, 15)
    log = records.audit_entries(fresh_db)
    assert "start_date 2024-06-01 → 2024-07-15" in log["detail"].iloc[0]
    with pytest.raises(records.RecordError, match="was changed by analyst since you opened it"):
        records.update_action(fresh_db, number, "other", seen=seen, start_date=date(2024, 8, 1))
    assert records.actions(fresh_db).set_index("id").loc[number, "start_date"] == date(2024, 7, 15)


# ---- on the real MPS borough releases ---------------------------------------------------------------


@pytest.fixture(scope="module")
def real_mps(tmp_path_factory) -> str:
    """Hackney's real MPS borough figures: the historical file and three 24-month releases (2010–2026)."""
    require(MPS_BOROUGH.is_dir(), f"reference data not found at {MPS_BOROUGH}")
    url = f"sqlite:///{tmp_path_factory.mktemp('real_mps') / 'mps.db'}"
    files = sorted(str(path) for path in MPS_BOROUGH.glob("*.csv"))
    subprocess.run(
        [sys.executable, "-m", "data_loaders", "ingest", *files, "--db", url, "--create"], cwd=ROOT, check=True
    )
    return url


def test_on_the_real_figures_drug_offences_rose_and_sexual_offences_did_not_move(real_mps):
    """Hackney's recorded drug offences rose by about half from mid-2024 (proactive policing: a rise with
    no better direction); sexual offences stayed within their usual range."""
    engine = open_store(real_mps)
    drugs = add(engine, "mps_drug_offences", date(2024, 8, 1), "Drugs operation")
    sexual = add(engine, "mps_sexual_offences", date(2024, 7, 1), "Night-time safety")
    effects = BoardService(engine, Audience.PUBLIC).at().action_effects("Hackney")
    rose = effects[drugs]
    assert rose.verdict == CHANGE and rose.moved == "higher" and rose.direction == "neither", rose.sentence
    assert rose.step.ratio_low > 1.2 and "That is" not in rose.sentence
    assert "dispersion" in rose.step.method and float(rose.step.method.split()[-1].rstrip(")")) > 2  # over-dispersed
    assert effects[sexual].verdict == NO_CHANGE, effects[sexual].sentence


def test_the_board_papers_and_meeting_mode_say_whether_each_open_action_worked(sample_copy):
    """Sign-off freezes the verdict with the figures: the pack's actions table, an exception's open
    actions and meeting mode's action screens say it in the board's words."""
    from cspdash import boardpack
    from cspdash.meeting import screens
    from cspdash.periods import Quarter

    engine = open_store(sample_copy)
    robbery = add(engine, "mps_robbery", date(2024, 6, 1), "Robbery patrols")
    unlinked = records.add_action(engine, "chair", "Write the strategy", "Chair", None, None, "Hackney")
    snapshot = BoardService(engine, Audience.PUBLIC).at().draft("Hackney", Quarter(2024, 4))
    by_id = {a["id"]: a for a in snapshot["actions"]}
    assert by_id[robbery]["effect"].startswith("Followed by a real change: robbery rose")
    assert "effect" not in by_id[unlinked]
    html = boardpack.pack_html(snapshot)
    assert '<th scope="col">Did it work?</th>' in html
    assert "Robbery patrols (Inspector Lee) Did it work? Followed by a real change" in as_read(html)
    shown = " ".join(s.body for s in screens(snapshot) if s.key.startswith("actions"))
    assert "Did it work? Followed by a real change: robbery rose" in shown
