"""Benchmark at London scale: the dashboard against the naive app (bench/naive_app.py), each at one
area and at 33 areas, in one run (stores from bench/london_store.py, built through the loaders).

    python bench/london.py [--repeat 3] [--no-browser]      (also: python bench/run.py --london)

Prints, per store: the overview and the MPS crime page rerun after a quarter change and a new
session with warm caches (server time, Streamlit's AppTest), first render in Chromium of a fresh
browser session, the upload preview of a real MPS borough release, the board pack (PDF), and peak
server memory; then the ratios the goals are stated in (times are noisy on shared machines: each
ratio is measured in the same run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ itself off the path: its pages.py would shadow the app's pages package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.london_store import HOME, REFERENCE, build  # noqa: E402

OUT = ROOT / "bench" / ".london"
OVERVIEW_QUARTERS = ["2025/26 Q3", "2024/25 Q2", "2021/22 Q1"]
PAGE_QUARTERS = ["2023/24 Q4", "2022/23 Q3", "2019/20 Q2"]
LATEST = "2025/26 Q4"
MPS_RELEASE = REFERENCE / "mps_borough" / "mps_borough_24m_202312-202511.csv"
CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 300_000


# ---- in a child process: one app on one store (its own caches and memory) ----------------------


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _check(at) -> None:
    if at.exception:
        raise RuntimeError(f"the app failed: {at.exception[0].value}")


def measure_app(app: str, repeat: int) -> dict[str, float]:
    """Server times through AppTest: first run, quarter changes on the overview and the MPS page, a
    new session with the caches warm. `app` is "now" (the dashboard) or "naive"."""
    from streamlit.testing.v1 import AppTest

    from tests.streamlit_app import open_page

    script = ROOT / ("tests/streamlit_app.py" if app == "now" else "bench/naive_app.py")
    quarter_box = 1 if app == "now" else 2

    def session() -> AppTest:
        at = AppTest.from_file(str(script), default_timeout=WAIT_MS / 1000)
        at.query_params["area"] = HOME
        return at

    at = session()
    first = _timed(at.run)
    _check(at)
    warming = _timed(_warmed)
    overview = []
    for label in OVERVIEW_QUARTERS[:repeat]:
        overview.append(_timed(at.sidebar.selectbox[quarter_box].select(label).run))
        _check(at)
    if app == "now":
        open_page(at, "mps_crime").run()
    else:
        at.sidebar.selectbox[1].select("MPS crime").run()
    _check(at)
    warming += _timed(_warmed)
    page = []
    for label in PAGE_QUARTERS[:repeat]:
        page.append(_timed(at.sidebar.selectbox[quarter_box].select(label).run))
        _check(at)
    fresh = session()
    warm_session = _timed(fresh.run)
    _check(fresh)
    return {
        "first run (cold caches)": first,
        "other quarters built in the background (after first runs)": warming,
        "overview rerun after a quarter change": statistics.median(overview),
        "MPS crime page rerun after a quarter change": statistics.median(page),
        "new session, warm caches": warm_session,
    }


def _warmed() -> None:
    """Wait for the views of the other quarters that a page builds in the background once drawn."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("warm-"):
            thread.join()


def measure_store_work(repeat: int) -> dict[str, float]:
    """Upload preview of a real MPS borough release, and the board pack, on this store."""
    from cspdash.boardpack import build_pack
    from cspdash.periods import Quarter
    from cspdash.store import queries
    from cspdash.store.db import database_url, open_store
    from data_loaders.ingest import check_upload
    from data_loaders.publication import published_snapshot

    engine = open_store(database_url())
    targets = queries.targets(engine)
    content = MPS_RELEASE.read_bytes()
    preview = statistics.median(
        _timed(lambda: check_upload(engine, MPS_RELEASE.name, content, targets)) for _ in range(repeat)
    )
    quarter = Quarter.parse(LATEST)
    start = time.perf_counter()
    build_pack(published_snapshot(engine, HOME, quarter), "pdf")
    return {"upload preview of a real MPS borough release": preview, "board pack (PDF)": time.perf_counter() - start}


def child(app: str, repeat: int) -> None:
    import resource

    results = measure_app("naive" if app == "naive" else "now", repeat)
    if app == "cold":  # nothing built in the background: each quarter change builds its view
        return print(json.dumps({f"{what} (quarter not built before)": t for what, t in results.items()}))
    if app == "now":
        results |= measure_store_work(repeat)
    results["peak memory of the process (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(results))


# ---- in the parent -------------------------------------------------------------------------------


def in_child(app: str, url: str, catalogue: Path, area_names: str, repeat: int) -> dict[str, float]:
    env = {
        **os.environ,
        "DASHBOARD_DATABASE_URL": url,
        "DASHBOARD_CATALOGUE": str(catalogue),
        "NAIVE_DATA": str(OUT / "files"),
        "NAIVE_AREAS": area_names,
        "DASHBOARD_WARM_QUARTERS": "0" if app == "cold" else "1",
    }
    done = subprocess.run(
        [sys.executable, __file__, "--child", app, "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{app} on {url} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_idle(pid: int, limit: float = 180.0) -> None:
    """Until the server has used no CPU for a second (the views it builds in the background are done)."""

    def cpu() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

    deadline, before = time.monotonic() + limit, cpu()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu()
        if now - before <= 1:
            return
        before = now


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def first_render(browser, url: str) -> float:
    """A fresh browser session opens the page: until its content is drawn and the run is over."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    start = time.perf_counter()
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT_MS)
    took = time.perf_counter() - start
    context.close()
    return took


def in_browser(app: str, env: dict, repeat: int) -> dict[str, float]:
    """First render in Chromium (the first request to a new server, then fresh sessions on it), and the
    server's peak memory after them."""
    from playwright.sync_api import sync_playwright

    from bench.pages import serve

    script = ROOT / ("app.py" if app == "now" else "bench/naive_app.py")
    query = f"?area={HOME}&quarter={LATEST.replace(' ', '+')}"
    with sync_playwright() as playwright, serve(script, env, ROOT) as (url, pid):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        first = first_render(browser, f"{url}/{query}")
        results = {"first render, first request to a new server": first}
        pages = {"first render, overview": f"{url}/{query}"}
        if app == "now":
            pages["first render, MPS crime page"] = f"{url}/mps_crime{query}"
        for what, address in pages.items():
            first_render(browser, address)  # someone opened the page before (its background work done)
            wait_idle(pid)
            results[what] = statistics.median(first_render(browser, address) for _ in range(repeat))
        browser.close()
        results["peak server memory (MB)"] = peak_rss_mb(pid)
    return results


def ingest_ratio(repeat: int) -> float:
    """Validate + ingest of a typical quarterly return against a bare calamine read of it."""
    import tempfile

    import pandas as pd

    from bench.run import CASES, fresh_store, timed, validate_and_ingest

    path = CASES[0][1]
    with tempfile.TemporaryDirectory() as folder:
        ingest = timed(lambda engine: validate_and_ingest(path, engine), repeat, lambda: fresh_store(Path(folder)))
    calamine = timed(lambda _: pd.read_excel(path, sheet_name=None, header=None, engine="calamine"), repeat)
    return ingest / calamine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="leave out first render in Chromium")
    parser.add_argument("--child", choices=["now", "cold", "naive"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return
    results: dict[tuple[str, int], dict[str, float]] = {}
    for count in (1, 33):
        url, catalogue = build(OUT, count)
        names = ",".join(
            line.split('"')[1] for line in catalogue.read_text().splitlines() if line.startswith("name = ")
        )
        env = {"DASHBOARD_DATABASE_URL": url, "DASHBOARD_CATALOGUE": str(catalogue)}
        env |= {"NAIVE_DATA": str(OUT / "files"), "NAIVE_AREAS": names}
        for app in ("now", "cold", "naive"):
            print(f"measuring {app} at {count} area{'s' if count > 1 else ''} ...", flush=True)
            results[(app, count)] = in_child(app, url, catalogue, names, args.repeat)
            if app == "cold":
                results[("now", count)] |= results.pop((app, count))
            elif not args.no_browser:
                results[(app, count)] |= in_browser(app, env, args.repeat)
    report(results, ingest_ratio(args.repeat))


def report(results: dict, ingest: float) -> None:
    print("\nLondon scale (seconds; server times from AppTest; medians):")
    print(f"  {'':58} {'now, 1':>8} {'now, 33':>8} {'naive, 1':>9} {'naive, 33':>9}")
    for what in results[("now", 33)]:
        row = [results[(app, n)].get(what) for app in ("now", "naive") for n in (1, 33)]
        shown = [f"{v:>8.2f}" if v is not None else f"{'n/a':>8}" for v in row]
        print(f"  {what:58} {shown[0]} {shown[1]} {shown[2]:>9} {shown[3]:>9}")
    now, naive, one = results[("now", 33)], results[("naive", 33)], results[("now", 1)]
    print("\nGoals at 33 areas:")
    for what in ("overview rerun after a quarter change", "MPS crime page rerun after a quarter change"):
        for case in (what, f"{what} (quarter not built before)"):
            print(
                f"  {case}: {now[case] * 1000:.0f} ms (goal <= 150 ms); {naive[what] / now[case]:.1f}x faster than "
                f"the naive app (goal >= 10x); {now[case] / one[case]:.2f}x the one-area time (goal <= 1.5x)"
            )
    for what in ("first render, overview", "first render, MPS crime page"):
        if what in now:
            print(
                f"  {what}: {now[what]:.2f} s (goal <= 2 s); naive app overview {naive.get(what, float('nan')):.2f} s"
            )
    what = "upload preview of a real MPS borough release"
    print(f"  {what}: {now[what]:.2f} s (goal <= 2 s); {now[what] / one[what]:.2f}x the one-area time")
    print(f"  validate + ingest of a typical return: {ingest:.1f}x a bare calamine read (goal <= 2x)")
    memory = now.get("peak server memory (MB)", now["peak memory of the process (MB)"])
    print(f"  peak server memory: {memory:.0f} MB (goal <= 500 MB)")


if __name__ == "__main__":
    main()
