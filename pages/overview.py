"""Board overview: every indicator's quarter against the same quarter last year, with its status."""

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.overview import completeness_text, overview_frame, overview_html, overview_rows, status_counts
from cspdash.store.db import database_url
from cspdash.store.queries import subgroups_reporting
from data_loaders.kinds import return_kinds
from pages.shared import area_observations, engine, selected, stored_targets

area, quarter = selected()
st.title(f"Partnership overview: {area}")
if quarter is None:
    st.info(f"No figures are stored for {area} yet. Load a return on the Data pages.")
    st.stop()

catalogue = load_catalogue()
db = engine()
rows = overview_rows(
    catalogue, area_observations(db, database_url(), area), quarter, stored_targets(db, database_url())
)
expected = {kind.subgroup for kind in return_kinds().values()}
subgroups = {s.id: s.name for s in catalogue.subgroups if s.id in expected}
st.markdown(
    f"**{quarter.label}** ({quarter.start:%-d %B %Y} to {quarter.end:%-d %B %Y}) "
    "against the same quarter a year earlier."
)
st.info(completeness_text(subgroups, subgroups_reporting(db, area, quarter), quarter))
counts = status_counts(rows)
st.markdown(" · ".join(f"{status.shape} **{n} {status.word}**" for status, n in counts.items()))
order = st.radio("Order", ["By sub-group", "Exceptions first"], horizontal=True, key="order")
st.html(overview_html(rows, quarter, "exceptions" if order == "Exceptions first" else "subgroup"))
st.caption(
    "Status: against the year's target and tolerance where one is set; otherwise on the change from "
    "a year earlier, green or red only when it is statistically significant (Poisson test for counts, "
    "Fisher's exact test for proportions, 5% level), amber when within normal variation."
)
st.download_button(
    "Download this table (CSV)",
    overview_frame(rows, quarter).to_csv(index=False).encode("utf-8"),
    file_name=f"overview_{area}_{quarter.label}.csv".replace(" ", "_").replace("/", "-"),
    mime="text/csv",
)
