"""A London-scale store, built through the project's own loaders: every London borough as a
partnership area (33), ten financial years (2016/17 to 2025/26) of every quarterly return, MPS
borough-level crime in four overlapping releases, and monthly ward-level MPS crime in seventeen
overlapping 24-month releases, one every six months (the real ward file's 18,695 ward-and-category
rows, with synthetic counts at each row's own level): about 3.7 million observations at 33 areas,
3.4 million of them ward-level; with youth justice cohorts by ethnic group for each area and the
real DfE LAIT annual publication, so that every indicator has figures.

    python bench/london_store.py [--areas 33] [--years 10] [--out bench/.london]

The same files make the one-area store (Hackney: its returns, and its wards; the borough releases
are London-wide, as published). How it is loaded: the home area's returns go through the real path
(`ingest_files`: the sandboxed reader and the checks against the store, in batches); every other
file is read and validated by the same loaders in this machine's worker processes (`load_file`, as
`check_files(trusted=True)` does) and stored with `save_returns` in bulk, which skips only the
sandbox and the warnings against the store (revisions, outliers), neither of which changes what is
stored. Stores are kept under bench/.london, keyed by a hash of this generator, the sample model, the
loaders' and the store's code and the catalogue (`build_key`), and reused while that is unchanged;
the build time of each phase is printed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import random
import re
import sys
import time
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
YEARS = LAST.fy - FIRST.fy + 1  # ten financial years
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


def write_returns(folder: Path, areas: dict[str, str], first: Quarter = FIRST) -> list[Path]:
    """Every sub-group's quarterly return for each area, from the sample generator's model (each
    area's counts scaled by its population against Hackney's); the areas written in parallel."""
    from concurrent.futures import ProcessPoolExecutor

    populations = population_table().drop_duplicates("area_code", keep="last").set_index("area_code")["all_ages"]
    folder.mkdir(parents=True, exist_ok=True)
    home = populations[areas.get(HOME, "E09000012")]
    jobs = [(folder, name, code, float(populations[code] / home), first) for name, code in areas.items()]
    if len(jobs) == 1:
        return _write_area_returns(jobs[0])
    with ProcessPoolExecutor(_workers()) as pool:
        return [path for written in pool.map(_write_area_returns, jobs) for path in written]


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _write_area_returns(job: tuple) -> list[Path]:
    """One area's returns, every quarter from `first` (a file already written is kept)."""
    from sample_data import generate

    folder, name, code, scale, first = job
    generate.AREAS.setdefault(
        name, dict(pop_10_17=int(24_500 * scale), female_16_plus=int(110_000 * scale), scale=scale)
    )
    written = []
    subgroups = generate.sample_subgroups()
    for quarter in quarter_range(first, LAST):
        for subgroup, began in subgroups.items():
            if began > generate.FIRST and quarter < began:  # a sub-group that began reporting later
                continue
            path = generate.return_path(folder, quarter, name, subgroup)
            if not path.exists():
                rng = random.Random(f"london-{code}-{quarter.label}-{subgroup}")
                generate.write_return(path, subgroup, name, quarter, generate.sample_rows(rng, subgroup, name, quarter))
            written.append(path)
    return written


def write_borough_releases(folder: Path, first_quarter: Quarter = FIRST) -> list[Path]:
    """MPS borough-level releases (London Datastore layout) for all 33 boroughs, overlapping."""
    from sample_data import generate

    boroughs = london_boroughs()
    populations = population_table().drop_duplicates("area_code", keep="last").set_index("area_code")["all_ages"]
    written = []
    for first, months in BOROUGH_RELEASES:
        days = [add_months(first, i) for i in range(months)]
        if Quarter.containing(days[-1]) < first_quarter:
            continue
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


def write_ward_releases(folder: Path, first_quarter: Quarter = FIRST) -> list[Path]:
    """MPS ward-level releases of 24 months each, overlapping: the real ward file's rows (every ward
    and crime category), each with counts drawn around its own real monthly mean."""
    template = pd.read_csv(WARD_FILE, dtype=str)
    keys = template.iloc[:, :5]
    means = template.iloc[:, 5:].astype(float).mean(axis=1).to_numpy()
    written = []
    for first in WARD_RELEASES:
        days = [add_months(first, i) for i in range(24)]
        if Quarter.containing(days[-1]) < first_quarter:
            continue
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


BUILD_INPUTS = [
    "bench/london_store.py",
    "sample_data/generate.py",
    "data_loaders/**/*.py",
    "data_loaders/kinds/*",
    "cspdash/store/**/*.py",
    "cspdash/observations.py",
    "cspdash/catalogue.toml",
]


def build_key() -> str:
    """Changes when this generator, the sample model, the loaders, the store's code or the catalogue
    change (the stores are then built again)."""
    digest = hashlib.sha256()
    for pattern in BUILD_INPUTS:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


generator_version = build_key  # the name used before


def first_quarter(years: int) -> Quarter:
    return Quarter(LAST.fy - years + 1, 1)


def files_folder(out: Path, years: int) -> Path:
    return out / ("files" if years == YEARS else f"files-{years}y")


def build(out: Path, area_count: int, years: int = YEARS, log=print) -> tuple[str, Path, Path]:
    """(store URL, catalogue path, files folder) of a London-scale store with `area_count` partnership
    areas and `years` financial years, built unless this build key's version of it exists."""
    out.mkdir(parents=True, exist_ok=True)
    areas = chosen_areas(area_count)
    catalogue = write_catalogue(out / f"catalogue-{area_count}.toml", areas)
    stem = f"london-{area_count}-{years}y-"
    database = out / f"{stem}{build_key()}.db"
    url = f"sqlite:///{database}"
    files = files_folder(out, years)
    if database.exists():
        log(f"store: {database.name} (cached: built before with this generator and these loaders)")
        return url, catalogue, files
    for stale in out.glob(f"{stem}*.db"):
        stale.unlink()
    first = first_quarter(years)
    started = time.perf_counter()
    log(f"writing the London-scale files under {files} ...", flush=True)
    returns = write_returns(files / "returns", areas, first)
    releases = write_borough_releases(files, first) + write_ward_releases(files, first)
    releases += [write_ethnic_counts(files, areas), LAIT]  # and the real DfE LAIT annual publication
    written = time.perf_counter() - started
    log(f"  files written in {written:.0f} s")
    log(f"loading {len(returns)} returns and {len(releases)} releases into {database.name} ...", flush=True)
    home = HOME.lower().replace(" ", "_")
    real_path = [p for p in returns if f"_{home}_" in p.name]
    bulk = [p for p in returns if p not in set(real_path)] + releases
    _ingest_in_child(url, catalogue, real_path, bulk, log)
    log(f"built {database.name} in {time.perf_counter() - started:.0f} s ({area_count} areas, {years} years)")
    return url, catalogue, files


def _ingest_in_child(url: str, catalogue: Path, real_path: list[Path], bulk: list[Path], log) -> None:
    """Ingest in a child process that reads this catalogue (the catalogue is read once per process)."""
    import json
    import subprocess

    partial = url.removeprefix("sqlite:///") + ".partial"
    Path(partial).unlink(missing_ok=True)
    listed = Path(partial + ".files.json")
    listed.write_text(json.dumps({"real_path": [str(p) for p in real_path], "bulk": [str(p) for p in bulk]}))
    env = {**os.environ, "DASHBOARD_CATALOGUE": str(catalogue)}
    command = [sys.executable, str(Path(__file__).resolve()), "--load", f"sqlite:///{partial}", str(listed)]
    subprocess.run(command, env=env, check=True)
    listed.unlink()
    Path(partial).rename(url.removeprefix("sqlite:///"))


def _read_trusted(paths: list[str]) -> list:
    """In a worker process: read and validate files with the project's loaders (check_files, trusted)."""
    from data_loaders.ingest import check_files

    return check_files(None, [Path(p) for p in paths], trusted=True).files


def load(url: str, listed: Path, batch: int = 100) -> None:
    """(In the child.) The home area's returns through the real path; the rest read by the loaders in
    worker processes and stored in bulk."""
    import json
    from concurrent.futures import ProcessPoolExecutor

    from cspdash.store.db import open_store
    from cspdash.store.repository import save_returns
    from data_loaders.ingest import ingest_files

    paths = json.loads(listed.read_text())
    engine = open_store(url)
    started = time.perf_counter()
    for i in range(0, len(paths["real_path"]), batch):
        ingest_files(engine, [Path(p) for p in paths["real_path"][i : i + batch]], submitted_by="bench")
    print(
        f"  {len(paths['real_path'])} returns of {HOME} through ingest_files in {time.perf_counter() - started:.0f} s"
    )
    started = time.perf_counter()
    bulk = paths["bulk"]
    books = [p for p in bulk if p.endswith(".xlsx")]
    chunks = [books[i : i + batch] for i in range(0, len(books), batch)] + [
        [p] for p in bulk if not p.endswith(".xlsx")
    ]
    workers = _workers()
    with ProcessPoolExecutor(workers) as pool:
        for loaded in pool.map(_read_trusted, chunks):
            save_returns(engine, loaded, "bench")
    print(
        f"  {len(bulk)} other files read by the loaders ({workers} workers) and stored in {time.perf_counter() - started:.0f} s"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=33)
    parser.add_argument("--years", type=int, default=YEARS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / ".london")
    parser.add_argument("--load", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        return load(args.load[0], Path(args.load[1]))
    url, catalogue, files = build(args.out, args.areas, args.years)
    print(url, catalogue, files)


if __name__ == "__main__":
    main()
