"""Board overview: every indicator in one summary matrix, exceptions first (a click opens its reasoning),
then the returns, what the statuses mean and every indicator in full."""

from datetime import date

import streamlit as st

from cspdash.against_london import london_summary
from cspdash.completeness import returns_status
from cspdash.exports import csv_bytes
from cspdash.matrix import ICON_KEY, ORDERS, counts_line, matrix_html
from cspdash.overview import legend_html, overview_html
from cspdash.safe_text import plain_markdown
from cspdash.service import Audience
from data_loaders.kinds import expected_returns
from pages.indicator_sections import disclosure_note, figure_details
from pages.quality_sections import agreement_banner, agreement_flag, stale_figures
from pages.shared import board, compact_page, engine, linked, selected, warm_other_quarters

area, quarter = selected()
compact_page()
st.title(f"Partnership overview: {area}", anchor=False)
if quarter is None:
    st.info(f"No figures are stored for {area} yet. Load a return on the Data pages.")
    st.stop()
reader = board()
rows = reader.rows(area, quarter)  # built once per store version, read by every session
detail = reader.audience.sees_stored  # analysts also see how each status was judged, in statistics
st.markdown(
    f"**{quarter.label}** ({quarter.start:%-d %b %Y} to {quarter.end:%-d %b %Y}) · **{counts_line(rows)}**"
    + agreement_flag()  # "· ⚠ a data sharing agreement expires soon": its warning follows the matrix
)
subgroups = {s.id: s.name for s in reader.catalogue.subgroups if any(r.indicator.subgroup == s.id for r in rows)}
linked("order", list(ORDERS), "exceptions")
linked("subgroup", ["all", *subgroups], "all")
left, right = st.columns([3, 2])
left.radio("Order", list(ORDERS), format_func=ORDERS.get, horizontal=True, key="order", label_visibility="collapsed")
right.selectbox(
    "Sub-group",
    ["all", *subgroups],
    format_func=lambda s: subgroups.get(s, "All sub-groups"),
    key="subgroup",
    label_visibility="collapsed",
)
chosen = None if st.session_state["subgroup"] == "all" else st.session_state["subgroup"]
st.html(matrix_html(rows, area, quarter, st.session_state["order"], chosen, stale_figures(area, quarter)))
st.caption(ICON_KEY + " Choose an indicator for how it was judged, its charts and its figures.")
agreement_banner()  # a data sharing agreement expired or expiring soon, naming its indicators
if against := london_summary(reader.london_funnels(area, quarter)):
    st.markdown(f"**{plain_markdown(against)}** See *Areas side by side* for the funnel plots.")
warm_other_quarters("rows", area)  # the other quarters' views, built in the background
statuses = returns_status(engine(), area, quarter, expected_returns(reader.catalogue), date.today())
st.info(
    f"Returns for {quarter.label}: " + "; ".join(f"{s.name} — {s.text}" for s in statuses) + ".",
    icon=":material/assignment_turned_in:",
)
st.html(legend_html(detail))
disclosure_note(area)
with st.expander("Every indicator in full: figures, change on a year earlier, status and why"):
    st.html(overview_html(rows, quarter, "subgroup", detail))
with st.expander(
    "Figure details: where a figure comes from and its revisions", key="details", on_change="rerun"
) as box:
    if box.open:  # read only when opened
        chosen_name = st.selectbox("Indicator", [row.indicator.name for row in rows], key="details_indicator")
        row = next(row for row in rows if row.indicator.name == chosen_name)
        figure_details(row.indicator.id, area, quarter, row.assessment)
public = board(Audience.PUBLIC)


def published_table() -> bytes:
    """The download is an export: always the published figures, whoever asks."""
    return csv_bytes(public.overview_frame(area, quarter))


st.download_button(
    "Download this table (CSV, figures as published)",
    published_table,
    file_name=f"overview_{area}_{quarter.label}.csv".replace(" ", "_").replace("/", "-"),
    mime="text/csv",
)
