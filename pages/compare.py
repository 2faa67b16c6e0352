"""The partnership's areas side by side for the selected quarter, with London's rate."""

import pandas as pd
import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.comparators import twelve_month_comparison
from cspdash.compare import side_by_side_frame, side_by_side_html
from cspdash.exports import csv_bytes
from cspdash.overview import TABLE_STYLE, marked, overview_rows
from cspdash.store.queries import partnership_areas
from data_loaders.kinds import provisional_months
from pages.shared import (
    area_commentary,
    area_observations,
    area_releases,
    as_published,
    cached,
    disclosure_note,
    engine,
    figures_as_published,
    london_tables,
    selected,
    stored_targets,
)

_, quarter = selected()
areas = sorted(partnership_areas(engine()))
st.title(f"{' and '.join(areas)} side by side")
if quarter is None:
    st.info("No figures are stored yet.")
    st.stop()
st.markdown(
    f"**{quarter.label}**: each area's figure and status, and for police-recorded crime its rate per 1,000 residents "
    "over the 12 months to the quarter's end, its rank among London's boroughs (1st = highest rate) and London's rate."
)
catalogue = load_catalogue()
targets = cached(stored_targets)
commentary = {area: cached(area_commentary, area, quarter) for area in areas}


def rows_for(figures: dict, releases: dict) -> dict:
    """Pure (no Streamlit calls), so that the download's callable can run it."""
    return {
        area: overview_rows(
            catalogue, figures[area], quarter, targets, commentary[area], releases[area], provisional_months()
        )
        for area in areas
    }


rows_by_area = rows_for(
    {area: cached(area_observations, area) for area in areas}, {area: cached(area_releases, area) for area in areas}
)
london = cached(london_tables, "mps_crime")
comparisons = {
    (area, row.indicator.id): twelve_month_comparison(london, row.indicator.id, area, quarter)
    for area, rows in rows_by_area.items()
    for row in rows
    if row.indicator.subgroup == "mps_crime"
}
st.caption(
    "Rates use ONS mid-year population estimates for each borough (the year is named where it is not the "
    "quarter's own). The City of London has few residents and many workers and visitors, so its rates per "
    "resident are high by construction: compare its counts over time rather than its rate with other areas'."
)
published = None
if not figures_as_published():  # the download is an export: the published figures, whoever asks
    published = (
        {area: as_published(area_observations, area) for area in areas},
        {area: as_published(area_releases, area) for area in areas},
    )
    label = catalogue.disclosure.label
    rows_by_area = {area: marked(rows, published[0][area], quarter, label) for area, rows in rows_by_area.items()}

disclosure_note(None if published is None else pd.concat(published[0].values()))
st.html(TABLE_STYLE + side_by_side_html(rows_by_area, comparisons, quarter))


def published_table() -> bytes:
    rows = rows_by_area if published is None else rows_for(*published)
    return csv_bytes(side_by_side_frame(rows, comparisons))


st.download_button(
    "Download this table (CSV, figures as published)",
    published_table,
    file_name=f"areas_side_by_side_{quarter.label}.csv".replace(" ", "_").replace("/", "-"),
    mime="text/csv",
)
