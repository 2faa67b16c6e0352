"""Benchmark: what reading untrusted files safely costs, in the same process.

    python bench/untrusted.py [--repeat N]

For real files: the checks and the capped worker (`load_untrusted`, what uploads and the command
line use) against reading the same file in-process (`load_file`). For the hostile corpus: how long a
refusal takes, against reading a typical return. Ratios only; times are noisy on shared machines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import CASES, timed  # noqa: E402
from data_loaders import ReturnRefused, load_file  # noqa: E402
from data_loaders.sandbox import load_untrusted  # noqa: E402
from tests.data.make_bad_corpus import HOSTILE_FILES as HOSTILE  # noqa: E402

BAD = ROOT / "tests" / "data" / "bad"


def refused(path: Path) -> None:
    try:
        load_untrusted(path)
    except ReturnRefused:
        return
    raise AssertionError(f"{path.name} was not refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    load_untrusted(CASES[0][1])  # start the reader service once (it stays up, as in the app)
    print(f"{'file':48} {'checked+worker / in-process':>28}")
    for label, path in CASES:
        if path.exists():
            safe = timed(lambda _, p=path: load_untrusted(p), args.repeat)
            plain = timed(lambda _, p=path: load_file(p), args.repeat)
            print(f"{label:48} {safe / plain:>27.2f}x")
    typical = timed(lambda _: load_file(CASES[0][1]), args.repeat)
    print(f"\n{'hostile file':48} {'refusal / reading a typical return':>36}")
    for name in HOSTILE:
        print(f"{name:48} {timed(lambda _, n=name: refused(BAD / n), args.repeat) / typical:>35.2f}x")


if __name__ == "__main__":
    main()
