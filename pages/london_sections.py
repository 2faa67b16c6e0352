"""What every page draws to compare the area with London: one indicator's funnel plot, what it
says, the boroughs beyond its limits and the rank as information, all from the board service's rows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cspdash.periods import Quarter
from cspdash.safe_text import plain_markdown
from pages.shared import STATIC, board, route_through_app


def london_comparison(area: str, quarter: Quarter, indicator_id: str):
    """The indicator beside London, as the board service's rows give it (one comparison for every view)."""
    rows = {row.indicator.id: row for row in board().rows(area, quarter)}
    row = rows.get(indicator_id)
    return None if row is None else row.london


def london_funnel_section(view, key: str, quarter: Quarter | None = None) -> None:
    """The funnel plot, what it says, the boroughs beyond its limits, and the rank as information;
    with the quarter, the same comparison as a map of the boroughs beside it."""
    from cspdash.funnel_charts import funnel_figure

    fig = funnel_figure(view)
    st.plotly_chart(fig, key=key, alt=view.sentence, config=STATIC)
    st.caption(plain_markdown(f"{view.funnel.method} Rates use {view.population}. {view.rank_words}."))
    if quarter is not None:
        borough_map_section(view, quarter, key)
    outliers = view.outlier_rows()
    if outliers:
        st.markdown(f"Boroughs beyond the 95% limits ({len(outliers)} of {view.boroughs}):")
        st.dataframe(pd.DataFrame(outliers), hide_index=True)
    else:
        st.markdown(f"All {view.boroughs} boroughs are within the 95% limits.")


def borough_map_section(view, quarter: Quarter, key: str) -> None:
    """The London comparison as a map of the boroughs (the area and its similar boroughs outlined)."""
    from cspdash import geography
    from cspdash.place_charts import place_figure

    reader = board()
    indicator_id = next((i.id for i in reader.catalogue.indicators if i.name == view.indicator), None)
    boroughs = reader.borough_map(view.area, quarter, indicator_id) if indicator_id else None
    if boroughs is None:
        return
    fig = place_figure(boroughs, geography.borough_shapes(), height=520)
    st.plotly_chart(fig, key=f"{key}-boroughs", alt=boroughs.finding, config=STATIC)
    similar = ", ".join(p.name for p in boroughs.places if p.highlight == "similar")
    statistics = f" {boroughs.statistics}" if reader.audience.sees_stored else ""
    st.caption(plain_markdown(f"ONS similar boroughs: {similar}. {boroughs.method}{statistics} {boroughs.attribution}"))


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
