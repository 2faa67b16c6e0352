"""The command line, run as a user would: `python -m data_loaders ingest|export`."""

import subprocess
import sys

import pandas as pd

from tests.conftest import MPS_BOROUGH, ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_ingest_the_real_2018_20_release_and_export_gives_613(tmp_path, reference):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    source = MPS_BOROUGH / "mps_borough_24m_201806-202005_LookUp_BoroughName.csv"
    ingest = cli("ingest", str(source), "--db", db)
    assert ingest.returncode == 0, ingest.stderr
    assert "stored" in ingest.stdout
    out = tmp_path / "export.csv"
    export = cli("export", "--db", db, "--format", "csv", "-o", str(out))
    assert export.returncode == 0, export.stderr
    frame = pd.read_csv(out)
    assert {"area", "subgroup", "indicator", "period_start", "period_end", "value"} <= set(frame.columns)
    row = frame[
        (frame["area"] == "Hackney")
        & (frame["indicator"] == "mps_violence_against_the_person")
        & (frame["period_start"] == "2019-04-01")
    ]
    assert row["value"].tolist() == [613]
    again = cli("ingest", str(source), "--db", db)
    assert again.returncode == 0 and "already loaded" in again.stdout


def test_a_refused_file_stores_nothing_and_says_where(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    good = ROOT / "sample_data/returns/2024-25_Q4_hackney_vawg.xlsx"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "MajorText,MinorText,BoroughName,202401\nROBBERY,ROBBERY OF PERSONAL PROPERTY,Hackney,lots\n"
    )
    result = cli("ingest", str(good), str(bad), "--db", db)
    assert result.returncode == 1
    assert "bad.csv csv!D2: 'lots' is not a whole number of crimes" in result.stderr
    assert "Traceback" not in result.stderr
    out = tmp_path / "export.csv"
    cli("export", "--db", db, "-o", str(out))
    assert pd.read_csv(out).empty
