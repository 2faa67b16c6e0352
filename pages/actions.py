"""The board's actions: what, who, when, status, and the figure each is about."""

from datetime import date

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.store import records
from pages.shared import current_person, engine, refresh, require, selected

person = current_person()
area, quarter = selected()
db = engine()
st.title("Actions")
table = records.actions(db)
st.download_button("Export actions (CSV)", table.to_csv(index=False).encode("utf-8"), "actions.csv", "text/csv")
if table.empty:
    st.info("No actions recorded yet.")
elif person.can("edit_actions"):
    edited = st.data_editor(
        table,
        hide_index=True,
        disabled=["id", "indicator", "area", "quarter", "created_by", "updated_by", "updated_at"],
        column_config={
            "status": st.column_config.SelectboxColumn("status", options=records.ACTION_STATUSES, required=True),
            "due_date": st.column_config.DateColumn("due"),
        },
        key="actions_editor",
    )
    if st.button("Save changes to actions"):
        require("edit_actions")
        for before, after in zip(table.itertuples(), edited.itertuples(), strict=True):
            changes = {
                f: getattr(after, f)
                for f in ("title", "owner", "due_date", "status")
                if getattr(before, f) != getattr(after, f)
            }
            if changes:
                records.update_action(db, int(before.id), person.email, **changes)
        refresh()
        st.success("Actions saved.")
else:
    st.dataframe(table, hide_index=True)

if person.can("edit_actions"):
    st.header("New action")
    catalogue = load_catalogue()
    indicators = {"(none)": None} | {ind.name: ind.id for ind in catalogue.indicators if ind.frequency != "year"}
    with st.form("new_action", clear_on_submit=True):
        title = st.text_input("What is to be done")
        owner = st.text_input("Owner")
        due = st.date_input("Due", value=date.today())
        linked = st.selectbox("About indicator", list(indicators))
        if st.form_submit_button("Add action"):
            require("edit_actions")
            try:
                number = records.add_action(db, person.email, title, owner, due, indicators[linked], area, quarter)
            except records.RecordError as error:
                st.error(str(error))
            else:
                refresh()
                st.success(f"Action {number} added.")
