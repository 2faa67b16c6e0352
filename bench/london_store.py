"""A London-scale store, built through the project's own loaders: every London borough as a
partnership area (33), ten financial years (2016/17 to 2025/26) of every quarterly return, MPS
borough-level crime in four overlapping releases, and monthly ward-level MPS crime in seventeen
overlapping 24-month releases, one every six months (the real ward file's 18,695 ward-and-category
rows, with synthetic counts at each row's own level): about 3.7 million observations at 33 areas,
3.4 million of them ward-level; with youth justice cohorts by ethnic group for each area and the
real DfE LAIT annual publication, so that every indicator has figures.

    python bench/london_store.py [--areas 33] [--out bench/.london]

The same files make the one-area store (Hackney: its returns, and its wards; the borough releases
are London-wide, as published). Stores are kept under bench/.london and reused while this
generator is unchanged.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import random
import re
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cspdash.periods import Quarter, add_months, quarter_range  # noqa: E402
from cspdash.population import population_table  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference_data"
WARD_FILE = REFERENCE / "mps_ward" / "mps_ward_24m_202402-202601.csv"
LAIT = REFERENCE / "youth_justice" / "lait_youth_justice_indicators_extract.csv"
FIRST, LAST = Quarter(2016, 1), Quarter(2025, 4)
LATER_SUBGROUPS_FROM = Quarter(2022, 1)  # Serious Violence and Night Time Economy began reporting then
BOROUGH_RELEASES = [(date(2016, 4, 1), 84), (date(2022, 4, 1), 24), (date(2023, 4, 1), 24), (date(2024, 4, 1), 24)]
# 24 months each, one every six months (as the Datastore republishes): each month is in up to four
WARD_RELEASES = [date(2016 + half // 2, 4 if half % 2 == 0 else 10, 1) for half in range(17)]
HOME = "Hackney"


def london_boroughs() -> dict[str, str]:
    """Name -> ONS code for the 33 London boroughs (the City of London included)."""
    table = population_table()
    london = table[table["area_code"].str.startswith("E09")].drop_duplicates("area_code")
    return dict(zip(london["area_name"], london["area_code"], strict=True))


def chosen_areas(count: int) -> dict[str, str]:
    boroughs = london_boroughs()
    names = [HOME] + [name for name in boroughs if name != HOME]
    return {name: boroughs[name] for name in names[:count]}


def write_catalogue(path: Path, areas: dict[str, str]) -> Path:
    """The project's catalogue with these areas as the partnership."""
    text = (ROOT / "cspdash" / "catalogue.toml").read_text(encoding="utf-8")
    blocks = "".join(f'[[area]]\ncode = "{code}"\nname = "{name}"\n\n' for name, code in areas.items())
    text = re.sub(r"(\[\[area\]\]\n[^\[]*)+", blocks, text, count=1)
    path.write_text(text, encoding="utf-8")
    return path


def write_returns(folder: Path, areas: dict[str, str]) -> list[Path]:
    """Every sub-group's quarterly return for each area, from the sample generator's model (each
    area's counts scaled by its population against Hackney's)."""
    from sample_data import generate

    populations = population_table().drop_duplicates("area_code", keep="last").set_index("area_code")["all_ages"]
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, code in areas.items():
        scale = float(populations[code] / populations[areas.get(HOME, "E09000012")]) if name != HOME else 1.0
        generate.AREAS.setdefault(
            name, dict(pop_10_17=int(24_500 * scale), female_16_plus=int(110_000 * scale), scale=scale)
        )
        rng = random.Random(f"london-{code}")
        for quarter in quarter_range(FIRST, LAST):
            for subgroup in ("youth_justice", "vawg", "serious_violence", "night_time_economy"):
                if subgroup in ("serious_violence", "night_time_economy") and quarter < LATER_SUBGROUPS_FROM:
                    continue
                slug = name.lower().replace(" ", "_")
                path = folder / f"{quarter.label.replace('/', '-').replace(' ', '_')}_{slug}_{subgroup}.xlsx"
                if not path.exists():
                    generate.write_return(
                        path, subgroup, name, quarter, generate.return_rows(rng, subgroup, name, quarter)
                    )
                written.append(path)
    return written


def write_borough_releases(folder: Path) -> list[Path]:
    """MPS borough-level releases (London Datastore layout) for all 33 boroughs, overlapping."""
    from sample_data import generate

    boroughs = london_boroughs()
    populations = population_table().drop_duplicates("area_code", keep="last").set_index("area_code")["all_ages"]
    written = []
    for first, months in BOROUGH_RELEASES:
        days = [add_months(first, i) for i in range(months)]
        name = "historical" if months > 24 else "24m"
        path = folder / f"mps_borough_{name}_{days[0]:%Y%m}-{days[-1]:%Y%m}.csv"
        written.append(path)
        if path.exists():
            continue
        rng = np.random.default_rng(first.toordinal())
        rows = []
        for major, minors in generate.MPS_CATEGORIES.items():
            for minor, mean in minors.items():
                for borough, code in boroughs.items():
                    scale = generate.MPS_CITY_SCALE if borough == "City of London" else populations[code] / 260_000
                    level = np.array([generate.level(Quarter.containing(d), -0.01) for d in days])
                    counts = rng.poisson(mean * scale * level * rng.lognormal(0, 0.08, len(days)))
                    rows.append([major, minor, borough, *counts.tolist()])
        _write_csv(path, ["MajorText", "MinorText", "BoroughName", *(f"{d:%Y%m}" for d in days)], rows)
    return written


def write_ward_releases(folder: Path) -> list[Path]:
    """MPS ward-level releases of 24 months each, overlapping: the real ward file's rows (every ward
    and crime category), each with counts drawn around its own real monthly mean."""
    template = pd.read_csv(WARD_FILE, dtype=str)
    keys = template.iloc[:, :5]
    means = template.iloc[:, 5:].astype(float).mean(axis=1).to_numpy()
    written = []
    for first in WARD_RELEASES:
        days = [add_months(first, i) for i in range(24)]
        path = folder / f"mps_ward_24m_{days[0]:%Y%m}-{days[-1]:%Y%m}.csv"
        written.append(path)
        if path.exists():
            continue
        rng = np.random.default_rng(first.toordinal())
        counts = rng.poisson(np.outer(means, rng.lognormal(0, 0.05, len(days))))
        frame = pd.concat([keys, pd.DataFrame(counts, columns=[f"{d:%Y%m}" for d in days])], axis=1)
        frame.to_csv(path, index=False)
    return written


def write_ethnic_counts(folder: Path, areas: dict[str, str]) -> Path:
    """Youth justice cohorts by ethnic group for each area (the sample generator's model, scaled)."""
    from sample_data import generate

    populations = population_table().drop_duplicates("area_code", keep="last").set_index("area_code")["all_ages"]
    home = populations[areas.get(HOME, "E09000012")]
    generate.ETHNIC_AREA_SCALE = {name: (code, float(populations[code] / home)) for name, code in areas.items()}
    path = folder / f"ethnic_group_counts_{len(areas)}_areas.csv"
    generate.write_ethnic_csv(path)
    return path


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def generator_version() -> str:
    """Changes when this generator or the sample model changes (the stores are then built again)."""
    source = Path(__file__).read_bytes() + (ROOT / "sample_data" / "generate.py").read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


def build(out: Path, area_count: int, log=print) -> tuple[str, Path]:
    """(store URL, catalogue path) of a London-scale store with `area_count` partnership areas,
    built through the loaders (`ingest_files`) unless this generator's version of it exists."""
    import os

    out.mkdir(parents=True, exist_ok=True)
    areas = chosen_areas(area_count)
    catalogue = write_catalogue(out / f"catalogue-{area_count}.toml", areas)
    database = out / f"london-{area_count}-{generator_version()}.db"
    url = f"sqlite:///{database}"
    if database.exists():
        return url, catalogue
    files = out / "files"
    log(f"writing the London-scale files under {files} ...")
    returns = write_returns(files / "returns", areas)
    releases = write_borough_releases(files) + write_ward_releases(files)
    releases += [write_ethnic_counts(files, areas), LAIT]  # and the real DfE LAIT annual publication
    log(f"loading {len(returns)} returns and {len(releases)} MPS releases into {database.name} ...")
    os.environ["DASHBOARD_CATALOGUE"] = str(catalogue)
    _ingest_in_child(url, catalogue, [*returns, *releases])
    return url, catalogue


def _ingest_in_child(url: str, catalogue: Path, paths: list[Path]) -> None:
    """Ingest in a child process that reads this catalogue (the catalogue is read once per process)."""
    import json
    import os
    import subprocess

    partial = url.removeprefix("sqlite:///") + ".partial"
    script = (
        "import json, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from cspdash.store.db import open_store; from data_loaders.ingest import ingest_files;"
        "engine = open_store(sys.argv[2]); paths = [Path(p) for p in json.loads(Path(sys.argv[3]).read_text())];"
        "books = [p for p in paths if p.suffix == '.xlsx'];"
        "batches = [books[i:i + 200] for i in range(0, len(books), 200)];"
        "batches += [[p] for p in paths if p.suffix != '.xlsx'];"
        "[ingest_files(engine, batch, submitted_by='bench') for batch in batches]"
    )
    Path(partial).unlink(missing_ok=True)
    listed = Path(partial + ".files.json")
    listed.write_text(json.dumps([str(p) for p in paths]))
    env = {**os.environ, "DASHBOARD_CATALOGUE": str(catalogue)}
    subprocess.run([sys.executable, "-c", script, str(ROOT), f"sqlite:///{partial}", str(listed)], env=env, check=True)
    listed.unlink()
    Path(partial).rename(url.removeprefix("sqlite:///"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=33)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / ".london")
    args = parser.parse_args()
    url, catalogue = build(args.out, args.areas)
    print(url, catalogue)


if __name__ == "__main__":
    main()
