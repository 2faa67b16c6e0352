"""Meeting mode: one screen per agenda item for a shared browser tab, from the signed-off snapshot
(or a draft); Right/PageDown and Left/PageUp step through it, and each screen has its own link."""

import streamlit as st

from cspdash.meeting import meeting_figure, screen_html, screens
from pages.shared import cached, meeting_snapshot, selected, signed_off_snapshot

CHROME_HIDDEN = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 1rem; max-width: 1240px;}
</style>"""

area, quarter = selected()
if quarter is None:
    st.title("Meeting mode")
    st.info(f"No figures are stored for {area} yet.")
    st.stop()
snapshot = cached(signed_off_snapshot, area, quarter) or cached(meeting_snapshot, area, quarter)
agenda = screens(snapshot)
keys = [screen.key for screen in agenda]
where = (area, quarter.label)
if st.session_state.get("meeting_at") != where:  # opened from a link, or another area or quarter
    wanted = st.query_params.get("screen")
    st.session_state["meeting_screen"] = keys.index(wanted) if wanted in keys else 0
    st.session_state["meeting_at"] = where
number = min(st.session_state["meeting_screen"], len(agenda) - 1)


def step(by: int) -> None:
    st.session_state["meeting_screen"] = max(0, min(len(agenda) - 1, st.session_state["meeting_screen"] + by))


st.html(CHROME_HIDDEN)
back, _, forward = st.columns([1, 3, 1])
back.button("← Previous", on_click=step, args=(-1,), shortcut="Left", disabled=number == 0, width="stretch")
last = number == len(agenda) - 1
forward.button("Next →", on_click=step, args=(1,), shortcut="Right", disabled=last, width="stretch")
st.title(agenda[number].title, anchor=False)
st.html(screen_html(snapshot, agenda[number], number + 1, len(agenda), with_title=False))
chart = meeting_figure(snapshot, agenda[number])
if chart is not None:
    st.plotly_chart(
        chart, key=f"chart-{agenda[number].key}", alt=agenda[number].title, config={"displayModeBar": False}
    )
st.query_params["screen"] = keys[number]
