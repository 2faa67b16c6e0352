"""The board pack and sign-off, as the board's secretary uses them: `python -m data_loaders boardpack`
gives PDF, PowerPoint and Excel papers from the signed-off snapshot; a later upload does not change them."""

import io
import shutil
import subprocess
import sys
from datetime import date

import openpyxl
import pandas as pd
import pytest

from cspdash.completeness import board_quarter
from cspdash.periods import Quarter
from cspdash.store import records
from cspdash.store.db import open_store
from data_loaders.ingest import ingest_files
from tests.conftest import ROOT

QUARTER = Quarter.parse("2024/25 Q4")
COMMENT = "Accommodation checks moved to the new panel in January."
RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


@pytest.fixture
def store(sample_store_url, tmp_path) -> str:
    target = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    records.save_commentary(
        open_store(url), "yj_kpi1_accommodation", "Hackney", QUARTER, COMMENT, "lead@hackney.gov.uk"
    )
    return url


def pack(store: str, fmt: str, tmp_path) -> bytes:
    out = tmp_path / f"pack.{fmt}"
    done = cli(
        "boardpack", "--db", store, "--area", "Hackney", "--quarter", QUARTER.label, "--format", fmt, "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def rated(store: str) -> list[dict]:
    """Every indicator of the quarter with its status, as the `board` command gives them."""
    import json

    done = cli("board", "--db", store, "--area", "Hackney", "--quarter", QUARTER.label, "--format", "json")
    return [row for row in json.loads(done.stdout)]


def test_the_pdf_pack_has_every_indicator_with_its_status_and_the_commentary(store, tmp_path):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pack(store, "pdf", tmp_path)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Data as at" in text and "DRAFT — not signed off" in text
    squeezed = "".join(text.split())  # a long name wraps across lines in the table
    for row in rated(store):
        assert "".join(row["indicator"].split()) in squeezed, row["indicator"]
        assert row["status"] in text
    assert "".join(COMMENT.split()) in squeezed
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged: headings are headings

    def flat(items):
        for item in items:
            yield from flat(item) if isinstance(item, list) else [item["/Title"]]

    titles = list(flat(reader.outline))  # the PDF's bookmarks, from the headings
    assert any("Summary" in t for t in titles) and any("Exceptions" in t for t in titles)
    assert len(reader.pages) > 5


def slide_texts(data: bytes) -> list[str]:
    """Every text on a deck's slides: text boxes and table cells."""
    from pptx import Presentation

    texts = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return texts


def test_the_powerpoint_pack_has_one_slide_per_agenda_item_and_every_indicator(store, tmp_path):
    from pptx import Presentation

    data = pack(store, "pptx", tmp_path)
    deck = Presentation(io.BytesIO(data))
    text = " ".join(slide_texts(data))
    titles = [slide.shapes.title.text for slide in deck.slides if slide.shapes.title is not None]
    assert titles[1].startswith("Summary") and "Open actions" in titles and "Returns and data quality" in titles
    for row in rated(store):
        assert row["indicator"] in text and row["status"] in text
    assert COMMENT in text
    pictures = sum(shape.shape_type == 13 for slide in deck.slides for shape in slide.shapes)
    assert pictures >= 1  # the exceptions' SPC charts


def test_a_later_upload_after_sign_off_does_not_change_the_pack(store, tmp_path):
    from data_loaders.publication import published_snapshot
    from tests.test_app_roles import revised

    engine = open_store(store)
    records.sign_off(engine, "Hackney", QUARTER, "chair@hackney.gov.uk", published_snapshot(engine, "Hackney", QUARTER))
    before = pd.read_excel(io.BytesIO(pack(store, "xlsx", tmp_path)), sheet_name=None, engine="calamine")
    custody = lambda rows: next(r for r in rows if r["indicator"] == "Custodial sentences")["value"]  # noqa: E731
    shown_before = custody(rated(store))

    later = tmp_path / "2024-25_Q4_hackney_youth_justice_revised.xlsx"
    later.write_bytes(revised(40))
    ingest_files(engine, [later], submitted_by="analyst@hackney.gov.uk")
    assert custody(rated(store)) == "40" != shown_before  # the store has moved on

    after = pd.read_excel(io.BytesIO(pack(store, "xlsx", tmp_path)), sheet_name=None, engine="calamine")
    for sheet in ("Summary", "Exceptions", "Returns", "Actions"):
        pd.testing.assert_frame_equal(before[sheet], after[sheet])
    cover = " ".join(after["Cover"].astype(str).stack().tolist() + list(after["Cover"].columns))
    assert "signed off by chair@hackney.gov.uk" in cover


def test_the_default_quarter_is_never_one_an_early_upload_has_started(sample_store_url):
    """The City's VAWG return for 2024/25 Q4 is missing in the sample: its board view defaults to Q3."""
    from cspdash.catalogue import load_catalogue
    from data_loaders.kinds import return_kinds

    catalogue = load_catalogue()
    expected = {k.id: (catalogue.subgroup(k.subgroup).name, k.due_days) for k in return_kinds().values()}
    engine = open_store(sample_store_url)
    today = date(2025, 6, 30)
    assert board_quarter(engine, "Hackney", expected, today) == QUARTER
    assert board_quarter(engine, "City of London", expected, today) == QUARTER.shift(-1)


def test_a_signed_off_quarter_is_the_default(store):
    from cspdash.catalogue import load_catalogue
    from data_loaders.kinds import return_kinds

    catalogue = load_catalogue()
    expected = {k.id: (catalogue.subgroup(k.subgroup).name, k.due_days) for k in return_kinds().values()}
    engine = open_store(store)
    earlier = QUARTER.shift(-2)
    records.sign_off(engine, "Hackney", earlier, "chair@hackney.gov.uk", {"area": "Hackney", "quarter": earlier.label})
    assert board_quarter(engine, "Hackney", expected, date(2025, 6, 30)) == earlier
    assert records.signed_off(engine, "Hackney", earlier)["signed_off_by"] == "chair@hackney.gov.uk"


def test_the_excel_pack_holds_the_underlying_tables(store, tmp_path):
    book = openpyxl.load_workbook(io.BytesIO(pack(store, "xlsx", tmp_path)))
    assert book.sheetnames == ["Cover", "Summary", "Exceptions", "Returns", "Actions"]
    summary = pd.DataFrame(list(book["Summary"].values)[1:], columns=list(book["Summary"].values)[0])
    assert len(summary) == len(rated(store))
    assert COMMENT in summary["Commentary"].tolist()
