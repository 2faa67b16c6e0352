"""Every file the dashboard hands out is safe to open in a spreadsheet, and a restore never lands on
top of anything."""

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

from cspdash.backup import RestoreError, backup, restore
from cspdash.catalogue import load_catalogue
from cspdash.exports import csv_bytes, xlsx_bytes
from cspdash.overview import overview_frame, overview_rows
from cspdash.periods import Quarter
from cspdash.safe_text import neutralise_cell, plain_markdown
from cspdash.store import queries, records
from cspdash.store.db import create_store_engine, open_store
from cspdash.store.repository import save_returns, set_target
from data_loaders.ingest import check_upload
from tests.conftest import ROOT

RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
HOSTILE_NAME = '=HYPERLINK("evil.example?x","Open").xlsx'
HOSTILE_BOROUGH = "@SUM(1+1)*cmd|' /C calc'!A0"
HOSTILE_SHEET = "+SUM(2)"


def safe(cell: object) -> bool:
    return not (isinstance(cell, str) and cell.startswith(DANGEROUS) and not PLAIN_NUMBER.fullmatch(cell))


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"))) for cell in row]


def assert_safe_csv(data: bytes, *expected_text: str) -> None:
    cells = csv_cells(data)
    assert all(safe(cell) for cell in cells), [c for c in cells if not safe(c)]
    for wanted in expected_text:
        assert any(wanted in cell for cell in cells), wanted  # still there, just neutralised


def assert_safe_xlsx(data: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert safe(cell.value), (sheet.title, cell.coordinate, cell.value)


def knife_workbook(path: Path) -> Path:
    """A knife crime release as an .xlsx whose sheet name and borough name are formulas."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = HOSTILE_SHEET
    sheet.append(
        ["month_year", "area_type", "borough_snt", "area_name", "area_code", "crime_type", "crime_subtype"]
        + ["measure", "count"]
    )
    for borough in ("Hackney", HOSTILE_BOROUGH):
        sheet.append(["2024-01-01", "Borough", borough, borough, "", "Knife Crime", "Knife Crime", "Offences", 5])
    book.save(path)
    return path


@pytest.fixture
def hostile_store(fresh_db, tmp_path):
    """A store holding text people and publishers typed, each piece made to start a formula."""
    upload = check_upload(fresh_db, HOSTILE_NAME, RETURN.read_bytes(), {})
    assert upload.ok, upload.problems
    knife = check_upload(fresh_db, "knife.xlsx", knife_workbook(tmp_path / "knife.xlsx").read_bytes(), {})
    assert knife.ok, knife.problems
    save_returns(fresh_db, [upload.loaded, knife.loaded], "-analyst@hackney.gov.uk")
    quarter = Quarter(2024, 4)
    records.add_action(fresh_db, "@chair", "=1+2", "-12", None, "yj_custody", "Hackney", quarter)
    records.add_action(fresh_db, "chair", "+cmd|' /C calc'!A0", "\tOwner", None, None, "Hackney", quarter)
    records.save_commentary(fresh_db, "yj_custody", "Hackney", quarter, "-Fewer than last year", "@lead")
    return fresh_db


def test_every_table_handed_out_carries_no_formula(hostile_store, tmp_path):
    engine = hostile_store
    export = queries.tidy_export(engine)
    assert HOSTILE_BOROUGH in set(export["area"]) and HOSTILE_SHEET in set(export["source_sheet"])
    tables = {
        "export": export,
        "actions": records.actions(engine),
        "audit": records.audit_entries(engine),
        "submissions": queries.submissions(engine),
    }
    for name, frame in tables.items():
        assert_safe_csv(csv_bytes(frame))
        assert_safe_xlsx(xlsx_bytes(frame, name))
    assert_safe_csv(csv_bytes(tables["export"]), HOSTILE_BOROUGH, HOSTILE_SHEET, HOSTILE_NAME)
    assert_safe_csv(csv_bytes(tables["actions"]), "=1+2", "cmd|' /C calc'!A0")
    assert "-12" in csv_cells(csv_bytes(tables["actions"]))  # a number typed as text is left alone
    rows = overview_rows(
        load_catalogue(),
        queries.current_observations(engine, area="Hackney"),
        Quarter(2024, 4),
        {},
        records.commentary_for(engine, "Hackney", Quarter(2024, 4)),
    )
    assert_safe_csv(csv_bytes(overview_frame(rows, Quarter(2024, 4))))
    archive = zipfile.ZipFile(io.BytesIO(backup(engine, "=admin")))
    assert_safe_csv(archive.read("export.csv"), HOSTILE_BOROUGH)
    assert all(not name.startswith("files/") or "/" not in name.split("/", 2)[2] for name in archive.namelist())


def test_numbers_come_out_exactly_as_stored(hostile_store):
    export = queries.tidy_export(hostile_store)
    again = pd.read_csv(io.BytesIO(csv_bytes(export)), keep_default_na=False, dtype={"area_code": str})
    assert again["value"].replace("", None).astype(float).tolist() == pytest.approx(
        export["value"].astype(float).tolist(), nan_ok=True
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(export, "figures")))
    values = [row[10] for row in book["figures"].iter_rows(min_row=2, values_only=True)]
    assert values == pytest.approx([None if pd.isna(v) else v for v in export["value"]], nan_ok=True)


def test_the_command_line_export_is_safe_in_both_formats(hostile_store, store_url, tmp_path):
    for form in ("csv", "xlsx"):
        out = tmp_path / f"export.{form}"
        result = subprocess.run(
            [sys.executable, "-m", "data_loaders", "export", "--db", store_url, "--format", form, "-o", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        (assert_safe_xlsx if form == "xlsx" else assert_safe_csv)(out.read_bytes())


def test_pages_hand_out_tables_only_through_the_safe_writers():
    for path in [*(ROOT / "pages").glob("*.py"), ROOT / "data_loaders" / "__main__.py", ROOT / "cspdash" / "backup.py"]:
        source = path.read_text()
        assert ".to_csv(" not in source and ".to_excel(" not in source, path


@pytest.mark.parametrize(
    "typed, shown",
    [("=1+2", "'=1+2"), ("-12", "-12"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("@x", "'@x"), ("\tx", "'\tx")],
)
def test_a_cell_is_neutralised_unless_it_is_a_number(typed, shown):
    assert neutralise_cell(typed) == shown
    assert neutralise_cell(-3.5) == -3.5


def test_markdown_in_user_text_is_escaped():
    assert plain_markdown("![x](http://evil.example/p.png) **bold** :red[x] $y$") == (
        r"\!\[x\]\(http\:\/\/evil\.example\/p\.png\) \*\*bold\*\* \:red\[x\] \$y\$"
    )
    assert plain_markdown("    indented\nsecond") == "indented  \nsecond"


def restore_target(store_url: str, tmp_path, postgres_databases=None) -> str:
    if store_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'target.db'}"
    return postgres_databases.create(f"restore_{len(postgres_databases.names)}")


@pytest.mark.parametrize("already", ["a target", "an audit entry", "a table of someone else's"])
def test_restore_refuses_a_database_holding_any_row_and_says_which(store_url, tmp_path, request, already):
    source = open_store(store_url)
    save_returns(source, [check_upload(source, RETURN.name, RETURN.read_bytes(), {}).loaded], "analyst")
    archive = backup(source, "admin")
    databases = request.getfixturevalue("postgres_databases") if store_url.startswith("postgresql") else None
    target_url = restore_target(store_url, tmp_path, databases)
    target = create_store_engine(target_url)
    if already == "a target":
        set_target(open_store(target_url), "yj_custody", 2024, 10, 2, "admin")
        expected = "targets (1 row)"
    elif already == "an audit entry":
        records.record_sign_in(open_store(target_url), "chair@hackney.gov.uk", "admin")
        expected = "audit_log (1 row)"
    else:
        with target.begin() as connection:
            connection.execute(text("CREATE TABLE notes (body TEXT)"))
            connection.execute(text("INSERT INTO notes VALUES ('keep me')"))
        expected = "notes (1 row)"
    with pytest.raises(RestoreError, match=re.escape(expected)) as refused:
        restore(target, archive)
    assert "Nothing was changed" in str(refused.value)
    with target.connect() as connection:
        if already == "a table of someone else's":
            assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["keep me"]
        else:
            assert queries.submissions(target).empty
    if already == "a target":
        assert set(queries.targets(target)) == {("yj_custody", 2024)}
    target.dispose()
