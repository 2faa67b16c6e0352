"""The boundaries the dashboard ships, checked against the reference data (README facts, the source
GeoJSON, a real MPS LSOA release), and the offline map drawn from them: no number for a hidden place,
the licence on the map, nothing fetched from the network, and a static image from kaleido."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest

from cspdash import geography
from cspdash.boardpack import ChartsUnavailable, render_charts
from cspdash.geography import (
    ATTRIBUTION,
    borough_shape,
    borough_shapes,
    lsoa_names,
    lsoa_residents,
    lsoa_shapes,
    residents_2011,
)
from cspdash.place_charts import hover_text, place_figure
from cspdash.place_records import CHANGE_DOWN, CHANGE_UP, Place, PlaceMap
from tests.conftest import REFERENCE, require

HACKNEY, CITY = "E09000012", "E09000001"
HACKNEY_EXTRACT = REFERENCE / "mps_lsoa" / "mps_lsoa_24m_202402-202602_hackney_extract.csv"
HIDDEN_LABEL = "Hidden: fewer than 5, or would reveal one"


def _reference_features(name: str) -> list[dict]:
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    return json.loads((REFERENCE / "geography" / name).read_text(encoding="utf-8"))["features"]


# ---- the shipped boundaries --------------------------------------------------------------------


def test_every_lsoa_of_a_real_hackney_release_has_a_shape():
    require(HACKNEY_EXTRACT.is_file(), f"reference data not found at {HACKNEY_EXTRACT}")
    with open(HACKNEY_EXTRACT, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = {row["lsoa_code"] for row in rows}
    shapes = lsoa_shapes(HACKNEY)
    assert len(codes) == 149 and len(shapes) == 149
    assert codes == set(shapes)
    names = lsoa_names(HACKNEY)
    assert all(names[row["lsoa_code"]] == row["lsoa_name"] for row in rows)  # the release's names too


def test_the_readme_facts():
    names = lsoa_names(HACKNEY)
    assert names["E01033708"] == "Hackney 033C" and list(names) == sorted(names)
    assert lsoa_shapes()["E01033708"].parent_code == HACKNEY
    assert len(lsoa_shapes()) == 4_994
    assert len(lsoa_shapes(CITY)) == 6
    assert len(lsoa_shapes("E09000008")) == 229  # Croydon has the most
    boroughs = borough_shapes()
    assert list(boroughs) == [f"E09{n:06d}" for n in range(1, 34)]
    assert boroughs[HACKNEY].name == "Hackney" and boroughs[CITY].name == "City of London"
    assert len(boroughs[HACKNEY].polygons) == 1 and len(boroughs[CITY].polygons) == 1  # single Polygons
    assert lsoa_shapes("E09999999") == {} and borough_shape("E09999999") is None


def test_shapes_are_well_formed_and_centroids_fall_inside():
    lon = (-0.5104, 0.3341)  # the README's bounding box of every file
    lat = (51.2867, 51.6919)
    for shape in [*lsoa_shapes().values(), *borough_shapes().values()]:
        for polygon in shape.polygons:
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1], shape.code
        x0, y0, x1, y1 = shape.bounds
        assert lon[0] <= x0 < x1 <= lon[1] and lat[0] <= y0 < y1 <= lat[1], shape.code
        cx, cy = shape.centroid
        assert x0 <= cx <= x1 and y0 <= cy <= y1, shape.code
    hackney = borough_shape(HACKNEY)
    for shape in lsoa_shapes(HACKNEY).values():  # every Hackney LSOA lies within the borough's box
        x0, y0, x1, y1 = shape.bounds
        hx0, hy0, hx1, hy1 = hackney.bounds
        assert hx0 <= x0 and hy0 <= y0 and x1 <= hx1 and y1 <= hy1


def test_the_shipped_shapes_are_the_reference_shapes_rounded():
    for name, code_key, name_key, parent_key, shipped in (
        ("london_lsoa2021.geojson", "LSOA21CD", "LSOA21NM", "LAD22CD", lsoa_shapes()),
        ("london_boroughs.geojson", "LAD22CD", "LAD22NM", None, borough_shapes()),
    ):
        source = _reference_features(name)
        assert {f["properties"][code_key] for f in source} == set(shipped)
        for feature in source:
            p = feature["properties"]
            shape = shipped[p[code_key]]
            assert shape.name == p[name_key]
            assert shape.parent_code == (p[parent_key] if parent_key else "")
            geometry = feature["geometry"]
            parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            assert len(parts) == len(shape.polygons) and [len(q) for q in parts] == [len(q) for q in shape.polygons]
            for polygon, shipped_polygon in zip(parts, shape.polygons, strict=True):
                for ring, shipped_ring in zip(polygon, shipped_polygon, strict=True):
                    original, rounded = np.asarray(ring), np.asarray(shipped_ring)
                    # every shipped vertex is within 0.0001° of a vertex of the same source ring
                    nearest = np.abs(rounded[:, None, :] - original[None, :, :]).max(axis=2).min(axis=1)
                    assert nearest.max() <= 0.0001 + 1e-9, p[code_key]
                    box = np.r_[original.min(axis=0), original.max(axis=0)]
                    shipped_box = np.r_[rounded.min(axis=0), rounded.max(axis=0)]
                    assert np.abs(box - shipped_box).max() <= 0.0002, p[code_key]


def test_the_shipped_files_are_small_and_licensed():
    for path in (geography.LSOA_FILE, geography.BOROUGH_FILE, geography.POPULATION_FILE):
        assert path.stat().st_size < 1_000_000, path.name
    licence = geography.LICENCE_FILE.read_text(encoding="utf-8")
    assert " / ".join(line.strip() for line in licence.splitlines() if line.strip()) == ATTRIBUTION
    if REFERENCE.is_dir():
        assert licence == (REFERENCE / "geography" / "LICENCE-london-data.txt").read_text(encoding="utf-8")
    assert "Open Government Licence" in ATTRIBUTION and "Crown copyright" in ATTRIBUTION


def test_lsoa_residents_are_the_reference_mid_2020_figures():
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    with open(REFERENCE / "population" / "london_lsoa_mid2020_pop_broad_ages.csv", newline="") as handle:
        expected = {r["LSOA11CD"]: int(r["Persons_All-Ages"]) for r in csv.DictReader(handle)}
    assert lsoa_residents() == expected and len(expected) == 4_835
    assert residents_2011("E01000001") == 1_749
    assert residents_2011("E01033708") is None or residents_2011("E01033708") == expected["E01033708"]
    assert residents_2011("not a code") is None


# ---- the map -----------------------------------------------------------------------------------


def _place_map(places: tuple[Place, ...]) -> PlaceMap:
    return PlaceMap(
        area="Hackney",
        area_code=HACKNEY,
        level="lsoa",
        indicator_id="burglary",
        indicator_name="Burglary",
        period="2025/26 Q3 (October to December 2025)",
        previous_period="2024/25 Q3",
        measure="rate",
        places=places,
        bands=("Under 2.0", "2.0 to 3.9", "4.0 or more"),
        hidden_label=HIDDEN_LABEL,
        finding="Hackney 002A had the highest rate.",
        method="Equal intervals; mid-2020 residents; counts under 5 hidden.",
        source="MPS LSOA 2024-02 to 2026-02",
        attribution=ATTRIBUTION,
    )


@pytest.fixture
def three_places() -> PlaceMap:
    names = lsoa_names(HACKNEY)
    a, b, c = "E01001714", "E01033708", sorted(names)[5]
    return _place_map(
        (
            Place(
                a, names[a], 4321.0, 3100.0, 1500, 2880.7, 2, CHANGE_UP, "up from 3,100 to 4,321, beyond chance", True
            ),
            Place(b, names[b], 987.0, 1200.0, None, None, 0, CHANGE_DOWN, "down from 1,200 to 987, beyond chance"),
            Place(c, names[c], None, None, 1400, None, None),
        )
    )


def _fills(fig) -> list:
    return [t for t in fig.data if t.type == "scatter" and t.fill == "toself"]


def test_the_map_draws_bands_hidden_hatched_and_hover_only_what_is_published(three_places):
    shapes = lsoa_shapes(HACKNEY)
    fig = place_figure(three_places, shapes, outline=borough_shape(HACKNEY))
    fills = _fills(fig)
    assert [t.name for t in fills] == ["Under 2.0 (1 LSOA)", "4.0 or more (1 LSOA)", f"{HIDDEN_LABEL} (1 LSOA)"]
    hidden = fills[-1]
    assert hidden.fillpattern.shape == "/"
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert any(HIDDEN_LABEL in name for name in legend)
    assert "Above the Hackney average beyond chance" in legend and "Hackney boundary" in legend
    # the polygons of one trace are separated by None rows
    a, b, c = (p.code for p in three_places.places)
    assert hidden.x.count(None) == sum(len(polygon) for polygon in shapes[c].polygons) - 1

    hover = next(t for t in fig.data if t.type == "scatter" and t.mode == "markers")
    texts = dict(zip([p.code for p in three_places.places], hover.hovertext, strict=True))
    assert "4,321" in texts[a] and "2,880.7 per 1,000" in texts[a] and "up from 3,100 to 4,321" in texts[a]
    assert "987" in texts[b] and "per 1,000" not in texts[b]  # no rate: no population fits
    assert HIDDEN_LABEL in texts[c] and shapes[c].name in texts[c]
    hidden_words = texts[c].replace(shapes[c].name, "").replace(c, "").replace(HIDDEN_LABEL, "")
    assert not re.search(r"\d", hidden_words)  # no count, rate or change: nothing but the label
    assert "Count" not in texts[c] and "Rate" not in texts[c]
    assert hover_text(three_places.places[2], three_places) == texts[c]
    centre = shapes[c].centroid
    assert (hover.x[2], hover.y[2]) == centre

    assert any(ATTRIBUTION in (note.text or "") for note in fig.layout.annotations)
    assert fig.layout.yaxis.scaleanchor == "x" and 1.55 < fig.layout.yaxis.scaleratio < 1.65  # 1/cos(51.5°)
    assert fig.layout.legend.font.size >= 12
    page = fig.to_json().lower()
    for word in ("mapbox", "maplibre", "tile", "topojson", 'geo"', "http"):
        assert word not in page, word


def test_the_change_map_colours_by_change(three_places):
    fig = place_figure(three_places, lsoa_shapes(HACKNEY), change=True)
    names = [t.name for t in _fills(fig)]
    assert names == ["Up, beyond chance (1 LSOA)", "Down, beyond chance (1 LSOA)", f"{HIDDEN_LABEL} (1 LSOA)"]
    assert "LSOAs by change from 2024/25 Q3" in fig.layout.title.subtitle.text


def test_a_borough_map_names_the_area_and_its_similar_areas():
    shapes = borough_shapes()
    places = tuple(
        Place(code, s.name, 100.0 + i, None, 250_000, 0.4 + i / 100, i % 3, highlight=h)
        for i, (code, s, h) in enumerate(
            [(HACKNEY, shapes[HACKNEY], "area"), ("E09000019", shapes["E09000019"], "similar")]
            + [(c, s, "") for c, s in shapes.items() if c not in (HACKNEY, "E09000019")]
        )
    )
    fig = place_figure(_place_map(places), shapes)
    legend = [t.name for t in fig.data if t.showlegend is not False]
    similar = next(name for name in legend if "similar to" in name)
    assert "Hackney" in legend and similar.startswith("1 ") and "named below the map" in similar
    dashed = next(t for t in fig.data if t.name == similar)
    assert dashed.line.dash == "dash"


def test_kaleido_renders_the_map(three_places):
    fig = place_figure(three_places, lsoa_shapes(HACKNEY), outline=borough_shape(HACKNEY))
    try:
        images = render_charts({"map": fig}, fmt="png")  # as the board pack does
    except ChartsUnavailable as error:
        require(False, str(error))
    assert images["map"][:8] == b"\x89PNG\r\n\x1a\n" and len(images["map"]) > 10_000
