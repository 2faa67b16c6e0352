"""Upload returns: drop files, see what is wrong or what would change, then confirm."""

import hashlib

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.safe_text import plain_markdown
from cspdash.store import records
from cspdash.store.repository import save_returns
from data_loaders.ingest import check_upload
from pages.shared import board, engine, refresh, require, selected, show_problems

person = require("upload")
area, quarter = selected()
st.title("Upload returns")
st.caption("Nothing is stored until you confirm. A file refused for any reason changes nothing.")
if message := st.session_state.pop("upload_done", None):
    st.success(message)
round_ = st.session_state.setdefault("upload_round", 0)
files = st.file_uploader(
    "Drop the quarter's returns here (Excel or CSV)",
    type=["xlsx", "xlsm", "xls", "csv", "parquet"],
    accept_multiple_files=True,
    key=f"uploads-{round_}",
)
db = engine()
checks = []
if files:
    progress = st.progress(0.0, text="Checking…")
    for number, upload in enumerate(files, start=1):
        checks.append(check_upload(db, upload.name, upload.getvalue(), board().targets()))
        progress.progress(number / len(files), text=f"Checked {number} of {len(files)}")
for check in checks:
    st.subheader(plain_markdown(check.name))
    if check.loaded is None:
        st.error(f"Refused: {sum(not p.is_warning for p in check.problems)} problem(s) to fix before it can be loaded.")
        show_problems(check.problems)
        continue
    loaded = check.loaded
    counts = check.changes["change"].value_counts()
    st.markdown(
        f"**{loaded.kind}** · {plain_markdown(', '.join(loaded.areas[:5]))} · "
        f"{loaded.period_start:%-d %b %Y} to {loaded.period_end:%-d %b %Y} · "
        f"{counts.get('new', 0)} new, {counts.get('revised', 0)} revised, {counts.get('unchanged', 0)} unchanged figures"
    )
    if check.problems:
        st.warning("Warnings (these do not stop the file loading):")
        show_problems(check.problems)
    revised = check.changes[check.changes["change"] == "revised"]
    if not revised.empty:
        st.markdown("**Revised figures (old → new)**")
        st.dataframe(
            revised[["indicator", "area", "period_start", "old_value", "value", "source_cell"]], hide_index=True
        )
    if check.statuses is not None and not check.statuses.empty:
        st.markdown("**Statuses that would change**")
        st.dataframe(check.statuses, hide_index=True)
    elif check.statuses is not None:
        st.caption("No red/amber/green status would change.")

valid = [c for c in checks if c.ok]
if checks and len(valid) == len(checks):
    previewed = hashlib.sha256("".join(c.loaded.sha256 for c in valid).encode()).hexdigest()[:16]
    # the button belongs to exactly the files previewed: a click stores those files or nothing
    if st.button(f"Confirm: store {len(valid)} file(s)", type="primary", key=f"confirm-{previewed}"):
        require("upload")
        results = save_returns(db, [c.loaded for c in valid], person.email)
        refresh()
        stored = sum(r.observations for r in results)
        st.session_state["upload_done"] = f"Stored {stored} figures from {len(valid)} file(s)."
        st.session_state["upload_round"] = round_ + 1
        st.rerun()
elif checks:
    st.info("Fix the refused files and drop them again; nothing has been stored.")

if quarter is not None:
    st.header(f"Commentary for {area}, {quarter.label}")
    catalogue = load_catalogue()
    indicators = {ind.name: ind.id for ind in catalogue.indicators if ind.frequency != "year"}
    chosen = st.selectbox("Indicator", list(indicators), key="comment_indicator")
    indicator = indicators[chosen]
    # one form per area, quarter and indicator: text typed for one is never saved for another
    record = f"comment|{area}|{quarter.label}|{indicator}"
    existing = records.commentary_for(db, area, quarter).get(indicator, {}).get("text", "")
    with st.form(record):
        text = st.text_area(
            f"The sub-group lead's narrative for {chosen}, {area}, {quarter.label}, shown beside the figure",
            value=existing,
            key=f"{record}|text",
        )
        if st.form_submit_button(f"Save commentary for {area}, {quarter.label}"):
            require("comment")
            records.save_commentary(db, indicator, area, quarter, text, person.email)
            refresh()
            st.success(f"Commentary saved for {chosen}, {area}, {quarter.label}.")
