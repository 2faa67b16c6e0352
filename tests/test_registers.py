"""The partnership's registers in the store and at the board service: created, edited only from the
version seen, linked, moved from horizon scanning to risks, exported, backed up and restored, audited,
and edited only by whom the roles allow (SQLite and PostgreSQL)."""

import io
from datetime import date, time

import openpyxl
import pandas as pd
import pytest

from cspdash.access import Person, Role, load_subgroup_rules, person_from_claims
from cspdash.backup import backup, restore
from cspdash.exports import csv_bytes, xlsx_bytes
from cspdash.registers import AgendaItem, HorizonItem, Meeting, Risk, band, next_meeting
from cspdash.service import Audience, BoardService
from cspdash.store import records
from cspdash.store import registers as reg
from cspdash.store.db import create_store_engine
from tests.conftest import _fresh_postgres

HORIZON = dict(category="Legal", horizon="6–18 months", likelihood=4, impact=5, owner="Head of CS")


def board(engine):
    return BoardService(engine, Audience.PUBLIC).at()


def add_horizon(engine, **overrides):
    fields = {**HORIZON, **overrides}
    title = fields.pop("title", "New duty to collaborate on serious violence")
    subgroup = fields.pop("subgroup_id", "vawg")
    return reg.add_item(engine, "horizon", "jo@hackney.gov.uk", title, subgroup_id=subgroup, **fields)


def test_a_horizon_item_is_created_and_read_back_as_a_typed_record(fresh_db):
    number = add_horizon(fresh_db, review_date="2026-12-01", links={"indicator": ["marac_cases"]})
    (item,) = board(fresh_db).register("horizon")
    assert isinstance(item, HorizonItem)
    assert (item.id, item.version, item.category, item.horizon) == (number, 1, "Legal", "6–18 months")
    assert (item.likelihood, item.impact, item.score, item.response) == (4, 5, 20, "note")
    assert item.review_date == date(2026, 12, 1) and item.review_due(date(2026, 12, 7))
    assert item.indicators == ("marac_cases",) and item.subgroup_id == "vawg"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"category": "Spiritual"}, "PESTLE category 'Spiritual' is not one of: Political, Economic"),
        ({"likelihood": 6}, "Likelihood (1–5) must be a whole number from 1 to 5, not '6'"),
        ({"impact": "high"}, "Impact (1–5) must be a whole number from 1 to 5, not 'high'"),
        ({"review_date": "31/12/2026"}, "Review date '31/12/2026' is not a date written as YYYY-MM-DD"),
        ({"horizon": ""}, "Horizon is required"),
        ({"colour": "red"}, "has no field 'colour'"),
        ({"links": {"indicator": ["no_such"]}}, "there is no indicator 'no_such'"),
        ({"links": {"action": ["1"]}}, "a horizon-scanning item cannot link to an action"),
        ({"subgroup_id": "knitting"}, "there is no sub-group 'knitting'"),
        ({"title": " "}, "What is coming is required"),
    ],
)
def test_each_mistake_is_one_sentence_and_nothing_is_stored(fresh_db, change, words):
    with pytest.raises(reg.RegisterError, match=words.replace("(", r"\(").replace(")", r"\)")) as refused:
        add_horizon(fresh_db, **change)
    assert "\n" not in str(refused.value)
    assert reg.items(fresh_db, "horizon") == [] and records.audit_entries(fresh_db).empty


def test_an_edit_raises_the_version_and_a_stale_edit_is_refused_changing_nothing(fresh_db):
    number = add_horizon(fresh_db)
    reg.update_item(fresh_db, number, "sam@hackney.gov.uk", 1, likelihood=2, response="monitor")
    (item,) = board(fresh_db).register("horizon")
    assert (item.version, item.likelihood, item.response, item.updated_by) == (2, 2, "monitor", "sam@hackney.gov.uk")
    with pytest.raises(reg.RegisterError, match="was changed by sam@hackney.gov.uk since you opened it"):
        reg.update_item(fresh_db, number, "jo@hackney.gov.uk", 1, likelihood=5, title="Mine")
    assert board(fresh_db).register("horizon") == (item,)
    assert reg.update_item(fresh_db, number, "jo@hackney.gov.uk", 2, likelihood=2) is False  # nothing differs
    assert board(fresh_db).register("horizon") == (item,)
    log = records.audit_entries(fresh_db)
    assert list(log["action"]) == ["register", "register"]
    assert "changed horizon-scanning item" in log["detail"].iloc[0] and "likelihood 4 → 2" in log["detail"].iloc[0]


def test_links_to_indicators_subgroups_and_actions(fresh_db):
    action = records.add_action(fresh_db, "jo@hackney.gov.uk", "Review MARAC capacity", "Jo")
    number = reg.add_item(
        fresh_db, "risk", "jo@hackney.gov.uk", "MARAC over capacity", subgroup_id="vawg", owner="Jo",
        inherent_likelihood=4, inherent_impact=4, residual_likelihood=3, residual_impact=4,
    )  # fmt: skip
    reg.set_links(fresh_db, number, "jo@hackney.gov.uk", 1, {"indicator": ["marac_repeat"], "action": [action]})
    reg.set_links(fresh_db, number, "jo@hackney.gov.uk", 2, {"subgroup": ["vawg", "serious_violence"]})
    (risk,) = board(fresh_db).register("risk")
    assert isinstance(risk, Risk) and risk.version == 3
    assert (risk.indicators, risk.actions, risk.subgroups) == (
        ("marac_repeat",),
        (action,),
        ("serious_violence", "vawg"),
    )
    assert (risk.inherent_score, risk.residual_score, risk.band) == (16, 12, "high")
    with pytest.raises(reg.RegisterError, match="there is no action '999'"):
        reg.set_links(fresh_db, number, "jo@hackney.gov.uk", 3, {"action": ["999"]})
    assert board(fresh_db).register("risk") == (risk,)


def test_bands_in_plain_english():
    assert [band(s) for s in (1, 4, 5, 9, 10, 14, 15, 25)] == ["low"] * 2 + ["medium"] * 2 + ["high"] * 2 + [
        "very high"
    ] * 2


def test_a_horizon_item_moved_to_the_risk_register_becomes_a_risk_linked_back(fresh_db):
    number = add_horizon(fresh_db, links={"indicator": ["marac_cases"]})
    risk_id = reg.move_to_risks(fresh_db, number, "jo@hackney.gov.uk", 1)
    (risk,) = board(fresh_db).register("risk")
    (item,) = board(fresh_db).register("horizon")
    assert risk.id == risk_id and risk.horizon_items == (number,) and risk.indicators == ("marac_cases",)
    assert (risk.inherent_score, risk.residual_score, risk.owner, risk.status) == (20, 20, "Head of CS", "open")
    assert item.risks == (risk_id,) and item.response == "move to the risk register" and item.version == 2
    with pytest.raises(reg.RegisterError, match="since you opened it"):
        reg.move_to_risks(fresh_db, number, "jo@hackney.gov.uk", 1)
    assert len(board(fresh_db).register("risk")) == 1


def add_meeting(engine):
    meeting = reg.add_item(
        engine, "meeting", "chair", "Strategic leadership group", date="2027-01-14", place="Town hall"
    )
    first = reg.add_item(engine, "agenda", "chair", "Horizon scanning (PESTLE)", parent_id=meeting, start="10:00",
                         minutes=20, lead="Head of CS", purpose="assurance", paper="Paper A")  # fmt: skip
    second = reg.add_item(engine, "agenda", "chair", "VAWG update", parent_id=meeting, subgroup_id="vawg",
                          start="09:30", minutes=30, purpose="information")  # fmt: skip
    return meeting, first, second


def test_a_meeting_has_a_timed_agenda_and_a_decisions_log_tied_to_actions(fresh_db):
    meeting, first, second = add_meeting(fresh_db)
    action = records.add_action(fresh_db, "chair", "Write to the Home Office", "Chair")
    decided = reg.add_item(fresh_db, "decision", "chair", "Adopt the PESTLE item", parent_id=meeting,
                           links={"action": [str(action)]})  # fmt: skip
    at = board(fresh_db)
    (built,) = at.meetings()
    assert isinstance(built, Meeting) and (built.date, built.place) == (date(2027, 1, 14), "Town hall")
    assert [a.id for a in at.agenda(meeting)] == [second, first]  # in time order
    assert all(isinstance(a, AgendaItem) for a in built.agenda)
    assert [(a.start, a.end) for a in built.agenda] == [(time(9, 30), time(10, 0)), (time(10, 0), time(10, 20))]
    assert [a.times for a in built.agenda] == ["09:30–10:00", "10:00–10:20"]
    assert [(d.id, d.actions) for d in built.decisions] == [(decided, (action,))]
    assert (
        next_meeting(at.meetings(), date(2026, 12, 7)) == built
        and next_meeting(at.meetings(), date(2027, 2, 1)) is None
    )
    with pytest.raises(reg.RegisterError, match="an agenda item belongs to a meeting: there is no meeting 999"):
        reg.add_item(fresh_db, "agenda", "chair", "Stray", parent_id=999, start="10:00", minutes=5)
    with pytest.raises(reg.RegisterError, match="Start time \\(HH:MM\\) '25:00' is not a time"):
        reg.add_item(fresh_db, "agenda", "chair", "Late", parent_id=meeting, start="25:00", minutes=5)


def test_export_csv_and_xlsx_hold_the_register_with_formulas_neutralised(fresh_db):
    add_horizon(fresh_db, title='=HYPERLINK("http://x")', links={"indicator": ["marac_cases", "marac_rate"]})
    table = reg.frame(fresh_db, "horizon")
    assert list(table.columns[:4]) == ["id", "title", "subgroup", "category"]
    read = pd.read_csv(io.BytesIO(csv_bytes(table)))
    assert read.loc[0, "linked indicators"] == "marac_cases; marac_rate"
    assert read.loc[0, "title"].startswith("'=") and read.loc[0, "likelihood"] == 4
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(table, "horizon"))).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("id", "title", "subgroup") and rows[1][1].startswith("'=") and rows[1][2] == "vawg"


def test_backup_then_restore_into_an_empty_store_gives_identical_registers(fresh_db, store_url, tmp_path):
    add_horizon(fresh_db, links={"indicator": ["marac_cases"]})
    add_meeting(fresh_db)
    reg.move_to_risks(fresh_db, 1, "jo@hackney.gov.uk", 1)
    names = ("horizon", "risk", "meeting", "agenda", "decision")
    before = {name: reg.items(fresh_db, name) for name in names}
    typed = (board(fresh_db).register("horizon"), board(fresh_db).register("risk"), board(fresh_db).meetings())
    archive = backup(fresh_db, "admin")
    fresh_db.dispose()
    target = f"sqlite:///{tmp_path / 'restored.db'}" if store_url.startswith("sqlite") else _fresh_postgres(store_url)
    copy = create_store_engine(target)
    restore(copy, archive)
    assert {name: reg.items(copy, name) for name in names} == before
    assert (board(copy).register("horizon"), board(copy).register("risk"), board(copy).meetings()) == typed
    number = reg.add_item(copy, "meeting", "chair", "After restore", date="2027-02-01")  # ids continue
    assert number > max(row["id"] for rows in before.values() for row in rows)
    copy.dispose()


def analyst(*subgroups):
    return Person("jo@hackney.gov.uk", Role.ANALYST, subgroups=frozenset(subgroups) if subgroups else None)


def test_who_may_edit_which_sub_groups_items():
    viewer, admin, vawg, every = Person("v@x", Role.VIEWER), Person("a@x", Role.ADMIN), analyst("vawg"), analyst()
    assert [viewer.may_edit_subgroup(s) for s in ("vawg", None)] == [False, False]
    assert [admin.may_edit_subgroup(s) for s in ("vawg", "youth_justice", None)] == [True, True, True]
    assert [vawg.may_edit_subgroup(s) for s in ("vawg", "youth_justice", None)] == [True, False, False]
    assert [every.may_edit_subgroup(s) for s in ("vawg", "youth_justice", None)] == [True, True, True]


def test_the_roles_file_gives_an_analyst_their_sub_groups(tmp_path):
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\nanalyst = ["@hackney.gov.uk"]\n[subgroups]\nvawg = ["Jo@hackney.gov.uk"]\n')
    rules = load_subgroup_rules(roles)
    claims = {"email": "jo@hackney.gov.uk", "email_verified": True}
    jo = person_from_claims(claims, {"@hackney.gov.uk": Role.ANALYST}, set(), rules)
    sam = person_from_claims({**claims, "email": "sam@hackney.gov.uk"}, {"@hackney.gov.uk": Role.ANALYST}, set(), rules)
    assert jo.subgroups == frozenset({"vawg"}) and sam.subgroups is None


def test_the_store_refuses_a_change_to_a_sub_group_the_person_may_not_edit(fresh_db):
    may_edit = analyst("vawg").may_edit_subgroup
    number = add_horizon(fresh_db, subgroup_id="youth_justice")
    with pytest.raises(reg.RegisterError, match="you may not change the youth_justice sub-group's horizon-scanning"):
        reg.update_item(fresh_db, number, "jo@hackney.gov.uk", 1, may_edit=may_edit, likelihood=1)
    mine = add_horizon(fresh_db)
    with pytest.raises(reg.RegisterError, match="you may not change the youth_justice"):
        reg.update_item(fresh_db, mine, "jo@hackney.gov.uk", 1, may_edit=may_edit, subgroup_id="youth_justice")
    with pytest.raises(reg.RegisterError, match="you may not change partnership-wide meetings"):
        reg.add_item(fresh_db, "meeting", "jo", "SLG", may_edit=may_edit, date="2027-01-14")
    reg.update_item(fresh_db, mine, "jo@hackney.gov.uk", 1, may_edit=may_edit, likelihood=1)
    assert [i.likelihood for i in board(fresh_db).register("horizon")] == [4, 1]


def test_the_next_meetings_agenda_gives_the_order_of_its_sub_groups(fresh_db):
    meeting, *_ = add_meeting(fresh_db)
    reg.add_item(fresh_db, "agenda", "chair", "Youth justice", parent_id=meeting, subgroup_id="youth_justice",
                 start="09:00", minutes=15)  # fmt: skip
    reg.add_item(fresh_db, "agenda", "chair", "VAWG again", parent_id=meeting, subgroup_id="vawg", start="11:00",
                 minutes=10)  # fmt: skip
    coming = board(fresh_db).next_meeting(date(2026, 12, 7))
    assert coming.id == meeting and coming.subgroup_order == ("youth_justice", "vawg")
    assert board(fresh_db).next_meeting(date(2027, 1, 15)) is None
