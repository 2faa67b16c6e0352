"""Loaders on the sample returns and on the real MPS borough releases (facts from the reference README)."""

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from data_loaders import ReturnRefused, load_file
from data_loaders.cells import read_cell
from sample_data.generate import sample_files
from tests.conftest import MPS_BOROUGH

SAMPLE_RETURN = Path("sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx")


def figure(loaded, area, indicator, month):
    obs = loaded.observations
    match = obs[(obs["area"] == area) & (obs["indicator"] == indicator) & (obs["period_start"] == month)]
    assert len(match) == 1, f"{area} {indicator} {month}: {len(match)} rows"
    return match.iloc[0]


def test_every_sample_file_loads():
    files = sample_files()
    assert len(files) == 112  # 111 quarterly returns (one deliberately missing) + the MPS CSV
    kinds = {load_file(f).kind for f in files}
    assert kinds == {"youth_justice", "vawg", "mps_borough"}


def test_a_youth_justice_return_gives_tidy_quarterly_observations_with_their_cells():
    loaded = load_file(SAMPLE_RETURN)
    obs = loaded.observations.set_index("indicator")
    assert loaded.kind == "youth_justice" and loaded.areas == ["Hackney"]
    assert set(obs["period_start"]) == {date(2025, 1, 1)} and set(obs["period_end"]) == {date(2025, 3, 31)}
    fte = obs.loc["yj_fte_rate"]
    assert fte["numerator"] == 16 and fte["denominator"] == 24_500
    assert fte["value"] == pytest.approx(16 / 24_500 * 100_000 * 4)
    assert (fte["source_sheet"], fte["source_cell"]) == ("Return", "C9:D9")
    assert obs.loc["yj_custody", "source_cell"] == "E11"


def test_suppressed_cells_are_stored_as_suppressed_not_zero():
    suppressed = [load_file(f).observations for f in sample_files() if "city_of_london" in f.name]
    rows = [o[o["suppressed"]] for o in suppressed]
    flagged = sum(len(r) for r in rows)
    assert flagged >= 3
    assert all(r["value"].isna().all() for r in rows)


@pytest.mark.parametrize(
    "raw, number, suppressed, text",
    [
        (12, 12.0, False, None),
        (" 12 ", 12.0, False, None),
        ("1,234", 1234.0, False, None),
        ("<5", None, True, None),
        ("Under 5", None, True, None),
        ("*", None, True, None),
        ("twelve", None, False, "twelve"),
    ],
)
def test_cells_are_read_as_numbers_suppression_or_text(raw, number, suppressed, text):
    cell = read_cell(raw)
    assert (cell.number, cell.suppressed, cell.text) == (number, suppressed, text)


def _edited_return(tmp_path: Path, edits: dict[str, object]) -> Path:
    book = openpyxl.load_workbook(SAMPLE_RETURN)
    for ref, value in edits.items():
        book["Return"][ref] = value
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    "edits, expected",
    [
        ({"E11": "three"}, [("E11", "type-error")]),
        ({"E11": -3}, [("E11", "negative")]),
        ({"C12": 50, "D12": 35}, [("C12", "numerator-above-denominator")]),
        ({"A11": "yj_made_up"}, [("A11", "unknown-indicator")]),
        ({"B4": "Atlantis"}, [("B4", "unknown-area")]),
        ({"B5": "2024/25 Q7"}, [("B5", "bad-quarter")]),
        ({"E11": "three", "B4": "Atlantis"}, [("B4", "unknown-area")]),
        ({"E11": "three", "E24": "x y"}, [("E11", "type-error"), ("E24", "type-error")]),
    ],
)
def test_bad_cells_are_refused_naming_every_cell(tmp_path, edits, expected):
    with pytest.raises(ReturnRefused) as refused:
        load_file(_edited_return(tmp_path, edits))
    assert [(p.cell, p.code) for p in refused.value.problems] == expected
    assert all(p.file == "edited.xlsx" and p.sheet == "Return" for p in refused.value.problems)


def test_an_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"not a return")
    with pytest.raises(ReturnRefused, match="notes.docx"):
        load_file(path)


# ---- real MPS borough releases, three header layouts -------------------------------------------


def test_mps_2018_20_release_title_case_lookup_borough_name(reference):
    loaded = load_file(MPS_BOROUGH / "mps_borough_24m_201806-202005_LookUp_BoroughName.csv")
    april = date(2019, 4, 1)
    vap = figure(loaded, "Hackney", "mps_violence_against_the_person", april)
    assert vap["value"] == 613  # Homicide 2 + Violence with Injury 238 + Violence without Injury 373
    assert figure(loaded, "Hackney", "mps_total", april)["value"] == 2852
    assert figure(loaded, "Hackney", "mps_burglary", april)["value"] == 340
    obs = loaded.observations
    all_rows = obs[(obs["period_start"] == april) & (obs["indicator"] != "mps_total")]
    assert all_rows["value"].sum() == 74898
    assert loaded.vintage == "MPS borough 2018-06 to 2020-05"
    assert loaded.area_kinds == {"London Heathrow and London City Airports": "non_borough"}


def test_mps_2023_25_release_upper_case_borough_name(reference):
    loaded = load_file(MPS_BOROUGH / "mps_borough_24m_202312-202511.csv")
    assert figure(loaded, "Hackney", "mps_violence_against_the_person", date(2024, 4, 1))["value"] == 636
    assert figure(loaded, "Hackney", "mps_total", date(2025, 11, 1))["value"] == 2562
    assert figure(loaded, "Hackney", "mps_total", date(2025, 1, 1))["value"] == 2559
    assert set(loaded.area_kinds) == {"Unknown", "London Heathrow and London City Airports"}


def test_mps_newest_release_group_subgroup_bocu(reference):
    loaded = load_file(MPS_BOROUGH / "mps_borough_24m_202407-202606_Group_SubGroup_BOCU.csv")
    assert figure(loaded, "Hackney", "mps_total", date(2026, 6, 1))["value"] == 2867
    assert figure(loaded, "Hackney", "mps_violence_against_the_person", date(2026, 1, 1))["value"] == 651


def test_mps_historical_file_164_months(reference):
    loaded = load_file(MPS_BOROUGH / "mps_borough_historical_201004-202311.csv")
    hackney = loaded.observations[
        (loaded.observations["area"] == "Hackney") & (loaded.observations["indicator"] == "mps_total")
    ]
    assert len(hackney) == 164
    fy_2019 = hackney[
        (hackney["period_start"] >= date(2019, 4, 1)) & (hackney["period_start"] <= date(2020, 3, 1))
    ]
    assert fy_2019["value"].sum() == 33141
    assert figure(loaded, "Hackney", "mps_total", date(2010, 4, 1))["value"] == 2293
    assert figure(loaded, "Hackney", "mps_violence_against_the_person", date(2019, 4, 1))["value"] == 609
