"""Untrusted files: measured before parsing (xlsx parts, xls records, CSV text, parquet metadata),
then read in a worker whose memory and time are capped, so no file can take the server down."""

import io
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from data_loaders import ReturnRefused, load_file, xlsx_scan
from data_loaders.filecheck import FileFacts, decode_csv
from data_loaders.limits import MB, Limits
from data_loaders.sandbox import load_in_worker, load_untrusted
from data_loaders.xls_scan import scan_records
from tests.conftest import MPS_BOROUGH, ROOT

BAD = ROOT / "tests" / "data" / "bad"
RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
PARTS = {
    "[Content_Types].xml": "<Types/>",
    "xl/workbook.xml": (
        '<workbook xmlns:r="r"><sheets><sheet r:id="rId1" name="Figures &amp; notes" sheetId="1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": '<Relationships><Relationship Target="worksheets/sheet1.xml" Id="rId1"/></Relationships>',
}


def workbook(sheet_data: str, tmp_path: Path, prefix: str = "") -> Path:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in PARTS.items():
            archive.writestr(name, xml)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f"<{prefix}worksheet><{prefix}sheetData>{sheet_data}</{prefix}sheetData></{prefix}worksheet>",
        )
    return path


def scan(path: Path) -> xlsx_scan.SheetExtent:
    return xlsx_scan.scan_workbook(path).sheets["Figures & notes"]


def test_cells_without_a_reference_are_placed_as_readers_place_them(tmp_path):
    extent = scan(workbook('<row><c><v>1</v></c><c><v>2</v></c><c/></row><row r="7"><c/><c s="1"/></row>', tmp_path))
    assert (extent.rows, extent.columns, extent.cells) == (7, 3, 5)


def test_prefixed_elements_and_formulas_with_and_without_values(tmp_path):
    cells = (
        '<x:row r="3"><x:c r="B3"><x:f>1+1</x:f></x:c><x:c r="C3"><x:f>2+2</x:f><x:v>4</x:v></x:c>'
        '<x:c r="D3" t="str"><x:f t="shared" si="0"/><x:v></x:v></x:c></x:row>'
    )
    extent = scan(workbook(cells, tmp_path, prefix="x:"))
    assert (extent.rows, extent.columns) == (3, 4)
    assert extent.formulas_without_values == ["B3", "D3"]


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_the_scan_gives_the_same_answer_whatever_the_chunk_size(tmp_path, monkeypatch, chunk):
    """Pieces are cut after a closed cell, so no cell (or formula) is lost across a cut."""
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" s="1"/><c r="B{r}"><f>A{r}*2</f>{"" if r % 17 else "<v>3</v>"}</c></row>'
        for r in range(1, 400)
    )
    path = workbook(rows + '<row r="600"><c r="AB600"><v>9</v></c></row>', tmp_path)
    expected = scan(path)
    monkeypatch.setattr(xlsx_scan, "CHUNK", chunk)
    again = scan(path)
    assert (again.rows, again.columns, again.cells) == (600, 28, 799)
    assert again.formulas_without_values == expected.formulas_without_values
    assert len(again.formulas_without_values) == 399 - 23


def test_a_document_type_anywhere_in_a_workbook_is_refused(tmp_path):
    path = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(RETURN) as original, zipfile.ZipFile(path, "w") as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "b">]>' + data
            copy.writestr(info.filename, data)
    with pytest.raises(ReturnRefused) as refused:
        load_file(path)
    assert [(p.code, p.sheet) for p in refused.value.problems] == [("unsafe-xml", "")]
    assert "xl/styles.xml" in refused.value.problems[0].message


def biff_record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def test_an_xls_sheet_is_measured_from_its_records():
    """A BIFF8 worksheet with cells at A1 and IV65536 (16.7 million cells between them)."""
    stream = b"".join(
        [
            biff_record(0x0809, struct.pack("<HH", 0x0600, 0x0005)),
            biff_record(0x0085, struct.pack("<IBB", 0, 0, 0) + bytes([4, 0]) + b"Data"),
            biff_record(0x000A, b""),
            biff_record(0x0809, struct.pack("<HH", 0x0600, 0x0010)),
            biff_record(0x0200, struct.pack("<IIHHH", 0, 65536, 0, 256, 0)),
            biff_record(0x0203, struct.pack("<HHH", 0, 0, 0) + b"\0" * 8),
            biff_record(0x00BD, struct.pack("<HH", 65535, 250) + b"\0" * 12 + struct.pack("<H", 255)),
            biff_record(0x000A, b""),
        ]
    )
    sheets = scan_records(stream)
    extent = sheets["Data"]
    assert (extent.rows, extent.columns, extent.cells, extent.declared) == (65536, 256, 7, "65536x256")
    assert extent.row_cell == "IV65536"


def test_the_real_yjb_tables_pass_the_xls_checks(reference):
    for path in (reference / "youth_justice").glob("*.xls"):
        loaded = load_untrusted(path)
        assert not loaded.observations.empty


def mps_text() -> str:
    return (MPS_BOROUGH / "mps_borough_24m_202312-202511.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "encoding, delimiter",
    [("utf-16", ","), ("utf-16-be", ","), ("utf-16", "\t"), ("utf-8-sig", ","), ("cp1252", ",")],
)
def test_a_csv_in_utf16_with_a_byte_order_mark_reads_as_its_utf8_original(reference, tmp_path, encoding, delimiter):
    """UTF-16 with a BOM (as Excel's 'Unicode text' saves it, tab-separated) gives the same figures."""
    text = mps_text()
    if delimiter == "\t":
        text = "".join(  # every row ends with a line break, the last too, as Excel saves it
            "\t".join(row) + "\n"
            for row in pd.read_csv(io.StringIO(text), dtype=str).pipe(
                lambda f: [list(f.columns)] + f.fillna("").values.tolist()
            )
        )
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "release.csv"
    path.write_bytes(data)
    original = load_file(MPS_BOROUGH / "mps_borough_24m_202312-202511.csv").observations
    pd.testing.assert_frame_equal(load_file(path).observations, original)


def test_encodings_are_named_when_refused():
    with pytest.raises(UnicodeError, match=r"UTF-16 \(big-endian\) text without a byte-order mark"):
        decode_csv("Month,Count\n2024-01,3\n".encode("utf-16-be"))
    with pytest.raises(UnicodeError, match="starts with a UTF-8 byte-order mark but is not UTF-8"):
        decode_csv(b"\xef\xbb\xbfMonth\n\xff\xfe\xfa")
    assert decode_csv("caf\u00e9".encode("cp1252"))[2] == "Windows-1252"


def test_every_limit_can_be_lowered_and_names_where_it_was_passed(tmp_path, monkeypatch):
    path = tmp_path / "tall.csv"
    path.write_text("Month,Count\n" + "2024-01,3\n" * 50)
    monkeypatch.setenv("DASHBOARD_MAX_ROWS", "20")
    with pytest.raises(ReturnRefused, match="the CSV has 51 lines; the limit is 20 rows"):
        load_untrusted(path)
    monkeypatch.setenv("DASHBOARD_MAX_ROWS", "100")
    monkeypatch.setenv("DASHBOARD_MAX_CELLS", "40")
    with pytest.raises(ReturnRefused, match="the CSV has 102 cells; the limit is 40"):
        load_untrusted(path)


@pytest.mark.parametrize("name", ["sparse_far_cell.xlsx", "parquet_bomb.parquet"])
def test_a_file_that_slips_past_the_checks_only_kills_its_worker(name):
    """The last line of defence: with the checks skipped, the reader runs out of its worker's memory
    (calamine aborts the process; pyarrow raises) and the caller gets a refusal, not a crash."""
    with pytest.raises(ReturnRefused) as refused:
        load_in_worker(BAD / name, name, facts=FileFacts(), limits=Limits(parse_memory_bytes=300 * MB))
    (problem,) = refused.value.problems
    assert problem.code == "resource-limit" and "300 MB of memory" in problem.message and problem.file == name


def test_a_reader_that_takes_too_long_is_stopped():
    with pytest.raises(ReturnRefused, match="longer than the 0.01 seconds allowed"):
        load_in_worker(
            MPS_BOROUGH / "mps_borough_historical_201004-202311.csv",
            "historical.csv",
            limits=Limits(parse_seconds=0.01),
        )


def test_a_file_read_in_a_worker_gives_what_it_gives_here():
    here = load_file(RETURN)
    there = load_untrusted(RETURN, name="my return.xlsx")
    assert there.original_name == "my return.xlsx" and there.sha256 == here.sha256 and there.content == here.content
    pd.testing.assert_frame_equal(there.observations, here.observations)


def test_a_reader_service_that_died_is_started_again():
    from data_loaders import sandbox

    load_untrusted(RETURN)
    process, path = sandbox._service
    process.kill()
    process.wait()
    assert not load_untrusted(RETURN).observations.empty  # a new service, transparently
    Path(sandbox._service[1]).unlink()  # its socket removed (a tidy-up of /tmp, say)
    assert not load_untrusted(RETURN).observations.empty


FORKED_FROM_A_COMMAND = """
import json, sys
from pathlib import Path
from data_loaders import sandbox
from data_loaders.filecheck import FileFacts
from data_loaders.limits import MB, Limits
from data_loaders.problems import ReturnRefused

def no_service():
    raise AssertionError("the reader service was started")

sandbox._start_service = no_service
sandbox.fork_from_this_process()  # as `python -m data_loaders` does
bad, ret, slow = (Path(p) for p in sys.argv[1:4])
out = {"loaded": len(sandbox.load_untrusted(ret).observations)}
for key, call in {
    "memory": lambda: sandbox.load_in_worker(bad, bad.name, facts=FileFacts(), limits=Limits(parse_memory_bytes=300 * MB)),
    "time": lambda: sandbox.load_in_worker(slow, "slow.csv", limits=Limits(parse_seconds=0.01)),
}.items():
    try:
        call()
        out[key] = "loaded"
    except ReturnRefused as refused:
        out[key] = [p.code for p in refused.problems]
print(json.dumps(out))
"""


def test_a_command_reads_files_in_children_of_its_own_with_the_same_caps():
    """The command line forks a capped child per file instead of starting the reader service: a file
    still loads, and a reader that runs out of memory or time is still refused, not a crash."""
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            FORKED_FROM_A_COMMAND,
            str(BAD / "sparse_far_cell.xlsx"),
            str(RETURN),
            str(MPS_BOROUGH / "mps_borough_historical_201004-202311.csv"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "loaded": len(load_file(RETURN).observations),
        "memory": ["resource-limit"],
        "time": ["resource-limit"],
    }
