"""Board overview: every indicator's quarter against the same quarter last year, with its status."""

from datetime import date

import streamlit as st

from cspdash.completeness import returns_status
from cspdash.exports import csv_bytes
from cspdash.overview import TABLE_STYLE, legend_html, overview_html, status_counts
from cspdash.service import Audience
from data_loaders.kinds import expected_returns
from pages.indicator_sections import disclosure_note, figure_details
from pages.shared import board, engine, keep, remember, selected, warm_other_quarters

area, quarter = selected()
st.title(f"Partnership overview: {area}")
if quarter is None:
    st.info(f"No figures are stored for {area} yet. Load a return on the Data pages.")
    st.stop()
reader = board()
rows = reader.rows(area, quarter)  # built once per store version, read by every session
expected = expected_returns(reader.catalogue)
st.markdown(
    f"**{quarter.label}** ({quarter.start:%-d %B %Y} to {quarter.end:%-d %B %Y}) "
    "against the same quarter a year earlier."
)
statuses = returns_status(engine(), area, quarter, expected, date.today())
st.info(
    f"Returns for {quarter.label}: " + "; ".join(f"{s.name} — {s.text}" for s in statuses) + ".",
    icon=":material/assignment_turned_in:",
)
counts = status_counts(rows)
st.markdown(" · ".join(f"{status.shape} **{n} {status.word}**" for status, n in counts.items() if n))
st.html(TABLE_STYLE + legend_html())
disclosure_note(area)
remember("order", "By sub-group")  # "Exceptions first" stays chosen after a visit to another page
order = st.radio(
    "Order", ["By sub-group", "Exceptions first"], horizontal=True, key="order", on_change=keep, args=("order",)
)
st.html(overview_html(rows, quarter, "exceptions" if order == "Exceptions first" else "subgroup"))
warm_other_quarters("rows", area)  # the other quarters' views, built in the background
st.caption(
    "Status: assurance against the year's target where one is set (SPC limits, or the latest figure's 95% "
    "interval when the series is too short); otherwise the SPC variation of the latest point. The change on a "
    "year earlier is information: it is called significant only beyond the series' own usual variation."
)
with st.expander(
    "Figure details: where a figure comes from and its revisions", key="details", on_change="rerun"
) as box:
    if box.open:  # read only when opened
        chosen = st.selectbox("Indicator", [row.indicator.name for row in rows], key="details_indicator")
        row = next(row for row in rows if row.indicator.name == chosen)
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
