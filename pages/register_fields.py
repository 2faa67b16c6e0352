"""A register item's form widgets, drawn from the register's declaration (cspdash/registers.py)."""

from datetime import date

import streamlit as st

from cspdash.registers import Field, Register
from cspdash.store import records
from pages.shared import board, current_person, engine, route_through_app

WIDE = "partnership-wide"
OWN_SUBGROUP = ("horizon", "risk", "agenda")  # registers whose items belong to a sub-group (else partnership-wide)


def inputs(spec: Register, row: dict, key: str) -> dict:
    """What the person entered: title, meeting (a new agenda item or decision), sub-group, fields, links."""
    entered = {"title": st.text_input(spec.title_label, value=row.get("title", ""), key=f"{key}-title")}
    if spec.parent and not row:
        meetings = {m.id: f"{m.title}, {m.date:%-d %b %Y}" for m in reversed(board().meetings())}
        entered["parent_id"] = st.selectbox("Meeting", list(meetings), format_func=meetings.get, key=f"{key}-parent")
    if spec.name in OWN_SUBGROUP:
        entered["subgroup_id"] = _subgroup(row.get("subgroup_id"), key)
    entered["fields"] = {f.name: _input(f, row.get(f.name, f.default), key) for f in spec.fields}
    entered["links"] = {t: _links(t, row.get("links", {}).get(t, []), key) for t in spec.links if t in PICKERS}
    return entered


def _subgroup(current: str | None, key: str) -> str | None:
    person = current_person()
    names = {s.id: s.name for s in board().catalogue.subgroups} | {None: WIDE}
    options = [s for s in names if person.may_edit_subgroup(s)]
    index = options.index(current) if current in options else 0
    return st.selectbox("Sub-group", options, index=index, format_func=names.get, key=f"{key}-subgroup")


def _input(spec: Field, value, key: str):
    name = f"{key}-{spec.name}"
    if spec.kind == "choice":
        index = spec.choices.index(value) if value in spec.choices else 0
        return st.selectbox(spec.label, spec.choices, index=index, key=name)
    if spec.kind == "score":
        return st.selectbox(spec.label, [1, 2, 3, 4, 5], index=int(value or 3) - 1, key=name)
    if spec.kind == "date":
        return st.date_input(spec.label, value=date.fromisoformat(value) if value else None, key=name)
    if spec.kind == "minutes":
        return st.number_input(spec.label, min_value=1, max_value=600, value=int(value or 15), step=1, key=name)
    return st.text_input(spec.label, value=str(value or ""), key=name)


def _indicators() -> dict:
    return {i.id: i.name for i in board().catalogue.indicators}


def _subgroups() -> dict:
    return {s.id: s.name for s in board().catalogue.subgroups}


def _actions() -> dict:
    table = records.actions(engine())
    return {str(row.id): f"{row.id}: {row.title}" for row in table.itertuples()}


PICKERS = {"indicator": ("Linked indicators", _indicators), "subgroup": ("Linked sub-groups", _subgroups)}
PICKERS["action"] = ("Linked actions", _actions)


def _links(target: str, current: list[str], key: str) -> list[str]:
    label, options = PICKERS[target]
    named = options()
    if not named:  # nothing to link yet (no actions): say so rather than draw an empty, disabled list
        st.caption(f"{label}: none to choose from yet.")
        return []
    chosen = [c for c in current if c in named]
    return st.multiselect(label, list(named), default=chosen, format_func=named.get, key=f"{key}-{target}s")


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
