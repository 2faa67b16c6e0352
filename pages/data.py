"""Data: the submissions loaded into the store, withdrawal, backup, and a template for every kind."""

import streamlit as st

from cspdash.backup import backup
from cspdash.store.queries import submissions
from data_loaders.kinds import load_kinds
from data_loaders.template import template_bytes
from pages.forms import withdrawal_form
from pages.shared import current_person, engine, require


@st.cache_data(ttl=3600)
def template_for(kind_id: str) -> bytes:
    return template_bytes(kind_id)


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
if message := st.session_state.pop("withdrawn", None):
    st.success(message)
table = submissions(engine())
if table.empty:
    st.info("Nothing loaded yet. Use `python -m data_loaders ingest FILE...` to load returns.")
else:
    st.dataframe(table[list(COLUMNS)].rename(columns=COLUMNS), hide_index=True)

person = current_person()
if person.can("withdraw") and not table.empty:
    st.header("Withdraw a submission")
    st.caption("Its figures stop being used and the previous revision of each returns. The file is kept.")
    withdrawal_form(table, person.email)
if person.can("backup"):
    st.header("Backup")
    st.caption(
        "Everything: the original files, every figure and revision, targets, commentary, actions, the audit log."
    )
    if st.button("Prepare a backup"):
        require("backup")
        st.session_state["backup_zip"] = backup(engine(), person.email)
    if "backup_zip" in st.session_state:
        st.download_button(
            "Download the backup (.zip)", st.session_state["backup_zip"], "dashboard-backup.zip", "application/zip"
        )

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
            template_for(kind.id),
            file_name=f"{kind.id}_template.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"template-{kind.id}",
        )
