"""A real browser: headless Chromium, driven by Playwright, opens the running app."""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import CHROMIUM, ROOT, require

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy in {seconds} s")


@contextlib.contextmanager
def streamlit_server(env: dict, cwd=ROOT, port: int | None = None):
    """The app served on 127.0.0.1 by a real Streamlit server, stopped afterwards."""
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    server = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def served_app(sample_store_url):
    with streamlit_server({"DASHBOARD_DATABASE_URL": sample_store_url}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_the_overview_table_shows_figures_in_a_real_browser(served_app, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{served_app}/?area=Hackney&quarter=2024/25+Q4")
    table = page.locator("table.overview").first
    table.wait_for(timeout=60_000)
    assert table.locator("caption").inner_text() == "Youth Justice — 2024/25 Q4"
    row = table.locator("tbody tr", has_text="Custodial sentences")
    cells = row.locator("td").all_inner_texts()
    assert re.fullmatch(r"\d+", cells[0]) and re.fullmatch(r"\d+", cells[1])
    assert re.search(r"(Red|Amber|Green)", cells[3])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"))
    page.close()


def test_a_subgroup_page_opens_from_its_link_with_charts(served_app, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{served_app}/vawg?area=City+of+London&quarter=2023/24+Q2")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="VAWG and domestic abuse: City of London").is_visible()
    assert "2023/24 Q2" in page.locator(".js-plotly-plot").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "vawg.png"))
    page.close()


def test_an_analyst_uploads_a_return_in_the_browser_and_sees_the_preview(sample_store_url, browser, tmp_path):
    import openpyxl

    store = tmp_path / "store.db"
    shutil.copy(sample_store_url.removeprefix("sqlite:///"), store)
    book = openpyxl.load_workbook(ROOT / "sample_data/returns/2024-25_Q4_hackney_youth_justice.xlsx")
    book["Return"]["E11"] = 41
    upload = tmp_path / "yj_revised.xlsx"
    book.save(upload)
    with streamlit_server({"DASHBOARD_DATABASE_URL": f"sqlite:///{store}"}) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/upload?area=Hackney&quarter=2024/25+Q4")
        page.locator("input[type=file]").set_input_files(str(upload))
        page.get_by_text("Revised figures (old → new)").wait_for(timeout=60_000)
        assert page.get_by_text("1 revised").is_visible()
        assert page.get_by_role("button", name="Confirm: store 1 file(s)").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "upload_preview.png"), full_page=True)
        page.close()


def test_sign_in_round_trip_with_an_oidc_provider(sample_store_url, browser, tmp_path):
    """A local OIDC provider (oidc-provider-mock); the analyst signs in and lands on what the role allows."""
    from oidc_provider_mock import run_server_in_thread

    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\nanalyst = ["@hackney.gov.uk"]\n')
    with run_server_in_thread() as provider:
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
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_role("button", name="Sign in").click()
            page.locator("input[name=sub]").fill("analyst@hackney.gov.uk")
            page.get_by_role("button", name="Authorize").click()
            page.get_by_text("Partnership overview: Hackney").wait_for(timeout=60_000)
            assert page.get_by_text("analyst@hackney.gov.uk (analyst)").is_visible()
            nav = page.locator("[data-testid=stSidebarNav]").inner_text()
            assert "Upload returns" in nav and "Targets" not in nav
            page.screenshot(path=str(ARTIFACTS / "signed_in.png"))
            page.close()
