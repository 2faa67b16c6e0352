"""How a page run starts: the router guard (every page runs under app.py's router) and the store
(reached once per run, its version the key of every cached read; a store that is down shows a page
that comes back by itself)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.runtime.scriptrunner import get_script_run_ctx

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
