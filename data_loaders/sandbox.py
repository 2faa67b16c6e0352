"""Reading an untrusted file where it cannot hurt the server: in a worker, checked, then read.

`load_untrusted` hands the file to the reader service (`reader_service`), which runs the checks of
`filecheck` and then reads it, in a forked child whose address space, CPU and running time are
capped. This process only takes the bounded first look of `filecheck.precheck` (the file's name and
size, and how many sheets a workbook declares, so that a workbook of 100,000 sheets is refused at
once instead of keeping a worker busy); it never reads the file's cells. Whatever the file does to a
check or a reader in the worker (exhaust memory, abort the process, loop, hold the interpreter), this
process only sees a refusal with a clear message, and every other user keeps being served. The
service is started on first use and started again if it ever dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from cspdash.observations import LoadedReturn
from data_loaders.filecheck import FileFacts, precheck
from data_loaders.limits import Limits, current_limits
from data_loaders.problems import Collector, Problem, ReturnRefused
from data_loaders.reader_service import receive, send

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_lock = threading.Lock()
_slots = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
_service: tuple[subprocess.Popen, str] | None = None


class ReaderUnavailable(RuntimeError):
    """The reader service could not be started."""


def _start_service() -> tuple[subprocess.Popen, str]:
    folder = tempfile.mkdtemp(prefix="csp-reader-")
    path = os.path.join(folder, "reader.sock")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "data_loaders.reader_service", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=PROJECT_ROOT,
        env=env,
    )
    line = process.stdout.readline()
    if line.strip() != b"ready":
        process.kill()
        raise ReaderUnavailable("the file reader could not start")
    return process, path


def _service_path(restart: bool = False) -> str:
    global _service
    with _lock:
        if restart and _service is not None:
            _service[0].kill()
        if restart or _service is None or _service[0].poll() is not None:
            _service = _start_service()
        return _service[1]


def _connect(seconds: float) -> socket.socket:
    """A connection to the reader service, starting it again once if it has gone."""
    for attempt in (1, 2):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(seconds + 5)
        try:
            connection.connect(_service_path(restart=attempt == 2))
            return connection
        except OSError:
            connection.close()
            if attempt == 2:
                raise ReaderUnavailable("the file reader could not be reached") from None
    raise AssertionError("unreachable")


_fork_here = {"on": False}


def fork_from_this_process() -> None:
    """For a one-shot command (the command line): read each file in a child forked from this process,
    with the same caps, instead of starting the reader service (which would import and warm the
    loaders in a process of its own first). Only while this process has a single thread, where
    forking is safe; otherwise the service is used as usual."""
    _fork_here["on"] = True


def _exchange(request: dict, seconds: float) -> tuple[str, object]:
    if _fork_here["on"] and threading.active_count() == 1:
        return _exchange_with_a_fork(request, seconds)
    try:
        connection = _connect(seconds)
    except ReaderUnavailable:
        return "unavailable", None
    with connection:
        try:
            send(connection, request)
            return receive(connection)
        except (EOFError, ConnectionError):
            return "crashed", None
        except TimeoutError:
            return "timeout", None


def _exchange_with_a_fork(request: dict, seconds: float) -> tuple[str, object]:
    from data_loaders.reader_service import serve_one

    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the child: capped, reads the file, answers, exits
        ours.close()
        try:
            serve_one(theirs)
        finally:
            os._exit(0)
    theirs.close()
    ours.settimeout(seconds + 5)
    try:
        with ours:
            send(ours, request)
            return receive(ours)
    except (EOFError, ConnectionError):
        return "crashed", None
    except TimeoutError:
        return "timeout", None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _refusal(name: str, code: str, message: str) -> ReturnRefused:
    return ReturnRefused([Problem(name, "", "", code, message)])


def load_in_worker(
    path: Path,
    name: str,
    kind: str | None = None,
    today: date | None = None,
    facts: FileFacts | None = None,
    limits: Limits | None = None,
) -> LoadedReturn:
    """`load_file` in a worker with capped memory and time; raise ReturnRefused if it fails there.
    The file is checked there first unless `facts` says the checks have already run."""
    limits = limits or current_limits()
    request = dict(path=str(path), name=name, kind=kind, today=today, facts=facts, limits=limits)
    started = time.monotonic()
    with _slots:
        status, payload = _exchange(request, limits.parse_seconds)
    if status == "loaded":
        return payload
    if status == "refused":
        raise ReturnRefused(payload)
    if status == "timeout" or (status == "crashed" and time.monotonic() - started >= limits.parse_seconds):
        raise _refusal(
            name,
            "resource-limit",
            f"reading the file took longer than the {limits.parse_seconds:g} seconds allowed: check it holds only "
            "the table, save it again and upload again",
        )
    if status in ("memory", "crashed"):
        megabytes = limits.parse_memory_bytes // (1024 * 1024)
        raise _refusal(
            name,
            "resource-limit",
            f"reading the file needed more than the {megabytes:,} MB of memory allowed: it holds far more than "
            "a return or publication should. Check it holds only the table, save it again and upload again",
        )
    if status == "unavailable":
        raise _refusal(name, "reader-unavailable", "the file could not be checked just now: try again in a moment")
    raise _refusal(name, "corrupt-file", f"the file could not be read ({payload})")


def load_untrusted(
    path: Path, name: str | None = None, kind: str | None = None, today: date | None = None
) -> LoadedReturn:
    """Check and read a file in a worker, against the limits in force: ReturnRefused on any problem."""
    path, limits = Path(path), current_limits()
    path.stat()  # a missing file is the caller's mistake (FileNotFoundError), not the file's
    collector = Collector(name or path.name)
    precheck(path, collector, limits)
    collector.raise_if_errors()
    return load_in_worker(path, name or path.name, kind, today, limits=limits)
