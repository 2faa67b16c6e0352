"""Write the boundaries and LSOA populations the dashboard ships, from the reference data.

    python scripts/make_geography.py ../shared/reference_data

Reads `geography/london_lsoa2021.geojson`, `geography/london_boroughs.geojson`,
`geography/LICENCE-london-data.txt` and `population/london_lsoa_mid2020_pop_broad_ages.csv` and writes
into `cspdash/data/geography/`:

- `london_lsoa2021.geojson.gz` and `london_boroughs.geojson.gz`: the same features, codes and names,
  with coordinates rounded to 4 decimals (about 7 m east-west, 11 m north-south; the source is already
  simplified to 30 m) and points repeated after rounding dropped, gzip-compressed;
- `population_lsoa_mid2020.csv`: ONS mid-2020 residents (all ages) of each London LSOA, on 2011
  boundaries (`LSOA11CD`, `residents`);
- `LICENCE-london-data.txt`, copied unchanged.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "cspdash" / "data" / "geography"
DECIMALS = 4


def _ring(points: list) -> list:
    rounded = []
    for lon, lat in points:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    return rounded if len(rounded) >= 4 else [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in points]


def _geometry(geometry: dict) -> dict:
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r) for r in geometry["coordinates"]]}
    polygons = [[_ring(r) for r in polygon] for polygon in geometry["coordinates"]]
    return {"type": "MultiPolygon", "coordinates": polygons}


def write_boundaries(source: Path, name: str) -> None:
    collection = json.loads((source / name).read_text(encoding="utf-8"))
    features = [
        {"type": "Feature", "properties": f["properties"], "geometry": _geometry(f["geometry"])}
        for f in collection["features"]
    ]
    lines = ",\n".join(json.dumps(f, separators=(",", ":")) for f in features)
    text = '{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n"
    with gzip.GzipFile(OUT / f"{name}.gz", "wb", mtime=0) as out:
        out.write(text.encode("utf-8"))
    print(f"{name}: {len(features)} features, {(OUT / f'{name}.gz').stat().st_size:,} bytes")


def write_population(source: Path) -> None:
    with open(source / "london_lsoa_mid2020_pop_broad_ages.csv", newline="", encoding="utf-8") as handle:
        rows = [(r["LSOA11CD"], r["Persons_All-Ages"]) for r in csv.DictReader(handle)]
    with open(OUT / "population_lsoa_mid2020.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["LSOA11CD", "residents"])
        writer.writerows(sorted(rows))
    print(f"population_lsoa_mid2020.csv: {len(rows)} LSOAs")


def main(reference: str) -> None:
    root = Path(reference)
    OUT.mkdir(parents=True, exist_ok=True)
    for name in ("london_lsoa2021.geojson", "london_boroughs.geojson"):
        write_boundaries(root / "geography", name)
    shutil.copyfile(root / "geography" / "LICENCE-london-data.txt", OUT / "LICENCE-london-data.txt")
    write_population(root / "population")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference_data")
