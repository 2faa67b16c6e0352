from datetime import date, datetime

from cspdash.completeness import ReturnStatus, due_date, returns_status
from cspdash.periods import Quarter
from cspdash.store.repository import save_return
from data_loaders import load_file
from tests.conftest import ROOT

Q4 = Quarter(2024, 4)
KINDS = {"youth_justice": ("Youth Justice", 30), "vawg": ("VAWG", 30), "serious_violence": ("Serious Violence", 45)}


def test_due_dates_default_to_30_days_after_quarter_end():
    assert due_date(Q4) == date(2025, 4, 30)
    assert due_date(Q4, 45) == date(2025, 5, 15)


def test_received_late_missing_and_not_yet_due(fresh_db):
    save_return(fresh_db, load_file(ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"), "a")
    on_time = {s.kind: s.status for s in returns_status(fresh_db, "Hackney", Q4, KINDS, date(2025, 5, 1))}
    assert on_time == {"youth_justice": "late", "vawg": "missing", "serious_violence": "not yet due"}
    # (loaded today, long after 30 April 2025: late)
    assert ReturnStatus("k", "K", date(2025, 4, 30), "received", datetime(2025, 4, 2)).text == "received 2 Apr 2025"
    assert ReturnStatus("k", "K", date(2025, 4, 30), "missing").text == "missing: due 30 Apr 2025"
