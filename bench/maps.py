"""Benchmark, in a real browser: the MPS crime page's quarter change with the map ("Where it happens")
against the same page before maps (a baseline commit), both served at once from one store copy
holding the real Hackney files (the MPS borough release of Dec 2023 to Nov 2025, the Hackney LSOA
extract and the ward release, from ../shared/reference_data).

    python bench/maps.py [--baseline 3226d85] [--repeat 5]

Measured from choosing the quarter until the page's run is over, at 1280x720, baseline and now in
turn, after a warm-up; also the page's first render in a new session. Prints medians (min–max) of
wall seconds and of the server's CPU over the same span, and the ratio now / baseline (the goal:
a quarter change under 1 s, as for the other pages).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.common import Samples, proc_cpu, record, start_results  # noqa: E402
from bench.pages import CHROMIUM, WAIT_MS, baseline_tree, served  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference_data"
FILES = (
    REFERENCE / "mps_borough" / "mps_borough_24m_202312-202511.csv",
    REFERENCE / "mps_lsoa" / "mps_lsoa_24m_202402-202602_hackney_extract.csv",
    REFERENCE / "mps_ward" / "mps_ward_24m_202402-202601.csv",
)
PAGE = "mps_crime?area=Hackney&quarter=2025/26+Q3"
OTHER = "2025/26 Q2"


def _over(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT_MS)


def _overview_first(browser, url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{url}/")
    page.locator("h1").first.wait_for(timeout=WAIT_MS)
    _over(page)
    context.close()


def first_render(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(f"{url}/{PAGE}")
    page.locator("h1").first.wait_for(timeout=WAIT_MS)
    _over(page)
    took = time.perf_counter() - start
    context.close()
    return took


def quarter_change(browser, url: str) -> float:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{url}/{PAGE}")
    page.locator("h1").first.wait_for(timeout=WAIT_MS)
    _over(page)
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Quarter", exact=True))
    box.click()
    box.locator("input").fill(OTHER)
    start = time.perf_counter()
    page.get_by_role("option", name=OTHER, exact=True).click()
    expect(page.get_by_text(f"{OTHER} · source")).to_be_visible(timeout=WAIT_MS)  # the page's own caption
    _over(page)
    took = time.perf_counter() - start
    context.close()
    return took


MEASURES = {"MPS crime page, quarter change": quarter_change, "MPS crime page, first render": first_render}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="3226d85", help="the commit before maps")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    start_results("maps")
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/bench.db"
        command = [sys.executable, "-m", "data_loaders", "ingest", *map(str, FILES), "--db", database, "--create"]
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        before = baseline_tree(args.baseline, Path(folder) / "baseline")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            with served(before, database) as baseline, served(ROOT, database) as now:
                urls = {"baseline": baseline, "now": now}
                for url, _ in urls.values():  # warm each server: both quarters seen once
                    _overview_first(browser, url)  # plain `streamlit run` routes a first request to "/" only
                    quarter_change(browser, url), first_render(browser, url)
                results = {name: {what: Samples() for what in MEASURES} for name in urls}
                for _ in range(args.repeat):
                    for what, how in MEASURES.items():
                        for name, (url, pid) in urls.items():
                            cpu = proc_cpu(pid)
                            wall = how(browser, url)
                            results[name][what].add(proc_cpu(pid) - cpu, wall)
            browser.close()
    print(f"MPS crime page with the map, real Hackney files, 1280x720 (baseline = {args.baseline}, no map;")
    print(f"{args.repeat} interleaved repeats; medians (min–max) of wall seconds and the server's CPU):")
    for what in MEASURES:
        now, then = results["now"][what], results["baseline"][what]
        print(
            f"  {what}: {then.wall_median:.2f} -> {now.wall_median:.2f} s (now / baseline = {now.wall_median / then.wall_median:.2f})"
        )
        print(f"      now {now.spread()}; baseline {then.spread()}")
        record(
            f"{what}, with the map, in Chromium (wall), against commit {args.baseline}",
            now.wall_median,
            limit=1.0 if "quarter change" in what else None,  # the pages' goal for a quarter change
            unit="s",
            baseline=then.wall_median,
        )


if __name__ == "__main__":
    main()
