"""The server stops when told to: within a few seconds of SIGTERM, even while work is running
(a deployment's restart, or Ctrl-C, must not hang for as long as that work takes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.browser import chromium, free_port, wait_until_healthy
from tests.conftest import ROOT

SLOW_APP = ROOT / "tests" / "data" / "slow_app.py"
WORK_SECONDS = 600  # what the slow app's work would take to finish


def serve(command: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [*command, "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT,
        env={**os.environ, "DASHBOARD_SERVE_APP": str(SLOW_APP)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, server)
    return server, url


def stopped_within(server: subprocess.Popen, seconds: float) -> bool:
    try:
        server.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def test_the_server_exits_on_sigterm_while_work_is_still_running():
    server, url = serve([sys.executable, str(ROOT / "scripts" / "serve.py")])
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("Working").wait_for(timeout=60_000)
        server.send_signal(signal.SIGTERM)
        # the bound is a fifth of the work's own length, not a time goal: a loaded machine stays far inside it
        assert stopped_within(server, WORK_SECONDS / 5), "the server was still running"
        assert server.returncode == 0
    finally:
        server.kill()
        server.wait()


def test_without_the_deadline_that_work_would_hold_the_server():
    """The check above can fail: plain `streamlit run` of the same app is still running long after
    SIGTERM, waiting for the work to end."""
    server, url = serve([sys.executable, "-m", "streamlit", "run", str(SLOW_APP)])
    try:
        with chromium() as browser:
            page = browser.new_page()
            page.goto(url)
            page.get_by_text("Working").wait_for(timeout=60_000)
        server.send_signal(signal.SIGTERM)
        assert not stopped_within(server, 15)
    finally:
        server.kill()
        server.wait()
