"""Audit log (admins): who did what, when."""

import streamlit as st

from cspdash.exports import csv_bytes
from cspdash.store import records
from pages.shared import engine, require

require("read_audit")
st.title("Audit log")
st.caption("Uploads, confirmations, withdrawals, target and action edits, commentary and sign-ins; newest first.")
entries = records.audit_entries(engine())
st.dataframe(
    entries.rename(columns={"at": "When (UTC)", "actor": "Who", "action": "What", "detail": "Detail"}), hide_index=True
)
st.download_button("Export the audit log (CSV)", csv_bytes(entries), "audit_log.csv", "text/csv")
