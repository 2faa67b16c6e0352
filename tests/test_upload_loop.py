"""The analyst's loop on the upload page: drop a file, read what it would change (statuses included,
for every kind), fix what is wrong, drop it again, confirm."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.store.db import open_store
from cspdash.store.queries import current_observations, observation_count
from data_loaders.__main__ import public_board
from data_loaders.ingest import check_upload, ingest_files
from tests.conftest import MPS_BOROUGH, ROOT, require
from tests.tables import as_read

RELEASE = MPS_BOROUGH / "mps_borough_24m_202312-202511.csv"
RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
BOARD_QUARTER = Quarter(2024, 4)  # the sample board's quarter
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def store_copy(sample_store_url, tmp_path, monkeypatch) -> str:
    """A private copy of the sample store (local mode: the person using the app is an admin)."""
    target = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    return url


def upload_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=120).run()
    return at.switch_page("../pages/upload.py").run()


def edited_return(delete_row: int | None = None, **cells) -> bytes:
    """The sample's Hackney youth justice return with a row deleted and cells changed."""
    book = openpyxl.load_workbook(RETURN)
    sheet = book["Return"]
    if delete_row:
        sheet.delete_rows(delete_row)
    for cell, value in cells.items():
        sheet[cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def board_statuses(url: str, quarters: dict[str, tuple[Quarter, ...]]) -> dict[tuple[str, str, str], str]:
    """What `python -m data_loaders board --area A --quarter Q` prints in its status column."""
    reader = public_board(url)
    return {
        (area, quarter.label, row["indicator"]): row["status"]
        for area, area_quarters in quarters.items()
        for quarter in area_quarters
        for row in reader.board_frame(area, quarter).to_dict("records")
    }


def test_a_police_release_previews_the_statuses_the_board_would_change(store_copy):
    require(RELEASE.is_file(), f"reference release not found at {RELEASE}")
    engine = open_store(store_copy)
    check = check_upload(
        engine, RELEASE.name, RELEASE.read_bytes(), public_board(engine).targets(), quarter=BOARD_QUARTER
    )
    assert check.ok and len(check.loaded.observations) == 35904
    # the board's quarter and the newest four whole quarters of the release (Dec 2023 to Nov 2025);
    # the City of London has no figures in an MPS release
    assert check.judged == {"Hackney": (Quarter(2024, 3), Quarter(2024, 4), Quarter(2025, 1), Quarter(2025, 2))}
    areas = [area.name for area in load_catalogue().areas]
    quarters = {area: check.judged.get("Hackney", ()) for area in areas}
    before = board_statuses(store_copy, quarters)
    ingest_files(engine, [RELEASE], submitted_by="analyst@hackney.gov.uk")
    after = board_statuses(store_copy, quarters)
    changed = sorted(
        (*key, before.get(key, "no figure"), after.get(key, "no figure"))
        for key in before.keys() | after.keys()
        if before.get(key, "no figure") != after.get(key, "no figure")
    )
    previewed = sorted(map(tuple, check.statuses[["area", "quarter", "indicator", "before", "after"]].values))
    assert previewed == changed
    in_board_quarter = {(r[2], r[3], r[4]) for r in previewed if r[1] == BOARD_QUARTER.label}
    assert {("Robbery", "Red", "No signal"), ("Violence against the person", "Red", "No signal")} <= in_board_quarter


def test_a_file_already_stored_previews_no_status_change(store_copy):
    engine = open_store(store_copy)
    check = check_upload(engine, RETURN.name, RETURN.read_bytes(), {}, quarter=BOARD_QUARTER)
    assert check.ok and check.already_loaded and check.statuses.empty


def test_the_page_says_when_no_status_would_change(store_copy):
    at = upload_page()
    at.file_uploader[0].upload("revised_yj.xlsx", edited_return(E11=1), XLSX).run()
    assert not at.exception
    captions = [as_read(c.value) for c in at.caption]
    assert any(c.startswith("No status would change (checked for Hackney in 2024/25 Q4") for c in captions), captions
    assert not [d for d in at.dataframe if "Would be" in d.value.columns]


def test_a_file_dropped_again_under_its_name_replaces_the_refused_one(store_copy):
    at = upload_page()
    at.file_uploader[0].upload("hackney_yj.xlsx", edited_return(E11="three"), XLSX).run()
    assert "Refused: 1 problem(s)" in at.error[0].value
    assert not [b for b in at.button if b.label.startswith("Confirm")]
    # the uploader keeps both files under one name, the newest last, as a browser does
    at.file_uploader[0].set_value(
        [("hackney_yj.xlsx", edited_return(E11="three"), XLSX), ("hackney_yj.xlsx", edited_return(E11=3), XLSX)]
    ).run()
    assert not at.exception and not at.error
    assert [as_read(s.value) for s in at.subheader] == ["hackney_yj.xlsx"]  # one preview, of the newest
    assert any("dropped again: the newest version replaces the earlier one" in as_read(i.value) for i in at.info)
    confirm = [b for b in at.button if b.label.startswith("Confirm")]
    assert [b.label for b in confirm] == ["Confirm: store 1 file(s)"]
    confirm[0].click().run()
    assert "Stored 17 figures from 1 file(s)." in [s.value for s in at.success]
    custody = current_observations(open_store(store_copy), area="Hackney", indicators=["yj_custody"])
    assert custody.set_index("period_start").loc[BOARD_QUARTER.start, "value"] == 3  # the newest version stored


def test_a_missing_row_is_reported_where_it_belongs_by_name(store_copy):
    engine = open_store(store_copy)
    check = check_upload(engine, "no_kpi3.xlsx", edited_return(delete_row=14), {})
    assert not check.ok
    [problem] = [p for p in check.problems if p.code == "missing-indicator"]
    assert (problem.sheet, problem.cell) == ("Return", "A14")
    assert problem.message == (
        "KPI 3: SEND/ALN with a learning plan (yj_kpi3_send) is missing: its row should be at Return!A14"
    )


def test_a_london_wide_release_previews_in_words_the_partnership_first(store_copy, sample_store_url):
    require(RELEASE.is_file(), f"reference release not found at {RELEASE}")
    at = upload_page()
    at.file_uploader[0].upload(RELEASE.name, RELEASE.read_bytes(), "text/csv").run()
    assert not at.exception
    summary = " ".join(m.value for m in at.markdown)
    assert "Hackney and 31 other London boroughs" in summary
    assert "21,568 new, 13,823 revised, 513 unchanged figures" in summary
    revised = next(d.value for d in at.dataframe if "Where in the file" in d.value.columns)
    assert list(revised.columns) == ["Indicator", "Area", "Period", "Was", "Now", "Where in the file"]
    hackney = revised["Area"] == "Hackney"
    assert hackney.any() and hackney.iloc[: hackney.sum()].all()  # the partnership's figures first
    assert not revised["Indicator"].str.startswith("mps_").any()
    statuses = next(d.value for d in at.dataframe if "Would be" in d.value.columns)
    assert list(statuses.columns) == ["Area", "Quarter", "Indicator", "Was", "Would be", "Why"]
    robbery = statuses[(statuses["Quarter"] == BOARD_QUARTER.label) & (statuses["Indicator"] == "Robbery")]
    assert robbery[["Was", "Would be"]].values.tolist() == [["Red", "No signal"]]
    assert [b.label for b in at.button if b.label.startswith("Confirm")] == ["Confirm: store 1 file(s)"]
    stored = observation_count(open_store(sample_store_url))
    assert observation_count(open_store(store_copy)) == stored  # nothing stored before confirming


@pytest.mark.parametrize("upload", ["release", "edited return"])
def test_the_preview_reads_the_statuses_before_from_the_board_service(store_copy, upload, monkeypatch):
    """The upload page passes the board service's histories: the statuses before are the board's own,
    read rather than prepared again, and the preview is the same as one that prepares them itself."""
    import cspdash.board

    if upload == "release":
        require(RELEASE.is_file(), f"reference release not found at {RELEASE}")
        name, content = RELEASE.name, RELEASE.read_bytes()
    else:
        name, content = "custody_up.xlsx", edited_return(E11=97, C9=400)
    engine = open_store(store_copy)
    board = public_board(engine)
    prepared_alone = check_upload(engine, name, content, board.targets(), quarter=BOARD_QUARTER)
    histories = {area: board.histories(area, True) for area in board.areas()}
    calls = []
    original = cspdash.board.prepare
    monkeypatch.setattr(cspdash.board, "prepare", lambda *a, **k: calls.append(a[0].id) or original(*a, **k))
    from_board = check_upload(
        engine, name, content, board.targets(), quarter=BOARD_QUARTER, board_histories=histories.__getitem__
    )
    assert not prepared_alone.statuses.empty
    assert from_board.statuses.equals(prepared_alone.statuses) and from_board.judged == prepared_alone.judged
    touched = set(calls)
    assert len(calls) == len(touched), "an indicator's history was prepared twice for one preview"
