"""The boundaries the dashboard ships, for maps drawn with no network at run time.

`cspdash/data/geography/` holds London's LSOAs (December 2021) and its 33 boroughs as gzip GeoJSON in
longitude/latitude (WGS84), and ONS mid-2020 residents of each LSOA on 2011 boundaries. They are made
by `scripts/make_geography.py` from the reference data; this module only reads them, once each."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

GEOGRAPHY = Path(__file__).resolve().parent / "data" / "geography"
LSOA_FILE = GEOGRAPHY / "london_lsoa2021.geojson.gz"
BOROUGH_FILE = GEOGRAPHY / "london_boroughs.geojson.gz"
POPULATION_FILE = GEOGRAPHY / "population_lsoa_mid2020.csv"
LICENCE_FILE = GEOGRAPHY / "LICENCE-london-data.txt"

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0 / "
    "Contains OS data © Crown copyright and database right (2022)"
)
SOURCE = "ONS LSOA (December 2021) and borough boundaries, generalised; simplified for the dashboard"
POPULATION_SOURCE = "ONS mid-2020 estimates of residents (all ages), on 2011 LSOA boundaries"

Point = tuple[float, float]  # (longitude, latitude)
Ring = tuple[Point, ...]  # closed: the last point repeats the first
Polygon = tuple[Ring, ...]  # exterior ring first, then any holes


def _ring_area_and_centroid(ring: Ring) -> tuple[float, Point]:
    """Signed area (degrees², counter-clockwise positive) and centroid of a ring, by the shoelace."""
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    area = cross.sum() / 2
    if abs(area) < 1e-15:  # degenerate: the mean of the points
        return 0.0, (float(x.mean()), float(y.mean()))
    cx = ((x + x1) * cross).sum() / (6 * area)
    cy = ((y + y1) * cross).sum() / (6 * area)
    return float(area), (float(cx), float(cy))


@dataclass(frozen=True)
class Shape:
    """One area's boundary: its code, name, parent (the borough of an LSOA; "" for a borough) and
    polygons, each a tuple of rings, each a tuple of (longitude, latitude)."""

    code: str
    name: str
    parent_code: str
    polygons: tuple[Polygon, ...]

    @property
    def centroid(self) -> Point:
        """A point for a hover marker or label: the area-weighted centroid of the exterior ring of the
        largest polygon (degrees, so slightly off a true centroid; fine at borough scale)."""
        best = max((_ring_area_and_centroid(p[0]) for p in self.polygons), key=lambda ac: abs(ac[0]))
        return best[1]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) over every ring."""
        xy = np.array([pt for polygon in self.polygons for ring in polygon for pt in ring], dtype=float)
        return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def _polygons(geometry: dict) -> tuple[Polygon, ...]:
    """A GeoJSON Polygon or MultiPolygon as tuples."""
    parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return tuple(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon) for polygon in parts)


@lru_cache(maxsize=4)
def _features(path: Path) -> tuple[dict, ...]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return tuple(json.load(handle)["features"])


@lru_cache(maxsize=1)
def _all_lsoa_shapes() -> dict[str, Shape]:
    shapes = {}
    for feature in _features(LSOA_FILE):
        p = feature["properties"]
        shapes[p["LSOA21CD"]] = Shape(p["LSOA21CD"], p["LSOA21NM"], p["LAD22CD"], _polygons(feature["geometry"]))
    return dict(sorted(shapes.items()))


@lru_cache(maxsize=64)
def _lsoa_shapes(borough_code: str | None) -> dict[str, Shape]:
    everything = _all_lsoa_shapes()
    if borough_code is None:
        return everything
    return {code: s for code, s in everything.items() if s.parent_code == borough_code}


def lsoa_shapes(borough_code: str | None = None) -> dict[str, Shape]:
    """The 2021 LSOAs of one borough (by its E09 code), or of all London, by LSOA code (sorted).
    An unknown borough gives an empty dict. Returns a copy: the cached shapes themselves are frozen."""
    return dict(_lsoa_shapes(borough_code))


@lru_cache(maxsize=1)
def _borough_shapes() -> dict[str, Shape]:
    shapes = {}
    for feature in _features(BOROUGH_FILE):
        p = feature["properties"]
        shapes[p["LAD22CD"]] = Shape(p["LAD22CD"], p["LAD22NM"], "", _polygons(feature["geometry"]))
    return dict(sorted(shapes.items()))


def borough_shapes() -> dict[str, Shape]:
    """London's 33 boroughs (E09000001 City of London … E09000033 Westminster), by code."""
    return dict(_borough_shapes())


def borough_shape(borough_code: str) -> Shape | None:
    """One borough's boundary (for a map's outline), or None when the code is not a London borough."""
    return _borough_shapes().get(borough_code)


def lsoa_names(borough_code: str | None = None) -> dict[str, str]:
    """LSOA code → name (e.g. "E01033708" → "Hackney 033C") for one borough or all London, by code."""
    return {code: shape.name for code, shape in _lsoa_shapes(borough_code).items()}


@lru_cache(maxsize=1)
def _residents() -> dict[str, int]:
    with open(POPULATION_FILE, newline="", encoding="utf-8") as handle:
        return {row["LSOA11CD"]: int(row["residents"]) for row in csv.DictReader(handle)}


def lsoa_residents() -> dict[str, int]:
    """ONS mid-2020 residents (all ages) of each London LSOA on 2011 boundaries, by 2011 code. A 2021
    code found here is an LSOA whose code ONS kept in 2021; a new 2021 code is absent."""
    return dict(_residents())


def residents_2011(code: str) -> int | None:
    """Mid-2020 residents of one LSOA on 2011 boundaries, or None when the code has no 2011 figure."""
    return _residents().get(code)
