"""Benchmark: an export under disclosure control against the loader's read of the same file, as the
history grows: the real historical MPS borough file (2010-04 to 2023-11, every borough) cut to its
first 1 and 4 years of month columns, and whole (13 years and 8 months).

    python bench/export_scale.py [--repeat 5] [--repeat-large 3] [--years 1 4 13]

Read: `data_loaders.load_file` of the file (what an ingest reads and checks). Export: what
`python -m data_loaders export` does once started: the public board service's `export()` (the figures
in force, `cspdash.protected.publication_table` over them) and the CSV written from it. Also the
disclosure pass alone (`publication_table` over the figures as read from the store). All timed in this
process, CPU (`time.process_time`) and wall; sizes are interleaved, one round each first as a warm-up.
Prints medians with their spread (min-max), the ratio export/read, and the export's cost per figure
from size to size (log-log slope: 1.0 is linear).

Goal: the export of the whole file within 10x its read (CPU and wall medians), and no faster growth
than linear in the figures exported (each slope at most 1.15; a fixed cost makes small sizes dearer
per figure, so a slope under 1 is expected). Stores are kept under bench/.export_scale/ and reused
while the source file is unchanged.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cspdash.exports import csv_bytes  # noqa: E402
from cspdash.store.db import open_store  # noqa: E402
from data_loaders import load_file  # noqa: E402
from data_loaders.ingest import ingest_files  # noqa: E402

SOURCE = ROOT.parent / "shared" / "reference_data" / "mps_borough" / "mps_borough_historical_201004-202311.csv"
CACHE = ROOT / "bench" / ".export_scale"
WHOLE = 13  # the whole file: 164 months, 2010-04 to 2023-11
GOAL_RATIO = 10.0
GOAL_SLOPE = 1.15
FIXED_COLUMNS = 3  # MajorText, MinorText, BoroughName; then one column per month


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def source_for(years: int, tag: str) -> Path:
    """The file for `years`: the first 12 x years month columns of the historical file (whole for 13)."""
    if years >= WHOLE:
        return SOURCE
    path = CACHE / f"mps_borough_first_{years}y_{tag}.csv"
    if not path.exists():
        with SOURCE.open(newline="", encoding="utf-8-sig") as handle:
            rows = [row[: FIXED_COLUMNS + 12 * years] for row in csv.reader(handle)]
        partial = path.with_suffix(".part")
        with partial.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        partial.rename(path)
    return path


def store_for(years: int, path: Path, tag: str) -> str:
    """A SQLite store holding `path` (built once, then reused while the source file is unchanged)."""
    db = CACHE / f"store_{years}y_{tag}.db"
    if not db.exists():
        partial = db.with_suffix(".part")
        partial.unlink(missing_ok=True)
        engine = open_store(f"sqlite:///{partial}")
        ingest_files(engine, [path], submitted_by="bench")
        engine.dispose()
        partial.rename(db)
    return f"sqlite:///{db}"


def timed(action) -> tuple[float, float, object]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = action()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def read(path: Path) -> int:
    return len(load_file(path).observations)


def export(url: str) -> int:
    """What the export command does once started: the public service's export, written as CSV."""
    from data_loaders.__main__ import public_board

    engine = open_store(url)
    try:
        frame = public_board(engine).export()
        csv_bytes(frame)
        return len(frame)
    finally:
        engine.dispose()


def disclosure_pass(url: str, frames: dict) -> int:
    """The disclosure pass alone: `publication_table` over the figures in force (read once, untimed)."""
    from cspdash.catalogue import load_catalogue
    from cspdash.protected import publication_table
    from cspdash.store.queries import tidy_export
    from data_loaders.kinds import disclosure_rules

    if url not in frames:
        engine = open_store(url)
        frames[url] = tidy_export(engine)
        engine.dispose()
    return len(publication_table(frames[url], load_catalogue(), disclosure_rules()))


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):7.2f}s ({min(samples):.2f}-{max(samples):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repeats of the smaller sizes (default 5)")
    parser.add_argument("--repeat-large", type=int, default=3, help="repeats of the whole file (default 3)")
    parser.add_argument("--years", type=int, nargs="+", default=[1, 4, WHOLE])
    args = parser.parse_args()
    if not SOURCE.exists():
        print(f"missing: {SOURCE}")
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    tag = digest(SOURCE)
    sizes = sorted(set(args.years))
    files = {years: source_for(years, tag) for years in sizes}
    stores = {}
    for years in sizes:
        start = time.perf_counter()
        stores[years] = store_for(years, files[years], tag)
        print(
            f"store for {years:>2} years: {stores[years].removeprefix('sqlite:///')} ({time.perf_counter() - start:.1f}s)"
        )
    repeats = {years: args.repeat_large if years >= WHOLE else args.repeat for years in sizes}
    kept = ("read_cpu", "read_wall", "export_cpu", "export_wall", "disclosure_cpu", "disclosure_wall")
    samples = {years: {name: [] for name in kept} for years in sizes}
    frames: dict = {}
    figures: dict[int, int] = {}
    for round_ in range(max(repeats.values()) + 1):  # round 0 warms up (imports, caches) and is not kept
        for years in sizes:
            if round_ > repeats[years]:
                continue
            read_cpu, read_wall, read_rows = timed(lambda y=years: read(files[y]))
            export_cpu, export_wall, rows = timed(lambda y=years: export(stores[y]))
            disclosure_cpu, disclosure_wall, _ = timed(lambda y=years: disclosure_pass(stores[y], frames))
            figures[years] = rows
            if round_ == 0:
                print(f"warm-up {years:>2} years: read {read_rows} figures, exported {rows}")
                continue
            for name, value in zip(
                kept, (read_cpu, read_wall, export_cpu, export_wall, disclosure_cpu, disclosure_wall), strict=True
            ):
                samples[years][name].append(value)
            print(
                f"  round {round_} {years:>2} years: read {read_cpu:.2f}s cpu, export {export_cpu:.2f}s cpu "
                f"(disclosure pass {disclosure_cpu:.2f}s)",
                flush=True,
            )

    print("\nmedian (min-max) over the repeats; export = public service export + CSV, read = load_file\n")
    print(
        f"{'years':>5} {'figures':>8} {'n':>2} {'read cpu':>24} {'export cpu':>24} {'ratio':>6} "
        f"{'read wall':>24} {'export wall':>24} {'ratio':>6} {'us/figure':>9}"
    )
    ratios, per_figure = {}, {}
    for years in sizes:
        s = samples[years]
        cpu = statistics.median(s["export_cpu"]) / statistics.median(s["read_cpu"])
        wall = statistics.median(s["export_wall"]) / statistics.median(s["read_wall"])
        ratios[years] = (cpu, wall)
        per_figure[years] = statistics.median(s["export_cpu"]) / figures[years]
        print(
            f"{years:>5} {figures[years]:>8} {repeats[years]:>2} {spread(s['read_cpu']):>24} {spread(s['export_cpu']):>24}"
            f" {cpu:>5.1f}x {spread(s['read_wall']):>24} {spread(s['export_wall']):>24} {wall:>5.1f}x"
            f" {per_figure[years] * 1e6:>9.1f}"
        )
    print(
        "\nof which the disclosure pass (cspdash.protected.publication_table over the figures in force; the rest "
        "is reading the store and writing the CSV):\n"
    )
    print(f"{'years':>5} {'disclosure cpu':>24} {'/read':>6} {'rest cpu':>9} {'/read':>6} {'disclosure wall':>24}")
    for years in sizes:
        s = samples[years]
        read_cpu = statistics.median(s["read_cpu"])
        disclosure = statistics.median(s["disclosure_cpu"])
        rest = statistics.median(s["export_cpu"]) - disclosure
        print(
            f"{years:>5} {spread(s['disclosure_cpu']):>24} {disclosure / read_cpu:>5.1f}x {rest:>8.2f}s"
            f" {rest / read_cpu:>5.1f}x {spread(s['disclosure_wall']):>24}"
        )
    slopes = []
    for small, large in zip(sizes[:-1], sizes[1:], strict=True):
        slope = math.log(
            statistics.median(samples[large]["export_cpu"]) / statistics.median(samples[small]["export_cpu"])
        ) / math.log(figures[large] / figures[small])
        slopes.append(slope)
        print(
            f"growth {small}->{large} years: figures x{figures[large] / figures[small]:.2f}, export cpu per figure "
            f"x{per_figure[large] / per_figure[small]:.2f} (log-log slope {slope:.2f})"
        )
    largest = sizes[-1]
    within = max(ratios[largest]) <= GOAL_RATIO
    linear = all(slope <= GOAL_SLOPE for slope in slopes)
    print(
        f"\ngoal: export of {largest} years within {GOAL_RATIO:.0f}x its read: "
        f"{'met' if within else 'NOT met'} (cpu {ratios[largest][0]:.1f}x, wall {ratios[largest][1]:.1f}x); "
        f"growth no faster than linear (slopes <= {GOAL_SLOPE}): {'met' if linear else 'NOT met'}"
    )
    return 0 if within and linear else 1


if __name__ == "__main__":
    raise SystemExit(main())
