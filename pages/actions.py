"""The board's actions: what, who, when, status, and the figure each is about."""

from datetime import date

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.exports import csv_bytes
from cspdash.safe_text import plain_markdown
from cspdash.store import records
from pages.effect_sections import COLUMN, effects_for, effects_list, with_effects
from pages.forms import editor_key, save_actions, unsaved_edits_set_aside
from pages.shared import current_person, engine, refresh, require, selected

person = current_person()
area, quarter = selected()
db = engine()
st.title("Actions")
table = records.actions(db).sort_values("id").reset_index(drop=True)
effects = effects_for(table)
table = with_effects(table, effects)
st.download_button("Export actions (CSV)", csv_bytes(table), "actions.csv", "text/csv")
if table.empty:
    st.info("No actions recorded yet.")
elif person.can("edit_actions"):
    key = editor_key(table)
    if unsaved_edits_set_aside(key):
        st.warning(
            "The actions changed while you were editing them; your unsaved edits were set aside: make them again."
        )
    edited = st.data_editor(
        table,
        hide_index=True,
        disabled=["id", "indicator", "area", "quarter", "created_by", "updated_by", "updated_at", COLUMN],
        column_config={
            "status": st.column_config.SelectboxColumn("status", options=records.ACTION_STATUSES, required=True),
            "due_date": st.column_config.DateColumn("due"),
            "start_date": st.column_config.DateColumn("started", required=True),
        },
        key=key,
    )
    if st.button("Save changes to actions", key=f"save-{key}"):
        require("edit_actions")
        save_actions(table, edited, person.email)
else:
    st.dataframe(table, hide_index=True)
effects_list(table, effects)

if person.can("edit_actions"):
    where = f"{area}, {quarter.label}" if quarter else area
    st.header(f"New action for {where}")
    catalogue = load_catalogue()
    indicators = {"(none)": None} | {ind.name: ind.id for ind in catalogue.indicators if ind.frequency != "year"}
    with st.form(f"new_action|{where}", clear_on_submit=True):
        title = st.text_input("What is to be done")
        owner = st.text_input("Owner")
        due = st.date_input("Due", value=date.today())
        started = st.date_input("Started", value=None, help="When the work began; left empty, the day it is added.")
        linked = st.selectbox("About indicator", list(indicators))
        if st.form_submit_button(f"Add action for {where}"):
            require("edit_actions")
            try:
                number = records.add_action(
                    db, person.email, title, owner, due, indicators[linked], area, quarter, start_date=started
                )
            except records.RecordError as error:
                st.error(plain_markdown(str(error)))
            else:
                refresh()
                st.success(f"Action {number} added.")
