"""Benchmark: validate + ingest on the real path against a bare read of the same file, in one process.

    python bench/run.py [--repeat 5] [--quick]
    python bench/run.py --london      (the London-scale benchmark: bench/london.py)

"Ours" is what the upload page and `python -m data_loaders ingest` do: `data_loaders.ingest.ingest_files`
into a store that holds the sample data (every return but the one ingested), i.e. the file checked and
read in the sandboxed reader (a forked, capped worker of the reader service), checked against the
figures in force, and stored in one transaction. Its CPU is this process's plus the reader service's
and its worker's (bench/metered_reader.py counts them). The baseline is a bare read of the same file
in this process: pandas.read_excel(engine="calamine") for a workbook, pandas.read_csv for a CSV.
Each pair is timed interleaved (ours, baseline, ours, baseline, …) after a warm-up; medians with
min–max. Goal: validate + ingest of a typical return <= 5x a bare calamine read (CPU).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
# bench/ itself off the path: its pages.py would shadow the app's pages package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.common import Samples, interleaved, record, start_results  # noqa: E402
from bench.metered_reader import metered  # noqa: E402
from cspdash.store.db import open_store  # noqa: E402
from cspdash.store.repository import save_returns  # noqa: E402
from data_loaders import load_file  # noqa: E402
from data_loaders.ingest import check_files, ingest_files  # noqa: E402
from sample_data.generate import sample_files  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference_data"
TYPICAL = ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"
CASES = [
    ("typical quarterly return (.xlsx)", TYPICAL),
    (
        "MPS historical borough file (164 months, CSV)",
        REFERENCE / "mps_borough/mps_borough_historical_201004-202311.csv",
    ),
    ("MPS ward file (18,695 rows x 24 months, CSV)", REFERENCE / "mps_ward/mps_ward_24m_202402-202601.csv"),
]
INGEST_GOAL = 5.0


def base_store(folder: Path, leave_out: Path) -> Path:
    """A SQLite store holding the sample data but `leave_out` (so ingesting it stores new figures, checked
    against a real history); built once, copied for each ingest."""
    database = folder / "base.db"
    if not database.exists():
        engine = open_store(f"sqlite:///{database}")
        files = [p for p in sample_files() if p.name != leave_out.name]
        save_returns(engine, check_files(None, files, trusted=True).files, "sample data")
        engine.dispose()
    return database


_COPIES = itertools.count()


def store_copy(folder: Path, base: Path):
    """A fresh copy of the base store, opened (not timed: opening a store is not part of an ingest)."""
    copy = folder / f"run-{next(_COPIES)}.db"
    shutil.copyfile(base, copy)
    return open_store(f"sqlite:///{copy}")


def ingest(engine, path: Path) -> None:
    ingest_files(engine, [path], submitted_by="bench")
    engine.dispose()


def bare_read(path: Path):
    if path.suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_excel(path, sheet_name=None, engine="calamine")


def ingest_against_read(path: Path, repeat: int, folder: Path, meter) -> dict[str, Samples]:
    """Interleaved: validate + ingest on the real path, a bare read; and for where the time goes, validate
    only (check_files: the sandboxed read, no store) and the same read in this process (load_file)."""
    base = base_store(folder, TYPICAL)
    return interleaved(
        {
            "ours": lambda engine: ingest(engine, path),
            "bare read": lambda: bare_read(path),
            "validate only": lambda: check_files(None, [path]),
            "read in-process": lambda: load_file(path),
        },
        repeat,
        setups={"ours": lambda: store_copy(folder, base)},
        extra_cpu=meter.cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the typical return only, 3 repeats")
    parser.add_argument("--london", action="store_true", help="the London-scale benchmark (bench/london.py)")
    args = parser.parse_args()
    if args.london:
        import subprocess

        raise SystemExit(subprocess.call([sys.executable, str(ROOT / "bench" / "london.py")]))
    repeat = 3 if args.quick else args.repeat
    start_results("run")
    print(f"validate + ingest (real path, into a store), interleaved with a bare read; {repeat} repeats each")
    print("medians (min–max); CPU counts the sandboxed reader's process and worker\n")
    with tempfile.TemporaryDirectory() as folder, metered() as meter:
        for label, path in CASES[:1] if args.quick else CASES:
            if not path.exists():
                print(f"{label}: (missing: {path})")
                continue
            samples = ingest_against_read(path, repeat, Path(folder), meter)
            ours, bare, validate = samples["ours"], samples["bare read"], samples["validate only"]
            reader = "calamine read" if path.suffix == ".xlsx" else "pandas.read_csv"
            cpu_ratio = ours.cpu_median / bare.cpu_median
            print(label)
            print(f"  validate + ingest   {ours.spread()}")
            print(f"  validate only       {validate.spread()}   (check_files, sandboxed, no store)")
            print(f"  read in-process     {samples['read in-process'].spread()}   (load_file: no sandbox)")
            print(f"  bare {reader:14} {bare.spread()}")
            print(
                f"  ratio to the bare read: validate + ingest {cpu_ratio:.1f}x CPU, "
                f"{ours.wall_median / bare.wall_median:.1f}x wall; validate only "
                f"{validate.cpu_median / bare.cpu_median:.1f}x CPU\n",
                flush=True,
            )
            is_typical = path == TYPICAL
            record(
                f"validate + ingest, {label}: CPU against a bare {reader}",
                ours.cpu_median,
                unit="s",
                baseline=bare.cpu_median,
                baseline_name=f"bare {reader}",
                ratio=cpu_ratio,
                ratio_goal=f"<= {INGEST_GOAL:g}x" if is_typical else "",
                met=cpu_ratio <= INGEST_GOAL if is_typical else None,
                detail=f"{repeat} interleaved repeats; ours {ours.spread()}; baseline {bare.spread()}",
                source="run",
            )


if __name__ == "__main__":
    main()
