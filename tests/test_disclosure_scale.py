"""Disclosure control at London scale: the export of the real historical MPS borough file (2010-04 to
2023-11, every borough: 250,100 figures) finishes and is protected.

Protected is checked twice: every hidden cell's feasible range, given every published figure and the
relations, by the project's own solver (`cspdash.disclosure.feasible_ranges` over the relations
`cspdash.protected.relations_of` finds in the exported file); and, independently, by the integer-
programming attacker of tests/test_disclosure_attack.py over a sample of whole (borough, month) blocks
(every relation of this file lies within one borough, month and release, so a block is attacked with
everything a reader knows about it). No wall-clock time is asserted: the export's CPU time is
compared with the CPU time of reading the same file, with a wide margin (the goal, measured by
bench/export_scale.py, is within 10x; before, the export did not finish in 7 minutes).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from cspdash.catalogue import load_catalogue
from cspdash.disclosure import feasible_ranges, independent_blocks
from cspdash.protected import relations_of
from data_loaders import load_file
from data_loaders.kinds import disclosure_rules
from tests.conftest import MPS_BOROUGH, REFERENCE, ROOT
from tests.test_disclosure_attack import WIDTH, narrow, read_export, show

HISTORICAL = MPS_BOROUGH / "mps_borough_historical_201004-202311.csv"
CPU_MARGIN = 40  # export CPU at most this many times the read's: 4x the goal, for a loaded machine
SAMPLED_BLOCKS = 40  # (borough, month) blocks given to the attacker: the most hidden, and at random
POLICY = load_catalogue().disclosure


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict:
    if not (REFERENCE.is_dir() and HISTORICAL.exists()):
        pytest.skip(f"reference data not found at {HISTORICAL}")
    folder = tmp_path_factory.mktemp("scale")
    db = f"sqlite:///{folder / 'store.db'}"
    loaded = cli("ingest", str(HISTORICAL), "--db", db, "--create")
    assert loaded.returncode == 0, loaded.stderr
    load_file(HISTORICAL)  # warm: the read below is timed with its modules loaded, as the export's are
    start = time.process_time()
    read = load_file(HISTORICAL)
    read_cpu = time.process_time() - start
    before = children_cpu()
    done = cli("export", "--db", db, "-o", str(folder / "export.csv"))
    export_cpu = children_cpu() - before
    assert done.returncode == 0, done.stderr
    return {
        "frame": read_export(folder / "export.csv"),
        "figures": len(read.observations),
        "read_cpu": read_cpu,
        "export_cpu": export_cpu,
    }


def test_the_whole_history_is_exported_within_a_multiple_of_its_read(history):
    frame = history["frame"]
    assert len(frame) == history["figures"] >= 250_000
    assert frame["hidden"].sum() > 10_000
    counts = frame.loc[frame["linear"], "x"]
    assert not counts.between(POLICY.low, POLICY.high).any()
    ratio = history["export_cpu"] / history["read_cpu"]
    assert ratio <= CPU_MARGIN, (
        f"export {history['export_cpu']:.1f}s CPU against a read of {history['read_cpu']:.1f}s: {ratio:.0f}x"
    )


def test_no_hidden_cell_of_the_whole_history_is_narrower_than_the_policy_by_its_own_solver(history):
    frame = history["frame"]
    published = pd.DataFrame(
        {
            "area": frame["area"],
            "area_kind": frame["area_kind"],
            "vintage": frame["vintage"],
            "indicator": frame["indicator"],
            "breakdown": frame["breakdown"],
            "period_start": frame["period_start"],
            "period_end": frame["period_end"],
            "value": frame["x"],
            "suppressed": frame["x"].isna(),
        }
    )[frame["linear"]]
    relations, bounds = relations_of(published, disclosure_rules())
    hidden = set(published.index[published["suppressed"]].tolist())
    values = {k: (None if np.isnan(v) else float(v)) for k, v in published["value"].items()}
    narrow_cells = {}
    checked = set()
    for block, block_bounds in independent_blocks(relations, bounds, hidden):
        cells = {k for total, parts in block for k in (total, *parts)}
        ranges = feasible_ranges({k: values[k] for k in cells}, block, cells & hidden, block_bounds)
        checked |= cells & hidden
        narrow_cells |= {k: r for k, r in ranges.items() if r[1] - r[0] < POLICY.width - 1e-6}
    assert checked == {k for k in hidden if k in checked} and len(checked) > 10_000
    assert not narrow_cells, frame.loc[sorted(narrow_cells)[:20]]


def test_an_independent_attacker_narrows_no_hidden_cell_of_a_sample_of_blocks(history):
    frame = history["frame"]
    block = frame["area"] + "|" + frame["period_start"]
    hidden_per_block = frame["hidden"].groupby(block).sum()
    most = hidden_per_block.nlargest(SAMPLED_BLOCKS // 2).index
    rest = hidden_per_block[(hidden_per_block > 0) & ~hidden_per_block.index.isin(most)].index
    rng = np.random.default_rng(20231130)
    sampled = [*most, *rng.choice(rest, size=min(len(rest), SAMPLED_BLOCKS - len(most)), replace=False)]
    chosen = frame[block.isin(sampled)]
    assert chosen["hidden"].sum() > 200
    found = narrow(chosen)
    assert found.empty, f"{len(found)} hidden cells pinned to a range under {WIDTH}:\n{show(found)}"
