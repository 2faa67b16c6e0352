"""The store, on SQLite and on a real PostgreSQL server."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdash.periods import Quarter
from cspdash.store import models, queries
from cspdash.store.db import open_store, table_names
from cspdash.store.repository import save_return, set_target
from data_loaders import load_file

RETURNS = Path("sample_data/returns")


def test_migrations_create_every_table(fresh_db):
    assert {"areas", "subgroups", "indicators", "submissions", "observations", "targets", "audit_log"} <= set(
        table_names(fresh_db)
    )
    assert queries.partnership_areas(fresh_db) == ["Hackney", "City of London"]


def test_opening_twice_is_harmless(store_url):
    open_store(store_url).dispose()
    engine = open_store(store_url)
    assert queries.partnership_areas(engine) == ["Hackney", "City of London"]
    engine.dispose()


def test_a_saved_return_is_read_back_with_its_provenance(fresh_db):
    loaded = load_file(RETURNS / "2024-25_Q4_hackney_youth_justice.xlsx")
    result = save_return(fresh_db, loaded, "analyst@example.org")
    assert result.observations == 17 and not result.already_loaded
    obs = queries.current_observations(fresh_db, area="Hackney").set_index("indicator")
    fte = obs.loc["yj_fte_rate"]
    assert (fte["numerator"], fte["denominator"], fte["period_start"]) == (16, 24_500, date(2025, 1, 1))
    assert fte["source_file"] == "2024-25_Q4_hackney_youth_justice.xlsx" and fte["source_cell"] == "C9:D9"
    subs = queries.submissions(fresh_db)
    assert list(subs["file"]) == ["2024-25_Q4_hackney_youth_justice.xlsx"]
    assert subs["submitted_by"].iloc[0] == "analyst@example.org" and subs["area"].iloc[0] == "Hackney"
    with Session(fresh_db) as session:
        assert session.scalars(select(models.AuditEntry.action)).all() == ["upload"]


def test_the_same_file_twice_is_a_no_op(fresh_db):
    loaded = load_file(RETURNS / "2024-25_Q4_hackney_vawg.xlsx")
    first = save_return(fresh_db, loaded, "a")
    second = save_return(fresh_db, loaded, "a")
    assert second.already_loaded and second.submission_id == first.submission_id
    assert queries.observation_count(fresh_db) == first.observations


def test_a_later_submission_for_the_same_period_is_the_figure_in_force(fresh_db, tmp_path):
    import openpyxl

    original = RETURNS / "2024-25_Q4_hackney_youth_justice.xlsx"
    save_return(fresh_db, load_file(original), "a")
    book = openpyxl.load_workbook(original)
    book["Return"]["E11"] = 9  # custody revised from 3 to 9
    revised = tmp_path / "revised.xlsx"
    book.save(revised)
    save_return(fresh_db, load_file(revised), "a")
    obs = queries.current_observations(fresh_db, area="Hackney").set_index("indicator")
    assert obs.loc["yj_custody", "value"] == 9 and obs.loc["yj_custody", "source_file"] == "revised.xlsx"
    assert queries.observation_count(fresh_db) == 34  # the earlier revision is kept


def test_quarters_completeness_and_targets(fresh_db):
    for name in ("2024-25_Q3_hackney_vawg.xlsx", "2024-25_Q4_hackney_youth_justice.xlsx"):
        save_return(fresh_db, load_file(RETURNS / name), "a")
    assert queries.quarters_with_data(fresh_db, "Hackney") == [Quarter(2024, 3), Quarter(2024, 4)]
    assert queries.subgroups_reporting(fresh_db, "Hackney", Quarter(2024, 4)) == {"youth_justice"}
    set_target(fresh_db, "yj_kpi2_ete", 2024, 80, 5, "admin")
    set_target(fresh_db, "yj_kpi2_ete", 2024, 82, 4, "admin")
    targets = queries.targets(fresh_db)
    assert (targets[("yj_kpi2_ete", 2024)].value, targets[("yj_kpi2_ete", 2024)].tolerance) == (82, 4)


def test_mps_file_stores_monthly_figures_and_keeps_non_boroughs_apart(fresh_db, reference):
    loaded = load_file(reference / "mps_borough" / "mps_borough_24m_202312-202511.csv")
    save_return(fresh_db, loaded, "a")
    with Session(fresh_db) as session:
        kinds = dict(session.execute(select(models.Area.name, models.Area.kind)).all())
    assert kinds["Unknown"] == "non_borough" and kinds["Hackney"] == "borough"
    export = queries.tidy_export(fresh_db)
    shoreditch = export[(export["area"] == "Hackney") & (export["indicator"] == "mps_total")]
    assert len(shoreditch) == 24
    assert set(export["vintage"]) == {"MPS borough 2023-12 to 2025-11"}


@pytest.mark.parametrize("column", ["area", "subgroup", "indicator", "period_start", "period_end", "value"])
def test_export_has_the_documented_columns(fresh_db, column):
    save_return(fresh_db, load_file(RETURNS / "2024-25_Q4_hackney_vawg.xlsx"), "a")
    assert column in queries.tidy_export(fresh_db).columns
