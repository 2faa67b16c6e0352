"""What every page shares: the store, the area and quarter filters, cached queries, the sub-group view."""

from __future__ import annotations

import runpy
from pathlib import Path

import pandas as pd
import streamlit as st

from cspdash.access import NotAllowed, Person, load_role_rules, local_person, role_for
from cspdash.catalogue import load_catalogue
from cspdash.charts import rolling_twelve, year_against_last_year
from cspdash.indicator_view import figures_table, indicator_view
from cspdash.overview import revision_lines, status_badge
from cspdash.periods import Quarter
from cspdash.store import queries, records
from cspdash.store.db import DEFAULT_SQLITE_PATH, database_url, open_store
from data_loaders.ingest import load_sample_if_empty

CACHE_SECONDS = 300
APP = Path(__file__).resolve().parents[1] / "app.py"


def route_through_app() -> None:
    """Make sure a page runs under app.py's router.

    When a pages/ folder exists, Streamlit's first run (and every AppTest run) starts in its old
    multipage mode and runs a page without app.py: no filters, no navigation, no role check. Switch
    that mode off and run the router in its place (no rerun, so a click in this run is not lost).
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # a Streamlit without the old mode
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        ctx = get_script_run_ctx()
        with ctx.run_with_active_hash(ctx.pages_manager.main_script_hash):  # as when app.py runs itself
            runpy.run_path(str(APP), run_name="__main__")
        st.stop()


@st.cache_resource
def store(url: str):
    """The engine for the store, migrated; the embedded default gets the sample returns if empty."""
    engine = open_store(url)
    if url == f"sqlite:///{DEFAULT_SQLITE_PATH}":
        load_sample_if_empty(engine)
    return engine


def engine():
    route_through_app()
    return store(database_url())


@st.cache_data(ttl=CACHE_SECONDS)
def area_observations(_engine, url: str, area: str, subgroup: str | None = None) -> pd.DataFrame:
    return queries.current_observations(_engine, area=area, subgroup=subgroup)


@st.cache_data(ttl=CACHE_SECONDS)
def area_quarters(_engine, url: str, area: str) -> list[Quarter]:
    return queries.quarters_with_data(_engine, area)


@st.cache_data(ttl=CACHE_SECONDS)
def stored_targets(_engine, url: str) -> dict:
    return queries.targets(_engine)


@st.cache_data(ttl=CACHE_SECONDS)
def area_commentary(_engine, url: str, area: str, quarter: Quarter) -> dict:
    return records.commentary_for(_engine, area, quarter)


@st.cache_data(ttl=CACHE_SECONDS)
def area_actions(_engine, url: str, area: str) -> pd.DataFrame:
    return records.actions(_engine, area)


@st.cache_data(ttl=CACHE_SECONDS)
def revisions(_engine, url: str, indicator_id: str, area: str, start) -> pd.DataFrame:
    return records.figure_history(_engine, indicator_id, area, start)


def auth_configured() -> bool:
    """Sign-in is configured when secrets.toml has an [auth] section (Streamlit's OIDC)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def current_person() -> Person:
    """Who is using the app, with their role; checked again before every change."""
    if not auth_configured():
        return local_person(st.get_option("server.address"))
    if not st.user.is_logged_in:
        return Person("", None)
    email = str(st.user.get("email", ""))
    person = Person(email, role_for(email, load_role_rules()))
    if person.role is not None and st.session_state.get("signed_in_as") != email:
        records.record_sign_in(engine(), email, person.role.name.lower())
        st.session_state["signed_in_as"] = email
    return person


def require(action: str) -> Person:
    """The person, if their role allows the action; otherwise stop the page with a clear message."""
    person = current_person()
    try:
        person.require(action)
    except NotAllowed as refusal:
        st.error(f"Not allowed: {refusal}")
        st.stop()
    return person


def refresh() -> None:
    """After a change: forget cached queries so every page shows the new figures."""
    st.cache_data.clear()


def _from_link(key: str, options: list[str]) -> None:
    """Take the first value of a filter from the link (query parameter) if it is a valid option."""
    wanted = st.query_params.get(key)
    if key not in st.session_state and wanted in options:
        st.session_state[key] = wanted
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)


def shared_filters() -> None:
    """Area and quarter selectors in the sidebar, mirrored into the link so it reopens this view."""
    db = engine()
    areas = queries.partnership_areas(db)
    _from_link("area", areas)
    area = st.sidebar.selectbox("Area", areas, key="area")
    quarters = [q.label for q in reversed(area_quarters(db, database_url(), area))]
    _from_link("quarter", quarters)
    st.sidebar.selectbox("Quarter", quarters, key="quarter", help="UK financial year: Q1 = April–June")
    st.query_params["area"] = st.session_state["area"]
    if st.session_state.get("quarter"):
        st.query_params["quarter"] = st.session_state["quarter"]


def selected() -> tuple[str, Quarter | None]:
    route_through_app()
    quarter = st.session_state.get("quarter")
    return st.session_state["area"], Quarter.parse(quarter) if quarter else None


def subgroup_page(subgroup_id: str) -> None:
    """One sub-group: each indicator's year against last year, its rolling year, and its figures."""
    catalogue = load_catalogue()
    subgroup = catalogue.subgroup(subgroup_id)
    area, quarter = selected()
    st.title(f"{subgroup.name}: {area}")
    if quarter is None:
        st.info(f"No figures are stored for {area} yet.")
        return
    db = engine()
    observations = area_observations(db, database_url(), area, subgroup_id)
    targets = stored_targets(db, database_url())
    st.caption(f"{quarter.label} · source: {subgroup.source}")
    shown = 0
    for ind in catalogue.for_subgroup(subgroup_id):
        rows = observations[observations["indicator"] == ind.id] if not observations.empty else observations
        if rows.empty:
            continue
        view = indicator_view(ind, rows, quarter, targets)
        if view.series.empty:
            continue
        shown += 1
        _indicator_section(view, quarter)
    if not shown:
        st.info(f"No {subgroup.name} figures for {area} up to {quarter.label}.")


def figure_details(indicator_id: str, area: str, quarter: Quarter) -> None:
    """Where the quarter's figure comes from, and every revision of it (for each month if monthly)."""
    db = engine()
    observations = area_observations(db, database_url(), area)
    rows = observations[observations["indicator"] == indicator_id] if not observations.empty else observations
    starts = sorted({d for d in rows.get("period_start", []) if quarter.start <= d <= quarter.end})
    if not starts:
        st.write("No figure for this quarter.")
        return
    for start in starts:
        history = revisions(db, database_url(), indicator_id, area, start)
        st.markdown(f"**{start:%B %Y}**" if len(starts) > 1 else f"**{quarter.label}**")
        st.markdown("\n".join(f"- {line}" for line in revision_lines(history)))


def _notes_and_actions(indicator_id: str, area: str, quarter: Quarter) -> None:
    db = engine()
    note = area_commentary(db, database_url(), area, quarter).get(indicator_id)
    if note:
        st.info(f"“{note['text']}” — {note['author']}", icon=":material/chat:")
    linked = area_actions(db, database_url(), area)
    linked = linked[(linked["indicator"] == indicator_id) & ~linked["status"].isin(["done", "dropped"])]
    for action in linked.itertuples():
        due = (
            f", due {action.due_date:%-d %b %Y}" if action.due_date is not None and not pd.isna(action.due_date) else ""
        )
        st.markdown(f"- Action {action.id}: {action.title} — {action.owner}{due} ({action.status})")


def _indicator_section(view, quarter: Quarter) -> None:
    ind = view.indicator
    area, _ = selected()
    st.subheader(ind.name, anchor=ind.id)
    st.html(status_badge(view.judgement))
    _notes_and_actions(ind.id, area, quarter)
    with st.popover("Where this figure comes from", width="stretch"):
        figure_details(ind.id, area, quarter)
    if ind.description:
        st.caption(ind.description)
    if view.vintage_note:
        st.warning(view.vintage_note, icon=":material/history:")
    elif len(view.releases) > 1:
        st.caption(
            f"Figures from {len(view.releases)} releases; each month is taken from the newest release that has it."
        )
    left, right = st.columns(2)
    left.plotly_chart(
        year_against_last_year(ind, view.series, quarter, view.finding),
        key=f"yoy-{ind.id}",
        alt=view.headline,
    )
    right.plotly_chart(
        rolling_twelve(ind, view.rolling, quarter), key=f"r12-{ind.id}", alt=f"{ind.name}, rolling 12 months"
    )
    with st.expander(f"Figures: {ind.name}"):
        st.dataframe(figures_table(view), hide_index=True)
