"""A real browser: headless Chromium, driven by Playwright, opens the running app."""

import os
import re
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


@pytest.fixture(scope="module")
def served_app(sample_store_url):
    port = free_port()
    env = {**os.environ, "DASHBOARD_DATABASE_URL": sample_store_url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


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
