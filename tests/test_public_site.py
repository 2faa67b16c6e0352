"""The public site of a signed-off quarter, as the partnership's community gets it: an admin publishes it
(`python -m data_loaders publish-site`, or "Public site (zip)" on the Sign-off and board pack page); it
opens from the file system with nothing fetched, has every indicator the board rated, shows no count of
1–4, and the integer-programming attacker of tests/test_disclosure_attack.py recovers no hidden cell
from its CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from cspdash.access import NotAllowed, Person, Role
from cspdash.catalogue import load_catalogue
from cspdash.periods import Quarter
from cspdash.store import records
from cspdash.store.db import open_store
from tests.conftest import ROOT

QUARTER = Quarter.parse("2024/25 Q4")
COMMENT = "Accommodation checks moved to the new panel in January <b>& more</b>."
UNITS = {ind.id: ind.unit for ind in load_catalogue().indicators}
SMALL = {"1", "2", "3", "4"}
ACTION = "Review the reoffending cohort with probation"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_loaders", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


def sign_off(url: str, area: str, quarter: Quarter = QUARTER) -> None:
    from data_loaders.publication import published_snapshot

    engine = open_store(url)
    records.sign_off(engine, area, quarter, "chair@hackney.gov.uk", published_snapshot(engine, area, quarter))
    engine.dispose()


@pytest.fixture(scope="module")
def signed_store(sample_store_url, tmp_path_factory) -> str:
    """A copy of the sample with Hackney's and the City's 2024/25 Q4 signed off (and a commentary)."""
    target = tmp_path_factory.mktemp("public_site") / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    records.save_commentary(
        open_store(url), "yj_kpi1_accommodation", "Hackney", QUARTER, COMMENT, "lead@hackney.gov.uk"
    )
    records.add_action(
        open_store(url), "lead@hackney.gov.uk", ACTION, "Jo Bloggs", indicator="yj_reoffending", area="Hackney"
    )
    sign_off(url, "Hackney")
    sign_off(url, "City of London")
    return url


def publish(store: str, out: Path, area: str = "Hackney", quarter: str = QUARTER.label):
    return cli("publish-site", "--db", store, "--area", area, "--quarter", quarter, "-o", str(out))


@pytest.fixture(scope="module")
def site(signed_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    done = publish(signed_store, out)
    assert done.returncode == 0, done.stderr
    return out


def rated(store: str, area: str = "Hackney") -> list[dict]:
    """Every indicator the board rated this quarter, as the `board` command gives them."""
    done = cli("board", "--db", store, "--area", area, "--quarter", QUARTER.label, "--format", "json")
    assert done.returncode == 0, done.stderr
    return [row for row in json.loads(done.stdout) if row["status"] != "Not rated"]


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def pages(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.html")}


def figures(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / "figures.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def count_cells(html: str) -> list[str]:
    """The text of every cell showing a count (the site marks them with the class `count`)."""
    return [unescape(cell).strip() for cell in re.findall(r'<td class="[^"]*\bcount\b[^"]*">([^<]*)</td>', html)]


def small_counts(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame[frame["indicator_id"].map(UNITS).eq("count")]
    return counts[counts["value"].isin(SMALL)]


# ---- what the site holds -------------------------------------------------------------------------------


def test_the_site_has_every_rated_indicator_with_its_status_and_the_commentary(signed_store, site):
    names = {"index.html", "about.html"} | {f"{s.id}.html" for s in load_catalogue().subgroups}
    found = pages(site)
    assert {"index.html", "about.html"} <= set(found) and set(found) <= names
    assert (site / "style.css").is_file() and (site / "data" / "figures.csv").is_file()
    index = text_of(found["index.html"])
    everything = " ".join(text_of(html) for html in found.values())
    board = rated(signed_store)
    assert len(board) > 20
    for row in board:
        assert row["indicator"] in index, row["indicator"]
        line = re.search(re.escape(row["indicator"]) + r" .*?(Red|Amber|Green|Unusual|No signal|Not rated)", index)
        assert line and line.group(1) == row["status"], (row["indicator"], row["status"])
    assert "signed off" in index and "Hackney" in index and QUARTER.label in index
    assert COMMENT in everything  # escaped in the HTML, read back as the words written
    assert "<b>& more</b>" not in " ".join(found.values())
    assert ACTION in index  # the open action, without its owner: no officer's name on the site
    for name in ("chair@hackney.gov.uk", "lead@hackney.gov.uk", "Jo Bloggs"):
        assert name not in everything and name not in (site / "data" / "figures.csv").read_text(encoding="utf-8-sig")
    published = figures(site)
    assert set(published.columns) >= {"indicator", "area", "period", "value", "note"}
    assert {row["indicator"] for row in board} <= set(published["indicator"])


def test_no_count_of_1_to_4_is_shown_in_the_pages_or_the_csv(site):
    published = figures(site)
    assert (published["value"] == "[c]").any(), "the sample has hidden figures"
    assert small_counts(published).empty, small_counts(published).head()
    for name, html in pages(site).items():
        cells = count_cells(html)
        assert name == "about.html" or cells, name
        assert not SMALL & set(cells), name


def test_the_attacker_recovers_no_hidden_cell_from_the_csv(site):
    from tests.test_disclosure_attack import narrow, show

    frame = attacker_frame(figures(site))
    assert frame["hidden"].sum() > 5
    found = narrow(frame)
    assert found.empty, f"{len(found)} hidden cells pinned to a range under 5:\n{show(found)}"

    # the attacker is not blind: with the other hidden parts of a published total given away (as 0),
    # the last one is pinned
    from tests.test_disclosure_attack import category_relations

    joined = [[c for c in cells if frame.at[c, "hidden"]] for cells, _ in category_relations(frame)]
    joined = [cells for cells in joined if len(cells) >= 2]
    assert joined, "the site's CSV has a published total with two hidden parts"
    given_away = frame.copy()
    for cell in joined[0][1:]:
        given_away.loc[cell, ["value", "published_as", "x", "hidden"]] = ["0", "", 0.0, False]
    assert not narrow(given_away).empty


def attacker_frame(published: pd.DataFrame) -> pd.DataFrame:
    """The site's CSV as the attacker of test_disclosure_attack reads an export."""

    def period(text: str) -> tuple[str, str]:
        quarter = Quarter.parse(re.search(r"\d{4}/\d{2} Q\d", text).group(0))
        first = quarter.shift(-3) if text.startswith("12 months") else quarter
        return first.start.isoformat(), quarter.end.isoformat()

    starts, ends = zip(*(period(p) for p in published["period"]), strict=True)
    frame = pd.DataFrame(
        {
            "area": published["area"],
            "area_code": "",
            "area_kind": "la",
            "period_start": starts,
            "period_end": ends,
            "breakdown": "",
            "vintage": "site",
            "indicator": published["indicator_id"],
            "value": published["value"].where(published["value"] != "[c]", ""),
            "published_as": published["value"].where(published["value"] == "[c]", ""),
            "suppressed": "False",
            "not_applicable": "False",
        }
    )
    frame["x"] = pd.to_numeric(frame["value"].replace("", None), errors="coerce")
    frame["hidden"] = frame["published_as"] != ""
    frame["linear"] = frame["indicator"].map(UNITS).fillna("count").eq("count")
    return frame


def test_a_small_count_the_board_sees_stored_is_not_on_the_site(signed_store, tmp_path):
    """The City's sample has counts of 1–4 in 2024/25 Q4 that analysts see as stored: its site hides
    them; and a snapshot frozen from the analysts' figures (as if made for another audience) is
    published with them hidden too."""
    from cspdash.boardpack import snapshot_from_rows
    from cspdash.public_site import site_files
    from cspdash.service import Audience, BoardService

    engine = open_store(signed_store)
    analyst = BoardService(engine, Audience.ANALYST).at()
    rows = analyst.rows("City of London", QUARTER, beside_london=False)
    small = {
        row.indicator.id
        for row in rows
        if row.indicator.unit == "count" and row.assessment.reading is not None and row.assessment.reading.known
        if 1 <= row.assessment.reading.value <= 4
    }
    assert small, "the City's sample has small counts in 2024/25 Q4"

    done = publish(signed_store, tmp_path / "city", area="City of London")
    assert done.returncode == 0, done.stderr
    published = figures(tmp_path / "city")
    assert small_counts(published).empty
    this_quarter = published[published["period"] == QUARTER.label].set_index("indicator_id")["value"]
    assert all(this_quarter.get(ind, "[c]") == "[c]" for ind in small)

    stored = snapshot_from_rows(analyst.catalogue, "City of London", QUARTER, rows, pd.DataFrame(), [], None)
    stored["signed_off_at"] = "2026-12-07T10:00"
    files = site_files(stored)
    frame = pd.read_csv(io.BytesIO(files["data/figures.csv"]), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert small_counts(frame).empty
    for name, data in files.items():
        if name.endswith(".html"):
            assert not SMALL & set(count_cells(data.decode())), name


# ---- in a browser, offline ------------------------------------------------------------------------------


def test_the_site_opens_from_the_file_system_with_nothing_fetched_and_passes_axe(site):
    from playwright.sync_api import expect

    from tests.browser import chromium, new_page
    from tests.conftest import require
    from tests.test_accessibility import AXE, serious

    require(AXE.exists(), f"axe-core not installed at {AXE} (run `make test`, which runs `npm ci`)")
    with chromium() as browser:
        page = new_page(browser, 1280, 720)
        asked: list[str] = []

        def handle(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                asked.append(route.request.url)
                route.abort()

        page.route("**/*", handle)
        for name in [
            "index.html",
            "about.html",
            *sorted(n for n in pages(site) if n not in ("index.html", "about.html")),
        ]:
            page.goto((site / name).as_uri())
            expect(page.locator("h1")).to_have_count(1)
            assert page.evaluate("() => document.documentElement.lang").startswith("en")
            assert not page.evaluate("() => document.scripts.length"), name
            assert serious(page) == [], name
            if name == "index.html":
                expect(page.get_by_text("The statuses at a glance")).to_be_visible()
                expect(page.locator(".status").first).to_be_visible()
                assert page.evaluate("() => getComputedStyle(document.body).lineHeight") != "normal"  # style.css read
        assert asked == [], asked


# ---- who may publish, and what is refused -----------------------------------------------------------------


def test_an_unsigned_quarter_is_refused_in_one_sentence(signed_store, tmp_path):
    done = publish(signed_store, tmp_path / "q3", quarter="2024/25 Q3")
    assert done.returncode == 1
    assert "not signed off" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and not (tmp_path / "q3").exists()


def test_the_cli_writes_a_folder_and_a_zip_and_refuses_a_folder_that_is_not_a_site(signed_store, site, tmp_path):
    archive = tmp_path / "site.zip"
    done = publish(signed_store, archive)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        folder = names[0].split("/")[0]
        assert f"{folder}/index.html" in names and f"{folder}/data/figures.csv" in names
        assert opened.read(f"{folder}/data/figures.csv") == (site / "data" / "figures.csv").read_bytes()

    again = publish(signed_store, site)  # an earlier site is written over
    assert again.returncode == 0, again.stderr

    other = tmp_path / "papers"
    other.mkdir()
    (other / "minutes.docx").write_bytes(b"not ours")
    refused = publish(signed_store, other)
    assert refused.returncode == 4 and "not empty" in refused.stderr
    assert [p.name for p in other.iterdir()] == ["minutes.docx"]

    log = records.audit_entries(open_store(signed_store))
    assert (log["action"] == "publish-site").sum() >= 3


def test_only_an_admin_may_publish(signed_store):
    from cspdash.public_site import publish as publish_site

    engine = open_store(signed_store)
    for role in (Role.VIEWER, Role.ANALYST):
        with pytest.raises(NotAllowed):
            publish_site(engine, "Hackney", QUARTER, Person("someone@hackney.gov.uk", role))
    files = publish_site(engine, "Hackney", QUARTER, Person("chair@hackney.gov.uk", Role.ADMIN))
    assert "index.html" in files


@pytest.fixture
def roles_store(sample_store_url, tmp_path, monkeypatch) -> str:
    target = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    roles = tmp_path / "roles.toml"
    roles.write_text(
        '[roles]\nadmin = ["chair@hackney.gov.uk"]\nanalyst = ["@hackney.gov.uk"]\nviewer = ["@cityoflondon.gov.uk"]\n'
    )
    monkeypatch.setenv("DASHBOARD_ROLES_FILE", str(roles))
    return url


def test_the_page_offers_the_public_site_to_admins_only_once_signed_off(roles_store):
    from tests.test_app_roles import app

    def downloads(email: str):
        at = app(email)
        at.switch_page("../pages/boardpack.py").run()
        assert not at.exception, at.exception
        return [b for b in at.get("download_button") if b.proto.label == "Public site (zip)"]

    assert downloads("chair@hackney.gov.uk") == []  # not signed off yet
    sign_off(roles_store, "Hackney")
    for email in ("member@cityoflondon.gov.uk", "analyst@hackney.gov.uk"):
        assert downloads(email) == [], email
    [button] = downloads("chair@hackney.gov.uk")
    assert button.proto.label == "Public site (zip)"


def test_the_csv_is_plain_and_every_hidden_figure_has_one_label(site):
    text = (site / "data" / "figures.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    hidden = [r for r in rows if r["value"] == "[c]"]
    assert hidden and all(r["note"].startswith("hidden") for r in hidden)
    assert all(r["value"] == "" or r["value"] == "[c]" or re.fullmatch(r"-?\d+(\.\d)?", r["value"]) for r in rows)
