"""Data: the submissions loaded into the store."""

import streamlit as st

from cspdash.store.queries import submissions
from pages.shared import engine

st.title("Submissions")
st.caption("Every file loaded: returns from the sub-groups and police data releases (vintages).")
table = submissions(engine())
if table.empty:
    st.info("Nothing loaded yet. Use `python -m data_loaders ingest FILE...` to load returns.")
else:
    st.dataframe(
        table.drop(columns=["sha256"]).rename(
            columns={
                "id": "Submission",
                "file": "File",
                "kind": "Kind",
                "area": "Area",
                "period_start": "From",
                "period_end": "To",
                "vintage": "Vintage",
                "submitted_by": "Loaded by",
                "submitted_at": "Loaded at (UTC)",
                "status": "Status",
            }
        ),
        hide_index=True,
    )
