"""Loaders on the sample returns, and what they tolerate in analysts' real workbooks."""

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cspdash.periods import Quarter, parse_month, parse_quarter
from data_loaders import ReturnRefused, load_file
from data_loaders.cells import read_cell
from sample_data.generate import return_kind, sample_files, sample_subgroups
from tests.conftest import ROOT
from tests.test_sample_data import expected_sample_files

RETURNS = ROOT / "sample_data" / "returns"
SAMPLE_RETURN = RETURNS / "2024-25_Q4_hackney_youth_justice.xlsx"


def test_every_sample_file_loads():
    files = sample_files()
    assert len(files) == expected_sample_files()  # the quarterly returns (one deliberately missing) and the CSVs
    kinds = {load_file(f).kind for f in files}
    returns = {return_kind(subgroup).id for subgroup in sample_subgroups()}
    assert kinds == returns | {"mps_borough", "mps_lsoa", "mps_ward", "ethnic_group_counts"}


def test_a_youth_justice_return_gives_tidy_quarterly_observations_with_their_cells():
    loaded = load_file(SAMPLE_RETURN)
    obs = loaded.observations.set_index("indicator")
    assert loaded.kind == "youth_justice" and loaded.areas == ["Hackney"]
    assert set(obs["period_start"]) == {date(2025, 1, 1)} and set(obs["period_end"]) == {date(2025, 3, 31)}
    book = openpyxl.load_workbook(SAMPLE_RETURN)["Return"]
    fte = obs.loc["yj_fte_rate"]
    assert (fte["numerator"], fte["denominator"]) == (book["C9"].value, book["D9"].value)
    assert fte["value"] == pytest.approx(book["C9"].value / book["D9"].value * 100_000 * 4)
    assert (fte["source_sheet"], fte["source_cell"]) == ("Return", "C9:D9")
    assert obs.loc["yj_custody", "source_cell"] == "E11"


def test_suppressed_cells_are_stored_as_suppressed_not_zero():
    frames = [load_file(f).observations for f in sample_files() if "city_of_london" in f.name]
    suppressed = [o[o["suppressed"]] for o in frames]
    assert sum(len(s) for s in suppressed) >= 3
    assert all(s["value"].isna().all() for s in suppressed)


@pytest.mark.parametrize(
    "raw, number, suppressed, text",
    [
        (12, 12.0, False, None),
        (" 12 ", 12.0, False, None),
        ("1,234", 1234.0, False, None),
        ("31%", 31.0, False, None),
        ("<5", None, True, None),
        ("Under 5", None, True, None),
        ("5 or under", None, True, None),
        ("*", None, True, None),
        ("c", None, True, None),
        ("x", None, True, None),
        ("-", None, True, None),
        ("..", None, True, None),
        ("n/a", None, True, None),
        ("twelve", None, False, "twelve"),
    ],
)
def test_cells_are_read_as_numbers_suppression_or_text(raw, number, suppressed, text):
    cell = read_cell(raw)
    assert (cell.number, cell.suppressed, cell.text) == (number, suppressed, text)


@pytest.mark.parametrize(
    "text",
    [
        "2024/25 Q1",
        "Q1 2024/25",
        "2024-25 Q1",
        "Apr-Jun 2024",
        "Apr–Jun 24",
        "April-June 2024",
        "2024-05-17",
        date(2024, 6, 30),
    ],
)
def test_quarter_labels_in_the_forms_analysts_write(text):
    assert parse_quarter(text) == Quarter(2024, 1)


@pytest.mark.parametrize("text", [202404, "202404", "2024-04", "2024-04-01", "Apr-24", "April 2024", date(2024, 4, 9)])
def test_month_headers_in_the_forms_publishers_use(text):
    assert parse_month(text) == date(2024, 4, 1)


def edited(tmp_path: Path, edits: dict, name: str = "edited.xlsx", source: Path = SAMPLE_RETURN) -> Path:
    book = openpyxl.load_workbook(source)
    for ref, value in edits.items():
        book["Return"][ref] = value
    path = tmp_path / name
    book.save(path)
    return path


@pytest.mark.parametrize(
    "edits, expected",
    [
        ({"E11": "three"}, [("E11", "type-error")]),
        ({"E11": -3}, [("E11", "negative")]),
        ({"E11": 2.5}, [("E11", "not-whole")]),
        ({"C12": 50, "D12": 35}, [("C12", "numerator-above-denominator")]),
        ({"A11": "yj_made_up"}, [("A11", "unknown-indicator"), ("A11", "missing-indicator")]),
        ({"B4": "Atlantis"}, [("B4", "unknown-area")]),
        ({"B5": "2024/25 Q7"}, [("B5", "bad-quarter")]),
        ({"B5": "2031/32 Q1"}, [("B5", "future-quarter")]),
        ({"E11": "three", "E24": "x y"}, [("E11", "type-error"), ("E24", "type-error")]),
    ],
)
def test_bad_cells_are_refused_naming_every_cell(tmp_path, edits, expected):
    with pytest.raises(ReturnRefused) as refused:
        load_file(edited(tmp_path, edits))
    assert sorted((p.cell, p.code) for p in refused.value.problems) == sorted(expected)
    assert all(p.file == "edited.xlsx" and p.sheet == "Return" for p in refused.value.problems)


def _messy_copy(tmp_path: Path) -> Path:
    """The sample return as analysts send them: logo rows, merged header, spacers, text numbers, notes."""
    book = openpyxl.load_workbook(SAMPLE_RETURN)
    sheet = book["Return"]
    sheet.protection.sheet = False
    sheet.insert_rows(1, 3)
    sheet["A1"] = "London Borough of Hackney — Community Safety"
    sheet.insert_cols(4)  # a blank spacer column between numerator and denominator
    header = 11
    sheet.insert_rows(header, 1)  # a two-row header: 'Indicator ID' merged down over both rows
    sheet.cell(header, 1, "Indicator ID")
    sheet.cell(header + 1, 1, None)
    sheet.merge_cells(start_row=header, start_column=1, end_row=header + 1, end_column=1)
    sheet.cell(header, 3, "Figures")
    sheet.merge_cells(start_row=header, start_column=3, end_row=header, end_column=6)
    sheet.insert_rows(header + 5, 1)  # a blank spacer row inside the table
    custody = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "yj_custody")
    sheet.cell(custody, 6, " 1,234 ")
    last = sheet.max_row
    sheet.cell(last + 1, 1, "Total")
    sheet.cell(last + 1, 6, 9999)
    sheet.cell(last + 3, 1, "Note: KPI 8 counts partners, not meetings.")
    sheet.cell(last + 4, 1, "Source: YJS case management system")
    path = tmp_path / "messy.xlsx"
    book.save(path)
    return path


def test_a_messy_but_valid_return_loads(tmp_path):
    tidy = load_file(SAMPLE_RETURN).observations.set_index("indicator")
    messy = load_file(_messy_copy(tmp_path)).observations.set_index("indicator")
    assert messy.loc["yj_custody", "value"] == 1234
    same = messy.drop(index="yj_custody")["value"].round(9)
    assert same.equals(tidy.drop(index="yj_custody")["value"].round(9))


@pytest.mark.parametrize("typed, stored", [(0.31, 31.0), (31, 31.0), ("31%", 31.0)])
def test_percentages_typed_as_fraction_number_or_with_a_sign(tmp_path, typed, stored):
    path = edited(tmp_path, {"C10": None, "D10": None, "E10": typed})
    obs = load_file(path).observations.set_index("indicator")
    assert obs.loc["yj_reoffending", "value"] == pytest.approx(stored)


@pytest.mark.parametrize("encoding, newline", [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("cp1252", "\r\n")])
def test_csv_returns_in_the_encodings_excel_writes(tmp_path, encoding, newline):
    rows = [
        ["VAWG and domestic abuse quarterly return — Hackney’s"],
        [],
        ["Return kind", "vawg"],
        ["Area", "Hackney"],
        ["Quarter", "Q4 2024/25"],
        [],
        ["Indicator ID", "Indicator", "Numerator", "Denominator", "Value", "Notes"],
    ]
    source = openpyxl.load_workbook(RETURNS / "2024-25_Q4_hackney_vawg.xlsx")["Return"]
    for row in source.iter_rows(min_row=9, values_only=True):
        rows.append(["" if v is None else v for v in row])
    text = newline.join(",".join(f'"{v}"' for v in row) for row in rows) + newline
    path = tmp_path / "vawg.csv"
    path.write_bytes(text.encode(encoding))
    loaded = load_file(path)
    assert loaded.kind == "vawg" and len(loaded.observations) == 8
    assert loaded.observations["source_sheet"].iloc[0] == "csv"


def test_an_xlsm_workbook_loads_and_its_macros_never_run(tmp_path):
    path = tmp_path / "return.xlsm"
    path.write_bytes(SAMPLE_RETURN.read_bytes())
    assert load_file(path).kind == "youth_justice"


def test_an_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"not a return")
    with pytest.raises(ReturnRefused, match="notes.docx"):
        load_file(path)


def test_an_analyst_is_warned_when_the_returns_own_suppression_can_be_undone(tmp_path):
    """The City's under-25s = 6, under-18s = '<5', 18–24 = 4: the hidden 2 follows by subtraction."""
    source = RETURNS / "2024-25_Q4_city_of_london_serious_violence.xlsx"
    path = edited(tmp_path, {"E9": 6, "E10": "<5", "E11": 4}, source=source)
    loaded = load_file(path)
    (warning,) = [w for w in loaded.warnings if w.code == "suppression-undone"]
    assert warning.cell == "E10" and warning.is_warning
    assert "6 − 4 = 2" in warning.message
    safe = load_file(edited(tmp_path, {"E9": 6, "E10": "<5", "E11": "<5"}, name="safe.xlsx", source=source))
    assert not [w for w in safe.warnings if w.code == "suppression-undone"]
