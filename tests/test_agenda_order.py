"""Meeting mode and the board pack follow the meeting's agenda: the forward plan's meeting for the
quarter opens with its timed agenda, and the sub-groups come in the order the agenda takes them."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from cspdash import boardpack, registers
from cspdash.meeting import screens
from cspdash.periods import Quarter
from cspdash.service import Audience, BoardService
from cspdash.store import registers as stored
from cspdash.store.db import open_store
from tests.test_meeting_screens import indicator, snapshot


def agenda() -> dict:
    return {
        "meeting": "Community Safety Partnership Board",
        "date": "2025-05-20",
        "place": "Hackney Town Hall",
        "items": [
            {
                "times": "10:00–10:10",
                "title": "Welcome",
                "lead": "Chair",
                "purpose": "information",
                "paper": "",
                "subgroup": "",
            },
            {
                "times": "10:10–10:30",
                "title": "VAWG update",
                "lead": "VAWG lead",
                "purpose": "assurance",
                "paper": "Paper B",
                "subgroup": "VAWG",
            },
            {
                "times": "10:30–10:50",
                "title": "Youth justice performance",
                "lead": "YJS head",
                "purpose": "discussion",
                "paper": "Paper C",
                "subgroup": "Youth Justice",
            },
        ],
    }


def two_subgroups(with_agenda: bool) -> dict:
    indicators = [indicator(1), indicator(2, subgroup="VAWG"), indicator(3, subgroup="Serious Violence")]
    shown = snapshot(indicators)
    if with_agenda:
        shown["agenda"] = agenda()
    return shown


def test_without_a_meeting_planned_the_sub_groups_keep_the_catalogue_order_and_there_is_no_agenda():
    titles = [s.title for s in screens(two_subgroups(False))]
    assert titles[0].endswith("summary")
    assert "Agenda" not in titles
    assert titles.index("Youth Justice") < titles.index("VAWG") < titles.index("Serious Violence")


def test_meeting_mode_opens_with_the_timed_agenda_and_takes_the_sub_groups_in_its_order():
    shown = screens(two_subgroups(True))
    titles = [s.title for s in shown]
    assert titles[0] == "Agenda" and titles[1].endswith("summary")
    assert "10:10–10:30" in shown[0].body and "VAWG update" in shown[0].body and "Hackney Town Hall" in shown[0].body
    assert titles.index("VAWG") < titles.index("Youth Justice") < titles.index("Serious Violence")


def test_the_pack_has_the_agenda_first_and_its_sections_in_the_agenda_order(sample_store_url):
    engine = open_store(sample_store_url)
    shown = dict(BoardService(engine, Audience.PUBLIC).at().draft("Hackney", Quarter(2024, 4)))
    shown["agenda"] = agenda() | {"items": [*agenda()["items"][:1], *agenda()["items"][1:]]}
    shown["agenda"]["items"][1]["subgroup"] = "VAWG and domestic abuse"
    html = boardpack.pack_html(shown)
    assert html.index("<h2>Agenda</h2>") < html.index("<h2>Summary</h2>")
    assert html.index("<h2>VAWG and domestic abuse</h2>") < html.index("<h2>Youth Justice</h2>")
    assert "Paper B" in html
    book = load_workbook(io.BytesIO(boardpack.pack_xlsx(shown)))
    assert book.sheetnames[1] == "Agenda"
    assert [c.value for c in book["Agenda"][2]][:2] == ["10:00–10:10", "Welcome"]


def test_the_snapshot_takes_the_agenda_of_the_meeting_that_reviews_the_quarter(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    first = stored.add_item(engine, "meeting", "admin@x", "Board", date="2025-05-20", place="Town Hall")
    stored.add_item(engine, "meeting", "admin@x", "Board", date="2025-11-18", place="Town Hall")
    stored.add_item(engine, "agenda", "admin@x", "VAWG update", "vawg", first, start="10:30", minutes=20)
    stored.add_item(engine, "agenda", "admin@x", "Youth justice", "youth_justice", first, start="10:00", minutes=30)
    board = BoardService(engine, Audience.PUBLIC).at()
    meeting = registers.reviewing(board.meetings(), Quarter(2024, 4).end)
    assert meeting is not None and meeting.date == date(2025, 5, 20)
    record = registers.agenda_record(meeting, {s.id: s.name for s in board.catalogue.subgroups})
    assert [i["title"] for i in record["items"]] == ["Youth justice", "VAWG update"]
    assert record["items"][0]["times"] == "10:00–10:30"
    assert registers.reviewing(board.meetings(), Quarter(2025, 2).end).date == date(2025, 11, 18)
    assert registers.reviewing(board.meetings(), Quarter(2026, 1).end) is None  # no meeting planned for it
