"""The project's reader service (data_loaders.reader_service), unchanged, except that each forked child
writes the CPU seconds it used to a log before it exits, so that a benchmark can count the CPU of the
sandboxed read: the service ignores SIGCHLD, so its children are reaped by the kernel and their CPU
is in nobody's process_time or getrusage. `metered()` makes data_loaders.sandbox start this one.

    python bench/metered_reader.py SOCKET      (with BENCH_READER_CPU_LOG set)
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _serve(socket_path: str) -> None:
    sys.path.insert(0, str(ROOT))
    from data_loaders import reader_service

    log = os.environ["BENCH_READER_CPU_LOG"]
    child = reader_service._child

    def metered_child(connection) -> None:
        try:
            child(connection)
        finally:
            used = resource.getrusage(resource.RUSAGE_SELF)  # a forked child's counters start at zero
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"{used.ru_utime + used.ru_stime}\n")

    reader_service._child = metered_child
    reader_service.serve(socket_path)


class Meter:
    """The CPU used by the reader service and its children so far (`cpu()`), for `extra_cpu`."""

    def __init__(self, log: Path):
        self.log = log
        self.pid: int | None = None
        self.requests = 0  # children asked for; cpu() waits until each has logged

    def children_cpu(self) -> float:
        return sum(float(line) for line in self.log.read_text().split())

    def cpu(self) -> float:
        from bench.common import thread_cpu

        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = self.log.read_text().split()
            if len(lines) >= self.requests:
                break
            time.sleep(0.002)
        service = thread_cpu(self.pid)  # the service is single-threaded if self.pid else 0.0
        return service + self.children_cpu()


@contextlib.contextmanager
def metered():
    """data_loaders.sandbox using this metered service for the duration: yields a Meter."""
    from data_loaders import sandbox

    folder = Path(tempfile.mkdtemp(prefix="csp-bench-reader-"))
    log = folder / "cpu.log"
    log.write_text("")
    meter = Meter(log)
    original_start, original_exchange = sandbox._start_service, sandbox._exchange

    def start() -> tuple[subprocess.Popen, str]:
        path = str(folder / "reader.sock")
        env = {**os.environ, "BENCH_READER_CPU_LOG": str(log), "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        if process.stdout.readline().strip() != b"ready":
            process.kill()
            raise sandbox.ReaderUnavailable("the metered reader could not start")
        meter.pid = process.pid
        return process, path

    def exchange(request, seconds):
        meter.requests += 1
        return original_exchange(request, seconds)

    with sandbox._lock:
        if sandbox._service is not None:
            sandbox._service[0].kill()
        sandbox._service = None
    sandbox._start_service, sandbox._exchange = start, exchange
    try:
        yield meter
    finally:
        sandbox._start_service, sandbox._exchange = original_start, original_exchange
        with sandbox._lock:
            if sandbox._service is not None:
                sandbox._service[0].kill()
                sandbox._service = None


if __name__ == "__main__":
    _serve(sys.argv[1])
