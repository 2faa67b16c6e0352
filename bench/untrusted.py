"""Benchmark: what reading untrusted files safely costs, in the same process.

    python bench/untrusted.py [--repeat 5]

For real files: the checks and the capped worker (`load_untrusted`, what uploads and the command
line use) against reading the same file in-process (`load_file`), interleaved (A B A B …), CPU with
the reader service's and its worker's (bench/metered_reader.py). For the hostile corpus: how long a
refusal takes, against reading a typical return in-process. Medians (min–max); ratios of CPU.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.common import interleaved, record, start_results  # noqa: E402
from bench.metered_reader import metered  # noqa: E402
from bench.run import CASES  # noqa: E402
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
    start_results("untrusted")
    with metered() as meter:
        load_untrusted(CASES[0][1])  # start the reader service once (it stays up, as in the app)
        print(f"{'file':48} {'checked+worker / in-process (CPU)':>36}   checked+worker")
        for label, path in CASES:
            if not path.exists():
                continue
            timed = interleaved(
                {"safe": lambda p=path: load_untrusted(p), "plain": lambda p=path: load_file(p)},
                args.repeat,
                extra_cpu=meter.cpu,
            )
            safe, plain = timed["safe"], timed["plain"]
            ratio = safe.cpu_median / plain.cpu_median
            print(f"{label:48} {ratio:>35.2f}x   {safe.spread()}")
            record(
                f"sandboxed read (load_untrusted) of the {label}, against load_file in-process",
                safe.cpu_median,
                unit="s",
                baseline=plain.cpu_median,
                baseline_name="load_file in-process",
                ratio=ratio,
                ratio_goal="(cost of safety)",
                source="untrusted",
                detail=f"{safe.spread()}; in-process {plain.spread()}",
            )
        print(f"\n{'hostile file':48} {'refusal / reading a typical return (CPU)':>42}   refusal")
        for name in HOSTILE:
            timed = interleaved(
                {"refusal": lambda n=name: refused(BAD / n), "typical": lambda: load_file(CASES[0][1])},
                args.repeat,
                extra_cpu=meter.cpu,
            )
            refusal, typical = timed["refusal"], timed["typical"]
            print(f"{name:48} {refusal.cpu_median / typical.cpu_median:>41.2f}x   {refusal.spread()}")


if __name__ == "__main__":
    main()
