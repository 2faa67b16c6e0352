"""Forms act on the record the person saw, and sign-in trusts only verified addresses (AppTest)."""

import pytest

from cspdash.periods import Quarter
from cspdash.store import records
from cspdash.store.db import open_store
from cspdash.store.queries import submissions
from cspdash.store.repository import save_returns
from data_loaders import load_file
from tests.tables import as_read
from tests.test_app_roles import RETURN, app, revised, store_copy, withdraw  # noqa: F401 (store_copy is a fixture)

Q4 = Quarter(2024, 4)


def submission_of(engine, file_name: str) -> int:
    table = submissions(engine)
    return int(table.loc[table["file"] == file_name, "id"].iloc[0])


def store_a_new_return(url: str, tmp_path, value: int = 61) -> int:
    """Another analyst stores a file (as the upload page would) while the admin's form is open."""
    path = tmp_path / "late_revision.xlsx"
    path.write_bytes(revised(value))
    engine = open_store(url)
    return save_returns(engine, [load_file(path)], "analyst@hackney.gov.uk")[0].submission_id


def test_a_new_upload_between_choice_and_click_withdraws_only_what_was_chosen(store_copy, tmp_path):
    engine = open_store(store_copy)
    chosen = submission_of(engine, RETURN.name)
    at = app("chair@hackney.gov.uk")
    at.switch_page("../pages/data.py").run()
    new = {}
    withdraw(at, chosen, "Sent twice", lambda: new.update(id=store_a_new_return(store_copy, tmp_path)))
    assert not at.exception
    table = submissions(engine).set_index("id")
    assert table.at[chosen, "status"] == "withdrawn"
    assert table.at[new["id"], "status"] == "active"
    log = records.audit_entries(engine)
    assert log["action"].iloc[0] == "withdraw" and f"submission {chosen} " in log["detail"].iloc[0]
    assert "Sent twice" in log["detail"].iloc[0]


def test_a_submission_withdrawn_by_someone_else_meanwhile_is_refused_without_a_traceback(store_copy):
    engine = open_store(store_copy)
    chosen = submission_of(engine, RETURN.name)
    at = app("chair@hackney.gov.uk")
    at.switch_page("../pages/data.py").run()
    withdraw(at, chosen, "Mine", lambda: records.withdraw_submission(engine, chosen, "other@hackney.gov.uk", "Theirs"))
    assert not at.exception
    assert f"Submission {chosen} is already withdrawn (by other@hackney.gov.uk" in as_read(at.error[0].value)
    assert "nothing was withdrawn" in as_read(at.error[0].value)
    details = records.audit_entries(engine)["detail"]
    assert details.str.contains("Theirs").sum() == 1 and not details.str.contains("Mine").any()


def test_with_nothing_active_there_is_nothing_to_withdraw(store_copy):
    engine = open_store(store_copy)
    for submission in submissions(engine)["id"]:
        records.withdraw_submission(engine, int(submission), "chair@hackney.gov.uk")
    at = app("chair@hackney.gov.uk")
    at.switch_page("../pages/data.py").run()
    assert not at.exception
    assert "nothing to withdraw" in " ".join(i.value for i in at.info)
    assert not [s for s in at.selectbox if s.label == "Submission"]


def test_commentary_typed_for_one_area_is_never_saved_for_another(store_copy):
    engine = open_store(store_copy)
    at = app("analyst@hackney.gov.uk")
    at.switch_page("../pages/upload.py").run()
    at.selectbox(key="comment_indicator").select("Custodial sentences").run()
    hackney = "comment|Hackney|2024/25 Q4|yj_custody"
    at.text_area(key=f"{hackney}|text").input("Three remands in one week in Hackney.")
    at.sidebar.selectbox(key="area").select("City of London").run()  # switched before saving
    city = "comment|City of London|2024/25 Q4|yj_custody"
    assert at.text_area(key=f"{city}|text").value == ""
    next(b for b in at.button if b.label == "Save commentary for City of London, 2024/25 Q4").click().run()
    assert not at.exception
    assert records.commentary_for(engine, "City of London", Q4) == {}
    assert records.commentary_for(engine, "Hackney", Q4) == {}
    at.sidebar.selectbox(key="area").select("Hackney").run()
    at.text_area(key=f"{hackney}|text").input("Three remands in one week in Hackney.")
    next(b for b in at.button if b.label == "Save commentary for Hackney, 2024/25 Q4").click().run()
    assert (
        records.commentary_for(engine, "Hackney", Q4)["yj_custody"]["text"] == "Three remands in one week in Hackney."
    )
    assert records.commentary_for(engine, "City of London", Q4) == {}


def test_an_unverified_email_claim_gets_no_role(store_copy):
    at = app("chair@hackney.gov.uk", email_verified=False)
    assert not at.exception
    assert at.title[0].value == "No access yet"
    assert "did not confirm" in " ".join(m.value for m in at.markdown)
    assert not at.html and not at.sidebar.selectbox  # no figures, no filters
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/data.py")


def test_a_missing_verification_claim_is_unverified_unless_the_issuer_is_trusted(store_copy, tmp_path, monkeypatch):
    tenant = "https://login.microsoftonline.com/0000-tenant/v2.0"
    at = app("chair@hackney.gov.uk", email_verified=None, iss=tenant)
    assert at.title[0].value == "No access yet"
    roles = tmp_path / "roles_trusting.toml"
    roles.write_text(f'[roles]\nadmin = ["chair@hackney.gov.uk"]\n[sign_in]\ntrusted_issuers = ["{tenant}/"]\n')
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))
    at = app("chair@hackney.gov.uk", email_verified=None, iss=tenant)
    assert at.title[0].value == "Partnership overview: Hackney"
    assert "(admin)" in at.sidebar.caption[0].value
    stranger = app("chair@hackney.gov.uk", email_verified=None, iss="https://accounts.example.com")
    assert stranger.title[0].value == "No access yet"
