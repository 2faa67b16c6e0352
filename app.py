"""Partnership performance dashboard: the router. Pages live in pages/, logic in cspdash/."""

from pathlib import Path

import streamlit as st

from cspdash.access import Role
from pages.shared import current_person, shared_filters

HERE = Path(__file__).parent


def page(name: str, title: str, **options) -> st.Page:
    return st.Page(HERE / "pages" / name, title=title, **options)


st.set_page_config(page_title="Partnership performance", page_icon=":bar_chart:", layout="wide")
person = current_person()
if person.role is None:
    gate = page("sign_in.py", "Sign in") if not person.email else page("no_access.py", "No access")
    st.navigation([gate], position="hidden").run()
    st.stop()

if person.local and person.role is Role.VIEWER:
    st.warning(
        "Read-only: sign-in is not configured and this server listens beyond this computer, so nobody may "
        "change data. Configure [auth] in .streamlit/secrets.toml, or run on 127.0.0.1 (make run).",
        icon=":material/lock:",
    )
shared_filters()
sections = {
    "Board": [page("overview.py", "Overview", default=True)],
    "Sub-groups": [
        page("youth_justice.py", "Youth Justice"),
        page("vawg.py", "VAWG and domestic abuse"),
        page("serious_violence.py", "Serious Violence and Gangs"),
        page("night_time_economy.py", "Night Time Economy and ASB"),
        page("mps_crime.py", "MPS recorded crime"),
    ],
    "Data": [page("data.py", "Submissions"), page("actions.py", "Actions")],
}
if person.can("upload"):
    sections["Data"].insert(0, page("upload.py", "Upload returns"))
if person.can("set_targets"):
    sections["Admin"] = [page("targets.py", "Targets"), page("audit.py", "Audit log")]
with st.sidebar:
    st.caption(f"Signed in: {person.email} ({person.role.name.lower()})")
    if not person.local:
        st.button("Sign out", on_click=st.logout)
st.navigation(sections).run()
