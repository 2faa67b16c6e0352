"""An area's code comes from whichever file carries it, whatever the order the files were loaded in;
a file never blanks a code, and a different code never replaces the one stored. Stores made before
are mended by migration 0006."""

from dataclasses import replace

import pytest
from alembic import command
from sqlalchemy import insert, select, text

from cspdash.store import models
from cspdash.store.db import alembic_config, create_store_engine, open_store
from cspdash.store.repository import save_returns
from data_loaders import load_file
from data_loaders.ingest import area_code_warnings, ingest_files

KNIFE = "knife_crime/knife_crime_monthly_by_borough_extract.csv"
MPS = "mps_borough/mps_borough_24m_202312-202511.csv"  # no area codes


def _areas(engine) -> dict[tuple[str, str, str], str]:
    with engine.connect() as connection:
        rows = connection.execute(select(models.Area.kind, models.Area.parent, models.Area.name, models.Area.code))
        return {(kind, parent, name): code for kind, parent, name, code in rows}


def _emptied(url: str) -> str:
    """The same database, emptied, for a second store (PostgreSQL: the run's one database)."""
    if url.startswith("sqlite"):
        return url.replace("store.db", "second.db")
    engine = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def test_both_load_orders_give_the_same_areas_and_codes(store_url, reference):
    found = {}
    for order in ((KNIFE, MPS), (MPS, KNIFE)):
        url = store_url if not found else _emptied(store_url)
        engine = open_store(url)
        for name in order:
            report = ingest_files(engine, [reference / name], "test")
            assert not [w for w in report.warnings if w.code == "area-code"]
        found[order] = _areas(engine)
        engine.dispose()
    first, second = found.values()
    assert first == second
    assert first[("la", "", "Barking and Dagenham")] == "E09000002"
    assert first[("la", "", "Hackney")] == "E09000012"
    boroughs = {
        key: code for key, code in first.items() if key[0] == "la" and key[2] not in ("", "Non MET police force")
    }
    assert len(boroughs) == 33 and all(code.startswith("E09") for code in boroughs.values())


def test_a_file_without_codes_never_blanks_one_and_a_different_code_is_not_taken(fresh_db, reference):
    knife = load_file(reference / KNIFE)
    save_returns(fresh_db, [knife], "test")
    before = _areas(fresh_db)
    mps = load_file(reference / MPS)
    assert (mps.observations["area_code"] == "").all()
    save_returns(fresh_db, [mps], "test")
    after = _areas(fresh_db)
    assert {key: after[key] for key in before} == before

    obs = knife.observations.copy()
    barking = obs["area"] == "Barking and Dagenham"
    obs.loc[barking, "area_code"] = "E09999999"
    other = replace(knife, observations=obs, sha256="0" * 64, original_name="other.csv")
    warnings = area_code_warnings(fresh_db, [other])
    assert len(warnings) == 1
    (warning,) = warnings
    first = obs[barking].iloc[0]
    assert (warning.file, warning.sheet, warning.cell, warning.code, warning.is_warning) == (
        "other.csv",
        first["source_sheet"],
        first["source_cell"],
        "area-code",
        True,
    )
    assert warning.message == (
        "Barking and Dagenham has the code E09999999 here, but its code is already known as E09000002: "
        "E09000002 is kept"
    )
    save_returns(fresh_db, [other], "test")
    assert _areas(fresh_db)[("la", "", "Barking and Dagenham")] == "E09000002"


def test_a_later_file_of_one_batch_with_another_code_is_warned_of(fresh_db, reference):
    knife = load_file(reference / KNIFE)
    obs = knife.observations.copy()
    obs.loc[obs["area"] == "Barnet", "area_code"] = "E09999998"
    other = replace(knife, observations=obs, sha256="1" * 64, original_name="other.csv")
    warnings = area_code_warnings(fresh_db, [knife, other])
    assert [(w.file, w.message.split(" has ")[0]) for w in warnings] == [("other.csv", "Barnet")]


def test_a_file_coding_an_area_only_on_some_rows_gives_it_that_code(fresh_db, reference):
    knife = load_file(reference / KNIFE)
    obs = knife.observations.copy()
    barnet = obs.index[obs["area"] == "Barnet"]
    obs.loc[barnet[: len(barnet) // 2], "area_code"] = ""  # the first rows of Barnet have no code
    save_returns(fresh_db, [replace(knife, observations=obs)], "test")
    assert _areas(fresh_db)[("la", "", "Barnet")] == "E09000003"


def test_the_migration_fills_the_empty_codes_of_an_old_store(store_url):
    engine = create_store_engine(store_url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        rows = [
            ("la", "", "Barking and Dagenham", ""),  # a London borough: its ONS code
            ("la", "", "Barnet", "E09000003"),  # a code already there stays
            ("la", "", "Somewhere Else", ""),  # not known: stays empty
            ("non_borough", "", "Unknown", ""),
            ("ward", "Hackney", "Hoxton East", "E05009377"),
            ("ward", "", "Hoxton East", ""),  # the same ward without its parent: the other row's code
            ("ward", "Hackney", "Victoria", "E05009390"),
            ("ward", "Westminster", "Victoria", "E05013806"),
            ("ward", "", "Victoria", ""),  # two wards of that name: which one is not known
        ]
        connection.execute(
            insert(models.Area),
            [dict(kind=k, parent=p, name=n, code=c, in_partnership=False) for k, p, n, c in rows],
        )
        version = connection.scalar(text("SELECT version FROM store_version"))
    engine.dispose()
    engine = open_store(store_url)
    areas = _areas(engine)
    assert areas[("la", "", "Barking and Dagenham")] == "E09000002"
    assert areas[("la", "", "Barnet")] == "E09000003"
    assert areas[("la", "", "Somewhere Else")] == ""
    assert areas[("non_borough", "", "Unknown")] == ""
    assert areas[("ward", "", "Hoxton East")] == "E05009377"
    assert areas[("ward", "", "Victoria")] == ""
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT version FROM store_version")) == version + 1
    engine.dispose()


@pytest.mark.parametrize("order", [(KNIFE, MPS), (MPS, KNIFE)])
def test_an_old_store_made_in_either_order_is_mended_to_the_same_codes(tmp_path, reference, order):
    """The bug as it was: the first file's codes kept. Made so by hand, then migrated."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_store(url)
    for name in order:
        ingest_files(engine, [reference / name], "test")
    expected = _areas(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")  # the later revisions' tables out of the way
        connection.execute(text("UPDATE areas SET code = '' WHERE name NOT IN ('Hackney', 'City of London')"))
        connection.execute(text("DROP INDEX ix_areas_name"))  # as the store was at 0005
        connection.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    engine.dispose()
    engine = open_store(url)
    assert _areas(engine) == expected
    engine.dispose()
