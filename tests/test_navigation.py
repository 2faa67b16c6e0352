"""Navigation built from the catalogue: every sub-group gets its page, at /<its id>, from one function,
and a sub-group a deployment declares (with a kind of its own) gets one with no Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.catalogue import load_catalogue
from data_loaders.kinds import KindError, load_kinds
from tests.conftest import ROOT
from tests.streamlit_app import open_page
from tests.tables import html_tables

SCRIPT = str(ROOT / "tests" / "streamlit_app.py")
HUBS = """
[[subgroup]]
id = "safety_hubs"
name = "Community Safety Hubs"
source = "Community Safety Hub quarterly return"

[[indicator]]
id = "hub_referrals"
name = "Referrals to the hub"
subgroup = "safety_hubs"
unit = "count"
polarity = "neutral"
aggregation = "sum"
frequency = "quarter"
rag = { rule = "none" }
"""
HUBS_KIND = """
id = "safety_hubs"
name = "Community Safety Hub quarterly return"
subgroup = "safety_hubs"
layout = "indicator_rows"
formats = ["csv"]
"""
HUBS_RETURN = """Community Safety Hub quarterly return,,
Return kind,safety_hubs,
Area,Hackney,
Quarter,2024/25 Q4,
Prepared by,Hub analyst,
Indicator ID,Indicator,Value
hub_referrals,Referrals to the hub,37
"""
Q4 = {"area": "Hackney", "quarter": "2024/25 Q4"}


def started(**query: str) -> AppTest:
    at = AppTest.from_file(SCRIPT, default_timeout=120)
    at.query_params.update(query)
    return at.run()


def links(at: AppTest) -> list[tuple[str, str]]:
    """The navigation's links as (URL path, label), in order."""
    return [(link.proto.page, link.value) for link in at.sidebar.get("page_link")]


def summaries(at: AppTest) -> list[dict]:
    return [t for html in at.html for t in html_tables(html.value) if "at a glance" in t["caption"]]


@pytest.fixture
def app(monkeypatch, sample_store_url):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", sample_store_url)
    return started


def test_the_navigation_has_one_link_for_every_subgroup_of_the_catalogue(app):
    at = app(**Q4)
    subgroups = load_catalogue().subgroups
    ids = {s.id for s in subgroups}
    assert [link for link in links(at) if link[0] in ids] == [(s.id, s.name) for s in subgroups]
    assert [path for path, _ in links(at)].count("street_crime") == 1


@pytest.mark.parametrize("subgroup", load_catalogue().subgroups, ids=lambda s: s.id)
def test_every_subgroup_page_opens_at_its_own_link(app, subgroup):
    at = open_page(app(**Q4), subgroup.id).run()
    assert not at.exception
    assert at.title[0].value == f"{subgroup.name}: Hackney"


def test_the_street_crime_page_renders_on_the_sample_store(app):
    at = open_page(app(**Q4), "street_crime").run()
    assert not at.exception
    assert at.title[0].value == "Street-level crime (data.police.uk): Hackney"
    assert "2024/25 Q4 · source: data.police.uk street-level crime files" in [c.value for c in at.caption]


@pytest.mark.xfail(
    strict=True,
    reason="police_uk_street stores force and LSOA figures only; a sub-group page reads the partnership area's",
)
def test_street_crime_figures_from_police_uk_files_reach_the_page(monkeypatch, sample_store_url, reference, tmp_path):
    store = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), store)
    files = sorted((reference / "police_uk_street").glob("*-city-of-london-street.csv"))
    cli("ingest", *map(str, files), "--db", f"sqlite:///{store}", env=os.environ)
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", f"sqlite:///{store}")
    at = open_page(started(area="City of London", quarter="2023/24 Q3"), "street_crime").run()
    assert not at.exception
    assert summaries(at)


# ---- a deployment's own sub-group ----------------------------------------------------------------


def cli(*args: str, env) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "data_loaders", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def deployment(tmp_path) -> dict[str, str]:
    """A deployment's settings: its catalogue (the shipped one and a sub-group of its own, Community
    Safety Hubs), its kinds folder (the hubs' return), and a store with one hubs return ingested."""
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text((ROOT / "cspdash" / "catalogue.toml").read_text(encoding="utf-8") + HUBS, encoding="utf-8")
    kinds = tmp_path / "kinds"
    kinds.mkdir()
    (kinds / "safety_hubs.toml").write_text(HUBS_KIND, encoding="utf-8")
    env = {
        **os.environ,
        "DASHBOARD_CATALOGUE": str(catalogue),
        "DASHBOARD_KINDS": str(kinds),
        "DASHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "DASHBOARD_WARM_QUARTERS": "0",
    }
    (tmp_path / "hubs.csv").write_text(HUBS_RETURN, encoding="utf-8")
    cli("ingest", str(tmp_path / "hubs.csv"), "--db", env["DASHBOARD_DATABASE_URL"], "--create", env=env)
    return env


def shown_to_a_deployment(url_path: str) -> None:
    """Run in a process started with a deployment's settings (the catalogue in force is read once a
    process): open /url_path and print what the navigation and the page show, as JSON."""
    at = open_page(started(**Q4), url_path).run()
    seen = {"links": links(at), "exceptions": [e.value for e in at.exception], "titles": [t.value for t in at.title]}
    print(json.dumps({**seen, "summaries": summaries(at)}))


def test_a_subgroup_declared_only_by_a_deployment_gets_its_page_and_shows_its_figure(deployment):
    code = f"from tests.test_navigation import shown_to_a_deployment; shown_to_a_deployment({'safety_hubs'!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=deployment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert not shown["exceptions"]
    assert ["safety_hubs", "Community Safety Hubs"] in shown["links"]
    assert shown["titles"][0] == "Community Safety Hubs: Hackney"
    (summary,) = shown["summaries"]
    assert summary["caption"] == "Community Safety Hubs at a glance — 2024/25 Q4"
    assert summary["rows"][1][:2] == ["Referrals to the hub count", "37"]


def test_a_deployments_kinds_are_read_beside_the_shipped_ones(monkeypatch, tmp_path):
    (tmp_path / "safety_hubs.toml").write_text(HUBS_KIND, encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_KINDS", str(tmp_path))
    kinds = load_kinds()
    assert kinds["safety_hubs"].subgroup == "safety_hubs" and "youth_justice" in kinds
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "vawg.toml").write_text(HUBS_KIND.replace("safety_hubs", "vawg"), encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_KINDS", str(clash))
    with pytest.raises(KindError, match="kind 'vawg' is declared twice"):
        load_kinds()
    monkeypatch.setenv("DASHBOARD_KINDS", str(tmp_path / "missing"))
    with pytest.raises(KindError, match="names no folder"):
        load_kinds()


def test_no_page_file_is_left_for_a_subgroup():
    assert not {s.id for s in load_catalogue().subgroups} & {p.stem for p in (ROOT / "pages").glob("*.py")}
