"""Meeting mode: one screen per agenda item for a shared browser tab, from the signed-off snapshot
(or a draft); Right/PageDown and Left/PageUp step through it, and each screen has its own link."""

import streamlit as st

from cspdash.boardpack import loaded_since
from cspdash.meeting import figure_alt, meeting_figure, screen_html, screens
from cspdash.store.queries import data_as_at
from pages.shared import board, engine, selected

CHROME_HIDDEN = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 1rem; max-width: 1240px;}
.stButton button p {font-size: 20px;}
</style>"""

area, quarter = selected()
if quarter is None:
    st.title("Meeting mode")
    st.info(f"No figures are stored for {area} yet.")
    st.stop()
reader = board()
snapshot = reader.signed_off(area, quarter) or reader.draft(area, quarter)
agenda = screens(snapshot)
later = loaded_since(snapshot, data_as_at(engine(), area))  # later revisions exist: say so, never mix them in
keys = [screen.key for screen in agenda]
where = (area, quarter.label)
if st.session_state.get("meeting_at") != where:  # opened from a link, or another area or quarter
    wanted = st.query_params.get("screen")
    st.session_state["meeting_screen"] = keys.index(wanted) if wanted in keys else 0
    st.session_state["meeting_at"] = where


def step(by: int) -> None:
    st.session_state["meeting_screen"] = max(0, min(len(agenda) - 1, st.session_state["meeting_screen"] + by))


@st.fragment  # a step redraws this screen only: not the router, the sidebar or the filters
def meeting_screen() -> None:
    number = min(st.session_state["meeting_screen"], len(agenda) - 1)
    back, _, forward = st.columns([1, 3, 1])
    back.button("← Previous", on_click=step, args=(-1,), shortcut="Left", disabled=number == 0, width="stretch")
    last = number == len(agenda) - 1
    forward.button("Next →", on_click=step, args=(1,), shortcut="Right", disabled=last, width="stretch")
    st.title(agenda[number].title, anchor=False)
    st.html(screen_html(snapshot, agenda[number], number + 1, len(agenda), with_title=False, later=later))
    chart = meeting_figure(snapshot, agenda[number])
    if chart is not None:
        st.plotly_chart(
            chart,
            key=f"chart-{agenda[number].key}",
            alt=figure_alt(snapshot, agenda[number]),
            config={"displayModeBar": False},
        )
    st.query_params["screen"] = keys[number]


st.html(CHROME_HIDDEN)
meeting_screen()
