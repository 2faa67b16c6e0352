"""Uploaded file names are labels, never paths: cleaned for storage and display, or refused clearly."""

import pytest

from cspdash.store.queries import submissions
from cspdash.store.repository import save_returns
from data_loaders.ingest import check_upload
from data_loaders.names import MAX_NAME_BYTES, BadFileName, safe_file_name
from tests.conftest import ROOT

RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("2024-25_Q4_hackney_youth_justice.xlsx", "2024-25_Q4_hackney_youth_justice.xlsx"),
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("C:\\Users\\analyst\\Desktop\\return.xlsx", "return.xlsx"),
        ("return\x00.xlsx", "return .xlsx"),
        ("invoice\u202excod.xlsx", "invoice xcod.xlsx"),  # no right-to-left override to disguise the name
        ("  spaced   out  .xlsx ", "spaced out .xlsx"),
        ('=HYPERLINK("x","y").xlsx', '=HYPERLINK("x","y").xlsx'),  # kept; neutralised on export
    ],
)
def test_names_are_cleaned_to_their_last_part(raw, safe):
    assert safe_file_name(raw) == safe


@pytest.mark.parametrize("raw", ["", ".", "..", "\x00", " ", "/", "..\\..", "\u202e\u200b"])
def test_names_with_nothing_usable_are_refused(raw):
    with pytest.raises(BadFileName, match="nothing usable"):
        safe_file_name(raw)


@pytest.mark.parametrize("raw", ["a" * 400 + ".xlsx", "é" * 300 + ".xlsx", "x" * 300])
def test_long_names_are_shortened_to_fit_keeping_the_extension(raw):
    safe = safe_file_name(raw)
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    assert safe.endswith(".xlsx") or "." not in raw


@pytest.mark.parametrize(
    "name", ["a" * 300 + ".xlsx", "../" * 30 + "return.xlsx", "return\x00.xlsx", "", "..", "\x00", "∕etc∕passwd.xlsx"]
)
def test_an_upload_with_an_odd_name_is_checked_or_refused_and_stores_under_a_safe_name(fresh_db, name):
    """On SQLite and PostgreSQL: no traceback, no path from the name, and the stored name fits."""
    check = check_upload(fresh_db, name, RETURN.read_bytes(), {})
    if check.loaded is None:
        assert [p.code for p in check.problems] == ["bad-name"]
        assert "nothing usable" in check.problems[0].message
        return
    assert check.ok and check.name == check.loaded.original_name
    assert "/" not in check.name and "\x00" not in check.name and len(check.name.encode()) <= MAX_NAME_BYTES
    save_returns(fresh_db, [check.loaded], "analyst@hackney.gov.uk")
    assert submissions(fresh_db)["file"].tolist() == [check.name]
