"""The partnership's areas side by side for the selected quarter, with London's rate."""

import streamlit as st

from cspdash.compare import side_by_side_frame, side_by_side_html
from cspdash.exports import csv_bytes
from cspdash.overview import TABLE_STYLE
from cspdash.service import Audience
from pages.indicator_sections import disclosure_note
from pages.shared import board, selected

_, quarter = selected()
reader = board()
areas = sorted(reader.areas())
st.title(f"{' and '.join(areas)} side by side")
if quarter is None:
    st.info("No figures are stored yet.")
    st.stop()
st.markdown(
    f"**{quarter.label}**: each area's figure and status, and for police-recorded crime its rate per 1,000 residents "
    "over the 12 months to the quarter's end, its rank among London's boroughs (1st = highest rate) and London's rate."
)


def side_by_side(reader) -> tuple[dict, dict]:
    """Each area's rows and its crime beside London, as the service gives them (no Streamlit calls,
    so that the download's callable can run it)."""
    rows_by_area = {area: reader.rows(area, quarter) for area in areas}
    comparisons = {
        (area, row.indicator.id): row.london for area, rows in rows_by_area.items() for row in rows if row.london
    }
    return rows_by_area, comparisons


st.caption(
    "Rates use ONS mid-year population estimates for each borough (the year is named where it is not the "
    "quarter's own). The City of London has few residents and many workers and visitors, so its rates per "
    "resident are high by construction: compare its counts over time rather than its rate with other areas'."
)
disclosure_note()
st.html(TABLE_STYLE + side_by_side_html(*side_by_side(reader), quarter))
public = board(Audience.PUBLIC)


def published_table() -> bytes:
    """The download is an export: the published figures, whoever asks."""
    return csv_bytes(side_by_side_frame(*side_by_side(public)))


st.download_button(
    "Download this table (CSV, figures as published)",
    published_table,
    file_name=f"areas_side_by_side_{quarter.label}.csv".replace(" ", "_").replace("/", "-"),
    mime="text/csv",
)
