"""Audit log (admins): who did what, when."""

import streamlit as st

from cspdash.store import records
from pages.shared import engine, require

require("read_audit")
st.title("Audit log")
st.caption("Uploads, confirmations, withdrawals, target and action edits, commentary and sign-ins; newest first.")
entries = records.audit_entries(engine())
st.dataframe(
    entries.rename(columns={"at": "When (UTC)", "actor": "Who", "action": "What", "detail": "Detail"}), hide_index=True
)
st.download_button(
    "Export the audit log (CSV)", entries.to_csv(index=False).encode("utf-8"), "audit_log.csv", "text/csv"
)
