"""What every page shares: the board service for the signed-in person's audience, who is signed in,
the area and quarter filters, and layout helpers (how a run starts is in pages/runtime.py)."""

from __future__ import annotations

import os
import threading
from datetime import date

import pandas as pd
import streamlit as st

from cspdash.access import (
    NotAllowed,
    Person,
    Role,
    load_role_rules,
    load_trusted_issuers,
    local_person,
    person_from_claims,
)
from cspdash.palette import COMPACT, HOUSE_STYLE, theme_css
from cspdash.periods import Quarter
from cspdash.safe_text import plain_markdown
from cspdash.service import Audience, BoardAt
from cspdash.store import records
from cspdash.store.db import database_url
from pages.runtime import (  # noqa: F401 - re-exported: pages start a run through these
    LOG,
    board_service,
    engine,
    leave_legacy_mode,
    once_per_run,
    open_for_this_run,
    refresh,
    route_through_app,
    routed,
    store,
    store_problems_shown,
    version,
)

STATIC = {"displayModeBar": False}  # no chart toolbar: dozens of tab stops a page, none needed to read a chart


# ---- the board service ----------------------------------------------------------------------


def audience() -> Audience:
    """Viewers see figures as published; analysts and admins as stored, marked with how they are published."""
    return Audience.ANALYST if current_person().can("see_unsuppressed") else Audience.PUBLIC


def board(for_audience: Audience | None = None) -> BoardAt:
    """The board service for the signed-in person (or `for_audience`), at this run's store version:
    the only way a page gets figures."""
    route_through_app()
    who = (for_audience or audience()).value
    return once_per_run(("board", who, version()), lambda: board_service(database_url(), Audience(who)).at(version()))


_WARMED: set[tuple] = set()
_WARM_LOCK = threading.Lock()


def warm_other_quarters(what: str, area: str, *args) -> None:
    """Once a page is drawn: build the same view (`rows`, `views`) for the area's other quarters in the
    background, newest first, once per store version, so that a quarter change reads a finished view.
    Off where DASHBOARD_WARM_QUARTERS is 0 (the test suite, which times nothing)."""
    if os.environ.get("DASHBOARD_WARM_QUARTERS", "1") == "0":
        return
    reader = board()
    key = (what, database_url(), reader.version, reader.audience, area, args)
    with _WARM_LOCK:
        if key in _WARMED:
            return
        _WARMED.add(key)
    quarters = list(reversed(reader.quarters(area)))

    def build() -> None:
        for quarter in quarters:
            try:
                getattr(reader, what)(area, quarter, *args)
            except Exception as error:  # noqa: BLE001 - a view that cannot be built now is built when asked for
                LOG.info("warming %s %s: %s", what, quarter, type(error).__name__)
                return

    threading.Thread(target=build, name=f"warm-{what}", daemon=True).start()


# ---- who is using the app -------------------------------------------------------------------


def auth_configured() -> bool:
    """Sign-in is configured when secrets.toml has an [auth] section (Streamlit's OIDC)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def current_person() -> Person:
    """Who is using the app, with their role: worked out once per run, so checked again before every change."""
    route_through_app()
    return once_per_run("person", _current_person)


def _current_person() -> Person:
    if not auth_configured():
        headers = st.context.headers
        return local_person(st.get_option("server.address"), headers.get("Host"), headers.get("Origin"))
    if not st.user.is_logged_in:
        return Person("", None)
    person = person_from_claims(st.user.to_dict(), load_role_rules(), load_trusted_issuers())
    if person.role is not None and st.session_state.get("signed_in_as") != person.email:
        records.record_sign_in(engine(), person.email, person.role.name.lower())
        st.session_state["signed_in_as"] = person.email
    return person


def read_only_banner(person: Person) -> None:
    if person.local and person.role is Role.VIEWER:
        st.warning(
            "Read-only: sign-in is not configured and this server listens beyond this computer, so nobody may "
            "change data. Configure [auth] in .streamlit/secrets.toml, or run on 127.0.0.1 (make run).",
            icon=":material/lock:",
        )


def require(action: str) -> Person:
    """The person, if their role allows the action; otherwise stop the page with a clear message."""
    person = current_person()
    try:
        person.require(action)
    except NotAllowed as refusal:
        st.error(plain_markdown(f"Not allowed: {refusal}"))
        st.stop()
    return person


# ---- the area and quarter -------------------------------------------------------------------


def _from_link(key: str, options: list[str]) -> None:
    """Take the first value of a filter from the link (query parameter) if it is a valid option."""
    wanted = st.query_params.get(key)
    if key not in st.session_state and wanted in options:
        st.session_state[key] = wanted
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)


def house_style() -> str:
    """The theme's text colours as CSS variables, captions at 7:1, and a visible focus everywhere."""
    theme = st.context.theme.type or "light"
    return f"<style>{theme_css(theme)}</style>" + HOUSE_STYLE


def remember(key: str, default: str) -> None:
    """Give a widget its last chosen value back: Streamlit forgets a widget's state on pages that do
    not draw it, so a choice is also kept under a key of its own (see `keep`)."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(f"kept-{key}", default)


def keep(key: str) -> None:
    st.session_state[f"kept-{key}"] = st.session_state[key]


def linked(key: str, options: list[str], default: str) -> None:
    """A page's own choice (e.g. the overview's order) in the link as well: taken from the link when it
    names a valid option, else the last choice kept, else `default`; written back to the link."""
    wanted = st.query_params.get(key)
    if wanted in options and st.session_state.get(f"linked-{key}") != wanted:
        st.session_state[key] = wanted
    remember(key, default)
    if st.session_state[key] not in options:
        st.session_state[key] = default
    keep(key)
    st.query_params[key] = st.session_state[f"linked-{key}"] = st.session_state[key]


def compact_page() -> None:
    """Less space above the title: a board's summary starts at the top of a shared screen."""
    st.html(COMPACT)


def sidebar_navigation(sections: dict[str, list]) -> None:
    """The pages this person may open, as headed groups of links (plain links: Streamlit's own
    navigation list puts divs inside its list, which screen readers cannot follow)."""
    st.html(house_style())  # captions at 7:1 contrast (Streamlit's grey is 3.9:1); a visible focus everywhere
    with st.sidebar.container(key="site-nav"):
        for section, section_pages in sections.items():
            st.markdown(f"**{section}**")
            for page in section_pages:
                st.page_link(page, label=page.title)


def shared_filters() -> None:
    """Area and quarter selectors in the sidebar, mirrored into the link so it reopens this view."""
    areas = board().areas()
    _from_link("area", areas)
    area = st.sidebar.selectbox("Area", areas, key="area")
    quarters = [q.label for q in reversed(board().quarters(area))]
    _from_link("quarter", quarters)
    if "quarter" not in st.session_state and (default := board().default_quarter(area, date.today())) is not None:
        st.session_state["quarter"] = default.label  # the latest signed off, or the latest complete
    st.sidebar.selectbox("Quarter", quarters, key="quarter", help="UK financial year: Q1 = April–June")
    st.query_params["area"] = st.session_state["area"]
    if st.session_state.get("quarter"):
        st.query_params["quarter"] = st.session_state["quarter"]


def selected() -> tuple[str, Quarter | None]:
    route_through_app()
    quarter = st.session_state.get("quarter")
    return st.session_state["area"], Quarter.parse(quarter) if quarter else None


def show_problems(problems) -> None:
    """A file's problems as a table that wraps: where (sheet and cell), and what is wrong."""
    rows = [
        {
            "Where": plain_markdown(f"{p.sheet}!{p.cell}" if p.cell else p.sheet or "the file"),
            "What is wrong": ("Warning: " if p.is_warning else "") + plain_markdown(p.message),
        }
        for p in problems
    ]
    st.table(pd.DataFrame(rows), hide_index=True)


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
