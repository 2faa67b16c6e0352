"""Serve the dashboard: `streamlit run app.py`, with the router's navigation from the very first request.

With a pages/ folder beside app.py, Streamlit runs a server's first session in its older multipage
mode, which knows only the files in pages/: a first request to a page built from the catalogue (a
sub-group page such as /vawg) would be answered "Page not found" before app.py could route it.
Starting the server here tells Streamlit at once that the app declares its own navigation (as
app.py does on every run), so that first request is routed like any other. Arguments are passed to
`streamlit run` (e.g. --server.port 8501).

It also makes the server exit within a few seconds of SIGTERM (or Ctrl-C): Streamlit stops its
event loop at once, but the interpreter then waits for whatever work is still running (a long query, a
view being built in the background); here a stop signal also starts a timer that ends the process
after `GRACE_SECONDS`. The stores are transactional, so nothing stored is lost.
`DASHBOARD_SERVE_APP` names another script to serve (the tests serve a deliberately slow one).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import bootstrap, cli

APP = Path(__file__).resolve().parents[1] / "app.py"
GRACE_SECONDS = 2.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def _exit_after_grace(handler):
    """A stop-signal handler that lets Streamlit stop as usual, and ends the process after the grace
    period if it has not ended by then."""

    def stop(signal_number, frame) -> None:
        deadline = threading.Timer(GRACE_SECONDS, _exit_now)
        deadline.daemon = True
        deadline.start()
        handler(signal_number, frame)

    return stop


def _exit_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _with_a_deadline(set_up_signal_handler):
    def set_up(server) -> None:
        set_up_signal_handler(server)
        for number in STOP_SIGNALS:
            handler = signal.getsignal(number)
            if callable(handler):
                signal.signal(number, _exit_after_grace(handler))

    return set_up


def _prepare_the_board_in_the_background() -> None:
    """What the first visitor sees is prepared while the server starts, and again whenever the store
    changes (`pages.runtime.keep_warm`), so no visitor waits for it."""
    sys.path.insert(0, str(APP.parent))
    from pages.runtime import LOG, start_keeping_warm

    if not LOG.handlers:  # the dashboard's own messages (store errors, warming) in the server's log
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s dashboard: %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)

    start_keeping_warm()


def main(arguments: list[str]) -> int:
    PagesManager.uses_pages_directory = False  # app.py calls st.navigation: never the pages/ folder mode
    bootstrap._set_up_signal_handler = _with_a_deadline(bootstrap._set_up_signal_handler)
    app = os.environ.get("DASHBOARD_SERVE_APP") or str(APP)
    if app == str(APP):
        _prepare_the_board_in_the_background()
    sys.argv = ["streamlit", "run", app, *arguments]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
