"""The partnership's areas side by side for the selected quarter, with London's rate."""

import pandas as pd
import streamlit as st

from cspdash.compare import side_by_side_frame, side_by_side_html
from cspdash.exports import csv_bytes
from cspdash.overview import TABLE_STYLE
from cspdash.service import Audience
from pages.indicator_sections import disclosure_note
from pages.london_sections import london_funnel_section
from pages.shared import STATIC, board, selected

_, quarter = selected()
reader = board()
areas = sorted(reader.areas())
st.title(f"{' and '.join(areas)} side by side")
if quarter is None:
    st.info("No figures are stored yet.")
    st.stop()
st.markdown(
    f"**{quarter.label}**: each area's figure and status, and for police-recorded crime its rate per 1,000 residents "
    "over the 12 months to the quarter's end against London's: similar, better or worse than chance explains for a "
    "borough its size (a funnel plot of every London borough), with its rank among them for information."
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
    "Rates use the population estimate nearest the period for each borough (Census 2021 from 2021 on; the "
    "estimate is named beside each rate). The City of London has few residents and many workers and visitors, so its rates per "
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


def against_london(area: str) -> None:
    """The area against every London borough: the spine chart of every comparable indicator
    (exceptions first), then one indicator's funnel plot with its outlier table."""
    views = reader.london_funnels(area, quarter)
    if not views:
        return
    from cspdash.funnel_charts import spine_figure

    st.header(f"{area} against London", anchor=f"london-{area}".replace(" ", "-").lower())
    period = views[0].period
    spine = spine_figure([v.to_record() for v in views], area, period)
    st.plotly_chart(spine, key=f"spine-{area}", alt=spine.layout.title.text.replace("<br>", " "), config=STATIC)
    st.caption(
        "Each row: the lowest to the highest London borough (the middle half darker), London's rate at the centre "
        "line and the area's marker, shaped by its verdict. Better, similar or worse: where the area lies against "
        "the funnel plot's 95% limits around London's rate (99.8% named where it is beyond those too)."
    )
    st.dataframe(pd.DataFrame([v.summary_row() for v in views]), hide_index=True)
    st.caption(
        "Intervals: Byar's method, exact below 10 events. The verdicts come from the funnel plot's limits, which "
        "allow for the boroughs varying more than chance alone where they do."
    )
    names = [v.indicator for v in views]
    chosen = st.selectbox(f"Funnel plot for {area}", names, key=f"funnel-choice-{area}")
    london_funnel_section(views[names.index(chosen)], key=f"funnel-{area}", quarter=quarter)


for shown_area in areas:
    against_london(shown_area)
