"""Helpers for tests in a real browser: the app served by a real Streamlit server, Debian's Chromium
driven by Playwright, and assertions that wait (Playwright's `expect`) rather than look once."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import CHROMIUM, ROOT, require

ARTIFACTS = ROOT / "test-artifacts"
WAIT_MS = 90_000  # a busy two-core machine can take a while to draw a page the first time
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


def wait_until_healthy(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
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
def streamlit_server(env: dict, cwd=ROOT, port: int | None = None, options: tuple[str, ...] = ()):
    """The app served on 127.0.0.1 by a fresh Streamlit server process, stopped afterwards."""
    port = port or free_port()
    command = [
        sys.executable,
        str(ROOT / "scripts" / "serve.py"),  # as `make run` serves it
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        *options,
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


@contextlib.contextmanager
def chromium(*extra_args: str):
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, width: int = 1400, height: int = 1000, color_scheme: str = "light"):
    """A page in a browser session of its own; `color_scheme="dark"` asks for the dark theme."""
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=color_scheme)
    page.set_default_timeout(WAIT_MS)
    return page


def finished(page) -> None:
    """Wait until the run is over: the header's Stop button is gone and the page shows content."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget").get_by_text("Stop")).to_have_count(0)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def choose(page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox by its label, as a person would."""
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    box.click()
    box.locator("input").fill(option)  # the list is long: narrow it as a person would, by typing
    page.get_by_role("option", name=option, exact=True).click()
