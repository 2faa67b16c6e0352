"""Benchmark at London scale: every page of the dashboard against the naive app (bench/naive_app.py),
at one area and at 33, interleaved in one run (stores from bench/london_store.py).

    python bench/london.py [--repeat 5] [--no-browser]       (also: python bench/run.py --london)
    python bench/london.py --quick                          (a smoke run: 3 areas, 3 years, 3 repeats)

Server CPU of a page is the CPU of the thread that runs the script (Streamlit's AppTest, through
bench/apptest/app.py): the server's work for that run, without AppTest's own work or the other
quarters built in the background (their CPU is shown beside, as the process's). The dashboard and the
naive app are each hosted by a long-lived child process (its own caches and memory) and asked in
turn, A B A B …; each timing is the median of the repeats with its min–max. In a real browser
(Chromium, served by scripts/serve.py): the first request to a fresh server, first render of every
page in a fresh browser session on a warm server, and the server's peak memory (VmHWM) after the
browser has walked every page for five areas. The goals and whether each is met are written to
bench/.results/london.jsonl for bench/summary.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ itself off the path: its pages.py would shadow the app's pages package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.common import Samples, peak_rss_mb, proc_cpu, record, start_results  # noqa: E402
from bench.london_store import HOME, LAST, REFERENCE, YEARS, build, first_quarter  # noqa: E402

OUT = ROOT / "bench" / ".london"
WRAPPER = ROOT / "bench" / "apptest" / "app.py"
LATEST = LAST.label
MPS_RELEASE = REFERENCE / "mps_borough" / "mps_borough_24m_202312-202511.csv"
CHROMIUM = "/usr/bin/chromium"
WAIT_S = 600
FILE_PAGES = ["", "compare", "meeting", "boardpack", "glossary", "upload", "data", "actions", "targets", "audit"]
GOALS = dict(quarter_ms=150, naive_times=10, one_area_times=1.5, compare_s=2, session_ms=150, first_request_s=3)
GOALS |= dict(first_render_s=2, memory_mb=500, preview_s=0.5, ingest_times=5)


def page_name(path: str) -> str:
    return path or "overview"


# ---- in a child process: one app (AppTest) on one store, answering the parent's requests ----------


class Host:
    """Sessions of one app, one per page, kept between requests (the dashboard's or the naive app's)."""

    def __init__(self, app: str):
        self.app = app
        self.sessions: dict[str, object] = {}

    def new_session(self, page: str):
        from streamlit.testing.v1 import AppTest

        from tests.streamlit_app import open_page

        at = AppTest.from_file(str(WRAPPER), default_timeout=WAIT_S)
        at.query_params["area"] = HOME
        if self.app == "now" and page:
            open_page(at, page)
        return at

    def run(self, action) -> dict:
        """Server-thread CPU, process CPU and wall seconds of one run (with any rerun it asks for)."""
        from bench import apptest

        apptest.RUNS.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        at = action()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if at.exception:
            raise RuntimeError(f"the app failed: {at.exception[0].value}")
        return {"thread_cpu": sum(apptest.RUNS), "process_cpu": cpu, "wall": wall}

    def session(self, page: str) -> dict:
        """A new session opening the page (the naive app: its overview, or its MPS page)."""
        at = self.new_session(page)
        if self.app == "naive" and page == "mps_crime":
            at.run()
            return self.run(lambda: at.sidebar.selectbox[1].select("MPS crime").run())
        return self.run(at.run)

    def quarter(self, page: str, label: str) -> dict:
        """A quarter change on the page (its session opened, untimed, the first time; the other
        quarters it builds in the background done before the change, as after a glance at the page)."""
        if page not in self.sessions:
            at = self.new_session(page)
            at.run()
            if self.app == "naive" and page == "mps_crime":
                at.sidebar.selectbox[1].select("MPS crime").run()
            self.sessions[page] = at
        at = self.sessions[page]
        _warmed()
        box = at.selectbox(key="quarter") if self.app == "now" else at.sidebar.selectbox[2]
        return self.run(lambda: box.select(label).run())


def _warmed() -> None:
    """Wait for the views of the other quarters that a page builds in the background once drawn."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("warm-"):
            thread.join()


def store_work(request: dict) -> dict:
    """The upload preview of a real MPS borough release on this store (check_upload: the sandboxed read,
    the checks against the store, the statuses it would change), its CPU with the reader's."""
    from bench.common import measure_once
    from bench.metered_reader import metered
    from cspdash.service import Audience, BoardService
    from cspdash.store import queries
    from cspdash.store.db import database_url, open_store
    from data_loaders.ingest import check_upload

    engine = open_store(database_url())
    targets = queries.targets(engine)
    content = MPS_RELEASE.read_bytes()
    import pandas as pd

    board = BoardService(engine, Audience.PUBLIC).at()  # as the upload page: the statuses before are the board's

    def preview():
        return check_upload(
            engine, MPS_RELEASE.name, content, targets, board_histories=lambda area: board.histories(area, True)
        )

    with metered() as meter:
        preview()  # warm-up (starts the reader; the board's histories are prepared, as a visited board's are)
        samples = Samples(), Samples()
        for _ in range(request["repeat"]):
            samples[0].add(*measure_once(preview, meter.cpu))
            samples[1].add(*measure_once(lambda: pd.read_csv(MPS_RELEASE), meter.cpu))
    return {"preview": samples[0].as_dict(), "read_csv": samples[1].as_dict()}


def child(app: str) -> None:
    """Answer the parent's requests, one JSON line each, until it closes stdin."""
    os.environ["BENCH_APP"] = app
    host = Host(app)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "session":
                answer = host.session(request["page"])
            elif request["op"] == "quarter":
                answer = host.quarter(request["page"], request["quarter"])
            elif request["op"] == "store_work":
                answer = store_work(request)
            elif request["op"] == "memory":
                import resource

                answer = {"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
            else:
                raise ValueError(request["op"])
        except Exception as error:  # reported to the parent, which stops
            answer = {"error": f"{type(error).__name__}: {error}"}
        print("@@" + json.dumps(answer), flush=True)


def cold_start(app: str, page: str) -> None:
    """A fresh process: the overview's first run (everything cold), then a new session on `page`."""
    os.environ["BENCH_APP"] = app
    host = Host(app)
    first = host.session("")
    then = host.session(page) if page is not None else None
    print("@@" + json.dumps({"first": first, "page": then}), flush=True)


# ---- in the parent -------------------------------------------------------------------------------


class Child:
    """A child process hosting one app on one store."""

    def __init__(self, app: str, env: dict):
        self.app = app
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child", app],
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )

    def ask(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith("@@"):
                answer = json.loads(line[2:])
                if "error" in answer:
                    raise RuntimeError(f"{self.app}: {request}: {answer['error']}")
                return answer
        raise RuntimeError(f"{self.app} ended while asked {request}")

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def once(app: str, env: dict, page: str | None) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--cold-start", app, "--page", page or "-"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@")]
    if done.returncode or not lines:
        raise RuntimeError(f"cold start of {app} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][2:])


def add(samples: dict, key, answer: dict, what: str = "thread_cpu") -> None:
    samples.setdefault(key, Samples()).add(answer[what], answer["wall"])


def measure_stores(envs: dict[int, dict], pages: list[str], quarters: list[str], repeat: int, log) -> dict:
    """Every timing, {area count: {(app, measure, page): Samples}}: ours on the one-area store and on the
    many-area one, and the naive app on the many-area one, asked in turn (A B C A B C …) so that the
    ratios between them are taken in the same rounds."""
    one, many = sorted(envs)
    hosts = {(1, "now"): Child("now", envs[one]), (many, "now"): Child("now", envs[many])}
    hosts[(many, "naive")] = Child("naive", envs[many])
    samples: dict = {one: {}, many: {}}
    try:
        # quarter changes: every page of ours at one area and at many, then each page of the naive app
        # (it reads every file on every rerun whatever its page: its overview is the baseline of our
        # pages but the MPS one)
        for i in range(repeat + 1):  # the first round is a warm-up (each page's first quarter change)
            label = quarters[i % len(quarters)]
            for (count, app), host in hosts.items():
                for page in pages if app == "now" else NAIVE_PAGES:
                    answer = host.ask(op="quarter", page=page, quarter=label)
                    if i:
                        add(samples[count], (app, "quarter", page), answer)
            log(f"    quarter changes: round {i + 1} of {repeat + 1} done", flush=True)
        # new sessions with warm caches, in turn likewise
        for _ in range(repeat):
            for (count, app), host in hosts.items():
                for page in pages if app == "now" else NAIVE_PAGES:
                    add(samples[count], (app, "session", page), host.ask(op="session", page=page))
        log("    new sessions done", flush=True)
        for count in (one, many):
            work = hosts[(count, "now")].ask(op="store_work", repeat=repeat)
            samples[count][("now", "preview", "")] = Samples(**work["preview"])
            samples[count][("bare", "preview", "")] = Samples(**work["read_csv"])
        for (count, app), host in hosts.items():
            samples[count][(app, "memory", "")] = host.ask(op="memory")["peak_mb"]
    finally:
        for host in hosts.values():
            host.close()
    # fresh processes, A B A B: the first run of all (cold caches), then the areas side by side
    for _ in range(repeat):
        ours, theirs = once("now", envs[many], "compare"), once("naive", envs[many], None)
        add(samples[many], ("now", "first run", ""), ours["first"])
        add(samples[many], ("naive", "first run", ""), theirs["first"])
        add(samples[many], ("now", "compare first session", ""), ours["page"])
    log("    cold starts done", flush=True)
    return samples


NAIVE_PAGES = ["", "mps_crime"]


def naive_page(page: str) -> str:
    """The naive app's page to compare a page of ours with: its MPS page for ours, else its overview
    (it reads every file on every rerun, whatever the page)."""
    return "mps_crime" if page == "mps_crime" else ""


# ---- in a browser ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(app: str, env: dict):
    """The dashboard (scripts/serve.py) or the naive app served by a fresh process: yields (url, pid)."""
    port = _free_port()
    options = ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    options += ["--browser.gatherUsageStats", "false"]
    if app == "now":
        command = [sys.executable, str(ROOT / "scripts" / "serve.py"), *options]
    else:
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "naive_app.py"), *options]
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
            time.sleep(0.2)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def render(browser, url: str) -> float:
    """A fresh browser session opens the address: seconds until the page's title is drawn and the run is over."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(WAIT_S * 1000)
    start = time.perf_counter()
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible(timeout=120_000)
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT_S * 1000)
    took = time.perf_counter() - start
    context.close()
    return took


def wait_idle(pid: int, limit: float = 180.0) -> None:
    """Until the server has used (almost) no CPU for a second: its background work is done."""
    deadline, before = time.monotonic() + limit, proc_cpu(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = proc_cpu(pid)
        if now - before <= 0.02:
            return
        before = now


def in_browser(env: dict, pages: list[str], areas: list[str], repeat: int, log) -> dict:
    """First request to a fresh server (A B A B, a new server each time), first render of every page in a
    fresh browser session on a warm server, and peak server memory after every page for `areas`."""
    from playwright.sync_api import sync_playwright

    query = f"?area={HOME}&quarter={LATEST.replace(' ', '+')}"
    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repeat):
            for app in ("now", "naive"):
                with serve(app, env) as (url, _):
                    took = render(browser, f"{url}/{query}")
                results.setdefault((app, "first request"), []).append(took)
        log("    first requests done", flush=True)
        with serve("naive", env) as (url, pid):
            render(browser, f"{url}/{query}")
            results[("naive", "first render")] = [render(browser, f"{url}/{query}") for _ in range(repeat)]
            results[("naive", "memory")] = peak_rss_mb(pid)
        with serve("now", env) as (url, pid):
            for page in pages:  # once each (the server warm), then timed
                render(browser, f"{url}/{page}{query}")
            wait_idle(pid)
            for _ in range(repeat):
                for page in pages:
                    results.setdefault(("now", "first render", page), []).append(
                        render(browser, f"{url}/{page}{query}")
                    )
            log("    first renders done", flush=True)
            for area in areas:
                for page in pages:
                    render(browser, f"{url}/{page}?area={area.replace(' ', '+')}&quarter={LATEST.replace(' ', '+')}")
            results[("now", "memory")] = peak_rss_mb(pid)
        browser.close()
    return results


# ---- the run -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--areas", type=int, default=33)
    parser.add_argument("--years", type=int, default=YEARS)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 areas, 3 years, 3 repeats")
    parser.add_argument("--no-browser", action="store_true", help="leave out the measures in Chromium")
    parser.add_argument("--child", choices=["now", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--cold-start", choices=["now", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--page", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    if args.cold_start:
        return cold_start(args.cold_start, None if args.page == "-" else args.page)
    if args.quick:
        args.areas, args.years, args.repeat = 3, 3, 3
    log = print
    start_results("london")
    quarters = [q.label for q in reversed(_quarters(first_quarter(args.years)))][1:]  # the latest is the default
    envs, names = {}, {}
    for count in (1, args.areas):
        url, catalogue, files = build(OUT, count, args.years, log=log)
        names[count] = [line.split('"')[1] for line in catalogue.read_text().splitlines() if line.startswith("name = ")]
        envs[count] = {"DASHBOARD_DATABASE_URL": url, "DASHBOARD_CATALOGUE": str(catalogue)}
        envs[count] |= {"NAIVE_DATA": str(files), "NAIVE_AREAS": ",".join(names[count]), "PYTHONPATH": str(ROOT)}
    pages = FILE_PAGES + _subgroups(catalogue)
    log(f"measuring {len(pages)} pages at 1 area and at {args.areas} ({args.repeat} repeats) ...", flush=True)
    results = measure_stores(envs, pages, quarters, args.repeat, log)
    if not args.no_browser:
        log(f"  in Chromium at {args.areas} areas ...", flush=True)
        results["browser"] = in_browser(envs[args.areas], pages, names[args.areas][:5], args.repeat, log)
    report(results, pages, args)


def _quarters(first):
    from cspdash.periods import quarter_range

    return list(quarter_range(first, LAST))


def _subgroups(catalogue: Path) -> list[str]:
    import tomllib

    return [s["id"] for s in tomllib.loads(catalogue.read_text(encoding="utf-8")).get("subgroup", [])]


def report(results: dict, pages: list[str], args) -> None:
    many, one = results[args.areas], results[1]
    ms = 1000
    print(f"\nLondon scale: {args.areas} areas ({args.years} years) against 1; {args.repeat} interleaved repeats;")
    print("server CPU of the script thread, medians (min–max); ours at 1 area, ours at many and the naive app")
    print("asked in turn in each round\n")
    print(f"  {'page':20} {'quarter change, ours':>34} {'naive':>10} {'x faster':>9} {'/1 area':>8}")
    for page in pages:
        ours, naive = many[("now", "quarter", page)], many[("naive", "quarter", naive_page(page))]
        alone = one[("now", "quarter", page)]
        faster, growth = naive.cpu_median / ours.cpu_median, ours.cpu_median / alone.cpu_median
        print(f"  {page_name(page):20} {_ms(ours.cpu):>34} {naive.cpu_median:>9.2f}s {faster:>8.1f}x {growth:>7.2f}x")
        process = statistics.median(ours.wall)
        detail = f"ours {ours.spread('ms')} (wall as AppTest saw it, median {process:.3f} s); naive {naive.spread()}"
        record(
            f"quarter change, {page_name(page)}, {args.areas} areas: server CPU <= 150 ms",
            ours.cpu_median * ms,
            GOALS["quarter_ms"],
            "ms",
            source="london",
            group=f"quarter change, every page, {args.areas} areas: server CPU <= 150 ms",
            item=page_name(page),
            detail=detail,
        )
        record(
            f"quarter change, {page_name(page)}, {args.areas} areas: >= 10x faster than the naive app (CPU)",
            ours.cpu_median * ms,
            unit="ms",
            baseline=naive.cpu_median * ms,
            baseline_name=f"naive app, {page_name(naive_page(page))}",
            ratio=faster,
            ratio_goal=">= 10x faster",
            met=faster >= GOALS["naive_times"],
            source="london",
            group=f"quarter change, every page, {args.areas} areas: >= 10x faster than the naive app (CPU)",
            item=page_name(page),
        )
        record(
            f"quarter change, {page_name(page)}: {args.areas} areas <= 1.5x one area (CPU)",
            ours.cpu_median * ms,
            unit="ms",
            baseline=alone.cpu_median * ms,
            baseline_name="ours at one area",
            ratio=growth,
            ratio_goal="<= 1.5x",
            met=growth <= GOALS["one_area_times"],
            source="london",
            group=f"quarter change, every page: {args.areas} areas <= 1.5x one area (CPU)",
            item=page_name(page),
        )
    print(f"\n  {'page':20} {'new session, warm caches, ours':>34} {'naive':>10}")
    for page in pages:
        ours, naive = many[("now", "session", page)], many[("naive", "session", naive_page(page))]
        print(f"  {page_name(page):20} {_ms(ours.cpu):>34} {naive.cpu_median:>9.2f}s")
        record(
            f"new session, warm caches, {page_name(page)}, {args.areas} areas: server CPU <= 150 ms",
            ours.cpu_median * ms,
            GOALS["session_ms"],
            "ms",
            baseline=naive.cpu_median * ms,
            baseline_name="naive app, new session",
            ratio=naive.cpu_median / ours.cpu_median,
            ratio_goal="(x faster)",
            source="london",
            group=f"new session, warm caches, every page, {args.areas} areas: server CPU <= 150 ms",
            item=page_name(page),
            detail=f"ours {ours.spread('ms')}",
        )
    compare = many[("now", "compare first session", "")]
    first, naive_first = many[("now", "first run", "")], many[("naive", "first run", "")]
    print(f"\n  areas side by side, first session to open it (fresh process): {compare.spread()}")
    print(f"  first run of a fresh process, overview: ours {first.spread()}; naive {naive_first.spread()}")
    record(
        f"areas side by side, {args.areas} areas, new session (its data not cached before): CPU <= 2 s",
        compare.cpu_median,
        GOALS["compare_s"],
        "s",
        source="london",
        detail=f"fresh process after the overview's first run; {compare.spread()}",
    )
    preview, read_csv = many[("now", "preview", "")], many[("bare", "preview", "")]
    print(f"  upload preview of a real MPS release: {preview.spread()}; bare read_csv {read_csv.spread()}")
    record(
        f"upload preview (check_upload) of a real MPS borough release, {args.areas} areas: CPU <= 0.5 s",
        preview.cpu_median,
        GOALS["preview_s"],
        "s",
        baseline=read_csv.cpu_median,
        baseline_name="bare pandas.read_csv",
        ratio=preview.cpu_median / read_csv.cpu_median,
        ratio_goal="(x the bare read)",
        source="london",
        detail=f"CPU with the sandboxed reader's; {preview.spread()}; at one area {one[('now', 'preview', '')].spread()}",
    )
    print(
        f"  peak memory of the AppTest host: ours {many[('now', 'memory', '')]:.0f} MB, naive {many[('naive', 'memory', '')]:.0f} MB"
    )
    browser = results.get("browser")
    if browser:
        _report_browser(browser, pages, args)


def _report_browser(browser: dict, pages: list[str], args) -> None:
    ours, naive = browser[("now", "first request")], browser[("naive", "first request")]
    print(f"\n  In Chromium at {args.areas} areas (wall seconds, medians (min–max)):")
    print(f"  first request to a fresh server: ours {_s(ours)}; naive {_s(naive)}")
    record(
        f"first request to a fresh server, {args.areas} areas: wall <= 3 s (idle machine)",
        statistics.median(ours),
        GOALS["first_request_s"],
        "s",
        baseline=statistics.median(naive),
        baseline_name="naive app",
        ratio=statistics.median(ours) / statistics.median(naive),
        ratio_goal="(x the naive app)",
        source="london",
        detail=f"ours {_s(ours)}; the machine was shared, not idle",
    )
    naive_render = browser[("naive", "first render")]
    for page in pages:
        times = browser[("now", "first render", page)]
        print(f"  first render, fresh browser session, {page_name(page):20} {_s(times)}")
        record(
            f"first render in a fresh browser session, {page_name(page)}, {args.areas} areas: wall <= 2 s",
            statistics.median(times),
            GOALS["first_render_s"],
            "s",
            baseline=statistics.median(naive_render),
            baseline_name="naive app overview",
            ratio=statistics.median(naive_render) / statistics.median(times),
            ratio_goal="(x faster)",
            source="london",
            group=f"first render in a fresh browser session, every page, {args.areas} areas: wall <= 2 s",
            item=page_name(page),
            detail=_s(times),
        )
    print(f"  first render, naive app overview: {_s(naive_render)}")
    memory = browser[("now", "memory")]
    walked = min(5, args.areas)
    print(
        f"  peak server memory after every page for {walked} areas: {memory:.0f} MB (naive: {browser[('naive', 'memory')]:.0f} MB)"
    )
    record(
        f"peak server memory (VmHWM) after every page for {walked} areas, {args.areas}-area store: <= 500 MB",
        memory,
        GOALS["memory_mb"],
        "MB",
        baseline=browser[("naive", "memory")],
        baseline_name="naive app server (its overview)",
        source="london",
    )


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})"


def _s(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


if __name__ == "__main__":
    main()
