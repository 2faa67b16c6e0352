"""Disclosure control against an attacker with an integer-programming solver.

The attacker reads only the exported file (`python -m data_loaders export`, as a viewer gets it):
every published value, every hidden cell as an unknown whole number of at least 0 (one label, so a
hidden cell may be a small count or anything else), and the relations the file itself implies:

- category totals and the kinds' sum rules, per area, period, breakdown and release, with a
  category that has no row counted as a published 0;
- an indicator's figure for all = the sum of its breakdowns;
- a period of a series = the sum of the shorter periods of the same release that tile it exactly
  (months in a published quarter or 12 months);
- in a street-level file, a force's count of a crime type is at least the sum of its LSOAs' counts.

For every hidden cell it finds the smallest and largest value the file allows (`scipy.optimize.milp`,
one problem per batch of independent components); each range must be at least 5 wide. The attacker
is written here, independently of `cspdash.protected` and `cspdash.disclosure`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import coo_matrix

from cspdash.catalogue import load_catalogue
from data_loaders.kinds import load_kinds
from tests.conftest import REFERENCE, ROOT

WIDTH = 5
CAP = 1e7  # an upper bound on every unknown; a range reaching it is unbounded
UNITS = {ind.id: ind.unit for ind in load_catalogue().indicators}
REAL_FILES = {
    "ward": ["mps_ward/mps_ward_24m_202402-202601.csv"],
    "lsoa": ["mps_lsoa/mps_lsoa_24m_202402-202602_hackney_extract.csv"],
    "street": [
        "police_uk_street/2023-11-city-of-london-street.csv",
        "police_uk_street/2023-12-city-of-london-street.csv",
    ],
}

Relation = tuple[dict[int, float], str]  # coefficients over row positions, "==" or ">=" 0


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT)


def export(db: str, out: Path) -> pd.DataFrame:
    done = cli("export", "--db", db, "-o", str(out))
    assert done.returncode == 0, done.stderr
    return read_export(out)


def read_export(path: Path) -> pd.DataFrame:
    """The exported CSV as the attacker reads it: text, with value as a number (NaN where empty)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["x"] = pd.to_numeric(frame["value"].replace("", None), errors="coerce")
    at_source = (frame["suppressed"] == "True") & (frame["not_applicable"] != "True")
    frame["hidden"] = frame["x"].isna() & ((frame["published_as"] != "") | at_source)
    frame["linear"] = frame["indicator"].map(UNITS).fillna("count").eq("count")
    return frame


# ---- the relations the file implies ---------------------------------------------------------------


def declared_sums() -> list[tuple[str, tuple[str, ...]]]:
    """Every kind's sum rules and category totals, read from the kind declarations."""
    sums = []
    for kind in load_kinds().values():
        sums += [(rule.total, tuple(rule.parts)) for rule in kind.rules if rule.type == "sum"]
        if kind.total_indicator:
            sums.append((kind.total_indicator, tuple(set(kind.category_map.values()) - {kind.total_indicator})))
    return list(dict.fromkeys(sums))


def category_relations(frame: pd.DataFrame) -> list[Relation]:
    """total = sum(parts) per area, period, breakdown and release; a part with no row is 0."""
    relations = []
    place = ["area", "area_code", "area_kind", "period_start", "period_end", "breakdown", "vintage"]
    linear = frame[frame["linear"]]
    for _, group in linear.groupby(place, sort=False):
        at = dict(zip(group["indicator"], group.index, strict=True))
        for total, parts in declared_sums():
            if total in at and any(p in at for p in parts):
                coefficients = {at[total]: 1.0} | {at[p]: -1.0 for p in parts if p in at}
                relations.append((coefficients, "=="))
    return relations


def breakdown_relations(frame: pd.DataFrame) -> list[Relation]:
    """The figure for all = the sum of the breakdowns listed with it."""
    relations = []
    series = ["area", "area_code", "area_kind", "indicator", "period_start", "period_end", "vintage"]
    linear = frame[frame["linear"]]
    split = (linear["breakdown"] != "").groupby(linear.groupby(series, sort=False).ngroup()).transform("any")
    for _, group in linear[split].groupby(series, sort=False):
        whole, parts = group[group["breakdown"] == ""], group[group["breakdown"] != ""]
        if len(whole) == 1 and len(parts):
            relations.append(({whole.index[0]: 1.0} | dict.fromkeys(parts.index, -1.0), "=="))
    return relations


def period_relations(frame: pd.DataFrame) -> list[Relation]:
    """A period = the sum of the shorter periods of the same series and release that tile it."""
    relations = []
    series = ["area", "area_code", "area_kind", "indicator", "breakdown", "vintage"]
    linear = frame[frame["linear"]]
    start, end = pd.to_datetime(linear["period_start"]), pd.to_datetime(linear["period_end"])
    timed = linear.assign(s=start, e=end, d=(end - start).dt.days + 1).sort_values([*series, "s"])
    group_id = timed.groupby(series, sort=False).ngroup()
    earlier_end = timed["e"].groupby(group_id).cummax().groupby(group_id).shift()
    overlapping = (timed["s"] <= earlier_end).groupby(group_id).transform("any")
    for _, group in timed[overlapping].groupby(series, sort=False):
        for idx, row in group.iterrows():
            inside = group[(group["s"] >= row["s"]) & (group["e"] <= row["e"]) & (group["d"] < row["d"])]
            if len(inside) > 1 and inside["d"].sum() == row["d"] and not inside["s"].duplicated().any():
                relations.append(({idx: 1.0} | dict.fromkeys(inside.index, -1.0), "=="))
    return relations


def force_relations(frame: pd.DataFrame) -> list[Relation]:
    """A force's count >= the sum of its LSOAs' counts, per release, crime type and month."""
    relations = []
    linear = frame[frame["linear"] & frame["area_kind"].isin(["force", "lsoa"])]
    for _, group in linear.groupby(["vintage", "indicator", "period_start", "period_end", "breakdown"], sort=False):
        forces, lsoas = group[group["area_kind"] == "force"], group[group["area_kind"] == "lsoa"]
        if len(forces) and len(lsoas):
            relations.append((dict.fromkeys(forces.index, 1.0) | dict.fromkeys(lsoas.index, -1.0), ">="))
    return relations


def implied_relations(frame: pd.DataFrame) -> list[Relation]:
    return category_relations(frame) + breakdown_relations(frame) + period_relations(frame) + force_relations(frame)


# ---- the solver -----------------------------------------------------------------------------------


def components(unknown: list[int], relations: list[Relation]) -> dict[int, int]:
    """Each unknown cell's component (cells joined by a relation)."""
    parent = {u: u for u in unknown}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for coefficients, _ in relations:
        cells = [c for c in coefficients if c in parent]
        for other in cells[1:]:
            parent[find(other)] = find(cells[0])
    return {u: find(u) for u in unknown}


def system(frame: pd.DataFrame, relations: list[Relation], unknown: list[int]):
    """The relations over the unknowns: A x (== or >=) b, as sparse rows with lower and upper bounds."""
    column = {u: i for i, u in enumerate(unknown)}
    rows, cols, data, lower, upper = [], [], [], [], []
    for coefficients, sense in relations:
        free = {c: a for c, a in coefficients.items() if c in column}
        if not free:
            continue
        known = sum(a * frame.at[c, "x"] for c, a in coefficients.items() if c not in column)
        r = len(lower)
        for c, a in free.items():
            rows.append(r), cols.append(column[c]), data.append(a)
        lower.append(-known)
        upper.append(-known if sense == "==" else np.inf)
    matrix = coo_matrix((data, (rows, cols)), shape=(len(lower), len(unknown))).tocsr()
    return LinearConstraint(matrix, lower, upper)


def ranges(frame: pd.DataFrame, relations: list[Relation]) -> pd.DataFrame:
    """Each hidden cell's smallest and largest value that the published file allows."""
    unknown = [i for i in frame.index[frame["x"].isna()]]
    relations = [r for r in relations if any(frame.at[c, "x"] != frame.at[c, "x"] for c in r[0])]
    component = components(unknown, relations)
    hidden = [i for i in unknown if frame.at[i, "hidden"]]
    by_component: dict[int, list[int]] = defaultdict(list)
    for i in hidden:
        by_component[component[i]].append(i)
    constraint = system(frame, relations, unknown)
    column = {u: k for k, u in enumerate(unknown)}
    low, high = {}, {}
    rounds = max((len(cells) for cells in by_component.values()), default=0)
    for k in range(rounds):
        chosen = [cells[k] for cells in by_component.values() if len(cells) > k]
        objective = np.zeros(len(unknown))
        objective[[column[i] for i in chosen]] = 1.0
        for sign, found in ((1.0, low), (-1.0, high)):
            result = milp(sign * objective, constraints=constraint, integrality=1, bounds=(0, CAP))
            assert result.success, f"the file's own relations have no solution: {result.message}"
            for i in chosen:
                found[i] = result.x[column[i]]
    out = frame.loc[hidden].copy()
    out["low"], out["high"] = pd.Series(low), pd.Series(high)
    return out


def narrow(frame: pd.DataFrame) -> pd.DataFrame:
    """The hidden cells whose feasible range is less than WIDTH wide."""
    found = ranges(frame, implied_relations(frame))
    return found[found["high"] - found["low"] < WIDTH - 1e-6]


def show(cells: pd.DataFrame) -> str:
    columns = ["area", "indicator", "breakdown", "period_start", "published_as", "low", "high"]
    return cells[columns].head(20).to_string()


# ---- the tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_export(sample_store_url, tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("attack_sample")
    db = folder / "sample.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), db)
    return export(f"sqlite:///{db}", folder / "export.csv")


@pytest.fixture(scope="module", params=sorted(REAL_FILES))
def real_export(request, tmp_path_factory) -> tuple[str, pd.DataFrame]:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE}")
    folder = tmp_path_factory.mktemp(f"attack_{request.param}")
    db = f"sqlite:///{folder / 'store.db'}"
    loaded = cli("ingest", *(str(REFERENCE / name) for name in REAL_FILES[request.param]), "--db", db, "--create")
    assert loaded.returncode == 0, loaded.stderr
    return request.param, export(db, folder / "export.csv")


def test_no_hidden_cell_of_the_sample_export_is_narrower_than_5(sample_export):
    assert sample_export["hidden"].sum() > 100
    found = narrow(sample_export)
    assert found.empty, f"{len(found)} hidden cells pinned to a range under {WIDTH}:\n{show(found)}"


def test_no_hidden_cell_of_a_real_release_is_narrower_than_5(real_export):
    name, frame = real_export
    assert frame["hidden"].sum() > 50, name
    found = narrow(frame)
    assert found.empty, f"{name}: {len(found)} hidden cells pinned to a range under {WIDTH}:\n{show(found)}"


def test_every_hidden_cell_has_one_label_and_no_provenance(sample_export, real_export):
    for frame in (sample_export, real_export[1]):
        labels = set(frame.loc[frame["hidden"], "published_as"])
        assert len(labels) == 1 and "" not in labels, labels
        assert set(frame["published_as"]) <= labels | {""}
        assert (frame.loc[frame["hidden"], "source_cell"] == "").all()


def test_street_level_figures_carry_no_row_lists(real_export):
    name, frame = real_export
    street = frame[frame["subgroup"] == "street_crime"]
    if name != "street":
        assert street.empty
        return
    assert len(street) > 200
    assert (street["source_cell"] == "").all(), street.loc[street["source_cell"] != "", "source_cell"].head()
    assert (street["source_file"].str.endswith("-street.csv")).all() and (street["source_sheet"] != "").all()


def test_the_attacker_finds_what_the_old_rule_left_open():
    """The attacker is not blind: a total of 6 with parts hidden as one 'withheld' and one '<5' (the
    old two labels) is solved here as it would have been, and the Brownswood subtraction too."""
    frame = pd.DataFrame(
        {
            "area": "A",
            "area_code": "",
            "area_kind": "ward",
            "period_start": "2024-02-01",
            "period_end": "2024-02-29",
            "breakdown": "",
            "vintage": "v",
            "indicator": ["mps_total", "mps_drug_offences", "mps_theft"],
            "value": ["104", "", "100"],
            "published_as": ["", "x", ""],
            "suppressed": ["False", "True", "False"],
        }
    )
    frame["x"] = pd.to_numeric(frame["value"].replace("", None))
    frame["hidden"] = frame["x"].isna()
    frame["linear"] = True
    found = narrow(frame)  # every other MPS category has no row: a published 0
    assert found[["low", "high"]].values.tolist() == [[4.0, 4.0]]
