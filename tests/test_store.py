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
    typed = loaded.observations.set_index("indicator").loc["yj_fte_rate"]
    assert (fte["numerator"], fte["denominator"]) == (typed["numerator"], typed["denominator"])
    assert fte["period_start"] == date(2025, 1, 1)
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
    from cspdash.completeness import returns_status

    kinds = {"youth_justice": ("Youth Justice", 30), "vawg": ("VAWG", 30)}
    received = {
        s.kind for s in returns_status(fresh_db, "Hackney", Quarter(2024, 4), kinds, date(2025, 1, 1)) if s.received_at
    }
    assert received == {"youth_justice"}
    set_target(fresh_db, "yj_kpi2_ete", 2024, 80, 5, "admin")
    set_target(fresh_db, "yj_kpi2_ete", 2024, 82, 4, "admin")
    targets = queries.targets(fresh_db)
    assert (targets[("yj_kpi2_ete", 2024)].value, targets[("yj_kpi2_ete", 2024)].tolerance) == (82, 4)


def test_mps_file_stores_monthly_figures_and_keeps_non_boroughs_apart(fresh_db, reference):
    loaded = load_file(reference / "mps_borough" / "mps_borough_24m_202312-202511.csv")
    save_return(fresh_db, loaded, "a")
    with Session(fresh_db) as session:
        kinds = dict(session.execute(select(models.Area.name, models.Area.kind)).all())
    assert kinds["Unknown"] == "non_borough" and kinds["Hackney"] == "la"
    export = queries.tidy_export(fresh_db)
    hackney = export[(export["area"] == "Hackney") & (export["indicator"] == "mps_total")]
    assert len(hackney) == 24
    assert set(export["vintage"]) == {"MPS borough 2023-12 to 2025-11"}


def _hackney_months(engine, indicator="mps_total"):
    frame = queries.current_observations(engine, area="Hackney")
    rows = frame[frame["indicator"] == indicator]
    return dict(zip(rows["period_start"], zip(rows["value"], rows["vintage"], strict=True), strict=True))


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0)])
def test_three_releases_the_newest_vintage_wins_and_the_older_are_kept(fresh_db, reference, order):
    names = [
        "mps_borough_24m_201806-202005_LookUp_BoroughName.csv",
        "mps_borough_24m_202312-202511.csv",
        "mps_borough_24m_202407-202606_Group_SubGroup_BOCU.csv",
    ]
    loaded = [load_file(reference / "mps_borough" / name) for name in names]
    for index in order:
        save_return(fresh_db, loaded[index], "a")
    months = _hackney_months(fresh_db)
    newest = loaded[2].observations
    newest = newest[(newest["area"] == "Hackney") & (newest["indicator"] == "mps_total") & (newest["breakdown"] == "")]
    for row in newest.itertuples():
        assert months[row.period_start] == (row.value, "MPS borough 2024-07 to 2026-06")
    assert months[date(2024, 6, 1)][1] == "MPS borough 2023-12 to 2025-11"  # only the middle release has it
    assert months[date(2019, 4, 1)] == (2852, "MPS borough 2018-06 to 2020-05")
    assert queries.observation_count(fresh_db) == sum(len(item.observations) for item in loaded)
    assert len(queries.submissions(fresh_db)) == 3


@pytest.mark.parametrize("column", ["area", "subgroup", "indicator", "period_start", "period_end", "value"])
def test_export_has_the_documented_columns(fresh_db, column):
    save_return(fresh_db, load_file(RETURNS / "2024-25_Q4_hackney_vawg.xlsx"), "a")
    assert column in queries.tidy_export(fresh_db).columns


def test_a_year_on_year_change_across_two_releases_says_so(fresh_db, reference):
    from cspdash.catalogue import load_catalogue
    from cspdash.indicator_view import indicator_view

    for name in (
        "mps_borough_historical_201004-202311.csv",
        "mps_borough_24m_202407-202606_Group_SubGroup_BOCU.csv",
    ):
        save_return(fresh_db, load_file(reference / "mps_borough" / name), "a")
    frame = queries.current_observations(fresh_db, area="Hackney")
    rows = frame[frame["indicator"] == "mps_total"]
    releases = queries.release_observations(fresh_db, "Hackney")
    view = indicator_view(load_catalogue().indicator("mps_total"), rows, Quarter(2024, 2), {}, releases)
    assert view.assessment.release_note.startswith(
        "2024/25 Q2 comes from MPS borough 2024-07 to 2026-06 and 2023/24 Q2 from MPS borough 2010-04 to 2023-11"
    )
    assert view.assessment.change_test is None  # shown, not tested
    same_release = indicator_view(load_catalogue().indicator("mps_total"), rows, Quarter(2025, 2), {}, releases)
    assert same_release.assessment.release_note is None and same_release.assessment.change_test is not None
