"""Damaged input, from the analyst's side: a file cut short in a download or copy, a workbook of
100,000 sheets, a name made of control characters. Each is refused with a sentence that says where
and what was expected, quickly, with no traceback, and nothing stored is lost or changed.

The files are the real sample and reference files, read where they are (never copied), then cut."""

import re
import struct
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cspdash.store import models
from cspdash.store.queries import tidy_export
from data_loaders import ReturnRefused, detect, load_file, sandbox, xls_scan, xlsx_scan
from data_loaders.filecheck import cut_off
from data_loaders.ingest import check_files, check_upload, ingest_files
from tests.conftest import MPS_BOROUGH, REFERENCE, ROOT

ETHNIC = ROOT / "sample_data" / "ethnic_group_counts_sample_202304-202503.csv"
MPS_RELEASE = MPS_BOROUGH / "mps_borough_24m_202312-202511.csv"
MPS_CRLF = MPS_BOROUGH / "mps_borough_24m_201806-202005_LookUp_BoroughName.csv"
WARD = REFERENCE / "mps_ward" / "mps_ward_24m_202402-202601.csv"
RETURN = ROOT / "sample_data" / "returns" / "2024-25_Q4_hackney_youth_justice.xlsx"
YJB = REFERENCE / "youth_justice" / "yjb_disposals_by_region_and_yot_2012-13.xls"
REAL_CSVS = [ETHNIC, MPS_RELEASE, MPS_CRLF, WARD]


@pytest.fixture(autouse=True)
def _needs_reference_data():
    if not REFERENCE.is_dir():
        pytest.skip(f"the real reference files are not at {REFERENCE}")


def cut(source: Path, size: int, folder: Path) -> Path:
    path = folder / f"cut_{size}_{source.name}"
    path.write_bytes(source.read_bytes()[:size])
    return path


def refusal(path: Path, **options) -> list:
    with pytest.raises(ReturnRefused) as refused:
        load_file(path, **options)
    return refused.value.problems


def offsets(data: bytes, count: int) -> list[int]:
    """`count` cut points spread over the file, and some in its last row (in a figure, before the
    final line break), where a cut loses the least and is hardest to see."""
    last_row = data.rstrip(b"\r\n").rfind(b"\n") + 1
    spread = [len(data) * n // count for n in range(1, count)]
    tail = [last_row + 1, (last_row + len(data)) // 2, len(data) - 3, len(data) - 2, len(data) - 1]
    return sorted({point for point in spread + tail if 0 < point < len(data)})


# --- 1. a CSV cut short -------------------------------------------------------------------------


@pytest.mark.parametrize("source", REAL_CSVS, ids=lambda p: p.name)
def test_the_real_csvs_end_with_a_line_break_and_load_whole(source):
    data = source.read_bytes()
    assert data.endswith(b"\n")  # what every real export does, and what the check relies on
    loaded = load_file(source)
    assert not loaded.observations.empty and not [w for w in loaded.warnings if w.code == "truncated"]


@pytest.mark.parametrize("source", [ETHNIC, MPS_RELEASE, WARD], ids=lambda p: p.name)
def test_a_csv_cut_anywhere_is_never_stored_as_complete(source, tmp_path):
    """Cut at many places: each cut file is refused, saying after which row it seems cut off, except a
    cut exactly after a line break, which leaves a shorter file of whole rows that nothing can tell
    from a real one (so the cut points here avoid those; one is checked below)."""
    data = source.read_bytes()
    checked = 0
    for size in offsets(data, 30 if source == WARD else 60):
        if data[size - 1 : size] == b"\n":
            continue
        path = cut(source, size, tmp_path)
        problems = refusal(path)
        codes = {p.code for p in problems if not p.is_warning}
        # a cut inside a UTF-8 character may also leave bytes that are not text
        assert codes in ({"truncated"}, {"encoding"}), (size, problems)
        if codes == {"truncated"}:
            (problem,) = problems
            rows = data[:size].count(b"\n")  # whole rows before the cut (no line breaks in quotes here)
            assert (problem.file, problem.sheet, problem.cell) == (path.name, "csv", f"A{rows + 1}"), size
            where = f"after row {rows}" if rows else "in its first row"
            assert f"seems cut off {where}" in problem.message and "Export it again" in problem.message
        checked += 1
        path.unlink()
    assert checked >= 25


def test_the_ethnic_group_sample_cut_mid_row_is_refused_naming_the_row(tmp_path):
    """The red team's case: the last row keeps 16 of its 28 columns and no final line break."""
    data = ETHNIC.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    sixteen = last_start + [m.start() for m in re.finditer(b",", data[last_start:])][15]
    (problem,) = refusal(cut(ETHNIC, sixteen, tmp_path))
    row = data.count(b"\n")
    assert problem.code == "truncated" and problem.cell == f"A{row}"
    assert f"cut off after row {row - 1}" in problem.message
    assert "16 of the 28 columns" in problem.message


@pytest.mark.parametrize("source", [MPS_RELEASE, MPS_CRLF], ids=lambda p: p.name)
def test_a_release_cut_inside_its_last_figure_is_refused(source, tmp_path):
    """All columns present, the last figure '1234' cut to '12': only the missing line break tells."""
    data = source.read_bytes()
    end = len(data.rstrip(b"\r\n"))
    assert data[end - 2 : end].isdigit()
    path = cut(source, end - 1, tmp_path)
    (problem,) = refusal(path)
    rows = data.count(b"\n")
    assert problem.code == "truncated" and problem.cell == f"A{rows}"
    assert problem.message.startswith(f"the file seems cut off after row {rows - 1}: its last row, row {rows},")
    assert "ends without the line break" in problem.message


def test_a_cut_between_carriage_return_and_line_feed_loses_nothing_and_loads(tmp_path):
    data = MPS_CRLF.read_bytes()
    assert data.endswith(b"\r\n")
    whole, almost = load_file(MPS_CRLF), load_file(cut(MPS_CRLF, len(data) - 1, tmp_path))
    assert whole.observations["value"].sum() == almost.observations["value"].sum()


def test_a_short_last_row_is_refused_even_with_its_line_break(tmp_path):
    lines = MPS_RELEASE.read_text(encoding="utf-8").splitlines(keepends=True)
    short = ",".join(lines[-1].split(",")[:10]) + "\n"
    path = tmp_path / "short.csv"
    path.write_text("".join(lines[:-1]) + short, encoding="utf-8")
    (problem,) = refusal(path)
    assert problem.code == "truncated" and problem.cell == f"A{len(lines)}"
    assert f"has 10 of the {lines[0].count(',') + 1} columns of the rows above it" in problem.message


def test_a_note_of_one_cell_under_the_table_is_not_taken_for_a_cut():
    table = "Area,2024-01,2024-02\nHackney,3,4\nCity of London,1,2\n"
    assert cut_off(table + "Source: Metropolitan Police\n") is None
    assert cut_off(table) is None


def test_a_last_value_cut_inside_its_quotes_is_refused():
    text = 'MajorText,MinorText,BOCU,202401\nPUBLIC ORDER,"PUBLIC FEAR, ALARM'
    row, message = cut_off(text)
    assert row == 2 and "ends inside a quoted value that never closes" in message
    # cut just after a line break inside the quotes: the file ends with one, yet it is cut
    row, message = cut_off('a,b,c\n1,2,"first line\n')
    assert row == 2 and "never closes" in message and "cut off after row 1" in message


def test_a_truncated_csv_is_refused_on_upload_and_by_ingest_and_nothing_stored_changes(fresh_db, tmp_path):
    ingest_files(fresh_db, [MPS_RELEASE], submitted_by="analyst")
    before = snapshot(fresh_db)
    data = MPS_RELEASE.read_bytes()
    check = check_upload(fresh_db, MPS_RELEASE.name, data[: len(data) - 40], {})
    assert not check.ok and check.loaded is None
    (problem,) = check.problems
    assert problem.code == "truncated" and problem.file == MPS_RELEASE.name and "Export it again" in problem.message
    path = cut(MPS_RELEASE, len(data) - 40, tmp_path)
    with pytest.raises(ReturnRefused, match="seems cut off after row"):
        ingest_files(fresh_db, [ETHNIC, path], submitted_by="analyst")
    assert snapshot(fresh_db) == before


def snapshot(engine) -> tuple:
    with engine.connect() as connection:
        counts = tuple(
            connection.scalar(select(func.count()).select_from(table))
            for table in (models.Submission, models.Observation, models.Area)
        )
    return counts, tidy_export(engine).to_csv(index=False)


# --- 2. a workbook of 100,000 sheets ------------------------------------------------------------


def many_sheets(folder: Path, count: int = 100_000) -> Path:
    """The sample return with `count` sheets declared, every one the same part: about 1 MB."""
    path = folder / "many_sheets.xlsx"
    with zipfile.ZipFile(RETURN) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = data.decode()
                sheets = "".join(f'<sheet name="S{n}" sheetId="{n + 10}" r:id="rMany{n}"/>' for n in range(count - 3))
                data = text.replace("</sheets>", sheets + "</sheets>").encode()
            elif info.filename == "xl/_rels/workbook.xml.rels":
                text = data.decode()
                rels = "".join(
                    f'<Relationship Id="rMany{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                    for n in range(count - 3)
                )
                data = text.replace("</Relationships>", rels + "</Relationships>").encode()
            target.writestr(info.filename, data)
    return path


@pytest.fixture
def no_reader(monkeypatch):
    """Fail the test if a worker is started or any reader opens a sheet."""

    def started(*args, **kwargs):
        raise AssertionError("a worker or reader was started")

    monkeypatch.setattr(sandbox, "load_in_worker", started)
    monkeypatch.setattr(detect, "excel_sheet_names", started)
    monkeypatch.setattr(detect, "read_excel_grid", started)


def test_a_workbook_of_100000_sheets_is_refused_before_a_worker_starts(fresh_db, tmp_path, no_reader):
    path = many_sheets(tmp_path)
    assert path.stat().st_size < 2 * 1024 * 1024
    before = snapshot(fresh_db)
    cpu = time.process_time()
    check = check_upload(fresh_db, "return.xlsx", path.read_bytes(), {})
    assert time.process_time() - cpu < 5  # CPU, not wall-clock: the first look only (no worker starts)
    (problem,) = check.problems
    assert problem.code == "too-big" and problem.file == "return.xlsx"
    assert problem.message.startswith("the workbook has 100,000 sheets; the limit is 100")
    with pytest.raises(ReturnRefused, match="100,000 sheets"):
        check_files(None, [path])  # the command line's way in
    assert snapshot(fresh_db) == before


def test_the_sheet_count_is_checked_before_any_reader_in_the_worker_too(tmp_path):
    path = many_sheets(tmp_path)
    with pytest.raises(ReturnRefused) as refused:
        sandbox.load_in_worker(path, "many.xlsx")  # past the first look, straight to a worker
    (problem,) = refused.value.problems  # refused by the count, not stopped by the worker's time limit
    assert problem.code == "too-big" and "100,000 sheets" in problem.message and problem.file == "many.xlsx"


def test_no_reader_opens_a_sheet_of_a_workbook_over_the_limit(tmp_path, no_reader):
    (problem,) = refusal(many_sheets(tmp_path))
    assert problem.code == "too-big" and "100,000 sheets" in problem.message


def test_the_sheet_limit_can_be_lowered_and_counts_an_excel_97_workbooks_sheets(monkeypatch, no_reader):
    assert xls_scan.scan_xls(YJB).sheet_count == 11
    monkeypatch.setenv("DASHBOARD_MAX_SHEETS", "10")
    (problem,) = refusal(YJB)
    assert problem.code == "too-big" and problem.message.startswith("the workbook has 11 sheets; the limit is 10")
    monkeypatch.setenv("DASHBOARD_MAX_SHEETS", "2")
    (problem,) = refusal(RETURN)
    assert problem.message.startswith("the workbook has 3 sheets; the limit is 2")


@pytest.mark.parametrize("chunk", [7, 48, 49, 1000, 1 << 20])
def test_sheets_are_counted_the_same_whatever_the_chunk_size(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(xlsx_scan, "CHUNK", chunk)
    with zipfile.ZipFile(many_sheets(tmp_path, 503)) as archive:
        assert xlsx_scan.sheet_count(archive) == 503
    with zipfile.ZipFile(RETURN) as archive:
        assert xlsx_scan.sheet_count(archive) == 3  # <sheets> and <sheetPr> are not sheets


def test_an_excel_97_workbooks_sheets_are_its_boundsheet_records_before_the_first_sheet():
    def record(kind: int, body: bytes = b"") -> bytes:
        return struct.pack("<HH", kind, len(body)) + body

    globals_bof = record(xls_scan.BOF, struct.pack("<HH", 0x0600, 0x0005))
    sheet_bof = record(xls_scan.BOF, struct.pack("<HH", 0x0600, xls_scan.WORKSHEET))
    boundsheet = record(xls_scan.BOUNDSHEET, b"\0" * 8)
    stream = globals_bof + boundsheet * 4 + record(xls_scan.EOF) + sheet_bof + boundsheet + record(xls_scan.EOF)
    assert xls_scan.sheet_count(stream) == 4


def test_real_workbooks_are_within_the_sheet_limit():
    assert load_file(YJB).kind == "yjb_disposals"
    assert load_file(RETURN).kind == "youth_justice"


# --- 3. a name of control characters ------------------------------------------------------------


@pytest.mark.parametrize(
    "name, shown",
    [
        ("\x00.xlsx", "U+0000 (NUL) at position 1"),
        ("\x01\x1f.xlsx", "U+0001 at position 1, U+001F at position 2"),
        ("\x7f.csv", "U+007F (DEL) at position 1"),
        ("\u202e.xlsx", "U+202E (right-to-left override) at position 1"),
    ],
)
def test_a_name_of_control_characters_is_refused_saying_so(fresh_db, name, shown):
    check = check_upload(fresh_db, name, RETURN.read_bytes(), {})
    assert check.loaded is None and not check.ok
    (problem,) = check.problems
    assert problem.code == "bad-name"
    assert "no extension" not in problem.message and "not a known return" not in problem.message
    assert "nothing usable before its extension" in problem.message
    assert shown in problem.message and "which a file name may not contain" in problem.message
    assert "A name needs at least one letter or digit" in problem.message


def test_a_file_on_disk_named_with_control_characters_is_refused_saying_so(tmp_path):
    path = tmp_path / "\x01\x02.xlsx"
    path.write_bytes(RETURN.read_bytes())
    with pytest.raises(ReturnRefused) as refused:
        check_files(None, [path])
    (problem,) = refused.value.problems
    assert problem.code == "bad-name" and "U+0001 at position 1, U+0002 at position 2" in problem.message


def test_a_name_with_a_control_character_among_letters_is_cleaned_not_refused(fresh_db):
    check = check_upload(fresh_db, "return\x00.xlsx", RETURN.read_bytes(), {})
    assert check.ok and check.name == "return .xlsx"
