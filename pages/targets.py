"""Targets (admins): an indicator's target, tolerance and polarity for a financial year."""

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.periods import fy_label
from cspdash.store.repository import set_target
from pages.shared import board, engine, refresh, require, selected

person = require("set_targets")
_, quarter = selected()
db = engine()
catalogue = load_catalogue()
st.title("Targets")
st.caption(
    "A target applies to one financial year, for any indicator (whatever its rule); statuses follow at once: "
    "assurance against the target decides them. An unconfirmed target is indicative and labelled so on every "
    "page. Every change is audited."
)
rated = {ind.name: ind for ind in catalogue.indicators if ind.frequency != "year"}
name = st.selectbox("Indicator", list(rated), key="target_indicator")
ind = rated[name]
years = list(range(2018, (quarter.fy if quarter else 2024) + 2))
fy = st.selectbox("Financial year", years, index=len(years) - 2, format_func=fy_label, key="target_year")
current = board().targets().get((ind.id, fy))
st.markdown(
    f"Now: **{current.value:g} ± {current.tolerance:g}** (set for {fy_label(fy)}"
    + ("" if current.confirmed else ", indicative")
    + ")"
    if current
    else f"Now: the catalogue's indicative default {ind.target:g} ± {ind.tolerance:g}"
    if ind.target is not None
    else "Now: no target (the status is the SPC variation of the latest figure)."
)
with st.form(f"target|{ind.id}|{fy}"):  # the form belongs to this indicator and year
    value = st.number_input(f"Target ({ind.unit_label})", value=float(current.value if current else ind.target or 0.0))
    tolerance = st.number_input(
        "Tolerance (stated beside the figure)",
        min_value=0.0,
        value=float(current.tolerance if current else ind.tolerance or 0.0),
    )
    polarities = ["higher", "lower", "neutral"]
    polarity = st.selectbox(
        "Better when", polarities, index=polarities.index((current.polarity if current else None) or ind.polarity)
    )
    confirmed = st.checkbox(
        "Confirmed by the board (untick for an indicative target)", value=bool(current.confirmed) if current else True
    )
    if st.form_submit_button(f"Save target for {fy_label(fy)}"):
        require("set_targets")
        chosen = polarity if polarity != ind.polarity else None
        set_target(db, ind.id, fy, value, tolerance, person.email, chosen, confirmed)
        refresh()
        st.success(f"Target for {ind.name}, {fy_label(fy)} saved.")
