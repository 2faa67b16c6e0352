"""The funnel plot a board reads, on the real MPS borough releases with a catalogue of all 33
boroughs: violence against the person, 12 months to the end of 2024/25 Q4, recomputed here from the
raw files and the Census 2021 counts with pandas and numpy alone (no app code), step by step as
Spiegelhalter (2005) and FunnelPlotR do it. The board service's funnel must match it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from tests.conftest import MPS_BOROUGH, REFERENCE, ROOT, require

CENSUS = REFERENCE / "population" / "census2021_ethnic_group_ltla21.csv"
MONTHS = [f"{year}{month:02d}" for year, month in [(2024, m) for m in range(4, 13)] + [(2025, m) for m in (1, 2, 3)]]
NOT_BOROUGHS = {"Unknown", "London Heathrow and London City Airports", "Aviation Security (SO18)"}


def funnel_records(url: str) -> None:
    """Run in a process whose catalogue is the 33 boroughs: print the board service's funnels for
    Hackney, 2024/25 Q4, as the snapshot keeps them, plus the limits at each borough."""
    from cspdash.periods import Quarter
    from cspdash.service import Audience, BoardService
    from cspdash.store.db import open_store

    engine = open_store(url)
    out = {}
    for audience in (Audience.PUBLIC, Audience.ANALYST):
        views = BoardService(engine, audience).at().london_funnels("Hackney", Quarter.parse("2024/25 Q4"))
        out[audience.name] = {
            v.indicator: {
                **v.to_record(),
                "phi": v.funnel.phi,
                "tau2": v.funnel.tau2,
                "limits": {p.name: [p.lower95, p.upper95, p.lower998, p.upper998] for p in v.funnel.points},
            }
            for v in views
        }
    print(json.dumps(out))


@pytest.fixture(scope="module")
def funnels(london_mps_store):
    url, env = london_mps_store
    code = f"from tests.test_funnel_real import funnel_records; funnel_records({url!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _newest_first() -> list[pd.DataFrame]:
    """Each release as (borough, month, violence against the person), the newest release first."""
    releases = []
    for path in MPS_BOROUGH.glob("*.csv"):
        raw = pd.read_csv(path, dtype=str)
        major, _, borough = raw.columns[:3]
        months = [c for c in raw.columns[3:] if c.isdigit()]
        violence = raw[raw[major].str.upper() == "VIOLENCE AGAINST THE PERSON"]
        long = violence.melt(id_vars=[borough], value_vars=months, var_name="month", value_name="count")
        long["count"] = pd.to_numeric(long["count"])
        releases.append(
            (max(months), long.rename(columns={borough: "borough"}).groupby(["borough", "month"])["count"].sum())
        )
    return [table for _, table in sorted(releases, key=lambda r: r[0], reverse=True)]


def independent_violence_counts() -> pd.Series:
    """Each borough's violence against the person over April 2024 to March 2025, each month from the
    newest release that has it."""
    chosen: dict[tuple[str, str], float] = {}
    for table in _newest_first():
        for (borough, month), count in table.items():
            if month in MONTHS and borough not in NOT_BOROUGHS:
                chosen.setdefault((borough, month), float(count))
    frame = pd.Series(chosen).rename_axis(["borough", "month"]).unstack()
    assert frame.shape[1] == 12 and not frame.isna().any().any()
    return frame.sum(axis=1)


def census_residents() -> pd.Series:
    """Census 2021 usual residents by local authority name: the 19 ethnic groups' counts summed."""
    table = pd.read_csv(CENSUS)
    counts = table[table["ethnic_group"].str.endswith("(number)")]
    return counts.groupby("ltla21_name")["value"].sum()


def independent_funnel(counts: pd.Series, residents: pd.Series) -> dict:
    """Spiegelhalter's additive over-dispersion limits on the square-root scale, by hand."""
    residents = residents.reindex(counts.index)
    assert not residents.isna().any(), residents[residents.isna()]
    target = counts.sum() / residents.sum()
    expected = target * residents
    z = 2 * (np.sqrt(counts) - np.sqrt(expected))  # (√(O/E) − 1) / (1 / (2√E))
    low, high = np.quantile(z, 0.1), np.quantile(z, 0.9)
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    w = 4 * expected
    tau2 = max(0.0, (len(z) * phi - (len(z) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    limits = {}
    for borough in counts.index:
        bounds = []
        for level in (0.95, 0.998):
            width = norm.ppf(0.5 + level / 2) * np.sqrt(1 / (4 * expected[borough]) + tau2)
            bounds += [target * max(0.0, 1 - width) ** 2 * 1000, target * (1 + width) ** 2 * 1000]
        limits[borough] = [bounds[0], bounds[1], bounds[2], bounds[3]]
    return {"target": target * 1000, "phi": phi, "tau2": tau2, "limits": limits, "rates": counts / residents * 1000}


def test_violence_funnel_matches_a_recomputation_from_the_raw_files(funnels):
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    mine = funnels["PUBLIC"]["Violence against the person"]
    expected = independent_funnel(independent_violence_counts(), census_residents())
    shown = {p["name"]: p for p in mine["points"]}
    assert set(shown) == set(expected["rates"].index)  # 32 boroughs (the City has its own police)
    assert mine["london"] == pytest.approx(expected["target"], rel=1e-9)
    assert mine["phi"] == pytest.approx(expected["phi"], rel=1e-9)
    assert mine["tau2"] == pytest.approx(expected["tau2"], rel=1e-9)
    for borough, rate in expected["rates"].items():
        assert shown[borough]["rate"] == pytest.approx(rate, rel=1e-9), borough
        assert mine["limits"][borough] == pytest.approx(expected["limits"][borough], rel=1e-6), borough
    # the rates are on Census 2021 (the method says it widened the limits, and why)
    assert "Census 2021" in mine["population"]
    assert "over-dispersion" in mine["method"]
    hackney = shown["Hackney"]
    low95, high95 = expected["limits"]["Hackney"][:2]
    assert (low95 <= hackney["rate"] <= high95) == (mine["band"] == "within")
    assert mine["verdict"] == "Similar to London" and "within what chance explains" in mine["sentence"]


def test_every_audience_reads_the_same_funnel(funnels):
    assert funnels["PUBLIC"] == funnels["ANALYST"]
    assert len(funnels["PUBLIC"]) >= 10  # every major category with a London-wide release


def test_the_rank_is_only_information(funnels):
    for record in funnels["PUBLIC"].values():
        assert record["rank"].startswith("For information:")
        assert "highest" not in record["sentence"]
