"""One truth for every view: every output reads the board service's records, so a figure, its
comparator, its change and its status are the same wherever they are shown, whoever looks."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from html import escape

import pytest

from cspdash.boardpack import exceptions, pack_html, pack_pdf, pack_pptx, status_counts
from cspdash.charts import chart_of, spc_figure
from cspdash.formatting import format_reading
from cspdash.meeting import meeting_figure, screen_html, screens
from cspdash.overview import overview_html, sparkline_svg, trend_description
from cspdash.periods import Quarter
from cspdash.service import Audience, BoardService
from cspdash.snapshot import SCHEMA_VERSION, read_snapshot
from cspdash.status import Status
from cspdash.store.db import open_store
from tests.conftest import CHROMIUM, ROOT, require

Q4 = Quarter(2024, 4)
BEFORE = ROOT / "tests" / "data" / "analyst_figures_before.json.gz"


def figures_before(name: str) -> dict[str, str]:
    with gzip.open(BEFORE, "rt") as file:
        return json.load(file)[name]


@pytest.fixture(scope="module")
def services(sample_store_url):
    engine = open_store(sample_store_url)
    yield {audience: BoardService(engine, audience).at() for audience in Audience}
    engine.dispose()


def _fte(reader):
    return next(r for r in reader.rows("Hackney", Q4) if r.indicator.id == "yj_fte_rate")


def _plain(text: str) -> str:
    return text.replace("<br>", " ")


def test_first_time_entrants_show_one_figure_one_comparator_and_one_change_everywhere(services):
    """Hackney, first time entrants, 2024/25 Q4: the 12-month rate is 351.0 against 293.9 a year
    earlier; the quarter's own annualised rate (473.5) and its year-earlier figure (212.2) are
    nowhere given as the headline."""
    row = _fte(services[Audience.ANALYST])
    a = row.assessment
    figure, comparator = format_reading(a.indicator, a.reading), format_reading(a.indicator, a.comparator)
    assert (figure, comparator) == ("351.0", "293.9")
    assert a.change.absolute == pytest.approx(a.reading.value - a.comparator.value)
    shown = {
        "overview": overview_html([row], Q4),
        "headline": row.headline,
        "chart title": _plain(chart_of(a).layout.title.text),
        "sparkline": trend_description(a.indicator, row.trend),
    }
    for where, text in shown.items():
        assert "351.0" in text, where
        assert "473.5" not in text and "212.2" not in text, where
    assert "293.9" in shown["overview"]
    assert row.trend[-1] == pytest.approx(a.reading.value)  # the sparkline ends at the figure beside it
    assert 'alt="' + escape(shown["sparkline"]) in sparkline_svg(row.trend, shown["sparkline"])
    # the SPC chart of each quarter's own figure states no figure of its own
    assert "473.5" not in _plain(spc_figure(a).layout.title.text)
    snapshot = services[Audience.PUBLIC].draft("Hackney", Q4)
    (entry,) = [i for i in snapshot["indicators"] if i["id"] == "yj_fte_rate"]
    assert (entry["figure"], entry["comparator"]) == (figure, comparator)
    assert entry["change"].startswith("+57.1")
    meeting = "".join(screen_html(snapshot, s, n, 1) for n, s in enumerate(screens(snapshot), 1))
    paper = pack_html(snapshot)
    for text in (meeting, paper, _pptx_text(pack_pptx(snapshot))):
        assert "351.0" in text and "293.9" in text and "473.5" not in text
    # the exception's chart on its meeting screen and in the papers: the 12-month series, titled so
    (screen,) = [s for s in screens(snapshot) if s.key == "exception-yj_fte_rate"]
    chart = meeting_figure(snapshot, screen)
    assert "351.0" in _plain(chart.layout.title.text) and chart.data[0].y[-1] == pytest.approx(a.reading.value)


def test_the_printed_pdf_shows_the_same_figure(services):
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM}")
    from pypdf import PdfReader

    snapshot = services[Audience.PUBLIC].draft("Hackney", Q4)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pack_pdf(snapshot))).pages)
    line = next(part for part in text.split("\n") if part.startswith("First time entrants aged 10–17"))
    assert "351.0" in text and "293.9" in text and "473.5" not in text, line


def test_the_provenance_of_a_12_month_figure_says_how_it_is_made(services):
    from pages.indicator_sections import twelve_month_provenance

    a = _fte(services[Audience.ANALYST]).assessment
    text = twelve_month_provenance(a)
    assert text.startswith("351.0 (rate per 100,000") and "2023/24 Q4" not in text
    assert f"{a.reading.numerator:,.0f} in the four quarters 2024/25 Q1 to 2024/25 Q4" in text
    assert _fte(services[Audience.ANALYST]).provenance.count("\n") >= 3  # the four quarters' cells


def _pptx_text(data: bytes) -> str:
    from tests.test_boardpack import slide_texts

    return "\n".join(slide_texts(data))


def test_viewers_and_analysts_see_the_same_status_for_every_indicator_and_quarter(services):
    viewer, analyst = services[Audience.PUBLIC], services[Audience.ANALYST]
    compared = 0
    for area in analyst.areas():
        for quarter in analyst.quarters(area):
            seen = {r.indicator.id: r.judgement for r in viewer.rows(area, quarter, beside_london=False)}
            for row in analyst.rows(area, quarter, beside_london=False):
                assert seen[row.indicator.id] == row.judgement, (area, quarter.label, row.indicator.id)
                compared += 1
    assert compared > 2000


def test_the_overview_meeting_mode_and_the_pack_count_the_same_statuses(services):
    analyst = services[Audience.ANALYST]
    for area in analyst.areas():
        quarter = analyst.quarters(area)[-1]
        overview = {s: n for s, n in analyst.status_counts(area, quarter).items() if n}
        snapshot = services[Audience.PUBLIC].draft(area, quarter)
        assert status_counts(snapshot) == overview
        assert len(exceptions(snapshot)) == sum(overview.get(s, 0) for s in (Status.RED, Status.AMBER, Status.UNUSUAL))


def test_every_figure_an_analyst_sees_on_the_sample_is_the_figure_before_the_change(services):
    """Snapshot test: the figures (as stored) for every area, quarter and indicator of the sample, as
    the dashboard showed them before the board service (tests/data/analyst_figures_before.json.gz).
    Indicators declared since (a sub-group added to the catalogue) are not in the snapshot."""
    before = figures_before("sample")
    snapshot_of = {key.rsplit("|", 1)[1] for key in before}
    analyst = services[Audience.ANALYST]
    now = {
        f"{area}|{quarter.label}|{row.indicator.id}": format_reading(row.indicator, row.assessment.reading)
        for area in analyst.areas()
        for quarter in analyst.quarters(area)
        for row in analyst.rows(area, quarter, beside_london=False)
        if row.indicator.id in snapshot_of
    }
    assert now == before


MPS_AREAS = ["Hackney", "Lambeth", "Croydon", "Westminster", "Tower Hamlets"]


def board_rows_for_london(url: str) -> None:
    """Run in a process whose catalogue is the 33 boroughs: print every `board` row of five boroughs
    for 2024/25 Q4 and 2025/26 Q1, and every figure as an analyst sees it, as JSON."""
    engine = open_store(url)
    public, analyst = BoardService(engine, Audience.PUBLIC).at(), BoardService(engine, Audience.ANALYST).at()
    boards = {
        f"{area}|{label}": public.board_frame(area, Quarter.parse(label)).to_dict(orient="records")
        for area in MPS_AREAS
        for label in ("2024/25 Q4", "2025/26 Q1", "2025/26 Q2")
    }
    figures = {
        f"{area}|{quarter.label}|{row.indicator.id}": format_reading(row.indicator, row.assessment.reading)
        for area in MPS_AREAS
        for quarter in analyst.quarters(area)
        for row in analyst.rows(area, quarter, beside_london=False)
    }
    print(json.dumps({"boards": boards, "figures": figures}))


@pytest.fixture(scope="module")
def london_board(london_mps_store):
    """The four real MPS borough releases in a store whose catalogue lists all 33 boroughs."""
    url, env = london_mps_store
    code = f"from tests.test_one_truth import board_rows_for_london; board_rows_for_london({url!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("%", ""))


def test_on_the_real_mps_releases_every_change_is_the_figure_minus_the_comparator(london_board):
    """2024/25 Q4 and 2025/26 Q1 come from the newest release, which does not reach back a year: no
    change is given, and the row says why; 2025/26 Q2 and its year-earlier quarter are both in it."""
    checked = 0
    for key, rows in london_board["boards"].items():
        for row in rows:
            change = row["change"].split(" ")[0].lstrip("'")
            if change == "–" and row["comparator value"] not in ("–", "Suppressed", "[c]"):
                assert "no single release covers both" in row["change"], (key, row)
            if change in ("–", "No"):
                continue
            value, comparator = row["value"], row["comparator value"]
            assert _number(change) == pytest.approx(_number(value) - _number(comparator), abs=0.051), (key, row)
            checked += 1
    assert checked > 50  # 2025/26 Q2: both quarters in one release
    hackney = {r["indicator"]: r for r in london_board["boards"]["Hackney|2024/25 Q4"]}
    total = hackney["All recorded crime"]
    assert (total["value"], total["comparator value"]) == ("7,694", "8,185")
    assert total["change"].startswith("–") and "7,575" in total["change"]  # no change across releases: says why


def test_every_figure_an_analyst_sees_on_the_real_mps_releases_is_the_figure_before_the_change(london_board):
    before = figures_before("mps")
    assert london_board["figures"] == before


def test_a_snapshot_signed_off_before_a_change_of_wording_still_opens(services, monkeypatch):
    """Version 1 stored status words; version 2 stores enum names. Both open after the words change."""
    snapshot = services[Audience.PUBLIC].snapshot("Hackney", Q4)
    assert snapshot["schema_version"] == SCHEMA_VERSION
    assert {i["status"] for i in snapshot["indicators"]} <= set(Status.__members__)
    old = json.loads(json.dumps(snapshot))
    del old["schema_version"]
    for indicator in old["indicators"]:
        indicator["status"] = Status[indicator["status"]].word  # as a version-1 sign-off held it
    monkeypatch.setattr(Status.NO_SIGNAL, "word", "Common cause only")
    monkeypatch.setattr(Status.AMBER, "word", "Hit and miss")
    for stored in (snapshot, old):
        opened = read_snapshot(json.loads(json.dumps(stored)))
        html = "".join(screen_html(opened, s, n, 1) for n, s in enumerate(screens(opened), 1))
        assert "Common cause only" in html or "Hit and miss" in html
        assert pack_html(opened) and pack_pptx(opened)
