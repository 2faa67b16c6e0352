"""The dashboard (or the naive app, with BENCH_APP=naive) as AppTest runs it, counting the CPU of the
script thread: the server's work for one run, without AppTest's own or the background threads'."""

import os
import runpy
import time
from pathlib import Path

from bench import apptest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ("bench/naive_app.py" if os.environ.get("BENCH_APP") == "naive" else "app.py")

started = time.thread_time()
try:
    runpy.run_path(str(SCRIPT), run_name="__main__")
finally:
    apptest.RUNS.append(time.thread_time() - started)
