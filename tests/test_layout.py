"""The board's screens at the size of a shared screen (1280×720) and at 200% zoom (640 CSS px wide):
the first exception without scrolling, Area and Quarter without scrolling the sidebar, no text
running into the next column, and Back returning to the view before."""

import pytest
from playwright.sync_api import expect

from tests.browser import finished, new_page, screenshot
from tests.test_browser import browser, served_app  # noqa: F401 - the same served app and browser fixtures

Q4 = "area=Hackney&quarter=2024/25+Q4"
SPILLED_CELLS = """() => [...document.querySelectorAll('table td, table th')]
  .filter(cell => cell.offsetParent !== null && cell.scrollWidth > cell.clientWidth + 1)
  .map(cell => cell.textContent.trim().slice(0, 60))"""
IN_VIEW = """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight; }"""


def test_a_shared_screen_shows_the_first_exception_and_the_filters_without_scrolling(served_app, browser):
    page = new_page(browser, 1280, 720)
    page.goto(f"{served_app}/?{Q4}")
    first = page.locator("table.matrix tbody tr").first
    expect(first).to_contain_text("Red")
    finished(page)
    assert page.evaluate(IN_VIEW, "table.matrix tbody tr")
    visible = page.evaluate(
        "() => [...document.querySelectorAll('table.matrix tbody tr')].filter(r => { const b = "
        "r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= window.innerHeight; }).length"
    )
    assert visible >= 18
    for label in ("Area", "Quarter"):
        box = page.get_by_test_id("stSidebar").get_by_text(label, exact=True).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720, label
    screenshot(page, "overview_1280x720.png")
    page.close()


@pytest.mark.parametrize("width", [1280, 640])
@pytest.mark.parametrize("path", ["", "youth_justice", "mps_crime", "compare"])
def test_no_text_runs_into_the_next_column(served_app, browser, path, width):
    page = new_page(browser, width, 900)
    page.goto(f"{served_app}/{path}?{Q4}")
    expect(page.locator("table").first).to_be_visible()
    finished(page)
    for expander in page.get_by_test_id("stExpander").all()[:3]:  # the overview's tables in full
        expander.locator("summary").click()
    finished(page)
    assert page.evaluate(SPILLED_CELLS) == []
    page.close()


def test_back_after_an_indicator_returns_to_the_overview_as_it_was(served_app, browser):
    page = new_page(browser, 1280, 720)
    page.goto(f"{served_app}/?{Q4}&order=subgroup&subgroup=youth_justice")
    link = page.locator("table.matrix tbody th a", has_text="First time entrants aged 10–17").first
    expect(link).to_be_visible()
    finished(page)
    link.click()
    expect(page.get_by_role("heading", name="Youth Justice: Hackney")).to_be_visible()
    finished(page)
    page.go_back()
    expect(page.locator("table.matrix caption")).to_have_text("19 indicators, by sub-group — 2024/25 Q4")
    assert "order=subgroup" in page.url
    page.close()
