"""Local mode asked for by a name that is not this computer's: nothing is shown."""

import streamlit as st

from cspdash.safe_text import plain_markdown
from pages.shared import current_person

st.title("Not available at this address")
st.error(plain_markdown(current_person().why_not or "This address may not use the dashboard."), icon=":material/block:")
