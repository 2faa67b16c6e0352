"""Each register in a real browser (headless Chromium): an item created through its form, then
changed through the edit form, as an administrator (local mode) would, on a fresh store."""

import pytest

from cspdash.store import registers as reg
from cspdash.store.db import open_store
from tests.browser import chromium, finished, new_page, streamlit_server
from tests.conftest import require
from tests.test_accessibility import AXE


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    require(AXE.exists(), f"axe-core not installed at {AXE} (run `make test`, which runs `npm ci`)")
    url = f"sqlite:///{tmp_path_factory.mktemp('registers') / 'store.db'}"
    engine = open_store(url)
    with streamlit_server({"DASHBOARD_DATABASE_URL": url}) as served_url, chromium() as browser:
        yield served_url, browser, engine
    engine.dispose()


def pick(scope, label: str, option: str) -> None:
    """Choose an option of the selectbox labelled `label` inside `scope`, as a person would (again, if
    the list was redrawn under the click: a run finishing redraws it)."""
    from playwright.sync_api import Error

    box = scope.get_by_test_id("stSelectbox").filter(has=scope.page.get_by_text(label, exact=True))
    for attempt in range(3):
        try:
            box.click()
            box.locator("input").fill(option)
            scope.page.get_by_role("option", name=option, exact=True).click(timeout=15_000)
            return
        except Error:
            if attempt == 2:
                raise
            scope.page.keyboard.press("Escape")
            finished(scope.page)


def opened(served, path: str):
    url, browser, _ = served
    page = new_page(browser, height=1400)
    page.goto(f"{url}/{path}")
    finished(page)
    return page


def saved(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text(text, exact=True)).to_be_visible()
    finished(page)


def edit_form(page, register_label: str, item: str):
    """The edit form of the item chosen, once its run is over (what is typed before is lost)."""
    from playwright.sync_api import expect

    pick(page.locator("body"), f"Change which {register_label}", item)
    number = item.split(":")[0]
    expect(page.get_by_role("button", name=f"Save {register_label} {number}")).to_be_visible()
    finished(page)
    return page.get_by_test_id("stForm").nth(1)


def typed(box, text: str) -> None:
    from playwright.sync_api import expect

    box.fill(text)
    expect(box).to_have_value(text)


def serious(page) -> list[str]:
    """axe's serious and critical findings on the page's main part (the sidebar's disabled Quarter box,
    on a store with no figures, is the sidebar's own matter: tests/test_accessibility.py)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run('[data-testid=stMain]', {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in result["violations"] if v["impact"] in SERIOUS]


SERIOUS = ("serious", "critical")


def stored(engine, name: str) -> dict:
    (row,) = reg.items(engine, name)
    return row


def test_a_horizon_item_is_added_and_changed_in_the_browser(served):
    page = opened(served, "horizon")
    form = page.get_by_test_id("stForm").first
    form.get_by_label("What is coming").fill("Serious violence duty review")
    pick(form, "PESTLE category", "Political")
    form.get_by_role("button", name="Add the horizon-scanning item").click()
    saved(page, "Saved (number 1).")
    edit = edit_form(page, "horizon-scanning item", "1: Serious violence duty review")
    pick(edit, "Likelihood (1–5)", "5")
    typed(edit.get_by_label("Owner"), "Head of Community Safety")
    edit.get_by_role("button", name="Save horizon-scanning item 1").click()
    saved(page, "Saved.")
    assert serious(page) == []  # axe: no serious or critical finding, the list and both forms shown
    row = stored(served[2], "horizon")
    assert (row["category"], row["likelihood"], row["owner"], row["version"]) == (
        "Political", 5, "Head of Community Safety", 2,
    )  # fmt: skip
    page.close()


def test_a_risk_is_added_and_changed_in_the_browser(served):
    page = opened(served, "risks")
    form = page.get_by_test_id("stForm").first
    form.get_by_label("Description").fill("Partnership funding ends")
    form.get_by_label("Owner").fill("Chair")
    form.get_by_role("button", name="Add the risk").click()
    saved(page, "Saved (number 2).")
    edit = edit_form(page, "risk", "2: Partnership funding ends")
    typed(edit.get_by_label("Controls"), "Bid to the PCC fund")
    pick(edit, "Residual impact (1–5)", "1")
    edit.get_by_role("button", name="Save risk 2").click()
    saved(page, "Saved.")
    assert serious(page) == []
    row = stored(served[2], "risk")
    assert (row["controls"], row["residual_impact"], row["version"]) == ("Bid to the PCC fund", 1, 2)
    page.close()


def test_a_meeting_is_added_and_changed_in_the_browser(served):
    page = opened(served, "forward_plan")
    form = page.get_by_test_id("stForm").first
    form.get_by_label("Meeting").fill("Strategic leadership group")
    for part, digits in (("year", "2027"), ("month", "01"), ("day", "14")):  # the date's parts, as typed
        form.get_by_role("spinbutton", name=f"{part}, Date").click()
        page.keyboard.type(digits)
    page.keyboard.press("Escape")
    form.get_by_role("button", name="Add the meeting").click()
    saved(page, "Saved (number 3).")
    edit = edit_form(page, "meeting", "3: Strategic leadership group")
    typed(edit.get_by_label("Place"), "Hackney Town Hall")
    edit.get_by_role("button", name="Save meeting 3").click()
    saved(page, "Saved.")
    assert serious(page) == []
    row = stored(served[2], "meeting")
    assert (row["date"], row["place"], row["version"]) == ("2027-01-14", "Hackney Town Hall", 2)
    page.close()
