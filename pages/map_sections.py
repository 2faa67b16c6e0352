"""What a sub-group page draws for "Where it happens": an indicator's quarter in each LSOA of the area as
a map (its text alternative first, a sortable table of the same figures after it), the wards ranked,
and one place's months on request, all from the board service's `PlaceMap` and `PlaceDetail`."""

from __future__ import annotations

import streamlit as st

from cspdash import geography
from cspdash.periods import Quarter
from cspdash.place_charts import place_detail_figure, place_figure
from cspdash.place_tables import NO_WARD_MAP, coverage_words, place_table, types_table, ward_table
from cspdash.places import quarter_shown
from cspdash.safe_text import plain_markdown
from pages.shared import STATIC, board, route_through_app, warm_other_quarters

COUNT, RATE, CHANGE = "Count", "Rate per 1,000 residents", "Change on a year earlier"


def where_it_happens(subgroup_id: str, area: str, quarter: Quarter) -> None:
    """The section, when the area has small-area figures for one of the sub-group's indicators."""
    reader = board()
    levels = reader.place_levels(area)
    if not levels:
        return
    level = levels[0]  # the finest: LSOAs when there are any
    indicators = [ind for ind in reader.place_indicators(area, level) if ind.subgroup == subgroup_id]
    covered = reader.place_quarters(area, level)
    shown = quarter_shown(covered, quarter)
    if not indicators or shown is None:
        return
    st.header("Where it happens", anchor="where-it-happens")
    st.caption(coverage_words(covered, quarter, shown, "LSOA" if level == "lsoa" else "Ward"))
    names, key = {ind.id: ind.name for ind in indicators}, f"{subgroup_id}-{area}"
    left, right = st.columns([2, 3])
    chosen = left.selectbox("Indicator", list(names), format_func=names.get, key=f"place-indicator-{key}")
    show = right.radio("Show", (COUNT, RATE, CHANGE), horizontal=True, key=f"place-show-{key}")
    measure = "rate" if show == RATE else "count"
    place_map = reader.place_map(area, shown, chosen, level, measure)
    warm_other_quarters("place_map", area, chosen, level, measure)  # a quarter change reads a finished map
    if place_map is None:
        st.info(f"No {level} figures for {names[chosen]} in {shown.label}.")
        return
    st.markdown(plain_markdown(place_map.finding))
    if level == "lsoa":
        shapes, outline = geography.lsoa_shapes(place_map.area_code), geography.borough_shape(place_map.area_code)
        fig = place_figure(place_map, shapes, outline=outline, change=show == CHANGE)
        st.plotly_chart(fig, key=f"place-map-{area}", alt=place_map.finding, config=STATIC)
    source = f"Figures: {place_map.source}. Boundaries: {geography.SOURCE}. {place_map.attribution}"
    statistics = f" {place_map.statistics}" if board().audience.sees_stored else ""
    st.caption(plain_markdown(f"{place_map.method}{statistics}\n{source}"))
    st.dataframe(place_table(place_map), hide_index=True)
    wards = _wards(area, shown, chosen) if "ward" in levels and level != "ward" else None
    _one_place(area, shown, chosen, place_map, wards)


def _wards(area: str, quarter: Quarter, indicator_id: str):
    """The wards ranked, largest first (no ward map: its boundaries are not shipped)."""
    reader = board()
    at = quarter_shown(reader.place_quarters(area, "ward"), quarter)
    wards = reader.place_map(area, at, indicator_id, level="ward") if at is not None else None
    if wards is None:
        return None
    st.subheader("Wards")
    st.markdown(plain_markdown(wards.finding))
    st.caption(plain_markdown(f"{NO_WARD_MAP} Figures: {wards.source}."))
    st.dataframe(ward_table(wards), hide_index=True)
    return wards


def _one_place(area: str, quarter: Quarter, indicator_id: str, place_map, wards) -> None:
    """One LSOA's or ward's indicator by month and its quarter by crime type, when one is chosen."""
    choices = {(place_map.level, p.code): f"{p.name} ({place_map.level_words[0]})" for p in place_map.places}
    choices |= {("ward", p.code): f"{p.name} (ward)" for p in (wards.places if wards else ())}
    st.subheader("Look at one place")
    hint = "Choose an LSOA or ward (type to search)"
    picked = st.selectbox("Look at one place", list(choices), format_func=choices.get, index=None, placeholder=hint,
                          key=f"place-one-{area}", label_visibility="collapsed")  # fmt: skip
    if picked is None:
        return
    detail = board().place_detail(area, picked[0], picked[1], indicator_id, quarter)
    if detail is None:
        st.info(f"No figures for {choices[picked]}.")
        return
    fig = place_detail_figure(detail)
    alt = f"{detail.name}: {detail.indicator_name} by month"
    st.plotly_chart(fig, key=f"place-detail-{area}", alt=alt, config=STATIC)
    if detail.note:
        st.caption(detail.note)
    st.markdown(plain_markdown(f"{detail.name}, {detail.quarter}, by crime type:"))
    st.dataframe(types_table(detail, place_map.hidden_label), hide_index=True)


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
