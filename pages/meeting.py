"""Meeting mode: one screen per agenda item for a shared browser tab at 1280×720, from the signed-off
snapshot (or a draft). Next: PageDown, Space or Right (a presentation clicker sends PageDown/PageUp);
back: PageUp or Left; Home and End jump to the first and last screen. Each screen has its own link,
a visible way back to the overview and a switch between the light and the dark theme."""

import streamlit as st

from cspdash.boardpack import loaded_since
from cspdash.meeting import (
    SIDE_HEIGHT,
    Screen,
    body_html,
    figure_alt,
    header_extra,
    meeting_figure,
    screen_html,
    screens,
)
from pages.meeting_controls import CHROME_HIDDEN, controls, notices, theme
from pages.shared import board, selected, warm_other_quarters

area, quarter = selected()
if quarter is None:
    st.title("Meeting mode")
    st.info(f"No figures are stored for {area} yet.")
    st.stop()
reader = board()
snapshot = reader.signed_off(area, quarter) or reader.draft(area, quarter)
later = loaded_since(snapshot, reader.data_as_at(area))  # later revisions exist: say so, never mix them in
agenda = screens(snapshot, later)
keys = [screen.key for screen in agenda]
where = (area, quarter.label)
if st.session_state.get("meeting_at") != where:  # opened from a link, or another area or quarter
    wanted = st.query_params.get("screen")
    unknown_goes_to = keys.index("summary") if wanted else 0  # the agenda opens a meeting, if there is one
    st.session_state["meeting_screen"] = keys.index(wanted) if wanted in keys else unknown_goes_to
    st.session_state["meeting_unknown"] = wanted if wanted and wanted not in keys else None
    st.session_state["meeting_at"] = where


def body(screen: Screen, room: int) -> None:
    """The screen's body; an exception's or the summary's beside its chart, `room` pixels tall."""
    if screen.chart is None:
        st.html(body_html(screen))
        return
    text, beside = st.columns([4, 8], gap="medium")
    text.html(body_html(screen))
    chart = meeting_figure(snapshot, screen, theme(), height=room)
    if chart is not None:
        beside.plotly_chart(
            chart,
            key=f"chart-{screen.key}-{theme()}",
            alt=figure_alt(snapshot, screen),
            config={"displayModeBar": False},
            theme=None,
        )


@st.fragment  # a step redraws this screen only: not the router, the sidebar or the filters
def meeting_screen() -> None:
    number = min(st.session_state["meeting_screen"], len(agenda) - 1)
    screen = agenda[number]
    controls(number, len(agenda), area, quarter)
    taken = notices()
    st.title(screen.title, anchor=False)
    st.html(screen_html(snapshot, screen, number + 1, len(agenda), with_title=False, later=later, with_body=False))
    body(screen, SIDE_HEIGHT - taken - header_extra(snapshot, later))
    st.query_params["screen"] = keys[number]


st.html(CHROME_HIDDEN)
meeting_screen()
warm_other_quarters("draft", area)  # the other quarters' drafts, built in the background
