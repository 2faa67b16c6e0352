"""The router. Pages live in pages/ (each catalogue sub-group's from one function), logic in cspdash/."""

from functools import partial
from pathlib import Path

import streamlit as st

from cspdash.catalogue import load_catalogue
from cspdash.safe_text import plain_markdown
from pages import registers, shared
from pages.indicator_sections import subgroup_page

HERE = Path(__file__).parent


def page(name: str, title: str, **options) -> st.Page:
    return st.Page(HERE / "pages" / name, title=title, **options)


def gate(person) -> st.Page:
    """The one page for someone without a role: sign in, no access yet, or refused outright."""
    if person.local:
        return page("refused.py", "Not available")
    return page("sign_in.py", "Sign in") if not person.email else page("no_access.py", "No access")


def subgroup_pages() -> list[st.Page]:
    """A page for every sub-group of the catalogue in force, at /<its id>, drawn by one function."""
    subgroups = load_catalogue().subgroups
    return [st.Page(partial(subgroup_page, s.id), title=s.name, url_path=s.id) for s in subgroups]


def sections_for(person) -> dict[str, list[st.Page]]:
    sections = {
        "Board": [
            page("overview.py", "Overview", default=True),
            page("compare.py", "Areas side by side"),
            page("meeting.py", "Meeting mode"),
            page("boardpack.py", "Sign-off and board pack"),
            page("glossary.py", "Glossary"),
        ],
        "Sub-groups": subgroup_pages(),
        "Data": [page("data.py", "Submissions"), page("actions.py", "Actions")],
    }
    if person.can("upload"):
        sections["Data"].insert(0, page("upload.py", "Upload returns"))
    if person.can("set_targets"):
        sections["Admin"] = [page("targets.py", "Targets"), page("audit.py", "Audit log")]
    return registers.with_partnership(sections)


st.set_page_config(page_title="Partnership performance", page_icon=":bar_chart:", layout="wide")
shared.leave_legacy_mode([*subgroup_pages(), *registers.register_pages()])
with shared.routed(), shared.store_problems_shown():
    person = shared.current_person()
    if person.role is None:
        st.navigation([gate(person)], position="hidden").run()
        st.stop()
    sections = sections_for(person)
    chosen = st.navigation(sections, position="hidden")  # the page asked for, if the role allows it
    shared.open_for_this_run()
    shared.shared_filters()  # first in the sidebar: Area and Quarter without scrolling it
    shared.sidebar_navigation(sections)
    shared.read_only_banner(person)
    with st.sidebar:
        st.caption(f"Signed in: {plain_markdown(person.email)} ({person.role.name.lower()})")
        if not person.local:
            st.button("Sign out", on_click=st.logout)
    chosen.run()
