"""Upload returns: drop files, see what is wrong or what would change, then confirm."""

import hashlib

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.safe_text import plain_markdown
from cspdash.service import Audience
from cspdash.store import records
from cspdash.store.repository import save_returns
from data_loaders.ingest import UploadCheck, check_upload
from pages.shared import board, engine, refresh, require, selected, version
from pages.upload_preview import newest_by_name, show_check

person = require("upload")
area, quarter = selected()
st.title("Upload returns")
st.caption("Nothing is stored until you confirm. A file refused for any reason changes nothing.")
if message := st.session_state.pop("upload_done", None):
    st.success(message)
round_ = st.session_state.setdefault("upload_round", 0)
dropped = st.file_uploader(
    "Drop the quarter's returns here (Excel or CSV)",
    type=["xlsx", "xlsm", "xls", "csv", "parquet"],
    accept_multiple_files=True,
    key=f"uploads-{round_}",
)
db = engine()


def checked(upload, earlier: dict, now: dict) -> UploadCheck:
    """The file checked against the store: once per content, store version and quarter in a session
    (`earlier`: the previous run's checks; `now`: this run's, kept for the next)."""
    content = upload.getvalue()
    key = (upload.name, hashlib.sha256(content).hexdigest(), version(), quarter)
    found = earlier.get(key)
    public = board(Audience.PUBLIC)  # the statuses before: the board's own, as everyone sees them
    now[key] = found or check_upload(
        db, upload.name, content, public.targets(), quarter=quarter, board_histories=lambda a: public.histories(a, True)
    )
    return now[key]


files, replaced = newest_by_name(dropped or [])
if replaced:
    names = ", ".join(replaced)
    st.info(
        f"{plain_markdown(names)} dropped again: the newest version replaces the earlier one, which is "
        "set aside (remove it from the list above to tidy up)."
    )
checks, earlier, now = [], st.session_state.get("upload_checks", {}), {}
if files:
    progress = st.progress(0.0, text="Checking…")
    for number, upload in enumerate(files, start=1):
        checks.append(checked(upload, earlier, now))
        progress.progress(number / len(files), text=f"Checked {number} of {len(files)}")
st.session_state["upload_checks"] = now  # only the files in the list now: no stale previews kept
for check in checks:
    show_check(check)

valid = [c for c in checks if c.ok]
if checks and len(valid) == len(checks):
    previewed = hashlib.sha256("".join(c.loaded.sha256 for c in valid).encode()).hexdigest()[:16]
    # the button belongs to exactly the files previewed: a click stores those files or nothing
    if st.button(f"Confirm: store {len(valid)} file(s)", type="primary", key=f"confirm-{previewed}"):
        require("upload")
        results = save_returns(db, [c.loaded for c in valid], person.email)
        refresh()
        stored = sum(r.observations for r in results)
        st.session_state["upload_done"] = f"Stored {stored:,} figures from {len(valid)} file(s)."
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
