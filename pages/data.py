"""Data: the submissions loaded into the store, and a template for every kind of return."""

import streamlit as st

from cspdash.store.queries import submissions
from data_loaders.kinds import load_kinds
from data_loaders.template import template_bytes
from pages.shared import engine

COLUMNS = {
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

st.title("Submissions")
st.caption("Every file loaded: returns from the sub-groups and police data releases (vintages).")
table = submissions(engine())
if table.empty:
    st.info("Nothing loaded yet. Use `python -m data_loaders ingest FILE...` to load returns.")
else:
    st.dataframe(table[list(COLUMNS)].rename(columns=COLUMNS), hide_index=True)

st.header("Templates")
st.caption("A fillable workbook for each kind of file: instructions, definitions, a protected header and checks.")
kinds = load_kinds()
returns = [k for k in kinds.values() if k.is_return]
publications = [k for k in kinds.values() if not k.is_return]
for group, title in ((returns, "Sub-group returns"), (publications, "Police and published data")):
    st.subheader(title)
    for kind in group:
        st.download_button(
            f"{kind.name} (.xlsx)",
            template_bytes(kind.id),
            file_name=f"{kind.id}_template.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"template-{kind.id}",
        )
