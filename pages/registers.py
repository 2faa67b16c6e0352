"""The partnership's registers: horizon scanning, risks, and the forward plan with its decisions log.
One function draws each (app.py gives it its link): the list in plain English first, then the exports,
then, for those allowed, forms to add and change items."""

from datetime import date
from functools import partial

import streamlit as st

from cspdash.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from cspdash.registers import REGISTERS
from pages.register_fields import OWN_SUBGROUP
from pages.register_forms import edit_form, new_item_form, shown_done
from pages.register_lists import LISTS
from pages.shared import board, current_person, route_through_app

TITLES = {"horizon": "Horizon scanning", "risk": "Risk register", "meeting": "Forward plan and decisions"}
INTROS = {
    "horizon": "What is coming that could affect community safety (PESTLE), how likely and how much it would "
    "matter (1–5 each), and what the partnership will do about it.",
    "risk": "The partnership's risks, highest after controls first: likelihood × impact (1–5 each) before and "
    "after controls, who owns each, and how it is treated.",
    "meeting": "The strategic leadership group's meetings, the next one's timed agenda, and the decisions taken.",
}
PARTS = {"meeting": ("meeting", "agenda", "decision")}
FILES = {"horizon": "horizon_scanning", "risk": "risks", "meeting": "meetings", "agenda": "agenda"}
FILES["decision"] = "decisions"
LINKS = {"horizon": "horizon", "risk": "risks", "meeting": "forward_plan"}  # each page's url path


def register_pages() -> list[st.Page]:
    """The registers' pages, each drawn by `register_page`: /horizon, /risks, /forward_plan."""
    titles = {"horizon": "Horizon scanning", "risk": "Risks", "meeting": "Forward plan and decisions"}
    return [st.Page(partial(register_page, n), title=titles[n], url_path=path) for n, path in LINKS.items()]


def with_partnership(sections: dict[str, list]) -> dict[str, list]:
    """The app's sections with "Partnership" (the registers) after "Data", for every role."""
    ordered = {}
    for name, pages in sections.items():
        ordered[name] = pages
        if name == "Data":
            ordered["Partnership"] = register_pages()
    ordered.setdefault("Partnership", register_pages())  # last, if there is no "Data"
    return ordered


def register_page(name: str) -> None:
    route_through_app()
    person = current_person()
    st.title(TITLES[name])
    st.caption(INTROS[name])
    shown_done()
    LISTS[name](date.today())
    parts = PARTS.get(name, (name,))
    st.subheader("Export")
    _exports(parts)
    if not person.can("edit_registers"):
        st.caption("Analysts and administrators keep this register; you can read it and export it.")
        return
    st.header("Add or change")
    labels = {REGISTERS[p].label.capitalize(): p for p in parts}
    chosen = labels[st.radio("What", list(labels), horizontal=True, key=f"{name}-part")] if len(parts) > 1 else name
    spec = REGISTERS[chosen]
    if spec.parent and not board().meetings():
        st.info("Add a meeting first: agenda items and decisions belong to one.")
        return
    if chosen not in OWN_SUBGROUP and not person.may_edit_subgroup(None):
        st.caption(f"Administrators keep the partnership-wide {spec.label}s; you can read them and export them.")
        return
    new_item_form(spec)
    edit_form(spec)


def _exports(parts: tuple[str, ...]) -> None:
    for column, part in zip(st.columns(max(len(parts), 2)), parts, strict=False):
        table, file = board().register_table(part), FILES[part]
        named = file.replace("_", " ").capitalize()
        with column:
            st.download_button(f"{named} (CSV)", csv_bytes(table), f"{file}.csv", "text/csv", key=f"csv-{part}")
            data = xlsx_bytes(table, file[:31])
            st.download_button(f"{named} (Excel)", data, f"{file}.xlsx", XLSX_MIME, key=f"xlsx-{part}")


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
