"""A real browser: headless Chromium, driven by Playwright, opens the running app. Every assertion
waits for what it expects (Playwright's `expect`), so a busy machine makes a test slower, not red."""

import re
import shutil

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser import chromium, free_port, new_page, screenshot, streamlit_server
from tests.conftest import ROOT

CLIPPED_TITLES = """() => [
  ...[...document.querySelectorAll('h1, h2, h3')].filter(e => e.scrollWidth > e.clientWidth + 1),
  ...[...document.querySelectorAll('.js-plotly-plot .gtitle')].filter(e =>
      e.getBoundingClientRect().right > e.closest('.js-plotly-plot').getBoundingClientRect().right + 1),
].map(e => e.textContent)"""


@pytest.fixture(scope="module")
def served_app(sample_store_url):
    with streamlit_server({"DASHBOARD_DATABASE_URL": sample_store_url}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def test_the_overview_table_shows_figures_in_a_real_browser(served_app, browser):
    page = new_page(browser)
    page.goto(f"{served_app}/?area=Hackney&quarter=2024/25+Q4")
    table = page.locator("table.overview").first
    expect(table.locator("caption")).to_have_text("Youth Justice — 2024/25 Q4")
    row = table.locator("tbody tr", has_text="Custodial sentences")
    expect(row.locator("td").nth(0)).to_have_text(re.compile(r"^\d+$"))
    expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^\d+$"))
    expect(row.locator("td").nth(3)).to_contain_text(re.compile(r"Not rated|No signal|Red|Amber|Green"))
    rated = table.locator("tbody tr", has_text="Proven reoffending rate")  # a set target decides its status
    expect(rated.locator("td").nth(3)).to_contain_text(re.compile(r"(Red|Amber|Green).*target of 33%"))
    expect(rated.locator("td").nth(4)).to_contain_text("Target:")
    screenshot(page, "overview.png")
    page.close()


def test_a_subgroup_page_opens_from_its_link_with_charts(served_app, browser):
    page = new_page(browser)
    page.goto(f"{served_app}/vawg?area=City+of+London&quarter=2023/24+Q2")
    expect(page.get_by_role("heading", name="VAWG and domestic abuse: City of London")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(0)  # findings first; charts when asked for
    page.get_by_text("Charts and figures:").first.click()
    expect(page.locator(".js-plotly-plot").first).to_contain_text("2023/24 Q2")
    assert page.evaluate(CLIPPED_TITLES) == []
    screenshot(page, "vawg.png")
    page.close()


def test_an_analyst_uploads_a_return_in_the_browser_and_sees_the_preview(sample_store_url, browser, tmp_path):
    store = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), store)
    book = openpyxl.load_workbook(ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx")
    book["Return"]["E11"] = 41
    upload = tmp_path / "yj_revised.xlsx"
    book.save(upload)
    with streamlit_server({"DASHBOARD_DATABASE_URL": f"sqlite:///{store}"}) as url:
        page = new_page(browser, height=1100)
        page.goto(f"{url}/upload?area=Hackney&quarter=2024/25+Q4")
        page.locator("input[type=file]").set_input_files(str(upload))
        expect(page.get_by_text(re.compile(r"^Revised figures \(was → now\)"))).to_be_visible()
        expect(page.get_by_text("1 revised")).to_be_visible()
        expect(page.get_by_role("button", name="Confirm: store 1 file(s)")).to_be_visible()
        screenshot(page, "upload_preview.png")
        page.get_by_role("button", name="Confirm: store 1 file(s)").click()
        expect(page.get_by_text("Stored 17 figures from 1 file(s).")).to_be_visible()
        page.close()


def test_sign_in_round_trip_with_an_oidc_provider(sample_store_url, browser, tmp_path):
    """A local OIDC provider (oidc-provider-mock): an analyst whose address the provider verifies lands
    on what the role allows; one whose address it does not verify gets no role."""
    from oidc_provider_mock import User, run_server_in_thread

    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\nanalyst = ["@hackney.gov.uk"]\n')
    users = [
        User(sub="analyst@hackney.gov.uk", claims={"email": "analyst@hackney.gov.uk", "email_verified": True}),
        User(sub="claims@hackney.gov.uk", claims={"email": "claims@hackney.gov.uk", "email_verified": False}),
    ]
    with run_server_in_thread(user_claims=users) as provider:
        port = free_port()
        (tmp_path / ".streamlit").mkdir()
        (tmp_path / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{"s" * 32}"\n'
            'client_id = "dashboard"\nclient_secret = "not-secret"\n'
            f'server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"\n'
        )
        env = {"DASHBOARD_DATABASE_URL": sample_store_url, "DASHBOARD_ROLES_FILE": str(roles)}
        with streamlit_server(env, cwd=tmp_path, port=port) as url:
            for who, sees in (("analyst@hackney.gov.uk", "Partnership overview: Hackney"), ("claims", "No access yet")):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.goto(url)
                page.get_by_role("button", name="Sign in").click()
                page.get_by_role("button", name=re.compile(who)).click()
                expect(page.get_by_role("heading", name=sees)).to_be_visible()
                if who.startswith("analyst"):
                    expect(page.get_by_text("analyst@hackney.gov.uk (analyst)")).to_be_visible()
                    nav = page.locator(".st-key-site-nav")
                    expect(nav).to_contain_text("Upload returns")
                    expect(nav).not_to_contain_text("Targets")
                    screenshot(page, "signed_in.png")
                else:
                    expect(page.get_by_text("did not confirm that this e-mail address is yours")).to_be_visible()
                    expect(page.locator("table.overview")).to_have_count(0)
                context.close()


def test_meeting_mode_steps_by_keyboard_and_each_screens_link_reopens_it(sample_store_url, browser):
    """A presenter at 1280×720: Right steps through the agenda; a screen's link, pasted into a new
    browser session on a freshly started server, reopens exactly that screen."""
    start = "/meeting?area=Hackney&quarter=2024/25+Q4"
    with streamlit_server({"DASHBOARD_DATABASE_URL": sample_store_url}) as url:
        page = new_page(browser, width=1280, height=720)
        page.goto(url + start)
        title = page.locator("h1").first
        expect(title).to_have_text("Hackney, 2024/25 Q4: summary")
        expect(page.locator(".meeting .stamp")).to_contain_text("Data as at")
        expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
        expect(page).to_have_url(re.compile(r"screen=summary"))
        seen = [title.inner_text()]
        links = [page.url]
        while "Open actions" not in seen[-1]:
            page.locator("body").press("ArrowRight")
            expect(title).not_to_have_text(seen[-1])
            seen.append(title.inner_text())
            expect(page).not_to_have_url(links[-1])  # the link follows the screen
            links.append(page.url)
            assert len(seen) < 40
        assert any(t.startswith("Exception:") for t in seen) and "Youth Justice (1 of 2)" in seen
        page.locator("body").press("ArrowLeft")
        expect(title).to_have_text(seen[-2])
        page.close()
    with streamlit_server({"DASHBOARD_DATABASE_URL": sample_store_url}) as url:  # a freshly started server
        for shown, link in zip(seen, links, strict=True):
            fresh = browser.new_context(viewport={"width": 1280, "height": 720})  # a new browser session
            page = fresh.new_page()
            page.set_default_timeout(90_000)
            page.goto(url + link[link.index("/meeting") :])
            expect(page.locator("h1").first).to_have_text(shown)
            clipped = page.evaluate(CLIPPED_TITLES)
            assert clipped == [], shown
            if shown.startswith("Exception:"):
                screenshot(page, "meeting_exception.png")
            fresh.close()
