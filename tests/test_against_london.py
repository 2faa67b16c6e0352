"""The area against London as a board reads it: on the meeting screens and in every format of the
pack, from the same funnels the pages show (the sample with a real London-wide MPS release, where
the City of London is worse than London on most crimes and Hackney similar)."""

from __future__ import annotations

import io
import shutil

import pytest

from cspdash.boardpack import london_rows, pack_html, pack_pptx, pack_xlsx
from cspdash.meeting import figure_alt, meeting_figure, screen_html, screens
from cspdash.periods import Quarter
from cspdash.service import Audience, BoardService
from cspdash.store.db import open_store
from data_loaders.ingest import ingest_files
from tests.conftest import MPS_BOROUGH, REFERENCE, require
from tests.test_meeting_screens import JARGON

QUARTER = Quarter.parse("2024/25 Q4")


@pytest.fixture(scope="module")
def store(sample_store_url, tmp_path_factory) -> str:
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    path = tmp_path_factory.mktemp("against") / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    ingest_files(open_store(url), [MPS_BOROUGH / "mps_borough_24m_202312-202511.csv"], submitted_by="test")
    return url


@pytest.fixture(scope="module")
def snapshots(store) -> dict[str, dict]:
    service = BoardService(open_store(store), Audience.ANALYST).at()
    return {area: service.snapshot(area, QUARTER) for area in ("City of London", "Hackney")}


def test_the_snapshot_keeps_every_comparison_exceptions_first(snapshots, store):
    city = snapshots["City of London"]["london"]
    assert len(city) >= 8
    verdicts = [r["verdict"] for r in city]
    assert verdicts[0] == "Worse than London"
    assert verdicts.index("Worse than London") < len(verdicts) - verdicts[::-1].index("Worse than London")
    assert all(r["chart"] for r in city if r["verdict"] != "Similar to London")
    # the same comparisons the pages read from the service's rows
    service = BoardService(open_store(store), Audience.PUBLIC).at()
    assert [v.sentence for v in service.london_funnels("City of London", QUARTER)] == [r["sentence"] for r in city]
    hackney = snapshots["Hackney"]["london"]
    assert hackney and all(r["chart"] is None for r in hackney if r["verdict"] == "Similar to London")


def test_the_meeting_has_a_london_screen_and_a_funnel_for_each_exception(snapshots):
    snapshot = snapshots["City of London"]
    agenda = screens(snapshot)
    titles = [s.title for s in agenda]
    first = next(i for i, t in enumerate(titles) if t.startswith("Compared with London"))
    exceptions = [i for i, t in enumerate(titles) if t.startswith("Exception:")]
    groups = {i["subgroup"] for i in snapshot["indicators"]}
    first_group = next(i for i, t in enumerate(titles) if t.split(" (")[0] in groups)
    assert max(exceptions, default=0) < first < first_group  # after the exceptions, before the sub-groups
    funnels = [s for s in agenda if s.chart and s.chart.startswith("london:")]
    assert len(funnels) == sum(1 for r in snapshot["london"] if r["chart"])
    for screen in agenda:
        if screen.title.startswith("Compared with London"):
            html = screen_html(snapshot, screen, 1, len(agenda)).lower()
            assert not [j for j in JARGON if j in html], screen.title
            assert "φ" not in html and "winsorised" not in html
    fig = meeting_figure(snapshot, funnels[0])
    assert fig is not None and any(trace.name == "City of London" for trace in fig.data)
    assert figure_alt(snapshot, funnels[0]).startswith("Funnel plot: City of London's")


def test_the_pack_says_it_in_every_format(snapshots):
    from openpyxl import load_workbook
    from pptx import Presentation

    snapshot = snapshots["City of London"]
    html = pack_html(snapshot)
    assert "<h2>Compared with London</h2>" in html and "Worse than London" in html
    assert "For information:" in html  # the rank, only as information
    sheet = load_workbook(io.BytesIO(pack_xlsx(snapshot)))["Against London"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Indicator", "Compared with London", "Rate per 1,000 residents", "London")
    assert [list(r[:4]) for r in rows[1:]] == [r[:4] for r in london_rows(snapshot)]
    assert all(isinstance(r[2], int | float) and isinstance(r[3], int | float) for r in rows[1:])  # numbers
    deck = Presentation(io.BytesIO(pack_pptx(snapshot)))
    titles = [s.shapes.title.text_frame.text for s in deck.slides if s.shapes.title is not None]
    assert any(t.startswith("Compared with London") for t in titles)


def test_a_snapshot_without_comparisons_has_no_such_section(snapshots):
    """Signed off before comparisons were kept, or with no London-wide release in the store."""
    snapshot = {key: value for key, value in snapshots["Hackney"].items() if key != "london"}
    assert "Compared with London" not in pack_html(snapshot)
    assert not [s for s in screens(snapshot) if s.title.startswith("Compared with London")]
    from openpyxl import load_workbook

    assert "Against London" not in load_workbook(io.BytesIO(pack_xlsx(snapshot))).sheetnames


def test_the_sample_compares_the_partnership_with_london(sample_store_url):
    """The demo (`make run`) shows the funnel plots: the sample has every London borough."""
    service = BoardService(open_store(sample_store_url), Audience.PUBLIC).at()
    views = service.london_funnels("Hackney", QUARTER)
    assert len(views) >= 10 and views[0].verdict == "Worse than London"  # the sample's robbery shift
    assert views[0].indicator == "Robbery"


def test_the_area_s_own_interval_is_byar_s_or_exact_below_10_events():
    from cspdash.against_london import london_funnel

    rates = [
        dict(area=f"B{n}", area_code=f"E0{n}", count=count, residents=residents, rank=n + 1)
        for n, (count, residents) in enumerate([(4, 8_000), (900, 250_000), (1_100, 300_000), (700, 200_000)])
    ]
    small = london_funnel("Homicide", "lower", "B0", "12 months", rates, (), "Census 2021 residents")
    large = london_funnel("Homicide", "lower", "B1", "12 months", rates, (), "Census 2021 residents")
    assert small.interval().method == "exact Poisson" and large.interval().method == "Byar"
    row = small.summary_row()
    assert row["95% interval"].endswith("(exact Poisson)") and row["London"] == round(small.funnel.target, 1)
    low, high = (float(x) for x in row["95% interval"].split(" (")[0].split(" to "))
    assert low < 4 / 8_000 * 1000 < high


def test_the_overview_says_it_in_one_line_exceptions_first(sample_store_url, snapshots):
    from cspdash.against_london import london_summary

    service = BoardService(open_store(sample_store_url), Audience.PUBLIC).at()
    assert london_summary(service.london_funnels("Hackney", QUARTER)) == (
        "Against London (12 months to the end of 2024/25 Q4): worse on robbery (beyond the 99.8% limit); "
        "similar on 9 others."
    )
    city = london_summary(
        BoardService(open_store(sample_store_url), Audience.ANALYST).at().london_funnels("City of London", QUARTER)
    )
    assert city.startswith("Against London (12 months to the end of 2024/25 Q4): worse on all recorded crime, ")
    assert london_summary([]) == ""
