"""Two sub-groups added by declaration only (issue 23): Drug Markets and the Safeguarding Children
Partnership. From the user's side: they are in the catalogue and the navigation, their templates are
written, their sample returns (and a template filled in by hand) validate clean, the sample store has
their figures for both areas, each page draws its findings and charts, and a return whose referral
sources do not add up to the total is refused at the total's cell."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter, quarter_range
from cspdash.store.db import open_store
from cspdash.store.queries import current_observations
from data_loaders.kinds import load_kinds
from data_loaders.template import HEADER_ROW
from tests.conftest import ROOT
from tests.streamlit_app import open_page
from tests.tables import html_tables

NEW = {"drug_markets": "Drug Markets", "safeguarding_children": "Safeguarding Children Partnership"}
AREAS = ("Hackney", "City of London")
LAST = Quarter.parse("2024/25 Q4")
RETURNS = ROOT / "sample_data" / "returns"
# A Safeguarding Children Partnership return as an analyst fills it: numerator, denominator, value.
REFERRALS = {
    "scp_referrals": (None, None, 700),
    "scp_referrals_police": (None, None, 200),
    "scp_referrals_schools": (None, None, 150),
    "scp_referrals_health": (None, None, 110),
    "scp_referrals_la_other": (None, None, 200),
    "scp_referrals_individuals": (None, None, 40),
    "scp_re_referrals": (140, 700, None),
    "scp_cp_plan_rate": (60, 57000, None),
    "scp_cp_plans_2_years": (2, 60, None),
    "scp_head_injuries_u1": (None, None, 0),
}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT)


def quarterly(subgroup: str) -> list[str]:
    return [i.id for i in load_catalogue().for_subgroup(subgroup) if i.frequency == "quarter"]


def filled_template(tmp_path, subgroup: str, figures: dict[str, tuple]) -> object:
    """The sub-group's template, written by the command line and filled in as an analyst would."""
    path = tmp_path / f"{subgroup}.xlsx"
    assert cli("template", subgroup, "-o", str(path)).returncode == 0
    book = openpyxl.load_workbook(path)
    sheet = book["Return"]
    sheet["B4"], sheet["B5"], sheet["B6"] = "Hackney", "2024/25 Q4", "Analyst"
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        for column, value in zip((3, 4, 5), figures[sheet.cell(row, 1).value], strict=True):
            sheet.cell(row, column, value)
    book.save(path)
    return path


@pytest.fixture
def app(monkeypatch, sample_store_url):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", sample_store_url)

    def start(**query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "tests" / "streamlit_app.py"), default_timeout=120)
        at.query_params.update(query)
        return at.run()

    return start


@pytest.mark.parametrize("subgroup", NEW)
def test_each_is_a_catalogue_subgroup_with_a_quarterly_return_kind(subgroup):
    catalogue = load_catalogue()
    assert catalogue.subgroup(subgroup).name == NEW[subgroup]
    kind = load_kinds()[subgroup]
    assert kind.is_return and kind.subgroup == subgroup
    assert len(quarterly(subgroup)) >= 5
    for rule in kind.rules:  # every rule names the sub-group's own indicators
        assert {rule.total, *rule.parts} <= set(quarterly(subgroup))


def test_both_are_in_the_navigation_in_the_catalogues_order(app):
    at = app(area="Hackney", quarter="2024/25 Q4")
    links = [(link.proto.page, link.value) for link in at.sidebar.get("page_link")]
    ours = [link for link in links if link[0] in NEW]
    assert ours == [(s.id, s.name) for s in load_catalogue().subgroups if s.id in NEW] == list(NEW.items())


@pytest.mark.parametrize("subgroup", NEW)
def test_the_template_is_written_with_a_row_for_every_quarterly_indicator(tmp_path, subgroup):
    out = tmp_path / "template.xlsx"
    done = cli("template", subgroup, "-o", str(out))
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Instructions", "Return", "Definitions"]
    sheet = book["Return"]
    assert sheet["B3"].value == subgroup
    ids = [sheet.cell(row, 1).value for row in range(HEADER_ROW + 1, sheet.max_row + 1)]
    assert ids == quarterly(subgroup)


@pytest.mark.parametrize("subgroup", NEW)
def test_every_sample_return_validates_clean(subgroup):
    files = sorted(RETURNS.glob(f"*_{subgroup}.xlsx"))
    first = Quarter.parse(load_catalogue().subgroup(subgroup).sample_from)
    assert len(files) == len(AREAS) * len(quarter_range(first, LAST))
    done = cli("validate", *map(str, files))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(files)
    assert all(f": valid {subgroup}, {len(quarterly(subgroup))} figures" in line for line in lines), lines


def test_a_template_filled_in_by_hand_validates_clean(tmp_path):
    path = filled_template(tmp_path, "safeguarding_children", REFERRALS)
    done = cli("validate", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "safeguarding_children.xlsx: valid safeguarding_children, 10 figures"


def test_referral_sources_that_do_not_add_up_to_the_total_are_refused_at_the_totals_cell(tmp_path):
    wrong = {"scp_referrals": (None, None, 710), "scp_re_referrals": (140, 710, None)}  # the sources add up to 700
    path = filled_template(tmp_path, "safeguarding_children", {**REFERRALS, **wrong})
    done = cli("validate", str(path))
    assert done.returncode == 1
    assert done.stdout.strip() == (
        "safeguarding_children.xlsx Return!E9: scp_referrals is 710 but its parts (scp_referrals_police, "
        "scp_referrals_schools, scp_referrals_health, scp_referrals_la_other, scp_referrals_individuals) "
        "add up to 700"
    )


@pytest.mark.parametrize("subgroup", NEW)
@pytest.mark.parametrize("area", AREAS)
def test_the_sample_store_has_every_quarter_of_their_figures_for_both_areas(sample_store_url, subgroup, area):
    figures = current_observations(open_store(sample_store_url), area=area, subgroup=subgroup, with_provenance=False)
    assert set(figures["indicator"]) == set(quarterly(subgroup))
    first = Quarter.parse(load_catalogue().subgroup(subgroup).sample_from)
    quarters = {Quarter.containing(start) for start in figures["period_start"]}
    assert quarters == set(quarter_range(first, LAST))


@pytest.mark.parametrize("subgroup", NEW)
@pytest.mark.parametrize("area", AREAS)
def test_each_page_draws_its_findings_and_an_indicators_charts(app, subgroup, area):
    at = open_page(app(area=area, quarter="2024/25 Q4"), subgroup).run()
    assert not at.exception
    assert at.title[0].value == f"{NEW[subgroup]}: {area}"
    (summary,) = [t for h in at.html for t in html_tables(h.value) if "at a glance" in t["caption"]]
    assert summary["caption"] == f"{NEW[subgroup]} at a glance — 2024/25 Q4"
    assert len(summary["rows"]) - 1 == len(quarterly(subgroup))
    first = quarterly(subgroup)[0]
    at.session_state[f"charts-{first}"] = True  # the board member opens the first indicator's charts
    at.run()
    assert not at.exception
    assert at.get("plotly_chart")
