"""Adding and changing register items. An edit form belongs to the item and the version the person
saw (its key carries both): if someone else changed the item meanwhile, the save is refused, saying
who, and nothing changes; the form then shows the item as it is now."""

from collections.abc import Callable

import streamlit as st

from cspdash.registers import Register
from cspdash.safe_text import plain_markdown
from cspdash.store import registers as stored
from cspdash.store.records import RecordError
from pages.register_fields import inputs
from pages.shared import board, current_person, engine, refresh, require, route_through_app

DONE = "register-done"


def shown_done() -> None:
    """The last save's confirmation, once the page shows the change."""
    if DONE in st.session_state:
        st.success(st.session_state.pop(DONE))


def new_item_form(spec: Register) -> None:
    key = f"{spec.name}-new"
    with st.form(key, clear_on_submit=True):
        st.markdown(f"**Add {stored.an(spec.label)}**")
        entered = inputs(spec, {}, key)
        if st.form_submit_button(f"Add the {spec.label}"):
            fields = entered.pop("fields")
            _save(
                lambda person: stored.add_item(engine(), spec.name, person.email, **_mine(person), **entered, **fields)
            )


def edit_form(spec: Register) -> None:
    person = current_person()
    rows = [r for r in board().register_rows(spec.name) if person.may_edit_subgroup(r["subgroup_id"])]
    if not rows:
        return
    labels = {r["id"]: f"{r['id']}: {r['title']}" for r in rows}
    chosen = st.selectbox(
        f"Change which {spec.label}", list(labels), index=None, format_func=labels.get, key=f"{spec.name}-choice"
    )
    if chosen is None:
        return
    row = next(r for r in rows if r["id"] == chosen)
    remembered = f"{spec.name}-seen-{chosen}"
    seen = st.session_state.get(remembered, row["version"])  # the version the form was last drawn from
    key = f"{spec.name}-{chosen}-v{seen}"
    with st.form(key):
        entered = inputs(spec, row, key)
        save = st.form_submit_button(f"Save {spec.label} {chosen}")
        move = spec.name == "horizon" and st.form_submit_button("Move to the risk register")
    st.session_state[remembered] = row["version"]
    if save:
        fields = entered.pop("fields")
        _save(
            lambda p: stored.update_item(engine(), chosen, p.email, seen, **_mine(p), **entered, **fields), remembered
        )
    elif move:
        _save(lambda p: stored.move_to_risks(engine(), chosen, p.email, seen, **_mine(p)), remembered)
    elif seen != row["version"]:
        st.rerun()  # changed by someone else: draw the form afresh from what is stored now


def _mine(person) -> dict:
    return {"may_edit": person.may_edit_subgroup}


def _save(change: Callable, remembered: str = "") -> None:
    """Check the role again on the server, make the change, and show the page again with it."""
    person = require("edit_registers")
    try:
        result = change(person)
    except RecordError as error:
        text = str(error)
        st.error(plain_markdown(f"Not saved: {text}; nothing was changed."))
        return
    refresh()
    if remembered:
        st.session_state.pop(remembered, None)  # the form is drawn afresh from the saved item
    saved = "Saved." if result is True else f"Saved (number {result})."
    st.session_state[DONE] = "Nothing was changed: the form held what is stored." if result is False else saved
    st.rerun()


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
