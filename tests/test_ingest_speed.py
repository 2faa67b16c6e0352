"""The faster paths of checking a file give exactly what the reference ones give: the vectorised
range and type checks against the pandera schema, the duplicate check against pandas, the lean read
of the figures in force against `in_force_for`, the store warnings against `compare_with_store` and
`history_outliers`. (No timings here: `bench/run.py` measures them.)"""

import math
import random
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cspdash.catalogue import load_catalogue
from cspdash.changes import compare_with_store, history_outliers, in_force_for
from cspdash.formatting import format_value
from cspdash.store.repository import save_returns
from data_loaders import validation
from data_loaders.ingest import InForce, check_files, figures_in_force, store_warnings
from data_loaders.kinds import load_kinds
from data_loaders.problems import Collector, Problem
from sample_data.generate import sample_files

KINDS = load_kinds()


def _figures(rng: random.Random, size: int) -> pd.DataFrame:
    """A frame of figures as the return layouts give them, with every kind of wrong value now and then."""
    units = ["count", "percent", "rate"]
    choices = [None, 0.0, 3.0, 12.0, 150.0, -2.0, 0.5, 2.5, 99.5, 101.0, 1e6, -0.5, float("inf")]
    rows = []
    for i in range(size):
        numerator = rng.choice([None, None, 3.0, 7.0, 40.0, -1.0, 2.5])
        denominator = rng.choice([None, None, 10.0, 5.0, 200.0, -3.0, 7.5])
        rows.append(
            dict(
                indicator=rng.choice(["yj_fte_rate", "yj_custody", "marac_repeat", "svg_gang_flagged"]),
                area="Hackney",
                area_kind="la",
                parent="",
                breakdown="",
                unit=rng.choice(units),
                value=rng.choice(choices),
                numerator=numerator,
                denominator=denominator,
                period_start=pd.Timestamp("2024-04-01").date(),
                period_end=pd.Timestamp("2024-06-30").date(),
                source_sheet="Return",
                source_cell=f"E{9 + i}",
                value_cell=f"E{9 + i}",
                numerator_cell=f"C{9 + i}",
                denominator_cell=f"D{9 + i}",
            )
        )
    return pd.DataFrame(rows)


def _problems(frame: pd.DataFrame, kind, force_schema: bool, monkeypatch) -> list[Problem]:
    collector = Collector("file.xlsx", "Return")
    with monkeypatch.context() as patch:
        if force_schema:
            patch.setattr(validation, "_fails_a_check", lambda frame: True)
        validation.check_values(frame.copy(), kind, collector)
    return collector.problems


@pytest.mark.parametrize("seed", range(40))
def test_the_vectorised_checks_find_what_the_schema_finds(seed, monkeypatch):
    rng = random.Random(seed)
    frame = _figures(rng, rng.choice([1, 3, 8, 20, 60]))
    kind = KINDS[rng.choice(["youth_justice", "vawg"])]
    fast = _problems(frame, kind, False, monkeypatch)
    assert fast == _problems(frame, kind, True, monkeypatch)
    if fast:
        assert validation._fails_a_check(frame)


def test_a_frame_that_passes_is_never_handed_to_the_schema():
    frame = _figures(random.Random(0), 30)
    frame = frame.assign(value=1.0, numerator=1.0, denominator=2.0)
    assert not validation._fails_a_check(frame)
    assert validation._fails_a_check(frame.drop(columns="unit"))  # the schema says what is wrong


@pytest.mark.parametrize("seed", range(20))
def test_the_duplicate_check_agrees_with_pandas(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 40))
    frame = pd.DataFrame(
        {
            "indicator": rng.choice(["a", "b", "c"], size),
            "area": rng.choice(["Hackney", "City of London"], size),
            "area_kind": "la",
            "parent": "",
            "breakdown": rng.choice(["", "age=15"], size),
            "period_start": rng.choice(pd.date_range("2024-01-01", periods=3, freq="MS").date, size),
            "period_end": pd.Timestamp("2024-12-31").date(),
            "source_cell": [f"E{i}" for i in range(size)],
            "source_sheet": "Return",
        }
    )
    if seed % 5 == 0:
        frame.loc[0, "breakdown"] = None
        assert not validation._keys_distinct(frame)  # a null in a key: pandas decides
    else:
        assert validation._keys_distinct(frame) == (not frame.duplicated(validation.KEY).any())


def _reference_warnings(loaded, current) -> list[str]:
    """The store warnings as `cspdash.changes` works them out (the code they replaced)."""
    catalogue, out = load_catalogue(), []
    changes = compare_with_store(loaded, current)
    for row in changes[changes["change"] == "revised"].itertuples():
        ind = catalogue.indicator(row.indicator)
        old = "suppressed" if row.old_suppressed else format_value(ind, row.old_value)
        new = "suppressed" if row.suppressed else format_value(ind, row.value)
        out.append(
            f"{row.source_sheet}!{row.source_cell} revises {row.indicator} for {row.area}, {row.period_start:%b %Y}: {old} → {new}"
        )
    for row in history_outliers(loaded, current).itertuples():
        ind = catalogue.indicator(row.indicator)
        out.append(
            f"{row.source_sheet}!{row.source_cell} {row.indicator} {format_value(ind, row.value)} is far outside its "
            f"history for {row.area} ({format_value(ind, row.low)} to {format_value(ind, row.high)}): check it"
        )
    return out


def _warnings(loaded, current) -> list[str]:
    return [f"{w.sheet}!{w.cell} {w.message}" for w in store_warnings(loaded, current)]


def _same_column(a: list, b: list) -> bool:
    def same(x, y):
        nan = isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
        return nan or (x == y and type(x) is type(y))

    return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


def _perturbed(loaded, seed: int):
    """The same return with some figures changed (revisions), some far out (outliers), some suppressed."""
    rng = np.random.default_rng(seed)
    obs = loaded.observations.copy()
    obs["value"] = obs["value"] * rng.choice([1, 1, 1, 0, 5, 0.2, 1.0000000001, 30], size=len(obs))
    obs["suppressed"] = obs["suppressed"] ^ (rng.random(len(obs)) < 0.1)
    return replace(loaded, observations=obs, sha256=f"{seed:064d}")


def test_the_lean_read_and_the_warnings_are_those_of_the_reference(fresh_db):
    files = [p for p in sample_files() if p.suffix == ".xlsx" and "hackney" in p.name]
    stored = random.Random(3).sample(files, 24)
    loaded = check_files(None, stored, trusted=True).files
    save_returns(fresh_db, loaded[:-4], "test")
    save_returns(fresh_db, [_perturbed(item, 900 + i) for i, item in enumerate(loaded[:6])], "test")  # revisions
    found = 0
    for i, item in enumerate(loaded):
        for candidate in (item, _perturbed(item, i)):
            reference = in_force_for(fresh_db, candidate)
            lean = figures_in_force(fresh_db, candidate)
            for column, values in InForce.of(reference).columns.items():
                assert _same_column(values, lean.columns[column]), column
            expected = _reference_warnings(candidate, reference)
            assert _warnings(candidate, reference) == expected
            assert _warnings(candidate, lean) == expected
            found += len(expected)
    assert found > 20  # revisions and outliers were there to be found
