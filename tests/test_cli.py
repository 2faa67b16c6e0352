"""The command line, run as a user would: `python -m data_loaders ingest|export`."""

import subprocess
import sys

import pandas as pd

from tests.conftest import MPS_BOROUGH, ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT)


def test_ingest_the_real_2018_20_release_and_export_gives_613(tmp_path, reference):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    source = MPS_BOROUGH / "mps_borough_24m_201806-202005_LookUp_BoroughName.csv"
    ingest = cli("ingest", str(source), "--db", db, "--create")
    assert ingest.returncode == 0, ingest.stderr
    assert "stored" in ingest.stdout
    out = tmp_path / "export.csv"
    export = cli("export", "--db", db, "--format", "csv", "-o", str(out))
    assert export.returncode == 0, export.stderr
    frame = pd.read_csv(out, dtype={"area_code": str, "breakdown": str}, keep_default_na=False)
    assert {"area", "subgroup", "indicator", "period_start", "period_end", "value"} <= set(frame.columns)
    vap = frame[
        (frame["area"] == "Hackney")
        & (frame["indicator"] == "mps_violence_against_the_person")
        & (frame["period_start"] == "2019-04-01")
    ]
    assert vap.loc[vap["breakdown"] == "", "value"].astype(float).tolist() == [613]
    # the minor categories are exported too: Homicide 2 + with injury 238 + without injury 373, with the
    # 2 hidden and another hidden so that it cannot be worked out by subtraction, both as "[c]"
    minors = vap[vap["breakdown"] != ""]
    assert minors["published_as"].value_counts().to_dict() == {"[c]": 2, "": 1}
    again = cli("ingest", str(source), "--db", db)
    assert again.returncode == 0 and "already loaded" in again.stdout


def test_a_refused_file_stores_nothing_and_says_where(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    good = ROOT / "sample_data/returns/2024-25_Q4_hackney_vawg.xlsx"
    bad = tmp_path / "bad.csv"
    bad.write_text("MajorText,MinorText,BoroughName,202401\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,lots\n")
    result = cli("ingest", str(good), str(bad), "--db", db, "--create")
    assert result.returncode == 1
    assert "bad.csv csv!D2: 'lots' is not a whole number of crimes" in result.stderr
    assert "Traceback" not in result.stderr
    out = tmp_path / "export.csv"
    cli("export", "--db", db, "-o", str(out))
    assert pd.read_csv(out).empty


def test_kinds_lists_every_declared_kind():
    result = cli("kinds")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert {
        "youth_justice",
        "vawg",
        "serious_violence",
        "night_time_economy",
        "mps_borough",
        "mps_ward",
        "mps_lsoa",
        "police_uk_street",
        "knife_crime",
    } <= set(listed)


def test_validate_exit_codes_and_one_line_per_problem(tmp_path):
    good = ROOT / "sample_data/returns/2024-25_Q4_hackney_vawg.xlsx"
    ok = cli("validate", str(good))
    assert ok.returncode == 0 and "valid vawg, 8 figures" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("MajorText,MinorText,BoroughName,202401\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,-4\n")
    invalid = cli("validate", str(bad))
    assert invalid.returncode == 1
    assert invalid.stdout.strip() == "bad.csv csv!D2: -4 is negative: a count cannot be"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a workbook")
    unreadable = cli("validate", str(broken), "--json")
    assert unreadable.returncode == 2
    import json

    (problem,) = json.loads(unreadable.stdout)
    assert (problem["file"], problem["code"], problem["severity"]) == ("broken.xlsx", "corrupt-file", "error")


def test_template_then_export_xlsx(tmp_path):
    out = tmp_path / "yj.xlsx"
    result = cli("template", "youth_justice", "-o", str(out))
    assert result.returncode == 0
    import openpyxl

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Instructions", "Return", "Definitions"]
    assert cli("template", "no_such_kind", "-o", str(out)).returncode == 1
    db = f"sqlite:///{tmp_path / 'x.db'}"
    cli("ingest", str(ROOT / "sample_data/returns/2024-25_Q4_hackney_vawg.xlsx"), "--db", db, "--create")
    export = tmp_path / "export.xlsx"
    assert cli("export", "--db", db, "--format", "xlsx", "-o", str(export)).returncode == 0
    frame = pd.read_excel(export, engine="calamine")
    assert len(frame) == 8
    assert {
        "area",
        "subgroup",
        "indicator",
        "period_start",
        "period_end",
        "value",
        "suppressed",
        "source_file",
        "source_sheet",
        "source_cell",
        "vintage",
    } <= set(frame.columns)


def test_a_database_that_cannot_be_reached_is_one_clear_line(tmp_path):
    result = cli(
        "ingest",
        str(ROOT / "sample_data/returns/2024-25_Q4_hackney_vawg.xlsx"),
        "--db",
        "postgresql://x:y@127.0.0.1:1/z",
    )
    assert result.returncode == 3
    assert (
        result.stderr.startswith("cannot use the database: OperationalError") and len(result.stderr.splitlines()) == 1
    )
