"""What every page shares: the router guard, the store, cached queries, the signed-in person, the
area and quarter filters, and the sub-group view."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from cspdash.access import (
    NotAllowed,
    Person,
    Role,
    load_role_rules,
    load_trusted_issuers,
    local_person,
    person_from_claims,
)
from cspdash.board import prepare_all
from cspdash.catalogue import load_catalogue
from cspdash.charts import rolling_twelve, rri_figure, rri_title, spc_figure
from cspdash.comparators import LondonFigures, london_figures, published_comparators, twelve_month_comparison
from cspdash.completeness import board_quarter
from cspdash.disproportionality import BASE_CAVEAT, ETHNIC_PREFIX, cohort_table, cohort_view, supplied_base
from cspdash.history import History
from cspdash.indicator_view import figures_table, subgroup_views, summary_html
from cspdash.overview import (
    TABLE_STYLE,
    BoardFigures,
    board_rows,
    change_words,
    notes_html,
    revision_lines,
    spc_icons_html,
    status_badge,
    year_to_date_words,
)
from cspdash.palette import theme_css
from cspdash.periods import Quarter
from cspdash.protected import WithheldMarks, withheld_marks, withheld_quarters
from cspdash.safe_text import plain_markdown
from cspdash.store import queries, records
from cspdash.store.db import DEFAULT_SQLITE_PATH, StoreBusy, database_url, open_store, store_version
from data_loaders.ingest import load_sample_if_empty
from data_loaders.kinds import expected_returns, provisional_months
from data_loaders.publication import published_snapshot, publisher

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


def leave_legacy_mode() -> None:
    """With a pages/ folder beside app.py, a server's first run uses Streamlit's older multipage
    mode, in which the router's widgets would belong to another page than on every later run.
    Declaring a navigation (of the same pages, so the page asked for is still found) switches that
    mode off; the run then starts again at that page, having drawn nothing."""
    if not _legacy["switched_off"]:
        _legacy["switched_off"] = True
        files = [st.Page(path) for path in sorted(PAGES.glob("*.py")) if path.name != "__init__.py"]
        st.navigation([st.Page(_starting, title="Starting", default=True), *files], position="hidden")
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
        LOG.warning("store error while drawing a page: %s", type(error).__name__)
        store.clear()
        placeholder.empty()
        show_store_unavailable()
    except StoreBusy as error:
        placeholder.empty()
        st.error(f"{error}.", icon=":material/hourglass:")


CACHE = dict(ttl=3600, max_entries=64, show_spinner=False)
SHARED = dict(ttl=3600, max_entries=64, show_spinner=False)  # built once per store version, read only
STATIC = {"displayModeBar": False}  # no chart toolbar: dozens of tab stops a page, none needed to read a chart
POPULATION_BASE = "yj_population_10_17"  # an analyst's 10–17 base by ethnic group (ethnic_group_counts kind)


def _as_seen(frame: pd.DataFrame, published: bool) -> pd.DataFrame:
    """The figures as published (disclosure policy applied) for a viewer; as stored otherwise."""
    return publisher()(frame) if published else frame


@st.cache_data(**CACHE)
def area_observations(
    _engine, url: str, version: int, area: str, subgroup: str | None = None, published: bool = False
) -> pd.DataFrame:
    return _as_seen(queries.current_observations(_engine, area=area, subgroup=subgroup), published)


@st.cache_data(**CACHE)
def area_releases(
    _engine, url: str, version: int, area: str, subgroup: str | None = None, published: bool = False
) -> pd.DataFrame:
    return _as_seen(queries.release_observations(_engine, area, subgroup), published)


@st.cache_data(**CACHE)
def published_observations(_engine, url: str, version: int, subgroup: str, published: bool = False) -> pd.DataFrame:
    """The sub-group's published annual figures for every place (the area, London, England): only those
    indicators are read, never the sub-group's monthly or ward-level figures."""
    annual = [ind.id for ind in load_catalogue().for_subgroup(subgroup) if ind.frequency == "year"]
    if not annual:
        return pd.DataFrame()
    frame = queries.current_observations(_engine, area=None, subgroup=subgroup, area_kind=None, indicators=annual)
    return _as_seen(frame, published)


@st.cache_data(**CACHE)
def london_observations(_engine, url: str, version: int, subgroup: str, published: bool = False) -> pd.DataFrame:
    return _as_seen(queries.current_observations(_engine, area=None, subgroup=subgroup), published)


@st.cache_data(**CACHE)
def ethnic_group_counts(_engine, url: str, version: int, area: str, subgroup: str) -> pd.DataFrame:
    """The area's counts by ethnic group (each cohort's breakdowns), as stored: the page puts the
    12-month table it shows under the disclosure policy itself."""
    frame = queries.current_observations(_engine, area=area, subgroup=subgroup, breakdown=None)
    return frame[frame["breakdown"].str.startswith(ETHNIC_PREFIX)] if not frame.empty else frame


@st.cache_data(**CACHE)
def area_quarters(_engine, url: str, version: int, area: str) -> list[Quarter]:
    return queries.quarters_with_data(_engine, area)


@st.cache_data(**CACHE)
def default_quarter(_engine, url: str, version: int, area: str, today) -> Quarter | None:
    expected = expected_returns(load_catalogue())
    return board_quarter(_engine, area, expected, today)


@st.cache_data(**CACHE)
def signed_off_snapshot(_engine, url: str, version: int, area: str, quarter: Quarter) -> dict | None:
    return records.signed_off(_engine, area, quarter)


@st.cache_data(**CACHE)
def meeting_snapshot(_engine, url: str, version: int, area: str, quarter: Quarter) -> dict:
    """The draft snapshot, computed once per store version (meeting mode steps through it)."""
    return draft_snapshot(area, quarter)


def draft_snapshot(area: str, quarter: Quarter) -> dict:
    """The board's snapshot of the quarter from the figures now, as published (for sign-off or a draft pack)."""
    return published_snapshot(engine(), area, quarter)


@st.cache_data(**CACHE)
def stored_targets(_engine, url: str, version: int) -> dict:
    return queries.targets(_engine)


@st.cache_data(**CACHE)
def area_commentary(_engine, url: str, version: int, area: str, quarter: Quarter) -> dict:
    return records.commentary_for(_engine, area, quarter)


@st.cache_data(**CACHE)
def area_actions(_engine, url: str, version: int, area: str) -> pd.DataFrame:
    return records.actions(_engine, area)


@st.cache_data(**CACHE)
def revisions(_engine, url: str, version: int, indicator_id: str, area: str, start) -> pd.DataFrame:
    return records.figure_history(_engine, indicator_id, area, start)


@st.cache_resource(**SHARED)
def area_histories(
    _engine, url: str, version: int, area: str, subgroup: str | None = None, published: bool = False
) -> dict[str, History]:
    """Every indicator's whole history for an area (quarterly, rolling, year to date, releases, SPC
    points), prepared once per store version and shared by every session: a quarter change then
    reads it and recomputes nothing from the observations."""
    observations = area_observations(_engine, url, version, area, subgroup, published)
    releases = area_releases(_engine, url, version, area, subgroup, published)
    return prepare_all(load_catalogue(), observations, releases, provisional_months(), subgroup)


@st.cache_resource(**SHARED)
def london_tables(_engine, url: str, version: int, subgroup: str, published: bool = False) -> LondonFigures:
    """A London-wide release as month-by-borough tables, built once per store version."""
    return london_figures(london_observations(_engine, url, version, subgroup, published))


@st.cache_resource(**SHARED)
def published_marks(_engine, url: str, version: int, area: str) -> WithheldMarks:
    """For analysts: how each of the area's figures is published to viewers, by indicator and quarter."""
    return withheld_marks(area_observations(_engine, url, version, area, None, True), load_catalogue())


@st.cache_resource(**SHARED)
def board_view(_engine, url: str, version: int, area: str, quarter: Quarter, published: bool = False) -> list:
    """The board's rows for an area's quarter, built once per store version from the prepared histories
    and shared by every session (read only): as published for a viewer or a download; as stored,
    marked with what viewers see, otherwise."""
    figures = BoardFigures(
        area_observations(_engine, url, version, area, None, published),
        None,
        stored_targets(_engine, url, version),
        area_commentary(_engine, url, version, area, quarter),
        london_tables(_engine, url, version, "mps_crime", published),
        None if published else published_marks(_engine, url, version, area),
        area_histories(_engine, url, version, area, None, published),
    )
    return board_rows(load_catalogue(), area, quarter, figures, provisional_months())


@st.cache_resource(**SHARED)
def subgroup_view(
    _engine, url: str, version: int, area: str, quarter: Quarter, subgroup_id: str, published: bool = False
) -> list:
    """A sub-group's indicator views for an area's quarter, built once per store version from the
    prepared histories and shared by every session (read only)."""
    histories = area_histories(_engine, url, version, area, None, published)
    targets = stored_targets(_engine, url, version)
    return subgroup_views(load_catalogue(), subgroup_id, pd.DataFrame(), quarter, targets, histories=histories)


_WARMED: set[tuple] = set()
_WARM_LOCK = threading.Lock()


def warm_other_quarters(view, area: str, *args) -> None:
    """Once a page is drawn: build the same view (`board_view`, `subgroup_view`) for the area's other
    quarters in the background, newest first, once per store version, so that a quarter change reads
    a finished view. Off where DASHBOARD_WARM_QUARTERS is 0 (the test suite, which times nothing)."""
    if os.environ.get("DASHBOARD_WARM_QUARTERS", "1") == "0":
        return
    published, url, at_version = figures_as_published(), database_url(), version()
    key = (view.__name__, url, at_version, area, args, published)
    with _WARM_LOCK:
        if key in _WARMED:
            return
        _WARMED.add(key)
    quarters, store_engine = list(reversed(cached(area_quarters, area))), engine()

    def build() -> None:
        for quarter in quarters:
            try:
                view(store_engine, url, at_version, area, quarter, *args, published)
            except Exception as error:  # noqa: BLE001 - a view that cannot be built now is built when asked for
                LOG.info("warming %s %s: %s", view.__name__, quarter, type(error).__name__)
                return

    threading.Thread(target=build, name=f"warm-{view.__name__}", daemon=True).start()


def cached(query, *args):
    """A cached query for this run's store version: `cached(area_observations, area)`. Figures are
    read as the signed-in person may see them (`figures_as_published`)."""
    if query in FIGURE_QUERIES:
        args = _with_published(query, args)
    return query(engine(), database_url(), version(), *args)


FIGURE_QUERIES = (
    area_observations,
    area_releases,
    published_observations,
    london_observations,
    board_view,
    subgroup_view,
    area_histories,
    london_tables,
)


def _with_published(query, args: tuple) -> tuple:
    args = args + (None,) * (_positional(query) - len(args))
    return (*args, figures_as_published())


def _positional(query) -> int:
    """How many arguments come before a figure query's `published` flag."""
    return {area_observations: 2, area_releases: 2, area_histories: 2, board_view: 2, subgroup_view: 3}.get(query, 1)


def figures_as_published() -> bool:
    """Viewers see figures under the disclosure policy; analysts and admins see them as stored, marked."""
    return not current_person().can("see_unsuppressed")


def as_published(query, *args):
    """A figure query as everyone outside the partnership sees it (exports, viewers): for marking."""
    args = args + (None,) * (_positional(query) - len(args))
    return query(engine(), database_url(), version(), *args, True)


# ---- who is using the app -------------------------------------------------------------------


def auth_configured() -> bool:
    """Sign-in is configured when secrets.toml has an [auth] section (Streamlit's OIDC)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def current_person() -> Person:
    """Who is using the app, with their role; checked again before every change."""
    route_through_app()
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


HOUSE_STYLE = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {color: var(--csp-muted) !important; opacity: 1 !important;}
:focus-visible {outline: 3px solid #ffdd00 !important; outline-offset: 0; box-shadow: 0 0 0 5px #0b0c0c !important;}
</style>"""


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
    db = engine()
    areas = queries.partnership_areas(db)
    _from_link("area", areas)
    area = st.sidebar.selectbox("Area", areas, key="area")
    quarters = [q.label for q in reversed(cached(area_quarters, area))]
    _from_link("quarter", quarters)
    if "quarter" not in st.session_state and (default := cached(default_quarter, area, date.today())) is not None:
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


# ---- a sub-group's page ---------------------------------------------------------------------


def subgroup_page(subgroup_id: str) -> None:
    """One sub-group: each indicator's year against last year, its rolling year, and its figures."""
    catalogue = load_catalogue()
    subgroup = catalogue.subgroup(subgroup_id)
    area, quarter = selected()
    st.title(f"{subgroup.name}: {area}")
    if quarter is None:
        st.info(f"No figures are stored for {area} yet.")
        return
    st.caption(f"{quarter.label} · source: {subgroup.source}")
    published = None if figures_as_published() else as_published(area_observations, area, subgroup_id)
    disclosure_note(published)
    views = cached(subgroup_view, area, quarter, subgroup_id)  # built once per store version
    if views:  # the summary first, then each indicator's section with its charts
        st.html(TABLE_STYLE + summary_html(views, f"{subgroup.name} at a glance — {quarter.label}"))
    for view in views:
        marks = None if published is None else withheld_quarters(published, view.indicator, catalogue.disclosure.label)
        _indicator_section(view, quarter, marks)
    warm_other_quarters(subgroup_view, area, subgroup_id)
    if not views:
        st.info(f"No {subgroup.name} figures for {area} up to {quarter.label}.")
    _disproportionality(subgroup_id, area, quarter)
    _published(subgroup_id, area)


def _disproportionality(subgroup_id: str, area: str, quarter: Quarter) -> None:
    """Each cohort counted by ethnic group: its relative rate index against the White group."""
    counts = cached(ethnic_group_counts, area, subgroup_id)
    catalogue = load_catalogue()
    code = next((a.code for a in catalogue.areas if a.name == area), None)
    if counts.empty or code is None:
        return
    supplied = supplied_base(counts[counts["indicator"] == POPULATION_BASE], quarter.end)
    base, base_note = supplied if supplied else (None, BASE_CAVEAT)
    views = [
        cohort_view(
            ind.id, ind.name, rows, code, quarter.end, catalogue.disclosure, figures_as_published(), base, base_note
        )
        for ind in catalogue.for_subgroup(subgroup_id)
        if ind.id != POPULATION_BASE and not (rows := counts[counts["indicator"] == ind.id]).empty
    ]
    views = [v for v in views if v is not None]
    if not views:
        return
    st.header("Disproportionality", anchor="disproportionality")
    st.caption(
        "Each group's rate against the White group's (the relative rate index). A group is called over- or "
        "under-represented only when the 95% interval excludes 1. " + base_note
    )
    for view in views:
        st.subheader(view.name)
        st.markdown(f"**{plain_markdown(rri_title(view))}.**")
        st.plotly_chart(rri_figure(view), key=f"rri-{view.indicator_id}", alt=rri_title(view), config=STATIC)
        st.table(cohort_table(view, catalogue.disclosure.label), hide_index=True)
        if view.not_known is not None and view.total is not None:
            st.caption(
                f"{view.not_known:,} of {view.total:,} cases have no ethnic group recorded; "
                "they are left out of every index."
            )


def _published(subgroup_id: str, area: str) -> None:
    """Published annual figures (e.g. DfE LAIT) for the area beside London and England, with their year."""
    table = published_comparators(cached(published_observations, subgroup_id), load_catalogue().indicators, area)
    if table.empty:
        return
    st.subheader("Published comparators")
    st.caption(
        "The latest year each publication gives for this area, with London and England from the same publication "
        "and year. These are annual figures, defined by their publisher; they may differ from the quarterly returns."
    )
    st.table(table.map(lambda v: plain_markdown(str(v))), hide_index=True)


def figure_details(indicator_id: str, area: str, quarter: Quarter) -> None:
    """Where the quarter's figure comes from, and every revision of it (for each month if monthly)."""
    observations = cached(area_observations, area)
    rows = observations[observations["indicator"] == indicator_id] if not observations.empty else observations
    starts = sorted({d for d in rows.get("period_start", []) if quarter.start <= d <= quarter.end})
    if not starts:
        st.write("No figure for this quarter.")
        return
    policy = load_catalogue().disclosure
    if figures_as_published():
        withheld = withheld_quarters(
            cached(area_observations, area), load_catalogue().indicator(indicator_id), policy.label
        ).get(quarter)
        if withheld:
            st.write(f"This figure is published as “{withheld}” under the partnership's disclosure policy.")
            return
    for start in starts:
        history = cached(revisions, indicator_id, area, start)
        st.markdown(f"**{start:%B %Y}**" if len(starts) > 1 else f"**{quarter.label}**")
        unit = load_catalogue().indicator(indicator_id).unit
        lines = revision_lines(history, policy if figures_as_published() else None, unit)
        st.markdown("\n".join(f"- {line}" for line in lines))


def notes_html_and_actions(indicator_id: str, area: str, quarter: Quarter) -> None:
    note = cached(area_commentary, area, quarter).get(indicator_id)
    if note:
        st.info(f"“{plain_markdown(note['text'])}” — {plain_markdown(note['author'])}", icon=":material/chat:")
    linked = cached(area_actions, area)
    linked = linked[(linked["indicator"] == indicator_id) & ~linked["status"].isin(["done", "dropped"])]
    for action in linked.itertuples():
        due = (
            f", due {action.due_date:%-d %b %Y}" if action.due_date is not None and not pd.isna(action.due_date) else ""
        )
        st.markdown(
            f"- Action {action.id}: {plain_markdown(action.title)} — {plain_markdown(action.owner)}{due} ({action.status})"
        )


def disclosure_note(published: pd.DataFrame | None) -> None:
    """Tell an analyst or admin that they see figures as stored, and what viewers and exports see."""
    policy = load_catalogue().disclosure
    if published is None:
        st.caption(
            f"Counts of {policy.low}–{policy.high} are shown as “{policy.label}”, and some other figures are "
            "withheld so that they cannot be worked out (the partnership's disclosure policy)."
        )
        return
    why = published["withheld"].value_counts() if not published.empty else pd.Series(dtype=int)
    if why.sum():
        more = why.get("secondary", 0)
        st.info(
            f"You see every figure as stored. Viewers, exports and the board output see {why.get('primary', 0)} "
            f"small figures (counts of {policy.low}–{policy.high}, or rates on them) as “{policy.label}” or withheld"
            + (f", and {more} more withheld so that those cannot be worked out" if more else "")
            + "; quarters they affect are marked ‡.",
            icon=":material/visibility_off:",
        )


def _indicator_section(view, quarter: Quarter, marks: dict | None = None) -> None:
    ind, a = view.indicator, view.assessment
    area, _ = selected()
    st.subheader(ind.name, anchor=ind.id)
    st.html(TABLE_STYLE + status_badge(view.judgement) + notes_html(a) + spc_icons_html(a))
    change = change_words(a)
    ytd = year_to_date_words(a)
    st.markdown(
        f"**{plain_markdown(view.finding)}**  \n{plain_markdown(f'Change on a year earlier: {change}.')}"
        + (f"  \n{plain_markdown(ytd)}." if ytd else "")
        + (f"  \nRate: {plain_markdown(a.resident_rate_words)}." if a.resident_rate else "")
    )
    if ind.subgroup == "mps_crime":
        compared = twelve_month_comparison(cached(london_tables, ind.subgroup), ind.id, area, quarter)
        if compared is not None:
            st.markdown(f"London comparison: {plain_markdown(compared.sentence)}.")
    notes_html_and_actions(ind.id, area, quarter)
    with st.popover("Where this figure comes from", width="stretch", key=f"from-{ind.id}", on_change="rerun") as box:
        if box.open:  # read only when opened
            figure_details(ind.id, area, quarter)
    if ind.description:
        st.caption(ind.description)
    if a.release_note:
        st.warning(plain_markdown(a.release_note), icon=":material/history:")
    elif len(view.releases) > 1:
        st.caption(
            f"Figures from {len(view.releases)} releases; each month is taken from the newest release that has it."
        )
    with st.expander(f"Charts and figures: {ind.name}", key=f"charts-{ind.id}", on_change="rerun") as section:
        if section.open:  # drawn on demand: the page shows every indicator's finding first
            _charts(view, quarter, marks)


def _charts(view, quarter: Quarter, marks: dict | None) -> None:
    """An indicator's SPC chart and rolling year side by side, then its quarterly figures."""
    ind, a = view.indicator, view.assessment
    left, right = st.columns(2)
    left.plotly_chart(spc_figure(a), key=f"spc-{ind.id}", alt=view.headline, config=STATIC)
    left.caption(plain_markdown(a.rule_set() + (" " + " ".join(a.break_notes) if a.break_notes else "")))
    rolling = rolling_twelve(ind, view.rolling, quarter)
    finding = (rolling.layout.title.text or f"{ind.name}, rolling 12 months").replace("<br>", " ")
    right.plotly_chart(rolling, key=f"r12-{ind.id}", alt=finding, config=STATIC)
    st.dataframe(figures_table(view, withheld=marks), hide_index=True)


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
