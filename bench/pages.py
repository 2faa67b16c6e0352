"""Benchmark, in a real browser: what the meeting feels, with today's pages against the pages as they
were before the meeting work (a baseline commit), both served from the same store copy in one run.

    python bench/pages.py [--baseline 69849cd] [--repeat 5]

For each version: the overview's first render in a new session (a new browser, and a new tab of a
browser that has opened the dashboard before; the server warm), a quarter
change on the overview (that quarter seen once before), a sub-group page until its first content and
until its run is over, and a step to the next meeting screen. Prints seconds (goal: a meeting step and
a quarter change under 1 s) and ratios baseline / now. Both versions are served at once and measured
in turn (baseline, now, baseline, now, …), so the machine's noise falls on both; medians (min–max) of
wall seconds and of the server's CPU over the same span (clock ticks: 10 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.common import Samples, proc_cpu, record, start_results  # noqa: E402
from cspdash.store.db import open_store  # noqa: E402
from data_loaders.ingest import load_sample_if_empty  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
Q4 = "area=Hackney&quarter=2024/25+Q4"
WAIT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(script: Path, env: dict, cwd: Path):
    """A Streamlit script served by its own process: yields (url, pid) once it answers."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
            time.sleep(0.3)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def served(folder: Path, database: str):
    """The app in `folder` served by its own Streamlit process on the given store: yields (url, pid)."""
    with serve(folder / "app.py", {"DASHBOARD_DATABASE_URL": database, "PYTHONPATH": str(folder)}, folder) as served_:
        yield served_


def baseline_tree(commit: str, into: Path) -> Path:
    """The app's files at `commit` (git archive), to be served beside today's."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    shutil.copytree(ROOT / ".streamlit", into / ".streamlit", dirs_exist_ok=True)
    return into


def store_for(tree: Path, database: str, copy: Path) -> str:
    """The store as the baseline's code reads it: the same store when it has every migration, else a
    copy taken back (Alembic downgrade) to the baseline's newest migration, the same figures in it."""
    from alembic import command

    from cspdash.store.db import alembic_config

    versions = sorted(p.name.split("_")[0] for p in (tree / "cspdash/store/migrations/versions").glob("0*.py"))
    ours = sorted(p.name.split("_")[0] for p in (ROOT / "cspdash/store/migrations/versions").glob("0*.py"))
    if versions == ours:
        return database
    shutil.copy(database.removeprefix("sqlite:///"), copy)
    config = alembic_config()
    config.set_main_option("sqlalchemy.url", f"sqlite:///{copy}")
    with open_store(f"sqlite:///{copy}").begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, versions[-1])
    return f"sqlite:///{copy}"


class Timer:
    """Timings of one served version in one browser, each measured from a person's action until the
    page shows its result and the script run is over (the app's script state is "notRunning")."""

    def __init__(self, browser, url: str):
        self.browser, self.url = browser, url

    def _page(self):
        context = self.browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        return context, page

    @staticmethod
    def _over(page) -> None:
        from playwright.sync_api import expect

        app = page.get_by_test_id("stApp")
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT_MS)

    def overview_fresh(self) -> float:
        from playwright.sync_api import expect

        context, page = self._page()
        start = time.perf_counter()
        page.goto(f"{self.url}/?{Q4}")
        expect(page.locator("table.matrix").first).to_be_visible(timeout=WAIT_MS)
        self._over(page)
        took = time.perf_counter() - start
        context.close()
        return took

    def overview_new_tab(self, context) -> float:
        """The overview opened in a new tab of a browser that has opened the dashboard before: a new
        Streamlit session, with the browser's cache of the app's scripts."""
        from playwright.sync_api import expect

        page = context.new_page()
        start = time.perf_counter()
        page.goto(f"{self.url}/?{Q4}")
        expect(page.locator("table.matrix").first).to_be_visible(timeout=WAIT_MS)
        self._over(page)
        took = time.perf_counter() - start
        page.close()
        return took

    def quarter_change(self) -> float:
        from playwright.sync_api import expect

        context, page = self._page()
        page.goto(f"{self.url}/?{Q4}")
        expect(page.locator("table.matrix").first).to_be_visible(timeout=WAIT_MS)
        self._over(page)
        box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Quarter", exact=True))
        box.click()
        box.locator("input").fill("2024/25 Q3")
        start = time.perf_counter()
        page.get_by_role("option", name="2024/25 Q3", exact=True).click()
        expect(page.locator("table.matrix caption").first).to_contain_text("2024/25 Q3", timeout=WAIT_MS)
        self._over(page)
        took = time.perf_counter() - start
        context.close()
        return took

    def subgroup(self) -> tuple[float, float]:
        from playwright.sync_api import expect

        context, page = self._page()
        start = time.perf_counter()
        page.goto(f"{self.url}/youth_justice?{Q4}")
        expect(page.locator("table.overview").first).to_be_visible(timeout=WAIT_MS)  # the summary
        first = time.perf_counter() - start
        self._over(page)
        whole = time.perf_counter() - start
        context.close()
        return first, whole

    def meeting_steps(self, steps: int = 6) -> list[float]:
        from playwright.sync_api import expect

        context, page = self._page()
        page.goto(f"{self.url}/meeting?{Q4}")
        title = page.locator("h1").first
        expect(title).to_contain_text("summary", timeout=WAIT_MS)
        expect(page.get_by_role("button", name="Next")).to_be_enabled(timeout=WAIT_MS)
        self._over(page)
        page.wait_for_timeout(500)  # the keyboard shortcuts are bound once the buttons are drawn
        times = []
        for _ in range(steps):
            shown = title.inner_text()
            start = time.perf_counter()
            page.locator("body").press("ArrowRight")
            expect(title).not_to_have_text(shown, timeout=WAIT_MS)
            self._over(page)
            times.append(time.perf_counter() - start)
        context.close()
        return times


MEASURES = {
    "overview, first render in a new browser (nothing cached)": "overview_fresh",
    "overview, first render in a new tab (a new session)": "overview_new_tab",
    "overview, quarter change": "quarter_change",
    "Youth Justice page, first content": "subgroup_first",
    "Youth Justice page, run over": "subgroup",
    "meeting mode, next screen": "meeting_step",
}


def measure(browser, urls: dict[str, tuple[str, int]], repeat: int) -> dict[str, dict[str, Samples]]:
    """Each measure for each version in turn (baseline, now, baseline, now, …), after a warm-up: wall
    seconds in the browser and the server process's CPU over the same span."""
    timers = {name: Timer(browser, url) for name, (url, _) in urls.items()}
    tabs = {name: browser.new_context(viewport={"width": 1280, "height": 720}) for name in urls}
    for name, timer in timers.items():  # warm each server
        timer.overview_fresh(), timer.quarter_change(), timer.subgroup(), timer.meeting_steps(2)
        timer.overview_new_tab(tabs[name])

    def one(name: str, what: str) -> float:
        timer = timers[name]
        if what == "overview_new_tab":
            return timer.overview_new_tab(tabs[name])
        if what == "subgroup_first":
            return timer.subgroup()[0]
        if what == "subgroup":
            return timer.subgroup()[1]
        if what == "meeting_step":
            return statistics.median(timer.meeting_steps(3))
        return getattr(timer, what)()

    results = {name: {what: Samples() for what in MEASURES} for name in urls}
    for _ in range(repeat):
        for what, method in MEASURES.items():
            for name, (_, pid) in urls.items():
                cpu = proc_cpu(pid)
                wall = one(name, method)
                results[name][what].add(proc_cpu(pid) - cpu, wall)
    for context in tabs.values():
        context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="69849cd", help="the commit whose pages are the baseline")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    start_results("pages")
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/bench.db"
        load_sample_if_empty(open_store(database))
        before = baseline_tree(args.baseline, Path(folder) / "baseline")
        older = store_for(before, database, Path(folder) / "baseline.db")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            with served(before, older) as baseline, served(ROOT, database) as now:
                print("measuring baseline and now, in turn ...", flush=True)
                results = measure(browser, {"baseline": baseline, "now": now}, args.repeat)
            browser.close()
    print(f"pages in a browser at 1280x720 (baseline = {args.baseline}; {args.repeat} interleaved repeats;")
    print("wall seconds in the browser and the server's CPU over the same span, medians (min–max)):")
    for what in MEASURES:
        now, then = results["now"][what], results["baseline"][what]
        print(
            f"  {what}: {then.wall_median:.2f} -> {now.wall_median:.2f} s ({then.wall_median / now.wall_median:.1f}x faster)"
        )
        print(f"      now {now.spread()}; baseline {then.spread()}")
        record(
            f"{what}, sample data, in Chromium (wall), against commit {args.baseline}",
            now.wall_median,
            unit="s",
            baseline=then.wall_median,
            baseline_name=f"pages at {args.baseline}",
            ratio=then.wall_median / now.wall_median,
            ratio_goal="(x faster)",
            source="pages",
            detail=f"now {now.spread()}; baseline {then.spread()}",
        )


if __name__ == "__main__":
    main()
