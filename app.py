"""Partnership performance dashboard: the router. Pages live in pages/, logic in cspdash/."""

from pathlib import Path

import streamlit as st

from pages.shared import shared_filters

HERE = Path(__file__).parent

st.set_page_config(page_title="Partnership performance", page_icon=":bar_chart:", layout="wide")
shared_filters()
navigation = st.navigation(
    {
        "Board": [st.Page(HERE / "pages/overview.py", title="Overview", default=True)],
        "Sub-groups": [
            st.Page(HERE / "pages/youth_justice.py", title="Youth Justice"),
            st.Page(HERE / "pages/vawg.py", title="VAWG and domestic abuse"),
            st.Page(HERE / "pages/serious_violence.py", title="Serious Violence and Gangs"),
            st.Page(HERE / "pages/night_time_economy.py", title="Night Time Economy and ASB"),
            st.Page(HERE / "pages/mps_crime.py", title="MPS recorded crime"),
        ],
        "Data": [st.Page(HERE / "pages/data.py", title="Submissions")],
    }
)
navigation.run()
