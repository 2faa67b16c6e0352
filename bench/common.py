"""What every benchmark here shares: interleaved repeats, CPU and wall time, medians with their spread,
and the results file the final table (bench/summary.py) is printed from.

Each timing is taken as A B A B … (ours and its baseline alternating, in the same process or run), so
that whatever else the machine is doing falls on both; each is reported as the median with its
min–max, in CPU seconds and wall seconds. CPU is the honest measure on a shared machine: time.process_time
of this process, plus the CPU of any worker process the action used (`extra_cpu`).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / ".results"


@dataclass
class Samples:
    """Repeated timings of one action: CPU and wall seconds of each repeat."""

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def add(self, cpu: float, wall: float) -> None:
        self.cpu.append(cpu)
        self.wall.append(wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    def spread(self, unit: str = "s") -> str:
        """'median (min–max)' of CPU and wall."""
        return f"CPU {_span(self.cpu, unit)}, wall {_span(self.wall, unit)}"

    def as_dict(self) -> dict:
        return {"cpu": self.cpu, "wall": self.wall}


def _span(values: list[float], unit: str) -> str:
    scale, suffix = (1000, " ms") if unit == "ms" else (1, " s")
    fmt = "{:.0f}" if unit == "ms" else "{:.3f}"
    low, mid, high = min(values) * scale, statistics.median(values) * scale, max(values) * scale
    return f"{fmt.format(mid)}{suffix} ({fmt.format(low)}–{fmt.format(high)})"


def measure_once(action: Callable[[], object], extra_cpu: Callable[[], float] | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call of action; extra_cpu() is read before and after (the
    CPU of worker processes, which process_time does not see)."""
    extra_before = extra_cpu() if extra_cpu else 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return cpu + ((extra_cpu() - extra_before) if extra_cpu else 0.0), wall


def interleaved(
    actions: dict[str, Callable[[], object]],
    repeat: int,
    setups: dict[str, Callable[[], object]] | None = None,
    extra_cpu: Callable[[], float] | None = None,
    warmup: bool = True,
) -> dict[str, Samples]:
    """Each action `repeat` times, alternating (A B A B …), after one untimed warm-up of each; an
    action's setup (if any) runs untimed before each of its calls, and its result is passed to it."""
    setups = setups or {}

    def bound(name: str) -> Callable[[], object]:
        action = actions[name]
        if name not in setups:
            return action
        prepared = setups[name]()  # untimed
        return lambda: action(prepared)

    if warmup:
        for name in actions:
            bound(name)()
    samples = {name: Samples() for name in actions}
    for _ in range(repeat):
        for name in actions:
            samples[name].add(*measure_once(bound(name), extra_cpu))
    return samples


# ---- results for the final table -------------------------------------------------------------------


def record(
    goal: str,
    ours: float,
    limit: float | None = None,
    unit: str = "s",
    baseline: float | None = None,
    baseline_name: str = "",
    ratio: float | None = None,
    ratio_goal: str = "",
    met: bool | None = None,
    detail: str = "",
    source: str | None = None,
    group: str = "",
    item: str = "",
) -> dict:
    """One line of the final table, appended to bench/.results/<source>.jsonl. `met` is worked out from
    `limit` (ours <= limit) unless given; `ratio` (ours against the baseline, as the goal states it)
    is printed beside it. Rows of one `group` (a goal stated for every page, say) are also summed up
    in one line: how many met, and the worst (named by its `item`, the page say)."""
    if met is None and limit is not None:
        met = ours <= limit
    row = dict(
        goal=goal,
        ours=ours,
        limit=limit,
        unit=unit,
        baseline=baseline,
        baseline_name=baseline_name,
        ratio=ratio,
        ratio_goal=ratio_goal,
        met=met,
        detail=detail,
        group=group,
        item=item,
        when=time.strftime("%Y-%m-%d %H:%M:%S"),
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = source or os.environ.get("BENCH_SOURCE") or Path(os.sys.argv[0]).stem
    with (RESULTS / f"{name}.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    return row


def start_results(source: str) -> None:
    """Forget this script's results of an earlier run (each script writes its own file)."""
    (RESULTS / f"{source}.jsonl").unlink(missing_ok=True)


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid`, all its threads (clock ticks: 10 ms)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> float:
    """CPU seconds used so far by the main thread of a single-threaded process, to the nanosecond
    (/proc/PID/schedstat), else in clock ticks."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return proc_cpu(pid)


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
