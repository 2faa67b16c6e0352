"""The bad-input corpus (tests/data/bad, made by tests/data/make_bad_corpus.py): one failure mode per
file, each refused with its (sheet, cell, code), and the store left exactly as it was. The hostile
files (made to exhaust a reader rather than to be wrong) are also refused quickly by `validate`,
`ingest` and the upload page.

"Quickly" is checked without a stopwatch, so that it holds on a loaded machine: each hostile file
must be refused by the check that knows it (its own code, as EXPECTED), never by the reader's time or
memory limit ("resource-limit", which is what a file that stalls the reader gets), with that limit
lowered to PARSE_SECONDS so a stall fails in a minute rather than two; and the process that asked
(the server, or the command line) must have spent little CPU on it (CPU_SECONDS, far above the
~2 s of a command line's start), so a check that ran in the server instead of the worker fails too."""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cspdash.store import models
from cspdash.store.db import open_store
from cspdash.store.queries import tidy_export
from data_loaders import ReturnRefused, load_file
from data_loaders.ingest import check_upload, ingest_files
from sample_data.generate import sample_files
from tests.data.make_bad_corpus import HOSTILE_FILES
from tests.test_app_roles import app, store_copy  # noqa: F401 (store_copy is a fixture)

BAD = Path(__file__).parent / "data" / "bad"
FILE = ("", "")

EXPECTED = {
    "return_text_in_count.xlsx": [("Return", "E11", "type-error")],
    "return_negative_count.xlsx": [("Return", "E11", "negative")],
    "return_fraction_count.xlsx": [("Return", "E11", "not-whole")],
    "return_numerator_above_denominator.xlsx": [("Return", "C12", "numerator-above-denominator")],
    "return_percent_over_100.xlsx": [("Return", "E10", "percent-over-100")],
    "return_unknown_area.xlsx": [("Return", "B4", "unknown-area")],
    "return_impossible_quarter.xlsx": [("Return", "B5", "bad-quarter")],
    "return_future_quarter.xlsx": [("Return", "B5", "future-quarter")],
    "return_unknown_kind.xlsx": [("Return", "B3", "unknown-kind")],
    "return_unknown_indicator.xlsx": [("Return", "A26", "unknown-indicator")],
    "return_duplicate_row.xlsx": [("Return", "A26", "duplicate-row")],
    "return_missing_indicator.xlsx": [("Return", "A11", "missing-indicator")],
    "return_missing_value_column.xlsx": [("Return", "A1", "missing-header")],
    "return_missing_area.xlsx": [("Return", "A1", "missing-detail")],
    "return_figures_without_id.xlsx": [("Return", "A26", "missing-cell")],
    "nte_parts_do_not_sum.xlsx": [("Return", "E9", "parts-not-sum")],
    "vawg_share_of_wrong_whole.xlsx": [("Return", "D11", "parts-not-sum")],
    "svg_negative_percentage_part.xlsx": [("Return", "C13", "negative")],
    "encrypted.xlsx": [(*FILE, "encrypted")],
    "truncated.xlsx": [(*FILE, "corrupt-file")],
    "empty.xlsx": [(*FILE, "empty-file")],
    "pdf_named_xlsx.xlsx": [(*FILE, "wrong-format")],
    "csv_named_xlsx.xlsx": [(*FILE, "wrong-format")],
    "xlsx_named_xls.xls": [(*FILE, "wrong-format")],
    "zip_bomb.xlsx": [(*FILE, "zip-bomb")],
    "binary.csv": [(*FILE, "wrong-format")],
    "notes.docx": [(*FILE, "unknown-kind")],
    "too_large.csv": [(*FILE, "file-too-large")],
    "mps_unknown_category.csv": [("csv", "A2", "unknown-category")],
    "mps_text_count.csv": [("csv", "E2", "type-error")],
    "mps_negative_count.csv": [("csv", "F2", "negative")],
    "mps_duplicate_row.csv": [
        ("csv", "D3", "duplicate-row"),
        ("csv", "E3", "duplicate-row"),
        ("csv", "F3", "duplicate-row"),
    ],
    "mps_no_month_columns.csv": [("csv", "A1", "missing-column")],
    "mps_future_month.csv": [("csv", "D1", "future-period")],
    "mps_unknown_header.csv": [("csv", "A1", "unknown-kind")],
    "mps_header_only.csv": [(*FILE, "no-data")],
    "knife_bad_month.csv": [("csv", "A2", "bad-period")],
    "street_unknown_crime_type.csv": [("csv", "J2", "unknown-category")],
    # hostile: each refused before any reader sees it
    "sparse_far_cell.xlsx": [("Sheet1", "XFD1048576", "too-big")],
    "huge_declared_range.xlsx": [("Sheet1", "", "too-big")],
    "entity_bomb.xlsx": [("Return", "", "unsafe-xml")],
    "formula_among_styled_blanks.xlsx": [("Return", "E11", "missing-cell")],
    "parquet_bomb.parquet": [(*FILE, "too-big")],
    "million_columns.csv": [("csv", "A1", "too-big")],
    "utf16_without_bom.csv": [(*FILE, "encoding")],
}
WARNINGS = {"formula_among_styled_blanks.xlsx": [("Return", "E11", "formula-no-value")]}
HOSTILE = HOSTILE_FILES
PARSE_SECONDS = 60  # the reader's time limit in these tests (default 120): a stall is refused by it
CPU_SECONDS = 30  # CPU the asking process may spend on a hostile file: about 2 s is normal
STALLED = "resource-limit"  # the refusal of a file that exhausted the reader's time or memory
WITH_KIND = {"return_missing_sheet.xlsx": ("youth_justice", [(*FILE, "missing-sheet")])}
SETTINGS = {"too_large.csv": {"DASHBOARD_MAX_UPLOAD_MB": "0.001"}}


def test_the_corpus_has_at_least_30_files_each_with_its_expectation():
    files = {path.name for path in BAD.iterdir()}
    assert len(files) >= 30
    assert files == set(EXPECTED) | set(WITH_KIND)


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """A store that already holds figures: a refused file must leave every one of them as it was."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'store.db'}"
    engine = open_store(url)
    ingest_files(engine, sample_files()[:6], submitted_by="sample")
    return engine


def snapshot(engine) -> tuple:
    with engine.connect() as connection:
        counts = tuple(
            connection.scalar(select(func.count()).select_from(t))
            for t in (models.Submission, models.Observation, models.Area, models.AuditEntry)
        )
    return counts, tidy_export(engine).to_csv(index=False)


@pytest.mark.parametrize("name", sorted(EXPECTED) + sorted(WITH_KIND))
def test_each_bad_file_is_refused_where_it_is_wrong_and_nothing_is_stored(name, populated, monkeypatch):
    for variable, value in SETTINGS.get(name, {}).items():
        monkeypatch.setenv(variable, value)
    kind, expected = WITH_KIND.get(name, (None, EXPECTED.get(name)))
    with pytest.raises(ReturnRefused) as refused:
        load_file(BAD / name, kind=kind)
    problems = refused.value.problems
    assert [(p.sheet, p.cell, p.code) for p in problems if not p.is_warning] == expected
    assert [(p.sheet, p.cell, p.code) for p in problems if p.is_warning] == WARNINGS.get(name, [])
    assert all(p.file == name and p.message for p in problems)
    before = snapshot(populated)
    with pytest.raises(ReturnRefused):
        ingest_files(populated, [sample_files()[10], BAD / name], kind=kind)
    assert snapshot(populated) == before


def refused_by_its_check(name: str, problems) -> None:
    """Refused for what the file is (EXPECTED), not because it stalled or exhausted the reader."""
    errors = [(p.sheet, p.cell, p.code) for p in problems if not p.is_warning and p.file == name]
    assert STALLED not in {code for _sheet, _cell, code in errors}, errors
    assert errors == EXPECTED[name]


@pytest.fixture
def parse_limit(monkeypatch):
    monkeypatch.setenv("DASHBOARD_PARSE_SECONDS", str(PARSE_SECONDS))


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_quickly_and_nothing_is_stored(name, populated, parse_limit):
    """Through the same path as the upload page and the command line (checks, then a worker)."""
    before = snapshot(populated)
    cpu = time.process_time()
    with pytest.raises(ReturnRefused) as refused:
        ingest_files(populated, [sample_files()[10], BAD / name])
    assert time.process_time() - cpu < CPU_SECONDS
    refused_by_its_check(name, refused.value.problems)
    assert snapshot(populated) == before


def cli(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """The command's result, and the CPU seconds it used (its own and its reaped children's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [sys.executable, "-m", "data_loaders", *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
        env={**os.environ, "DASHBOARD_PARSE_SECONDS": str(PARSE_SECONDS)},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return result, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.parametrize("name", HOSTILE)
def test_validate_and_ingest_refuse_a_hostile_file_from_the_command_line(name, tmp_path):
    """Exit 2 (unreadable; 1 for the return whose formula left a figure blank) with a located message,
    from the file's own check (not the reader's limits), for little CPU: Python's start-up is most of it."""
    store = f"sqlite:///{tmp_path / 'store.db'}"
    exit_code = 1 if name in WARNINGS else 2
    validate, seconds = cli("validate", str(BAD / name))
    assert validate.returncode == exit_code, validate.stdout + validate.stderr
    assert name in validate.stdout and "Traceback" not in validate.stderr
    assert "reading the file took longer" not in validate.stdout  # not stalled: refused by its check
    assert "reading the file needed more" not in validate.stdout
    assert seconds < CPU_SECONDS  # the interpreter and pandas start-up, then the refusal itself (< 1 s)
    ingest, seconds = cli("ingest", str(BAD / name), "--db", store, "--create")
    assert ingest.returncode == exit_code and "nothing was stored" in ingest.stderr and "Traceback" not in ingest.stderr
    assert "reading the file took longer" not in ingest.stderr and "reading the file needed more" not in ingest.stderr
    assert seconds < CPU_SECONDS
    assert tidy_export(open_store(store)).empty


@pytest.mark.parametrize("name", HOSTILE)
def test_the_upload_page_refuses_a_hostile_file_quickly(name, store_copy, parse_limit):
    """What the page does with a dropped file (`check_upload`) is checked (refused by the file's own
    check, for little of the server's CPU); then the page itself."""
    engine = open_store(store_copy)
    before = snapshot(engine)
    cpu = time.process_time()
    check = check_upload(engine, name, (BAD / name).read_bytes(), {})
    assert time.process_time() - cpu < CPU_SECONDS
    assert check.loaded is None
    errors = [(p.sheet, p.cell, p.code) for p in check.problems if not p.is_warning]
    assert STALLED not in {code for _sheet, _cell, code in errors} and errors == EXPECTED[name]
    at = app()
    at.switch_page("../pages/upload.py").run()
    at.file_uploader[0].upload(name, (BAD / name).read_bytes()).run()
    assert not at.exception
    assert at.error[0].value.startswith("Refused:")
    assert not [b for b in at.button if b.label.startswith("Confirm")]
    assert snapshot(engine) == before
