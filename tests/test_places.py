"""Where it happens: what the board reads from a map of small areas, on the real Hackney LSOA extract
and ward release (`hackney_places_store`), the sample's London boroughs, and small hand-made frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from cspdash import geography
from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.places import CLASS_LIMITS, place_map, quarter_figures
from cspdash.service import Audience, BoardService
from cspdash.store.db import open_store

Q3 = Quarter(2025, 3)  # October to December 2025: the newest quarter the LSOA extract covers


@pytest.fixture(scope="module")
def board(hackney_places_store):
    engine = sa.create_engine(hackney_places_store)
    yield BoardService(engine, Audience.PUBLIC).at()
    engine.dispose()


def months(code: str, values: list, indicator: str = "mps_robbery", first: date = date(2025, 10, 1)) -> pd.DataFrame:
    """A place's monthly published rows: a value of None is hidden."""
    rows = []
    for n, value in enumerate(values):
        start = pd.Timestamp(first) + pd.DateOffset(months=n)
        rows.append(
            dict(
                area=f"Place {code}",
                area_code=code,
                area_kind="lsoa",
                parent_area="Hackney",
                indicator=indicator,
                breakdown="",
                period_start=start.date(),
                period_end=(start + pd.offsets.MonthEnd(0)).date(),
                value=value,
                suppressed=value is None,
                vintage="test release",
            )
        )
    return pd.DataFrame(rows)


def test_a_quarter_with_a_hidden_month_is_hidden_and_a_stated_quarter_is_used_as_published():
    frame = pd.concat([months("A", [10, None, 7]), months("B", [3, 0, 6]), months("C", [9, 9])])
    assert quarter_figures(frame, Q3) == {"A": None, "B": 9.0}  # C lacks December: left out
    stated = months("D", [1, 1, 1]).assign(value=[None, None, None], suppressed=True)
    whole = stated.iloc[[0]].assign(period_start=Q3.start, period_end=Q3.end, value=40.0, suppressed=False)
    assert quarter_figures(pd.concat([stated, whole]), Q3) == {"D": 40.0}


def test_every_hackney_lsoa_is_on_the_map_of_all_crime_and_none_is_hidden(board):
    found = board.place_map("Hackney", Q3, "mps_total")
    assert len(found.places) == 149 and {p.code for p in found.places} == set(geography.lsoa_shapes("E09000012"))
    assert found.hidden_count == 0  # all crime's quarters are published with their months
    assert found.period == "2025/26 Q3 (October to December 2025)"
    assert found.previous_period == "2024/25 Q3"
    assert found.finding.startswith("All recorded crime, 2025/26 Q3")
    assert "Hackney 033C" in found.finding  # the LSOA with the most crime (Shoreditch)


def test_rates_use_the_2011_population_only_where_the_lsoa_is_unchanged(board):
    rated = board.place_map("Hackney", Q3, "mps_total", measure="rate")
    with_rate = [p for p in rated.places if p.rate is not None]
    assert len(with_rate) == 136  # 149 LSOAs in 2021, 136 with the same code in 2011
    assert all(p.band is None for p in rated.places if p.rate is None)
    place = with_rate[0]
    assert place.rate == pytest.approx(place.count / place.residents * 1000)
    assert "mid-2020" in rated.method and "count only" in rated.method


def test_the_classes_are_fixed_multiples_of_the_average_and_stated(board):
    found = board.place_map("Hackney", Q3, "mps_total")
    average = sum(p.count for p in found.shown) / len(found.shown)
    for place in found.shown:
        ratio = place.count / average
        assert place.band == sum(ratio >= limit for limit in CLASS_LIMITS)
    assert found.bands[0] == "Under half the Hackney average" and len(found.bands) == 5
    assert "Not smoothed" in found.method


def test_small_counts_are_not_made_hotspots():
    """Four robberies where the average is under two are within chance; thirty are not."""
    catalogue = load_catalogue()
    ordinary = [months(f"P{n}", [0, 1, 0]) for n in range(40)]
    frame = pd.concat([*ordinary, months("SMALL", [2, 1, 1]), months("BIG", [10, 12, 8])])
    found = place_map(frame, catalogue, "Hackney", "E09000012", "lsoa", "mps_robbery", Q3)
    by_code = {p.code: p for p in found.places}
    assert not by_code["SMALL"].hotspot and by_code["BIG"].hotspot
    assert by_code["SMALL"].band == 4  # twice the average or more, but not beyond chance


def test_a_change_is_shown_only_when_beyond_chance():
    catalogue = load_catalogue()
    year_before = date(2024, 10, 1)
    frame = pd.concat(
        [months(f"P{n}", [5, 6, 5]) for n in range(10)]
        + [months(f"P{n}", [6, 5, 5], first=year_before) for n in range(10)]
        + [months("UP", [40, 38, 45]), months("UP", [5, 6, 5], first=year_before)]
        + [months("SAME", [7, 8, 6]), months("SAME", [5, 6, 6], first=year_before)]
    )
    found = place_map(frame, catalogue, "Hackney", "E09000012", "lsoa", "mps_robbery", Q3)
    by_code = {p.code: p for p in found.places}
    assert by_code["UP"].change == "up" and "beyond chance" in by_code["UP"].change_words
    assert by_code["SAME"].change == "" and "no change beyond chance" in by_code["SAME"].change_words
    assert "up in 1 (Place UP)" in found.finding


def test_the_ward_figures_are_listed_and_say_how_many_are_hidden(board):
    wards = board.place_map("Hackney", Q3, "mps_robbery", level="ward")
    assert len(wards.places) == 21 and wards.level_words == ("ward", "wards")
    assert f"{wards.hidden_count} wards hidden" in wards.finding


def test_a_drill_down_gives_the_months_and_the_crime_types(board):
    detail = board.place_detail("Hackney", "lsoa", "E01033708", "mps_total", Q3)  # Hackney 033C
    assert detail.name == "Hackney 033C" and len(detail.months) == 24  # Mar 2024 to Feb 2026
    assert detail.note.startswith("Left out: Feb 2024")  # the release holds 1 crime for Hackney that month
    assert detail.spc_ready and detail.spc is not None and detail.spc.usable
    assert detail.types[0][0] == "Theft"
    named = [name for name, _ in detail.types]
    assert "All recorded crime" not in named and len(named) == len(set(named))


def test_the_london_comparison_is_a_map_of_boroughs_with_the_area_and_its_neighbours_outlined(sample_store_url):
    service = BoardService(open_store(sample_store_url), Audience.PUBLIC).at()
    quarter = Quarter(2024, 4)
    boroughs = service.borough_map("Hackney", quarter, "mps_robbery")
    assert boroughs.level == "borough" and len(boroughs.places) >= 32
    assert {p.code for p in boroughs.places} <= set(geography.borough_shapes())
    highlighted = {p.name: p.highlight for p in boroughs.places if p.highlight}
    assert highlighted["Hackney"] == "area" and list(highlighted.values()).count("similar") >= 3
    funnel = next(f for f in service.london_funnels("Hackney", quarter) if f.indicator == "Robbery")
    assert {p.name for p in boroughs.places if p.hotspot} == {
        p.name for p in funnel.funnel.points if p.band == "above 99.8%"
    }
    assert boroughs.finding.startswith(funnel.sentence)
