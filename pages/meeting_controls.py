"""Meeting mode's controls: stepping (First, Previous, Next, Last and a clicker's keys), the theme
switch, the way out, and the notice for a link to a screen that does not exist."""

import json
from pathlib import Path

import streamlit as st

from pages.shared import route_through_app

OVERVIEW = Path(__file__).with_name("overview.py")  # as the router registers it (a path, wherever the app starts)
CHROME_HIDDEN = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container, [data-testid="stMainBlockContainer"] {padding: 0.5rem 1.25rem 0.25rem; max-width: 1280px;}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {gap: 0.45rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 32px; line-height: 1.3; padding: 0.15rem 0 0.1rem; margin: 0;}
.st-key-meeting-controls button p, .st-key-meeting-controls a p {font-size: 18px;}
.st-key-meeting-controls button kbd {color: inherit !important; opacity: 1 !important;}
.st-key-meeting-more-keys {display: none !important;}
.st-key-meeting-unknown [data-testid="stAlert"] p {font-size: 18px;}
</style>"""

# Streamlit keeps the app's theme choice (Settings → Choose app theme) in the browser's local storage,
# under a key of the page's path; it has no call to switch it from the app (version 1.67). This sets
# that choice, as the settings menu would, and reloads the page: the link keeps the screen.
THEME_SCRIPT = """<script>
window.localStorage.setItem(`stActiveTheme-${window.location.pathname}-v2`, JSON.stringify(%s));
window.location.reload();
</script>"""


def go_to(number: int, total: int) -> None:
    """Show screen `number` (counted from 0) of `total`, kept within the agenda."""
    st.session_state["meeting_screen"] = max(0, min(total - 1, number))
    st.session_state["meeting_unknown"] = None


def step(by: int, total: int) -> None:
    go_to(st.session_state["meeting_screen"] + by, total)


def switch_theme(to: str) -> None:
    st.session_state["meeting_theme_to"] = to


def theme() -> str:
    return "dark" if st.context.theme.type == "dark" else "light"


def controls(number: int, total: int, area: str, quarter) -> None:
    """First, Previous, Next, Last (Home, Left, Right, End), the theme switch and the way out; PageDown,
    Space and PageUp step too (buttons of their own, not shown)."""
    first, last = number == 0, number == total - 1
    with st.container(horizontal=True, key="meeting-controls", vertical_alignment="center"):
        st.button("First", key="meeting-first", on_click=go_to, args=(0, total), shortcut="Home", disabled=first)
        st.button("Previous", key="meeting-previous", on_click=step, args=(-1, total), shortcut="Left", disabled=first)
        st.button(
            "Next", key="meeting-next", on_click=step, args=(1, total), shortcut="Right", disabled=last, type="primary"
        )
        st.button("Last", key="meeting-last", on_click=go_to, args=(total - 1, total), shortcut="End", disabled=last)
        st.space("stretch")
        other = "Light" if theme() == "dark" else "Dark"
        st.button(f"{other} theme", key="meeting-theme", on_click=switch_theme, args=(other,))
        st.page_link(
            OVERVIEW,
            label="Leave meeting mode",
            icon=":material/logout:",
            query_params={"area": area, "quarter": quarter.label},
        )
    with st.container(key="meeting-more-keys"):  # a clicker's keys: more than one shortcut a button
        st.button("Next", key="meeting-pagedown", on_click=step, args=(1, total), shortcut="PageDown", disabled=last)
        st.button("Next", key="meeting-space", on_click=step, args=(1, total), shortcut="Space", disabled=last)
        st.button("Previous", key="meeting-pageup", on_click=step, args=(-1, total), shortcut="PageUp", disabled=first)


def notices() -> int:
    """Say that a link's screen does not exist, and switch the theme when asked; the height taken."""
    if to := st.session_state.pop("meeting_theme_to", None):
        st.html(THEME_SCRIPT % json.dumps(to), unsafe_allow_javascript=True)
    if unknown := st.session_state.get("meeting_unknown"):
        with st.container(key="meeting-unknown"):
            st.warning(f"There is no screen “{unknown}” in this meeting; showing the summary.")
        return 60
    return 0


if __name__ == "__main__":  # opened as a page of its own: not a page
    route_through_app()
