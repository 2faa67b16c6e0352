"""The analyst's upload flow, withdrawal, and who may reach what — through Streamlit's AppTest."""

import io
import shutil

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.periods import Quarter
from cspdash.store.db import open_store
from cspdash.store.queries import observation_count, tidy_export
from data_loaders.__main__ import public_board
from tests.conftest import ROOT
from tests.streamlit_app import open_page
from tests.tables import as_read, html_tables, row_for

RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@pytest.fixture
def store_copy(sample_store_url, tmp_path, monkeypatch):
    """A private copy of the sample store, so that uploads and withdrawals do not leak between tests."""
    source = sample_store_url.removeprefix("sqlite:///")
    target = tmp_path / "store.db"
    shutil.copy(source, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    roles = tmp_path / "roles.toml"
    roles.write_text(
        '[roles]\nadmin = ["chair@hackney.gov.uk"]\nanalyst = ["@hackney.gov.uk"]\nviewer = ["@cityoflondon.gov.uk"]\n'
    )
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))
    return url


def app(email: str | None = None, logged_in: bool = True, **claims) -> AppTest:
    """The app as a person sees it: signed in through OIDC with these claims (the provider vouching
    for the address unless told otherwise), or in local mode when no e-mail is given."""
    at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=90)
    if email is not None or not logged_in:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": logged_in, "email": email or "", "email_verified": True, **claims}
    return at.run()


def revised(value, **cells) -> bytes:
    """The sample's Hackney YJ return with custody (E11) at `value`, and any other cells as given."""
    book = openpyxl.load_workbook(RETURN)
    book["Return"]["E11"] = value
    for cell, other in cells.items():
        book["Return"][cell] = other
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def withdraw(at: AppTest, submission: int, reason: str, changed_meanwhile=None) -> AppTest:
    """Choose a submission, type why, (let something else happen,) then click its Withdraw button."""
    at.selectbox(key="withdraw_choice").select(submission).run()
    at.text_input(key=f"withdraw-reason-{submission}").input(reason)
    if changed_meanwhile:
        changed_meanwhile()
    return next(b for b in at.button if b.label == f"Withdraw submission {submission}").click().run()


def custody_shown(at: AppTest) -> str:
    at.switch_page("../pages/overview.py").run()
    tables = [t for html in at.html for t in html_tables(html.value)]
    row = row_for(tables[0], "Custodial sentences")
    return row["Figure"] if "Figure" in row else row["2024/25 Q4"]  # the overview's table names its column either way


def test_upload_preview_confirm_and_the_figure_appears_on_the_overview(store_copy, sample_store_url):
    at = app()
    before = custody_shown(at)
    at.switch_page("../pages/upload.py").run()
    at.file_uploader[0].upload("revised_yj.xlsx", revised(97, C9=400)).run()
    assert not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    assert "2 revised" in markdown and "15 unchanged" in markdown
    revised_table = next(d.value for d in at.dataframe if "Where in the file" in d.value.columns)
    custody = revised_table[revised_table["Indicator"] == "Custodial sentences"]
    assert custody[["Area", "Period", "Now", "Where in the file"]].values.tolist() == [
        ["Hackney", "2024/25 Q4", "97", "Return!E11"]
    ]
    assert custody["Was"].iloc[0] == before
    # statuses are judged on the published figures: custody's small counts are withheld, so its SPC
    # chart is not drawn and it stays Not rated; 400 first time entrants in a quarter turn Amber to Red
    statuses = next(d.value for d in at.dataframe if "Would be" in d.value.columns)
    assert statuses[["Area", "Quarter", "Indicator", "Was", "Would be"]].values.tolist() == [
        ["Hackney", "2024/25 Q4", "First time entrants aged 10–17", "Amber", "Red"]
    ]
    stored = observation_count(open_store(sample_store_url))
    assert observation_count(open_store(store_copy)) == stored  # nothing stored before confirming
    confirm = next(b for b in at.button if b.label.startswith("Confirm"))
    confirm.click().run()
    assert "Stored 17 figures from 1 file(s)." in [s.value for s in at.success]
    assert custody_shown(at) == "97"
    statuses_now = {
        r["indicator"]: r["status"]
        for r in public_board(store_copy).board_frame("Hackney", Quarter(2024, 4)).to_dict("records")
    }
    assert statuses_now["First time entrants aged 10–17"] == "Red"  # what the preview said


def test_an_invalid_upload_shows_the_cells_and_stores_nothing(store_copy):
    at = app()
    snapshot = tidy_export(open_store(store_copy)).to_csv(index=False)
    at.switch_page("../pages/upload.py").run()
    at.file_uploader[0].upload("bad_yj.xlsx", revised("three")).run()
    assert not at.exception
    assert "Refused: 1 problem(s)" in at.error[0].value
    problems = at.table[0].value
    assert [as_read(where) for where in problems["Where"]] == ["Return!E11"]
    assert "'three' is not a number" in as_read(problems["What is wrong"].iloc[0])
    assert not [b for b in at.button if b.label.startswith("Confirm")]
    assert tidy_export(open_store(store_copy)).to_csv(index=False) == snapshot


def test_withdrawing_a_submission_restores_the_previous_figures(store_copy):
    at = app()
    original = custody_shown(at)
    at.switch_page("../pages/upload.py").run()
    at.file_uploader[0].upload("revised_yj.xlsx", revised(55)).run()
    next(b for b in at.button if b.label.startswith("Confirm")).click().run()
    assert custody_shown(at) == "55"
    at.switch_page("../pages/data.py").run()
    newest = int(at.dataframe[0].value["Submission"].iloc[0])
    withdraw(at, newest, "Wrong column")
    assert f"Submission {newest} withdrawn." in [s.value for s in at.success]
    assert custody_shown(at) == original
    at.switch_page("../pages/audit.py").run()
    log = at.dataframe[0].value
    assert log["What"].iloc[0] == "withdraw" and "Wrong column" in log["Detail"].iloc[0]


def test_a_viewer_has_no_upload_page_and_cannot_reach_it(store_copy):
    at = app("member@cityoflondon.gov.uk")
    assert not at.exception
    assert "member@cityoflondon.gov.uk (viewer)" in as_read(at.sidebar.caption[0].value)
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in this role's navigation
        at.switch_page("../pages/upload.py")
    at.query_params["page"] = "upload"
    at.run()
    assert not at.file_uploader and at.title[0].value == "Partnership overview: Hackney"
    at.switch_page("../pages/data.py").run()
    assert not [s for s in at.selectbox if s.label == "Submission"]  # no withdraw form
    assert not [b for b in at.button if b.label == "Prepare a backup"]


def test_an_analyst_uploads_but_cannot_withdraw_or_set_targets(store_copy):
    at = app("analyst@hackney.gov.uk")
    at.switch_page("../pages/upload.py").run()
    assert at.file_uploader and at.title[0].value == "Upload returns"
    for page in ("../pages/targets.py", "../pages/audit.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_signed_out_people_see_only_the_sign_in_page(store_copy):
    at = app(logged_in=False)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.html
    stranger = app("someone@example.com")
    assert stranger.title[0].value == "No access yet"


def test_an_admin_sets_a_target_and_the_status_follows(store_copy):
    at = app("chair@hackney.gov.uk")
    at.switch_page("../pages/targets.py").run()
    at.selectbox(key="target_indicator").select("KPI 2: education, training or employment").run()
    at.selectbox(key="target_year").select(2024).run()
    at.number_input[0].set_value(20.0)
    next(b for b in at.button if b.label == "Save target for 2024/25").click().run()
    assert "saved" in at.success[0].value
    at.switch_page("../pages/overview.py").run()
    tables = [t for html in at.html for t in html_tables(html.value) if "indicators, " not in t["caption"]]
    status = row_for(next(t for t in tables if t["caption"].startswith("Youth Justice")), "KPI 2")["Status"]
    assert "Reliably meets the target of 20%" in status  # what a board reads
    assert "Consistently meets the target of 20%" in status  # how it was judged: the whole normal range is above it
    assert status.split()[1] == "Green"


def test_sign_ins_are_audited_and_actions_are_added_and_exported(store_copy):
    at = app("analyst@hackney.gov.uk")
    at.switch_page("../pages/actions.py").run()
    at.text_input[0].input("Review custody remands with the court team")
    at.text_input[1].input("Head of YJS")
    next(s for s in at.selectbox if s.label == "About indicator").select("Custodial sentences")
    next(b for b in at.button if b.label.startswith("Add action")).click().run()
    assert "Action 1 added." in [s.value for s in at.success]
    exported = at.get("download_button")[0]
    assert exported.label == "Export actions (CSV)"
    open_page(at, "youth_justice").run()
    assert any("Action 1: Review custody remands with the court team — Head of YJS" in m.value for m in at.markdown)
    from cspdash.store.records import audit_entries

    log = audit_entries(open_store(store_copy))
    assert ("analyst@hackney.gov.uk", "sign-in") in list(zip(log["actor"], log["action"], strict=True))
    assert log["action"].iloc[0] == "action"


def _overview_cells(at: AppTest) -> dict[str, dict]:
    cells = {}
    for html in at.html:
        for table in html_tables(html.value):
            if "indicators, " in table["caption"]:
                continue  # the summary matrix: the tables in full below it have every figure
            header = table["rows"][0]
            for row in table["rows"][1:]:
                line = dict(zip(header, row, strict=True))
                cells[line["Indicator"]] = line
    return cells


def _go_to_city(at: AppTest) -> AppTest:
    at.sidebar.selectbox[0].select("City of London").run()
    return at


def test_a_viewer_sees_the_published_figures_and_an_analyst_sees_them_marked(store_copy):
    """The City's serious-violence return has small counts: a viewer sees none of them (and not the
    cells that would give them away); an analyst sees the stored figures, marked as withheld from viewers."""
    viewer = _go_to_city(app("member@cityoflondon.gov.uk"))
    analyst = _go_to_city(app("analyst@hackney.gov.uk"))
    assert not viewer.exception and not analyst.exception
    seen, stored = _overview_cells(viewer), _overview_cells(analyst)
    quarter = viewer.sidebar.selectbox[1].value
    marked = {name: line for name, line in stored.items() if "‡ published as" in line[quarter]}
    assert marked, "the City's sample has small counts in the latest quarter"
    for name, line in marked.items():
        assert seen[name][quarter].startswith("Suppressed"), (name, seen[name][quarter], line[quarter])
    assert not any("‡" in line[quarter] for line in seen.values())
    assert any("You see every figure as stored" in i.value for i in analyst.info)
    assert not any("You see every figure as stored" in i.value for i in viewer.info)


def test_an_admin_signs_off_the_quarter_and_a_viewer_cannot(store_copy):
    from cspdash.periods import Quarter
    from cspdash.store import records

    viewer = app("member@cityoflondon.gov.uk")
    viewer.switch_page("../pages/boardpack.py").run()
    assert not viewer.exception
    assert not [b for b in viewer.button if b.label.startswith("Sign off")]
    assert any("not signed off" in i.value for i in viewer.info)

    admin = app("chair@hackney.gov.uk")
    admin.switch_page("../pages/boardpack.py").run()
    [sign] = [b for b in admin.button if b.label.startswith("Sign off 2024/25 Q4 for Hackney")]
    sign.click().run()
    assert not admin.exception
    snapshot = records.signed_off(open_store(store_copy), "Hackney", Quarter.parse("2024/25 Q4"))
    assert snapshot["signed_off_by"] == "chair@hackney.gov.uk" and snapshot["area"] == "Hackney"
    assert any("signed off by chair@hackney.gov.uk" in s.value for s in admin.success)
    figures = {i["name"]: i["figure"] for i in snapshot["indicators"]}
    assert "Custodial sentences" in figures  # the figures as published, frozen


def test_meeting_mode_steps_through_the_agenda_from_the_snapshot(store_copy):
    at = app()
    at.query_params["area"], at.query_params["quarter"] = "Hackney", "2024/25 Q4"
    at.run()
    at.switch_page("../pages/meeting.py").run()
    assert not at.exception

    def title() -> str:
        return at.title[0].value

    assert title() == "Hackney, 2024/25 Q4: summary"
    titles = [title()]
    for _ in range(40):
        forward = at.button(key="meeting-next")
        if forward.disabled:
            break
        forward.click().run()
        titles.append(title())
    assert titles[-1] == "Open actions" and "Youth Justice (1 of 2)" in titles  # a long table continues
    assert any(t.startswith("Exception: ") for t in titles)
    assert at.query_params["screen"] in ("actions", ["actions"])  # the link reopens this screen


def test_meeting_mode_shows_the_signed_off_figures_and_says_later_revisions_exist(store_copy, tmp_path):
    from cspdash.periods import Quarter
    from cspdash.store import records
    from data_loaders.ingest import ingest_files
    from data_loaders.publication import published_snapshot

    engine = open_store(store_copy)
    quarter = Quarter.parse("2024/25 Q4")
    records.sign_off(engine, "Hackney", quarter, "chair@hackney.gov.uk", published_snapshot(engine, "Hackney", quarter))
    later = tmp_path / "2024-25_Q4_hackney_youth_justice_revised.xlsx"
    later.write_bytes(revised(40))
    ingest_files(engine, [later], submitted_by="analyst@hackney.gov.uk")

    at = app()
    at.query_params.update(area="Hackney", quarter="2024/25 Q4", screen="subgroup-youth-justice")
    at.run()
    at.switch_page("../pages/meeting.py").run()
    assert not at.exception
    shown = " ".join(h.body for h in at.get("html"))
    assert "signed off by chair@hackney.gov.uk" in shown
    assert "its figures are later revisions, not shown here" in shown
    custody = shown[shown.index("Custodial sentences") :][:300]
    assert ">40<" not in custody  # the revised figure is not mixed in
