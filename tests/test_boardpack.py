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
    assert book.sheetnames == [
        "Cover",
        "Summary",
        "Exceptions",
        "Against London",
        "Where it happens",  # the sample's LSOA map
        "Returns",
        "Actions",
    ]
    summary = pd.DataFrame(list(book["Summary"].values)[1:], columns=list(book["Summary"].values)[0])
    assert len(summary) == len(rated(store))
    assert COMMENT in summary["Commentary"].tolist()


# ---- papers a board would keep (issue 19) ---------------------------------------------------------

FORBIDDEN = ("p =", "common cause", "moving range", "× more than chance")
ACTION = {"id": 7, "title": "Review robbery hotspots", "owner": "K. Smith", "due_date": "2025-06-30", "status": "open"}


@pytest.fixture(scope="module")
def snapshot(sample_store_url) -> dict:
    """Hackney's 2024/25 Q4 from the figures now, with an open action on its first exception and
    one whose title starts like a formula."""
    from cspdash.boardpack import exceptions
    from data_loaders.publication import published_snapshot

    frozen = published_snapshot(open_store(sample_store_url), "Hackney", QUARTER)
    first = exceptions(frozen)[0]["id"]
    frozen["actions"] = [{**ACTION, "indicator": first}, {**ACTION, "id": 8, "title": "=1+1", "indicator": ""}]
    return frozen


@pytest.fixture(scope="module")
def deck(snapshot):
    from pptx import Presentation

    from cspdash.boardpack import build_pack

    return Presentation(io.BytesIO(build_pack(snapshot, "pptx")))


@pytest.fixture(scope="module")
def printed(snapshot):
    from pypdf import PdfReader

    from cspdash.boardpack import build_pack

    return PdfReader(io.BytesIO(build_pack(snapshot, "pdf")))


def squeeze(text: str) -> str:
    return "".join(text.split())


def shape_runs(shape):
    """Every text run of a shape: its text frame's or its table cells'."""
    frames = [shape.text_frame] if shape.has_text_frame else []
    if shape.has_table:
        frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
    return [run for frame in frames for paragraph in frame.paragraphs for run in paragraph.runs]


def exception_slides(deck, snapshot) -> list:
    from cspdash.boardpack import exceptions
    from cspdash.snapshot import status_of

    titles = {f"{status_of(i).shape} {status_of(i).word}: {i['name']}" for i in exceptions(snapshot)}
    slides = [s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text in titles]
    assert len(slides) == len(titles)
    return slides


def test_exception_slides_are_readable_from_the_back_of_the_room(deck, snapshot):
    from pptx.util import Inches, Pt

    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    for slide in exception_slides(deck, snapshot):
        runs = [run for shape in slide.shapes for run in shape_runs(shape) if run.text.strip()]
        assert runs and all(run.font.size is not None and run.font.size >= Pt(18) for run in runs), (
            slide.shapes.title.text
        )
        notes = slide.notes_slide.notes_text_frame.text
        assert "How this was judged" in notes and "Definition" in notes
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
        assert len(pictures) == 1 and pictures[0].width >= Inches(12)  # the chart across the slide
        alt = pictures[0]._element.nvPicPr.cNvPr.get("descr", "")
        assert len(alt) > 20 and not alt.lower().endswith((".png", ".jpg", ".svg")), alt
    first_slide = exception_slides(deck, snapshot)[0]
    assert "Review robbery hotspots" in " ".join(
        shape.text_frame.text for shape in first_slide.shapes if shape.has_text_frame
    )


def test_titles_are_centred_across_the_slide_and_statuses_carry_shape_word_and_colour(deck):
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    for slide in deck.slides:
        title = slide.shapes.title
        assert title.width >= Inches(12.5) and abs(title.left + title.width / 2 - deck.slide_width / 2) < Inches(0.05)
        assert all(p.alignment == PP_ALIGN.CENTER for p in title.text_frame.paragraphs)
    statuses = [
        cell
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_table
        for row in list(shape.table.rows)[1:]
        for cell in row.cells
        if cell.text in {"◆ Red", "▲ Amber", "◇ Unusual", "● Green", "— No signal", "○ Not rated"}
    ]
    assert statuses and all(cell.fill.fore_color.rgb is not None for cell in statuses)


def test_the_summary_matrix_counts_red_first_and_lists_every_indicator_exceptions_first(deck, snapshot):
    from cspdash.boardpack import exceptions

    summary = [s for s in deck.slides if s.shapes.title.text.startswith("Summary")]
    counts = [shape.text_frame.text for shape in summary[0].shapes if shape.has_text_frame][1:7]
    assert [c.split()[-1] if "No" not in c and "Not" not in c else " ".join(c.split()[-2:]) for c in counts] == [
        "Red",
        "Amber",
        "Unusual",
        "Green",
        "No signal",
        "Not rated",
    ]
    rows = [
        [cell.text for cell in row.cells]
        for slide in summary
        for shape in slide.shapes
        if shape.has_table
        for row in list(shape.table.rows)[1:]
    ]
    assert [r[0] for r in rows] == [i["name"] for i in exceptions(snapshot)] + [
        i["name"] for i in snapshot["indicators"] if not i["exception"]
    ]
    assert rows[0][:3] == [
        exceptions(snapshot)[0]["name"],
        exceptions(snapshot)[0]["figure"],
        exceptions(snapshot)[0]["target"] or "–",
    ]


def test_no_statistics_in_the_papers(deck, printed, snapshot):
    from cspdash.boardpack import pack_xlsx

    texts = [run.text for slide in deck.slides for shape in slide.shapes for run in shape_runs(shape)]
    texts += [slide.notes_slide.notes_text_frame.text for slide in deck.slides if slide.has_notes_slide]
    texts += [page.extract_text() for page in printed.pages]
    book = openpyxl.load_workbook(io.BytesIO(pack_xlsx(snapshot)))
    texts += [str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    everything = " ".join(" ".join(texts).split()).lower()
    for forbidden in FORBIDDEN:
        assert forbidden not in everything, forbidden


def test_no_table_row_of_the_pdf_crosses_a_page_and_its_charts_are_vector(printed, snapshot):
    from cspdash.boardpack import CHART_TEXT, CHART_WIDTH, pack_figures

    pages = [squeeze(page.extract_text()) for page in printed.pages]
    summary = next(n for n, page in enumerate(pages) if page.startswith("Summary"))
    for indicator in snapshot["indicators"]:  # the summary matrix: a row's name and its status's meaning together
        name, plain = squeeze(indicator["name"]), squeeze(indicator["plain"])
        first = next(n for n in range(summary, len(pages)) if name in pages[n])
        assert plain in pages[first].split(name, 1)[1], indicator["name"]
    assert all(not page.images for page in printed.pages)  # no bitmaps: the charts are SVG, drawn as vectors
    assert any("Usualupsanddowns" in page for page in pages)  # a chart's legend, as text
    for fig in pack_figures(snapshot, "pdf").values():  # tick labels ≥ 10 pt across 182 mm of A4
        assert fig.layout.width == CHART_WIDTH and fig.layout.xaxis.tickfont.size >= CHART_TEXT
        assert fig.layout.yaxis.tickfont.size / CHART_WIDTH * 182 / 25.4 * 72 >= 10


def test_the_stamp_says_the_period_covered_and_when_it_was_loaded(snapshot):
    from cspdash.boardpack import stamp

    line = stamp(snapshot)
    assert line.startswith("Data as at 31 March 2025 (2024/25 Q4: 1 January to 31 March 2025)"), line
    loaded = date.fromisoformat(snapshot["data_as_at"][:10])
    assert f"as loaded by {loaded:%-d %b %Y}" in line and line.endswith("DRAFT — not signed off")
    assert "\n" not in line and f"{date.today():%-d %b %Y}" not in line.split("as loaded by")[0]


def test_the_excel_tables_hold_numbers_as_numbers_with_headers_in_words(snapshot):
    from cspdash.boardpack import pack_xlsx

    book = openpyxl.load_workbook(io.BytesIO(pack_xlsx({**snapshot, "actions": []})))
    summary = book["Summary"]
    headers = [cell.value for cell in summary[1]]
    figures = [row[headers.index("Figure")] for row in summary.iter_rows(min_row=2)]
    for cell, indicator in zip(figures, snapshot["indicators"], strict=True):
        if indicator["figure_value"] is None:
            assert cell.value in (None, indicator["figure"])  # a hidden figure: its published marker
        else:
            assert isinstance(cell.value, int | float) and cell.number_format in (
                "#,##0",
                "#,##0.0",
                '0.0"%"',
                "£#,##0",
            )
    changes = [row[headers.index("Change on a year earlier")].value for row in summary.iter_rows(min_row=2)]
    assert all(v is None or isinstance(v, float | int) for v in changes)
    statuses = {row[headers.index("Status")].value for row in summary.iter_rows(min_row=2)}
    assert statuses <= {"Red", "Amber", "Unusual", "Green", "No signal", "Not rated"}
    assert [c.value for c in book["Returns"][1]] == ["Return", "Status", "Due", "Received"]
    assert [c.value for c in book["Actions"][1]] == ["No.", "Action", "Owner", "Due", "Status", "Indicator", "Did it work?"]
    for sheet in book.worksheets[1:]:
        assert all(not str(h).islower() or " " in str(h) for h in next(sheet.values)), sheet.title
        assert all(sheet.column_dimensions[c].width for c in "ABCD"), sheet.title
    texts = [c for row in summary.iter_rows(min_row=2, values_only=True) for c in row if isinstance(c, str)]
    assert not any(t.startswith("'") and t[1:2].isdigit() or t[:2] in ("'+", "'-") for t in texts)


def test_formula_like_text_in_the_excel_tables_is_neutralised(snapshot):
    from cspdash.boardpack import pack_xlsx

    book = openpyxl.load_workbook(io.BytesIO(pack_xlsx(snapshot)))
    titles = [row[1] for row in book["Actions"].iter_rows(min_row=2, values_only=True)]
    assert "'=1+1" in titles and "Review robbery hotspots" in titles
    due = next(book["Actions"].iter_rows(min_row=2))[3]
    assert due.is_date
