"""Benchmark: validate + ingest against a bare read of the same file, in the same process.

    python bench/run.py [--repeat N]
    python bench/run.py --london      (the London-scale benchmark: bench/london.py)

Prints ratios (times are noisy on shared machines; ratios against a baseline measured alongside are
not). Goal for the whole validate + ingest: within 2x a bare calamine read of the same file, and at
least 5x faster than a bare openpyxl read (Excel); for CSV the baseline is a bare pandas.read_csv.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cspdash.store.db import open_store  # noqa: E402
from cspdash.store.repository import save_return  # noqa: E402
from data_loaders import load_file  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference_data"
CASES = [
    ("typical quarterly return (.xlsx)", ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx"),
    (
        "MPS historical borough file (164 months, CSV)",
        REFERENCE / "mps_borough/mps_borough_historical_201004-202311.csv",
    ),
    ("MPS ward file (18,695 rows x 24 months, CSV)", REFERENCE / "mps_ward/mps_ward_24m_202402-202601.csv"),
]


def timed(action, repeat: int, setup=lambda: None) -> float:
    """Median seconds of `repeat` runs of action(setup()) (after one warm-up); setup is not timed."""
    action(setup())
    samples = []
    for _ in range(repeat):
        prepared = setup()
        start = time.perf_counter()
        action(prepared)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def fresh_store(workdir: Path):
    """A new, migrated SQLite store (opening it is not part of an ingest)."""
    return open_store(f"sqlite:///{workdir / f'bench-{time.perf_counter_ns()}.db'}")


def validate_and_ingest(path: Path, engine) -> None:
    save_return(engine, load_file(path), "bench")
    engine.dispose()


def validate_only(path: Path) -> None:
    load_file(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--london", action="store_true", help="the London-scale benchmark (bench/london.py)")
    args = parser.parse_args()
    if args.london:
        import subprocess

        raise SystemExit(subprocess.call([sys.executable, str(ROOT / "bench" / "london.py")]))
    workdir = Path(tempfile.mkdtemp(prefix="csp-bench-"))
    print("validate + ingest into an open SQLite store, against a bare read of the same file\n")
    print(f"{'file':48} {'ours/calamine':>14} {'openpyxl/ours':>14} {'ours/read_csv':>14} {'validate/read':>14}")
    for label, path in CASES:
        if not path.exists():
            print(f"{label:48} (missing: {path})")
            continue
        ours = timed(lambda engine, p=path: validate_and_ingest(p, engine), args.repeat, lambda: fresh_store(workdir))
        validate = timed(lambda _, p=path: validate_only(p), args.repeat)
        if path.suffix == ".csv":
            bare = timed(lambda _, p=path: pd.read_csv(p), args.repeat)
            print(f"{label:48} {'':>14} {'':>14} {ours / bare:>13.1f}x {validate / bare:>13.1f}x")
        else:
            calamine = timed(lambda _, p=path: pd.read_excel(p, sheet_name=None, engine="calamine"), args.repeat)
            openpyxl = timed(lambda _, p=path: pd.read_excel(p, sheet_name=None, engine="openpyxl"), args.repeat)
            print(
                f"{label:48} {ours / calamine:>13.1f}x {openpyxl / ours:>13.1f}x {'':>14} {validate / calamine:>13.1f}x"
            )


if __name__ == "__main__":
    main()
