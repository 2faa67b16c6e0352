"""The reader service: a small process that checks and reads untrusted files in forked children
with limits.

Started once by `sandbox` (`python -m data_loaders.reader_service SOCKET`), it imports the loaders,
reads one sample return to warm every lazily imported reader, then listens on a Unix socket. For
each connection it forks a child (it is single-threaded, so forking is safe) that caps its own
address space, CPU and wall-clock time, checks the file against the declared limits, reads it,
sends back what happened and exits. A file that exhausts a reader kills only that child. The service exits when the process that started it
closes its standard input (or dies).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import selectors
import signal
import socket
import struct
import sys
from pathlib import Path

HEADER = struct.Struct("!Q")


def send(connection: socket.socket, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    connection.sendall(HEADER.pack(len(data)) + data)


def _exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the reader closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(connection: socket.socket) -> object:
    (size,) = HEADER.unpack(_exactly(connection, HEADER.size))
    return pickle.loads(_exactly(connection, size))


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 if unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cap(resource_kind: int, soft: int) -> None:
    hard = resource.getrlimit(resource_kind)[1]
    resource.setrlimit(resource_kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _limit_self(memory: int, seconds: float) -> None:
    """Past these, allocation fails (MemoryError, or a native reader aborts) or the kernel ends us."""
    _cap(resource.RLIMIT_CORE, 0)  # a reader that aborts leaves no core file behind
    if now := _address_space():
        _cap(resource.RLIMIT_AS, now + memory)
    _cap(resource.RLIMIT_CPU, int(seconds) + 1)
    signal.setitimer(signal.ITIMER_REAL, max(0.001, seconds))  # to the millisecond (alarm() counts whole seconds)


def read_request(request: dict) -> tuple[str, object]:
    """In a child: read the file as asked, and say what happened."""
    from data_loaders.detect import load_file
    from data_loaders.problems import ReturnRefused

    limits = request["limits"]
    try:
        _limit_self(limits.parse_memory_bytes, limits.parse_seconds)
        loaded = load_file(
            Path(request["path"]),
            kind=request["kind"],
            today=request["today"],
            name=request["name"],
            facts=request["facts"],
            limits=limits,
        )
        return "loaded", loaded
    except ReturnRefused as refused:
        return "refused", refused.problems
    except MemoryError:
        return "memory", None
    except Exception as error:  # a reader failing on a strange file is a refusal, never a traceback
        first_line = str(error).splitlines()[0][:160] if str(error) else ""
        return "failed", f"{type(error).__name__}: {first_line}"


def serve_one(connection: socket.socket) -> None:
    """In a child forked for one file: read the request, read the file under the caps, answer."""
    _child(connection)


def _child(connection: socket.socket) -> None:
    for signum in (signal.SIGCHLD, signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    try:
        outcome = read_request(receive(connection))
        try:
            send(connection, outcome)
        except MemoryError:
            send(connection, ("memory", None))
    except (OSError, EOFError):
        pass
    finally:
        connection.close()


def serve(socket_path: str) -> None:
    """Listen until standard input closes, forking a child for each file."""
    with contextlib.suppress(Exception):
        import data_loaders.worker_warmup  # noqa: F401  (warms the readers the children inherit)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(sys.stdin.buffer, selectors.EVENT_READ)
    print("ready", flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nobody reads on after "ready"
    while True:
        for key, _ in events.select():
            if key.fileobj is not listener:
                if not os.read(sys.stdin.fileno(), 1024):
                    return  # whoever started us has gone
                continue
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                _child(connection)
                os._exit(0)
            connection.close()


if __name__ == "__main__":
    serve(sys.argv[1])
