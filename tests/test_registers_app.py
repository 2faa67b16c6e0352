"""The registers' pages through Streamlit's AppTest: viewers read, analysts edit their sub-groups'
items, admins everything, and an edit made from an item someone has since changed is refused."""

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.store import records
from cspdash.store import registers as reg
from cspdash.store.db import open_store
from tests.conftest import ROOT
from tests.streamlit_app import open_page
from tests.tables import as_read
from tests.test_app_roles import AUTH

ROLES = """[roles]
admin = ["chair@hackney.gov.uk"]
analyst = ["@hackney.gov.uk"]
viewer = ["@cityoflondon.gov.uk"]
[subgroups]
vawg = ["jo@hackney.gov.uk"]
"""
HORIZON = dict(category="Legal", horizon="6–18 months", likelihood=4, impact=5)


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    (tmp_path / "roles.toml").write_text(ROLES)
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(tmp_path / "roles.toml"))
    vawg = reg.add_item(engine, "horizon", "chair", "Domestic abuse act duties", subgroup_id="vawg", **HORIZON)
    yj = reg.add_item(engine, "horizon", "chair", "Youth remand funding", subgroup_id="youth_justice", **HORIZON)
    yield engine, vawg, yj
    engine.dispose()


def opened(email: str, url_path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    at.run()
    return open_page(at, url_path).run()


def shown(at: AppTest) -> str:
    return " ".join(frame.value.to_csv() for frame in at.dataframe)


def save(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def test_a_viewer_reads_the_register_but_has_no_form(store):
    at = opened("member@cityoflondon.gov.uk", "horizon")
    assert not at.exception
    assert at.title[0].value == "Horizon scanning"
    assert "Domestic abuse act duties" in shown(at) and "Youth remand funding" in shown(at)
    assert [b.label for b in at.button] == ["Sign out"] and len(at.text_input) == 0
    assert {d.label for d in at.get("download_button")} == {"Horizon scanning (CSV)", "Horizon scanning (Excel)"}


def test_an_analyst_of_vawg_edits_a_vawg_item_but_not_a_youth_justice_one(store):
    engine, vawg, yj = store
    at = opened("jo@hackney.gov.uk", "horizon")
    assert at.selectbox(key="horizon-choice").options == [f"{vawg}: Domestic abuse act duties"]
    assert at.selectbox(key="horizon-new-subgroup").options == ["VAWG and domestic abuse"]
    at.selectbox(key="horizon-choice").set_value(vawg).run()
    at.selectbox(key=f"horizon-{vawg}-v1-likelihood").set_value(2)
    at.selectbox(key=f"horizon-{vawg}-v1-response").set_value("monitor")
    at.multiselect(key=f"horizon-{vawg}-v1-indicators").select("marac_cases")
    at = save(at, f"Save horizon-scanning item {vawg}")
    assert not at.exception and at.success[0].value == "Saved."
    stored = {row["id"]: row for row in reg.items(engine, "horizon")}
    assert (stored[vawg]["likelihood"], stored[vawg]["response"], stored[vawg]["version"]) == (2, "monitor", 2)
    assert stored[vawg]["links"] == {"indicator": ["marac_cases"]} and stored[yj]["version"] == 1
    assert records.audit_entries(engine)["actor"].iloc[0] == "jo@hackney.gov.uk"


def test_an_admin_plans_a_meeting_with_a_timed_agenda(store):
    engine, *_ = store
    at = opened("chair@hackney.gov.uk", "forward_plan")
    at.text_input(key="meeting-new-title").input("Strategic leadership group")
    coming = date.today() + timedelta(days=40)  # a meeting ahead, whenever the test runs
    at.date_input(key="meeting-new-date").set_value(coming)
    at = save(at, "Add the meeting")
    assert not at.exception and "Strategic leadership group" in shown(at)
    at.radio(key="meeting-part").set_value("Agenda item").run()
    at.text_input(key="agenda-new-title").input("Horizon scanning (PESTLE)")
    at.text_input(key="agenda-new-start").input("09:40")
    at.number_input(key="agenda-new-minutes").set_value(20)
    at = save(at, "Add the agenda item")
    assert not at.exception
    assert f"Next meeting: Strategic leadership group, {coming:%A %-d %B %Y}" in as_read(at.subheader[0].value)
    assert "09:40–10:00" in shown(at) and "Horizon scanning (PESTLE)" in shown(at)
    (item,) = reg.items(engine, "agenda")
    assert item["subgroup_id"] is None and item["created_by"] == "chair@hackney.gov.uk"


def test_with_no_meeting_ahead_the_last_meetings_agenda_is_shown_and_said_to_be_the_last(store):
    engine, *_ = store
    held = reg.add_item(engine, "meeting", "chair", "Board", date="2025-05-20", place="Town Hall")
    reg.add_item(engine, "agenda", "chair", "VAWG update", "vawg", held, start="10:30", minutes=20)
    at = opened("member@cityoflondon.gov.uk", "forward_plan")
    assert not at.exception
    assert "No meeting is planned after today" in at.info[0].value
    assert "Last meeting: Board, Tuesday 20 May 2025, Town Hall" in as_read(at.subheader[0].value)
    assert "10:30–10:50" in shown(at)


def test_an_edit_of_an_item_changed_meanwhile_is_refused_and_nothing_changes(store):
    engine, vawg, _ = store
    at = opened("chair@hackney.gov.uk", "horizon")
    at.selectbox(key="horizon-choice").set_value(vawg).run()
    at.text_input(key=f"horizon-{vawg}-v1-title").input("My title")
    reg.update_item(engine, vawg, "sam@hackney.gov.uk", 1, owner="Sam")  # someone else, meanwhile
    at = save(at, f"Save horizon-scanning item {vawg}")
    assert not at.exception
    message = as_read(at.error[0].value)
    assert message.startswith("Not saved: horizon-scanning item") and "changed by sam@hackney.gov.uk" in message
    row = next(r for r in reg.items(engine, "horizon") if r["id"] == vawg)
    assert (row["title"], row["owner"], row["version"]) == ("Domestic abuse act duties", "Sam", 2)


def test_a_mistake_in_a_form_is_one_sentence_and_nothing_is_stored(store):
    engine, *_ = store
    at = opened("chair@hackney.gov.uk", "risks")
    at = save(at, "Add the risk")  # no description, no owner
    assert not at.exception and as_read(at.error[0].value) == "Not saved: Description is required; nothing was changed."
    assert reg.items(engine, "risk") == []


def test_an_analyst_kept_to_a_sub_group_reads_the_forward_plan_but_cannot_add_a_meeting(store):
    engine, *_ = store
    reg.add_item(engine, "meeting", "chair", "Strategic leadership group", date="2027-01-14")
    at = opened("jo@hackney.gov.uk", "forward_plan")
    assert not at.exception and "Strategic leadership group" in shown(at)
    assert "Add the meeting" not in [b.label for b in at.button]
    assert any("Administrators keep the partnership-wide meetings" in c.value for c in at.caption)
    at.radio(key="meeting-part").set_value("Agenda item").run()
    assert at.selectbox(key="agenda-new-subgroup").options == ["VAWG and domestic abuse"]


def test_an_admin_moves_a_horizon_item_to_the_risk_register_through_the_page(store):
    engine, vawg, _ = store
    at = opened("chair@hackney.gov.uk", "horizon")
    at.selectbox(key="horizon-choice").set_value(vawg).run()
    at = save(at, "Move to the risk register")
    assert not at.exception and at.success[0].value.startswith("Saved (number")
    (risk,) = reg.items(engine, "risk")
    assert risk["title"] == "Domestic abuse act duties" and risk["links"]["horizon"] == [str(vawg)]
    at = open_page(at, "risks").run()
    assert "Domestic abuse act duties" in shown(at) and "20 (very high)" in shown(at)


def test_a_decision_is_recorded_against_a_meeting_and_tied_to_an_action(store):
    engine, *_ = store
    meeting = reg.add_item(engine, "meeting", "chair", "Strategic leadership group", date="2027-01-14")
    action = records.add_action(engine, "chair", "Write to the Home Office", "Chair")
    at = opened("chair@hackney.gov.uk", "forward_plan")
    at.radio(key="meeting-part").set_value("Decision").run()
    at.text_input(key="decision-new-title").input("Adopt the PESTLE item")
    at.multiselect(key="decision-new-actions").select(str(action))
    at = save(at, "Add the decision")
    assert not at.exception
    (decided,) = reg.items(engine, "decision")
    assert (decided["parent_id"], decided["links"]) == (meeting, {"action": [str(action)]})
    assert "Adopt the PESTLE item" in shown(at)
