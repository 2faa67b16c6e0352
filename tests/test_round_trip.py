"""Template → filled in by an analyst → validate → ingest → export gives back what was typed."""

import io
import random
import subprocess
import sys
from datetime import date

import openpyxl
import pandas as pd
import pytest

from cspdash.catalogue import load_catalogue
from data_loaders.kinds import return_kinds
from data_loaders.template import HEADER_ROW, template_bytes
from tests.conftest import ROOT

CATALOGUE = load_catalogue()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT)


def fill(kind: str, rng: random.Random) -> tuple[openpyxl.Workbook, dict]:
    """The template filled as an analyst would: counts as values, percentages and rates as parts."""
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(kind, today=date(2025, 5, 1))))
    sheet = book["Return"]
    sheet["B4"], sheet["B5"], sheet["B6"] = "City of London", "2024/25 Q3", "A. Analyst"
    typed = {}
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        ind = CATALOGUE.indicator(sheet.cell(row, 1).value)
        if ind.unit == "count":
            value = "<5" if rng.random() < 0.2 else rng.randint(5, 400)
            sheet.cell(row, 5, value)
            typed[ind.id] = (None, None, value)
        else:
            denominator = rng.randint(5, 200) if ind.unit == "percent" else rng.randint(500, 9000)
            numerator = rng.randint(0, denominator)
            if ind.id in return_kinds()[kind].ranges:  # within the range its kind declares (a rate a year)
                denominator = rng.randint(2000, 9000)
                numerator = rng.randint(5, int(denominator * return_kinds()[kind].ranges[ind.id][1] // 400_000))
            sheet.cell(row, 3, numerator)
            sheet.cell(row, 4, denominator)
            typed[ind.id] = (numerator, denominator, None)
    return book, typed


def _satisfy_rules(kind: str, sheet, typed: dict) -> None:
    """Make the filled figures obey the kind's cross-field rules (parts add up to totals)."""
    rows = {sheet.cell(r, 1).value: r for r in range(HEADER_ROW + 1, sheet.max_row + 1)}
    for rule in return_kinds()[kind].rules:
        if rule.type == "sum":
            parts = [typed[p][2] for p in rule.parts]
            if any(isinstance(p, str) for p in parts):
                for part in rule.parts:
                    sheet.cell(rows[part], 5, 7)
                    typed[part] = (None, None, 7)
                parts = [7] * len(rule.parts)
            sheet.cell(rows[rule.total], 5, sum(parts))
            typed[rule.total] = (None, None, sum(parts))
        else:
            whole = typed[rule.total][2]
            if isinstance(whole, str):
                whole = 40
                sheet.cell(rows[rule.total], 5, whole)
                typed[rule.total] = (None, None, whole)
            for part in rule.parts:
                numerator = min(typed[part][0], whole)
                sheet.cell(rows[part], 3, numerator)
                sheet.cell(rows[part], 4, whole)
                typed[part] = (numerator, whole, None)


@pytest.mark.parametrize("kind", sorted(return_kinds()))
def test_what_is_typed_into_a_template_comes_back_out_of_export(kind, tmp_path):
    book, typed = fill(kind, random.Random(kind))
    _satisfy_rules(kind, book["Return"], typed)
    path = tmp_path / f"{kind}.xlsx"
    book.save(path)
    db = f"sqlite:///{tmp_path / 'round.db'}"
    validate = cli("validate", str(path))
    assert validate.returncode == 0, validate.stdout
    assert cli("ingest", str(path), "--db", db, "--create").returncode == 0  # a new store: said so
    out = tmp_path / "export.csv"
    assert cli("export", "--db", db, "-o", str(out)).returncode == 0
    export = pd.read_csv(out, keep_default_na=False, dtype=str).set_index("indicator")
    assert set(export.index) == set(typed)
    assert set(export["area"]) == {"City of London"}
    assert set(export["period_start"]) == {"2024-10-01"} and set(export["period_end"]) == {"2024-12-31"}
    for ind_id, (numerator, denominator, value) in typed.items():
        row = export.loc[ind_id]
        ind = CATALOGUE.indicator(ind_id)
        if value == "<5":
            assert (row["suppressed"], row["value"]) == ("True", "")
        elif value is not None:
            assert float(row["value"]) == value and row["suppressed"] == "False"
        else:
            assert (float(row["numerator"]), float(row["denominator"])) == (numerator, denominator)
            assert float(row["value"]) == pytest.approx(ind.value_from(numerator, denominator))
        assert row["source_file"] == f"{kind}.xlsx" and row["source_sheet"] == "Return"
