"""The export reads the store and writes its CSV quickly, and exactly as before: `tidy_export` gives the
same frame as the straightforward query it replaced (kept here), on SQLite and PostgreSQL, and
`csv_bytes` the same bytes as neutralising every cell one at a time and letting pandas write them."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from cspdash.exports import csv_bytes
from cspdash.safe_text import neutralise_cell
from cspdash.store import models, queries, records
from cspdash.store.queries import EXPORT_COLUMNS, tidy_export
from cspdash.store.repository import save_returns
from data_loaders import load_file
from data_loaders.ingest import check_upload, ingest_files, load_sample_if_empty
from tests.conftest import MPS_BOROUGH, ROOT, require

HISTORICAL = MPS_BOROUGH / "mps_borough_historical_201004-202311.csv"
RETURN = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
TRICKY = ["=", "+", "-", "@", "\t", "\r", '"', ",", "\n", "'", " ", "1", ".", "e", "é", "£", "–", "😀", "a", "\x0b"]


def reference_tidy_export(engine) -> pd.DataFrame:
    """The export as it was read before: one query joining every figure to its area, indicator and
    submission, dates converted row by row, the latest revision kept, sorted (`current_observations`)."""
    obs, sub, ind, area_t = models.Observation, models.Submission, models.Indicator, models.Area
    query = (
        select(
            area_t.name.label("area"),
            area_t.code.label("area_code"),
            area_t.kind.label("area_kind"),
            area_t.parent.label("parent_area"),
            ind.subgroup_id.label("subgroup"),
            obs.indicator_id.label("indicator"),
            obs.breakdown,
            obs.period_start,
            obs.period_end,
            obs.value,
            obs.numerator,
            obs.denominator,
            obs.suppressed,
            obs.not_applicable,
            sub.vintage,
            sub.vintage_end,
            sub.kind,
            obs.submission_id,
            ind.name.label("indicator_name"),
            sub.original_name.label("source_file"),
            obs.source_sheet,
            obs.source_cell,
            sub.submitted_by,
            sub.submitted_at,
        )
        .join(sub, obs.submission_id == sub.id)
        .join(ind, obs.indicator_id == ind.id)
        .join(area_t, obs.area_id == area_t.id)
        .where(sub.status == "active")
        .order_by(obs.id)  # the order SQLite reads them in (PostgreSQL's is its own)
    )
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    if frame.empty:
        return pd.DataFrame(columns=EXPORT_COLUMNS)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
    frame["suppressed"] = frame["suppressed"].astype(bool)
    frame["not_applicable"] = frame["not_applicable"].astype(bool)
    frame["vintage_end"] = pd.to_datetime(frame["vintage_end"])
    key = ["indicator", "area", "area_kind", "parent_area", "breakdown", "period_start", "period_end"]
    ordered = frame.sort_values(["vintage_end", "submission_id"], na_position="first", kind="stable")
    latest = ordered.drop_duplicates(key, keep="last")
    order = ["area_kind", "parent_area", "area", "subgroup", "indicator", "breakdown", "period_start"]
    return latest.sort_values(order).reset_index(drop=True)[EXPORT_COLUMNS].reset_index(drop=True)


def reference_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as it was written before: every text cell neutralised one at a time, then pandas' `to_csv`."""
    safe = frame.copy()
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    return safe.to_csv(index=False).encode("utf-8")


def mps_months(tmp_path: Path, months: int) -> Path:
    """The historical MPS borough file cut to its first `months` month columns (a release of its own)."""
    with HISTORICAL.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row[: 3 + months] for row in csv.reader(handle)]
    path = tmp_path / f"mps_borough_first_{months}m.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def hostile_knife(path: Path) -> Path:
    """A knife crime release whose sheet and borough names start formulas and carry quotes and commas."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "+SUM(2)"
    sheet.append(
        ["month_year", "area_type", "borough_snt", "area_name", "area_code", "crime_type", "crime_subtype"]
        + ["measure", "count"]
    )
    for borough in ("Hackney", "@SUM(1+1)*cmd|' /C calc'!A0", '=HYPERLINK("x","y"), ok'):
        sheet.append(["2024-01-01", "Borough", borough, borough, "", "Knife Crime", "Knife Crime", "Offences", 5])
    book.save(path)
    return path


@pytest.fixture
def varied_store(fresh_db, tmp_path):
    """Every sample return; two releases of the MPS borough file covering the same months, the newer
    release loaded first (so the older, loaded later, is not in force); a revised return; a withdrawn
    file; a release with hostile names."""
    require(HISTORICAL.exists(), f"reference data not found at {HISTORICAL}")
    engine = fresh_db
    load_sample_if_empty(engine)
    ingest_files(engine, [mps_months(tmp_path, 4)], submitted_by="analyst")
    ingest_files(engine, [mps_months(tmp_path, 2)], submitted_by="analyst")
    book = openpyxl.load_workbook(RETURN)
    book["Return"]["E11"] = 9  # custody revised
    revised = tmp_path / "revised.xlsx"
    book.save(revised)
    save_returns(engine, [load_file(revised)], "analyst")
    book["Return"]["E11"] = 11
    withdrawn = tmp_path / "withdrawn.xlsx"
    book.save(withdrawn)
    result = save_returns(engine, [load_file(withdrawn)], "analyst")[0]
    records.withdraw_submission(engine, result.submission_id, "admin", "typed in error")
    knife = check_upload(engine, '=knife, "quoted".xlsx', hostile_knife(tmp_path / "knife.xlsx").read_bytes(), {})
    assert knife.ok, knife.problems
    save_returns(engine, [knife.loaded], "-analyst")
    return engine


def test_tidy_export_is_the_frame_the_plain_query_gives(varied_store):
    new, old = tidy_export(varied_store), reference_tidy_export(varied_store)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    assert len(new) > 10_000 and new["vintage"].isna().any() and new["numerator"].notna().any()
    assert {'=knife, "quoted".xlsx', "mps_borough_first_4m.csv"} <= set(new["source_file"])
    assert "mps_borough_first_2m.csv" not in set(new["source_file"])  # an older release loaded later
    assert "withdrawn.xlsx" not in set(new["source_file"])
    assert csv_bytes(new) == reference_csv_bytes(old)


def test_tidy_export_of_an_empty_store(fresh_db):
    pd.testing.assert_frame_equal(tidy_export(fresh_db), reference_tidy_export(fresh_db))
    assert list(tidy_export(fresh_db).columns) == EXPORT_COLUMNS


def test_tidy_export_with_no_numerators(fresh_db):
    """Columns empty throughout come back as pandas reads them (None throughout), as before."""
    require(MPS_BOROUGH.is_dir(), f"reference data not found at {MPS_BOROUGH}")
    ingest_files(fresh_db, [MPS_BOROUGH / "mps_borough_24m_202312-202511.csv"], submitted_by="analyst")
    new = tidy_export(fresh_db)
    pd.testing.assert_frame_equal(new, reference_tidy_export(fresh_db), check_exact=True)
    assert new["numerator"].dtype == object and new["numerator"].isna().all()


def tricky_text(rng: random.Random, size: int) -> list[str]:
    return ["".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 6))) for _ in range(size)]


def tricky_frame(seed: int, rows: int = 400) -> pd.DataFrame:
    rng = random.Random(seed)
    text = tricky_text(rng, rows)
    with_gaps = [None if rng.random() < 0.2 else t for t in tricky_text(rng, rows)]
    numbers = [rng.choice([0.0, -0.0, 1.5, -2.25, 1e16, 1e-5, 123456789.123, float("nan"), 7.0]) for _ in range(rows)]
    return pd.DataFrame(
        {
            "=text": pd.Series(text, dtype="str"),
            "gaps": pd.Series(with_gaps, dtype="str"),
            "nullable": pd.Series(with_gaps, dtype="string"),
            "object text": pd.Series(with_gaps, dtype=object),
            "numbers as text": pd.Series([rng.choice(["-12", "+1.5e3", "-.5", "=1", "-x"]) for _ in range(rows)]),
            "dates": pd.Series([None if rng.random() < 0.1 else date(2024, 1, 1 + i % 28) for i in range(rows)]),
            "nothing": pd.Series([None] * rows, dtype=object),
            "value": numbers,
            "count": np.arange(rows, dtype=np.int64) - 5,
            "flag": [rng.random() < 0.5 for _ in range(rows)],
            "mixed": pd.Series([rng.choice(["-a", 1.5, None, "b"]) for _ in range(rows)], dtype=object),
            "stamps": pd.to_datetime([datetime(2024, 1, 1, 10, 0)] * rows),
        }
    )


@pytest.mark.parametrize("seed", range(8))
def test_csv_bytes_are_those_of_neutralising_every_cell(seed):
    frame = tricky_frame(seed)
    assert csv_bytes(frame) == reference_csv_bytes(frame)
    typed = frame.drop(columns=["mixed", "stamps"])  # only kinds written column by column
    assert csv_bytes(typed) == reference_csv_bytes(typed)
    for column in typed.columns:  # each kind beside a plain one
        pair = typed[[column, "count"]]
        assert csv_bytes(pair) == reference_csv_bytes(pair), column


def test_csv_bytes_of_odd_frames():
    cases = [
        pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype=float)}),
        pd.DataFrame({"only": ["", "=1", None]}),
        pd.DataFrame({"a": ["", ""], "b": ["", None]}),
        pd.DataFrame({"a,b": ["x"], 'say "hi"': ["-\n"], "\rcr": ["\r"], "@": ["\t"]}),
        pd.DataFrame({"a": ["\u2028x", "\x85y", "\x00z"], "b": [1.0, None, 3.0]}),
    ]
    for frame in cases:
        assert csv_bytes(frame) == reference_csv_bytes(frame), frame


def test_the_published_export_of_two_years_of_mps_history_is_unchanged(tmp_path):
    """Two years of the MPS borough history through the disclosure pass, against the reference."""
    require(HISTORICAL.exists(), f"reference data not found at {HISTORICAL}")
    from cspdash.protected import publication_table
    from cspdash.store.db import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    ingest_files(engine, [mps_months(tmp_path, 24)], submitted_by="analyst")
    new, old = tidy_export(engine), reference_tidy_export(engine)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    from cspdash.catalogue import load_catalogue
    from data_loaders.kinds import disclosure_rules

    published = publication_table(new, load_catalogue(), disclosure_rules())
    assert csv_bytes(published) == reference_csv_bytes(publication_table(old, load_catalogue(), disclosure_rules()))
    assert queries.observation_count(engine) == len(new)
    engine.dispose()


def test_csv_of_the_export_reads_back(varied_store):
    frame = tidy_export(varied_store)
    again = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
    assert again[0] == EXPORT_COLUMNS and len(again) == len(frame) + 1
