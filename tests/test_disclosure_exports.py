"""Disclosure control where figures leave the app: `export`, `board`, and what a viewer is shown.

The relations are rebuilt here from the exported table itself (independently of cspdash.protected):
each kind's sum rule per area, period and breakdown, and each indicator's figure for all against
its breakdowns. No hidden figure may follow from the published ones through them.
"""

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from cspdash.catalogue import load_catalogue
from cspdash.disclosure import recoverable
from data_loaders.kinds import load_kinds
from tests.conftest import MPS_BOROUGH, ROOT

CATALOGUE = load_catalogue()
UNITS = {ind.id: ind.unit for ind in CATALOGUE.indicators}
# published by their source already (catalogue `public_record`): their small counts are shown
PUBLIC_RECORD = {ind.id for ind in load_catalogue().indicators if ind.public_record}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT)


def exported(db: str, tmp_path) -> pd.DataFrame:
    out = tmp_path / "export.csv"
    done = cli("export", "--db", db, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "withheld under the disclosure policy" in done.stdout
    return pd.read_csv(out, dtype={"area_code": str, "breakdown": str, "published_as": str}, keep_default_na=False)


def _number(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.replace("", None), errors="coerce")


def relations_in(frame: pd.DataFrame) -> list:
    """(total, parts) over row positions, from the kinds' sum rules and the breakdowns."""
    frame = frame.reset_index(drop=True)
    key = list(zip(frame["area"], frame["period_start"], frame["breakdown"], frame["indicator"], strict=True))
    at = {k: i for i, k in enumerate(key)}
    rules = []
    for kind in load_kinds().values():
        rules += [(r.total, r.parts) for r in kind.rules if r.type == "sum"]
        if kind.total_indicator:
            rules.append((kind.total_indicator, tuple(set(kind.category_map.values()) - {kind.total_indicator})))
    relations = []
    for area, start, breakdown in set((k[0], k[1], k[2]) for k in key):
        for total, parts in rules:
            cells = [at.get((area, start, breakdown, name)) for name in (total, *parts)]
            if None not in cells:
                relations.append((cells[0], cells[1:]))
    split = frame[frame["breakdown"] != ""]
    for (area, start, indicator), parts in split.groupby(["area", "period_start", "indicator"]):
        whole = at.get((area, start, "", indicator))
        if whole is not None:
            relations.append((whole, list(parts.index)))
    return relations


def check_published(frame: pd.DataFrame) -> None:
    """No count from 1 to 4, no rate on one, and no hidden figure recoverable."""
    value, numerator = _number(frame["value"]), _number(frame["numerator"])
    counts = (frame["indicator"].map(UNITS) == "count") & ~frame["indicator"].isin(PUBLIC_RECORD)
    assert not value[counts].between(1, 4).any(), frame[counts & value.between(1, 4)]
    assert not numerator.between(1, 4).any()
    at_source = frame["suppressed"].astype(str) == "True"
    hidden = set(frame.index[value.isna() & ((frame["published_as"] != "") | at_source)])
    assert (frame["published_as"] != "").any(), "the table should have small figures to hide"
    unknown = set(frame.index[value.isna()])
    relations = [r for r in relations_in(frame) if {r[0], *r[1]} & unknown]
    # relations whose every figure is published add nothing; the rest are solved together, group by
    # group of relations sharing a figure (the same null space, without one London-wide matrix)
    reached = set()
    for group in linked_groups(relations):
        cells = {k for total, parts in group for k in (total, *parts)}
        reached |= recoverable(group, unknown & cells)
    assert not (reached & hidden), frame.loc[sorted(reached & hidden)]


def linked_groups(relations: list) -> list[list]:
    """The relations grouped so that no two groups share a figure (found here, not by cspdash)."""
    parent: dict = {}

    def root(cell):
        parent.setdefault(cell, cell)
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for total, parts in relations:
        for part in parts:
            parent[root(part)] = root(total)
    groups: dict = {}
    for relation in relations:
        groups.setdefault(root(relation[0]), []).append(relation)
    return list(groups.values())


def test_the_sample_export_publishes_no_small_count_and_nothing_recoverable(sample_store_url, tmp_path):
    db = tmp_path / "sample.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), db)
    frame = exported(f"sqlite:///{db}", tmp_path)
    check_published(frame)
    assert set(frame["published_as"]) == {"", CATALOGUE.disclosure.label}  # one label for every hidden figure
    # the City's serious-violence return: a hidden part is not left alone beside its total
    svg = frame[(frame["area"] == "City of London") & frame["indicator"].str.startswith("svg_knife_injury_victims")]
    for _, group in svg.groupby("period_start"):
        assert group["published_as"].ne("").sum() != 1


def test_the_real_2018_20_release_homicide_2_is_published_with_the_label(tmp_path, reference):
    db = f"sqlite:///{tmp_path / 'real.db'}"
    source = MPS_BOROUGH / "mps_borough_24m_201806-202005_LookUp_BoroughName.csv"
    assert cli("ingest", str(source), "--db", db, "--create").returncode == 0
    frame = exported(db, tmp_path)
    check_published(frame)
    vap = frame[
        (frame["area"] == "Hackney")
        & (frame["indicator"] == "mps_violence_against_the_person")
        & (frame["period_start"] == "2019-04-01")
    ]
    homicide = vap[vap["breakdown"].str.contains("HOMICIDE", case=False)]
    assert homicide["published_as"].tolist() == ["[c]"] and _number(homicide["value"]).isna().all()
    assert homicide["source_cell"].tolist() == [""]  # a hidden figure's provenance is blanked too
    assert _number(vap.loc[vap["breakdown"] == "", "value"]).tolist() == [613]  # the total is published


def test_the_board_command_shows_the_published_figures(sample_store_url, tmp_path):
    done = cli(
        "board", "--db", sample_store_url, "--area", "City of London", "--quarter", "2024/25 Q4", "--format", "json"
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    for row in rows:
        unit = row["unit"]
        if unit == "count" and row["value"] not in ("Suppressed", "Not applicable", "–"):
            assert not 1 <= float(str(row["value"]).replace(",", "")) <= 4, row


@pytest.mark.parametrize("low,high,label", [(1, 9, "withheld")])
def test_the_policy_is_declared_in_the_catalogue(low, high, label):
    from cspdash.disclosure import DisclosurePolicy

    assert CATALOGUE.disclosure == DisclosurePolicy(1, 4, "[c]")
    wider = DisclosurePolicy(low, high, label)
    assert wider.primary(9) and not wider.primary(10) and not wider.primary(0) and wider.width == 10
    with pytest.raises(ValueError):
        DisclosurePolicy(5, 1, "[c]")


@pytest.mark.parametrize("label", ["<5", " <10", "≤4"])
def test_a_label_claiming_a_range_is_refused(label):
    """One label marks every hidden cell, also those hidden only to protect another: "<5" would be false."""
    from cspdash.catalogue import CatalogueError, parse_catalogue
    from cspdash.disclosure import DisclosurePolicy

    with pytest.raises(ValueError, match="claims a range"):
        DisclosurePolicy(1, 4, label)
    with pytest.raises(CatalogueError, match="claims a range"):
        parse_catalogue(f'[disclosure]\nlabel = "{label}"\n')


def test_a_quarter_or_12_months_with_a_hidden_month_is_hidden_too():
    """A published quarter would give a hidden month back (quarter minus the other two months)."""
    from datetime import date

    from cspdash.protected import withheld_periods

    months = pd.date_range("2024-04-01", periods=12, freq="MS").date
    published = pd.DataFrame(
        {
            "area": "Hackney",
            "indicator": ["mps_robbery"] * 12 + ["mps_theft"] * 12,
            "breakdown": "",
            "period_start": [*months, *months],
            "value": [None if i == 3 else 9.0 for i in range(12)] + [20.0] * 12,
            "suppressed": [i == 3 for i in range(12)] + [False] * 12,
        }
    )
    quarter_1 = withheld_periods(published, date(2024, 4, 1), date(2024, 6, 1)).set_index("indicator")["hidden"]
    quarter_2 = withheld_periods(published, date(2024, 7, 1), date(2024, 9, 1)).set_index("indicator")["hidden"]
    year = withheld_periods(published, date(2024, 4, 1), date(2025, 3, 1)).set_index("indicator")["hidden"]
    assert quarter_1.to_dict() == {"mps_robbery": False, "mps_theft": False}
    assert quarter_2.to_dict() == {"mps_robbery": True, "mps_theft": False}
    assert year.to_dict() == {"mps_robbery": True, "mps_theft": False}
