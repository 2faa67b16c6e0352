"""Withdrawal, revision history, commentary, actions and the audit log, on SQLite and PostgreSQL."""

from datetime import date

import openpyxl
import pytest

from cspdash.periods import Quarter
from cspdash.store import queries, records
from cspdash.store.repository import save_return
from data_loaders import load_file
from tests.conftest import ROOT
from tests.tables import as_read

ORIGINAL = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
Q4 = Quarter(2024, 4)


def custody(engine) -> float:
    frame = queries.current_observations(engine, area="Hackney")
    return frame.loc[frame["indicator"] == "yj_custody", "value"].iloc[0]


def revised_copy(tmp_path, value) -> object:
    book = openpyxl.load_workbook(ORIGINAL)
    book["Return"]["E11"] = value
    path = tmp_path / "revised.xlsx"
    book.save(path)
    return path


def test_withdrawing_a_submission_restores_the_previous_figures(fresh_db, tmp_path):
    first = save_return(fresh_db, load_file(ORIGINAL), "analyst@hackney.gov.uk")
    original = custody(fresh_db)
    second = save_return(fresh_db, load_file(revised_copy(tmp_path, original + 10)), "analyst@hackney.gov.uk")
    assert custody(fresh_db) == original + 10
    history = records.figure_history(fresh_db, "yj_custody", "Hackney", Q4.start)
    assert list(history["value"]) == [original, original + 10]
    assert list(history["in_force"]) == [False, True]
    assert list(history["file"]) == ["2024-25_Q4_hackney_youth_justice.xlsx", "revised.xlsx"]
    records.withdraw_submission(fresh_db, second.submission_id, "admin@hackney.gov.uk", "typed in the wrong column")
    assert custody(fresh_db) == original
    history = records.figure_history(fresh_db, "yj_custody", "Hackney", Q4.start)
    assert list(history["status"]) == ["active", "withdrawn"] and list(history["in_force"]) == [True, False]
    from cspdash.overview import revision_lines

    lines = [as_read(line) for line in revision_lines(history)]
    assert lines[0].startswith(
        f"withdrawn: {original + 10:g} — revised.xlsx, Return!E11; loaded by analyst@hackney.gov.uk"
    )
    assert lines[1].startswith(f"**in force**: {original:g} — 2024-25_Q4_hackney_youth_justice.xlsx, Return!E11")
    with pytest.raises(records.RecordError, match="already withdrawn"):
        records.withdraw_submission(fresh_db, second.submission_id, "admin@hackney.gov.uk")
    audit = records.audit_entries(fresh_db)
    assert audit["action"].tolist()[:3] == ["withdraw", "upload", "upload"]
    assert "typed in the wrong column" in audit["detail"].iloc[0]
    assert first.submission_id != second.submission_id


def test_commentary_is_written_replaced_and_removed(fresh_db):
    save_return(fresh_db, load_file(ORIGINAL), "a")
    records.save_commentary(fresh_db, "yj_custody", "Hackney", Q4, "Two remands in January.", "lead@hackney.gov.uk")
    records.save_commentary(fresh_db, "yj_custody", "Hackney", Q4, "Three remands in January.", "lead@hackney.gov.uk")
    notes = records.commentary_for(fresh_db, "Hackney", Q4)
    assert notes["yj_custody"]["text"] == "Three remands in January."
    assert records.commentary_for(fresh_db, "City of London", Q4) == {}
    records.save_commentary(fresh_db, "yj_custody", "Hackney", Q4, "  ", "lead@hackney.gov.uk")
    assert records.commentary_for(fresh_db, "Hackney", Q4) == {}
    with pytest.raises(records.RecordError, match="not an area"):
        records.save_commentary(fresh_db, "yj_custody", "Atlantis", Q4, "x", "a")


def test_actions_are_added_changed_and_audited(fresh_db):
    number = records.add_action(
        fresh_db, "chair", "Review custody remands", "YJS manager", date(2025, 6, 30), "yj_custody", "Hackney", Q4
    )
    records.update_action(fresh_db, number, "analyst", status="in progress", owner="Head of YJS")
    table = records.actions(fresh_db, "Hackney")
    row = table.set_index("id").loc[number]
    assert (row["status"], row["owner"], row["indicator"], row["quarter"]) == (
        "in progress",
        "Head of YJS",
        "yj_custody",
        "2024/25 Q4",
    )
    with pytest.raises(records.RecordError):
        records.update_action(fresh_db, number, "analyst", status="forgotten")
    with pytest.raises(records.RecordError):
        records.add_action(fresh_db, "chair", " ", "owner")
    details = records.audit_entries(fresh_db)["detail"].tolist()
    assert details[0] == f"changed {number}: status open → in progress; owner YJS manager → Head of YJS"


def test_a_revising_return_warns_old_to_new_and_flags_a_figure_far_outside_its_history(fresh_db, tmp_path):
    from data_loaders.ingest import check_files, ingest_files
    from sample_data.generate import sample_files

    hackney_yj = [f for f in sample_files() if "hackney_youth_justice" in f.name]
    ingest_files(fresh_db, hackney_yj, submitted_by="sample")
    checked = check_files(fresh_db, [revised_copy(tmp_path, 400)])
    found = {(w.cell, w.code): w.message for w in checked.warnings}
    original = load_file(ORIGINAL).observations.set_index("indicator").loc["yj_custody", "value"]
    assert found[("E11", "revision")] == f"revises yj_custody for Hackney, Jan 2025: {original:,.0f} → 400"
    assert found[("E11", "outlier")].startswith("yj_custody 400 is far outside its history for Hackney")
    assert all(w.is_warning for w in checked.warnings)


def test_an_action_changed_by_someone_else_meanwhile_is_not_overwritten(fresh_db):
    number = records.add_action(fresh_db, "chair", "Review remands", "YJS", date(2025, 6, 30), "yj_custody")
    seen = records.actions(fresh_db).set_index("id").loc[number, ["title", "owner", "due_date", "status"]].to_dict()
    records.update_action(fresh_db, number, "other@hackney.gov.uk", status="done")  # meanwhile
    with pytest.raises(records.RecordError, match="changed by other@hackney.gov.uk since you opened it"):
        records.update_action(fresh_db, number, "analyst", seen=seen, owner="Head of YJS")
    row = records.actions(fresh_db).set_index("id").loc[number]
    assert (row["owner"], row["status"]) == ("YJS", "done")
    fresh = records.actions(fresh_db).set_index("id").loc[number, ["title", "owner", "due_date", "status"]].to_dict()
    records.update_action(fresh_db, number, "analyst", seen=fresh, owner="Head of YJS", due_date="2025-07-31")
    row = records.actions(fresh_db).set_index("id").loc[number]
    assert row["owner"] == "Head of YJS" and str(row["due_date"])[:10] == "2025-07-31"


def test_a_withdrawal_checks_the_file_the_admin_chose(fresh_db):
    first = save_return(fresh_db, load_file(ORIGINAL), "analyst").submission_id
    with pytest.raises(records.RecordError, match="no longer the file you chose"):
        records.withdraw_submission(fresh_db, first, "chair", "", expected_sha256="0" * 64)
    assert queries.submissions(fresh_db)["status"].tolist() == ["active"]
