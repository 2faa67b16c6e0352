"""Where it happens, as the board reads it: the snapshot keeps the area's LSOA map of all recorded
crime (its figures as published, its text alternative, its figure), meeting mode shows it beside its
finding, and every format of the pack carries it, on the real Hackney LSOA extract (2025/26 Q3). A
hidden place never has a number anywhere."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from cspdash.boardpack import build_pack, pack_html, pack_xlsx
from cspdash.meeting import SIDE_HEIGHT, body_html, figure_alt, meeting_figure, screen_html, screens
from cspdash.periods import Quarter
from cspdash.place_pack import PLACE_HEADERS, place_rows, places_records, record
from cspdash.service import Audience, BoardService
from cspdash.snapshot import read_snapshot
from cspdash.store.db import open_store
from tests.test_meeting_screens import JARGON

QUARTER = Quarter.parse("2025/26 Q3")
PLACES = 149  # Hackney's 2021 LSOAs


@pytest.fixture(scope="module")
def board(hackney_places_store):
    return BoardService(open_store(hackney_places_store), Audience.ANALYST).at()


@pytest.fixture(scope="module")
def snapshot(board) -> dict:
    """Hackney's quarter as sign-off would freeze it, read back through the schema (stored as JSON)."""
    return read_snapshot(json.loads(json.dumps(board.snapshot("Hackney", QUARTER))))


@pytest.fixture(scope="module")
def with_hidden(board, snapshot) -> dict:
    """The snapshot with, as its map, a kind of crime whose map hides places (violence against the
    person: many LSOAs with fewer than five in a quarter)."""
    from cspdash import geography
    from cspdash.place_charts import place_figure

    public = BoardService(board.service.engine, Audience.PUBLIC).at()
    for indicator in public.place_indicators("Hackney", "lsoa")[1:]:
        place_map = public.place_map("Hackney", QUARTER, indicator.id)
        if place_map is not None and place_map.hidden_count:
            break
    else:
        pytest.fail("no map of Hackney's LSOAs hides a place")
    fig = place_figure(place_map, geography.lsoa_shapes(place_map.area_code))
    return read_snapshot({**snapshot, "places": [json.loads(json.dumps(record(place_map, QUARTER, fig)))]})


@pytest.fixture(scope="module")
def pdf(snapshot) -> bytes:
    return build_pack(snapshot, "pdf")


@pytest.fixture(scope="module")
def deck(snapshot):
    from pptx import Presentation

    return Presentation(io.BytesIO(build_pack(snapshot, "pptx")))


def test_the_snapshot_keeps_the_lsoa_map_of_all_recorded_crime(board, snapshot):
    records = snapshot["places"]
    assert len(records) == 1
    kept = records[0]
    public = BoardService(board.service.engine, Audience.PUBLIC).at()
    total = public.place_indicators("Hackney", "lsoa")[0]
    place_map = public.place_map("Hackney", QUARTER, total.id)
    assert kept["indicator_id"] == total.id and kept["indicator"] == "All recorded crime"
    assert kept["quarter"] == QUARTER.label and kept["period"].startswith("2025/26 Q3")
    assert len(kept["places"]) == PLACES
    assert kept["finding"] == place_map.finding and kept["method"] == place_map.method
    assert kept["attribution"].startswith("Source: Office for National Statistics")
    assert kept["source"] and kept["hidden_label"]
    assert {p["code"]: p["count"] for p in kept["places"]} == {p.code: p.count for p in place_map.places}
    assert sum(p["hotspot"] for p in kept["places"]) == sum(p.hotspot for p in place_map.places)
    fig = json.loads(kept["chart"])  # plotly JSON, as the London funnels are kept
    assert fig["data"] and fig["layout"]
    for place in kept["places"]:
        if place["count"] is None:
            assert place["rate"] is None and place["band"] == "" and place["change"] == ""


def test_the_map_is_of_the_newest_quarter_the_lsoa_figures_cover_up_to_the_snapshot_s(board):
    public = BoardService(board.service.engine, Audience.PUBLIC).at()
    covered = public.place_quarters("Hackney", "lsoa")
    later = places_records(public, "Hackney", covered[-1].shift(2))
    assert [r["quarter"] for r in later] == [covered[-1].label]
    assert places_records(public, "Hackney", covered[0].shift(-1)) == []
    assert places_records(public, "City of London", QUARTER) == []  # no LSOA figures for the City


def test_a_snapshot_signed_off_before_maps_were_kept_still_reads_and_has_no_such_section(snapshot):
    older = read_snapshot({k: v for k, v in snapshot.items() if k != "places"})
    assert "places" not in older
    assert "Where it happens" not in pack_html(older)
    assert not [s for s in screens(older) if s.key.startswith("places")]
    assert "Where it happens" not in openpyxl.load_workbook(io.BytesIO(pack_xlsx(older))).sheetnames


def test_meeting_mode_shows_the_map_beside_its_finding(snapshot):
    agenda = screens(snapshot)
    keys = [s.key for s in agenda]
    assert "places-0" in keys
    screen = agenda[keys.index("places-0")]
    finding = snapshot["places"][0]["finding"]
    assert screen.title == "Where it happens: All recorded crime" and screen.chart == "places:0"
    lead = re.search(r'<p class="plain">(.*?)</p>', screen.body).group(1)
    assert finding.startswith(lead) and len(lead) > 40  # the finding, its first sentence as the lead
    text = re.sub(r"<[^>]+>", " ", body_html(screen))
    assert " ".join(finding.split()) in " ".join(text.replace("…", "").split()) or "…" in screen.body
    assert figure_alt(snapshot, screen) == finding
    html = screen_html(snapshot, screen, keys.index("places-0") + 1, len(agenda)).lower()
    assert not [j for j in JARGON if j in html] and "φ" not in html and "winsorised" not in html
    fig = meeting_figure(snapshot, screen, height=SIDE_HEIGHT)
    assert fig is not None and fig.layout.height == SIDE_HEIGHT and fig.layout.width is None
    assert any(trace.fill == "toself" for trace in fig.data)  # the LSOAs' polygons
    dark = meeting_figure(snapshot, screen, theme="dark", height=SIDE_HEIGHT)
    assert dark.layout.paper_bgcolor != "white"
    groups = {i["subgroup"] for i in snapshot["indicators"]}
    first_group = next(n for n, s in enumerate(agenda) if s.title.split(" (")[0] in groups)
    assert keys.index("places-0") < first_group  # before the sub-groups, after the exceptions and London


def test_the_pdf_has_the_section_with_the_map_and_its_finding_as_text(pdf, snapshot, tmp_path):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    finding = "".join(snapshot["places"][0]["finding"].split())
    page = next(n for n, text in enumerate(pages) if finding in text)
    assert pages[page].startswith("Whereithappens")  # the section opens the page, the map on it
    assert "Countsofthequarterineach" in pages[page]  # how it was made, as a small note
    assert "OpenGovernmentLicence" in "".join(pages[page : page + 2])

    def flat(items):
        for item in items:
            yield from flat(item) if isinstance(item, list) else [item["/Title"]]

    assert "Where it happens" in list(flat(reader.outline))
    assert "Above the Hackney average beyond chance".replace(" ", "") in pages[page]  # the map's key, as text
    if shutil.which("pdftoppm"):  # the page as a board member sees it
        source = tmp_path / "pack.pdf"
        source.write_bytes(pdf)
        target = Path("/tmp/pack_map")
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-f",
                str(page + 1),
                "-l",
                str(page + 1),
                "-png",
                "-singlefile",
                str(source),
                str(target),
            ],
            check=True,
        )
        assert target.with_suffix(".png").stat().st_size > 20_000


def test_the_slide_shows_the_map_with_the_finding_as_text_and_as_its_alt_text(deck, snapshot):
    from pptx.util import Pt

    finding = snapshot["places"][0]["finding"]
    slides = [
        s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text.startswith("Where it happens")
    ]
    assert len(slides) == 1
    slide = slides[0]
    pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == 1 and pictures[0]._element.nvPicPr.cNvPr.get("descr") == finding
    texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    assert finding in texts
    runs = [r for shape in slide.shapes if shape.has_text_frame for p in shape.text_frame.paragraphs for r in p.runs]
    assert all(run.font.size >= Pt(18) for run in runs if run.text.strip())
    assert pictures[0].top + pictures[0].height <= deck.slide_height
    assert "How this map was made" in slide.notes_slide.notes_text_frame.text


def test_the_workbook_lists_every_place(snapshot):
    book = openpyxl.load_workbook(io.BytesIO(pack_xlsx(snapshot)))
    assert "Where it happens" in book.sheetnames
    rows = list(book["Where it happens"].iter_rows(values_only=True))
    assert rows[0] == PLACE_HEADERS and len(rows) - 1 == PLACES
    counts = {r[3]: r[4] for r in rows[1:]}
    assert counts == {p["code"]: p["count"] for p in snapshot["places"][0]["places"]}
    assert all(isinstance(r[4], int | float) for r in rows[1:])  # numbers as numbers (none hidden here)


def test_a_hidden_place_has_no_number_anywhere(with_hidden):
    kept = with_hidden["places"][0]
    hidden = [p for p in kept["places"] if p["count"] is None]
    assert hidden and all(p["hidden"] for p in hidden)
    label = kept["hidden_label"]
    for place in hidden:
        assert place["rate"] is None and place["band"] == "" and place["change"] == "" and not place["hotspot"]
    # the workbook: the label in the count's place and nothing else about the place
    sheet = openpyxl.load_workbook(io.BytesIO(pack_xlsx(with_hidden)))["Where it happens"]
    rows = {r[3]: r for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert len(rows) == PLACES and [r[:4] for r in place_rows(with_hidden)] == [
        list(r[:4]) for r in list(sheet.iter_rows(values_only=True))[1:]
    ]
    for place in hidden:
        row = rows[place["code"]]
        assert row[4] == label and all(cell in (None, "") for cell in row[5:]), row
        assert not re.search(r"\d", " ".join(str(c) for c in row[4:] if c).replace(label, "")), row
    # the map: a hidden place's hover says the label only
    fig = json.loads(kept["chart"])
    hovers = [text for trace in fig["data"] for text in trace.get("hovertext") or []]
    for place in hidden:
        said = next(text for text in hovers if f"({place['code']})" in text)
        assert "Count" not in said and "Rate" not in said and label.split(" (")[0] in said
    # the screen and the papers' text
    agenda = screens(with_hidden)
    screen = next(s for s in agenda if s.key == "places-0")
    assert figure_alt(with_hidden, screen) == kept["finding"]
    html = pack_html(with_hidden)
    assert "Where it happens" in html and kept["finding"] in html.replace("&#x27;", "'")
    for place in hidden:  # the finding (the text alternative everywhere) speaks of shown places only
        assert not re.search(rf"\b{re.escape(place['name'])}\b", kept["finding"]), place["name"]
