"""`python -m data_loaders register list|export|add`: the registers from the command line."""

import io
import json

import openpyxl
import pandas as pd
import pytest

from cspdash.store import records
from cspdash.store import registers as reg
from cspdash.store.db import open_store
from data_loaders.__main__ import EXIT_INVALID, EXIT_USAGE, main


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(url).dispose()
    return url


RISK = ["--field", "owner=Head of CS", "--field", "inherent_likelihood=4", "--field", "inherent_impact=5"]
RISK += ["--field", "residual_likelihood=2", "--field", "residual_impact=5", "--link", "indicator=marac_cases"]


def test_add_list_and_export_a_risk(url, tmp_path, capsys):
    assert main(["register", "add", "risks", "--title", "MARAC over capacity", "--subgroup", "vawg", *RISK,
                 "--actor", "jo@hackney.gov.uk", "--db", url]) == 0  # fmt: skip
    assert capsys.readouterr().out.strip() == "added risk 1: MARAC over capacity"
    assert main(["register", "list", "risks", "--format", "json", "--db", url]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["title"], row["subgroup"], row["residual_likelihood"], row["linked indicators"]) == (
        "MARAC over capacity", "vawg", 2, "marac_cases",
    )  # fmt: skip
    assert main(["register", "list", "risks", "--format", "csv", "--db", url]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out)).loc[0, "owner"] == "Head of CS"
    assert main(["register", "export", "risks", "-o", str(tmp_path / "risks.xlsx"), "--db", url]) == 0
    rows = list(openpyxl.load_workbook(tmp_path / "risks.xlsx").active.values)
    assert rows[1][1] == "MARAC over capacity"
    engine = open_store(url)
    assert records.audit_entries(engine)["actor"].tolist() == ["jo@hackney.gov.uk"]


def test_a_meeting_and_its_agenda_from_the_command_line(url, capsys):
    assert main(["register", "add", "meetings", "--title", "SLG", "--field", "date=2027-01-14", "--db", url]) == 0
    assert main(["register", "add", "agenda", "--title", "PESTLE", "--meeting", "1", "--field", "start=10:00",
                 "--field", "minutes=20", "--db", url]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["register", "list", "agenda", "--db", url]) == 0
    assert "    2  PESTLE" in capsys.readouterr().out
    assert [row["parent_id"] for row in reg.items(open_store(url), "agenda")] == [1]


def run(argv: list[str]) -> int:
    """The exit code, as a shell would see it (argparse's own refusals exit)."""
    try:
        return main(argv)
    except SystemExit as exited:
        return exited.code


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["register", "list", "gossip"], EXIT_USAGE, "there is no register 'gossip': the registers are horizon"),
        (["register", "add", "risks", "--title", "X", "--field", "owner"], EXIT_USAGE, "--field 'owner' is not NAME"),
        (["register", "add", "risks", "--title", "X"], EXIT_INVALID, "Owner is required; nothing was added"),
        (["register", "add", "horizon", "--title", "X", "--field", "category=Spiritual"], EXIT_INVALID, "'Spiritual'"),
    ],
)
def test_mistakes_are_one_sentence_with_the_usual_exit_codes(url, capsys, argv, code, words):
    assert run([*argv, "--db", url]) == code
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    assert reg.items(open_store(url), "risk") == [] and reg.items(open_store(url), "horizon") == []
