"""How a page run starts: the router guard (every page runs under app.py's router) and the store
(reached once per run, its version the key of every cached read; a store that is down shows a page
that comes back by itself)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from datetime import date, datetime
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cspdash.service import Audience, BoardService
from cspdash.store.db import DEFAULT_SQLITE_PATH, StoreBusy, database_url, open_store, store_version
from data_loaders.ingest import load_sample_if_empty

VERSION_KEY = "store_version"
LOG = logging.getLogger("dashboard")
_router = threading.local()


# ---- the router guard -------------------------------------------------------------------------


@contextlib.contextmanager
def routed():
    """Around the router's `page.run()`: pages run inside know the role check has been made."""
    _router.active = True
    try:
        yield
    finally:
        _router.active = False


_legacy = {"switched_off": False}
PAGES = Path(__file__).resolve().parent


def _starting() -> None:
    """Never shown: the main page of the navigation that switches the older multipage mode off."""


def leave_legacy_mode(pages: Sequence[st.Page] = ()) -> None:
    """With a pages/ folder beside app.py, a server's first run uses Streamlit's older multipage
    mode, in which the router's widgets would belong to another page than on every later run.
    Declaring a navigation (of the same pages, so the page asked for is still found: the files in
    pages/ and the router's `pages` that are not files, e.g. the sub-group pages) switches that
    mode off; the run then starts again at that page, having drawn nothing."""
    if not _legacy["switched_off"]:
        _legacy["switched_off"] = True
        files = [st.Page(path) for path in sorted(PAGES.glob("*.py")) if path.name != "__init__.py"]
        st.navigation([st.Page(_starting, title="Starting", default=True), *files, *pages], position="hidden")
        st.rerun()


def route_through_app() -> None:
    """Make sure a page runs under app.py's router (sign-in, role check, filters, navigation).

    In the older multipage mode a requested page file runs on its own, without the router: such a
    page draws nothing, switches the mode off and starts the run again, so the router runs first and
    then runs the page if the role allows it. Public Streamlit calls only.
    """
    if getattr(_router, "active", False):
        return
    _legacy["switched_off"] = False
    leave_legacy_mode()


def once_per_run(key: Hashable, build: Callable[[], object]):
    """A value worked out once per run of the page (who is using the app, their board service) and
    shared by every call in that run. Streamlit gives each run a fresh `cursors` dict: that marks it."""
    context = get_script_run_ctx()
    if context is None:
        return build()
    run = context.cursors
    memo = getattr(context, "_dashboard_run_memo", None)
    if memo is None or memo[0] is not run:
        memo = (run, {})
        context._dashboard_run_memo = memo
    if key not in memo[1]:
        memo[1][key] = build()
    return memo[1][key]


# ---- the store ------------------------------------------------------------------------------


class StoreUnavailable(RuntimeError):
    """The database cannot be reached (or read) just now."""


@st.cache_resource(show_spinner=False)
def store(url: str):
    """The engine for the store, migrated; the embedded default gets the sample returns if empty."""
    engine = open_store(url)
    if url == f"sqlite:///{DEFAULT_SQLITE_PATH}":
        load_sample_if_empty(engine)
    return engine


def engine():
    route_through_app()
    return store(database_url())


def open_for_this_run() -> None:
    """Reach the store and read its version once per run (the key of every cached query). A store
    that was dropped is migrated again; one that is down raises StoreUnavailable."""
    for attempt in (1, 2):
        try:
            st.session_state[VERSION_KEY] = store_version(store(database_url()))
            return
        except SQLAlchemyError as error:
            LOG.warning("store unavailable (attempt %s): %s", attempt, type(error).__name__)
            store.clear()  # the next attempt opens (and migrates) it afresh
    raise StoreUnavailable


def version() -> int:
    return st.session_state.get(VERSION_KEY, 0)


def refresh() -> None:
    """After a change: read the store's version again, so the rest of this run shows the change."""
    with contextlib.suppress(SQLAlchemyError):
        st.session_state[VERSION_KEY] = store_version(engine())


# ---- the board service ----------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _service(url: str) -> BoardService:
    """One board service per store, shared by every session and audience (the public one is its twin,
    sharing its cache): each area's histories are prepared once per store version."""
    return BoardService(store(url), Audience.ANALYST)


def board_service(url: str, audience: Audience) -> BoardService:
    service = _service(url)
    if service.engine is not store(url):  # the store was opened again (it went away): so is the service
        _service.clear()
        service = _service(url)
    return service if audience is Audience.ANALYST else service.public_twin()


def keep_warm(url: str, every: float = 5.0, stop: threading.Event | None = None) -> None:
    """Prepare what a first visitor sees whenever the store changes, not when they ask: the first
    area's board quarter (histories, statuses, London tables, how figures are published), for
    analysts and for viewers. Runs in the server beside the sessions (`scripts/serve.py` starts it);
    off where DASHBOARD_WARM_QUARTERS is 0 (the test suite)."""
    stop = stop or threading.Event()
    seen = None
    while not stop.is_set():
        try:
            seen = _warm(url, seen)
        except Exception as error:  # noqa: BLE001 - a store that is down now is warmed when it is back
            LOG.info("warming the board: %s", type(error).__name__)
        stop.wait(every)


def _warm(url: str, seen: int | None) -> int | None:
    current = store_version(store(url))
    if current == seen:
        return seen
    started = time.monotonic()
    for audience in (Audience.PUBLIC, Audience.ANALYST):
        reader = board_service(url, audience).at(current)
        for area in reader.areas()[:1]:  # the area a new session opens on
            quarter = reader.default_quarter(area, date.today())
            if quarter is not None:
                reader.rows(area, quarter)
                reader.marks(area)
    LOG.info("board warmed for store version %s in %.1f s", current, time.monotonic() - started)
    return current


def start_keeping_warm(url: str | None = None) -> threading.Thread | None:
    if os.environ.get("DASHBOARD_WARM_QUARTERS", "1") == "0":
        return None
    thread = threading.Thread(target=keep_warm, args=(url or database_url(),), name="keep-warm", daemon=True)
    thread.start()
    return thread


def _store_reachable() -> bool:
    try:
        store_version(store(database_url()))
    except SQLAlchemyError:
        store.clear()
        return False
    return True


@st.fragment(run_every=5)
def _wait_for_store() -> None:
    if _store_reachable():
        st.rerun()
    st.caption(f"Last tried at {datetime.now():%H:%M:%S}; trying again every few seconds.")


def show_store_unavailable() -> None:
    st.title("The dashboard's database cannot be reached")
    st.error(
        "The figures cannot be shown just now because the dashboard cannot reach its database. Nothing that "
        "was stored is lost, and nothing you do here is saved until it is back. This page comes back by itself "
        "as soon as the database does.",
        icon=":material/cloud_off:",
    )
    _wait_for_store()


@contextlib.contextmanager
def store_problems_shown():
    """Anything below that fails because of the database shows the unavailable page, not SQL."""
    placeholder = st.empty()
    try:
        with placeholder.container():
            yield
    except (SQLAlchemyError, StoreUnavailable) as error:
        LOG.warning(
            "store error while drawing a page: %s: %s",
            type(error).__name__,
            str(error).splitlines()[0][:200] if str(error) else "",
        )
        store.clear()
        placeholder.empty()
        show_store_unavailable()
    except StoreBusy as error:
        placeholder.empty()
        st.error(f"{error}.", icon=":material/hourglass:")


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
