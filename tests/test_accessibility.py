"""Accessibility checked by machine: axe-core (from npm, see package.json) injected by Playwright
into every page and every meeting screen at 1280×720, in the light and the dark theme; no serious or
critical finding. A sub-group page is checked with its first indicator's charts opened."""

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, finished, new_page, streamlit_server
from tests.conftest import ROOT, require

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
Q4 = "area=Hackney&quarter=2024/25+Q4"
PAGES = [
    f"/?{Q4}",
    "/compare?quarter=2024/25+Q4",
    f"/boardpack?{Q4}",
    f"/youth_justice?{Q4}",
    "/vawg?area=City+of+London&quarter=2024/25+Q4",
    f"/serious_violence?{Q4}",
    f"/night_time_economy?{Q4}",
    f"/mps_crime?{Q4}",
    f"/street_crime?{Q4}",
    "/upload",
    "/data",
    "/actions",
    "/targets",
    "/audit",
]


@pytest.fixture(scope="module")
def served(sample_store_url):
    require(AXE.exists(), f"axe-core not installed at {AXE} (run `make test`, which runs `npm ci`)")
    with streamlit_server({"DASHBOARD_DATABASE_URL": sample_store_url}) as url, chromium() as browser:
        yield url, browser


def serious(page) -> list[str]:
    """axe's serious and critical findings on the settled page (looked at again a moment later if
    the first look found any, so that a page caught mid-redraw is judged as it is then shown)."""
    found = _axe(page)
    if found:
        page.wait_for_timeout(3000)
        finished(page)
        found = _axe(page)
    return found


def _axe(page) -> list[str]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


THEMES = ["light", "dark"]  # the dark theme is asked for as a visitor's computer would: prefers-color-scheme


IN_THE_THEME = """theme => {
  const [r, g, b] = getComputedStyle(document.querySelector('.stApp')).backgroundColor.match(/\\d+/g).map(Number);
  return (r + g + b < 150) === (theme === 'dark');
}"""


def settled(page) -> None:
    finished(page)
    page.wait_for_timeout(1500)  # the last elements of the run settle


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_finding_on_any_page(served, path, theme):
    url, browser = served
    page = new_page(browser, width=1280, height=720, color_scheme=theme)
    page.goto(url + path)
    expect(page.locator("h1").first).to_be_visible()
    settled(page)
    assert page.evaluate(IN_THE_THEME, theme), f"the page is not shown in the {theme} theme"
    charts = page.get_by_text("Charts and figures:")
    if charts.count():
        charts.first.click()
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        settled(page)
    assert serious(page) == [], path
    page.close()


@pytest.mark.parametrize("theme", THEMES)
def test_no_serious_accessibility_finding_on_any_meeting_screen(served, theme):
    url, browser = served
    page = new_page(browser, width=1280, height=720, color_scheme=theme)
    page.goto(f"{url}/meeting?{Q4}")
    title = page.locator("h1").first
    expect(title).to_have_text("Hackney, 2024/25 Q4: summary")
    findings, seen = {}, []
    while True:
        finished(page)
        page.wait_for_timeout(500)
        seen.append(title.inner_text())
        findings[seen[-1]] = serious(page)
        if seen[-1] == "Open actions":
            break
        page.locator("body").press("ArrowRight")
        expect(title).not_to_have_text(seen[-1])
    assert len(seen) > 5
    assert {screen: found for screen, found in findings.items() if found} == {}
    page.close()
