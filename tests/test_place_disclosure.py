"""The maps give nothing away: every figure a map, its table, its hover text or a drill-down shows,
added to the exported file a viewer downloads, still leaves every hidden count at least 5 wide for an
attacker with an integer-programming solver (the same attacker as `test_disclosure_attack`), on the
real Hackney LSOA extract and ward release."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa

from cspdash.place_charts import hover_text
from cspdash.service import Audience, BoardService
from tests.test_disclosure_attack import export, narrow, show


@pytest.fixture(scope="module")
def board(hackney_places_store):
    engine = sa.create_engine(hackney_places_store)
    yield BoardService(engine, Audience.PUBLIC).at()
    engine.dispose()


@pytest.fixture(scope="module")
def exported(hackney_places_store, tmp_path_factory) -> pd.DataFrame:
    return export(hackney_places_store, tmp_path_factory.mktemp("places_export") / "export.csv")


def every_map(board, level: str, quarters: list | None = None, measures=("count", "rate")) -> list:
    """Every map of the level: each indicator, in each of the quarters (all covered by default)."""
    maps = []
    for quarter in quarters or board.place_quarters("Hackney", level):
        for ind in board.place_indicators("Hackney", level):
            for measure in measures:
                found = board.place_map("Hackney", quarter, ind.id, level, measure)
                if found is not None:
                    maps.append((quarter, found))
    return maps


def newest_and_year_before(board, level: str) -> list:
    """The newest covered quarter and the one a year before it (which its maps show as "a year earlier")."""
    newest = board.place_quarters("Hackney", level)[-1]
    return [newest.shift(-4), newest]


def attacked(exported: pd.DataFrame, shown: pd.DataFrame, level: str) -> pd.DataFrame:
    """The export's rows of the level with the maps' rows added, as the attacker reads them."""
    mine = exported[exported["area_kind"] == level]
    combined = pd.concat([mine, shown[mine.columns.intersection(shown.columns)]], ignore_index=True)
    combined["x"] = pd.to_numeric(combined["value"].replace("", None), errors="coerce")
    combined["hidden"] = combined["x"].isna() & ((combined["published_as"] != "") | (combined["suppressed"] == "True"))
    combined["linear"] = True
    return combined


def map_rows(maps: list, exported: pd.DataFrame, level: str) -> pd.DataFrame:
    """What the maps publish, as rows of the export's own shape: each place's quarter, hidden or not."""
    vintage = exported.loc[exported["area_kind"] == level, "vintage"].iloc[0]
    rows = []
    for quarter, place_map in maps:
        for place in place_map.places:
            rows.append(
                dict(
                    area=place.name,
                    area_code=place.code,
                    area_kind=level,
                    parent_area="Hackney",
                    indicator=place_map.indicator_id,
                    breakdown="",
                    period_start=str(quarter.start),
                    period_end=str(quarter.end),
                    vintage=vintage,
                    value="" if place.hidden else f"{place.count:g}",
                    published_as=place_map.hidden_label if place.hidden else "",
                    suppressed=str(place.hidden),
                    not_applicable="False",
                )
            )
    frame = pd.DataFrame(rows).drop_duplicates()
    frame["x"] = pd.to_numeric(frame["value"].replace("", None), errors="coerce")
    frame["hidden"] = frame["x"].isna()
    frame["linear"] = True
    return frame


@pytest.mark.parametrize("level", ["lsoa", "ward"])
def test_nothing_the_maps_show_narrows_a_hidden_count(board, exported, level):
    """Every indicator's map of the newest quarter (with its year-earlier figures), and of the quarter
    a year before, beside the export's figures of the level (every month, and all crime's quarters)."""
    maps = every_map(board, level, newest_and_year_before(board, level), measures=("count",))
    shown = map_rows(maps, exported, level)
    assert shown["hidden"].sum() > 20, "the check needs hidden places to attack"
    found = narrow(attacked(exported, shown, level))
    assert found.empty, f"{len(found)} hidden cells pinned to a range under 5:\n{show(found)}"


def test_a_hidden_place_has_no_number_in_its_rate_class_change_or_hover(board):
    checked = 0
    for _, place_map in every_map(board, "lsoa", newest_and_year_before(board, "lsoa")):
        for place in place_map.places:
            if not place.hidden:
                continue
            checked += 1
            assert place.rate is None and place.band is None and place.change == "" and not place.hotspot
            words = hover_text(place, place_map)
            digits = re.sub(re.escape(place.code) + "|" + re.escape(place.name), "", words)
            assert not re.search(r"\d", digits.replace(place_map.hidden_label, "")), words
    assert checked > 100


def test_the_maps_quarter_of_all_crime_is_the_export_s_own(board, exported):
    """All recorded crime's quarters are published in the export too, protected with their months: the
    map shows exactly those."""
    quarter = board.place_quarters("Hackney", "lsoa")[-1]
    place_map = board.place_map("Hackney", quarter, "mps_total")
    rows = exported[
        (exported["area_kind"] == "lsoa")
        & (exported["indicator"] == "mps_total")
        & (exported["period_start"] == str(quarter.start))
        & (exported["period_end"] == str(quarter.end))
    ]
    assert len(rows) == len(place_map.places) == 149
    published = dict(zip(rows["area_code"], pd.to_numeric(rows["value"].replace("", None)), strict=True))
    for place in place_map.places:
        assert (place.count is None and pd.isna(published[place.code])) or place.count == published[place.code]


def test_the_attacker_finds_a_quarter_that_would_give_a_month_back(hackney_places_store, board, exported):
    """The check can fail: a category's quarter published from the stored months while one of them is
    hidden gives that month back."""
    quarter = board.place_quarters("Hackney", "lsoa")[-1]
    months = exported[
        (exported["area_kind"] == "lsoa")
        & (exported["indicator"] == "mps_robbery")
        & (exported["period_start"] >= str(quarter.start))
        & (exported["period_end"] <= str(quarter.end))
    ]
    hidden_months = months.groupby("area_code")["published_as"].apply(lambda s: (s != "").sum())
    code = hidden_months[hidden_months == 1].index[0]
    analyst = BoardService(sa.create_engine(hackney_places_store), Audience.ANALYST).at()
    stored = analyst._stored("small areas", "lsoa")
    stored = stored[stored["area_kind"] == "lsoa"]
    starts = pd.to_datetime(stored["period_start"]).dt.date
    ends = pd.to_datetime(stored["period_end"]).dt.date
    inside = stored[
        (stored["area_code"] == code)
        & (stored["indicator"] == "mps_robbery")
        & (starts >= quarter.start)
        & (ends <= quarter.end)
    ]
    maps = [
        (q, _with_count(m, code, float(inside["value"].sum())) if m.indicator_id == "mps_robbery" else m)
        for q, m in every_map(board, "lsoa", [quarter], measures=("count",))
    ]
    combined = attacked(exported, map_rows(maps, exported, "lsoa"), "lsoa")
    found = narrow(combined[combined["area_code"] == code].reset_index(drop=True))  # its relations are its own
    assert code in set(found["area_code"]), "the leak went unnoticed"


def _with_count(place_map, code: str, count: float):
    from dataclasses import replace

    places = tuple(replace(p, count=count) if p.code == code else p for p in place_map.places)
    return replace(place_map, places=places)


def _as_exported(frame: pd.DataFrame) -> dict:
    """Each small-area figure as (code, indicator, start, end) -> its value, or None when hidden."""
    hidden = (
        frame["suppressed"].astype(str).isin(["True", "true"]) | pd.to_numeric(frame["value"], errors="coerce").isna()
    )
    keys = zip(
        frame["area_code"],
        frame["indicator"],
        frame["period_start"].astype(str),
        frame["period_end"].astype(str),
        strict=True,
    )
    values = pd.to_numeric(frame["value"], errors="coerce")
    return {key: (None if h else float(v)) for key, h, v in zip(keys, hidden, values, strict=True)}


@pytest.mark.parametrize("files", ["hackney", "street"])
def test_the_board_service_hides_exactly_what_the_export_hides(files, hackney_places_store, tmp_path):
    """The maps read the board service; a viewer's file is the export. Each small-area figure is hidden in
    both or neither, police.uk's LSOAs (bound by their force's count) included."""
    import subprocess
    import sys

    from tests.conftest import REFERENCE, ROOT
    from tests.test_disclosure_attack import REAL_FILES

    if files == "hackney":
        url, area = hackney_places_store, "Hackney"
    else:
        url, area = f"sqlite:///{tmp_path / 'street.db'}", "City of London"
        command = ["ingest", *(str(REFERENCE / name) for name in REAL_FILES["street"]), "--db", url, "--create"]
        subprocess.run([sys.executable, "-m", "data_loaders", *command], cwd=ROOT, check=True, capture_output=True)
    exported = export(url, tmp_path / "export.csv")
    service = BoardService(sa.create_engine(url), Audience.PUBLIC).at()
    for level in service.place_levels(area):
        mine = service.small_areas(area, level)
        theirs = _as_exported(exported[exported["area_code"].isin(set(mine["area_code"]))])
        ours = _as_exported(mine)
        assert ours and set(ours) <= set(theirs)
        differ = [key for key, value in ours.items() if value != theirs[key]]
        assert differ == [], differ[:5]
