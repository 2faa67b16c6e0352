"""Compute once, read many: an area's indicator histories are prepared once per store version, and
every quarter is read from them. What the board is told about a quarter must be exactly what the
figures known at that quarter's end say (no later figure leaks in), on the real MPS releases as well
as the sample; and a quarter change on a page recomputes nothing from the observations."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash import board
from cspdash.board import assess_all, prepare_all
from cspdash.catalogue import load_catalogue
from cspdash.overview import board_frame
from cspdash.periods import Quarter
from cspdash.store.db import open_store
from cspdash.store.queries import current_observations, release_observations, targets
from data_loaders.ingest import ingest_files
from data_loaders.kinds import provisional_months
from tests.conftest import MPS_BOROUGH, REFERENCE, ROOT, require
from tests.streamlit_app import open_page

CATALOGUE = load_catalogue()


def _known_by(observations: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    return observations[pd.to_datetime(observations["period_start"]).dt.date <= quarter.end]


def _assert_each_quarter_reads_as_its_own_figures(engine, area: str, quarters: list[Quarter]) -> None:
    observations = current_observations(engine, area=area)
    releases = release_observations(engine, area)
    stored_targets, months = targets(engine), provisional_months()
    histories = prepare_all(CATALOGUE, observations, releases, months)  # once, for every quarter
    for quarter in quarters:
        read = board_frame(assess_all(CATALOGUE, observations, quarter, stored_targets, histories=histories))
        known = _known_by(observations, quarter)
        afresh = board_frame(assess_all(CATALOGUE, known, quarter, stored_targets, releases, months))
        assert len(read) > 0
        pd.testing.assert_frame_equal(read, afresh, obj=f"{area} {quarter.label}")


def test_every_sample_quarter_read_from_the_prepared_history_is_what_its_own_figures_say(sample_store_url):
    engine = open_store(sample_store_url)
    quarters = [Quarter(fy, q) for fy in range(2019, 2025) for q in range(1, 5)]
    _assert_each_quarter_reads_as_its_own_figures(engine, "Hackney", quarters)


def test_on_the_real_mps_releases_no_later_figure_or_release_leaks_into_an_earlier_quarter(tmp_path):
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    engine = open_store(f"sqlite:///{tmp_path / 'real.db'}")
    files = ["mps_borough_historical_201004-202311.csv", "mps_borough_24m_202312-202511.csv"]
    ingest_files(engine, [MPS_BOROUGH / name for name in files], submitted_by="test")
    quarters = [Quarter(fy, 4) for fy in range(2011, 2023)] + [Quarter(2023, q) for q in range(1, 5)]
    quarters += [Quarter(2024, q) for q in range(1, 4)]  # across the two releases, and in the newest one
    _assert_each_quarter_reads_as_its_own_figures(engine, "Hackney", quarters)
    _assert_each_quarter_reads_as_its_own_figures(engine, "Westminster", [Quarter(2019, 3), Quarter(2024, 2)])


@pytest.mark.parametrize("page", ["overview", "youth_justice"])
def test_a_quarter_change_reads_the_prepared_histories_and_recomputes_nothing(monkeypatch, sample_store_url, page):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", sample_store_url)
    prepared = []
    real_prepare = board.prepare

    def counted(*args, **kwargs):
        prepared.append(args[0].id)
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(board, "prepare", counted)
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90).run()
    if page != "overview":
        open_page(at, page).run()
    before = "".join(h.value for h in at.html)
    prepared.clear()
    for label in ("2021/22 Q3", "2019/20 Q1"):
        at.sidebar.selectbox[1].select(label).run()
        assert not at.exception
        assert label in "".join(h.value for h in at.html)
    assert "".join(h.value for h in at.html) != before
    assert prepared == [], "a quarter change prepared histories again instead of reading them"


def test_once_the_other_quarters_are_warmed_a_quarter_change_builds_no_view(monkeypatch, sample_store_url):
    """A page, once drawn, builds the area's other quarters in the background (once per store
    version): a board member who then changes the quarter is shown a finished view."""
    import threading

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", sample_store_url)
    monkeypatch.setenv("DASHBOARD_WARM_QUARTERS", "1")
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90).run()
    assert not at.exception
    for thread in threading.enumerate():
        if thread.name.startswith("warm-"):
            thread.join(timeout=300)
    from cspdash.service import BoardAt

    built = []
    real = BoardAt._rows
    monkeypatch.setattr(
        BoardAt, "_rows", lambda self, area, quarter: built.append(quarter) or real(self, area, quarter)
    )
    for label in ("2020/21 Q2", "2018/19 Q4"):
        at.sidebar.selectbox[1].select(label).run()
        assert not at.exception
        assert f"MPS recorded crime — {label}" in "".join(h.value for h in at.html)
    assert built == [], f"views built on a quarter change after warming: {built}"
