"""Statuses on the real MPS releases (../shared/reference_data), which vary far more than Poisson
counts: noise must not be called a change."""

from datetime import date

import pytest

from cspdash.board import assess, mark_provisional
from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.stats import SIGNIFICANCE, count_change_p, count_dispersion
from cspdash.status import Status
from cspdash.store.db import open_store
from cspdash.store.queries import current_observations, release_observations
from data_loaders.ingest import ingest_files
from data_loaders.kinds import provisional_months
from tests.conftest import MPS_BOROUGH, REFERENCE, require

CATALOGUE = load_catalogue()
TOTAL = CATALOGUE.indicator("mps_total")
QUARTERS = [Quarter(fy, q) for fy in range(2016, 2020) for q in range(1, 5)]  # 2016/17 Q1 … 2019/20 Q4


@pytest.fixture(scope="module")
def hackney(tmp_path_factory):
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('real') / 'real.db'}")
    ingest_files(engine, [MPS_BOROUGH / "mps_borough_historical_201004-202311.csv"], submitted_by="test")
    rows = current_observations(engine, area="Hackney")
    return rows[rows["indicator"] == TOTAL.id], release_observations(engine, "Hackney")


def _flips(statuses: list[Status]) -> int:
    pairs = zip(statuses, statuses[1:], strict=False)
    return sum({a, b} == {Status.RED, Status.GREEN} for a, b in pairs)


def _old_rule(change) -> Status:
    """What the dashboard did before: a pure-Poisson test of the quarter against a year earlier."""
    p_value = count_change_p(change.current.value, change.previous.value)
    if p_value >= SIGNIFICANCE:
        return Status.AMBER
    return Status.GREEN if change.absolute < 0 else Status.RED


def test_hackney_all_crime_has_no_red_green_flip_without_special_cause(hackney):
    rows, releases = hackney
    marked = mark_provisional(rows, provisional_months())
    assessed = [assess(TOTAL, marked, q, None, CATALOGUE, releases) for q in QUARTERS]
    before = [_old_rule(a.change) for a in assessed]
    after = [a.judgement.status for a in assessed]
    print(
        f"\nHackney all recorded crime 2016/17 Q1–2019/20 Q4: Red/Green flips before {_flips(before)}, after {_flips(after)}"
    )
    print("before:", " ".join(s.word for s in before))
    print("after: ", " ".join(s.word for s in after))
    assert _flips(before) > 0  # the pure-Poisson test flipped on this real series
    for previous, current in zip(assessed, assessed[1:], strict=False):
        if {previous.judgement.status, current.judgement.status} == {Status.RED, Status.GREEN}:
            assert current.spc.variation.startswith("special_cause")
    *before_lockdown, lockdown_quarter = assessed
    for a in before_lockdown:
        assert a.judgement.status in {Status.RED, Status.GREEN, Status.NO_SIGNAL}
        assert (a.judgement.status is Status.NO_SIGNAL) == (a.spc.variation == "common_cause")
    # 2019/20 Q4 ends with March 2020, in which the first lockdown began (23 March): its limits start
    # afresh there, so it is not judged against the limits from before the pandemic
    assert lockdown_quarter.quarter == Quarter(2019, 4)
    assert lockdown_quarter.judgement.status is Status.NOT_RATED
    assert "since the last declared break" in lockdown_quarter.spc.unusable
    assert lockdown_quarter.spc_points[-1].label == "Mar 2020"


def test_hackney_monthly_counts_are_over_dispersed_and_the_change_test_allows_for_it(hackney):
    rows, releases = hackney
    monthly = rows.groupby("period_start")["value"].sum()
    assert count_dispersion(monthly.tolist()) > 5
    a = assess(TOTAL, mark_provisional(rows, provisional_months()), Quarter(2019, 3), None, CATALOGUE, releases)
    assert a.spc_frequency == "month" and a.spc_points[-1].start == date(2019, 12, 1)
    assert a.change_test.dispersion > 5
    poisson = count_change_p(a.change.current.value, a.change.previous.value)
    assert a.change_test.p_value > poisson


def test_the_spc_points_are_the_real_monthly_totals(hackney):
    """README fact: Hackney, all categories, 201004 = 2293 and 202311 = 2741."""
    rows, releases = hackney
    a = assess(TOTAL, mark_provisional(rows, provisional_months()), Quarter(2023, 3), None, CATALOGUE, releases)
    by_month = {p.start: p.value for p in a.spc_points}
    assert rows.groupby("period_start")["value"].sum()[date(2010, 4, 1)] == 2293
    assert by_month[date(2023, 11, 1)] == 2741
    assert len(a.spc_points) == 36 and min(by_month) == date(2020, 12, 1)  # the newest three years
    # the release's newest three months are provisional
    assert [p.provisional for p in a.spc_points][-3:] == [True, True, True]
    assert not a.spc_points[-4].provisional
    assert [s.note for s in a.spc.segments if s.note] == [CATALOGUE.breaks[1].note]  # restrictions ended


def test_over_every_real_release_noise_no_longer_flips_red_and_green(tmp_path):
    """2016/17 to 2025/26 from three real releases: the pure-Poisson rule flipped Red/Green again and
    again (e.g. +5.1% Red in 2025/26 Q2, -7.7% Green in Q3); SPC finds no such flip without cause."""
    engine = open_store(f"sqlite:///{tmp_path / 'all.db'}")
    names = [
        "mps_borough_historical_201004-202311.csv",
        "mps_borough_24m_202312-202511.csv",
        "mps_borough_24m_202407-202606_Group_SubGroup_BOCU.csv",
    ]
    ingest_files(engine, [MPS_BOROUGH / name for name in names], submitted_by="test")
    rows = current_observations(engine, area="Hackney")
    marked = mark_provisional(rows[rows["indicator"] == TOTAL.id], provisional_months())
    releases = release_observations(engine, "Hackney")
    quarters = [Quarter(fy, q) for fy in range(2016, 2026) for q in range(1, 5)]
    assessed = [a for a in (assess(TOTAL, marked, q, None, CATALOGUE, releases) for q in quarters) if a.change.absolute]
    before, after = [_old_rule(a.change) for a in assessed], [a.judgement.status for a in assessed]
    print(
        f"\nHackney all recorded crime, 2016/17–2025/26, three releases: flips before {_flips(before)}, after {_flips(after)}"
    )
    assert _flips(before) >= 5 and _flips(after) == 0
    everything = [assess(TOTAL, marked, q, None, CATALOGUE, releases) for q in quarters]
    no_change = [a for a in everything if a.change.absolute is None and a.comparator is not None and a.comparator.known]
    assert no_change and all("no single release covers both" in a.release_note for a in no_change)
    for a in everything:  # a change given is always the difference of the two figures shown
        if a.change.absolute is not None:
            assert a.change.absolute == a.reading.value - a.comparator.value
